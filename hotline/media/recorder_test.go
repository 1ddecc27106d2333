package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func frame(level int16) []byte {
	pcm := make([]int16, FrameSamples)
	for i := range pcm {
		if i%2 == 0 {
			pcm[i] = level
		} else {
			pcm[i] = -level
		}
	}
	return PCMA.Encode(nil, pcm)
}

func readBack(t *testing.T, path string) WAV {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := ReadWAV(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return w
}

func energy(s []int16) (sum int64) {
	for _, v := range s {
		sum += int64(v) * int64(v)
	}
	return sum
}

func TestRecorderAlignsChannels(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	path := filepath.Join(t.TempDir(), "2025", "call.wav")
	r, err := NewRecorder(path, 2, time.Time{}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	// 1 s: caller speaks, right channel silent (a prompt that never came).
	for range 50 {
		clk.add(20 * time.Millisecond)
		r.Write(Left, PCMA, frame(8000))
	}
	// 1 s: nobody sends anything (a gap).
	clk.add(time.Second)
	// 1 s: the operator speaks with 30 ms packets (240 samples).
	for range 33 {
		clk.add(30 * time.Millisecond)
		big := append(frame(4000), frame(4000)[:80]...)
		r.Write(Right, PCMA, big)
	}
	clk.add(10 * time.Millisecond)
	info, err := r.Close()
	if err != nil {
		t.Fatal(err)
	}
	if info.Duration < 2990*time.Millisecond || info.Duration > 3010*time.Millisecond {
		t.Errorf("duration %v, want 3s", info.Duration)
	}
	b, _ := os.ReadFile(path)
	sum := sha256.Sum256(b)
	if info.SHA256 != hex.EncodeToString(sum[:]) || info.Size != int64(len(b)) {
		t.Errorf("info %+v does not match the file (%d bytes)", info, len(b))
	}
	w := readBack(t, path)
	if w.Channels != 2 || w.Rate != 8000 {
		t.Fatalf("format %d ch %d Hz", w.Channels, w.Rate)
	}
	left, right := w.Channel(Left), w.Channel(Right)
	sec := func(s []int16, i int) int64 { return energy(s[i*8000 : (i+1)*8000]) }
	if sec(left, 0) == 0 || sec(left, 1) != 0 || sec(left, 2) != 0 {
		t.Errorf("left channel energy per second: %d %d %d; want speech, silence, silence", sec(left, 0), sec(left, 1), sec(left, 2))
	}
	if sec(right, 0) != 0 || sec(right, 1) != 0 || sec(right, 2) == 0 {
		t.Errorf("right channel energy per second: %d %d %d; want silence, silence, speech", sec(right, 0), sec(right, 1), sec(right, 2))
	}
}

func TestRepairWAV(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	path := filepath.Join(t.TempDir(), "crash.wav")
	r, err := NewRecorder(path, 2, time.Time{}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	for range 200 { // 4 s, flushed in pieces as it goes
		clk.add(20 * time.Millisecond)
		r.Write(Left, PCMA, frame(3000))
		r.Write(Right, PCMA, frame(3000))
	}
	r.w.Flush() // what reached the disk before the crash
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{1, 2, 3}) // a torn last frame
	f.Close()
	info, err := RepairWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	w := readBack(t, path)
	if w.Frames() == 0 || info.Duration != time.Duration(w.Frames())*time.Second/8000 || info.Size != int64(44+4*w.Frames()) {
		t.Fatalf("repaired: %+v, %d frames", info, w.Frames())
	}
	if info.Duration < 3*time.Second {
		t.Errorf("repaired file holds %v, want most of the 4 s", info.Duration)
	}
	if _, err := RepairWAV(filepath.Join(t.TempDir(), "missing.wav")); err == nil {
		t.Error("repairing a missing file succeeded")
	}
}

func TestReadWAVRejects(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":    nil,
		"not riff": []byte("RIFX\x00\x00\x00\x00WAVE"),
		"8-bit":    append(append([]byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00"), 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x40, 0x1f, 0, 0, 1, 0, 8, 0), []byte("data\x00\x00\x00\x00")...),
	} {
		if _, err := ReadWAV(bytes.NewReader(b)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzReadWAV(f *testing.F) {
	f.Add(append(wavHeader(1, 4), 1, 2, 3, 4))
	f.Add(append(wavHeader(2, 100), 1, 2, 3, 4, 5))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ReadWAV(bytes.NewReader(b))
		if err == nil && len(w.Samples)%w.Channels != 0 {
			t.Fatalf("%d samples for %d channels", len(w.Samples), w.Channels)
		}
	})
}

// fullDisk writes the first left bytes, then fails as a full disk does.
type fullDisk struct {
	f    *os.File
	left int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	n := min(len(p), d.left)
	d.left -= n
	if _, err := d.f.Write(p[:n]); err != nil {
		return 0, err
	}
	if n < len(p) {
		return n, &os.PathError{Op: "write", Path: d.f.Name(), Err: syscall.ENOSPC}
	}
	return n, nil
}

// A crash at any moment leaves a file RepairWAV fixes: the header is on
// disk from the start.
func TestRecorderHeaderOnDiskAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.wav")
	if _, err := NewRecorder(path, 2, time.Time{}, nil); err != nil {
		t.Fatal(err)
	}
	info, err := RepairWAV(path)
	if err != nil || info.Size != wavHeaderSize || info.Duration != 0 {
		t.Fatalf("repair of a recording cut off at once: %+v %v", info, err)
	}
}

// A full disk stops the recording without a fuss: OnFail is told once,
// Close keeps the whole frames that reached the disk and says why the
// rest is missing.
func TestRecorderStopsOnFullDisk(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	path := filepath.Join(t.TempDir(), "full.wav")
	r, err := NewRecorder(path, 2, time.Time{}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	r.w.Reset(&fullDisk{f: r.f, left: 16001}) // 4000 frames and a torn one
	failed := make(chan error, 10)
	r.OnFail(func(err error) { failed <- err })
	for range 250 { // 5 s
		clk.add(20 * time.Millisecond)
		r.Write(Left, PCMA, frame(3000))
		r.Write(Right, PCMA, frame(3000))
	}
	select {
	case err := <-failed:
		if !errors.Is(err, ErrStopped) || !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("OnFail told %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnFail not told")
	}
	info, err := r.Close()
	if !errors.Is(err, ErrStopped) || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "after 500ms") {
		t.Errorf("Close: %v, want the stop after 500ms and its cause", err)
	}
	w := readBack(t, path)
	if w.Frames() != 4000 || info.Size != 44+16000 || info.Duration != 500*time.Millisecond || len(failed) != 0 {
		t.Fatalf("kept %d frames, %+v; %d more failures told", w.Frames(), info, len(failed))
	}
}

// TestRecorderLateBurst: a busy machine reads 300 ms of the caller's
// packets late and at once, after their gap was filled with silence. The
// burst takes the place of the silence instead of pushing the channel
// ahead of the wall clock: the recording keeps its length, the channels
// stay in step, and nothing piles up in the buffer.
func TestRecorderLateBurst(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	path := filepath.Join(t.TempDir(), "burst.wav")
	r, err := NewRecorder(path, 2, time.Time{}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	for sec := range 10 {
		for range 35 { // 700 ms on time
			clk.add(20 * time.Millisecond)
			r.Write(Left, PCMA, frame(8000))
			r.Write(Right, PCMA, frame(2000))
		}
		clk.add(300 * time.Millisecond) // the reader stalls, then catches up
		for range 15 {
			r.Write(Left, PCMA, frame(8000))
			r.Write(Right, PCMA, frame(2000))
		}
		r.mu.Lock()
		ahead := r.tracks[Left].next - r.elapsed()
		buffered := len(r.tracks[Left].buf)
		r.mu.Unlock()
		if ahead > jitterSamples || buffered > lagSamples+jitterSamples+FrameSamples {
			t.Fatalf("after stall %d: left channel %d samples ahead of the clock, %d buffered", sec+1, ahead, buffered)
		}
	}
	info, err := r.Close()
	if err != nil {
		t.Fatal(err)
	}
	// A channel may run up to the jitter allowance and a packet ahead.
	if info.Duration < 9990*time.Millisecond || info.Duration > 10080*time.Millisecond {
		t.Errorf("duration %v, want 10 s (the stalls must not lengthen the recording)", info.Duration)
	}
}

// BenchmarkRecorderWrite is the cost of recording one 20 ms packet of a
// stereo call (both channels written, as a relayed call does).
func BenchmarkRecorderWrite(b *testing.B) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	r, err := NewRecorder(filepath.Join(b.TempDir(), "bench.wav"), 2, time.Time{}, clk.now)
	if err != nil {
		b.Fatal(err)
	}
	left, right := frame(8000), frame(2000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			clk.add(20 * time.Millisecond)
			r.Write(Left, PCMA, left)
		} else {
			r.Write(Right, PCMA, right)
		}
	}
	b.StopTimer()
	if _, err := r.Close(); err != nil {
		b.Fatal(err)
	}
}

// TestRecorderLongGapBuffers: a reader that stalls for 10 s (a starved
// machine) leaves the recorder's buffers no larger than a few chunks once
// the gap is written out.
func TestRecorderLongGapBuffers(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	r, err := NewRecorder(filepath.Join(t.TempDir(), "gap.wav"), 2, time.Time{}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	r.Write(Left, PCMA, frame(8000))
	clk.add(10 * time.Second)
	for range 20 {
		clk.add(20 * time.Millisecond)
		r.Write(Left, PCMA, frame(8000))
		r.Write(Right, PCMA, frame(2000))
	}
	r.mu.Lock()
	out, left, right := cap(r.out), cap(r.tracks[Left].buf), cap(r.tracks[Right].buf)
	r.mu.Unlock()
	if out > 4*chunkFrames*2 || left > maxTrackCap || right > maxTrackCap {
		t.Errorf("after a 10 s gap: output buffer %d bytes, tracks %d and %d samples", out, left, right)
	}
	info, err := r.Close()
	if err != nil {
		t.Fatal(err)
	}
	if info.Duration < 10400*time.Millisecond || info.Duration > 10500*time.Millisecond {
		t.Errorf("duration %v, want 10.42 s", info.Duration)
	}
}

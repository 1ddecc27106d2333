package media

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Channels of a call recording.
const (
	Left  = 0 // the caller
	Right = 1 // everything the caller heard: prompts, operator, liaison
)

const (
	// jitterSamples is how late a packet may be before the gap in front of
	// it is filled with silence.
	jitterSamples = 480 // 60 ms
	// lagSamples is how far behind the wall clock a silent channel is padded
	// before buffered audio is written out.
	lagSamples = 1600 // 200 ms
	// flushSamples is the least worth writing to the file at once.
	flushSamples = 800
	// bufferBytes is what a Recorder holds before writing to the file, and
	// so the most a crash loses: half a second of stereo.
	bufferBytes = 16 << 10
)

// ErrStopped is returned by Recorder.Close, wrapped with the cause, for a
// recording that stopped midway because the file could not be written (a
// full disk). The file still plays: it holds what reached the disk.
var ErrStopped = errors.New("media: recording stopped")

type track struct {
	buf  []int16 // samples not yet written; buf[0] is at frame `written`
	next int64   // frame after the last sample of buf
}

// Recorder writes a 16-bit 8 kHz WAV file (mono, or stereo with the caller
// on the left) as packets arrive. Each sample is placed by the wall clock,
// so gaps in either stream become silence and the two channels stay aligned
// across prompts and transfers. Writes are buffered (half a second); Close
// syncs the file and hashes it. The header is on disk from the start, with
// zero sizes until Close: RepairWAV fixes a file left by a crash. When a
// write fails (a full disk), the recording stops there and the call is not
// disturbed: OnFail is told at once and Close keeps what reached the disk.
// It is safe for concurrent use.
type Recorder struct {
	mu       sync.Mutex
	f        *os.File
	w        *bufio.Writer
	path     string
	channels int
	t0       time.Time
	now      func() time.Time
	tracks   [2]track
	written  int64
	scratch  []int16
	out      []byte
	err      error
	onFail   func(error)
	closed   bool
}

// NewRecorder creates the file at path (and its directory). The recording's
// frame 0 is at start (the call's start, so that a second into the file is a
// second into the call even when the file is opened late; zero: now). now
// may be nil (time.Now).
func NewRecorder(path string, channels int, start time.Time, now func() time.Time) (*Recorder, error) {
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("media: recorder: %d channels, want 1 or 2", channels)
	}
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("media: recorder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("media: recorder: %w", err)
	}
	if start.IsZero() {
		start = now()
	}
	// The header goes to the file at once, unbuffered, so that a crash at
	// any moment leaves a file RepairWAV can fix.
	if _, err := f.Write(wavHeader(channels, 0)); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("media: recorder: %w", err)
	}
	return &Recorder{f: f, w: bufio.NewWriterSize(f, bufferBytes), path: path, channels: channels, t0: start, now: now}, nil
}

// OnFail sets fn to be told the error that stopped the recording (a full
// disk), once, on a goroutine of its own; set it before the first Write.
func (r *Recorder) OnFail(fn func(error)) {
	r.mu.Lock()
	r.onFail = fn
	r.mu.Unlock()
}

// Path returns the file the recorder writes.
func (r *Recorder) Path() string { return r.path }

// Write decodes a G.711 payload into channel ch.
func (r *Recorder) Write(ch int, c Codec, payload []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scratch = c.Decode(r.scratch[:0], payload)
	r.place(ch, r.scratch)
}

// WritePCM adds linear samples to channel ch.
func (r *Recorder) WritePCM(ch int, samples []int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.place(ch, samples)
}

func (r *Recorder) elapsed() int64 {
	return int64(r.now().Sub(r.t0)) * SampleRate / int64(time.Second)
}

func (r *Recorder) place(ch int, samples []int16) {
	if r.closed || r.err != nil || ch < 0 || ch >= r.channels {
		return
	}
	now := r.elapsed()
	t := &r.tracks[ch]
	n := int64(len(samples))
	switch at := now - n; {
	case at > t.next+jitterSamples: // a gap: silence up to this packet
		r.pad(t, at)
	case t.next > now+jitterSamples:
		// Ahead of the wall clock: packets that were late (a busy machine
		// read them in a burst) after their gap was already filled. They
		// take the place of that silence, so the channel stays in step
		// with the other and its buffer cannot grow without bound.
		t.buf = t.buf[:max(at, r.written)-r.written]
		t.next = r.written + int64(len(t.buf))
	}
	t.buf = append(t.buf, samples...)
	t.next += n
	r.flush(now-lagSamples, flushSamples)
}

// pad fills t with silence up to frame to.
func (r *Recorder) pad(t *track, to int64) {
	k := int(to - t.next)
	if k <= 0 {
		return
	}
	l := len(t.buf)
	t.buf = slices.Grow(t.buf, k)[:l+k]
	clear(t.buf[l:])
	t.next = to
}

// flush pads silent channels to horizon and writes out what every channel
// has, if that is at least least frames.
func (r *Recorder) flush(horizon, least int64) {
	end := int64(-1)
	for i := range r.channels {
		t := &r.tracks[i]
		if t.next < horizon {
			r.pad(t, horizon)
		}
		if end < 0 || t.next < end {
			end = t.next
		}
	}
	n := int(end - r.written)
	if int64(n) < least || n <= 0 {
		return
	}
	// In chunks, so that a long silence (a stalled reader) does not grow
	// the output buffer for the rest of the call.
	for done := 0; done < n && r.err == nil; {
		k := min(n-done, chunkFrames)
		r.interleave(done, k)
		if _, err := r.w.Write(r.out); err != nil {
			r.fail(err)
		}
		done += k
	}
	for c := range r.channels {
		t := &r.tracks[c]
		t.buf = t.buf[:copy(t.buf, t.buf[n:])]
		if cap(t.buf) > maxTrackCap && len(t.buf) < maxTrackCap/2 {
			t.buf = slices.Clone(t.buf) // give back what a long gap took
		}
	}
	r.written += int64(n)
}

// Bounds of a recorder's buffers (frames): what one write interleaves,
// and the capacity a track keeps after a gap was written out.
const (
	chunkFrames = 2048
	maxTrackCap = 4 * lagSamples
)

// interleave puts frames from..from+n of the tracks into r.out as 16-bit
// little-endian samples, channel by channel within each frame.
func (r *Recorder) interleave(from, n int) {
	size := 2 * r.channels
	r.out = slices.Grow(r.out[:0], n*size)[:n*size]
	for c := range r.channels {
		out := r.out[2*c:]
		for i, v := range r.tracks[c].buf[from : from+n] {
			binary.LittleEndian.PutUint16(out[i*size:], uint16(v))
		}
	}
}

// fail stops the recording at its first write error and tells OnFail.
func (r *Recorder) fail(err error) {
	if r.err != nil {
		return
	}
	r.err = err
	if r.onFail != nil {
		go r.onFail(fmt.Errorf("%w: %w", ErrStopped, err))
	}
}

// Close pads every channel to the end of the call, writes the rest, fixes
// the header, syncs the file and returns its size, duration and SHA-256.
// For a recording that stopped midway it finishes the file with what
// reached the disk and returns its details with an error wrapping
// ErrStopped; any other error comes with no details.
func (r *Recorder) Close() (FileInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return FileInfo{}, fmt.Errorf("media: recorder %s already closed", r.path)
	}
	r.closed = true
	defer r.f.Close()
	end := r.elapsed()
	for i := range r.channels {
		end = max(end, r.tracks[i].next)
	}
	if r.err == nil {
		r.flush(end, 0)
	}
	if r.err == nil {
		if err := r.w.Flush(); err != nil {
			r.fail(err)
		}
	}
	if r.err != nil {
		return r.salvage()
	}
	return finish(r.f, r.path, r.channels, r.written*int64(2*r.channels))
}

// salvage finishes a file whose writing failed with the whole frames on
// disk (the header is rewritten in place: no space is needed for it).
func (r *Recorder) salvage() (FileInfo, error) {
	stopped := fmt.Errorf("%w: %w", ErrStopped, r.err)
	st, err := r.f.Stat()
	if err != nil {
		return FileInfo{}, errors.Join(stopped, err)
	}
	data := max(st.Size()-wavHeaderSize, 0) / int64(2*r.channels) * int64(2*r.channels)
	if err := r.f.Truncate(wavHeaderSize + data); err != nil {
		return FileInfo{}, errors.Join(stopped, err)
	}
	info, err := finish(r.f, r.path, r.channels, data)
	if err != nil {
		return FileInfo{}, errors.Join(stopped, err)
	}
	return info, fmt.Errorf("%w after %s: %w", ErrStopped, info.Duration.Round(time.Millisecond), r.err)
}

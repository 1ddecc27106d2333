package media

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
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
)

type track struct {
	buf  []int16 // samples not yet written; buf[0] is at frame `written`
	next int64   // frame after the last sample of buf
}

// Recorder writes a 16-bit 8 kHz WAV file (mono, or stereo with the caller
// on the left) as packets arrive. Each sample is placed by the wall clock,
// so gaps in either stream become silence and the two channels stay aligned
// across prompts and transfers. Writes are buffered; Close syncs the file and
// hashes it. Until Close the header's sizes are zero: RepairWAV fixes a file
// left by a crash. It is safe for concurrent use.
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
	r := &Recorder{f: f, w: bufio.NewWriterSize(f, 64<<10), path: path, channels: channels, t0: start, now: now}
	if _, err := r.w.Write(wavHeader(channels, 0)); err != nil {
		f.Close()
		return nil, fmt.Errorf("media: recorder: %w", err)
	}
	return r, nil
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
	if at := now - int64(len(samples)); at > t.next+jitterSamples {
		r.pad(t, at)
	}
	t.buf = append(t.buf, samples...)
	t.next += int64(len(samples))
	r.flush(now-lagSamples, flushSamples)
}

// pad fills t with silence up to frame to.
func (r *Recorder) pad(t *track, to int64) {
	for ; t.next < to; t.next++ {
		t.buf = append(t.buf, 0)
	}
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
	n := end - r.written
	if n < least || n <= 0 {
		return
	}
	r.out = r.out[:0]
	for i := range n {
		for c := range r.channels {
			r.out = binary.LittleEndian.AppendUint16(r.out, uint16(r.tracks[c].buf[i]))
		}
	}
	for c := range r.channels {
		t := &r.tracks[c]
		t.buf = append(t.buf[:0], t.buf[n:]...)
	}
	r.written += n
	if _, err := r.w.Write(r.out); err != nil {
		r.err = err
	}
}

// Close pads every channel to the end of the call, writes the rest, fixes
// the header, syncs the file and returns its size, duration and SHA-256.
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
	r.flush(end, 0)
	if r.err == nil {
		r.err = r.w.Flush()
	}
	if r.err != nil {
		return FileInfo{}, fmt.Errorf("media: recorder %s: %w", r.path, r.err)
	}
	return finish(r.f, r.path, r.channels, r.written*int64(2*r.channels))
}

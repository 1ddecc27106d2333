package media

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"
)

// wavHeaderSize is the size of the canonical header this package writes.
const wavHeaderSize = 44

// FileInfo describes a finished WAV file.
type FileInfo struct {
	Path     string
	Size     int64
	SHA256   string // hex
	Duration time.Duration
	Channels int
}

// wavHeader returns a canonical 16-bit PCM 8 kHz header for dataBytes of
// samples.
func wavHeader(channels int, dataBytes uint32) []byte {
	h := make([]byte, wavHeaderSize)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+dataBytes)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], SampleRate)
	binary.LittleEndian.PutUint32(h[28:], uint32(SampleRate*2*channels))
	binary.LittleEndian.PutUint16(h[32:], uint16(2*channels))
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], dataBytes)
	return h
}

// WAV is a decoded 16-bit PCM WAV file.
type WAV struct {
	Rate     int
	Channels int
	Samples  []int16 // interleaved
}

// Frames returns the number of sample frames (samples per channel).
func (w WAV) Frames() int {
	if w.Channels == 0 {
		return 0
	}
	return len(w.Samples) / w.Channels
}

// Channel returns the samples of channel ch (0 = left).
func (w WAV) Channel(ch int) []int16 {
	out := make([]int16, 0, w.Frames())
	for i := ch; i < len(w.Samples); i += w.Channels {
		out = append(out, w.Samples[i])
	}
	return out
}

// ReadWAV decodes a 16-bit PCM WAV file, skipping chunks other than fmt and
// data. A data chunk whose size field is larger than the file (a file cut
// off while written) is read to its end. It returns ErrBadWAV for anything
// else.
func ReadWAV(r io.Reader) (WAV, error) {
	br := bufio.NewReader(r)
	var hdr [12]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil || string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return WAV{}, fmt.Errorf("%w: no RIFF/WAVE header", ErrBadWAV)
	}
	var w WAV
	for {
		var ch [8]byte
		if _, err := io.ReadFull(br, ch[:]); err != nil {
			return WAV{}, fmt.Errorf("%w: no data chunk", ErrBadWAV)
		}
		size := binary.LittleEndian.Uint32(ch[4:])
		switch string(ch[0:4]) {
		case "fmt ":
			if err := readFmt(br, size, &w); err != nil {
				return WAV{}, err
			}
		case "data":
			if w.Channels == 0 {
				return WAV{}, fmt.Errorf("%w: data before fmt", ErrBadWAV)
			}
			return w, readData(br, size, &w)
		default:
			if _, err := br.Discard(int(size + size&1)); err != nil {
				return WAV{}, fmt.Errorf("%w: chunk %q cut off", ErrBadWAV, ch[0:4])
			}
		}
	}
}

func readFmt(br *bufio.Reader, size uint32, w *WAV) error {
	if size < 16 || size > 1<<10 {
		return fmt.Errorf("%w: fmt chunk of %d bytes", ErrBadWAV, size)
	}
	f := make([]byte, size+size&1)
	if _, err := io.ReadFull(br, f); err != nil {
		return fmt.Errorf("%w: fmt chunk cut off", ErrBadWAV)
	}
	format, bits := binary.LittleEndian.Uint16(f[0:]), binary.LittleEndian.Uint16(f[14:])
	w.Channels = int(binary.LittleEndian.Uint16(f[2:]))
	w.Rate = int(binary.LittleEndian.Uint32(f[4:]))
	if (format != 1 && format != 0xFFFE) || bits != 16 || w.Channels < 1 || w.Channels > 2 {
		return fmt.Errorf("%w: want 16-bit PCM mono or stereo, got format %d, %d bits, %d channels", ErrBadWAV, format, bits, w.Channels)
	}
	return nil
}

func readData(br *bufio.Reader, size uint32, w *WAV) error {
	data, err := io.ReadAll(io.LimitReader(br, int64(size)))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadWAV, err)
	}
	data = data[:len(data)/(2*w.Channels)*(2*w.Channels)]
	w.Samples = make([]int16, len(data)/2)
	for i := range w.Samples {
		w.Samples[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
	}
	return nil
}

// RepairWAV fixes the header of a recording that was cut off before its
// sizes were written (a crash mid-call): it trims a partial sample frame,
// writes the sizes the file really has, syncs it and returns its details.
// The file must have been written by a Recorder.
func RepairWAV(path string) (FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return FileInfo{}, fmt.Errorf("media: repair %s: %w", path, err)
	}
	defer f.Close()
	var h [wavHeaderSize]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || string(h[0:4]) != "RIFF" || string(h[36:40]) != "data" {
		return FileInfo{}, fmt.Errorf("%w: %s has no recorder header", ErrBadWAV, path)
	}
	channels := int(binary.LittleEndian.Uint16(h[22:]))
	if channels < 1 || channels > 2 {
		return FileInfo{}, fmt.Errorf("%w: %s has %d channels", ErrBadWAV, path, channels)
	}
	st, err := f.Stat()
	if err != nil {
		return FileInfo{}, fmt.Errorf("media: repair %s: %w", path, err)
	}
	data := (st.Size() - wavHeaderSize) / int64(2*channels) * int64(2*channels)
	if err := f.Truncate(wavHeaderSize + data); err != nil {
		return FileInfo{}, fmt.Errorf("media: repair %s: %w", path, err)
	}
	return finish(f, path, channels, data)
}

// finish writes the final header of f, syncs it and hashes it.
func finish(f *os.File, path string, channels int, dataBytes int64) (FileInfo, error) {
	if _, err := f.WriteAt(wavHeader(channels, uint32(dataBytes)), 0); err != nil {
		return FileInfo{}, fmt.Errorf("media: write header of %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return FileInfo{}, fmt.Errorf("media: sync %s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return FileInfo{}, fmt.Errorf("media: hash %s: %w", path, err)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileInfo{}, fmt.Errorf("media: hash %s: %w", path, err)
	}
	frames := dataBytes / int64(2*channels)
	return FileInfo{Path: path, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), Channels: channels,
		Duration: time.Duration(frames) * time.Second / SampleRate}, nil
}

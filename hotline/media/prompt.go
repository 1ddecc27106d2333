package media

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Prompt is audio to play to a caller, kept as 8 kHz linear samples and
// pre-encoded in both codecs.
type Prompt struct {
	Name string
	PCM  []int16
	pcmu []byte
	pcma []byte
}

// NewPrompt returns a prompt of 8 kHz mono samples.
func NewPrompt(name string, pcm []int16) *Prompt {
	return &Prompt{Name: name, PCM: pcm, pcmu: PCMU.Encode(nil, pcm), pcma: PCMA.Encode(nil, pcm)}
}

// Duration returns how long the prompt plays.
func (p *Prompt) Duration() time.Duration {
	return time.Duration(len(p.PCM)) * time.Second / SampleRate
}

// Encoded returns the prompt in codec c.
func (p *Prompt) Encoded(c Codec) []byte {
	if c.Name == PCMA.Name {
		return p.pcma
	}
	return p.pcmu
}

// Concat joins prompts into one.
func Concat(name string, ps ...*Prompt) *Prompt {
	var pcm []int16
	for _, p := range ps {
		pcm = append(pcm, p.PCM...)
	}
	return NewPrompt(name, pcm)
}

// Tone returns freq Hz at a moderate level, on for on and off for off,
// repeated to fill total (a ringback tone, a beep).
func Tone(name string, freq float64, on, off, total time.Duration) *Prompt {
	n := int(total * SampleRate / time.Second)
	onN, period := int(on*SampleRate/time.Second), int((on+off)*SampleRate/time.Second)
	pcm := make([]int16, n)
	for i := range pcm {
		if period > 0 && i%period < onN {
			pcm[i] = int16(6000 * math.Sin(2*math.Pi*freq*float64(i)/SampleRate))
		}
	}
	return NewPrompt(name, pcm)
}

// Note is one note of a melody: a frequency in Hz (0: a rest) and how
// long it lasts.
type Note struct {
	Freq float64
	Dur  time.Duration
}

// Melody returns the notes played one after another, each with a soft
// attack and a fading release and a touch of its octave, at a level below
// the spoken prompts (hold music).
func Melody(name string, notes []Note) *Prompt {
	var pcm []int16
	for _, n := range notes {
		samples := int(n.Dur * SampleRate / time.Second)
		attack := min(samples/4, SampleRate/100) // 10 ms
		for i := range samples {
			if n.Freq == 0 {
				pcm = append(pcm, 0)
				continue
			}
			env := math.Exp(-2.5 * float64(i) / float64(samples))
			if i < attack {
				env *= float64(i) / float64(attack)
			}
			if tail := samples - i; tail < attack {
				env *= float64(tail) / float64(attack)
			}
			ph := 2 * math.Pi * n.Freq * float64(i) / SampleRate
			pcm = append(pcm, int16(4000*env*(math.Sin(ph)+0.3*math.Sin(2*ph))))
		}
	}
	return NewPrompt(name, pcm)
}

// Silence returns d of silence.
func Silence(d time.Duration) *Prompt {
	return NewPrompt("silence", make([]int16, int(d*SampleRate/time.Second)))
}

// LoadPrompt reads an 8 kHz mono 16-bit WAV file.
func LoadPrompt(name, path string) (*Prompt, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("media: prompt %s: %w", name, err)
	}
	w, err := ReadWAV(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("media: prompt %s (%s): %w", name, path, err)
	}
	if w.Rate != SampleRate || w.Channels != 1 {
		return nil, fmt.Errorf("%w: prompt %s (%s) is %d Hz, %d channels; want 8000 Hz mono", ErrBadWAV, name, path, w.Rate, w.Channels)
	}
	return NewPrompt(name, w.Samples), nil
}

// Synthesize speaks text with espeak-ng's Mandarin voice and converts it
// with sox to an 8 kHz mono 16-bit WAV file at path. Both programs must be
// installed (Debian packages espeak-ng and sox).
func Synthesize(ctx context.Context, text, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("media: synthesize: %w", err)
	}
	raw := path + ".espeak.wav"
	defer os.Remove(raw)
	if out, err := exec.CommandContext(ctx, "espeak-ng", "-v", "cmn", "-s", "150", "-w", raw, text).CombinedOutput(); err != nil {
		return fmt.Errorf("media: espeak-ng for %s: %w: %s", filepath.Base(path), err, out)
	}
	tmp := path + ".tmp.wav"
	if out, err := exec.CommandContext(ctx, "sox", raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", tmp).CombinedOutput(); err != nil {
		return fmt.Errorf("media: sox for %s: %w: %s", filepath.Base(path), err, out)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("media: synthesize: %w", err)
	}
	return nil
}

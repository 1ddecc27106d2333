package kiosk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"unicode/utf8"
)

// MaxSpeechChars is the most text one speech request may carry; a kiosk
// reads a long screen as a series of such pieces.
const MaxSpeechChars = 400

// ErrSpeechBusy means every synthesis slot is taken; the kiosk tries again.
var ErrSpeechBusy = errors.New("kiosk: speech synthesis busy")

// Speaker reads text aloud for kiosks whose browser has no Mandarin voice:
// espeak-ng's cmn voice, the same one the hotline prompts use, as a WAV
// file. A few syntheses run at once; more are refused, so read-aloud
// cannot take the server's CPU from searches and calls.
type Speaker struct {
	bin   string
	slots chan struct{}
}

// NewSpeaker returns a Speaker using espeak-ng from PATH, running at most
// parallel syntheses at once. Available reports false when espeak-ng is
// not installed.
func NewSpeaker(parallel int) *Speaker {
	bin, _ := exec.LookPath("espeak-ng")
	return &Speaker{bin: bin, slots: make(chan struct{}, max(parallel, 1))}
}

// Available reports whether the server can speak.
func (s *Speaker) Available() bool { return s != nil && s.bin != "" }

// Speak returns a WAV file (22 050 Hz mono) of text read in Mandarin.
// Empty or over-long text is ErrInvalid; no free slot is ErrSpeechBusy.
func (s *Speaker) Speak(ctx context.Context, text string) ([]byte, error) {
	text = strings.TrimSpace(strings.ToValidUTF8(text, ""))
	if text == "" {
		return nil, fmt.Errorf("%w: 没有要朗读的文字", ErrInvalid)
	}
	if utf8.RuneCountInString(text) > MaxSpeechChars {
		return nil, fmt.Errorf("%w: 一次最多朗读 %d 个字", ErrInvalid, MaxSpeechChars)
	}
	if !s.Available() {
		return nil, fmt.Errorf("%w: 本服务器不能朗读（没有安装 espeak-ng）", ErrConflict)
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		return nil, ErrSpeechBusy
	}
	var out, errOut bytes.Buffer
	// The text goes in on standard input, never as an argument that could
	// be taken for an option.
	cmd := exec.CommandContext(ctx, s.bin, "-v", "cmn", "-s", "140", "--stdin", "--stdout")
	cmd.Stdin = strings.NewReader(text)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("kiosk: espeak-ng: %w: %s", err, errOut.String())
	}
	if out.Len() < 44 || !bytes.HasPrefix(out.Bytes(), []byte("RIFF")) {
		return nil, fmt.Errorf("kiosk: espeak-ng wrote no WAV (%d bytes): %s", out.Len(), errOut.String())
	}
	return out.Bytes(), nil
}

package hotline

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/calls"
)

// testWAV builds a PCM WAV of a tone: rate, channels, bits per sample.
func testWAV(rate, channels, bits int, d time.Duration) []byte {
	frames := int(d * time.Duration(rate) / time.Second)
	data := make([]byte, frames*channels*bits/8)
	for i := 0; i+1 < len(data); i += 2 {
		binary.LittleEndian.PutUint16(data[i:], uint16(int16(3000*((i/16)%2*2-1))))
	}
	h := make([]byte, 44)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+len(data)))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*channels*bits/8))
	binary.LittleEndian.PutUint16(h[32:], uint16(channels*bits/8))
	binary.LittleEndian.PutUint16(h[34:], uint16(bits))
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(len(data)))
	return append(h, data...)
}

// TestCheckPromptWAV: only what the media package plays as it is passes,
// and each refusal says in Chinese what is wrong and how to convert.
func TestCheckPromptWAV(t *testing.T) {
	t.Parallel()
	if d, err := CheckPromptWAV(testWAV(8000, 1, 16, 1500*time.Millisecond)); err != nil || d != 1500*time.Millisecond {
		t.Errorf("8 kHz mono 16-bit: %v %v", d, err)
	}
	for _, c := range []struct {
		name string
		wav  []byte
		says string
	}{
		{"not a WAV", []byte("ID3\x03 this is an mp3"), "不是 WAV"},
		{"CD quality", testWAV(44100, 2, 16, time.Second), "44100 Hz、2 声道"},
		{"8 kHz stereo", testWAV(8000, 2, 16, time.Second), "8000 Hz 单声道"},
		{"8-bit", testWAV(8000, 1, 8, time.Second), "16 位 PCM"},
		{"too short", testWAV(8000, 1, 16, 50*time.Millisecond), "太短"},
		{"too long", testWAV(8000, 1, 16, 3*time.Minute), "太长"},
	} {
		_, err := CheckPromptWAV(c.wav)
		if !errors.Is(err, ErrBadPrompt) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want ErrBadPrompt saying %q", c.name, err, c.says)
		}
	}
}

// TestReplacePromptWhileRunning: an admin's recording replaces a prompt
// in the running hotline without a restart, is marked as the admin's and
// goes back to the synthesised default on restore.
func TestReplacePromptWhileRunning(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range PromptNames() {
		b, err := os.ReadFile(filepath.Join(testPrompts(t), name+".wav"))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name+".wav"), b, 0o644)
	}
	e := newEnv(t, time.Date(2025, 3, 3, 10, 0, 0, 0, shanghaiTZ(t)), func(c *Config) { c.PromptsDir = dir })
	before := e.h.prompts()["greeting"].Duration()
	f, err := e.h.ReplacePrompt("greeting", testWAV(8000, 1, 16, 2500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Custom || f.Duration != 2.5 {
		t.Errorf("replaced: %+v", f)
	}
	if got := e.h.prompts()["greeting"].Duration(); got != 2500*time.Millisecond {
		t.Errorf("the running hotline plays a greeting of %v (was %v), want the new 2.5 s", got, before)
	}
	if _, err := e.h.ReplacePrompt("greeting", testWAV(16000, 1, 16, time.Second)); !errors.Is(err, ErrBadPrompt) {
		t.Errorf("a 16 kHz file: %v", err)
	}
	if got := e.h.prompts()["greeting"].Duration(); got != 2500*time.Millisecond {
		t.Errorf("a refused upload changed the greeting to %v", got)
	}
	if _, err := e.h.ReplacePrompt("../etc/passwd", testWAV(8000, 1, 16, time.Second)); !errors.Is(err, ErrNoPrompt) {
		t.Errorf("a name that is not a prompt: %v", err)
	}
	if _, err := e.h.PromptPath("music"); !errors.Is(err, ErrNoPrompt) {
		t.Errorf("PromptPath of a name not listed: %v", err)
	}
	f, err = e.h.RestorePrompt(context.Background(), "greeting")
	if err != nil {
		t.Fatal(err)
	}
	if f.Custom || f.Duration < 3 {
		t.Errorf("restored: %+v, want the default with the recording notice", f)
	}
	if got := e.h.prompts()["greeting"].Duration(); got < 3*time.Second {
		t.Errorf("after restore the hotline plays %v", got)
	}
	fs, err := e.h.PromptFiles()
	if err != nil || len(fs) != len(PromptNames()) {
		t.Fatalf("prompt files: %d %v", len(fs), err)
	}
	for _, p := range fs {
		if p.Custom || p.Problem != "" || p.Text == "" {
			t.Errorf("%+v", p)
		}
	}
}

func shanghaiTZ(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// A phone an admin removes is cut off at once: its registration ends and
// the ACD offers it no more calls; new credentials end the old
// registration too.
func TestRemovedPhoneIsCutOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, workingMorning, nil)
	ctx := context.Background()
	startBaresip(t, "8001", "pw8001", e.addr)
	startBaresip(t, "8002", "pw8002", e.addr)
	e.waitRegistered("8001")
	e.waitRegistered("8002")
	phone := func(ext string) calls.SIPAccount {
		a, err := e.store.SIPAccount(ctx, ext)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	offered := func(ext string) bool {
		for _, a := range e.h.acd.Agents() {
			if a.Account.Extension == ext {
				return true
			}
		}
		return false
	}
	admin := calls.Actor{Username: "admin"}
	if _, err := e.h.RemovePhone(ctx, admin, phone("8002").ID); err != nil {
		t.Fatal(err)
	}
	if e.h.SIP().Registrar().Registered("8002") || offered("8002") {
		t.Errorf("a removed phone is still registered (%v) or in the ACD (%v)", e.h.SIP().Registrar().Registered("8002"), offered("8002"))
	}
	if !offered("8001") {
		t.Error("removing 8002 dropped 8001 from the ACD")
	}
	if _, _, err := e.h.RegeneratePhone(ctx, admin, phone("8001").ID); err != nil {
		t.Fatal(err)
	}
	if e.h.SIP().Registrar().Registered("8001") {
		t.Error("a phone with new credentials keeps its registration made with the old password")
	}
}

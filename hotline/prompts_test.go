package hotline

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Every prompt is synthesised from its text (espeak-ng + sox), loads as
// 8 kHz mono and is speech of a plausible length; a replaced file is kept.
func TestEnsurePrompts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	custom := filepath.Join(dir, "goodbye.wav")
	src, err := os.ReadFile(filepath.Join(testPrompts(t), "greeting.wav"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(custom, src, 0o644)
	if err := EnsurePrompts(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	ps, err := LoadPrompts(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range promptTexts() {
		p := ps[name]
		min := 150 * time.Millisecond * time.Duration(len([]rune(text))) / 2
		if name == "goodbye" {
			min = 0
		}
		if p.Duration() < min || p.Duration() > 30*time.Second {
			t.Errorf("%s (%q) lasts %v", name, text, p.Duration())
		}
		if loud(append(p.PCM, make([]int16, 8000)...)) == 0 && p.Duration() > time.Second {
			t.Errorf("%s is silent", name)
		}
	}
	if got, _ := os.ReadFile(custom); string(got) != string(src) {
		t.Error("a replaced prompt was overwritten")
	}
	if ps["greeting"].Duration() < 3*time.Second {
		t.Errorf("greeting with the recording notice lasts only %v", ps["greeting"].Duration())
	}
}

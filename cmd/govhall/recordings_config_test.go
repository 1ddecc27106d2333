package main

import (
	"path/filepath"
	"testing"
)

// The recordings directory is GOVHALL_DATA_DIR/recordings unless
// GOVHALL_RECORDINGS_DIR names another (a shared mount), made absolute
// since records name recordings by absolute file URL.
func TestRecordingsDirConfig(t *testing.T) {
	data := t.TempDir()
	for _, tc := range []struct{ set, want string }{
		{"", filepath.Join(data, "recordings")},
		{"/mnt/govhall-recordings", "/mnt/govhall-recordings"},
		{"rel/recs", ""},
	} {
		env := map[string]string{"GOVHALL_DATA_DIR": data, "GOVHALL_RECORDINGS_DIR": tc.set}
		c, err := loadConfig(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		want := tc.want
		if want == "" {
			abs, _ := filepath.Abs(tc.set)
			want = abs
		}
		if c.RecordingsDir != want || !filepath.IsAbs(c.RecordingsDir) {
			t.Errorf("GOVHALL_RECORDINGS_DIR=%q: %q, want %q", tc.set, c.RecordingsDir, want)
		}
	}
}

package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden/")

// clock is the date the test tables are headed with.
var clock = time.Date(2026, 12, 3, 18, 5, 0, 0, time.FixedZone("CST", 8*3600))

// written is when the test's copies of the sample files were written.
var written = time.Date(2026, 12, 3, 14, 49, 29, 0, time.UTC)

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it); got:\n%s", path, got)
	}
}

// runIn runs the program on a copy of dir's files in a temporary
// directory, with a copy of testdata/readme.md, and returns that directory.
func runIn(t *testing.T, dir string, extra ...string) (string, string, error) {
	t.Helper()
	tmp := t.TempDir()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		copyFile(t, filepath.Join(dir, e.Name()), filepath.Join(tmp, e.Name()))
	}
	copyFile(t, "testdata/readme.md", filepath.Join(tmp, "README.md"))
	var out bytes.Buffer
	args := append([]string{"-dir", tmp, "-readme", filepath.Join(tmp, "README.md")}, extra...)
	err := run(args, clock, "testdata/machine", &out, &bytes.Buffer{})
	return tmp, out.String(), err
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// The tables name the time each file was written.
	if err := os.Chtimes(to, written, written); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The whole program on each sample directory: summary.md, stdout and the
// README's block; a second run leaves the README as the first left it.
func TestRun(t *testing.T) {
	for _, dir := range []string{"met", "notmet", "sample", "partial"} {
		t.Run(dir, func(t *testing.T) {
			tmp, out, err := runIn(t, filepath.Join("testdata", dir))
			if err != nil {
				t.Fatal(err)
			}
			// The directory is a temporary one: name it as the Makefile does.
			summary := strings.ReplaceAll(read(t, filepath.Join(tmp, "summary.md")), tmp, "bench-results")
			golden(t, dir+".md", summary)
			if out != read(t, filepath.Join(tmp, "summary.md")) {
				t.Errorf("stdout differs from summary.md:\n%s", out)
			}
			readme := read(t, filepath.Join(tmp, "README.md"))
			golden(t, dir+".README.md", strings.ReplaceAll(readme, tmp, "bench-results"))
			var again bytes.Buffer
			if err := run([]string{"-dir", tmp, "-readme", filepath.Join(tmp, "README.md")}, clock, "testdata/machine", &again, &bytes.Buffer{}); err != nil {
				t.Fatal(err)
			}
			if got := read(t, filepath.Join(tmp, "README.md")); got != readme {
				t.Errorf("second run changed the README:\n%s", got)
			}
		})
	}
}

func TestReplaceBlock(t *testing.T) {
	const table = "| figure |\n| --- |\n"
	tests := []struct {
		name, text, want string
		wantErr          bool
	}{
		{name: "old block replaced", text: "# P\n\n" + startMarker + "\nold\n\nlines\n" + endMarker + "\n\nprose\n",
			want: "# P\n\n" + startMarker + "\n\n| figure |\n| --- |\n\n" + endMarker + "\n\nprose\n"},
		{name: "empty block", text: startMarker + endMarker,
			want: startMarker + "\n\n| figure |\n| --- |\n\n" + endMarker},
		{name: "no markers", text: "## Performance\n\nprose\n", wantErr: true},
		{name: "start only", text: startMarker + "\nold\n", wantErr: true},
		{name: "end only", text: "old\n" + endMarker + "\n", wantErr: true},
		{name: "end before start", text: endMarker + "\nold\n" + startMarker + "\n", wantErr: true},
		{name: "two blocks", text: startMarker + endMarker + "\n" + startMarker + endMarker, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := replaceBlock(tt.text, table)
			if tt.wantErr {
				if !errors.Is(err, errMarkers) {
					t.Fatalf("err = %v, want errMarkers (got %q)", err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if again, _ := replaceBlock(got, table); again != got {
				t.Errorf("not idempotent: %q", again)
			}
		})
	}
}

// A README without markers and a malformed file stop the program before it
// writes anything; a directory that is not there is an error too.
func TestRunErrors(t *testing.T) {
	tmp := t.TempDir()
	copyFile(t, "testdata/sample/compare.txt", filepath.Join(tmp, "compare.txt"))
	plain := filepath.Join(tmp, "PLAIN.md")
	if err := os.WriteFile(plain, []byte("## Performance\n\nprose\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run([]string{"-dir", tmp, "-readme", plain}, clock, "testdata/machine", &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, errMarkers) || !strings.Contains(err.Error(), plain) {
		t.Errorf("README without markers: err = %v, want errMarkers naming %s", err, plain)
	}
	if _, err := os.Stat(filepath.Join(tmp, "summary.md")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("summary.md written after the README error: %v", err)
	}
	if got := read(t, plain); got != "## Performance\n\nprose\n" {
		t.Errorf("README changed: %q", got)
	}

	dir, _, err := runIn(t, "testdata/malformed")
	if !errors.Is(err, errPairs) || !strings.Contains(err.Error(), "catalog.txt:6:") {
		t.Errorf("malformed: err = %v, want one naming catalog.txt:6", err)
	}
	if got := read(t, filepath.Join(dir, "README.md")); got != read(t, "testdata/readme.md") {
		t.Errorf("README changed after a malformed file:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.md")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("summary.md written after a malformed file: %v", err)
	}

	err = run([]string{"-dir", filepath.Join(tmp, "nothere")}, clock, "testdata/machine", &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "nothere is not a directory") {
		t.Errorf("missing directory: err = %v", err)
	}
}

func TestMachine(t *testing.T) {
	tests := []struct{ root, want string }{
		{"testdata/machine", "Intel(R) Xeon(R) Processor, 2 cores, 23.5 GiB memory, Debian GNU/Linux 12 (bookworm)"},
		{"testdata/nothere", "unknown CPU, 0 cores, unknown memory, unknown OS"},
	}
	for _, tt := range tests {
		if got := machine(tt.root); got != tt.want {
			t.Errorf("machine(%s) = %q, want %q", tt.root, got, tt.want)
		}
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{{"-nosuchflag"}, {"-dir", "testdata/met", "extra"}} {
		err := run(args, clock, "testdata/machine", &bytes.Buffer{}, &bytes.Buffer{})
		var usage usageError
		if !errors.As(err, &usage) {
			t.Errorf("%q: err = %v, want a usageError", args, err)
		}
	}
}

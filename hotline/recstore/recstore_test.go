package recstore_test

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/recstore"
)

// cutOff writes what a Recorder leaves when its process dies: a header
// with zero sizes and 0.5 s of stereo with a torn last frame.
func cutOff(t *testing.T, path string) {
	t.Helper()
	hdr := make([]byte, 44)
	copy(hdr, "RIFF\x00\x00\x00\x00WAVEfmt ")
	binary.LittleEndian.PutUint32(hdr[16:], 16)
	binary.LittleEndian.PutUint16(hdr[20:], 1)
	binary.LittleEndian.PutUint16(hdr[22:], 2)
	binary.LittleEndian.PutUint32(hdr[24:], 8000)
	binary.LittleEndian.PutUint32(hdr[28:], 32000)
	binary.LittleEndian.PutUint16(hdr[32:], 4)
	binary.LittleEndian.PutUint16(hdr[34:], 16)
	copy(hdr[36:], "data")
	if err := os.WriteFile(path, append(hdr, make([]byte, 16000+3)...), 0o640); err != nil {
		t.Fatal(err)
	}
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// A recording is written as NAME.wav.part and finalised as NAME.wav under
// the URL Begin gave; the name cannot be taken twice and the URL opens.
func TestBeginFinalise(t *testing.T) {
	root := t.TempDir()
	d := recstore.NewDir(root)
	name := recstore.Name("2026/12/03", "node-a", 17, "")
	if name != "2026/12/03/node-a-17" {
		t.Fatalf("name %q", name)
	}
	p, err := d.Begin(name)
	if err != nil {
		t.Fatal(err)
	}
	final := filepath.Join(root, "2026", "12", "03", "node-a-17.wav")
	if p.Path != final+".part" || p.URL != "file://"+filepath.ToSlash(final) {
		t.Fatalf("partial %+v, want %s.part and its file URL", p, final)
	}
	rec, err := media.NewRecorder(p.Path, 2, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec.WritePCM(0, make([]int16, 800))
	if _, err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if exists(final) {
		t.Fatal("the final file exists before Finalise")
	}
	if err := d.Finalise(p); err != nil {
		t.Fatal(err)
	}
	if !exists(final) || exists(p.Path) {
		t.Fatalf("after Finalise: final %v, partial %v", exists(final), exists(p.Path))
	}
	got, err := d.Path(p.URL)
	if err != nil || got != final {
		t.Fatalf("Path(%s) = %s, %v", p.URL, got, err)
	}
	if _, err := d.Begin(name); !errors.Is(err, recstore.ErrExists) {
		t.Fatalf("Begin of a finished name: %v, want ErrExists", err)
	}
	if err := d.Remove(p.URL); err != nil || exists(final) {
		t.Fatalf("Remove: %v, file left %v", err, exists(final))
	}
	if err := d.Remove(p.URL); err != nil {
		t.Fatalf("Remove of a recording already gone: %v", err)
	}
	if _, err := d.Path(p.URL); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Path of a removed recording: %v, want fs.ErrNotExist", err)
	}
}

// Repair fixes a partial file's header and finalises it; a file under
// its final name (a record of a plain path, from before partial files) is
// repaired in place. Both answer the sizes really on disk.
func TestRepair(t *testing.T) {
	root := t.TempDir()
	d := recstore.NewDir(root)
	p, err := d.Begin("2026/12/03/b-5")
	if err != nil {
		t.Fatal(err)
	}
	cutOff(t, p.Path)
	info, err := d.Repair(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	final := strings.TrimSuffix(p.Path, ".part")
	if info.Path != final || info.Size != 44+16000 || info.Duration != 500*time.Millisecond || exists(p.Path) || !exists(final) {
		t.Fatalf("repaired %+v; partial left %v", info, exists(p.Path))
	}
	if _, err := d.Repair(p.URL); err != nil {
		t.Fatalf("a second repair (a crash after the rename): %v", err)
	}
	old := filepath.Join(root, "1.wav")
	cutOff(t, old)
	if info, err := d.Repair(old); err != nil || info.Size != 44+16000 {
		t.Fatalf("repair of a plain path: %+v %v", info, err)
	}
	if _, err := d.Repair(p.URL + "x"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("repair of a missing recording: %v", err)
	}
}

// Names that would leave the directory, and locations that are neither
// file URLs nor absolute paths, are refused.
func TestBadNamesAndURLs(t *testing.T) {
	d := recstore.NewDir(t.TempDir())
	for _, name := range []string{"", "/etc/x", "../x", "a/../../x", "a//b", "a/", "."} {
		if _, err := d.Begin(name); !errors.Is(err, recstore.ErrBadName) {
			t.Errorf("Begin(%q): %v, want ErrBadName", name, err)
		}
	}
	for _, loc := range []string{"", "rel/1.wav", "s3://bucket/1.wav", "file://host/x.wav", "file:rel.wav"} {
		if _, err := recstore.FilePath(loc); !errors.Is(err, recstore.ErrBadURL) {
			t.Errorf("FilePath(%q): %v, want ErrBadURL", loc, err)
		}
	}
	for loc, want := range map[string]string{
		"/srv/rec/1.wav":                      "/srv/rec/1.wav",
		"file:///srv/rec/a%20b.wav":           "/srv/rec/a b.wav",
		"file://localhost/srv/rec/1.wav":      "/srv/rec/1.wav",
		recstore.FileURL("/srv/rec/a b%.wav"): "/srv/rec/a b%.wav",
	} {
		if got, err := recstore.FilePath(loc); err != nil || got != want {
			t.Errorf("FilePath(%q) = %q, %v; want %q", loc, got, err, want)
		}
	}
}

// BenchmarkFinalise measures what finalising adds to the end of a call:
// the partial file of a minute of stereo (960 kB) already synced by its
// Recorder is synced again, renamed and its directory synced.
func BenchmarkFinalise(b *testing.B) {
	d := recstore.NewDir(b.TempDir())
	minute := make([]byte, 44+60*32000)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		p, err := d.Begin(recstore.Name("2026/12/03", "a", int64(i), ""))
		if err != nil {
			b.Fatal(err)
		}
		f, err := os.Create(p.Path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(minute); err != nil {
			b.Fatal(err)
		}
		f.Sync()
		f.Close()
		b.StartTimer()
		if err := d.Finalise(p); err != nil {
			b.Fatal(err)
		}
	}
}

// Many recordings finalised at once in one directory (the calls of a
// busy line ending together) each end under their name, with no partial
// file left: their directory syncs are shared.
func TestFinaliseManyAtOnce(t *testing.T) {
	root := t.TempDir()
	d := recstore.NewDir(root)
	const n = 200
	errs := make(chan error, n)
	for i := range n {
		go func() {
			p, err := d.Begin(recstore.Name("2026/12/03", "node-a", int64(i), ""))
			if err == nil {
				err = os.WriteFile(p.Path, []byte("RIFF"), 0o640)
			}
			if err == nil {
				err = d.Finalise(p)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(root, "2026", "12", "03")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".part") {
			t.Errorf("%s left partial", e.Name())
		}
	}
	if len(entries) != n {
		t.Errorf("%d files, want %d", len(entries), n)
	}
}

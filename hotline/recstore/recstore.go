// Package recstore keeps the recordings of calls and of the messages
// callers leave. A recording is written as a partial file, NAME.wav.part,
// while it lasts, and finalised at its end (synced, renamed NAME.wav, its
// directory synced): a file without .part is always whole. What a process
// that died left behind is repaired and finalised by whoever closes its
// call — the same node when it starts again, or another node's reaper
// when the directory is shared storage mounted at the same path on every
// node. A record names its recording by URL
// (file:///var/lib/govhall/recordings/2026/12/03/a-17.wav); records
// written before hold a plain absolute path, which every method accepts
// as well.
package recstore

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/govhall/govhall/hotline/media"
)

// Errors of the store.
var (
	ErrBadName = errors.New("recstore: bad recording name")
	ErrBadURL  = errors.New("recstore: not a recording URL")
	ErrExists  = errors.New("recstore: recording exists already")
)

// partSuffix ends the name of a recording still being written.
const partSuffix = ".part"

// Store is where recordings are kept.
type Store interface {
	// Begin starts the recording name (slash-separated, no extension,
	// unique: see Name) and returns the partial file to write and the
	// URL it will have. It fails with ErrExists if it exists already.
	Begin(name string) (Partial, error)
	// Finalise makes a written partial file the recording of its URL,
	// durably.
	Finalise(p Partial) error
	// Repair finishes what a process that died left of the recording at
	// url (its partial file, or a file under its final name), finalises
	// it and returns its details.
	Repair(url string) (media.FileInfo, error)
	// Path returns the file on this node holding the finished recording
	// at url, for serving it; an error wrapping fs.ErrNotExist if there
	// is none.
	Path(url string) (string, error)
	// Remove deletes the recording at url and what is left of its
	// partial file; one already gone counts as deleted.
	Remove(url string) error
}

// Partial is a recording being written.
type Partial struct {
	Path string // the partial file a media.Recorder writes
	URL  string // the recording's URL once finalised
}

// Name returns the unique name of a recording of call id started at day
// (Asia/Shanghai date in the caller's hands) by node ("" without a node
// registry), with an optional kind ("voicemail"): 2026/12/03/a-17-voicemail.
// Call ids are unique in the database and node ids among its nodes, so two
// nodes writing to one directory never collide.
func Name(day, node string, id int64, kind string) string {
	n := fmt.Sprintf("%s/%d", day, id)
	if node != "" {
		n = fmt.Sprintf("%s/%s-%d", day, node, id)
	}
	if kind != "" {
		n += "-" + kind
	}
	return n
}

// FilePath returns the file of a recording location: a file:// URL, or
// the plain absolute path of a record written before URLs. It fails with
// ErrBadURL for anything else.
func FilePath(loc string) (string, error) {
	if filepath.IsAbs(loc) {
		return filepath.Clean(loc), nil
	}
	u, err := url.Parse(loc)
	if err != nil || u.Scheme != "file" || (u.Host != "" && u.Host != "localhost") || !path.IsAbs(u.Path) {
		return "", fmt.Errorf("%w: %q", ErrBadURL, loc)
	}
	return filepath.FromSlash(path.Clean(u.Path)), nil
}

// FileURL returns the file:// URL of the absolute path p.
func FileURL(p string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
}

// Dir is a Store on a directory, which may be a network mount shared by
// every node (mounted at the same path on each, since records name files
// by absolute URL). It is safe for concurrent use.
type Dir struct {
	root string
	dirs dirSync
}

var _ Store = (*Dir)(nil)

// NewDir returns the store on directory root (made absolute); the
// directory is created when the first recording begins.
func NewDir(root string) *Dir {
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	return &Dir{root: filepath.Clean(root), dirs: dirSync{next: map[string]*syncGroup{}, running: map[string]chan struct{}{}}}
}

// Root returns the directory of the store.
func (d *Dir) Root() string { return d.root }

// String returns the directory, for logs.
func (d *Dir) String() string { return d.root }

// Begin creates the directory of name and returns its partial file. It
// fails with ErrBadName for an empty, absolute or escaping name and with
// ErrExists when the recording or its partial file exists.
func (d *Dir) Begin(name string) (Partial, error) {
	clean := path.Clean(name)
	if name == "" || path.IsAbs(name) || clean != name || clean == "." || strings.HasPrefix(clean, "../") || clean == ".." {
		return Partial{}, fmt.Errorf("%w: %q", ErrBadName, name)
	}
	final := filepath.Join(d.root, filepath.FromSlash(clean)+".wav")
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return Partial{}, fmt.Errorf("recstore: begin %s: %w", name, err)
	}
	for _, p := range []string{final, final + partSuffix} {
		if _, err := os.Lstat(p); err == nil {
			return Partial{}, fmt.Errorf("%w: %s", ErrExists, p)
		}
	}
	return Partial{Path: final + partSuffix, URL: FileURL(final)}, nil
}

// Finalise renames the partial file, which its writer has synced
// (media.Recorder.Close does), to the recording's name and syncs the
// directory. It fails with ErrExists when the final file is there already
// (it is never replaced).
func (d *Dir) Finalise(p Partial) error {
	final, err := FilePath(p.URL)
	if err != nil {
		return err
	}
	if p.Path != final+partSuffix {
		return fmt.Errorf("%w: %s is not the partial file of %s", ErrBadURL, p.Path, p.URL)
	}
	return d.finalise(p.Path, final)
}

// finalise renames part to final, unless final exists, and syncs their
// directory.
func (d *Dir) finalise(part, final string) error {
	if _, err := os.Lstat(final); err == nil {
		return fmt.Errorf("%w: %s", ErrExists, final)
	}
	if err := os.Rename(part, final); err != nil {
		return fmt.Errorf("recstore: finalise %s: %w", part, err)
	}
	if err := d.dirs.sync(filepath.Dir(final)); err != nil {
		return fmt.Errorf("recstore: finalise %s: sync directory: %w", final, err)
	}
	return nil
}

// Repair fixes the header of the partial file of loc (media.RepairWAV)
// and finalises it; when there is no partial file, the file under the
// final name is repaired in place (a record written before partial files,
// or a crash between the rename and the record). The details returned
// name the final file.
func (d *Dir) Repair(loc string) (media.FileInfo, error) {
	final, err := FilePath(loc)
	if err != nil {
		return media.FileInfo{}, err
	}
	part := final + partSuffix
	if _, err := os.Lstat(part); errors.Is(err, fs.ErrNotExist) {
		return media.RepairWAV(final)
	}
	info, err := media.RepairWAV(part)
	if err != nil {
		return media.FileInfo{}, err
	}
	if err := d.finalise(part, final); err != nil {
		return media.FileInfo{}, err
	}
	info.Path = final
	return info, nil
}

// Path returns the finished file of loc.
func (d *Dir) Path(loc string) (string, error) {
	p, err := FilePath(loc)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("recstore: %w", err)
	}
	return p, nil
}

// Remove deletes the file of loc and its partial file.
func (d *Dir) Remove(loc string) error {
	p, err := FilePath(loc)
	if err != nil {
		return err
	}
	for _, f := range []string{p, p + partSuffix} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("recstore: remove: %w", err)
		}
	}
	return nil
}

// syncFile fsyncs the file or directory at p.
func syncFile(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// dirSync syncs directories for many renames at once (group commit): on
// ext4 each directory fsync is a journal commit that waits for the data of
// every file in it, and one per call at 50 calls/s queued up behind each
// other until calls could not end (the soak overloaded within 2 minutes;
// without the syncs it held). A caller waits for a sync that began after
// its rename: it joins the directory's next sync, which starts when the
// one running ends, so one sync of a directory runs at a time and serves
// every rename made while it waited.
type dirSync struct {
	mu      sync.Mutex
	next    map[string]*syncGroup    // the next sync of a directory, gathering callers
	running map[string]chan struct{} // closed when the directory's running sync ends
}

type syncGroup struct {
	done chan struct{}
	err  error
}

// sync returns once a sync of dir that began after the call has ended.
func (s *dirSync) sync(dir string) error {
	s.mu.Lock()
	if g := s.next[dir]; g != nil {
		s.mu.Unlock()
		<-g.done
		return g.err
	}
	g := &syncGroup{done: make(chan struct{})}
	s.next[dir] = g
	prev := s.running[dir]
	s.mu.Unlock()
	if prev != nil {
		<-prev // others join g meanwhile
	}
	s.mu.Lock()
	delete(s.next, dir) // from here on a caller waits for the sync after g
	s.running[dir] = g.done
	s.mu.Unlock()
	g.err = syncFile(dir)
	s.mu.Lock()
	if s.running[dir] == g.done {
		delete(s.running, dir)
	}
	s.mu.Unlock()
	close(g.done)
	return g.err
}

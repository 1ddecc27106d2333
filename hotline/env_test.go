package hotline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/recstore"
	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Moments on the calendar of 2025 (Asia/Shanghai): a Tuesday in office
// hours, and National Day.
var (
	workingMorning = time.Date(2025, 9, 30, 10, 0, 0, 0, calendar.Location())
	nationalDay    = time.Date(2025, 10, 1, 10, 0, 0, 0, calendar.Location())
)

var shortPrompts struct {
	once sync.Once
	dir  string
	err  error
}

// testPrompts returns a directory with every prompt spoken short (one or
// two syllables, by espeak-ng and sox like the real ones), so the call
// flows run quickly. The real texts are tested by TestEnsurePrompts.
func testPrompts(t testing.TB) string {
	t.Helper()
	shortPrompts.once.Do(func() {
		dir, err := os.MkdirTemp("", "govhall-prompts-")
		if err != nil {
			shortPrompts.err = err
			return
		}
		for name, text := range promptTexts() {
			r := []rune(text)
			short := string(r[:min(2, len(r))])
			if err := media.Synthesize(context.Background(), short, filepath.Join(dir, name+".wav")); err != nil {
				shortPrompts.err = err
				return
			}
		}
		shortPrompts.dir = dir
	})
	if shortPrompts.err != nil {
		t.Fatalf("prompts (espeak-ng and sox are required): %v", shortPrompts.err)
	}
	return shortPrompts.dir
}

// fakeQueries stands in for the queries package: it hands out codes and
// remembers what it was given.
type fakeQueries struct {
	mu    sync.Mutex
	got   []CallQuery
	rated map[string]int
}

func (f *fakeQueries) CreateFromCall(_ context.Context, in CallQuery) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, in)
	return fmt.Sprintf("96%04d", len(f.got)), nil
}

func (f *fakeQueries) RateFromCall(_ context.Context, code string, score int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rated == nil {
		f.rated = map[string]int{}
	}
	f.rated[code] = score
	return nil
}

// env is a running hotline on a fresh database.
type env struct {
	t       testing.TB
	h       *Hotline
	db      *sqlx.DB
	store   *calls.Store
	queries *fakeQueries
	addr    string
	data    string
}

// newEnv starts a hotline whose clock begins at `at` and runs in real time.
func newEnv(t testing.TB, at time.Time, tweak func(*Config)) *env {
	t.Helper()
	db := pgtest.New(t)
	seedHotline(t, db)
	return newEnvOn(t, db, t.TempDir(), at, tweak)
}

// newEnvOn starts a hotline on a seeded database and data directory.
func newEnvOn(t testing.TB, db *sqlx.DB, data string, at time.Time, tweak func(*Config)) *env {
	t.Helper()
	hours, err := calendar.ParseHours("08:30-12:00,14:00-17:30")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Open(context.Background(), db, hours)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	e := &env{t: t, db: db, store: calls.NewStore(db), queries: &fakeQueries{}, data: data}
	cfg := Config{SIPAddr: "127.0.0.1:0", DataDir: e.data, PromptsDir: testPrompts(t),
		RingTimeout: 5 * time.Second, LiaisonRing: 5 * time.Second, MaxWait: 20 * time.Second, Announce: 3 * time.Second,
		MaxMessage: 20 * time.Second, WrapUp: time.Second, SurveyWait: 3 * time.Second,
		Now: func() time.Time { return at.Add(time.Since(start)) }, Log: testLogger(t)}
	if tweak != nil {
		tweak(&cfg)
	}
	h, err := New(cfg, db, cal.Calendar(), e.queries)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.Stop(ctx)
	})
	e.h, e.addr = h, h.SIP().Addr().String()
	return e
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
	}
	return slog.New(slog.DiscardHandler)
}

// seedHotline creates departments, staff accounts and the demo SIP accounts
// (password "pw" + extension).
func seedHotline(t testing.TB, db *sqlx.DB) {
	t.Helper()
	db.MustExec(`INSERT INTO departments (code, name, full_name) VALUES
		('mzj', '民政局', '某市民政局'), ('ybj', '医保局', '某市医疗保障局'), ('gjj', '公积金中心', '某市住房公积金管理中心')`)
	db.MustExec(`INSERT INTO accounts (username, password_hash, roles, department_id) VALUES
		('operator1', 'x', '{operator}', NULL), ('operator2', 'x', '{operator}', NULL),
		('liaison1', 'x', '{liaison}', (SELECT id FROM departments WHERE code = 'mzj')),
		('liaison2', 'x', '{liaison}', (SELECT id FROM departments WHERE code = 'ybj'))`)
	s := calls.NewStore(db)
	for _, a := range []calls.NewSIPAccount{
		{Extension: "8001", Username: "operator1", Kind: calls.KindOperator},
		{Extension: "8002", Username: "operator2", Kind: calls.KindOperator},
		{Extension: "8101", Username: "liaison1", Kind: calls.KindLiaison, Department: "mzj"},
		{Extension: "8102", Username: "liaison2", Kind: calls.KindLiaison, Department: "ybj"},
	} {
		a.Realm, a.Password = "govhall", "pw"+a.Extension
		if _, err := s.SaveSIPAccount(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
}

// lastCall waits until the newest call has ended and returns it.
func (e *env) lastCall(within time.Duration) calls.Call {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		cs, err := e.store.List(context.Background(), 1)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(cs) == 1 && cs[0].EndedAt != nil {
			return cs[0]
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no ended call within %v: %+v", within, cs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitFor polls f until it is true.
func (e *env) waitFor(what string, within time.Duration, f func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for !f() {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// recording reads a call's recording, checks its hash and size against the
// record, and returns the per-channel energy per second.
func (e *env) recording(c calls.Call) media.WAV {
	e.t.Helper()
	if c.Recording == nil {
		e.t.Fatalf("call %d has no recording", c.ID)
	}
	path, err := recstore.FilePath(c.RecPath)
	if err != nil {
		e.t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		e.t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != c.Recording.SHA256 || int64(len(b)) != c.Recording.Size {
		e.t.Fatalf("recording %s: sha256/size do not match the record", c.RecPath)
	}
	w, err := media.ReadWAV(bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	if w.Channels != 2 || w.Rate != 8000 {
		e.t.Fatalf("recording is %d ch %d Hz", w.Channels, w.Rate)
	}
	return w
}

// loud returns the seconds of a channel whose mean power passes a floor.
func loud(s []int16) int {
	n := 0
	for i := 0; i+8000 <= len(s); i += 8000 {
		var sum float64
		for _, v := range s[i : i+8000] {
			sum += float64(v) * float64(v)
		}
		if sum/8000 > 100*100 {
			n++
		}
	}
	return n
}

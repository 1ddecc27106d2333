package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/govhall/govhall/hotline/peers"
	"github.com/govhall/govhall/migrations/pgcluster"
)

// outage is how long PostgreSQL stays away.
const outage = 30 * time.Second

// testDatabaseOutage: PostgreSQL of its own, stopped for 30 s under load
// and started again. Meanwhile every request is answered within seconds,
// 503 with a JSON message where the database was needed (never 500), a
// call in progress keeps its audio relayed both ways and a new call gets
// 503; afterwards everything comes back without restarting govhall —
// health, search (the in-memory index reloaded), new queries, the call
// ends normally with its whole recording — and nothing written before is
// lost or doubled.
func testDatabaseOutage(t *testing.T, bin string) {
	ctx := context.Background()
	pgDir := privateClusterDir(t)
	cl, err := pgcluster.Start(ctx, pgcluster.Options{Dir: pgDir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Stop() })
	if err := cl.EnsureDatabase(ctx, "govhall"); err != nil {
		t.Fatal(err)
	}
	e := newFaultEnv(t, bin, cl.URL("govhall"), "GOVHALL_OFFICE_HOURS=00:00-23:59")
	e.makeWorkingDay(t)
	e.shortGreeting(t)
	p := e.serve()
	p.waitLog(30*time.Second, "search index ready")
	operator := peers.StartBaresipTone(t, "8001", faultPassword, e.sipAddr, 440)
	before := e.submitQueries(t, 20)
	caller, st := dial(t, e.sipAddr)
	if st != 200 {
		t.Fatalf("call before the outage: %d", st)
	}
	operator.WaitEvent("CALL_ESTABLISHED", 30*time.Second)
	waitFor(t, 5*time.Second, "the operator heard", func() bool { return caller.heard.Load() > 100 })

	load := startLoad(t, e)
	time.Sleep(2 * time.Second)
	down := time.Now()
	cl.Stop()
	e.checkOutage(t, p, caller, load, down)
	cl, err = pgcluster.Start(ctx, pgcluster.Options{Dir: pgDir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	t.Logf("PostgreSQL away for %.1f s", up.Sub(down).Seconds())
	e.checkRecovery(t, p, load, up)
	load.stop()
	e.checkNothingLost(t, before)
	heard := caller.heard.Load()
	caller.hangup()
	e.checkCallSurvived(t, caller.callID, time.Since(down))
	t.Logf("the call heard %d packets in all", heard)
}

// privateClusterDir is a directory the postgres user may enter (a test's
// temporary directory is not), removed at the end.
func privateClusterDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "govhall-faults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "pg")
}

// makeWorkingDay makes today (Asia/Shanghai) a working day, so that with
// office hours all day the hotline queues calls to operators whenever the
// test runs.
func (e *faultEnv) makeWorkingDay(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(loc)
	day := today.Format(time.DateOnly)
	e.db.MustExec(`INSERT INTO calendar_notices (year, title, published_on) VALUES ($1, 'fault test', $2) ON CONFLICT DO NOTHING`, today.Year(), day)
	e.db.MustExec(`DELETE FROM calendar_days WHERE day = $1`, day)
	if wd := today.Weekday(); wd == time.Saturday || wd == time.Sunday {
		e.db.MustExec(`INSERT INTO calendar_days (day, year, kind, name) VALUES ($1, $2, 'work_swap', '故障测试')`, day, today.Year())
	}
}

// shortGreeting replaces the greeting prompt (as admins may) by a short
// tone, so that calls reach the queue within a second.
func (e *faultEnv) shortGreeting(t *testing.T) {
	const frames = 2400 // 0.3 s
	w := make([]byte, 44+2*frames)
	copy(w, "RIFF")
	binary.LittleEndian.PutUint32(w[4:], uint32(len(w)-8))
	copy(w[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(w[16:], 16)
	binary.LittleEndian.PutUint16(w[20:], 1) // PCM
	binary.LittleEndian.PutUint16(w[22:], 1) // mono
	binary.LittleEndian.PutUint32(w[24:], 8000)
	binary.LittleEndian.PutUint32(w[28:], 16000)
	binary.LittleEndian.PutUint16(w[32:], 2)
	binary.LittleEndian.PutUint16(w[34:], 16)
	copy(w[36:], "data")
	binary.LittleEndian.PutUint32(w[40:], 2*frames)
	for i := range frames {
		binary.LittleEndian.PutUint16(w[44+2*i:], uint16(int16(4000*math.Sin(2*math.Pi*440*float64(i)/8000))))
	}
	dir := filepath.Join(e.dataDir, "prompts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "greeting.wav"), w, 0o644); err != nil {
		t.Fatal(err)
	}
}

// submitQueries submits n queries as citizens and returns their codes.
func (e *faultEnv) submitQueries(t *testing.T, n int) []string {
	t.Helper()
	var codes []string
	for i := range n {
		c := clientFrom(fmt.Sprintf("127.0.1.%d", 10+i/5))
		st, body := e.doWith(c, http.MethodPost, "/api/v1/queries", "", map[string]string{"channel": "kiosk", "question": fmt.Sprintf("医保报销比例是多少？（%d）", i)})
		var out struct{ Code string }
		if st != http.StatusCreated || json.Unmarshal(body, &out) != nil {
			t.Fatalf("query %d: %d %s", i, st, body)
		}
		codes = append(codes, out.Code)
	}
	return codes
}

// answer is one request of the load.
type answer struct {
	at     time.Time
	what   string
	status int
	took   time.Duration
	body   string
}

// loadGen is citizens searching, opening documents and submitting queries,
// and a monitor asking /healthz, until stopped.
type loadGen struct {
	mu      sync.Mutex
	answers []answer
	done    chan struct{}
	wg      sync.WaitGroup
}

func startLoad(t *testing.T, e *faultEnv) *loadGen {
	l := &loadGen{done: make(chan struct{})}
	var docs []int64
	if err := e.db.Select(&docs, `SELECT id FROM public_documents ORDER BY id LIMIT 10`); err != nil || len(docs) == 0 {
		t.Fatalf("public documents: %v", err)
	}
	requests := map[string]func(c *http.Client, i int) (int, []byte){
		"search": func(c *http.Client, i int) (int, []byte) {
			return e.doWith(c, http.MethodGet, fmt.Sprintf("/api/v1/documents?q=%s&offset=%d", []string{"低保", "医保", "公积金"}[i%3], i%2*10), "", nil)
		},
		"document": func(c *http.Client, i int) (int, []byte) {
			return e.doWith(c, http.MethodGet, fmt.Sprintf("/api/v1/documents/%d", docs[i%len(docs)]), "", nil)
		},
		"query": func(c *http.Client, i int) (int, []byte) {
			return e.doWith(c, http.MethodPost, "/api/v1/queries", "", map[string]string{"channel": "web", "question": fmt.Sprintf("停电期间的问题 %d", i)})
		},
		"healthz": func(c *http.Client, i int) (int, []byte) { return e.doWith(c, http.MethodGet, "/healthz", "", nil) },
	}
	k := 0
	for what, req := range requests {
		k++
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-l.done:
					return
				case <-time.After(100 * time.Millisecond):
				}
				// Each query comes from an address of its own: the per-address limit is not the fault under test.
				c := clientFrom(fmt.Sprintf("127.0.%d.%d", 2+k, 1+i%250))
				start := time.Now()
				st, body := req(c, i)
				c.CloseIdleConnections()
				l.add(answer{at: start, what: what, status: st, took: time.Since(start), body: string(body)})
			}
		}()
	}
	return l
}

func (l *loadGen) add(a answer) {
	l.mu.Lock()
	l.answers = append(l.answers, a)
	l.mu.Unlock()
}

// since returns the answers to requests sent from t on.
func (l *loadGen) since(t time.Time) []answer {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []answer
	for _, a := range l.answers {
		if !a.at.Before(t) {
			out = append(out, a)
		}
	}
	return out
}

func (l *loadGen) stop() {
	close(l.done)
	l.wg.Wait()
}

// checkOutage watches the outage: /healthz says 503 at once; every answer
// is prompt and either served or 503 with a message; the call in
// progress keeps hearing the operator; a new call gets 503.
func (e *faultEnv) checkOutage(t *testing.T, p *proc, caller *sipCaller, l *loadGen, down time.Time) {
	t.Helper()
	waitFor(t, 5*time.Second, "/healthz 503", func() bool {
		st, _ := e.get("/healthz", "")
		return st == http.StatusServiceUnavailable
	})
	t.Logf("/healthz answered 503 %.2f s after PostgreSQL stopped", time.Since(down).Seconds())
	time.Sleep(2 * time.Second)
	heard := caller.heard.Load()
	if _, st := dial(t, e.sipAddr); st != 503 {
		t.Errorf("a new call during the outage got %d, want 503", st)
	}
	time.Sleep(time.Until(down.Add(outage)))
	if got, want := caller.heard.Load()-heard, int64((outage-3*time.Second)/(20*time.Millisecond))*8/10; got < want {
		t.Errorf("the caller heard %d packets in the last %v of the outage, want at least %d: the relay stopped", got, outage-3*time.Second, want)
	}
	unavailable, slowest := 0, time.Duration(0)
	for _, a := range l.since(down) {
		slowest = max(slowest, a.took)
		var msg struct{ Error string }
		switch {
		case a.took > 5*time.Second:
			t.Errorf("%s during the outage took %v (%d)", a.what, a.took, a.status)
		case a.status == http.StatusServiceUnavailable && (json.Unmarshal([]byte(a.body), &msg) != nil || msg.Error == ""):
			t.Errorf("%s during the outage: 503 without a message: %s", a.what, a.body)
		case a.status == http.StatusServiceUnavailable:
			unavailable++
		case a.status != http.StatusOK && a.status != http.StatusCreated:
			t.Errorf("%s during the outage: %d %s", a.what, a.status, a.body)
		}
	}
	if unavailable == 0 {
		t.Errorf("no request was answered 503 during the outage")
	}
	t.Logf("during the outage: %d answers 503, the slowest answer took %v", unavailable, slowest)
	if p.exited() {
		t.Fatalf("govhall exited during the outage")
	}
}

// checkRecovery waits until health, search, documents and new queries
// answer again, and the search index follows the database again, and logs how long
// each took after PostgreSQL was back.
func (e *faultEnv) checkRecovery(t *testing.T, p *proc, l *loadGen, up time.Time) {
	t.Helper()
	back := map[string]time.Duration{}
	waitFor(t, 40*time.Second, "every request served again", func() bool {
		for _, a := range l.since(up) {
			if _, ok := back[a.what]; !ok && (a.status == http.StatusOK || a.status == http.StatusCreated) {
				back[a.what] = a.at.Add(a.took).Sub(up)
			}
		}
		return len(back) == 4
	})
	// The index follows again once it caught up from the change log
	// (PostgreSQL kept it) or, when it could not, reloaded.
	waitFor(t, 40*time.Second, "the search index caught up or reloaded", func() bool {
		at, ok := p.logAfter(up, "search index: caught up from the change log")
		if !ok {
			at, ok = p.logAfter(up, "search index ready")
		}
		back["search index"] = at.Sub(up)
		return ok
	})
	t.Logf("after PostgreSQL was back: %v", back)
	for _, a := range l.since(up.Add(back["search index"] + time.Second)) {
		if a.status >= 500 {
			t.Errorf("%s after recovery: %d %s", a.what, a.status, a.body)
		}
	}
}

// logAfter returns the time of the first log line after t that contains
// msg.
func (p *proc) logAfter(t time.Time, msg string) (time.Time, bool) {
	for _, l := range strings.Split(p.logs.String(), "\n") {
		var line struct{ Time time.Time }
		if strings.Contains(l, msg) && json.Unmarshal([]byte(l), &line) == nil && line.Time.After(t) {
			return line.Time, true
		}
	}
	return time.Time{}, false
}

// checkNothingLost checks that the queries of before are there, each
// accepted once.
func (e *faultEnv) checkNothingLost(t *testing.T, codes []string) {
	t.Helper()
	n := e.count(t, `SELECT count(*) FROM query_events ev JOIN queries q ON q.id = ev.query_id WHERE q.code = ANY($1) AND ev.kind = 'accepted'`, pq.Array(codes))
	if n != len(codes) {
		t.Errorf("%d accepted events for the %d queries of before the outage", n, len(codes))
	}
}

// checkCallSurvived checks that the call of the outage ended normally,
// with a recording that went on through it.
func (e *faultEnv) checkCallSurvived(t *testing.T, sipCallID string, atLeast time.Duration) {
	t.Helper()
	var c struct {
		ID      int64      `db:"id"`
		Ended   *time.Time `db:"ended_at"`
		Outcome string     `db:"outcome"`
		Path    string     `db:"recording_path"`
		Size    int64      `db:"recording_size"`
		Millis  int64      `db:"recording_duration_ms"`
	}
	waitFor(t, 10*time.Second, "the call closed", func() bool {
		return e.db.Get(&c, `SELECT id, ended_at, outcome, recording_path, recording_size, recording_duration_ms FROM calls WHERE sip_call_id = $1`, sipCallID) == nil &&
			c.Ended != nil && c.Size > 0
	})
	if c.Outcome != "answered" || time.Duration(c.Millis)*time.Millisecond < atLeast {
		t.Errorf("the call of the outage: %+v, want answered with a recording of at least %v", c, atLeast)
	}
	checkWAVOnDisk(t, c.Path, c.Size)
}

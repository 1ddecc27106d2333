package search

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// offline loses the listening connection of every index on the fixture's
// database and keeps them from reconnecting while fn runs on a connection
// of its own (new connections are refused meanwhile); then waits until m's
// index follows the database again.
func offline(t *testing.T, f *fixture, m *Store, fn func(conn *sql.Conn)) {
	t.Helper()
	ctx := context.Background()
	conn, err := f.db.Conn(ctx)
	must(t, err)
	defer conn.Close()
	var name string
	must(t, conn.QueryRowContext(ctx, `SELECT current_database()`).Scan(&name))
	u, err := url.Parse(f.url)
	must(t, err)
	u.Path = "/postgres"
	admin, err := sqlx.Open("postgres", u.String())
	must(t, err)
	defer admin.Close()
	allow := func(on bool) {
		_, err := admin.Exec(fmt.Sprintf(`ALTER DATABASE %s ALLOW_CONNECTIONS %t`, pq.QuoteIdentifier(name), on))
		must(t, err)
	}
	allow(false)
	defer allow(true)
	var n int
	must(t, conn.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%'`).Scan(&n))
	if n == 0 {
		t.Fatal("no listening connection to terminate")
	}
	for deadline := time.Now().Add(10 * time.Second); m.mem.following(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the index did not notice its connection was lost")
		}
	}
	fn(conn)
	allow(true)
	deadline := time.Now().Add(30 * time.Second)
	for {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := m.SyncIndex(sctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("index not back after the connection loss: %v", err)
		}
	}
}

func execConn(t *testing.T, conn *sql.Conn, q string, args ...any) {
	t.Helper()
	_, err := conn.ExecContext(context.Background(), q, args...)
	must(t, err)
}

// TestMemIndexReconnect: when the listening connection is lost, the changes
// committed meanwhile are read from the change log on reconnection, without
// loading the index again, including one whose transaction drew its seq
// before a change the index had already applied but committed after.
func TestMemIndexReconnect(t *testing.T) {
	f, m := memFixture(t)
	ctx := context.Background()
	early := f.db.MustBegin() // draws a seq now, commits while the index is not listening
	defer early.Rollback()
	_, err := early.Exec(`UPDATE documents SET title = '沂源县最低生活保障审核确认办法（修订）',
		search_norm_title = '沂源县最低生活保障审核确认办法（修订）' WHERE index_no = 'TEST-0001'`)
	must(t, err)
	added := f.add(doc{Title: "残疾人两项补贴申领指南", Agency: "cl", Kind: "guide", Body: "困难残疾人生活补贴。"})
	must(t, m.SyncIndex(ctx))
	loads := m.mem.loads.Load()
	offline(t, f, m, func(conn *sql.Conn) {
		must(t, early.Commit())
		execConn(t, conn, `UPDATE documents SET title = '住房公积金提取管理办法（修订）',
			search_norm_title = '住房公积金提取管理办法（修订）' WHERE index_no = 'TEST-0002'`)
		execConn(t, conn, `UPDATE documents SET disclosure = '不予公开', withheld_reason = '测试' WHERE id = $1`, added)
	})
	if got := m.mem.loads.Load(); got != loads {
		t.Fatalf("the index was loaded %d more times, want caught up from the change log", got-loads)
	}
	if res := memSearch(t, m, "公积金"); len(res.Items) != 1 || res.Items[0].Title != "住房公积金提取管理办法（修订）" {
		t.Fatalf("change made while disconnected is missing: %v", titles(res))
	}
	if res := memSearch(t, m, "最低生活保障"); len(res.Items) != 1 || res.Items[0].Title != "沂源县最低生活保障审核确认办法（修订）" {
		t.Fatalf("change committed after a higher seq is missing: %v", titles(res))
	}
	if res := memSearch(t, m, "残疾人两项补贴"); res.Total != 0 {
		t.Fatalf("document withheld while disconnected still indexed: %v (total %d)", titles(res), res.Total)
	}
	if m.mem.live() == nil {
		t.Fatal("index not live after the catch-up")
	}
}

// TestMemIndexTrimmedLog: when the change log was trimmed past what a
// reconnecting index had applied, it loads every document again.
func TestMemIndexTrimmedLog(t *testing.T) {
	f, m := memFixture(t)
	for i := range 5 {
		_, err := f.db.Exec(`UPDATE departments SET name = $1 WHERE code = 'cl'`, fmt.Sprintf("县残联%d", i))
		must(t, err)
	}
	must(t, m.mem.trim(context.Background(), logKeep, 2))
	var n int
	must(t, f.db.Get(&n, `SELECT count(*) FROM search_changes`))
	if n != 2 {
		t.Fatalf("%d changes kept, want the last 2", n)
	}
	must(t, m.SyncIndex(context.Background()))
	loads := m.mem.loads.Load()
	offline(t, f, m, func(conn *sql.Conn) {
		execConn(t, conn, `UPDATE documents SET title = '住房公积金提取管理办法（修订）',
			search_norm_title = '住房公积金提取管理办法（修订）' WHERE index_no = 'TEST-0002'`)
		execConn(t, conn, trimSQL, 0, logMaxRows)
	})
	if got := m.mem.loads.Load(); got != loads+1 {
		t.Fatalf("the index was loaded %d more times, want 1", got-loads)
	}
	if res := memSearch(t, m, "公积金"); len(res.Items) != 1 || res.Items[0].Title != "住房公积金提取管理办法（修订）" {
		t.Fatalf("change made while disconnected is missing: %v", titles(res))
	}
	must(t, f.db.Get(&n, `SELECT count(*) FROM search_changes`))
	if n != 0 {
		t.Fatalf("%d changes left after trimming everything", n)
	}
}

// TestMemIndexCrossNode: two nodes, each with its own pool and index on one
// database; node A withholds documents one by one while node B serves a
// cached search that shows them, and B is polled until it shows the
// document no more and its total follows. First with B's listening backend
// stopped (SIGSTOP), so that the NOTIFY cannot reach B: B must stop showing
// the document anyway (its marks stop coming back and it checks cached
// results in public_documents), and its total must follow once it gave up
// on that connection and caught up on another; then as the NOTIFYs come.
// The delays are logged (README, Several nodes).
func TestMemIndexCrossNode(t *testing.T) {
	f, a := memFixture(t)
	ctx := context.Background()
	const stopped, rounds = 2, 20
	var ids []int64
	for i := range stopped + rounds {
		ids = append(ids, f.add(doc{Title: fmt.Sprintf("第%d批临时救助资金发放公示", i+1), Agency: "mzj", Body: "临时救助资金已发放。"}))
	}
	db2, err := sqlx.Open("postgres", f.url)
	must(t, err)
	defer db2.Close()
	b := newStore(db2, Options{NotifyURL: f.url + "&application_name=node-b"})
	b.noZeroLog = true
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.StartIndex(bctx)
	must(t, a.SyncIndex(ctx))
	must(t, b.SyncIndex(ctx))
	req := Request{Q: "临时救助", Limit: 100}
	loads := b.mem.loads.Load()
	var gone, counted, hidden, caught []time.Duration
	for i, id := range ids {
		want := len(ids) - i
		waitFresh(t, b)
		if res := b.cachedSearch(t, req); !slices.Contains(resultIDs(res), id) || res.Total != want {
			t.Fatalf("round %d: node B before: total %d, want %d", i, res.Total, want)
		}
		var listener int
		if i < stopped {
			listener = stopListener(t, f)
			defer syscall.Kill(listener, syscall.SIGCONT) //nolint:errcheck // when the round failed
		}
		withhold(t, f, a, id)
		committed := time.Now()
		res := pollUntil(t, b, req, func(res Result) bool { return !slices.Contains(resultIDs(res), id) })
		shown := time.Since(committed)
		if i < stopped && res.Total != want {
			t.Fatalf("round %d: node B's total %d before the NOTIFY came, want still %d", i, res.Total, want)
		}
		pollUntil(t, b, req, func(res Result) bool { return res.Total == want-1 })
		if i < stopped {
			hidden, caught = append(hidden, shown), append(caught, time.Since(committed))
			must(t, syscall.Kill(listener, syscall.SIGCONT))
		} else {
			gone, counted = append(gone, shown), append(counted, time.Since(committed))
		}
	}
	waitFresh(t, b)
	if got := b.mem.loads.Load(); got != loads {
		t.Errorf("node B loaded its index %d more times, want caught up from the change log", got-loads)
	}
	t.Logf("node B showed the document after node A's commit for: %s; its total followed after %s; "+
		"with B's listener stopped it showed it for %s, and its total followed after %s",
		spread(gone), spread(counted), spread(hidden), spread(caught))
}

// stopListener stops the backend of node B's listening connection.
func stopListener(t *testing.T, f *fixture) int {
	t.Helper()
	var pids []int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		pids = nil
		must(t, f.db.Select(&pids, `SELECT pid FROM pg_stat_activity
			WHERE application_name = 'node-b' AND query LIKE 'LISTEN%'`))
		if len(pids) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node B has %d listening connections, want 1", len(pids))
		}
	}
	must(t, syscall.Kill(pids[0], syscall.SIGSTOP))
	return pids[0]
}

// waitFresh waits until s's index is confirmed fresh.
func waitFresh(t *testing.T, s *Store) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !s.mem.fresh(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the index is not confirmed fresh")
		}
	}
}

// cachedSearch searches twice, the second time from the cache.
func (s *Store) cachedSearch(t *testing.T, req Request) Result {
	t.Helper()
	_, err := s.Search(context.Background(), req)
	must(t, err)
	if _, ok := s.cache.get(req.cacheKey()); !ok {
		t.Fatal("the result was not cached")
	}
	res, err := s.Search(context.Background(), req)
	must(t, err)
	return res
}

// pollUntil searches until ok holds for the result (at most 15 s).
func pollUntil(t *testing.T, s *Store, req Request, ok func(Result) bool) Result {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; {
		res, err := s.Search(context.Background(), req)
		must(t, err)
		if ok(res) {
			return res
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15 s: total %d, %v", res.Total, titles(res))
		}
	}
}

// spread is the median and the maximum of ds.
func spread(ds []time.Duration) string {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	return fmt.Sprintf("median %v, max %v (%d rounds)", r(ds[len(ds)/2]), r(ds[len(ds)-1]), len(ds))
}

// BenchmarkCachedHit is a search answered from the result cache of a live
// in-memory index: the cost of re-checking its page in public_documents.
func BenchmarkCachedHit(b *testing.B) {
	f := newFixture(b)
	for i := range 20 {
		f.add(doc{Title: fmt.Sprintf("第%d批临时救助资金发放公示", i+1), Agency: "mzj", Body: "临时救助资金已发放。"})
	}
	s := newStore(f.db, Options{NotifyURL: f.url})
	s.noZeroLog = true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.StartIndex(ctx)
	must(b, s.SyncIndex(ctx))
	req := Request{Q: "临时救助", NoLog: true}
	_, err := s.Search(ctx, req)
	must(b, err)
	for b.Loop() {
		if _, err := s.Search(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

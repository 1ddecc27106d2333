package search

import (
	"context"
	"flag"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// benchCatalog is the database the index benchmarks read: the catalog named
// by GOVHALL_BENCH_DATABASE_URL (the one BenchmarkHTTPSearch in cmd/govhall
// reuses, 100 000 imported documents), else documents generated as for
// BenchmarkSearch.
func benchCatalog(b *testing.B) (*sqlx.DB, string) {
	if u := os.Getenv("GOVHALL_BENCH_DATABASE_URL"); u != "" {
		db, err := sqlx.Open("postgres", u)
		must(b, err)
		db.SetMaxOpenConns(40)
		db.SetMaxIdleConns(40) // open until the binary exits: BenchmarkLongTail keeps its store
		return db, u
	}
	env := setupBench(b)
	return env.db, env.url
}

var heapProfile = flag.String("search.heapprofile", "", "BenchmarkIndexLoad writes the heap profile here, index loaded")

// BenchmarkIndexLoad loads the in-memory index from the catalog's public
// documents, as `govhall serve` does at start, and reports its heap (live
// bytes after a collection, the index kept against the heap before it) per
// document and the load's duration. Run with -benchtime=1x or a few x.
func BenchmarkIndexLoad(b *testing.B) {
	db, url := benchCatalog(b)
	s := newStore(db, Options{CacheTTL: -1, NotifyURL: url})
	ctx := context.Background()
	var heap, secs, cpu float64
	var docs int
	for range b.N {
		s.mem.state.Store(nil)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start, cpu0 := time.Now(), cpuTime()
		must(b, s.mem.rebuild(ctx))
		secs += time.Since(start).Seconds()
		cpu += (cpuTime() - cpu0).Seconds()
		runtime.GC()
		runtime.ReadMemStats(&after)
		st := s.mem.state.Load()
		docs = len(st.base.docs)
		heap += float64(after.HeapAlloc) - float64(before.HeapAlloc)
		if *heapProfile != "" {
			f, err := os.Create(*heapProfile)
			must(b, err)
			must(b, pprof.WriteHeapProfile(f))
			must(b, f.Close())
		}
		runtime.KeepAlive(st)
	}
	n := float64(b.N)
	b.ReportMetric(heap/n/float64(docs), "heap-B/doc")
	b.ReportMetric(heap/n/(1<<20), "heap-MiB")
	b.ReportMetric(secs/n, "load-s")
	b.ReportMetric(cpu/n, "load-cpu-s")
	b.ReportMetric(float64(docs), "docs")
}

// tailRequests cuts n distinct searches from the catalog's own titles and
// 文号 as the long tail of BenchmarkHTTPSearch in cmd/govhall does (same
// seed, same shapes): 1–6 characters of a title, some with a filter; the 文号
// in three bracket styles; two pieces of a title with a space between.
func tailRequests(b *testing.B, db *sqlx.DB, n int) []Request {
	var rows []struct {
		Title     string `db:"title"`
		DocNumber string `db:"doc_number"`
	}
	must(b, db.Select(&rows, `SELECT title, doc_number FROM public_documents ORDER BY md5(id::text) LIMIT $1`, n))
	r := rand.New(rand.NewPCG(7, 7))
	seen := map[Request]bool{}
	var out []Request
	add := func(q Request) {
		if q.Q != "" && !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	filters := []Request{{}, {}, {Year: 2021}, {Year: 2023}, {Kind: "policy"}, {Validity: "有效"}}
	for i := 0; len(out) < n && i < 10*n; i++ {
		row := rows[i%len(rows)]
		rs := []rune(row.Title)
		switch r.IntN(4) {
		case 0, 1:
			k := 1 + r.IntN(6)
			if len(rs) > k {
				at := r.IntN(len(rs) - k)
				q := filters[r.IntN(len(filters))]
				q.Q = string(rs[at : at+k])
				add(q)
			}
		case 2:
			if row.DocNumber != "" {
				d := row.DocNumber
				switch r.IntN(3) {
				case 0:
					d = strings.NewReplacer("〔", "[", "〕", "]").Replace(d)
				case 1:
					d = strings.NewReplacer("〔", "（", "〕", "）").Replace(d)
				}
				add(Request{Q: d})
			}
		default:
			if len(rs) > 8 {
				at := r.IntN(len(rs) - 8)
				add(Request{Q: string(rs[at:at+2]) + " " + string(rs[at+5:at+8])})
			}
		}
	}
	return out
}

// BenchmarkLongTail runs the 30 000 long-tail searches one after another in
// the in-memory index without the result cache (page read from PostgreSQL
// included), cycling through them: ns/op is a cache-missing search's
// latency on one client, cpu-ns/op the CPU this process spent on it (user
// and system; PostgreSQL's share is not in it).
func BenchmarkLongTail(b *testing.B) {
	s, qs := longTailStore(b)
	ctx := context.Background()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		q := qs[i%len(qs)]
		q.NoLog = true
		if _, err := s.Search(ctx, q); err != nil {
			b.Fatalf("%+v: %v", q, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime is the user and system CPU this process has used.
func cpuTime() time.Duration {
	var u syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// longTail is BenchmarkLongTail's store, index loaded, and queries, kept
// across its runs (-count) within one test binary when the catalog is
// GOVHALL_BENCH_DATABASE_URL's.
var longTail struct {
	s  *Store
	qs []Request
}

func longTailStore(b *testing.B) (*Store, []Request) {
	if longTail.s != nil {
		return longTail.s, longTail.qs
	}
	db, url := benchCatalog(b)
	s := newStore(db, Options{CacheTTL: -1, NotifyURL: url})
	s.noZeroLog = true
	ctx := context.Background()
	s.StartIndex(ctx) // runs until the binary exits
	must(b, s.SyncIndex(ctx))
	must(b, s.Warm(ctx))
	qs := tailRequests(b, db, 30_000)
	for _, q := range qs[:200] { // warm the statement cache and the pools
		_, err := s.Search(ctx, q)
		must(b, err)
	}
	if os.Getenv("GOVHALL_BENCH_DATABASE_URL") != "" { // else the database goes with the benchmark
		longTail.s, longTail.qs = s, qs
	}
	return s, qs
}

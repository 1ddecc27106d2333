package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/kiosk/synth"
	"github.com/govhall/govhall/migrations/pgtest"
)

// compareEngine is one search engine of the comparison, served over HTTP
// with govhall's request format.
type compareEngine struct {
	name, base string
}

// comparePeers builds Bleve and the pg_trgm copy from the catalog at dbURL
// and serves them; it logs how long each took to build and how big it is.
func comparePeers(tb testing.TB, dbURL string) ([]compareEngine, bleve.Index) {
	ctx := context.Background()
	db, err := sqlx.Open("postgres", dbURL)
	mustDo(tb, err)
	tb.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	dir := tb.TempDir()
	start := time.Now()
	idx, n, err := buildBleve(ctx, db, dir)
	mustDo(tb, err)
	tb.Cleanup(func() { idx.Close() })
	tb.Logf("bleve: indexed %d documents in %v (%.0f documents/s), %s on disk", n, time.Since(start).Round(time.Second),
		float64(n)/time.Since(start).Seconds(), dirSize(dir))
	start = time.Now()
	ext, err := buildTrgm(ctx, db)
	mustDo(tb, err)
	tb.Cleanup(func() {
		if err := dropTrgm(db); err != nil {
			tb.Errorf("drop %s: %v", trgmSchema, err)
		}
	})
	var size string
	mustDo(tb, db.Get(&size, `SELECT pg_size_pretty(pg_total_relation_size('cmp_trgm.docs'))`))
	tb.Logf("pg_trgm: copied and indexed in %v, table with its trigram indexes %s", time.Since(start).Round(time.Second), size)
	bl := servePeer(tb, peerHandler(func(ctx context.Context, pr peerRequest) (peerResult, error) {
		return bleveSearch(ctx, idx, pr)
	}))
	tg := servePeer(tb, peerHandler(func(ctx context.Context, pr peerRequest) (peerResult, error) {
		return trgmSearch(ctx, db, ext, pr)
	}))
	return []compareEngine{{"bleve", bl}, {"pg_trgm", tg}}, idx
}

// bleveSample is the hot mix and 200 queries of the long tail, as requests.
func bleveSample(b *testing.B, dbURL string) []peerRequest {
	var paths []string
	for _, q := range searchMix {
		paths = append(paths, searchPath(q))
	}
	var out []peerRequest
	for _, p := range append(paths, longTail(b, dbURL, 200)...) {
		r, err := http.NewRequest("GET", p, nil)
		mustDo(b, err)
		pr, err := parsePeerRequest(r)
		mustDo(b, err)
		out = append(out, pr)
	}
	return out
}

// bleveCost times Bleve in the process, one query at a time, as served
// (facets, newest first among equal scores) and bare (neither), so that
// the HTTP figures can be read against what the facets cost.
func bleveCost(b *testing.B, idx bleve.Index, reqs []peerRequest) {
	for _, bare := range []bool{false, true} {
		start := time.Now()
		for _, pr := range reqs {
			pr.bare = bare
			_, err := bleveSearch(context.Background(), idx, pr)
			mustDo(b, err)
		}
		b.Logf("bleve in the process, one client, %d queries (hot mix and 200 of the long tail), bare=%v: %.1f ms a query",
			len(reqs), bare, float64(time.Since(start).Microseconds())/1000/float64(len(reqs)))
	}
}

func dirSize(dir string) string {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}

// compareCatalog is the catalog searched: the 100 000 documents of the
// other benchmarks (or GOVHALL_BENCH_DATABASE_URL), or, with
// GOVHALL_COMPARE_DOCS=n, n generated documents imported afresh.
func compareCatalog(b *testing.B) (string, int) {
	s := os.Getenv("GOVHALL_COMPARE_DOCS")
	if s == "" || s == strconv.Itoa(benchDocs) {
		url, _ := loadCatalog100k(b)
		return url, benchDocs
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 {
		b.Fatalf("GOVHALL_COMPARE_DOCS=%q: want a number of documents, at least 100", s)
	}
	file := filepath.Join(b.TempDir(), "docs.jsonl")
	f, err := os.Create(file)
	mustDo(b, err)
	mustDo(b, synth.WriteJSONL(f, 1, n))
	f.Close()
	url := pgtest.URL(b)
	for _, args := range [][]string{{"demo"}, {"import", file}} {
		if _, stderr, err := runCmd(b, url, args...); err != nil {
			b.Fatalf("%s: %v %s", args[0], err, stderr)
		}
	}
	return url, n
}

// mixStats adds up an engine's rounds on one mix.
type mixStats struct {
	lat      []time.Duration
	requests int
	errors   int
	seconds  float64
}

func (m *mixStats) add(r loadResult) {
	m.lat = append(m.lat, r.lat...)
	m.requests += len(r.lat)
	m.errors += r.errors
	if r.rps > 0 {
		m.seconds += float64(len(r.lat)) / r.rps
	}
}

// result sorts the latencies and gives answered requests per second.
func (m *mixStats) result() (loadResult, float64) {
	slices.Sort(m.lat)
	r := loadResult{lat: m.lat, errors: m.errors}
	if m.seconds > 0 {
		r.rps = float64(m.requests) / m.seconds
	}
	return r, float64(m.requests-m.errors) / max(m.seconds, 1e-9)
}

// rotate returns paths starting at off, so that an engine continues the
// long tail where its last round stopped (no query is asked twice).
func rotate(paths []string, off int) []string {
	off %= len(paths)
	return append(slices.Clone(paths[off:]), paths[:off]...)
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkCompareSearch loads govhall's GET /api/v1/documents, Bleve (CJK
// analyzer) and PostgreSQL pg_trgm, each served over loopback HTTP with the
// same request format, from the same 32-client loop, on the same catalog:
// the hot mix (22 queries) and the long tail (30 000 distinct queries cut
// from the catalog), interleaved in rounds (GOVHALL_COMPARE_ROUNDS, default
// 4, of GOVHALL_COMPARE_SECONDS, default 5, per engine and mix, the order of
// the engines turning each round) so that the machine's noise falls on all
// three alike. Then it compares the answers (top-10 overlap with govhall,
// queries with no result). Run with -benchtime=1x.
func BenchmarkCompareSearch(b *testing.B) {
	dbURL, docs := compareCatalog(b)
	base, stop := startServer(b, dbURL)
	defer stop()
	peers, idx := comparePeers(b, dbURL)
	engines := append([]compareEngine{{"govhall", base}}, peers...)
	bleveCost(b, idx, bleveSample(b, dbURL))
	var hot []string
	for _, q := range searchMix {
		hot = append(hot, searchPath(q))
	}
	mixes := map[string][]string{"hot": hot, "tail": longTail(b, dbURL, 30_000)}
	for _, e := range engines {
		warm(b, e.base, hot)
	}
	rounds, dur := envInt("GOVHALL_COMPARE_ROUNDS", 4), time.Duration(envInt("GOVHALL_COMPARE_SECONDS", 5))*time.Second
	const clients = 32
	stats := map[string]*mixStats{}
	offsets := map[string]int{}
	for r := range rounds {
		for _, mix := range []string{"hot", "tail"} {
			for k := range engines {
				e := engines[(k+r)%len(engines)]
				key := e.name + "/" + mix
				if stats[key] == nil {
					stats[key] = &mixStats{}
				}
				res := load(b, e.base, rotate(mixes[mix], offsets[key]), clients, dur)
				offsets[key] += len(res.lat)
				stats[key].add(res)
			}
		}
	}
	b.Logf("%d documents, %d clients, %d rounds of %v per engine and mix, interleaved", docs, clients, rounds, dur)
	reportCompare(b, engines, stats)
	compareAnswers(b, engines, hot, mixes["tail"][:min(200, len(mixes["tail"]))])
}

// reportCompare logs the table and the ratios to govhall.
func reportCompare(b *testing.B, engines []compareEngine, stats map[string]*mixStats) {
	b.Logf("%-8s %-5s %9s %9s %9s %9s %7s", "engine", "mix", "req/s", "p50 ms", "p99 ms", "requests", "errors")
	ok := map[string]float64{}
	p99 := map[string]float64{}
	for _, mix := range []string{"hot", "tail"} {
		for _, e := range engines {
			key := e.name + "/" + mix
			r, okRPS := stats[key].result()
			ok[key], p99[key] = okRPS, r.p(0.99)
			b.Logf("%-8s %-5s %9.1f %9.1f %9.1f %9d %7d", e.name, mix, okRPS, r.p(0.5), r.p(0.99), len(r.lat), r.errors)
			b.ReportMetric(okRPS, e.name+"-"+mix+"-req/s")
			b.ReportMetric(r.p(0.5), e.name+"-"+mix+"-p50-ms")
			b.ReportMetric(r.p(0.99), e.name+"-"+mix+"-p99-ms")
		}
	}
	for _, mix := range []string{"hot", "tail"} {
		g := "govhall/" + mix
		for _, e := range engines[1:] {
			k := e.name + "/" + mix
			ratio := ok[g] / max(ok[k], 1e-9)
			verdict := "no"
			if ratio >= 3 && p99[g] < p99[k] {
				verdict = "yes"
			}
			b.Logf("%s: govhall/%s throughput %.1f×, p99 %.1f ms vs %.1f ms; target ≥ 3× at a lower p99: %s",
				mix, e.name, ratio, p99[g], p99[k], verdict)
		}
	}
}

// idList is the part of an answer the comparison reads.
type idList struct {
	Total int     `json:"total"`
	Items []idHit `json:"items"`
}

type idHit struct {
	ID int64 `json:"id"`
}

func fetchIDs(base, path string) (idList, error) {
	var out idList
	res, err := http.Get(base + path)
	if err != nil {
		return out, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return out, fmt.Errorf("GET %s: status %d", path, res.StatusCode)
	}
	return out, json.NewDecoder(res.Body).Decode(&out)
}

// top10Overlap is |A ∩ B| / max(|A|, |B|) over the first ten ids of each;
// ok is false when both are empty.
func top10Overlap(a, b idList) (float64, bool) {
	ta, tb := a.Items[:min(10, len(a.Items))], b.Items[:min(10, len(b.Items))]
	if len(ta) == 0 && len(tb) == 0 {
		return 0, false
	}
	n := 0
	for _, x := range ta {
		for _, y := range tb {
			if x.ID == y.ID {
				n++
			}
		}
	}
	return float64(n) / float64(max(len(ta), len(tb))), true
}

// fetchAll asks e every path, 8 at a time (pg_trgm takes seconds a query).
func fetchAll(b *testing.B, e compareEngine, paths []string) []idList {
	out := make([]idList, len(paths))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for j, p := range paths {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			a, err := fetchIDs(e.base, p)
			if err != nil {
				b.Logf("%s %s: %v", e.name, p, err)
			}
			out[j] = a
		}()
	}
	wg.Wait()
	return out
}

// compareAnswers asks every engine the hot mix and a sample of the long
// tail once more and logs, per engine, the queries it found nothing for
// and the mean top-10 overlap of its answers with govhall's.
func compareAnswers(b *testing.B, engines []compareEngine, hot, tail []string) {
	for _, set := range []struct {
		name  string
		paths []string
	}{{"hot", hot}, {"tail sample", tail}} {
		answers := make([][]idList, len(engines))
		for i, e := range engines {
			answers[i] = fetchAll(b, e, set.paths)
		}
		for i, e := range engines {
			zero, sum, n := 0, 0.0, 0
			for j, a := range answers[i] {
				if a.Total == 0 {
					zero++
				}
				if o, ok := top10Overlap(answers[0][j], a); ok {
					sum, n = sum+o, n+1
				}
			}
			b.Logf("%s (%d queries): %s found nothing for %d; top-10 overlap with govhall %.2f", set.name,
				len(set.paths), e.name, zero, sum/max(float64(n), 1))
		}
	}
}

// BenchmarkCompareRelevance runs the queries of kiosk/search's relevance
// fixtures (TestRelevanceOnGovTexts, on its six documents) on govhall,
// Bleve and pg_trgm over HTTP and logs, per query, the rank of the document
// that must come first (the fixture passes at rank 1) and the top-10
// overlap of Bleve's and pg_trgm's answers with govhall's.
func BenchmarkCompareRelevance(b *testing.B) {
	f := newRelFixture(b)
	base, stop := startServer(b, f.url)
	defer stop()
	peers, _ := comparePeers(b, f.url)
	engines := append([]compareEngine{{"govhall", base}}, peers...)
	pass := make([]int, len(engines))
	rr := make([]float64, len(engines))
	overlap := make([]float64, len(engines))
	b.Logf("%-28s %-8s %7s %7s %7s  %s", "query", "want", "govhall", "bleve", "pg_trgm", "top-10 overlap (bleve, pg_trgm)")
	for _, c := range f.cases {
		ranks := make([]string, len(engines))
		var answers []idList
		for i, e := range engines {
			a, err := fetchIDs(e.base, searchPath(c.q))
			if err != nil {
				b.Fatalf("%s %q: %v", e.name, c.q, err)
			}
			answers = append(answers, a)
			rank := slices.IndexFunc(a.Items, func(h idHit) bool { return h.ID == f.ids[c.want] }) + 1
			ranks[i] = "-"
			if rank > 0 {
				ranks[i] = strconv.Itoa(rank)
				rr[i] += 1 / float64(rank)
			}
			if rank == 1 {
				pass[i]++
			}
		}
		ov := make([]string, 0, 2)
		for i := 1; i < len(engines); i++ {
			o, _ := top10Overlap(answers[0], answers[i])
			overlap[i] += o
			ov = append(ov, fmt.Sprintf("%.2f", o))
		}
		b.Logf("%-28s %-8s %7s %7s %7s  %s", c.q, c.want, ranks[0], ranks[1], ranks[2], strings.Join(ov, " "))
	}
	n := float64(len(f.cases))
	for i, e := range engines {
		ov := ""
		if i > 0 {
			ov = fmt.Sprintf(", top-10 overlap with govhall %.2f", overlap[i]/n)
		}
		b.Logf("%s: %d of %d fixtures pass (wanted document first), mean reciprocal rank %.2f%s",
			e.name, pass[i], len(f.cases), rr[i]/n, ov)
		b.ReportMetric(float64(pass[i]), e.name+"-pass")
		b.ReportMetric(rr[i]/n, e.name+"-MRR")
	}
}

// TestComparePeers checks what the comparison stands on: the relevance
// fixtures are read from kiosk/search's source, and Bleve and pg_trgm,
// built from a catalog, find an exact title and a 文号 first and apply the
// year filter.
func TestComparePeers(t *testing.T) {
	f := newRelFixture(t)
	if len(f.ids) != 6 || len(f.cases) < 29 {
		t.Fatalf("read %d fixture documents and %d queries from %s, want 6 and at least 29", len(f.ids), len(f.cases), relevanceSource)
	}
	ctx := context.Background()
	idx, _, err := buildBleve(ctx, f.db, t.TempDir())
	mustDo(t, err)
	defer idx.Close()
	ext, err := buildTrgm(ctx, f.db)
	mustDo(t, err)
	search := map[string]func(peerRequest) (peerResult, error){
		"bleve":   func(pr peerRequest) (peerResult, error) { return bleveSearch(ctx, idx, pr) },
		"pg_trgm": func(pr peerRequest) (peerResult, error) { return trgmSearch(ctx, f.db, ext, pr) },
	}
	for name, s := range search {
		for _, q := range []string{"城乡居民医保", "青医保发〔2021〕12号"} {
			res, err := s(peerRequest{q: q, limit: 10})
			mustDo(t, err)
			if len(res.Items) == 0 || res.Items[0].ID != f.ids["medical"] {
				t.Errorf("%s %q: got %+v, want the medical insurance document first", name, q, res.Items)
			}
		}
		res, err := s(peerRequest{q: "政务公开", year: 2020, limit: 10})
		mustDo(t, err)
		if len(res.Items) == 0 {
			t.Errorf("%s 政务公开 in 2020: nothing found", name)
		}
		for _, h := range res.Items {
			if !strings.HasPrefix(h.PublishedAt, "2020-") {
				t.Errorf("%s 政务公开 in 2020: got %s of %s", name, h.Title, h.PublishedAt)
			}
		}
	}
	mustDo(t, dropTrgm(f.db))
	var left int
	mustDo(t, f.db.Get(&left, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, trgmSchema))
	if left != 0 {
		t.Errorf("schema %s left behind", trgmSchema)
	}
}

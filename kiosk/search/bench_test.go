package search

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govhall/govhall/migrations/pgtest"
)

var benchDocs = flag.Int("search.docs", 100_000, "documents generated for BenchmarkSearch")

// benchEnv is a database filled with generated documents.
type benchEnv struct {
	db         *sqlx.DB
	url        string
	s          *Store   // the search statement with the result cache
	raw        *Store   // without it: every search runs in PostgreSQL
	mem        *Store   // as deployed: the in-memory index, without the result cache
	docNumbers []string // 文号 of public documents, for queries
}

// query classes of the benchmark mix.
var benchQueries = map[string][]string{
	"1char":    {"税", "房", "保", "学", "医", "农"},
	"2char":    {"低保", "医保", "社保", "养老", "就业", "教育", "住房", "救助", "补贴", "扶贫"},
	"3-6char":  {"公积金", "残疾人", "最低生活保障", "乡村振兴", "营商环境", "城乡居民医保", "特困人员", "义务教育阶段"},
	"initials": {"db", "yb", "gjj", "xczx", "yshj", "jycy"},
	"pinyin":   {"dibao", "yiliaobaoxian", "gongjijin", "xiangcunzhenxing"},
}

func setupBench(b *testing.B) *benchEnv {
	ctx := context.Background()
	url := pgtest.URL(b)
	db, err := sqlx.Open("postgres", url)
	must(b, err)
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(40)
	db.SetMaxIdleConns(40)
	env := &benchEnv{db: db, url: url, s: newStore(db, Options{}), raw: newStore(db, Options{CacheTTL: -1}),
		mem: newStore(db, Options{CacheTTL: -1, NotifyURL: url})}
	var agencies, categories []int64
	for _, a := range benchAgencies {
		var id int64
		must(b, db.Get(&id, `INSERT INTO departments (code, name, full_name) VALUES ($1, $2, '沂源'||$2) RETURNING id`, a.code, a.name))
		agencies = append(agencies, id)
	}
	for _, path := range benchCategories {
		var id int64
		must(b, db.Get(&id, `INSERT INTO categories (name, path) VALUES (regexp_replace($1, '^.*/', ''), $1)
			ON CONFLICT (path) DO UPDATE SET name = EXCLUDED.name RETURNING id`, path))
		categories = append(categories, id)
	}
	vocab := loadVocabulary(b, env.s.an)
	start := time.Now()
	var batch []benchDoc
	flush := func() {
		must(b, insertBatch(ctx, db, env.s, batch))
		batch = batch[:0]
	}
	generate(b, vocab, *benchDocs, agencies, categories, func(d benchDoc) {
		if d.docNumber != "" && d.state == "published" && d.disclosure != "不予公开" && len(env.docNumbers) < 200 {
			env.docNumbers = append(env.docNumbers, d.docNumber)
		}
		if batch = append(batch, d); len(batch) == indexBatch {
			flush()
		}
	})
	if len(batch) > 0 {
		flush()
	}
	load := time.Since(start)
	_, err = db.Exec(`VACUUM ANALYZE documents`)
	must(b, err)
	start = time.Now()
	ictx, cancel := context.WithCancel(ctx)
	b.Cleanup(cancel)
	env.mem.StartIndex(ictx)
	must(b, env.mem.SyncIndex(ctx))
	b.Logf("in-memory index loaded in %v", time.Since(start).Round(time.Millisecond))
	b.Logf("generated, stored and indexed %d documents in %v (%.0f documents/s)", *benchDocs, load.Round(time.Second),
		float64(*benchDocs)/load.Seconds())
	logSizes(b, db)
	return env
}

func logSizes(b *testing.B, db *sqlx.DB) {
	var rows []struct {
		Name string `db:"name"`
		Size string `db:"size"`
	}
	must(b, db.Select(&rows, `SELECT relname AS name, pg_size_pretty(pg_total_relation_size(oid)) AS size FROM pg_class
		WHERE relname IN ('documents', 'documents_search_all', 'documents_search_title', 'documents_doc_year_number')
		ORDER BY relname`))
	for _, r := range rows {
		b.Logf("size of %s: %s", r.Name, r.Size)
	}
}

// docNumberQueries writes sampled 文号 in the bracket styles citizens type.
func (env *benchEnv) docNumberQueries() []string {
	var out []string
	for i, dn := range env.docNumbers[:min(40, len(env.docNumbers))] {
		d, _ := parseDocNumber(dn)
		out = append(out, []string{dn, fmt.Sprintf("%s[%s]%s号", d.Prefix, d.Year, d.Number),
			fmt.Sprintf("（%s）%s号", d.Year, d.Number), fmt.Sprintf("%s年%s号", d.Year, d.Number)}[i%4])
	}
	return out
}

// latencies collects per-operation durations and reports percentiles.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) percentile(p float64) time.Duration {
	slices.Sort(l.d)
	if len(l.d) == 0 {
		return 0
	}
	return l.d[min(len(l.d)-1, int(float64(len(l.d))*p))]
}

func (l *latencies) report(b *testing.B) {
	b.ReportMetric(float64(l.percentile(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(l.percentile(0.99).Microseconds())/1000, "p99-ms")
}

// runQueries times Search over the queries in turn.
func runQueries(b *testing.B, s *Store, qs []string) *latencies {
	ctx := context.Background()
	l := &latencies{}
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := s.Search(ctx, Request{Q: qs[i%len(qs)]}); err != nil {
			b.Fatal(err)
		}
		l.add(time.Since(start))
	}
	l.report(b)
	return l
}

// naiveILIKE is what a search without an index does: a substring match on
// title and body, newest first, with a count.
func naiveILIKE(ctx context.Context, db *sqlx.DB, q string) error {
	var ids []int64
	pattern := "%" + likeEscape(q) + "%"
	const page = `SELECT id FROM public_documents WHERE title ILIKE $1 OR body ILIKE $1
		ORDER BY published_at DESC NULLS LAST, id DESC LIMIT 20`
	if err := db.SelectContext(ctx, &ids, page, pattern); err != nil {
		return err
	}
	var n int
	return db.GetContext(ctx, &n, `SELECT count(*) FROM public_documents WHERE title ILIKE $1 OR body ILIKE $1`, pattern)
}

// BenchmarkSearch generates *benchDocs documents (100 000 by default; many
// minutes of set-up), then times the query classes one at a time without
// the result cache, a mix of them from 32 concurrent clients with and
// without it, the naive ILIKE for two-character queries, suggestions, and
// checks the plans of every query shape.
func BenchmarkSearch(b *testing.B) {
	env := setupBench(b)
	ctx := context.Background()
	mix := env.docNumberQueries()
	for _, class := range []string{"1char", "2char", "3-6char", "initials", "pinyin"} {
		mix = append(mix, benchQueries[class]...)
		b.Run(class, func(b *testing.B) { runQueries(b, env.raw, benchQueries[class]) })
	}
	b.Run("docnumber", func(b *testing.B) { runQueries(b, env.raw, env.docNumberQueries()) })
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(mix), func(i, j int) { mix[i], mix[j] = mix[j], mix[i] })
	b.Run("mix", func(b *testing.B) { runQueries(b, env.raw, mix) })
	b.Run("mix-32clients-uncached", func(b *testing.B) { runParallel(b, env.raw, mix, 32) })
	b.Run("mix-32clients-cached", func(b *testing.B) { runParallel(b, env.s, mix, 32) })
	b.Run("mix-memory", func(b *testing.B) { runQueries(b, env.mem, mix) })
	b.Run("mix-32clients-memory", func(b *testing.B) { runParallel(b, env.mem, mix, 32) })
	var indexed, naive time.Duration
	b.Run("2char-indexed", func(b *testing.B) { indexed = runQueries(b, env.raw, benchQueries["2char"]).percentile(0.5) })
	b.Run("2char-ILIKE", func(b *testing.B) {
		l := &latencies{}
		for i := range b.N {
			start := time.Now()
			must(b, naiveILIKE(ctx, env.db, benchQueries["2char"][i%len(benchQueries["2char"])]))
			l.add(time.Since(start))
		}
		l.report(b)
		naive = l.percentile(0.5)
	})
	if indexed > 0 {
		b.Logf("two-character queries, median: indexed search %v, naive ILIKE %v: %.0f× faster", indexed, naive,
			float64(naive)/float64(indexed))
	}
	prefixes := append(slices.Clone(mix), "低", "zuid", "关于做好", "gj")
	b.Run("suggest-uncached", func(b *testing.B) { runSuggest(b, env.raw, prefixes) })
	checkPlans(b, env)
}

// runParallel times Search from n concurrent clients.
func runParallel(b *testing.B, s *Store, qs []string, n int) {
	ctx := context.Background()
	l := &latencies{}
	var next sync.Mutex
	i := 0
	// Warm up: every connection of the pool prepares and plans the search
	// statement once, and the cache fills, before timing starts.
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, q := range qs[w%len(qs):] {
				if _, err := s.Search(ctx, Request{Q: q}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.SetParallelism((n + 1) / 2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			next.Lock()
			q := qs[i%len(qs)]
			i++
			next.Unlock()
			start := time.Now()
			if _, err := s.Search(ctx, Request{Q: q}); err != nil {
				b.Error(err)
				return
			}
			l.add(time.Since(start))
		}
	})
	l.report(b)
}

func runSuggest(b *testing.B, s *Store, prefixes []string) {
	ctx := context.Background()
	l := &latencies{}
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := s.Suggest(ctx, prefixes[i%len(prefixes)], 8); err != nil {
			b.Fatal(err)
		}
		l.add(time.Since(start))
	}
	l.report(b)
}

// checkPlans shows one plan per query shape on the full data and fails when
// any would scan documents sequentially.
func checkPlans(b *testing.B, env *benchEnv) {
	ctx := context.Background()
	reqs := slices.Clone(shapeQueries)
	reqs = append(reqs, Request{Q: env.docNumbers[0]}, Request{Q: "社保"}, Request{Q: "保"}, Request{Q: "xczx"})
	for _, r := range reqs {
		plan, err := explainSearch(ctx, env.s, r, true)
		must(b, err)
		if seqScanRE.MatchString(plan) {
			b.Errorf("search %+v scans documents sequentially:\n%s", r, plan)
		}
		if r.Q == "社保" || r.Q == env.docNumbers[0] || r.Q == "xczx" {
			b.Logf("plan of %q:\n%s", r.Q, plan)
		}
	}
	// The in-memory search reads only its page (and click scores) from the
	// database, with default planner settings.
	var ids []int64
	must(b, env.db.Select(&ids, `SELECT id FROM public_documents ORDER BY id DESC LIMIT 20`))
	for _, q := range []struct {
		sql  string
		args []any
	}{{memPageSQL, []any{pq.Array(ids), pq.Array([]string{"低保", "最低生活保障"})}}, {popSQL, []any{"低保", 30 * 86400.0}}} {
		var lines []string
		must(b, env.db.Select(&lines, `EXPLAIN (ANALYZE, COSTS OFF) `+q.sql, q.args...))
		plan := strings.Join(lines, "\n")
		if seqScanRE.MatchString(plan) {
			b.Errorf("in-memory search statement scans documents sequentially:\n%s", plan)
		}
		b.Logf("plan of an in-memory search statement, default planner settings:\n%s", plan)
	}
	var ilike []string
	must(b, env.db.Select(&ilike, `EXPLAIN (ANALYZE, COSTS OFF) SELECT id FROM public_documents
		WHERE title ILIKE $1 OR body ILIKE $1 ORDER BY published_at DESC NULLS LAST, id DESC LIMIT 20`, "%低保%"))
	b.Logf("plan of the naive ILIKE, default planner settings (for contrast):\n%s", strings.Join(ilike, "\n"))
}

package search

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
)

var scratchURL = flag.String("scratch.url", "", "")

func TestScratchLoad(t *testing.T) {
	if *scratchURL == "" {
		return
	}
	ctx := context.Background()
	db := sqlx.MustOpen("postgres", *scratchURL)
	s := newStore(db, Options{})
	var agencies, categories []int64
	for _, a := range benchAgencies {
		var id int64
		must(t, db.Get(&id, `INSERT INTO departments (code, name, full_name) VALUES ($1, $2, '沂源'||$2) RETURNING id`, a.code, a.name))
		agencies = append(agencies, id)
	}
	for _, path := range benchCategories {
		var id int64
		must(t, db.Get(&id, `INSERT INTO categories (name, path) VALUES (regexp_replace($1, '^.*/', ''), $1) ON CONFLICT (path) DO UPDATE SET name = EXCLUDED.name RETURNING id`, path))
		categories = append(categories, id)
	}
	vocab := loadVocabulary(t, s.an)
	start := time.Now()
	var batch []benchDoc
	generate(t, vocab, *benchDocs, agencies, categories, func(d benchDoc) {
		if batch = append(batch, d); len(batch) == indexBatch {
			must(t, insertBatch(ctx, db, s, batch))
			batch = batch[:0]
			t.Logf("%v", time.Since(start))
		}
	})
	if len(batch) > 0 {
		must(t, insertBatch(ctx, db, s, batch))
	}
	t.Logf("load %v", time.Since(start))
}

var scratchQ = flag.String("scratch.q", "低保", "")

func TestScratchExplain(t *testing.T) {
	if *scratchURL == "" {
		return
	}
	ctx := context.Background()
	db := sqlx.MustOpen("postgres", *scratchURL)
	s := newStore(db, Options{})
	plan, err := explainSearch(ctx, s, Request{Q: *scratchQ}, true)
	must(t, err)
	t.Log(plan)
	for range 3 {
		st := time.Now()
		_, err := s.Search(ctx, Request{Q: *scratchQ})
		must(t, err)
		t.Log(time.Since(st))
	}
}

func TestScratchTime(t *testing.T) {
	if *scratchURL == "" {
		return
	}
	ctx := context.Background()
	db := sqlx.MustOpen("postgres", *scratchURL)
	s := newStore(db, Options{})
	for _, class := range []string{"1char", "2char", "3-6char", "initials", "pinyin"} {
		for _, q := range benchQueries[class] {
			s.Search(ctx, Request{Q: q})
			st := time.Now()
			var res Result
			for range 5 {
				res, _ = s.Search(ctx, Request{Q: q})
			}
			t.Logf("%-10s %-16s %6.1fms total=%d exact=%v", class, q, float64(time.Since(st).Microseconds())/5000, res.Total, res.TotalExact)
		}
	}
}

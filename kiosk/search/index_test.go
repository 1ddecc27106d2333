package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestReindexBatchAndUpdate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Insert without indexing, then index 1500 at once (two batches).
	tx := f.db.MustBegin()
	var ids []int64
	for i := range 1500 {
		var id int64
		must(t, tx.GetContext(ctx, &id, insertDoc, fmt.Sprintf("B-%d", i), fmt.Sprintf("b%d", i), "", "",
			fmt.Sprintf("第%d号批量文件", i), f.agencies["zfb"], f.categories["政策法规"], "", "policy",
			"2020-01-01", "有效", 0, "主动公开", "", strings.Repeat("乡村振兴产业发展", 100)+fmt.Sprintf(" 编号%d", i), "published"))
		ids = append(ids, id)
	}
	must(t, f.s.Reindex(ctx, tx, append(ids, ids[0])))
	must(t, tx.Commit())
	if res := f.search("乡村振兴"); res.Total != 200 || res.TotalExact {
		t.Fatalf("乡村振兴 with the default cap: total %d (exact %v), want a lower bound of 200", res.Total, res.TotalExact)
	}
	wide := newStore(f.db, Options{MatchCap: 2000})
	if res, err := wide.Search(ctx, Request{Q: "乡村振兴"}); err != nil || res.Total != 1500 || !res.TotalExact {
		t.Fatalf("乡村振兴: total %d (exact %v), %v; want 1500", res.Total, res.TotalExact, err)
	}
	if res := f.search("编号777"); res.Total != 1 {
		t.Fatalf("编号777: %v", titles(res))
	}
	// A changed title is searchable after the catalog reindexes it.
	tx = f.db.MustBegin()
	_, err := tx.Exec(`UPDATE documents SET title = '关于农机购置补贴的通知' WHERE id = $1`, ids[5])
	must(t, err)
	must(t, f.s.Reindex(ctx, tx, ids[5:6]))
	must(t, tx.Commit())
	if res := f.search("njgzbt"); len(res.Items) == 0 || res.Items[0].ID != ids[5] {
		t.Fatalf("njgzbt after the title changed: %v", titles(res))
	}
	// An unknown id fails, and the transaction is the caller's to roll back.
	tx = f.db.MustBegin()
	defer tx.Rollback()
	if err := f.s.Reindex(ctx, tx, []int64{ids[0], 99999999}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

// TestConcurrentSearchAndIndex runs searches and indexing at once (with
// -race it checks the analyzer and the synonym cache are safe to share).
func TestConcurrentSearchAndIndex(t *testing.T) {
	c := newCorpus(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for _, q := range []string{"低保", "DB", "沂政办发〔2019〕5号", "医保报销", "zuidi"} {
				if _, err := c.s.Search(ctx, Request{Q: q}); err != nil {
					errs <- err
				}
				if _, err := c.s.Suggest(ctx, q, 5); err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			tx, err := c.db.BeginTxx(ctx, nil)
			if err != nil {
				errs <- err
				return
			}
			defer tx.Rollback()
			if err := c.s.Reindex(ctx, tx, []int64{c.dibao + int64(w), c.tax}); err != nil {
				errs <- err
				return
			}
			if err := tx.Commit(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

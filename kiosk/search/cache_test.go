package search

import (
	"context"
	"testing"
)

// retitle changes a title behind the store's back (no Reindex), so a result
// still showing the old title must have come from the cache.
func (c *corpus) retitle(id int64, title string) {
	c.t.Helper()
	_, err := c.db.Exec(`UPDATE documents SET title = $2 WHERE id = $1`, id, title)
	must(c.t, err)
}

func firstTitle(t *testing.T, c *corpus, q string) string {
	t.Helper()
	res := c.search(q)
	if len(res.Items) == 0 {
		t.Fatalf("%q found nothing", q)
	}
	return res.Items[0].Title
}

func TestResultCache(t *testing.T) {
	c := newCorpus(t)
	ctx := context.Background()
	const q = "住房公积金提取管理办法"
	firstTitle(t, c, q)
	c.retitle(c.gjj, "住房公积金提取管理办法（修订）")
	if got := firstTitle(t, c, "  住房公积金提取管理办法 "); got != q {
		t.Fatalf("not served from the cache: %q", got)
	}
	// A click on another query keeps it; a click on this one drops it.
	must(t, c.s.RecordClick(ctx, Click{Query: "医保", DocID: c.yibaoGuide, Action: ActionOpen}))
	if got := firstTitle(t, c, q); got != q {
		t.Fatalf("a click on another query dropped the entry: %q", got)
	}
	must(t, c.s.RecordClick(ctx, Click{Query: q, DocID: c.gjj, Action: ActionOpen}))
	if got := firstTitle(t, c, q); got == q {
		t.Fatalf("a click on the query kept its stale entry")
	}
	// Reindexing anything drops everything.
	firstTitle(t, c, "公积金")
	c.retitle(c.gjj, "住房公积金提取办法")
	tx := c.db.MustBegin()
	must(t, c.s.Reindex(ctx, tx, []int64{c.tax}))
	must(t, tx.Commit())
	if got := firstTitle(t, c, "公积金"); got != "住房公积金提取办法" {
		t.Fatalf("after a reindex: %q", got)
	}
}

func TestResultCacheNeverServesWithdrawn(t *testing.T) {
	c := newCorpus(t)
	ctx := context.Background()
	for _, q := range []string{"低保", "DB"} {
		if !contains(c.search(q), c.dibao) {
			t.Fatalf("%q: not found before", q)
		}
	}
	sugs, err := c.s.Suggest(ctx, "关于调整", 5)
	must(t, err)
	if len(sugs) == 0 {
		t.Fatal("no suggestion before")
	}
	_, err = c.db.Exec(`UPDATE documents SET state = 'draft' WHERE id = $1`, c.dibao)
	must(t, err)
	for _, q := range []string{"低保", "DB"} {
		if contains(c.search(q), c.dibao) {
			t.Fatalf("%q: withdrawn document served", q)
		}
	}
	sugs, err = c.s.Suggest(ctx, "关于调整", 5)
	must(t, err)
	for _, g := range sugs {
		if g.DocID == c.dibao {
			t.Fatalf("withdrawn document suggested: %+v", g)
		}
	}
}

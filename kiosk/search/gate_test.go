package search

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestPublicGate runs every query shape that could reach the withheld,
// draft and in-review documents of the corpus (their titles, bodies, 文号 in
// every bracket style, 索引号, pinyin and initials, filters, browsing,
// relaxed queries, learned clicks, suggestions) and checks none comes back.
func TestPublicGate(t *testing.T) {
	c := newCorpus(t)
	ctx := context.Background()
	queries := []string{
		"", "低", "低保", "医保", "税", "内部", "名单", "草稿", "送审稿", "公示", "低保对象名单", "低保对象名单（内部）医保税",
		"低保资金审计草稿医保税", "医保基金监管送审稿低保税", "沂政办发〔2019〕6号", "沂政办发[2019]7号", "（2019）9号",
		"2019年10号", "[2019]6", "沂政办发〔2019〕", "TEST-0012", "test-0013", "TEST-0014", "TEST-0015", "DB", "db",
		"dbdxmd", "dibaoduixiang", "neibu", "cg", "caogao", "yb", "ybjjjg", "songshengao", "公积金", "重庆 银行",
		"低保 无人机", "最低生活保障", "gjj", "dbgs",
	}
	requests := []Request{{Validity: "有效"}, {Year: 2022}, {Agency: "zfb"}, {Category: "政策法规"}, {Kind: "policy"}}
	for _, q := range queries {
		requests = append(requests, Request{Q: q}, Request{Q: q, Agency: "zfb"}, Request{Q: q, Year: 2022, Limit: 100})
	}
	for _, r := range requests {
		res := c.searchReq(r)
		for _, h := range res.Items {
			if slices.Contains(c.secret, h.ID) || (h.ReplacedBy != nil && slices.Contains(c.secret, h.ReplacedBy.ID)) {
				t.Fatalf("search %+v returned non-public document %d %q", r, h.ID, h.Title)
			}
		}
		for _, f := range [][]FacetValue{res.Facets.Category, res.Facets.Agency, res.Facets.Year} {
			n := 0
			for _, v := range f {
				n += v.Count
			}
			if n > res.Total {
				t.Fatalf("search %+v: facet counts %d exceed total %d (non-public documents counted?)", r, n, res.Total)
			}
		}
	}
	for _, q := range queries {
		sugs, err := c.s.Suggest(ctx, q, 20)
		must(t, err)
		for _, s := range sugs {
			if slices.Contains(c.secret, s.DocID) || slices.Contains([]string{"低保对象名单（内部）医保税",
				"低保资金审计草稿医保税", "医保基金监管送审稿低保税", "低保公示（不公开）"}, s.Text) {
				t.Fatalf("suggest %q offered non-public %+v", q, s)
			}
		}
	}
	for _, id := range c.secret {
		if err := c.s.RecordClick(ctx, Click{Query: "低保", DocID: id, Action: ActionOpen}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("click on non-public document %d: %v, want ErrNotFound", id, err)
		}
	}
}

// TestPublicGateAfterWithdrawal shows that a document withheld after it was
// published and indexed disappears from search at once, even before it is
// reindexed: the gate is the view, not the index.
func TestPublicGateAfterWithdrawal(t *testing.T) {
	c := newCorpus(t)
	if !contains(c.search("公积金"), c.gjj) {
		t.Fatal("document not found before withdrawal")
	}
	_, err := c.db.Exec(`UPDATE documents SET disclosure = '不予公开', withheld_reason = '测试' WHERE id = $1`, c.gjj)
	must(t, err)
	for _, q := range []string{"公积金", "淄公积金发〔2022〕7号", "gjj", "住房公积金提取管理办法"} {
		if res := c.search(q); contains(res, c.gjj) {
			t.Fatalf("withheld document found by %q", q)
		}
	}
}

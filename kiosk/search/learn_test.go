package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

func (c *corpus) click(q string, id int64, action string, times int) {
	c.t.Helper()
	for i := range times {
		must(c.t, c.s.RecordClick(context.Background(), Click{Query: q, DocID: id, Action: action, Source: fmt.Sprintf("kiosk-%d", i)}))
	}
}

func TestClicksRaiseRank(t *testing.T) {
	c := newCorpus(t)
	before := slices.Index(ids(c.search("低保")), c.disabled)
	if before <= 0 {
		t.Fatalf("body match at %d before learning", before)
	}
	c.click("低保", c.disabled, ActionOpen, 20)
	if got := c.search(" 低保 ").Items[0]; got.ID != c.disabled || got.Popularity <= 0 {
		t.Fatalf("after 20 opens the body match is not first: %+v", got)
	}
	// Two half-lives later (and more) the lift has decayed away (a store
	// without a result cache sees the changed clock at once).
	_, err := c.db.Exec(`UPDATE search_click_scores SET updated_at = updated_at - interval '300 days'`)
	must(t, err)
	uncached := newStore(c.db, Options{CacheTTL: -1})
	res, err := uncached.Search(context.Background(), Request{Q: "低保"})
	must(t, err)
	if got := slices.Index(ids(res), c.disabled); got != before {
		t.Fatalf("after decay the document is at %d, want %d", got, before)
	}
}

func TestClicksNeverBeatExactMatch(t *testing.T) {
	c := newCorpus(t)
	citing := c.add(doc{Title: "转发最低生活保障审核确认办法的通知", Published: "2024-06-01",
		Body: "现将沂政办发〔2019〕5号文件转发给你们。"})
	c.click("关于调整城乡低保标准的通知", c.interp, ActionPrint, 30)
	if got := c.search("关于调整城乡低保标准的通知").Items[0].ID; got != c.dibao {
		t.Fatalf("exact title match lost to a popular document: first is %d", got)
	}
	// The repealed document with this exact 文号 stays first too, although the
	// popular one is current and learned under another bracket style.
	c.click("沂政办发[2019]5号", citing, ActionPrint, 30)
	res := c.search("沂政办发〔2019〕5号")
	if res.Items[0].ID != c.oldRules || !contains(res, citing) {
		t.Fatalf("文号 query: %v", titles(res))
	}
	if res.Items[1].ID != citing || res.Items[1].Popularity == 0 {
		t.Fatalf("learned document not second: %+v", res.Items[1])
	}
}

func TestClickDedupeAndWeights(t *testing.T) {
	c := newCorpus(t)
	ctx := context.Background()
	for range 5 {
		must(t, c.s.RecordClick(ctx, Click{Query: "低保", DocID: c.dibao, Action: ActionOpen, Source: "kiosk-1"}))
	}
	must(t, c.s.RecordClick(ctx, Click{Query: "低保", DocID: c.dibao, Action: ActionPrint, Source: "kiosk-1"}))
	var score float64
	must(t, c.db.Get(&score, `SELECT score FROM search_click_scores WHERE qkey = '低保' AND doc_id = $1`, c.dibao))
	if score < 3.99 || score > 4.01 {
		t.Fatalf("score %v, want 4 (one open counted once, one print of weight 3)", score)
	}
	for _, bad := range []Click{
		{Query: "低保", DocID: c.dibao, Action: "like"}, {Query: "", DocID: c.dibao, Action: ActionOpen},
		{Query: "低保", Action: ActionOpen},
	} {
		if err := c.s.RecordClick(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("RecordClick(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestZeroResultLog(t *testing.T) {
	c := newCorpus(t)
	ctx := context.Background()
	c.search("无人机航拍许可")
	c.search(" 无人机航拍许可")
	c.searchReq(Request{Q: "重庆", Year: 2001}) // nothing, but only because of the filter
	c.search("低保")
	zs, total, err := c.s.ZeroResults(ctx, 10, 0, true)
	must(t, err)
	if total != 1 || len(zs) != 1 || zs[0].Query != "无人机航拍许可" || zs[0].Count != 2 {
		t.Fatalf("zero results %d %+v", total, zs)
	}
	a := Actor{Username: "admin", IP: "10.0.0.1"}
	must(t, c.s.DismissZeroResult(ctx, a, "无人机航拍许可"))
	if err := c.s.DismissZeroResult(ctx, a, "无人机航拍许可"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second dismiss: %v", err)
	}
	var n int
	must(t, c.db.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'search.zero_result.dismiss' AND ip = '10.0.0.1'`))
	if n != 1 {
		t.Fatalf("%d audit rows", n)
	}
}

func TestFacets(t *testing.T) {
	c := newCorpus(t)
	res := c.search("低保")
	want := map[string]int{"重点领域/社会救助": 5, "政策法规": 1}
	for _, v := range res.Facets.Category {
		if want[v.Value] != v.Count {
			t.Errorf("category %s: %d, want %d", v.Value, v.Count, want[v.Value])
		}
	}
	if !slices.ContainsFunc(res.Facets.Kind, func(v FacetValue) bool {
		return v.Value == "interpretation" && v.Label == "政策解读" && v.Count == 1
	}) {
		t.Errorf("kind facet %+v", res.Facets.Kind)
	}
	if !slices.ContainsFunc(res.Facets.Validity, func(v FacetValue) bool { return v.Value == "废止" && v.Count == 1 }) {
		t.Errorf("validity facet %+v", res.Facets.Validity)
	}
	if !slices.ContainsFunc(res.Facets.Agency, func(v FacetValue) bool { return v.Value == "mzj" && v.Label == "县民政局" && v.Count == 3 }) {
		t.Errorf("agency facet %+v", res.Facets.Agency)
	}
	if res.Total != 6 || !res.TotalExact {
		t.Errorf("total %d exact %v", res.Total, res.TotalExact)
	}
	filtered := []struct {
		r    Request
		want int
	}{
		{Request{Q: "低保", Category: "重点领域"}, 5},
		{Request{Q: "低保", Agency: "县民政局"}, 3},
		{Request{Q: "低保", Year: 2023}, 2},
		{Request{Q: "低保", Validity: "废止"}, 1},
		{Request{Q: "低保", Kind: "interpretation"}, 1},
		{Request{Category: "办事指南"}, 1},
	}
	for _, f := range filtered {
		if got := c.searchReq(f.r); got.Total != f.want || len(got.Items) != f.want {
			t.Errorf("search %+v: total %d, %d items; want %d", f.r, got.Total, len(got.Items), f.want)
		}
	}
}

func TestPaging(t *testing.T) {
	c := newCorpus(t)
	all := ids(c.search("低保"))
	var paged []int64
	for off := 0; off < len(all); off += 2 {
		paged = append(paged, ids(c.searchReq(Request{Q: "低保", Limit: 2, Offset: off}))...)
	}
	if !slices.Equal(all, paged) {
		t.Fatalf("pages %v, whole %v", paged, all)
	}
}

package search

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func demandQueries(items []DemandItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Query
	}
	return out
}

// TestDemand counts typed searches per place and day: zero-result and
// low-click lists of the last 30 days, the place filter (a terminal's place
// type, the web), staff trials and later pages not counted, personal
// numbers never logged, and what was done about a query shown with it.
func TestDemand(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	gjj := f.add(doc{Title: "住房公积金提取管理办法", Agency: "gjj", Body: "职工购买自住住房的，可以提取住房公积金。"})
	f.add(doc{Title: "关于调整城乡低保标准的通知", Agency: "mzj", Category: "重点领域/社会救助", Body: "城乡最低生活保障标准调整如下。"})
	search := func(r Request) Result {
		t.Helper()
		res, err := f.s.Search(ctx, r)
		must(t, err)
		return res
	}
	for range 3 {
		search(Request{Q: "五保户", Place: "图书馆"})
	}
	search(Request{Q: "五保户 "}) // the web, the same query
	search(Request{Q: "无人机", Place: "服务大厅"})
	search(Request{Q: "无人机", Place: "服务大厅", NoLog: true}) // a staff trial
	search(Request{Q: "13800001111", Place: "服务大厅"})      // a telephone number
	for range 4 {
		search(Request{Q: "公积金", Place: "服务大厅"})
	}
	search(Request{Q: "公积金", Place: "服务大厅", Offset: 20}) // a later page
	must(t, f.s.RecordClick(ctx, Click{Query: "公积金", DocID: gjj, Action: ActionOpen, Source: "terminal:1", Place: "服务大厅"}))
	for range 3 {
		search(Request{Q: "低保", Place: "图书馆"})
	}
	// An old count, outside the 30 days.
	f.db.MustExec(`INSERT INTO search_demand (day, qkey, place, query, searches, zero) VALUES (current_date - 40, '旧词', '', '旧词', 9, 9)`)

	list := func(fl DemandFilter) ([]DemandItem, int) {
		t.Helper()
		items, total, err := f.s.Demand(ctx, fl)
		must(t, err)
		return items, total
	}
	items, total := list(DemandFilter{})
	if got := demandQueries(items); total != 2 || !slices.Equal(got, []string{"五保户", "无人机"}) {
		t.Fatalf("zero-result queries = %d %v, want 五保户 then 无人机", total, got)
	}
	if it := items[0]; it.Searches != 4 || it.Zero != 4 || !slices.Equal([]string(it.Places), []string{"", "图书馆"}) {
		t.Errorf("五保户 = %+v, want 4 searches at the web and libraries", it)
	}
	if items[1].Searches != 1 {
		t.Errorf("无人机 counted %d times, want 1 (the trial is not counted)", items[1].Searches)
	}
	if items, _ := list(DemandFilter{Place: "图书馆"}); len(items) != 1 || items[0].Searches != 3 {
		t.Errorf("at libraries: %+v", items)
	}
	if items, _ := list(DemandFilter{Place: PlaceWeb}); len(items) != 1 || items[0].Query != "五保户" || items[0].Searches != 1 {
		t.Errorf("on the web: %+v", items)
	}
	if items, _ := list(DemandFilter{Days: 60}); !slices.Contains(demandQueries(items), "旧词") {
		t.Errorf("60 days leave out the old count: %v", demandQueries(items))
	}
	low, _ := list(DemandFilter{Kind: DemandLowClick})
	if got := demandQueries(low); !slices.Equal(got, []string{"低保"}) {
		t.Errorf("low-click queries = %v, want 低保 (公积金 was opened once in 4)", got)
	}
	var personal int
	f.db.Get(&personal, `SELECT count(*) FROM search_demand WHERE qkey LIKE '%13800001111%'`)
	if personal != 0 {
		t.Error("a telephone number typed as a query was logged")
	}
	var zeroLog int
	f.db.Get(&zeroLog, `SELECT count FROM search_zero_results WHERE qkey = '无人机'`)
	if zeroLog != 1 {
		t.Errorf("the zero-result log counts 无人机 %d times, want 1 (the trial is not counted)", zeroLog)
	}

	// A synonym answers 五保户: the list says so.
	if _, err := f.s.AddSynonym(ctx, Actor{Username: "admin"}, "五保户", "公积金"); err != nil {
		t.Fatal(err)
	}
	items, _ = list(DemandFilter{})
	if items[0].Query != "五保户" || !slices.Equal(items[0].Synonyms, []string{"公积金"}) {
		t.Errorf("after the synonym: %+v", items[0])
	}
	if res := search(Request{Q: "五保户", NoLog: true}); !contains(res, gjj) {
		t.Error("the synonym does not find the document at once")
	}
	var fe *FieldError
	for _, bad := range []DemandFilter{{Kind: "often"}, {Days: 400}, {Limit: 500}, {Offset: -1}} {
		if _, _, err := f.s.Demand(ctx, bad); !errors.As(err, &fe) {
			t.Errorf("Demand(%+v) = %v, want a FieldError", bad, err)
		}
	}
}

// TestPins pins documents to a query: they come first in order, on both
// engines, the ranking follows without them and pages stay consistent; a
// withheld document is refused and one withheld later stops showing; a
// query takes at most MaxPins; removal is at once; all audited.
func TestPins(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := Actor{Username: "admin"}
	var docs []int64
	for i, title := range []string{"城乡低保标准调整的通知", "低保审核确认办法", "低保资金管理办法", "低保家庭认定办法"} {
		docs = append(docs, f.add(doc{Title: title, Published: []string{"2024-01-01", "2023-01-01", "2022-01-01", "2021-01-01"}[i],
			Body: "城乡最低生活保障工作。"}))
	}
	guide := f.add(doc{Title: "社会救助申请办事指南", Category: "办事指南", Kind: "guide", Body: "申请社会救助须提交户口簿。"})
	secret := f.add(doc{Title: "低保对象名单", Disclosure: "不予公开"})
	before := ids(f.search("低保"))
	if _, err := f.s.AddPin(ctx, admin, " 低保 ", guide); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.AddPin(ctx, admin, "低保", docs[3]); err != nil {
		t.Fatal(err)
	}
	res := f.search("低保")
	got := ids(res)
	if len(got) < 2 || got[0] != guide || got[1] != docs[3] || res.Items[0].Match != "pinned" {
		t.Fatalf("低保 with pins = %v (%v), want the guide and then the last rule first", got, titles(res))
	}
	if res.Total != len(before)+1 {
		t.Errorf("total with pins = %d, want %d (the guide added, the rule not counted twice)", res.Total, len(before)+1)
	}
	var rest []int64
	for _, id := range before {
		if id != docs[3] {
			rest = append(rest, id)
		}
	}
	if !slices.Equal(got[2:], rest) {
		t.Errorf("after the pins %v, want the ranking without them %v", got[2:], rest)
	}
	page1 := ids(f.searchReq(Request{Q: "低保", Limit: 2}))
	page2 := ids(f.searchReq(Request{Q: "低保", Limit: 2, Offset: 2}))
	if !slices.Equal(append(page1, page2...), got[:4]) {
		t.Errorf("pages %v + %v, want %v", page1, page2, got[:4])
	}
	if res := f.searchReq(Request{Q: "低保", Kind: "guide"}); contains(res, docs[3]) {
		t.Error("a filtered search shows a pinned document outside the filter")
	}

	var fe *FieldError
	if _, err := f.s.AddPin(ctx, admin, "低保", secret); !errors.As(err, &fe) || fe.Field != "document_id" {
		t.Errorf("pinning a withheld document = %v", err)
	}
	if _, err := f.s.AddPin(ctx, admin, "  ", guide); !errors.As(err, &fe) || fe.Field != "query" {
		t.Errorf("pinning to an empty query = %v", err)
	}
	if _, err := f.s.AddPin(ctx, admin, "低保", guide); !errors.Is(err, ErrConflict) {
		t.Errorf("pinning twice = %v, want ErrConflict", err)
	}
	for _, id := range docs[:3] {
		if _, err := f.s.AddPin(ctx, admin, "低保", id); err != nil {
			t.Fatal(err)
		}
	}
	extra := f.add(doc{Title: "另一份文件", Body: "其他"})
	if _, err := f.s.AddPin(ctx, admin, "低保", extra); !errors.As(err, &fe) || fe.Field != "document_id" {
		t.Errorf("a sixth pin = %v, want a FieldError", err)
	}

	// A pinned document withheld later is not shown; the list says so.
	f.db.MustExec(`UPDATE documents SET disclosure = '不予公开', withheld_reason = '测试' WHERE id = $1`, guide)
	if res := f.search("低保"); contains(res, guide) {
		t.Error("a withheld pinned document is shown")
	}
	pins, err := f.s.Pins(ctx)
	must(t, err)
	if len(pins) != 5 || pins[0].DocID != guide || pins[0].Public || pins[0].Query != "低保" {
		t.Errorf("pins = %+v", pins)
	}
	for _, p := range pins {
		must(t, f.s.DeletePin(ctx, admin, p.ID))
	}
	if err := f.s.DeletePin(ctx, admin, pins[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting twice = %v, want ErrNotFound", err)
	}
	if got := ids(f.search("低保")); !slices.Equal(got, before) {
		t.Errorf("without pins %v, want %v", got, before)
	}
	var audited int
	f.db.Get(&audited, `SELECT count(*) FROM audit_log WHERE action IN ('search.pin.add', 'search.pin.delete')`)
	if audited != 10 {
		t.Errorf("%d audit entries for 5 pins added and removed, want 10", audited)
	}
}

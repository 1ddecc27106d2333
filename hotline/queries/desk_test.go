package queries_test

import (
	"testing"

	"github.com/govhall/govhall/hotline/queries"
)

// TestDeskLightsOnTheCalendar checks the liaison's desk around National
// Day 2025 (1–8 October off, Saturday 11 October a working day): working
// days left are counted on the 调休 calendar, the lights follow them, and
// stopped clocks and forwards awaiting approval are shown as what they
// are, never as overdue.
func TestDeskLightsOnTheCalendar(t *testing.T) {
	f := newFixture(t)
	op, mzj := f.actor("operator"), f.actor("liaison_mzj")
	f.set(at(2025, 9, 26, 10, 0)) // Friday; 5 working days: 28, 29, 30 Sep, 9, 10 Oct
	running := f.create(op, queries.NewQuery{Channel: "phone", Question: "低保标准是多少", Department: "mzj", Phone: "13800001111"})
	stopped := f.create(op, queries.NewQuery{Channel: "phone", Question: "临时救助怎么申请", Department: "mzj"})
	forward := f.create(op, queries.NewQuery{Channel: "phone", Question: "医保报销比例", Department: "mzj"})
	late := f.create(op, queries.NewQuery{Channel: "window", Question: "残疾人补贴", Department: "mzj"})
	f.must(f.s.Stop(f.ctx, mzj, stopped.Code, "请补充户口簿"))
	f.must(f.s.Forward(f.ctx, mzj, forward.Code, "医保报销不属于民政局职责，应由医保局办理"))
	f.must(f.s.RequestExtension(f.ctx, mzj, running.Code, 10, "需要调取档案"))
	other := f.create(op, queries.NewQuery{Channel: "phone", Question: "社保卡补办", Department: "rsj"})

	f.set(at(2025, 9, 30, 16, 0)) // Tuesday before the holiday: 2 working days left (9, 10 Oct)
	items, err := f.s.Desk(f.ctx, mzj, "")
	f.must(err)
	byCode := map[string]queries.DeskItem{}
	for _, it := range items {
		byCode[it.Code] = it
	}
	if _, ok := byCode[other.Code]; ok {
		t.Errorf("another department's query is on the desk")
	}
	tests := []struct {
		code, light, text string
		left              int
	}{
		{running.Code, queries.LightGreen, "剩余 2 个工作日；延期 10 个工作日待批", 2},
		{late.Code, queries.LightGreen, "剩余 2 个工作日", 2},
		{stopped.Code, queries.LightStopped, "暂停计时（等待补正）", 2},
		{forward.Code, queries.LightAwaiting, "转办待政府办审批", 2},
	}
	for _, tt := range tests {
		it := byCode[tt.code]
		if it.Light != tt.light || it.LightText != tt.text || it.WorkingLeft != tt.left {
			t.Errorf("%s: light %s %q, %d days left; want %s %q, %d", tt.code, it.Light, it.LightText, it.WorkingLeft, tt.light, tt.text, tt.left)
		}
	}
	if items[len(items)-1].Light != queries.LightAwaiting || items[len(items)-2].Light != queries.LightStopped {
		t.Errorf("stopped and awaiting clocks are not last: %v", lights(items))
	}

	f.set(at(2025, 10, 9, 10, 0)) // first working day after the holiday: 1 left
	items, _ = f.s.Desk(f.ctx, mzj, "")
	if it := find(items, late.Code); it.Light != queries.LightAmber || it.LightText != "剩余 1 个工作日" {
		t.Errorf("after the holiday: %s %q, want amber 剩余 1 个工作日", it.Light, it.LightText)
	}
	f.set(at(2025, 10, 13, 10, 0)) // Monday; due 10 Oct, Sat 11 Oct was a working day
	items, _ = f.s.Desk(f.ctx, mzj, "")
	if it := find(items, late.Code); it.Light != queries.LightRed || it.LightText != "已超期 2 个工作日" || !it.Overdue {
		t.Errorf("overdue: %s %q (overdue %v), want red 已超期 2 个工作日", it.Light, it.LightText, it.Overdue)
	}
	if it := find(items, stopped.Code); it.Overdue || it.Light != queries.LightStopped {
		t.Errorf("a stopped clock past its old deadline is shown as %s (overdue %v)", it.Light, it.Overdue)
	}
	if items[0].Light != queries.LightRed || items[1].Light != queries.LightRed {
		t.Errorf("the overdue queries are not first: %v", lights(items))
	}
	hist, err := f.s.ByPhone(f.ctx, op, "13800001111", 10)
	f.must(err)
	if len(hist) != 1 || hist[0].Code != running.Code || hist[0].Department != "县民政局" || hist[0].StatusText == "" {
		t.Errorf("queries from 13800001111 = %+v, want %s only", hist, running.Code)
	}
	if _, err := f.s.Desk(f.ctx, op, ""); err == nil {
		t.Error("an operator read a department's desk")
	}
	if _, err := f.s.Desk(f.ctx, mzj, "rsj"); err == nil {
		t.Error("a liaison read another department's desk")
	}
}

func TestSign(t *testing.T) {
	f := newFixture(t)
	c := f.create(f.actor("operator"), queries.NewQuery{Channel: "phone", Question: "低保标准", Department: "mzj"})
	f.mustFail(f.s.Sign(f.ctx, f.actor("liaison_rsj"), c.Code), queries.ErrForbidden, "sign another department's query")
	f.must(f.s.Sign(f.ctx, f.actor("liaison_mzj"), c.Code))
	f.mustFail(f.s.Sign(f.ctx, f.actor("liaison_mzj"), c.Code), queries.ErrConflict, "sign twice")
	items, _ := f.s.Desk(f.ctx, f.actor("liaison_mzj"), "")
	if !find(items, c.Code).Signed {
		t.Error("the desk does not show the query signed")
	}
	v, _ := f.s.Public(f.ctx, c.Code)
	if last := v.History[len(v.History)-1]; last.Event != "signed" || last.Text != "部门已签收，正在办理" {
		t.Errorf("public history ends with %+v", last)
	}
}

func find(items []queries.DeskItem, code string) queries.DeskItem {
	for _, it := range items {
		if it.Code == code {
			return it
		}
	}
	return queries.DeskItem{}
}

func lights(items []queries.DeskItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Code+":"+it.Light)
	}
	return out
}

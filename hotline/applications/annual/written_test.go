package annual_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/govhall/govhall/hotline/applications/annual"
)

var staffer = annual.Actor{Username: "test"}

// TestProseFillsInTheFigures: sections 一, 五 and 六 start from generated
// text with the figures filled in (六 states the 信息处理费), keep what
// staff write with its {placeholders} filled in, refuse an unknown
// placeholder and go back to the default when emptied.
func TestProseFillsInTheFigures(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := compute(t, w, 2025, "mzj")
	if got := r.Other.Text; got != "本年度未收取信息处理费。" {
		t.Errorf("mzj 六 = %q", got)
	}
	if got := compute(t, w, 2025, "").Other.Text; got != "本年度共收取信息处理费50.00元（1件申请）。" {
		t.Errorf("county 六 = %q", got)
	}
	if !strings.Contains(r.Overview.Text, "本年新收政府信息公开申请30件，上年结转2件，办结30件") || !r.Overview.Default {
		t.Errorf("default 一 = %q", r.Overview.Text)
	}
	if !strings.Contains(strings.Join(r.Warnings, ""), "五、存在的主要问题及改进情况尚未填写") {
		t.Errorf("warnings %q do not ask for 五", r.Warnings)
	}
	if !strings.Contains(r.Preamble, "自2025年1月1日起至2025年12月31日止") {
		t.Errorf("preamble = %q", r.Preamble)
	}

	text := "{年度}年，{机关}共收到申请{新收申请}件。\n全年无重大问题。"
	if err := w.store.SaveText(ctx, staffer, 2025, "mzj", annual.SectionOverview, text); err != nil {
		t.Fatal(err)
	}
	r = compute(t, w, 2025, "mzj")
	if r.Overview.Text != "2025年，沂源县民政局共收到申请30件。\n全年无重大问题。" || r.Overview.Template != text || r.Overview.Default {
		t.Errorf("saved 一 = %+v", r.Overview)
	}
	if compute(t, w, 2025, "").Overview.Default != true {
		t.Error("the department's text changed the county's")
	}
	var fe *annual.FieldError
	if err := w.store.SaveText(ctx, staffer, 2025, "mzj", annual.SectionProblems, "见{问题清单}"); !errors.As(err, &fe) || fe.Field != "text" || !strings.Contains(fe.Msg, "{问题清单}") {
		t.Errorf("unknown placeholder: %v", err)
	}
	if err := w.store.SaveText(ctx, staffer, 2025, "mzj", "summary", "x"); !errors.As(err, &fe) || fe.Field != "section" {
		t.Errorf("unknown section: %v", err)
	}
	if err := w.store.SaveText(ctx, staffer, 2025, "mzj", annual.SectionOverview, "  "); err != nil {
		t.Fatal(err)
	}
	if r := compute(t, w, 2025, "mzj"); !r.Overview.Default {
		t.Errorf("an emptied 一 is %+v, want the default", r.Overview)
	}
}

// TestManualEntriesOfTable2: 许可, 处罚, 强制 and 收费 are typed in per year
// and department with a reason; the county shows the sum of its
// departments unless it has its own; bad values are refused.
func TestManualEntriesOfTable2(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for _, e := range []struct{ dept, item, value string }{
		{"mzj", annual.ItemPermission, "120"}, {"zfb", annual.ItemPermission, "30"},
		{"mzj", annual.ItemFee, "12.5"}, {"zfb", annual.ItemFee, "0.3456"},
	} {
		if err := w.store.SaveEntry(ctx, staffer, 2025, e.dept, e.item, e.value, "审批系统导出"); err != nil {
			t.Fatal(err)
		}
	}
	r := compute(t, w, 2025, "mzj")
	if r.Active.Permission.Value != "120" || r.Active.Permission.Source != "manual" || r.Active.Fee.Value != "12.5" {
		t.Errorf("mzj entries = %+v / %+v", r.Active.Permission, r.Active.Fee)
	}
	if r.Active.Penalty.Value != "0" || r.Active.Penalty.Source != "missing" || !strings.Contains(strings.Join(r.Warnings, ""), "行政处罚") {
		t.Errorf("missing 行政处罚 = %+v, warnings %q", r.Active.Penalty, r.Warnings)
	}
	county := compute(t, w, 2025, "")
	if county.Active.Permission.Value != "150" || county.Active.Permission.Source != "departments" || county.Active.Fee.Value != "12.8456" {
		t.Errorf("county sums = %+v / %+v", county.Active.Permission, county.Active.Fee)
	}
	if err := w.store.SaveEntry(ctx, staffer, 2025, "", annual.ItemPermission, "149", "县政府办汇总，剔除重复 1 件"); err != nil {
		t.Fatal(err)
	}
	if got := compute(t, w, 2025, "").Active.Permission; got.Value != "149" || got.Source != "manual" {
		t.Errorf("county's own entry = %+v", got)
	}
	if err := w.store.ClearEntry(ctx, staffer, 2025, "", annual.ItemPermission); err != nil {
		t.Fatal(err)
	}
	if got := compute(t, w, 2025, "").Active.Permission; got.Value != "150" {
		t.Errorf("after clearing, county = %+v, want the sum again", got)
	}
	bad := []struct{ item, value, reason, field string }{
		{annual.ItemPenalty, "1.5", "x", "value"}, {annual.ItemPenalty, "-1", "x", "value"},
		{annual.ItemFee, "1.23456", "x", "value"}, {annual.ItemFee, "abc", "x", "value"},
		{annual.ItemPenalty, "3", " ", "reason"}, {"grants", "3", "x", "item"},
	}
	for _, b := range bad {
		var fe *annual.FieldError
		if err := w.store.SaveEntry(ctx, staffer, 2025, "mzj", b.item, b.value, b.reason); !errors.As(err, &fe) || fe.Field != b.field {
			t.Errorf("SaveEntry(%s, %q, %q) = %v, want a %s error", b.item, b.value, b.reason, err, b.field)
		}
	}
	if err := w.store.SaveEntry(ctx, staffer, 1999, "mzj", annual.ItemPenalty, "1", "x"); !errors.Is(err, annual.ErrInvalid) {
		t.Errorf("year 1999: %v", err)
	}
	var n int
	w.db.Get(&n, `SELECT count(*) FROM audit_log WHERE object_type = 'annual_report'`)
	if n != 6 {
		t.Errorf("%d audit records, want 6 (5 entries saved, 1 cleared)", n)
	}
}

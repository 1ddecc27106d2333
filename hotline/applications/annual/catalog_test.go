package annual_test

import (
	"context"
	"strings"
	"testing"

	"github.com/govhall/govhall/hotline/applications/annual"
	"github.com/govhall/govhall/kiosk"
)

func (w *world) catalog(t *testing.T) *kiosk.Store {
	t.Helper()
	cat := kiosk.NewStore(w.db, nil, nil)
	for _, p := range []string{"重点领域/社会救助", annual.Category} {
		if _, err := cat.EnsureCategoryPath(context.Background(), kiosk.Actor{Username: "test"}, p); err != nil {
			t.Fatal(err)
		}
	}
	return cat
}

func (w *world) actor(t *testing.T, name string) kiosk.Actor {
	t.Helper()
	var id int64
	if err := w.db.Get(&id, `SELECT id FROM accounts WHERE username = $1`, name); err != nil {
		t.Fatal(err)
	}
	return kiosk.Actor{AccountID: id, Username: name, Roles: []string{"reviewer"}}
}

// approve takes a review case through its three steps.
func (w *world) approve(t *testing.T, cat *kiosk.Store, caseID int64) {
	t.Helper()
	for _, r := range []string{"r1", "r2", "r3"} {
		if _, err := cat.Decide(context.Background(), w.actor(t, r), caseID, kiosk.Approve, ""); err != nil {
			t.Fatalf("%s approves case %d: %v", r, caseID, err)
		}
	}
}

// repeal changes a published document to 废止 through review, approved
// (审定) on the day given.
func (w *world) repeal(t *testing.T, cat *kiosk.Store, indexNo, day string) {
	t.Helper()
	var id int64
	w.db.Get(&id, `SELECT id FROM documents WHERE index_no = $1`, indexNo)
	caseID, err := cat.RequestValidityChange(context.Background(), w.actor(t, "writer"), id, kiosk.Repealed, "", "县政府决定废止")
	if err != nil {
		t.Fatal(err)
	}
	w.approve(t, cat, caseID)
	w.db.MustExec(`UPDATE review_cases SET closed_at = $2::date + time '10:00' WHERE id = $1`, caseID, day)
}

// TestTable2CountsNormativeDocumentsByTheirHistory: 制发 by 成文日期, 废止
// by the day a repeal was 审定, 现行有效 on 31 December (published by then
// and valid then, whatever happened later); documents of other 文种,
// drafts and other agencies are not counted; imported repeals have no
// date and are noted.
func TestTable2CountsNormativeDocumentsByTheirHistory(t *testing.T) {
	w := newWorld(t)
	cat := w.catalog(t)
	ctx := context.Background()
	line := func(index, agency, docType, written, published, validity, state string) string {
		return `{"index_no":"` + index + `","title":"文件` + index + `","agency":"` + agency + `","category":"重点领域/社会救助","kind":"policy","doc_type":"` +
			docType + `","disclosure":"主动公开","written_at":"` + written + `","published_at":"` + published + `","validity":"` + validity + `","state":"` + state + `","body":"正文"}`
	}
	mz, zf := "沂源县民政局", "沂源县人民政府办公室"
	lines := []string{
		line("N1", mz, "行政规范性文件", "2025-03-01", "2025-03-05", "有效", "published"),
		line("N2", mz, "行政规范性文件", "2024-05-01", "2024-05-10", "有效", "published"),
		line("N3", mz, "行政规范性文件", "2025-11-01", "2025-11-05", "有效", "published"),
		line("N4", mz, "行政规范性文件", "2023-02-01", "2023-02-05", "废止", "published"),
		line("N5", mz, "行政规范性文件", "2025-12-30", "2026-01-04", "有效", "published"),
		line("P1", mz, "其他", "2025-04-01", "2025-04-02", "有效", "published"),
		line("D1", mz, "行政规范性文件", "2025-06-01", "", "有效", "draft"),
		line("Z1", zf, "行政规范性文件", "2025-07-01", "2025-07-02", "有效", "published"),
	}
	if _, err := cat.Import(ctx, kiosk.Actor{Username: "test"}, strings.NewReader(strings.Join(lines, "\n")), kiosk.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	w.repeal(t, cat, "N2", "2025-06-30")
	w.repeal(t, cat, "N3", "2026-02-01")

	tests := []struct {
		year int
		dept string
		want annual.DocCounts
	}{
		{2025, "mzj", annual.DocCounts{Made: 3, Repealed: 1, Valid: 2}},
		{2025, "", annual.DocCounts{Made: 4, Repealed: 1, Valid: 3}},
		{2024, "mzj", annual.DocCounts{Made: 1, Repealed: 0, Valid: 1}},
		{2026, "mzj", annual.DocCounts{Made: 0, Repealed: 1, Valid: 2}},
	}
	for _, tt := range tests {
		r := compute(t, w, tt.year, tt.dept)
		if r.Active.Normative != tt.want {
			t.Errorf("%d %q 行政规范性文件 = %+v, want %+v", tt.year, tt.dept, r.Active.Normative, tt.want)
		}
		if r.Active.Regulations != (annual.DocCounts{}) {
			t.Errorf("%d %q 规章 = %+v, want none for a county", tt.year, tt.dept, r.Active.Regulations)
		}
		if !strings.Contains(strings.Join(r.Notes, ""), "1 件规章或行政规范性文件在导入时即为废止或失效") {
			t.Errorf("%d %q notes %q do not say the imported repeal has no date", tt.year, tt.dept, r.Notes)
		}
	}
}

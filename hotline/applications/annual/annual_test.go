package annual_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/govhall/govhall/hotline/applications/annual"
)

// TestTablesMatchTheHandCountedFixture checks every cell of tables 三 and
// 四 of 2025, for the county and for one department, against the counts
// made by hand in testdata.
func TestTablesMatchTheHandCountedFixture(t *testing.T) {
	w := newWorld(t)
	for _, tt := range []struct{ dept, file string }{{"", "testdata/expected-2025-county.txt"}, {"mzj", "testdata/expected-2025-mzj.txt"}} {
		t.Run("dept="+tt.dept, func(t *testing.T) {
			r := compute(t, w, 2025, tt.dept)
			want := readExpected(t, tt.file)
			if len(r.Requests.Rows) != len(want.rows) {
				t.Errorf("table 三 has %d rows, the fixture %d", len(r.Requests.Rows), len(want.rows))
			}
			for _, row := range r.Requests.Rows {
				if got := row.Counts[:]; !slices.Equal(got, want.rows[row.Code]) {
					t.Errorf("table 三 %s (%s) = %v, want %v", row.Code, row.Label, got, want.rows[row.Code])
				}
			}
			for _, g := range r.Appeals.Groups {
				if got := g.Counts[:]; !slices.Equal(got, want.groups[g.Kind]) {
					t.Errorf("table 四 %s = %v, want %v", g.Label, got, want.groups[g.Kind])
				}
			}
			if got := []string{r.Fees.Yuan, strconv.Itoa(r.Fees.Applications)}; !slices.Equal(got, want.fee) {
				t.Errorf("fees = %v, want %v", got, want.fee)
			}
			if !r.Passed() {
				t.Errorf("checks failed: %+v", r.Failed())
			}
		})
	}
}

// TestLabelsAreExact: the rows of table 三 in order with the form's labels.
func TestLabelsAreExact(t *testing.T) {
	var got []string
	for _, c := range annual.Cells3(&annual.Table3{Rows: annual.Layout3()}) {
		label := c.Label
		if c.GroupSpan > 0 {
			label = c.Group + " " + label
		}
		got = append(got, label)
	}
	want := []string{"一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（一）予以公开",
		"（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
		"（三）不予公开 1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
		"5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项",
		"（四）无法提供 1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确",
		"（五）不予处理 1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
		"5.要求行政机关确认或重新出具已获取信息",
		"（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
		"2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他",
		"（七）总计", "四、结转下年度继续办理"}
	if !slices.Equal(got, want) {
		t.Errorf("table 三 rows:\n got %q\nwant %q", got, want)
	}
	cells := annual.Cells3(&annual.Table3{Rows: annual.Layout3()})
	if cells[2].SectionSpan != 22 {
		t.Errorf("三、本年度办理结果 spans %d rows, want 22", cells[2].SectionSpan)
	}
}

// TestCarriedOverIntoTheNextYear: an application received 2025-12-20 and
// decided 2026-01-10 is in 2025's 四 and 2026's 二; what 2025 carries out
// is exactly what 2026 carries in.
func TestCarriedOverIntoTheNextYear(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	late := w.codes["@late"][0]
	out, err := w.store.Cell(ctx, 2025, "", annual.RowCarriedOut, "natural")
	if err != nil {
		t.Fatal(err)
	}
	in, err := w.store.Cell(ctx, 2026, "", annual.RowCarriedIn, "natural")
	if err != nil {
		t.Fatal(err)
	}
	if !hasCode(out, late) || !hasCode(in, late) {
		t.Errorf("application %s (2025-12-20 → 2026-01-10) in 2025's 四: %v, in 2026's 二: %v", late, hasCode(out, late), hasCode(in, late))
	}
	if granted, _ := w.store.Cell(ctx, 2025, "", "granted", "total"); hasCode(granted, late) {
		t.Errorf("application %s counted as granted in 2025, decided in 2026", late)
	}
	r25, r26 := compute(t, w, 2025, ""), compute(t, w, 2026, "")
	if a, b := r25.Requests.Row(annual.RowCarriedOut).Counts, r26.Requests.Row(annual.RowCarriedIn).Counts; a != b {
		t.Errorf("2025 carries out %v, 2026 carries in %v", a, b)
	}
	if !r26.Passed() {
		t.Errorf("2026 checks failed: %+v", r26.Failed())
	}
}

func hasCode(apps []annual.Application, code string) bool {
	return slices.ContainsFunc(apps, func(a annual.Application) bool { return a.Code == code })
}

// TestEveryCellListsItsApplications: the list behind each cell of table 三
// is as long as the cell's number, and a split answer is listed once,
// under 部分公开.
func TestEveryCellListsItsApplications(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := compute(t, w, 2025, "")
	for _, row := range r.Requests.Rows {
		for col, code := range annual.ColumnCodes {
			apps, err := w.store.Cell(ctx, 2025, "", row.Code, code)
			if err != nil {
				t.Fatal(err)
			}
			if len(apps) != row.Counts[col] {
				t.Errorf("cell %s/%s lists %d applications, counts %d", row.Code, code, len(apps), row.Counts[col])
			}
		}
	}
	split := w.codes["@split"][0]
	partial, _ := w.store.Cell(ctx, 2025, "", "partial", "natural")
	third, _ := w.store.Cell(ctx, 2025, "", "denied.third_party", "total")
	if !hasCode(partial, split) || hasCode(third, split) {
		t.Errorf("split answer %s: under 部分公开 %v, under 保护第三方合法权益 %v; want only 部分公开", split, hasCode(partial, split), hasCode(third, split))
	}
	for _, a := range partial {
		if a.Code == split && !strings.HasPrefix(a.Result, "（二）部分公开") {
			t.Errorf("split answer listed with result %q", a.Result)
		}
	}
	if _, err := w.store.Cell(ctx, 2025, "", "granted", "people"); !errors.Is(err, annual.ErrInvalid) {
		t.Errorf("unknown column: %v, want ErrInvalid", err)
	}
	if _, err := w.store.Cell(ctx, 2025, "nope", "granted", "total"); !errors.Is(err, annual.ErrNotFound) {
		t.Errorf("unknown department: %v, want ErrNotFound", err)
	}
}

// TestChecksCatchABrokenTable: each rule fails on a table broken to break
// it, and a decision without a valid reason breaks （七） in the data.
func TestChecksCatchABrokenTable(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name    string
		breakIt func(r *annual.Report)
		check   string
	}{
		{"勾稽关系", func(r *annual.Report) {
			r.Requests.Row(annual.RowNew).Counts[0]++
			r.Requests.Row(annual.RowNew).Counts[6]++
		}, "表三勾稽关系（自然人）"},
		{"（七）", func(r *annual.Report) {
			r.Requests.Row("granted").Counts[1]++
			r.Requests.Row("granted").Counts[6]++
		}, "表三（七）总计（商业企业）"},
		{"总计列", func(r *annual.Report) { r.Requests.Row("partial").Counts[6]++ }, "表三总计列"},
		{"表四", func(r *annual.Report) { r.Appeals.Groups[2].Counts[0]++ }, "表四总计"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := compute(t, w, 2025, "")
			tt.breakIt(r)
			r.Checks = annual.Verify(r)
			if r.Passed() {
				t.Fatal("a broken table passes its checks")
			}
			var names []string
			for _, c := range r.Failed() {
				names = append(names, c.Name)
			}
			if !slices.Contains(names, tt.check) {
				t.Errorf("failed checks %q, want %q among them", names, tt.check)
			}
		})
	}
	w.db.MustExec(`UPDATE applications SET reason = 'unknown' WHERE query_id = $1`, w.labels["@three"][0])
	r := compute(t, w, 2025, "")
	if r.Passed() {
		t.Fatal("a decision without a valid reason passes the checks")
	}
	if got := strings.Join(r.Notes, ""); !strings.Contains(got, w.codes["@three"][0]) {
		t.Errorf("notes %q do not name the application without a reason", r.Notes)
	}
}

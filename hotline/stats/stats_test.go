package stats_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/stats"
	"github.com/govhall/govhall/hotline/stats/statstest"
	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// rig is the hand-built scenario (statstest) on a fresh database, with the
// hotline's hours 08:30–12:00, 14:00–17:30 and the clock at 2025-02-10 10:00.
func rig(t testing.TB) (*stats.Store, *sqlx.DB, *statstest.Scenario) {
	t.Helper()
	db := pgtest.New(t)
	ctx := context.Background()
	sc, err := statstest.Load(ctx, db, "x")
	if err != nil {
		t.Fatal(err)
	}
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(ctx, db, hours)
	if err != nil {
		t.Fatal(err)
	}
	return stats.NewStore(db, cal, stats.Options{Now: func() time.Time { return statstest.Now }}), db, sc
}

// TestIndicatorsByHand checks every indicator against the figures worked out
// by hand from the scenario (hotline/stats/statstest):
//
// Calls started in 2025-01-31 … 2025-02-08 (c11 started 01-30 23:59:55 and is
// left out; c12 started 02-08 23:59:50 and is counted on 02-08 although it
// was answered on 02-09):
//
//	O  (queued)            c1 c2 c3 c4 c5 c6 c10 c12 c15       = 9
//	C  (out of hours)      c7 (holiday), c8 (调休 rest day), c9 (lunch) = 3
//	B  (rejected)          c13                                  = 1
//	G  (greeting, in hours) c14                                 = 1
//	来电量 = O + C + B = 13; all records = 14
//	N  c1 c2 c6 c10 c12 = 5, waits 10 20 10 5 10 → N(≤15 s) = 4
//	A  c3 (3 s) c4 (40 s) = 2; S = c3 = 1; TO = c5 = 1; other = c15 = 1
//	O − S = 8: 话务接通率 5/8 = 62.50%, 15秒接通率 4/8 = 50.00%, 放弃率 (2−1)/8 = 12.50%
//	平均等待 (10+20+10+5+10)/5 = 11.0 s
//	talk c1 300−30 = 270, c2 120, c6 60, c10 360, c12 120: Σ 930, mean 186.0 s, max 360.0 s
//	handle Σ 930 + hold 30 + wrap-up (c1 10, c10 10) = 980: mean 196.0 s
//	transfers t1 (c2 → mzj, answered in 8 s), t2 (c6 → rsj, 调休 Saturday, timeout),
//	t3 (c10 → rsj at 08:45, before rsj's 09:00): X = 3, XA = 1, 转接率 3/5 = 60.00%, 转接成功率 33.33%
//	responsiveness counts t1 and t2 only (t3 is outside rsj's hours): 1/2 = 50.00%; mean answer 8.0 s
//	call ratings c1 5, c2 3: satisfied 1/2 = 50.00%, 参评率 2/5 = 40.00%
//
// Days: 02-05 O − S = 5, N(≤15 s) = 2 (c1, c10) → 40.00% 未达标; 02-07 0/1 → 0.00% 未达标;
// 02-08 2/2 → 100.00%; so 2 days under 95%.
//
// Queries: accepted in the period q2 q4 q5 q7 q9 = 5. Clocks due in the period: q1 on time, q2 late,
// q3 on time (extended), q4 open and overdue, q8 late (extended); q6 stopped and q7's government-office
// clock (routed) are not counted: 按时办结率 2/5 = 40.00%, overdue 3, extended 2 of which 1 on time (50.00%).
// Answers in the period a1 a2 a3 a8 = 4, rated 3 (参评率 75.00%), complained 1 (重办率 25.00%);
// ratings 5, 2, 4: satisfied 2/3 = 66.67%. One complaint, not overdue. q1 was followed up (回访) on 02-07:
// 回访率 1/4 = 25.00%; the outbound call of that 回访 is no incoming call.
func TestIndicatorsByHand(t *testing.T) {
	s, _, _ := rig(t)
	r, err := s.Compute(context.Background(), statstest.Period, "", stats.DimDepartment, stats.DimOperator, stats.DimChannel)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"calls": "13", "offered": "9", "closed": "3", "blocked": "1", "answered": "5",
		"answer_rate": "62.50%", "answer_rate15": "50.00%", "abandon_rate": "12.50%", "short": "1", "abandoned": "2", "timeout": "1",
		"mean_wait": "11.0 秒", "mean_talk": "186.0 秒", "max_talk": "360.0 秒", "mean_handle": "196.0 秒",
		"transfer_rate": "60.00%", "call_satisfaction": "50.00%", "call_rated_rate": "40.00%",
		"transfers": "3", "transfer_success": "33.33%", "responsiveness": "50.00%", "x_outside": "1", "x_done": "1", "x_timeout": "2",
		"mean_liaison_answer": "8.0 秒", "mean_liaison_talk": "180.0 秒",
		"accepted": "5", "on_time_rate": "40.00%", "overdue": "3", "extended": "2", "extended_on_time_rate": "50.00%",
		"stopped": "1", "passed_on": "1", "not_due": "0", "complaints": "1", "complaints_overdue": "0", "answers": "4",
		"satisfaction": "66.67%", "rated_rate": "75.00%", "redo_rate": "25.00%", "followup_rate": "25.00%",
		"days_under_target": "2 天（2025-02-05、2025-02-07）", "reconcile_ok": "相符",
	}
	for k, w := range want {
		if got := r.Figures[k].Text; got != w {
			t.Errorf("%s = %q, want %q", k, got, w)
		}
	}
	if r.CalendarVersion != "2025.1" || len(r.CalendarNotes) != 1 || !strings.Contains(r.CalendarNotes[0], "国办发明电〔2024〕12号") {
		t.Errorf("calendar %q %v", r.CalendarVersion, r.CalendarNotes)
	}
	daily := rows(r, "daily")
	for day, w := range map[string][]string{
		"2025-01-31": {"法定节假日（春节）", "0", "0", "—", "无来电"},
		"2025-02-03": {"调休休息（春节）", "0", "0", "—", "无来电"},
		"2025-02-05": {"工作日", "6", "2", "40.00%", "未达标"},
		"2025-02-07": {"工作日", "1", "0", "0.00%", "未达标"},
		"2025-02-08": {"调休上班（春节）", "2", "2", "100.00%", "达标"},
	} {
		c := daily[day]
		if got := []string{c[1], c[3], c[6], c[7], c[8]}; strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("day %s: %v, want %v", day, got, w)
		}
	}
	// Departments: mzj t1 responsive, on time 1 of 2 (q1, q2); rsj t2 not, on time 1 of 3 (q3, q4, q8).
	deps := rows(r, "dim-department")
	if d := deps["县民政局"]; d[1] != "1" || d[3] != "100.00%" || d[6] != "50.00%" {
		t.Errorf("民政局 %v", d)
	}
	if d := deps["县人力资源和社会保障局"]; d[1] != "2" || d[3] != "0.00%" || d[6] != "33.33%" {
		t.Errorf("人社局 %v", d)
	}
	league := r.Table("league")
	if len(league.Rows) != 2 || league.Rows[0].Cells[1].Text != "县民政局" || league.Rows[1].Cells[4].Text != "0.00%" {
		t.Errorf("league %v", league.CellTexts())
	}
	ops := rows(r, "dim-operator")
	if o := ops["话务员 甲（st_op1）"]; o[1] != "3" || o[5] != "1" {
		t.Errorf("st_op1 (c1, c6, c12; t2) %v", o)
	}
	if o := ops["话务员 乙（st_op2）"]; o[1] != "2" || o[2] != "240.0 秒" || o[5] != "2" {
		t.Errorf("st_op2 (c2, c10; t1, t3) %v", o)
	}
	ch := rows(r, "dim-channel")
	if c := ch["网站"]; c[1] != "2" || c[2] != "0.00%" {
		t.Errorf("web: q2, q9 accepted; q2, q8 due, both late: %v", c)
	}
	sc := rows(r, "scores")
	if sc["5"][1] != "非常满意" || sc["5"][3] != "1" || sc["5"][4] != "1" || sc["2"][4] != "1" || sc["1"][1] != "非常不满意" || sc["3"][2] != "不满意" {
		t.Errorf("scores %v", sc)
	}
	top := r.Table("topics")
	if top.Rows[0].Cells[1].Text != "低保怎么申请" || top.Rows[0].Cells[2].Text != "2" {
		t.Errorf("topics %v", top.CellTexts())
	}
	h := rows(r, "hourly")["09:00–10:00"]
	if h[1] != "2" || h[2] != "0.22" || h[3] != "0.17" {
		t.Errorf("09:00: 2 calls in 9 days, 1.5 operator-hours in 9 days: %v", h)
	}
}

// rows indexes a table's rows by their first cell.
func rows(r *stats.Report, table string) map[string][]string {
	out := map[string][]string{}
	t := r.Table(table)
	if t == nil {
		return out
	}
	for _, row := range t.CellTexts()[1:] {
		out[row[0]] = row
	}
	return out
}

// TestListsMatchCounts: every linked cell's list has as many rows as the
// cell says, and the lists name the records worked out by hand.
func TestListsMatchCounts(t *testing.T) {
	s, _, sc := rig(t)
	ctx := context.Background()
	r, err := s.Compute(ctx, statstest.Period, "", stats.DimDepartment, stats.DimOperator, stats.DimLiaison, stats.DimChannel, stats.DimCategory)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, tb := range r.Tables {
		for _, row := range tb.Rows {
			for i, c := range row.Cells {
				if c.Set == "" {
					continue
				}
				l, err := r.List(c.Set, c.Filter)
				if err != nil {
					t.Fatal(err)
				}
				n := len(l.Rows)
				// Counts are the last number of the text ("接通 N 5"); rates link their numerator.
				fields := strings.Fields(c.Text)
				last := fields[len(fields)-1]
				if strings.HasSuffix(last, "%") || strings.HasSuffix(last, "秒") || last == "—" {
					fg := stats.FigureByKey(row.Figure)
					if fg == nil || i != 1 {
						continue
					}
					if v := r.Figures[fg.Key]; int(v.Num) != n && fg.Kind == "ratio" {
						t.Errorf("%s/%s: %d listed, numerator %v", tb.ID, c.Text, n, v.Num)
					}
					continue
				}
				if last != itoa(n) {
					t.Errorf("%s %q (set %s %+v): %d listed", tb.ID, c.Text, c.Set, c.Filter, n)
				}
				checked++
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d linked cells checked", checked)
	}
	l, err := s.List(ctx, statstest.Period, "", "S", stats.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Rows) != 1 || l.Rows[0].Call != sc.Calls["c3"] || l.Rows[0].Cells[2] != "=**2" {
		t.Errorf("short abandons %+v", l.Rows)
	}
	l, _ = s.List(ctx, statstest.Period, "", "x_outside", stats.Filter{})
	if len(l.Rows) != 1 || l.Rows[0].Call != sc.Calls["c10"] {
		t.Errorf("transfer outside rsj's hours %+v", l.Rows)
	}
	l, _ = s.List(ctx, statstest.Period, "", "N", stats.Filter{Day: "2025-02-08"})
	if len(l.Rows) != 2 || l.Rows[1].Call != sc.Calls["c12"] || !strings.HasSuffix(l.Rows[1].Cells[1], "+08:00") {
		t.Errorf("answered on 02-08 (c6, and c12 across midnight) %+v", l.Rows)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestDepartmentReport: one department's report counts its transfers and
// clocks only and has no line-wide call figures.
func TestDepartmentReport(t *testing.T) {
	s, _, _ := rig(t)
	r, err := s.Compute(context.Background(), statstest.Period, "rsj", stats.DimLiaison)
	if err != nil {
		t.Fatal(err)
	}
	if r.Table("hotline") != nil || r.Table("daily") != nil {
		t.Error("a department report shows the line's call figures")
	}
	for k, w := range map[string]string{"transfers": "2", "responsiveness": "0.00%", "x_outside": "1", "on_time_rate": "33.33%",
		"accepted": "2", "answers": "2", "satisfaction": "100.00%"} {
		if got := r.Figures[k].Text; got != w {
			t.Errorf("rsj %s = %q, want %q", k, got, w)
		}
	}
	if _, err := s.Compute(context.Background(), statstest.Period, "nope"); err == nil {
		t.Error("an unknown department gave a report")
	}
}

// TestSettingsChangeFigures: T_short and the satisfied threshold are settings.
func TestSettingsChangeFigures(t *testing.T) {
	s, _, _ := rig(t)
	ctx := context.Background()
	st := stats.DefaultSettings()
	st.ShortAbandon, st.SatisfiedMin = 0, 3
	if err := s.SaveSettings(ctx, stats.Actor{Username: "test"}, st); err != nil {
		t.Fatal(err)
	}
	r, err := s.Compute(ctx, statstest.Period, "")
	if err != nil {
		t.Fatal(err)
	}
	// No short abandons: O − S = 9, N/9 = 55.56%, 放弃率 2/9 = 22.22%; ratings ≥ 3: 5 and 4 of 5, 2, 4 → 66.67%,
	// calls ≥ 3: both (5, 3) → 100%.
	for k, w := range map[string]string{"answer_rate": "55.56%", "abandon_rate": "22.22%", "short": "0", "satisfaction": "66.67%", "call_satisfaction": "100.00%"} {
		if got := r.Figures[k].Text; got != w {
			t.Errorf("%s = %q, want %q", k, got, w)
		}
	}
	st.SatisfiedMin = 9
	if err := s.SaveSettings(ctx, stats.Actor{}, st); err == nil {
		t.Error("a threshold of 9 was saved")
	}
}

// TestExportsEqualTables: the CSV (BOM, CRLF, formulas defused, +08:00) and
// the XLSX hold exactly the texts of the report's tables.
func TestExportsEqualTables(t *testing.T) {
	s, _, _ := rig(t)
	r, err := s.Compute(context.Background(), statstest.Period, "", stats.DimDepartment)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteCSV(&b, ""); err != nil {
		t.Fatal(err)
	}
	raw := b.String()
	if !strings.HasPrefix(raw, "\ufeff") || !strings.Contains(raw, "\r\n") || strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\n") {
		t.Error("the CSV needs a BOM and CRLF line ends only")
	}
	if !strings.Contains(raw, "'=HYPERLINKx") || strings.Contains(raw, ",=HYPERLINK") {
		t.Error("a cell starting with = is not defused")
	}
	recs := readCSV(t, raw)
	// Every table appears as its title, head and rows, cell for cell (a
	// defused cell compared without its quote).
	pos := 0
	for _, tb := range r.Tables {
		for pos < len(recs) && !(len(recs[pos]) >= 1 && recs[pos][0] == tb.Title) {
			pos++
		}
		if pos == len(recs) {
			t.Fatalf("table %s missing from the CSV", tb.ID)
		}
		pos++
		if tb.Note != "" {
			pos++
		}
		for _, want := range tb.CellTexts() {
			got := recs[pos]
			for i := range want {
				if strings.TrimPrefix(got[i], "'") != want[i] {
					t.Errorf("%s: CSV %v, table %v", tb.ID, got, want)
					break
				}
			}
			pos++
		}
	}
	// One table alone.
	b.Reset()
	r.WriteCSV(&b, "hotline")
	one := readCSV(t, b.String())
	if one[0][0] != "话务" || len(one) != len(r.Table("hotline").Rows)+2 {
		t.Errorf("table alone: %d records", len(one))
	}
	// XLSX.
	b.Reset()
	if err := r.WriteXLSX(&b); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	xr, err := x.GetRows("统计报表")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for i, row := range xr {
		if len(row) > 1 && row[0] == "话务接通率" {
			found = row[1] == "62.50%" && xr[i+1][0] == "15秒接通率"
		}
	}
	if !found {
		t.Error("the XLSX lacks the 话务接通率 row as shown")
	}
	// PDF.
	font, err := stats.LoadFont("")
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := r.WritePDF(&b, font); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF")) || b.Len() < 10000 {
		t.Errorf("pdf of %d bytes", b.Len())
	}
	// A list in XLSX (streamed).
	l, _ := r.List("O", stats.Filter{})
	b.Reset()
	if err := l.WriteXLSX(&b); err != nil {
		t.Fatal(err)
	}
	x, _ = excelize.OpenReader(&b)
	lr, _ := x.GetRows("明细")
	if len(lr) != 2+9 || lr[1][0] != "来电编号" {
		t.Errorf("list xlsx rows %d", len(lr))
	}
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(s, "\ufeff")))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestPeriods: the kinds of period, half-open inside, inclusive outside.
func TestPeriods(t *testing.T) {
	now := time.Date(2025, 2, 8, 12, 0, 0, 0, calendar.Location())
	for _, c := range []struct{ kind, from, to, first, last, label string }{
		{"day", "2025-02-08", "", "2025-02-08", "2025-02-08", "2025年2月8日"},
		{"week", "2025-02-08", "", "2025-02-03", "2025-02-09", "2025年第6周（2025-02-03至2025-02-09）"},
		{"month", "", "", "2025-02-01", "2025-02-28", "2025年2月"},
		{"quarter", "2025-05-20", "", "2025-04-01", "2025-06-30", "2025年第2季度"},
		{"year", "2024-07-01", "", "2024-01-01", "2024-12-31", "2024年"},
		{"custom", "2025-01-31", "2025-02-08", "2025-01-31", "2025-02-08", "2025-01-31至2025-02-08"},
	} {
		p, err := stats.ParsePeriod(c.kind, c.from, c.to, now)
		if err != nil {
			t.Fatal(err)
		}
		if p.First.String() != c.first || p.Last.String() != c.last || p.Label() != c.label {
			t.Errorf("%s %s: %s–%s %q", c.kind, c.from, p.First, p.Last, p.Label())
		}
		if !p.End().Equal(p.Last.AddDays(1).At(0)) || p.Contains(p.End()) || !p.Contains(p.Start()) {
			t.Errorf("%s: [start, end) wrong", c.kind)
		}
	}
	for _, bad := range [][3]string{{"fortnight", "", ""}, {"day", "2025-13-01", ""}, {"custom", "2025-02-08", "2025-02-01"}, {"custom", "2020-01-01", "2025-01-01"}} {
		if _, err := stats.ParsePeriod(bad[0], bad[1], bad[2], now); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestOfficeHoursAsWritten: the admins' free text is read.
func TestOfficeHoursAsWritten(t *testing.T) {
	for in, want := range map[string]string{"工作日 8:30–12:00，14:00–17:30": "08:30-12:00,14:00-17:30", "09:00-17:00": "09:00-17:00",
		"上午8:00-11:30；下午14:30至18:00": "08:00-11:30,14:30-18:00"} {
		h, err := stats.ParseOfficeHours(in)
		if err != nil || h.String() != want {
			t.Errorf("%q → %v %v", in, h, err)
		}
	}
	if _, err := stats.ParseOfficeHours("每天有人"); err == nil {
		t.Error("free text without hours was read")
	}
}

// TestMonthlyReports: the schedule keeps last month's reports (the line's
// and each department's) once, with their files in the table and on disk.
func TestMonthlyReports(t *testing.T) {
	s, db, _ := rig(t)
	ctx := context.Background()
	font, err := stats.LoadFont("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	n, err := s.RunMonthly(ctx, font, dir)
	if err != nil {
		t.Fatal(err)
	}
	var deps int
	db.Get(&deps, `SELECT count(*) FROM departments WHERE NOT gov_office`)
	if n != deps+1 {
		t.Errorf("kept %d reports, want %d departments and the line", n, deps)
	}
	if again, _ := s.RunMonthly(ctx, font, dir); again != 0 {
		t.Errorf("the second run kept %d more", again)
	}
	ks, err := s.Kept(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) != n || ks[0].Department != "" || ks[0].Label() != "2025年1月" || !ks[0].HasPDF || ks[0].CalendarVersion != "2025.1" {
		t.Fatalf("kept %+v", ks[0])
	}
	k, b, err := s.KeptFile(ctx, ks[0].ID, "csv")
	if err != nil || !strings.HasPrefix(string(b), "\ufeff报表") || k.GeneratedBy != "schedule" {
		t.Errorf("kept csv %q %v", b[:min(40, len(b))], err)
	}
	// January holds c11 (01-30, answered) and c7 (01-31, closed): 来电量 2.
	if !strings.Contains(string(b), "来电量,2,") {
		t.Error("January's report does not count c7 and c11")
	}
	for _, f := range []string{"96128-2025-01-line.pdf", "96128-2025-01-mzj.xlsx", "96128-2025-01-rsj.csv"} {
		if _, err := os.Stat(filepath.Join(dir, "2025-01", f)); err != nil {
			t.Error(err)
		}
	}
	if _, _, err := s.KeptFile(ctx, 999999, "csv"); err == nil {
		t.Error("a missing report was found")
	}
}

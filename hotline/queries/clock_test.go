package queries_test

import (
	"testing"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
)

// TestClockKinds: every limit, accepted on Mon 2025-03-03 10:00 (Apr 4 is a
// holiday, Sun Apr 27 is worked).
func TestClockKinds(t *testing.T) {
	f := newFixture(t)
	f.set(at(2025, 3, 3, 10, 0))
	tests := []struct {
		kind, limit string
		want        string
	}{
		{queries.KindOrdinary, "ordinary", "2025-03-10"},
		{queries.KindComplex, "complex", "2025-03-17"},
		{queries.KindApplication, "application", "2025-03-31"},
	}
	for _, tt := range tests {
		c := f.create(f.actor("operator"), queries.NewQuery{Channel: "window", Question: "问题 " + tt.kind, Department: "mzj", Kind: tt.kind})
		if cl := f.openClock(c.Code); string(cl.Kind) != tt.limit || dueDate(cl.DueAt) != tt.want || dueDate(c.DueAt) != tt.want {
			t.Errorf("%s: clock %s due %s (created says %s), want %s due %s", tt.kind, cl.Kind, dueDate(cl.DueAt), dueDate(c.DueAt), tt.limit, tt.want)
		}
	}
	if _, err := f.s.Create(f.ctx, queries.Citizen("1.1.1.1"), queries.NewQuery{Channel: "web", Question: "x", Kind: queries.KindComplex}); err == nil {
		t.Error("a citizen declared a query complex")
	}
}

// TestExtensions: a department head (reviewer of the same department)
// approves an extension up to 20 (40 for applications); the requester,
// another department's head and out-of-range days are refused.
func TestExtensions(t *testing.T) {
	f := newFixture(t)
	f.set(at(2025, 3, 3, 10, 0))
	c := f.create(f.actor("operator"), queries.NewQuery{Channel: "window", Question: "征地补偿标准", Department: "mzj"})
	mzj := f.actor("liaison_mzj")
	before := f.footprint(c.Code)
	f.mustFail(f.s.RequestExtension(f.ctx, mzj, c.Code, 21, "需要调查"), queries.ErrInvalid, "21 days")
	f.mustFail(f.s.RequestExtension(f.ctx, mzj, c.Code, 5, "需要调查"), queries.ErrInvalid, "no extension")
	f.mustFail(f.s.RequestExtension(f.ctx, mzj, c.Code, 20, ""), queries.ErrInvalid, "no reason")
	f.mustFail(f.s.RequestExtension(f.ctx, f.actor("liaison_rsj"), c.Code, 20, "x"), queries.ErrForbidden, "other department")
	if f.footprint(c.Code) != before {
		t.Fatal("refused extension requests changed the query")
	}
	f.must(f.s.RequestExtension(f.ctx, f.actor("liaison_mzj2"), c.Code, 20, "需要实地调查"))
	ap := f.pendingApproval("head_mzj")
	f.mustFail(f.s.Decide(f.ctx, f.actor("liaison_mzj2"), ap, queries.Decision{Approve: true}), queries.ErrForbidden, "own extension")
	f.mustFail(f.s.Decide(f.ctx, f.actor("head_rsj"), ap, queries.Decision{Approve: true}), queries.ErrForbidden, "another department's head")
	f.mustFail(f.s.Decide(f.ctx, f.actor("liaison_zfb"), ap, queries.Decision{Approve: true}), queries.ErrForbidden, "the government office")
	f.must(f.s.Decide(f.ctx, f.actor("head_mzj"), ap, queries.Decision{Approve: true}))
	if cl := f.openClock(c.Code); cl.Kind != calendar.Extended || cl.Days != 20 || dueDate(cl.DueAt) != "2025-03-31" {
		t.Errorf("extended clock = %s %d due %s, want extended 20 due 2025-03-31", cl.Kind, cl.Days, dueDate(cl.DueAt))
	}

	app := f.create(f.actor("operator"), queries.NewQuery{Channel: "window", Question: "申请公开某项目批复", Department: "mzj", Kind: queries.KindApplication})
	f.must(f.s.RequestExtension(f.ctx, mzj, app.Code, 40, "需征求第三方意见"))
	f.must(f.s.Decide(f.ctx, f.actor("admin"), f.pendingApproval("head_mzj"), queries.Decision{Approve: true}))
	if cl := f.openClock(app.Code); cl.Kind != calendar.ApplicationExtended || dueDate(cl.DueAt) != "2025-04-28" {
		t.Errorf("extended application = %s due %s, want application_extended due 2025-04-28", cl.Kind, dueDate(cl.DueAt))
	}
}

// TestStopAndResume: stopped on Wed 2025-03-05 with 3 of 5 working days
// left, resumed on Mon 2025-03-10: due Thu 2025-03-13. A stopped clock is
// never overdue.
func TestStopAndResume(t *testing.T) {
	f := newFixture(t)
	f.set(at(2025, 3, 3, 10, 0))
	c := f.create(f.actor("operator"), queries.NewQuery{Channel: "window", Question: "低保申请", Department: "mzj", Name: "李四"})
	mzj := f.actor("liaison_mzj")
	f.mustFail(f.s.Resume(f.ctx, mzj, c.Code, ""), queries.ErrConflict, "resume a running clock")
	f.set(at(2025, 3, 5, 16, 0))
	f.mustFail(f.s.Stop(f.ctx, mzj, c.Code, ""), queries.ErrInvalid, "stop without reason")
	f.must(f.s.Stop(f.ctx, mzj, c.Code, "请李四补充提供户口簿复印件"))
	f.mustFail(f.s.Stop(f.ctx, mzj, c.Code, "again"), queries.ErrConflict, "stop twice")
	f.set(at(2025, 3, 11, 9, 0)) // past the original deadline, but stopped
	if _, n, _ := f.s.List(f.ctx, f.actor("supervisor"), queries.ListFilter{List: queries.ListOverdue}); n != 0 {
		t.Errorf("a stopped clock is in the overdue list")
	}
	f.set(at(2025, 3, 10, 9, 0))
	f.must(f.s.Resume(f.ctx, mzj, c.Code, "材料已补齐"))
	cl := f.openClock(c.Code)
	if cl.StoppedDays != 3 || dueDate(cl.DueAt) != "2025-03-13" || cl.Stopped {
		t.Errorf("resumed clock: stopped %d days, due %s; want 3 and 2025-03-13", cl.StoppedDays, dueDate(cl.DueAt))
	}
	v, err := f.s.Public(f.ctx, c.Code)
	f.must(err)
	found := false
	for _, h := range v.History {
		if h.Event == "clock_stopped" {
			found = h.Text == "等待补正，办理时限暂停：请李*补充提供户口簿复印件"
		}
	}
	if !found || dueDate(v.DueAt) != "2025-03-13" {
		t.Errorf("public view: due %s, history %+v", dueDate(v.DueAt), v.History)
	}
}

// TestExplanationAndAccountability: overdue with an explanation given in
// time is not flagged for 问责; without one, or with one given too late, it
// is, in the clock, the lists, the sweep and the statistics.
func TestExplanationAndAccountability(t *testing.T) {
	f := newFixture(t)
	f.set(at(2025, 3, 3, 10, 0))
	var codes []string
	for _, q := range []string{"explained", "silent", "late"} {
		codes = append(codes, f.create(f.actor("operator"), queries.NewQuery{Channel: "phone", Question: q, Department: "mzj"}).Code)
	}
	mzj := f.actor("liaison_mzj")
	f.set(at(2025, 3, 7, 10, 0))
	f.mustFail(f.s.Explain(f.ctx, f.actor("liaison_rsj"), codes[0], "x"), queries.ErrForbidden, "explain another department's query")
	f.must(f.s.Explain(f.ctx, mzj, codes[0], "需要调阅历史档案，预计延后三个工作日"))
	f.set(at(2025, 3, 11, 10, 0))
	f.must(f.s.Explain(f.ctx, mzj, codes[2], "忘记了"))
	want := map[string]bool{codes[0]: false, codes[1]: true, codes[2]: true}
	for code, accountable := range want {
		if cl := f.openClock(code); !cl.Overdue || cl.Accountable != accountable {
			t.Errorf("%s: overdue %v accountable %v, want true %v", code, cl.Overdue, cl.Accountable, accountable)
		}
	}
	items, n, err := f.s.List(f.ctx, mzj, queries.ListFilter{List: queries.ListOverdue})
	f.must(err)
	flagged := 0
	for _, it := range items {
		if it.Accountable {
			flagged++
		}
	}
	if n != 3 || flagged != 2 {
		t.Errorf("overdue list: %d items, %d flagged; want 3 and 2", n, flagged)
	}
	sw, err := f.s.Sweep(f.ctx)
	f.must(err)
	if sw.Overdue != 3 {
		t.Errorf("sweep flagged %d overdue, want 3", sw.Overdue)
	}
	if sw, _ := f.s.Sweep(f.ctx); sw.Overdue != 0 {
		t.Errorf("second sweep flagged %d again", sw.Overdue)
	}
	var supervisorNotes int
	f.db.Get(&supervisorNotes, `SELECT count(*) FROM notification_outbox WHERE kind = 'overdue' AND to_role = 'supervisor'`)
	if supervisorNotes != 3 {
		t.Errorf("%d overdue notifications to supervisors, want 3", supervisorNotes)
	}
	st, err := f.s.Stats(f.ctx, at(2025, 3, 1, 0, 0), at(2025, 4, 1, 0, 0))
	f.must(err)
	if st.Overdue != 3 || st.OverdueUnexplained != 2 || st.ByStatus[queries.Assigned] != 3 {
		t.Errorf("stats: overdue %d, unexplained %d, by status %v", st.Overdue, st.OverdueUnexplained, st.ByStatus)
	}
}

// TestCalendarEdges: across the National Day holidays, and a deadline in
// late December waits for the next year's notice: provisional, then re-dated
// with an event and an audit entry when the notice is added; closed clocks
// stay as they were.
func TestCalendarEdges(t *testing.T) {
	f := newFixture(t)
	c := f.create(queries.Citizen("1.1.1.1"), queries.NewQuery{Channel: "web", Question: "国庆前受理", Department: "mzj"})
	if dueDate(c.DueAt) != "2025-10-14" || c.Provisional {
		t.Errorf("accepted 2025-09-30: due %s provisional %v, want 2025-10-14 final", dueDate(c.DueAt), c.Provisional)
	}
	f.set(at(2026, 12, 21, 10, 0))
	open := f.create(f.actor("operator"), queries.NewQuery{Channel: "phone", Question: "年底受理", Department: "mzj"})
	closed := f.create(f.actor("operator"), queries.NewQuery{Channel: "phone", Question: "年底受理已答复", Department: "mzj"})
	f.must(f.s.Answer(f.ctx, f.actor("liaison_mzj"), closed.Code, queries.AnswerInput{Body: "已答复"}))
	if dueDate(open.DueAt) != "2026-12-28" || !open.Provisional {
		t.Fatalf("accepted 2026-12-21: due %s provisional %v, want 2026-12-28 provisional", dueDate(open.DueAt), open.Provisional)
	}
	closedBefore := f.staff(closed.Code).Clocks[0]
	notice := calendar.Notice{Year: 2027, Title: "测试：2027年部分节假日安排", PublishedOn: calendar.NewDate(2026, 12, 1), Days: []calendar.Exception{
		{Date: calendar.NewDate(2026, 12, 28), Kind: calendar.RestSwap, Name: "元旦"},
		{Date: calendar.NewDate(2027, 1, 1), Kind: calendar.Holiday, Name: "元旦"},
		{Date: calendar.NewDate(2027, 1, 9), Kind: calendar.WorkSwap, Name: "元旦"},
	}}
	ch, err := f.cal.AddNotice(f.ctx, calendar.Actor{Username: "admin"}, notice)
	f.must(err)
	if ch.Rebased != 1 {
		t.Errorf("notice re-dated %d clocks, want 1", ch.Rebased)
	}
	cl := f.openClock(open.Code)
	if dueDate(cl.DueAt) != "2026-12-29" || cl.Provisional {
		t.Errorf("after the notice: due %s provisional %v, want 2026-12-29 final", dueDate(cl.DueAt), cl.Provisional)
	}
	if got := f.staff(closed.Code).Clocks[0]; !got.DueAt.Equal(closedBefore.DueAt) {
		t.Errorf("a closed clock was re-dated: %s → %s", closedBefore.DueAt, got.DueAt)
	}
	var events, audits int
	f.db.Get(&events, `SELECT count(*) FROM query_events WHERE kind = 'clock_redated' AND detail->>'old_due_at' <> ''`)
	f.db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'calendar.notice.add' AND (detail->>'rebased')::int = 1`)
	if events != 1 || audits != 1 {
		t.Errorf("%d clock_redated events and %d audit entries, want 1 and 1", events, audits)
	}
	v, err := f.s.Public(f.ctx, open.Code)
	f.must(err)
	if last := v.History[len(v.History)-1]; last.Event != "clock_redated" || last.At.IsZero() {
		t.Errorf("public history ends with %+v, want the re-dating", last)
	}
}

// TestStaleClocksAreRedated: a clock dated on an outdated calendar (opened
// while a notice changed, before the new calendar was installed) is
// re-dated by the sweep.
func TestStaleClocksAreRedated(t *testing.T) {
	f := newFixture(t)
	c := f.create(queries.Citizen("1.1.1.1"), queries.NewQuery{Channel: "web", Question: "国庆前受理", Department: "mzj"})
	f.db.MustExec(`UPDATE query_clocks SET calendar_version = '2024.1', due_at = due_at - interval '1 day', due_date = due_date - 1`)
	sw, err := f.s.Sweep(f.ctx)
	f.must(err)
	if cl := f.openClock(c.Code); sw.Redated != 1 || dueDate(cl.DueAt) != "2025-10-14" {
		t.Errorf("sweep re-dated %d, due %s; want 1 and 2025-10-14", sw.Redated, dueDate(cl.DueAt))
	}
	if sw, _ := f.s.Sweep(f.ctx); sw.Redated != 0 {
		t.Errorf("second sweep re-dated %d", sw.Redated)
	}
	var events int
	f.db.Get(&events, `SELECT count(*) FROM query_events WHERE kind = 'clock_redated' AND (detail->>'stale_calendar')::boolean`)
	if events != 1 {
		t.Errorf("%d stale re-dating events, want 1", events)
	}
}

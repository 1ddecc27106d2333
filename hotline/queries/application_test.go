package queries_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/queries"
)

// TestApplicationRestartsInFull: an application accepted on Mon 2025-03-03
// (due 2025-03-31) waits for a 补正 from Wed 2025-03-05; the correction
// arrives on Mon 2025-03-10 and the 20 working days start again from that
// day: due Tue 2025-04-08 (Fri 2025-04-04 is 清明节).
func TestApplicationRestartsInFull(t *testing.T) {
	f := newFixture(t)
	f.set(at(2025, 3, 3, 10, 0))
	mzj := f.actor("liaison_mzj")
	c, err := f.s.CreateApplication(f.ctx, f.actor("operator"), queries.NewQuery{Channel: "window", Question: "申请公开2024年低保资金发放情况", Department: "mzj"}, nil)
	f.must(err)
	if dueDate(c.DueAt) != "2025-03-31" {
		t.Fatalf("application due %s, want 2025-03-31", dueDate(c.DueAt))
	}
	f.mustFail(f.s.RestartApplication(f.ctx, mzj, c.Code, time0, "", nil), queries.ErrConflict, "restart a running clock")
	f.set(at(2025, 3, 5, 15, 0))
	f.must(f.s.PauseApplication(f.ctx, mzj, c.Code, "申请内容不明确：请写明年份和地区", "等待补正，办理时限暂停：请写明年份和地区", nil))
	f.set(at(2025, 3, 10, 9, 30))
	f.mustFail(f.s.RestartApplication(f.ctx, mzj, c.Code, at(2025, 3, 4, 9, 0), "", nil), queries.ErrInvalid, "corrected before the request")
	f.mustFail(f.s.RestartApplication(f.ctx, f.actor("liaison_rsj"), c.Code, time0, "", nil), queries.ErrForbidden, "another department")
	var seen queries.Ref
	f.must(f.s.RestartApplication(f.ctx, mzj, c.Code, time0, "申请人补正了年份", func(_ context.Context, _ *sqlx.Tx, r queries.Ref) error {
		seen = r
		return nil
	}))
	cl := f.openClock(c.Code)
	if cl.Stopped || cl.StoppedDays != 0 || dueDate(cl.DueAt) != "2025-04-08" || !cl.StartedAt.Equal(at(2025, 3, 10, 9, 30)) {
		t.Errorf("restarted clock: stopped %v/%d days, started %s, due %s; want running from 2025-03-10 due 2025-04-08",
			cl.Stopped, cl.StoppedDays, cl.StartedAt, dueDate(cl.DueAt))
	}
	if seen.Code != c.Code || seen.Due.Date.String() != "2025-04-08" {
		t.Errorf("the hook saw %+v", seen)
	}
	v, err := f.s.Public(f.ctx, c.Code)
	f.must(err)
	if dueDate(v.DueAt) != "2025-04-08" || v.History[len(v.History)-1].Text != "已收到补正材料，答复期限自2025-03-10起重新计算，至2025-04-08" {
		t.Errorf("public view: due %s, last %+v", dueDate(v.DueAt), v.History[len(v.History)-1])
	}

	ordinary := f.create(f.actor("operator"), queries.NewQuery{Channel: "window", Question: "低保", Department: "mzj"})
	f.mustFail(f.s.PauseApplication(f.ctx, mzj, ordinary.Code, "x", "x", nil), queries.ErrConflict, "pause an ordinary query as an application")
}

// time0 is the zero time: now.
var time0 time.Time

// TestApplicationConsultationIsNotCounted: stopped on Wed 2025-03-05 for a
// third party and resumed on Mon 2025-03-10, the 3 working days between do
// not count: due 2025-04-03 instead of 2025-03-31. A decision made while
// the clock is stopped resumes it first and is not overdue.
func TestApplicationConsultationIsNotCounted(t *testing.T) {
	f := newFixture(t)
	f.set(at(2025, 3, 3, 10, 0))
	mzj := f.actor("liaison_mzj")
	c, err := f.s.CreateApplication(f.ctx, f.actor("operator"), queries.NewQuery{Channel: "window", Question: "申请公开某企业的环评材料", Department: "mzj"}, nil)
	f.must(err)
	f.set(at(2025, 3, 5, 15, 0))
	f.must(f.s.PauseApplication(f.ctx, mzj, c.Code, "征求第三方意见：某某化工有限公司", "征求第三方意见，所需时间不计算在答复期限内", nil))
	f.set(at(2025, 3, 10, 9, 0))
	f.must(f.s.ResumeApplication(f.ctx, mzj, c.Code, "第三方已答复", "第三方意见征求完毕，恢复计时，答复期限至%s", nil))
	if cl := f.openClock(c.Code); cl.StoppedDays != 3 || dueDate(cl.DueAt) != "2025-04-03" {
		t.Errorf("resumed: %d stopped days, due %s; want 3 and 2025-04-03", cl.StoppedDays, dueDate(cl.DueAt))
	}

	late, err := f.s.CreateApplication(f.ctx, f.actor("operator"), queries.NewQuery{Channel: "window", Question: "申请公开某项目批复", Department: "mzj"}, nil)
	f.must(err)
	f.must(f.s.PauseApplication(f.ctx, mzj, late.Code, "请补正身份证明", "等待补正", nil))
	f.set(at(2025, 4, 30, 10, 0)) // long past 2025-04-08: the applicant never corrected
	f.mustFail(f.s.AnswerApplication(f.ctx, mzj, late.Code, " ", nil), queries.ErrInvalid, "empty summary")
	f.must(f.s.AnswerApplication(f.ctx, mzj, late.Code, "县民政局已作出答复：其他处理", nil))
	v := f.staff(late.Code)
	if v.Status != queries.Answered || v.Clocks[0].Open || v.Clocks[0].Overdue || v.Clocks[0].Accountable {
		t.Errorf("decided while stopped: %s, clock %+v", v.Status, v.Clocks[0])
	}
}

// TestApplicationHookRollsBack: a hook's error leaves nothing of the
// change: no query, no clock, no event.
func TestApplicationHookRollsBack(t *testing.T) {
	f := newFixture(t)
	boom := errors.New("boom")
	_, err := f.s.CreateApplication(f.ctx, f.actor("operator"), queries.NewQuery{Channel: "post", Question: "申请公开", Department: "mzj",
		ReceivedAt: at(2025, 9, 29, 0, 0)}, func(context.Context, *sqlx.Tx, queries.Ref) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the hook's", err)
	}
	var n int
	f.must(f.db.Get(&n, `SELECT (SELECT count(*) FROM queries) + (SELECT count(*) FROM query_clocks) + (SELECT count(*) FROM query_events)`))
	if n != 0 {
		t.Errorf("%d rows written by a rolled-back application", n)
	}
	c, err := f.s.CreateApplication(f.ctx, f.actor("operator"), queries.NewQuery{Channel: "post", Question: "申请公开", Department: "mzj",
		ReceivedAt: at(2025, 9, 29, 0, 0)}, nil)
	f.must(err)
	if cl := f.openClock(c.Code); !cl.StartedAt.Equal(at(2025, 9, 29, 0, 0)) || dueDate(cl.DueAt) != "2025-11-03" {
		t.Errorf("a letter received on 2025-09-29: clock from %s due %s, want 2025-11-03", cl.StartedAt, dueDate(cl.DueAt))
	}
	_, err = f.s.CreateApplication(f.ctx, queries.Citizen("1.2.3.4"), queries.NewQuery{Channel: "post", Question: "x", Department: "mzj"}, nil)
	f.mustFail(err, queries.ErrInvalid, "a citizen declaring a letter")
	_, err = f.s.CreateApplication(f.ctx, f.actor("operator"), queries.NewQuery{Channel: "post", Question: "x", Department: "mzj", ReceivedAt: at(2025, 10, 2, 0, 0)}, nil)
	f.mustFail(err, queries.ErrInvalid, "a letter received tomorrow")
}

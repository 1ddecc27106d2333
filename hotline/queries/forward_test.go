package queries_test

import (
	"testing"

	"github.com/govhall/govhall/hotline/queries"
)

// TestForwardNeedsReasonAndApproval: a forward needs a 转发理由, takes
// effect only when the government office approves it, nobody approves their
// own, a rejection needs a note and sends the query back with its clock
// running; an approved forward hands it to the government office with its
// own 5 working days, and the next department's clock counts from
// acceptance with 5 more.
func TestForwardNeedsReasonAndApproval(t *testing.T) {
	f := newFixture(t)
	c := f.create(f.actor("operator"), queries.NewQuery{Channel: "phone", Question: "医保报销比例是多少？", Department: "mzj", Phone: "13900001111"})
	mzj, mzj2 := f.actor("liaison_mzj"), f.actor("liaison_mzj2")

	before := f.footprint(c.Code)
	f.mustFail(f.s.Forward(f.ctx, mzj, c.Code, "   "), queries.ErrInvalid, "forward without reason")
	f.mustFail(f.s.Forward(f.ctx, f.actor("liaison_rsj"), c.Code, "不归我们"), queries.ErrForbidden, "forward of another department's query")
	f.mustFail(f.s.Forward(f.ctx, f.actor("operator"), c.Code, "不归我们"), queries.ErrForbidden, "forward by an operator")
	if f.footprint(c.Code) != before {
		t.Fatal("rejected forwards changed the query")
	}

	f.must(f.s.Forward(f.ctx, mzj2, c.Code, "医保政策属医疗保障局职责"))
	if st := f.staff(c.Code).Status; st != queries.ForwardPending {
		t.Fatalf("status after forward = %s", st)
	}
	f.mustFail(f.s.Forward(f.ctx, mzj, c.Code, "再转一次"), queries.ErrConflict, "second forward while pending")
	ap := f.pendingApproval("liaison_zfb")
	before = f.footprint(c.Code)
	f.mustFail(f.s.Decide(f.ctx, mzj2, ap, queries.Decision{Approve: true}), queries.ErrForbidden, "approving one's own forward (as admin)")
	f.mustFail(f.s.Decide(f.ctx, mzj, ap, queries.Decision{Approve: true}), queries.ErrForbidden, "approval by a department's liaison")
	f.mustFail(f.s.Decide(f.ctx, f.actor("liaison_zfb"), ap, queries.Decision{Approve: false}), queries.ErrInvalid, "rejection without note")
	if f.footprint(c.Code) != before {
		t.Fatal("rejected decisions changed the query")
	}

	// Rejected: back to the department, same clock.
	clock := f.openClock(c.Code)
	f.must(f.s.Decide(f.ctx, f.actor("liaison_zfb"), ap, queries.Decision{Approve: false, Note: "低保对象医保救助属民政职责"}))
	v := f.staff(c.Code)
	if v.Status != queries.Assigned || v.Department != "县民政局" || f.openClock(c.Code).ID != clock.ID {
		t.Fatalf("after rejection: %s at %s, clock %d (was %d)", v.Status, v.Department, f.openClock(c.Code).ID, clock.ID)
	}
	f.mustFail(f.s.Decide(f.ctx, f.actor("liaison_zfb"), ap, queries.Decision{Approve: true}), queries.ErrConflict, "deciding twice")

	// Approved: the government office's own 5 working days, then routed.
	f.set(at(2025, 10, 10, 15, 0))
	f.must(f.s.Forward(f.ctx, mzj, c.Code, "医保政策属医疗保障局职责"))
	f.must(f.s.Decide(f.ctx, f.actor("liaison_zfb"), f.pendingApproval("liaison_zfb"), queries.Decision{Approve: true}))
	v = f.staff(c.Code)
	routing := f.openClock(c.Code)
	if v.Status != queries.Accepted || routing.Kind != "forward" || dueDate(routing.DueAt) != "2025-10-16" {
		t.Fatalf("after approval: %s, clock %s due %s; want accepted, forward due 2025-10-16", v.Status, routing.Kind, dueDate(routing.DueAt))
	}
	if v.Clocks[0].Outcome != "forwarded" {
		t.Errorf("the department's clock closed as %q, want forwarded", v.Clocks[0].Outcome)
	}
	f.must(f.s.Route(f.ctx, f.actor("liaison_zfb"), c.Code, queries.RouteInput{Department: "ybj"}))
	cl := f.openClock(c.Code)
	if cl.Department != "县医疗保障局" || dueDate(cl.DueAt) != "2025-10-21" || !cl.StartedAt.Equal(at(2025, 9, 30, 10, 0)) {
		t.Errorf("new department clock %s due %s from %s; want 县医疗保障局 due 2025-10-21 from acceptance", cl.Department, dueDate(cl.DueAt), cl.StartedAt)
	}
	public, err := f.s.Public(f.ctx, c.Code)
	f.must(err)
	for _, h := range public.History {
		if h.Text == "医保政策属医疗保障局职责" || h.Text == "低保对象医保救助属民政职责" {
			t.Errorf("internal reason in the public history: %+v", h)
		}
	}
}

// TestApproveAndRouteInOneStep: the office may route while approving.
func TestApproveAndRouteInOneStep(t *testing.T) {
	f := newFixture(t)
	c := f.create(f.actor("operator"), queries.NewQuery{Channel: "window", Question: "社保卡补办", Department: "mzj"})
	f.must(f.s.Forward(f.ctx, f.actor("liaison_mzj"), c.Code, "社保卡由人社局办理"))
	f.must(f.s.Decide(f.ctx, f.actor("admin"), f.pendingApproval("admin"), queries.Decision{Approve: true, RouteTo: "rsj"}))
	cl := f.openClock(c.Code)
	if v := f.staff(c.Code); v.Status != queries.Assigned || cl.Department != "县人力资源和社会保障局" || cl.ExtraDays != 5 {
		t.Fatalf("after approve+route: %s, clock %+v", v.Status, cl)
	}
}

// pendingApproval returns the id of the one pending request name may decide.
func (f *fixture) pendingApproval(name string) int64 {
	f.t.Helper()
	aps, err := f.s.Approvals(f.ctx, f.actor(name), true, 10)
	f.must(err)
	if len(aps) != 1 {
		f.t.Fatalf("%s sees %d pending approvals, want 1: %+v", name, len(aps), aps)
	}
	return aps[0].ID
}

// TestSequentialDepartments: several departments answer in turn (首问责任制),
// each with its own clock from the hand-over; the first stays accountable;
// an unclear next department goes through the government office.
func TestSequentialDepartments(t *testing.T) {
	f := newFixture(t)
	c := f.create(f.actor("operator"), queries.NewQuery{Channel: "phone", Question: "残疾人两项补贴和医保参保怎么办？",
		Department: "mzj", Then: []string{"rsj"}})
	f.set(at(2025, 10, 9, 9, 0))
	f.must(f.s.Answer(f.ctx, f.actor("liaison_mzj"), c.Code, queries.AnswerInput{Body: "两项补贴由民政局受理。"}))
	v := f.staff(c.Code)
	cl := f.openClock(c.Code)
	if v.Status != queries.Assigned || cl.Department != "县人力资源和社会保障局" || !cl.StartedAt.Equal(at(2025, 10, 9, 9, 0)) || dueDate(cl.DueAt) != "2025-10-15" {
		t.Fatalf("after the first answer: %s, next clock %s from %s due %s", v.Status, cl.Department, cl.StartedAt, dueDate(cl.DueAt))
	}
	if v.FirstDepartment != f.dep["mzj"] {
		t.Errorf("first department = %d, want 民政局 %d", v.FirstDepartment, f.dep["mzj"])
	}
	items, n, err := f.s.List(f.ctx, f.actor("liaison_mzj"), queries.ListFilter{List: queries.ListAccountable})
	f.must(err)
	if n != 1 || items[0].Code != c.Code {
		t.Errorf("首问 list of 民政局 = %d %+v, want the query", n, items)
	}
	f.must(f.s.Answer(f.ctx, f.actor("liaison_rsj"), c.Code, queries.AnswerInput{Body: "参保请到人社局。", Next: "unclear"}))
	if v := f.staff(c.Code); v.Status != queries.Accepted || v.Department != "县政府办公室" {
		t.Fatalf("unclear next: %s at %s", v.Status, v.Department)
	}
	f.must(f.s.Route(f.ctx, f.actor("liaison_zfb"), c.Code, queries.RouteInput{Department: "ybj"}))
	cl = f.openClock(c.Code)
	if cl.ExtraDays != 5 || !cl.StartedAt.Equal(at(2025, 10, 9, 9, 0)) {
		t.Errorf("routed next clock: +%d from %s, want +5 from the hand-over", cl.ExtraDays, cl.StartedAt)
	}
	f.must(f.s.Answer(f.ctx, f.actor("liaison_ybj"), c.Code, queries.AnswerInput{Body: "医保参保请到医保局。"}))
	v = f.staff(c.Code)
	if v.Status != queries.Answered || len(v.Answers) != 3 || v.FirstDepartment != f.dep["mzj"] {
		t.Fatalf("final: %s, %d answers, first %d", v.Status, len(v.Answers), v.FirstDepartment)
	}
	if _, n, _ := f.s.List(f.ctx, f.actor("liaison_mzj"), queries.ListFilter{List: queries.ListAccountable}); n != 0 {
		t.Errorf("首问 list after the full answer has %d items", n)
	}
}

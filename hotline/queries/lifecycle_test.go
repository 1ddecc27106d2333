package queries_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/govhall/govhall/hotline/queries"
)

// TestLifecycle: accepted on 2025-09-30 and assigned to a department, due at
// the close of business of 2025-10-14 (Oct 1–8 are holidays, Sat Oct 11 is
// worked); answered by the department's liaison only; the public view masks
// personal data and hides internal reasons.
func TestLifecycle(t *testing.T) {
	f := newFixture(t)
	c := f.create(queries.Citizen("1.2.3.4"), queries.NewQuery{Channel: "web", Question: "我叫张三，电话13812345678，低保怎么申请？",
		Name: "张三", Phone: "13812345678", Department: "mzj"})
	if c.Status != queries.Assigned || c.Department != "县民政局" {
		t.Fatalf("created = %+v, want assigned to 县民政局", c)
	}
	if got := c.DueAt.In(shanghai).Format("2006-01-02 15:04"); got != "2025-10-14 17:30" {
		t.Errorf("due = %s, want 2025-10-14 17:30", got)
	}
	if _, err := queries.ParseCode(c.Code); err != nil {
		t.Errorf("code %q does not parse: %v", c.Code, err)
	}

	before := f.footprint(c.Code)
	err := f.s.Answer(f.ctx, f.actor("liaison_rsj"), c.Code, queries.AnswerInput{Body: "不归我们管"})
	f.mustFail(err, queries.ErrForbidden, "answer by another department")
	f.mustFail(f.s.Answer(f.ctx, f.actor("liaison_mzj"), c.Code, queries.AnswerInput{Body: "  "}), queries.ErrInvalid, "empty answer")
	if after := f.footprint(c.Code); after != before {
		t.Fatalf("rejected answers changed the query: %+v → %+v", before, after)
	}

	f.set(at(2025, 10, 10, 9, 0))
	f.must(f.s.Answer(f.ctx, f.actor("liaison_mzj"), c.Code, queries.AnswerInput{Body: "张三您好：请携带户口簿到镇街便民服务中心申请，咨询电话0533-3241001。"}))
	v, err := f.s.Public(f.ctx, c.Code)
	f.must(err)
	if v.Status != queries.Answered || v.Name != "张*" || v.Phone != "138****5678" {
		t.Errorf("public view = %s/%s/%s", v.Status, v.Name, v.Phone)
	}
	js, _ := json.Marshal(v)
	for _, secret := range []string{"张三", "13812345678", "liaison_mzj"} {
		if strings.Contains(string(js), secret) {
			t.Errorf("public view leaks %q: %s", secret, js)
		}
	}
	if !strings.Contains(v.Answer, "张*您好") || !strings.Contains(v.Answer, "0533-3241001") {
		t.Errorf("answer = %q: the asker's name masked, the department's number kept", v.Answer)
	}
	wantHistory := []string{"accepted", "assigned", "answered", "completed"}
	if got := historyEvents(v); strings.Join(got, ",") != strings.Join(wantHistory, ",") {
		t.Errorf("history = %v, want %v", got, wantHistory)
	}
	clock := f.staff(c.Code).Clocks[0]
	if clock.Open || clock.Outcome != "answered" || clock.Overdue {
		t.Errorf("clock after answer = %+v", clock)
	}
	f.mustFail(f.s.Answer(f.ctx, f.actor("liaison_mzj"), c.Code, queries.AnswerInput{Body: "再答一次"}), queries.ErrConflict, "answer twice")
}

func historyEvents(v queries.PublicView) []string {
	var out []string
	for _, h := range v.History {
		out = append(out, h.Event)
	}
	return out
}

// TestUnclearDepartmentIsRouted: without a department the query waits at the
// government office, whose own clock of 5 working days runs; the asker is
// told the answer's deadline with the 5 days of the pass. Only the
// government office routes; the department's clock starts at acceptance.
func TestUnclearDepartmentIsRouted(t *testing.T) {
	f := newFixture(t)
	c := f.create(queries.Citizen("1.2.3.4"), queries.NewQuery{Channel: "kiosk", Question: "老年人优待证在哪里办？"})
	if c.Status != queries.Accepted || c.Department != "县政府办公室" || dueDate(c.DueAt) != "2025-10-21" {
		t.Fatalf("created = %+v, want accepted at the government office, due 2025-10-21", c)
	}
	if cl := f.openClock(c.Code); cl.Kind != "forward" || dueDate(cl.DueAt) != "2025-10-14" {
		t.Errorf("routing clock = %s due %s, want forward due 2025-10-14", cl.Kind, dueDate(cl.DueAt))
	}
	before := f.footprint(c.Code)
	f.mustFail(f.s.Route(f.ctx, f.actor("liaison_mzj"), c.Code, queries.RouteInput{Department: "mzj"}), queries.ErrForbidden, "route by a department")
	f.mustFail(f.s.Route(f.ctx, f.actor("liaison_zfb"), c.Code, queries.RouteInput{Department: "nope"}), queries.ErrInvalid, "route to an unknown department")
	if f.footprint(c.Code) != before {
		t.Fatal("rejected routing changed the query")
	}
	f.set(at(2025, 10, 9, 11, 0))
	f.must(f.s.Route(f.ctx, f.actor("liaison_zfb"), c.Code, queries.RouteInput{Department: "县民政局"}))
	cl := f.openClock(c.Code)
	if cl.Department != "县民政局" || cl.Kind != "ordinary" || cl.ExtraDays != 5 || dueDate(cl.DueAt) != "2025-10-21" {
		t.Errorf("department clock = %+v, want 县民政局 ordinary +5 due 2025-10-21", cl.Clock)
	}
	if !cl.StartedAt.Equal(at(2025, 9, 30, 10, 0)) {
		t.Errorf("department clock started %s, want at acceptance", cl.StartedAt)
	}
	f.mustFail(f.s.Route(f.ctx, f.actor("liaison_zfb"), c.Code, queries.RouteInput{Department: "rsj"}), queries.ErrConflict, "route twice")
}

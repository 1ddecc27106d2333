package queries_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
)

// TestComplaints: only after an answer, one open at a time, its own clock of
// 15 working days, replied by supervisors, extended to 30 with another
// supervisor's approval.
func TestComplaints(t *testing.T) {
	f := newFixture(t)
	f.set(at(2025, 3, 3, 10, 0))
	c := f.create(queries.Citizen("1.1.1.1"), queries.NewQuery{Channel: "web", Question: "公租房申请条件", Department: "mzj"})
	citizen := queries.Citizen("1.1.1.1")
	before := f.footprint(c.Code)
	_, err := f.s.Complain(f.ctx, citizen, c.Code, "没人理", "web")
	f.mustFail(err, queries.ErrConflict, "complaint before an answer")
	_, err = f.s.Complain(f.ctx, citizen, c.Code, "", "web")
	f.mustFail(err, queries.ErrInvalid, "complaint without reason")
	if f.footprint(c.Code) != before {
		t.Fatal("refused complaints changed the query")
	}
	f.must(f.s.Answer(f.ctx, f.actor("liaison_mzj"), c.Code, queries.AnswerInput{Body: "请到住建局咨询。"}))
	f.set(at(2025, 3, 4, 9, 0))
	p, err := f.s.Complain(f.ctx, citizen, c.Code, "答复推诿，没有说明条件", "web")
	f.must(err)
	if p.Limit != calendar.Complaint || dueDate(p.DueAt) != "2025-03-25" || p.AnswerSeq != 1 || p.Department != "县民政局" {
		t.Errorf("complaint = %+v, want complaint clock due 2025-03-25 on answer 1 of 县民政局", p)
	}
	_, err = f.s.Complain(f.ctx, citizen, c.Code, "再投诉", "web")
	f.mustFail(err, queries.ErrConflict, "second open complaint")
	var notes int
	f.db.Get(&notes, `SELECT count(*) FROM notification_outbox WHERE kind = 'complaint' AND to_role = 'supervisor'`)
	if notes != 1 {
		t.Errorf("%d complaint notifications to supervisors, want 1", notes)
	}

	f.mustFail(f.s.ReplyComplaint(f.ctx, f.actor("liaison_mzj"), p.ID, "x"), queries.ErrForbidden, "reply by a liaison")
	f.mustFail(f.s.RequestComplaintExtension(f.ctx, f.actor("supervisor"), p.ID, ""), queries.ErrInvalid, "extension without reason")
	f.must(f.s.RequestComplaintExtension(f.ctx, f.actor("supervisor"), p.ID, "需调查取证"))
	ap := f.pendingApproval("supervisor2")
	f.mustFail(f.s.Decide(f.ctx, f.actor("supervisor"), ap, queries.Decision{Approve: true}), queries.ErrForbidden, "own complaint extension")
	f.mustFail(f.s.Decide(f.ctx, f.actor("head_mzj"), ap, queries.Decision{Approve: true}), queries.ErrForbidden, "complaint extension by a department head")
	f.must(f.s.Decide(f.ctx, f.actor("supervisor2"), ap, queries.Decision{Approve: true}))
	list, err := f.s.Complaints(f.ctx, true, 10)
	f.must(err)
	if len(list) != 1 || list[0].Limit != calendar.ComplaintExtended || dueDate(list[0].DueAt) != "2025-04-16" {
		t.Fatalf("open complaints = %+v, want one complaint_extended due 2025-04-16", list)
	}
	f.must(f.s.ReplyComplaint(f.ctx, f.actor("supervisor"), p.ID, "经核查，已责成民政局重新答复。"))
	f.mustFail(f.s.ReplyComplaint(f.ctx, f.actor("supervisor"), p.ID, "again"), queries.ErrConflict, "reply twice")
	v, err := f.s.Public(f.ctx, c.Code)
	f.must(err)
	if len(v.Complaints) != 1 || v.Complaints[0].Status != "replied" || v.Complaints[0].Reply == "" {
		t.Errorf("public complaints = %+v", v.Complaints)
	}
	for _, h := range v.History {
		if h.Text == "答复推诿，没有说明条件" {
			t.Error("the complaint's reason is in the public history")
		}
	}
	if _, err := f.s.Complain(f.ctx, citizen, c.Code, "还是不满意", "kiosk"); err != nil {
		t.Errorf("a new complaint after the reply: %v", err)
	}
}

// TestRatings: 1–5, once per answer, only after an answer.
func TestRatings(t *testing.T) {
	f := newFixture(t)
	c := f.create(f.actor("operator"), queries.NewQuery{Channel: "phone", Question: "养老金调整", Department: "rsj"})
	citizen := queries.Citizen("1.1.1.1")
	f.mustFail(f.s.Rate(f.ctx, citizen, c.Code, 0, 5, "web"), queries.ErrConflict, "rating before an answer")
	f.must(f.s.Answer(f.ctx, f.actor("liaison_rsj"), c.Code, queries.AnswerInput{Body: "按省政策调整。"}))
	for _, score := range []int{0, 6, -1} {
		f.mustFail(f.s.Rate(f.ctx, citizen, c.Code, 0, score, "web"), queries.ErrInvalid, "score out of range")
	}
	f.mustFail(f.s.Rate(f.ctx, citizen, c.Code, 0, 4, "fax"), queries.ErrInvalid, "unknown channel")
	f.must(f.s.Rate(f.ctx, citizen, c.Code, 0, 4, "phone"))
	f.mustFail(f.s.Rate(f.ctx, citizen, c.Code, 1, 5, "web"), queries.ErrConflict, "second rating of the answer")
	st, err := f.s.Stats(f.ctx, at(2025, 1, 1, 0, 0), at(2026, 1, 1, 0, 0))
	f.must(err)
	if st.Ratings != 1 || st.Satisfied != 1 || st.SatisfactionRate != 1 {
		t.Errorf("stats ratings %d satisfied %d rate %v", st.Ratings, st.Satisfied, st.SatisfactionRate)
	}
}

// TestConcurrentUpdates: changes to one query from many goroutines are
// serialised by the row lock: every note counts, exactly one of many
// simultaneous answers and ratings wins.
func TestConcurrentUpdates(t *testing.T) {
	f := newFixture(t)
	c := f.create(f.actor("operator"), queries.NewQuery{Channel: "phone", Question: "并发", Department: "mzj"})
	before := f.footprint(c.Code)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, 3*n)
	for i := range n {
		wg.Go(func() {
			errs <- f.s.Note(f.ctx, f.actor("operator"), c.Code, "回访记录 "+string(rune('A'+i)))
		})
	}
	wg.Wait()
	for range n {
		f.must(<-errs)
	}
	after := f.footprint(c.Code)
	if after.Version != before.Version+n || after.Events != before.Events+n {
		t.Fatalf("after %d concurrent notes: version %d→%d, events %d→%d", n, before.Version, after.Version, before.Events, after.Events)
	}
	wins := race(n, func(i int) error {
		return f.s.Answer(f.ctx, f.actor("liaison_mzj"), c.Code, queries.AnswerInput{Body: "答复 " + string(rune('A'+i))})
	})
	if wins != 1 || f.footprint(c.Code).Answers != 1 {
		t.Errorf("%d of %d concurrent answers succeeded, want 1", wins, n)
	}
	wins = race(n, func(i int) error {
		return f.s.Rate(f.ctx, queries.Citizen("1.1.1.1"), c.Code, 0, 1+i%5, "web")
	})
	if wins != 1 {
		t.Errorf("%d of %d concurrent ratings succeeded, want 1", wins, n)
	}
}

// race runs fn n times at once and returns how many succeeded; the others
// must fail with ErrConflict.
func race(n int, fn func(i int) error) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range n {
		wg.Go(func() {
			err := fn(i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, queries.ErrConflict):
				wins = -1000 // an unexpected error fails the count
			}
		})
	}
	wg.Wait()
	return wins
}

package queries_test

import (
	"testing"

	"github.com/govhall/govhall/hotline/queries"
)

// TestStatsFromEventsMatchState: the statistics recomputed from the events
// agree with the clocks and queries as stored.
func TestStatsFromEventsMatchState(t *testing.T) {
	f := newFixture(t)
	f.set(at(2025, 3, 3, 10, 0))
	op, mzj := f.actor("operator"), f.actor("liaison_mzj")
	var codes []string
	for i, dep := range []string{"mzj", "mzj", "rsj", "", "mzj", "ybj"} {
		codes = append(codes, f.create(op, queries.NewQuery{Channel: "phone", Question: "问题" + string(rune('A'+i)), Department: dep}).Code)
	}
	f.set(at(2025, 3, 5, 10, 0))
	f.must(f.s.Answer(f.ctx, mzj, codes[0], queries.AnswerInput{Body: "按时答复"}))
	f.must(f.s.Rate(f.ctx, queries.Citizen("x"), codes[0], 0, 5, "web"))
	f.must(f.s.Stop(f.ctx, mzj, codes[4], "补充材料"))
	f.must(f.s.Route(f.ctx, f.actor("liaison_zfb"), codes[3], queries.RouteInput{Department: "mzj"}))
	f.must(f.s.Forward(f.ctx, f.actor("liaison_ybj"), codes[5], "不属于医保"))
	f.must(f.s.Decide(f.ctx, f.actor("liaison_zfb"), f.pendingApproval("liaison_zfb"), queries.Decision{Approve: true, RouteTo: "rsj"}))
	f.set(at(2025, 3, 14, 10, 0))
	f.must(f.s.Answer(f.ctx, mzj, codes[1], queries.AnswerInput{Body: "超期答复"}))
	f.must(f.s.Rate(f.ctx, queries.Citizen("x"), codes[1], 0, 2, "phone"))
	f.must(f.s.Explain(f.ctx, f.actor("liaison_rsj"), codes[2], "迟到的说明"))

	st, err := f.s.Stats(f.ctx, at(2025, 3, 1, 0, 0), at(2025, 4, 1, 0, 0))
	f.must(err)
	var want struct {
		Queries, Answered, Clocks, Overdue, Unexplained, Forwarded int
	}
	f.must(f.db.QueryRow(`SELECT
		(SELECT count(*) FROM queries),
		(SELECT count(*) FROM queries WHERE status = 'answered'),
		(SELECT count(*) FROM query_clocks WHERE complaint_id IS NULL),
		(SELECT count(*) FROM query_clocks WHERE complaint_id IS NULL AND (closed_at > due_at OR (closed_at IS NULL AND stopped_at IS NULL AND due_at < $1))),
		(SELECT count(*) FROM query_clocks WHERE complaint_id IS NULL AND (closed_at > due_at OR (closed_at IS NULL AND stopped_at IS NULL AND due_at < $1))
			AND (explained_at IS NULL OR explained_at > due_at)),
		(SELECT count(*) FROM query_clocks WHERE outcome = 'forwarded')`, f.clock()).
		Scan(&want.Queries, &want.Answered, &want.Clocks, &want.Overdue, &want.Unexplained, &want.Forwarded))
	got := struct{ Queries, Answered, Clocks, Overdue, Unexplained, Forwarded int }{
		st.Queries, st.Answered, st.Clocks, st.Overdue, st.OverdueUnexplained, st.Forwarded}
	if got != want {
		t.Errorf("stats from events %+v, from the tables %+v", got, want)
	}
	if want.Overdue == 0 || want.Forwarded != 1 || st.Ratings != 2 || st.Satisfied != 1 {
		t.Errorf("the fixture should have overdue clocks, a forward and two ratings: %+v", st)
	}
	byDep := map[string]queries.DepartmentStats{}
	for _, d := range st.Departments {
		byDep[d.Department] = d
	}
	if d := byDep["县民政局"]; d.Answered != 2 || d.AvgDaysToAnswer != 5.5 || d.SatisfactionRate != 0.5 {
		t.Errorf("民政局: %+v, want 2 answered in 2 and 9 working days, half satisfied", d)
	}
	if st.ByStatus[queries.Answered] != 2 || st.ByStatus[queries.Assigned] != 4 {
		t.Errorf("by status %v", st.ByStatus)
	}
}

package queries_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/queries"
)

// TestGauges: open queries by status, a clock that runs past its due time
// and the notifications until they are delivered.
func TestGauges(t *testing.T) {
	f := newFixture(t)
	g, err := f.s.Gauges(f.ctx)
	f.must(err)
	if len(g.Open) != 3 || g.Open[queries.Assigned] != 0 || g.Overdue != 0 || g.Unsent != 0 || g.OldestUnsent != 0 {
		t.Fatalf("empty database: %+v", g)
	}
	f.create(queries.Citizen("1.2.3.4"), queries.NewQuery{Channel: "web", Question: "低保怎么申请？", Department: "mzj"})
	f.create(queries.Citizen("1.2.3.4"), queries.NewQuery{Channel: "web", Question: "这件事归哪个部门管？"})
	f.set(at(2025, 10, 20, 9, 0)) // past the 5 working days of both
	g, err = f.s.Gauges(f.ctx)
	f.must(err)
	if g.Open[queries.Assigned] != 1 || g.Open[queries.Accepted] != 1 || g.Overdue != 2 {
		t.Errorf("two open queries past due: %+v, want one assigned, one accepted, two overdue clocks", g)
	}
	if g.Unsent < 1 || g.OldestUnsent < 24*time.Hour || g.GivenUp != 0 {
		t.Errorf("notifications of the new queries: %+v, want unsent ones of weeks ago", g)
	}
	_, err = f.s.Deliver(f.ctx, queries.LogSender{Log: slog.New(slog.DiscardHandler)}, 100)
	f.must(err)
	g, err = f.s.Gauges(f.ctx)
	f.must(err)
	if g.Unsent != 0 || g.OldestUnsent != 0 {
		t.Errorf("after delivery: %+v, want nothing unsent", g)
	}
}

package queries_test

import (
	"testing"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
)

// TestPreviewRebaseCountsWhatRebaseDoes: before a notice is saved, the
// preview counts the open clocks the save then re-dates (a deadline moved
// or made final), leaving closed clocks and those the notice does not
// touch out, and writes nothing.
func TestPreviewRebaseCountsWhatRebaseDoes(t *testing.T) {
	f := newFixture(t)
	f.create(queries.Citizen("1.1.1.1"), queries.NewQuery{Channel: "web", Question: "国庆前受理", Department: "mzj"})
	f.set(at(2026, 12, 21, 10, 0))
	f.create(f.actor("operator"), queries.NewQuery{Channel: "phone", Question: "年底受理", Department: "mzj"})
	f.create(f.actor("operator"), queries.NewQuery{Channel: "phone", Question: "年底受理依申请公开", Department: "mzj", Kind: queries.KindApplication})
	closed := f.create(f.actor("operator"), queries.NewQuery{Channel: "phone", Question: "年底受理已答复", Department: "mzj"})
	f.must(f.s.Answer(f.ctx, f.actor("liaison_mzj"), closed.Code, queries.AnswerInput{Body: "已答复"}))
	notice := calendar.Notice{Year: 2027, Title: "测试：2027年部分节假日安排", PublishedOn: calendar.NewDate(2026, 12, 1), Days: []calendar.Exception{
		{Date: calendar.NewDate(2026, 12, 28), Kind: calendar.RestSwap, Name: "元旦"},
		{Date: calendar.NewDate(2027, 1, 1), Kind: calendar.Holiday, Name: "元旦"},
	}}
	var events int
	count := func() int {
		f.db.Get(&events, `SELECT count(*) FROM query_events WHERE kind = 'clock_redated'`)
		return events
	}
	pre, err := f.cal.Preview(f.ctx, notice, false)
	f.must(err)
	if pre.Rebased != 2 || count() != 0 {
		t.Errorf("preview counts %d clocks (%d events written), want 2 and none", pre.Rebased, events)
	}
	ch, err := f.cal.AddNotice(f.ctx, calendar.Actor{Username: "admin"}, notice)
	f.must(err)
	if ch.Rebased != pre.Rebased || count() != ch.Rebased {
		t.Errorf("the save re-dated %d clocks (%d events), the preview said %d", ch.Rebased, events, pre.Rebased)
	}
	// A correction that changes nothing for the clocks now dated on it.
	again, err := f.cal.Preview(f.ctx, notice, true)
	f.must(err)
	if again.Rebased != 0 {
		t.Errorf("preview of an unchanged correction counts %d clocks, want 0", again.Rebased)
	}
}

package queries

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govhall/govhall/hotline/calendar"
)

// The store re-dates open clocks when a notice changes the calendar.
var _ calendar.Rebaser = (*Store)(nil)

const selectTouched = `SELECT c.id, c.query_id, c.complaint_id, c.department_id, c.kind, c.days, c.extra_days,
		c.stopped_days, c.started_at, c.due_at, c.due_date, c.provisional, c.stopped_at, c.closed_at, c.outcome,
		c.explanation, c.explained_at, q.code
	FROM query_clocks c JOIN queries q ON q.id = c.query_id
	WHERE c.closed_at IS NULL AND (c.started_at AT TIME ZONE INTERVAL '+08:00')::date < $1 AND c.due_date >= $2
	ORDER BY c.query_id, c.id`

// Rebase re-dates every open clock that counted a day of changed, after a
// State Council notice was added or corrected: deadlines move, provisional
// ones become final. It runs inside the calendar's transaction with the new
// calendar, locks the queries it touches (in order of id, as every change
// does) and records a clock_redated event for each clock whose deadline or
// provisional flag changed, which it counts. The calendar store writes the
// audit entry. cmd registers it with calendar.Store.AddRebaser.
func (s *Store) Rebase(ctx context.Context, tx *sqlx.Tx, cal *calendar.Calendar, changed calendar.Range) (int, error) {
	var rows []struct {
		Clock
		Code string `db:"code"`
	}
	if err := tx.SelectContext(ctx, &rows, selectTouched, changed.To, changed.From); err != nil {
		return 0, fmt.Errorf("queries: clocks touched by %s–%s: %w", changed.From, changed.To, err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.QueryID)
	}
	if _, err := tx.ExecContext(ctx, `SELECT id FROM queries WHERE id = ANY($1) ORDER BY id FOR UPDATE`, pq.Array(ids)); err != nil {
		return 0, fmt.Errorf("queries: lock queries to re-date: %w", err)
	}
	n := 0
	var o *op
	for _, r := range rows {
		if o == nil || o.q.ID != r.QueryID {
			if err := flushOp(o); err != nil {
				return 0, err
			}
			o = &op{ctx: ctx, s: s, tx: tx, a: systemActor, now: s.now(), cal: cal, q: query{ID: r.QueryID, Code: r.Code}}
		}
		moved, err := o.rebase(r.Clock, changed)
		if err != nil {
			return 0, err
		}
		if moved {
			n++
		}
	}
	return n, flushOp(o)
}

func flushOp(o *op) error {
	if o == nil {
		return nil
	}
	return o.flush()
}

// rebase re-dates one clock on o.cal and reports whether it moved.
func (o *op) rebase(c Clock, changed calendar.Range) (bool, error) {
	oldDue, oldProvisional := c.DueAt, c.Provisional
	if err := c.date(o.cal); err != nil {
		return false, err
	}
	if c.DueAt.Equal(oldDue) && c.Provisional == oldProvisional {
		return false, nil
	}
	public := ""
	if !c.DueAt.Equal(oldDue) {
		public = fmt.Sprintf("因国务院节假日安排调整，办理时限调整为%s", c.DueDate)
	}
	if err := o.redate(c, "clock_redated", public, ""); err != nil {
		return false, err
	}
	e := &o.events[len(o.events)-1]
	e.detail["old_due_at"] = oldDue.Format(time.RFC3339)
	e.detail["changed_from"], e.detail["changed_to"] = changed.From.String(), changed.To.String()
	return true, nil
}

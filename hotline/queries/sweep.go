package queries

import (
	"context"
	"fmt"

	"github.com/govhall/govhall/hotline/calendar"
)

// Swept counts what a Sweep flagged.
type Swept struct {
	DueSoon int `json:"due_soon"`
	Overdue int `json:"overdue"`
	Redated int `json:"redated"`
}

// sweepBatch bounds the clocks one Sweep looks at per kind; the next round
// takes the rest.
const sweepBatch = 500

const (
	selectDueSoon = `SELECT id, query_id FROM query_clocks
		WHERE closed_at IS NULL AND stopped_at IS NULL AND NOT due_soon_notified AND due_at >= $1 AND due_at <= $2
		ORDER BY due_at LIMIT $3`
	selectOverdue = `SELECT id, query_id FROM query_clocks
		WHERE closed_at IS NULL AND stopped_at IS NULL AND NOT overdue_notified AND due_at < $1
		ORDER BY due_at LIMIT $2`
)

// Sweep first re-dates open clocks dated on an outdated calendar (see
// redateStale), then finds running clocks that fall due within DueSoonDays
// working days or have passed their deadline and were not flagged yet, and
// flags each once: an event (due_soon, or overdue with whether it is accountable) and
// notifications to the department's liaisons, and for overdue clocks to the
// supervisors too, in one transaction per clock.
func (s *Store) Sweep(ctx context.Context) (Swept, error) {
	var out Swept
	var err error
	if out.Redated, err = s.redateStale(ctx); err != nil {
		return out, err
	}
	now := s.now()
	cal := s.cal.Calendar()
	cutoff := cal.CloseOfBusiness(cal.AddWorkingDays(calendar.DateOf(now), s.dueSoon))
	var soon, late []struct {
		Clock int64 `db:"id"`
		Query int64 `db:"query_id"`
	}
	if err := s.db.SelectContext(ctx, &soon, selectDueSoon, now, cutoff, sweepBatch); err != nil {
		return out, fmt.Errorf("queries: find clocks due soon: %w", err)
	}
	if err := s.db.SelectContext(ctx, &late, selectOverdue, now, sweepBatch); err != nil {
		return out, fmt.Errorf("queries: find overdue clocks: %w", err)
	}
	for _, c := range soon {
		flagged, err := s.flag(ctx, c.Query, c.Clock, false)
		if err != nil {
			return out, err
		}
		out.DueSoon += flagged
	}
	for _, c := range late {
		flagged, err := s.flag(ctx, c.Query, c.Clock, true)
		if err != nil {
			return out, err
		}
		out.Overdue += flagged
	}
	return out, nil
}

// flag marks one clock due soon or overdue under the query's lock, after
// checking that it still is; it returns 1 when it flagged it.
func (s *Store) flag(ctx context.Context, queryID, clockID int64, overdue bool) (int, error) {
	n := 0
	err := s.changeByID(ctx, systemActor, queryID, func(o *op) error {
		var c Clock
		if err := o.tx.GetContext(o.ctx, &c, `SELECT `+clockColumns+` FROM query_clocks WHERE id = $1`, clockID); err != nil {
			return fmt.Errorf("queries: clock %d: %w", clockID, err)
		}
		if c.ClosedAt.Valid || c.StoppedAt.Valid || overdue != o.now.After(c.DueAt) {
			return nil
		}
		col, kind := "due_soon_notified", noteDueSoon
		if overdue {
			col, kind = "overdue_notified", noteOverdue
		}
		if _, err := o.tx.ExecContext(o.ctx, `UPDATE query_clocks SET `+col+` = true WHERE id = $1`, c.ID); err != nil {
			return fmt.Errorf("queries: flag clock %d: %w", c.ID, err)
		}
		o.emit(event{kind: kind, dep: c.DepartmentID.Int64, clock: c.ID, due: c.DueAt,
			detail: map[string]any{"explained": c.Explained(), "accountable": overdue && !c.Explained()}})
		o.notify(kind, c.DepartmentID.Int64, c.ID)
		if overdue && c.DepartmentID.Valid {
			o.notify(kind, 0, c.ID)
		}
		n = 1
		return nil
	})
	return n, err
}

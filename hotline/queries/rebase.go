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

// lockTouched locks the queries of the clocks selectTouched reads, first, so
// that the clocks read next cannot change before they are re-dated.
const lockTouched = `SELECT q.id FROM queries q WHERE q.id IN (SELECT c.query_id FROM query_clocks c
		WHERE c.closed_at IS NULL AND (c.started_at AT TIME ZONE INTERVAL '+08:00')::date < $1 AND c.due_date >= $2)
	ORDER BY q.id FOR UPDATE OF q`

// Rebase re-dates every open clock that counted a day of changed, after a
// State Council notice was added or corrected: deadlines move, provisional
// ones become final. It runs inside the calendar's transaction with the new
// calendar, locks the queries it touches (in order of id, as every change
// does) and records a clock_redated event for each clock whose deadline or
// provisional flag changed, which it counts. The calendar store writes the
// audit entry. cmd registers it with calendar.Store.AddRebaser.
func (s *Store) Rebase(ctx context.Context, tx *sqlx.Tx, cal *calendar.Calendar, changed calendar.Range) (int, error) {
	if _, err := tx.ExecContext(ctx, lockTouched, changed.To, changed.From); err != nil {
		return 0, fmt.Errorf("queries: lock queries to re-date: %w", err)
	}
	var rows []touched
	if err := tx.SelectContext(ctx, &rows, selectTouched, changed.To, changed.From); err != nil {
		return 0, fmt.Errorf("queries: clocks touched by %s–%s: %w", changed.From, changed.To, err)
	}
	return s.rebaseRows(ctx, tx, cal, rows, map[string]any{"changed_from": changed.From.String(), "changed_to": changed.To.String()})
}

// touched is an open clock to re-date, with its query's code.
type touched struct {
	Clock
	Code string `db:"code"`
}

// rebaseRows re-dates rows, ordered by query, on cal in tx, which holds
// their queries' locks; detail goes into each event.
func (s *Store) rebaseRows(ctx context.Context, tx *sqlx.Tx, cal *calendar.Calendar, rows []touched, detail map[string]any) (int, error) {
	n := 0
	var o *op
	for _, r := range rows {
		if o == nil || o.q.ID != r.QueryID {
			if err := flushOp(o); err != nil {
				return 0, err
			}
			o = &op{ctx: ctx, s: s, tx: tx, a: systemActor, now: s.now(), cal: cal, q: query{ID: r.QueryID, Code: r.Code}}
		}
		moved, err := o.rebase(r.Clock, detail)
		if err != nil {
			return 0, err
		}
		if moved {
			n++
		}
	}
	if err := flushOp(o); err != nil {
		return 0, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	// Clocks whose deadline did not move are now dated on cal too.
	const q = `UPDATE query_clocks SET calendar_version = $1 WHERE id = ANY($2)`
	if _, err := tx.ExecContext(ctx, q, cal.Version(), pq.Array(ids)); err != nil {
		return 0, fmt.Errorf("queries: mark clocks dated: %w", err)
	}
	return n, nil
}

func flushOp(o *op) error {
	if o == nil {
		return nil
	}
	return o.flush()
}

// rebase re-dates one clock on o.cal and reports whether it moved.
func (o *op) rebase(c Clock, detail map[string]any) (bool, error) {
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
	for k, v := range detail {
		e.detail[k] = v
	}
	return true, nil
}

const (
	selectCalendarVersion = `SELECT COALESCE(string_agg(year || '.' || version, ',' ORDER BY year), '') FROM calendar_notices`
	lockStale             = `SELECT q.id FROM queries q WHERE q.id IN (SELECT c.query_id FROM query_clocks c
			WHERE c.closed_at IS NULL AND c.calendar_version <> $1 LIMIT $2)
		ORDER BY q.id FOR UPDATE OF q`
	selectStale = `SELECT c.id, c.query_id, c.complaint_id, c.department_id, c.kind, c.days, c.extra_days,
			c.stopped_days, c.started_at, c.due_at, c.due_date, c.provisional, c.stopped_at, c.closed_at, c.outcome,
			c.explanation, c.explained_at, q.code
		FROM query_clocks c JOIN queries q ON q.id = c.query_id
		WHERE c.closed_at IS NULL AND c.calendar_version <> $1 AND q.id = ANY($2)
		ORDER BY c.query_id, c.id`
)

// redateStale re-dates open clocks dated on another calendar than the
// current one: a clock opened in the instant a notice changed, before this
// process installed the new calendar, escapes the Rebaser. It does nothing
// unless this process's calendar is the one stored, so it never dates a
// clock back on an outdated snapshot.
func (s *Store) redateStale(ctx context.Context) (int, error) {
	cal := s.cal.Calendar()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("queries: begin re-dating: %w", err)
	}
	defer tx.Rollback()
	var stored string
	if err := tx.GetContext(ctx, &stored, selectCalendarVersion); err != nil {
		return 0, fmt.Errorf("queries: calendar version: %w", err)
	}
	if stored != cal.Version() {
		return 0, nil
	}
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, lockStale, stored, sweepBatch); err != nil || len(ids) == 0 {
		return 0, orWrap(err, "queries: lock clocks to re-date")
	}
	var rows []touched
	if err := tx.SelectContext(ctx, &rows, selectStale, stored, pq.Array(ids)); err != nil {
		return 0, fmt.Errorf("queries: clocks to re-date: %w", err)
	}
	n, err := s.rebaseRows(ctx, tx, cal, rows, map[string]any{"stale_calendar": true})
	if err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

func orWrap(err error, msg string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", msg, err)
	}
	return nil
}

// The store can tell an admin, before a notice is saved, how many clocks it
// would re-date.
var _ calendar.RebasePreviewer = (*Store)(nil)

// PreviewRebase counts the open clocks Rebase would re-date for cal and
// changed (their deadline or provisional flag would change), reading
// through q and writing nothing.
func (s *Store) PreviewRebase(ctx context.Context, q sqlx.QueryerContext, cal *calendar.Calendar, changed calendar.Range) (int, error) {
	var rows []touched
	if err := sqlx.SelectContext(ctx, q, &rows, selectTouched, changed.To, changed.From); err != nil {
		return 0, fmt.Errorf("queries: clocks touched by %s–%s: %w", changed.From, changed.To, err)
	}
	n := 0
	for _, r := range rows {
		c := r.Clock
		oldDue, oldProvisional := c.DueAt, c.Provisional
		if err := c.date(cal); err != nil {
			return 0, err
		}
		if !c.DueAt.Equal(oldDue) || c.Provisional != oldProvisional {
			n++
		}
	}
	return n, nil
}

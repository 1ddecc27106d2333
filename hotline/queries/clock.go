package queries

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
)

// Clock is one time limit in working days: a department's (or, for a
// complaint, the supervision office's) deadline on a query.
type Clock struct {
	ID           int64          `db:"id" json:"id"`
	QueryID      int64          `db:"query_id" json:"-"`
	ComplaintID  sql.NullInt64  `db:"complaint_id" json:"-"`
	DepartmentID sql.NullInt64  `db:"department_id" json:"-"`
	Kind         calendar.Limit `db:"kind" json:"kind"`
	Days         int            `db:"days" json:"days"`
	ExtraDays    int            `db:"extra_days" json:"extra_days"`
	StoppedDays  int            `db:"stopped_days" json:"stopped_days"`
	StartedAt    time.Time      `db:"started_at" json:"started_at"`
	DueAt        time.Time      `db:"due_at" json:"due_at"`
	DueDate      calendar.Date  `db:"due_date" json:"due_date"`
	Provisional  bool           `db:"provisional" json:"provisional"`
	StoppedAt    sql.NullTime   `db:"stopped_at" json:"-"`
	ClosedAt     sql.NullTime   `db:"closed_at" json:"-"`
	Outcome      sql.NullString `db:"outcome" json:"-"`
	Explanation  string         `db:"explanation" json:"explanation,omitempty"`
	ExplainedAt  sql.NullTime   `db:"explained_at" json:"-"`
	SignedAt     sql.NullTime   `db:"signed_at" json:"-"` // 签收 by the department's liaison
	// DepartmentName is filled in where the department is read with it.
	DepartmentName string `db:"department_name" json:"-"`
}

const clockColumns = `id, query_id, complaint_id, department_id, kind, days, extra_days, stopped_days,
	started_at, due_at, due_date, provisional, stopped_at, closed_at, outcome, explanation, explained_at, signed_at`

// Overdue reports whether the clock missed its deadline: it closed after it
// or is open, running and past it at now.
func (c Clock) Overdue(now time.Time) bool {
	if c.ClosedAt.Valid {
		return c.ClosedAt.Time.After(c.DueAt)
	}
	return !c.StoppedAt.Valid && now.After(c.DueAt)
}

// Explained reports whether the department recorded a public explanation
// before the deadline passed.
func (c Clock) Explained() bool {
	return c.ExplainedAt.Valid && !c.ExplainedAt.Time.After(c.DueAt)
}

// Accountable reports whether the clock is overdue without an explanation
// given in time, which the statistics flag for accountability (问责).
func (c Clock) Accountable(now time.Time) bool { return c.Overdue(now) && !c.Explained() }

// baseDays is the limit of a department's first clock on a query of kind.
func baseDays(kind string) (calendar.Limit, int) {
	switch kind {
	case KindComplex:
		return calendar.Complex, calendar.Complex.Days()
	case KindApplication:
		return calendar.Application, calendar.Application.Days()
	}
	return calendar.Ordinary, calendar.Ordinary.Days()
}

// total is the working days the clock counts from its start.
func (c Clock) total() int { return c.Days + c.ExtraDays + c.StoppedDays }

// date computes the clock's deadline on cal from its start and counts.
func (c *Clock) date(cal *calendar.Calendar) error {
	d, err := cal.Due(c.StartedAt, c.total())
	if err != nil {
		return fmt.Errorf("queries: date clock: %w", err)
	}
	c.DueAt, c.DueDate, c.Provisional = d.At, d.Date, d.Provisional
	return nil
}

const insertClock = `INSERT INTO query_clocks (query_id, complaint_id, department_id, kind, days, extra_days,
		started_at, due_at, due_date, provisional, calendar_version)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`

// openClock starts a clock on the locked query and records clock_started.
// depID is 0 for a complaint's clock.
func (o *op) openClock(c Clock) (Clock, error) {
	c.QueryID = o.q.ID
	if err := c.date(o.cal); err != nil {
		return c, err
	}
	err := o.tx.GetContext(o.ctx, &c.ID, insertClock, c.QueryID, c.ComplaintID, c.DepartmentID, c.Kind, c.Days,
		c.ExtraDays, c.StartedAt, c.DueAt, c.DueDate, c.Provisional, o.cal.Version())
	if err != nil {
		return c, fmt.Errorf("queries: start clock on %s: %w", o.q.Code, err)
	}
	o.emit(event{kind: "clock_started", dep: c.DepartmentID.Int64, clock: c.ID, due: c.DueAt,
		detail: map[string]any{"limit": c.Kind, "days": c.total(), "started_at": c.StartedAt, "provisional": c.Provisional}})
	o.last = c
	return c, nil
}

// departmentClock opens the clock of department dep for the locked query's
// current segment: it starts where the segment started (acceptance, or the
// hand-over from the previous department) and gains 5 working days per pass
// through a government office.
func (o *op) departmentClock(dep int64) (Clock, error) {
	kind, days := baseDays(o.q.Kind)
	return o.openClock(Clock{DepartmentID: valid(dep), Kind: kind, Days: days,
		ExtraDays: o.q.SegmentPasses * calendar.Forward.Days(), StartedAt: o.q.SegmentStartedAt})
}

// routingClock opens the government office's own clock of 5 working days to
// route the query, from now.
func (o *op) routingClock(gov int64) (Clock, error) {
	return o.openClock(Clock{DepartmentID: valid(gov), Kind: calendar.Forward, Days: calendar.Forward.Days(), StartedAt: o.now})
}

func valid(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// currentClock returns the locked query's open department clock.
func (o *op) currentClock() (Clock, error) {
	var c Clock
	err := o.tx.GetContext(o.ctx, &c, `SELECT `+clockColumns+`, (SELECT name FROM departments d WHERE d.id = department_id) AS department_name
		FROM query_clocks WHERE query_id = $1 AND complaint_id IS NULL AND closed_at IS NULL`, o.q.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, conflict("查询单 %s 没有正在计时的办理时限", o.q.Code)
	}
	if err != nil {
		return c, fmt.Errorf("queries: clock of %s: %w", o.q.Code, err)
	}
	return c, nil
}

// closeClock stops c for good with an outcome and records clock_closed.
func (o *op) closeClock(c Clock, outcome string) error {
	const q = `UPDATE query_clocks SET closed_at = $2, outcome = $3, stopped_at = NULL WHERE id = $1`
	if _, err := o.tx.ExecContext(o.ctx, q, c.ID, o.now, outcome); err != nil {
		return fmt.Errorf("queries: close clock %d: %w", c.ID, err)
	}
	if c.StoppedAt.Valid {
		if _, err := o.tx.ExecContext(o.ctx, `UPDATE query_clock_stops SET resumed_at = $2, working_days = 0
			WHERE clock_id = $1 AND resumed_at IS NULL`, c.ID, o.now); err != nil {
			return fmt.Errorf("queries: end stop of clock %d: %w", c.ID, err)
		}
	}
	c.ClosedAt = sql.NullTime{Time: o.now, Valid: true}
	o.emit(event{kind: "clock_closed", dep: c.DepartmentID.Int64, clock: c.ID,
		detail: map[string]any{"outcome": outcome, "overdue": c.Overdue(o.now), "accountable": c.Accountable(o.now)}})
	return nil
}

// redate stores c's new deadline and records an event of kind with it.
func (o *op) redate(c Clock, kind, public, reason string) error {
	const q = `UPDATE query_clocks SET kind = $2, days = $3, stopped_days = $4, due_at = $5, due_date = $6,
		provisional = $7, calendar_version = $8, due_soon_notified = false, overdue_notified = false WHERE id = $1`
	_, err := o.tx.ExecContext(o.ctx, q, c.ID, c.Kind, c.Days, c.StoppedDays, c.DueAt, c.DueDate, c.Provisional, o.cal.Version())
	if err != nil {
		return fmt.Errorf("queries: re-date clock %d: %w", c.ID, err)
	}
	o.emit(event{kind: kind, dep: c.DepartmentID.Int64, clock: c.ID, due: c.DueAt, public: public, reason: reason,
		detail: map[string]any{"limit": c.Kind, "days": c.total(), "provisional": c.Provisional}})
	return nil
}

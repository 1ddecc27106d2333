package queries

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govhall/govhall/hotline/calendar"
)

// query is the stored row of a query.
type query struct {
	ID                int64         `db:"id"`
	Code              string        `db:"code"`
	Channel           string        `db:"channel"`
	Kind              string        `db:"kind"`
	Question          string        `db:"question"`
	AskerName         string        `db:"asker_name"`
	AskerPhone        string        `db:"asker_phone"`
	Status            Status        `db:"status"`
	DepartmentID      int64         `db:"department_id"`
	FirstDepartmentID sql.NullInt64 `db:"first_department_id"`
	Pending           pq.Int64Array `db:"pending_departments"`
	SegmentStartedAt  time.Time     `db:"segment_started_at"`
	SegmentPasses     int           `db:"segment_passes"`
	SIPCallID         string        `db:"sip_call_id"`
	AcceptedAt        time.Time     `db:"accepted_at"`
	AnsweredAt        sql.NullTime  `db:"answered_at"`
	Version           int           `db:"version"`
}

const queryColumns = `id, code, channel, kind, question, asker_name, asker_phone, status, department_id,
	first_department_id, pending_departments, segment_started_at, segment_passes, sip_call_id,
	accepted_at, answered_at, version`

// event is a row of query_events about to be written.
type event struct {
	kind   string
	status Status // the query's status after the event, when it changed
	dep    int64
	clock  int64
	due    time.Time // zero: none
	public string
	reason string
	detail map[string]any
}

// op is one change to one query, in one transaction holding the query's
// row lock. Events and notifications collect in it and are written at the
// end, in the same transaction.
type op struct {
	ctx    context.Context
	s      *Store
	tx     *sqlx.Tx
	a      Actor
	now    time.Time
	cal    *calendar.Calendar
	q      query
	saved  query // q as stored, to skip writing it unchanged
	bumped bool  // the version was raised already
	last   Clock // the clock opened last
	events []event
	notes  []notification
}

// change runs fn on the query with the given code, locked FOR UPDATE, and
// commits its writes, events and notifications together, bumping the
// query's version. It fails with ErrBadCode for a malformed code and
// ErrNotFound for an unknown one; fn's error rolls everything back.
func (s *Store) change(ctx context.Context, a Actor, code string, fn func(*op) error) error {
	code, err := ParseCode(code)
	if err != nil {
		return err
	}
	return s.inTx(ctx, a, func(o *op) error {
		if err := o.lock(`code = $1`, code); err != nil {
			return err
		}
		return fn(o)
	})
}

// changeByID is change for a query known by id (from a complaint or an
// approval).
func (s *Store) changeByID(ctx context.Context, a Actor, id int64, fn func(*op) error) error {
	return s.inTx(ctx, a, func(o *op) error {
		if err := o.lock(`id = $1`, id); err != nil {
			return err
		}
		return fn(o)
	})
}

// inTx runs fn in a new transaction and op, then writes the collected events
// and notifications and commits.
func (s *Store) inTx(ctx context.Context, a Actor, fn func(*op) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("queries: begin: %w", err)
	}
	defer tx.Rollback()
	o := &op{ctx: ctx, s: s, tx: tx, a: a, now: s.now(), cal: s.cal.Calendar()}
	if err := fn(o); err != nil {
		return err
	}
	if err := o.flush(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("queries: commit: %w", err)
	}
	if len(o.notes) > 0 {
		select { // Run delivers at once (the consoles show it live)
		case s.queued <- struct{}{}:
		default:
		}
	}
	return nil
}

// lock reads and locks the query matching where.
func (o *op) lock(where string, arg any) error {
	err := o.tx.GetContext(o.ctx, &o.q, `SELECT `+queryColumns+` FROM queries WHERE `+where+` FOR UPDATE`, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: 没有找到该查询单，请核对查询码", ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("queries: lock query: %w", err)
	}
	o.saved = o.q
	// The calendar is read after the lock: a notice change that re-dated
	// this query's clocks has committed by now.
	o.cal = o.s.cal.Calendar()
	return nil
}

// emit adds an event about the locked query.
func (o *op) emit(e event) { o.events = append(o.events, e) }

// flush writes the events (one statement), the notifications and the
// query's new version.
func (o *op) flush() error {
	if len(o.events) == 0 {
		return nil
	}
	if err := o.writeEvents(); err != nil {
		return err
	}
	if err := o.writeNotes(); err != nil {
		return err
	}
	if o.bumped {
		return nil
	}
	if _, err := o.tx.ExecContext(o.ctx, `UPDATE queries SET version = version + 1 WHERE id = $1`, o.q.ID); err != nil {
		return fmt.Errorf("queries: bump version of %s: %w", o.q.Code, err)
	}
	return nil
}

const insertEvents = `INSERT INTO query_events (query_id, at, account_id, actor, kind, status, department_id,
		clock_id, due_at, public_text, reason, detail)
	SELECT $1, $2, NULLIF($3, 0), $4, e.kind, NULLIF(e.status, ''), NULLIF(e.dep, 0), NULLIF(e.clock, 0),
		NULLIF(e.due, '')::timestamptz, e.public, e.reason, e.detail::jsonb
	FROM unnest($5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[])
		AS e(kind, status, dep, clock, due, public, reason, detail)`

func (o *op) writeEvents() error {
	n := len(o.events)
	kinds, statuses, dues, pubs, reasons, details := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	deps, clocks := make([]int64, n), make([]int64, n)
	for i, e := range o.events {
		kinds[i], statuses[i], deps[i], clocks[i] = e.kind, string(e.status), e.dep, e.clock
		pubs[i], reasons[i] = e.public, e.reason
		if !e.due.IsZero() {
			dues[i] = e.due.Format(time.RFC3339Nano)
		}
		js, err := json.Marshal(orEmpty(e.detail))
		if err != nil {
			return fmt.Errorf("queries: event detail: %w", err)
		}
		details[i] = string(js)
	}
	_, err := o.tx.ExecContext(o.ctx, insertEvents, o.q.ID, o.now, o.a.AccountID, o.actorName(),
		pq.Array(kinds), pq.Array(statuses), pq.Array(deps), pq.Array(clocks), pq.Array(dues),
		pq.Array(pubs), pq.Array(reasons), pq.Array(details))
	if err != nil {
		return fmt.Errorf("queries: write events of %s: %w", o.q.Code, err)
	}
	return nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func (o *op) actorName() string {
	if o.a.Username == "" {
		return "citizen"
	}
	return o.a.Username
}

// setQuery writes the mutable columns of the locked query from o.q, and a
// new version, unless nothing changed.
func (o *op) setQuery() error {
	if o.unchanged() {
		return nil
	}
	const q = `UPDATE queries SET kind = $2, status = $3, department_id = $4, first_department_id = $5,
		pending_departments = COALESCE($6::bigint[], '{}'), segment_started_at = $7, segment_passes = $8,
		answered_at = $9, version = version + 1
		WHERE id = $1`
	_, err := o.tx.ExecContext(o.ctx, q, o.q.ID, o.q.Kind, o.q.Status, o.q.DepartmentID, o.q.FirstDepartmentID,
		o.q.Pending, o.q.SegmentStartedAt, o.q.SegmentPasses, o.q.AnsweredAt)
	if err != nil {
		return fmt.Errorf("queries: update %s: %w", o.q.Code, err)
	}
	o.saved, o.bumped = o.q, true
	return nil
}

// unchanged reports whether o.q equals the stored row.
func (o *op) unchanged() bool {
	a, b := o.q, o.saved
	return a.Kind == b.Kind && a.Status == b.Status && a.DepartmentID == b.DepartmentID &&
		a.FirstDepartmentID == b.FirstDepartmentID && slices.Equal(a.Pending, b.Pending) &&
		a.SegmentStartedAt.Equal(b.SegmentStartedAt) && a.SegmentPasses == b.SegmentPasses && a.AnsweredAt == b.AnsweredAt
}

package calendar

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Store keeps the notices in PostgreSQL (tables calendar_notices and
// calendar_days) and the calendar built from them in memory.
type Store struct {
	db    *sqlx.DB
	hours Hours
	cur   atomic.Pointer[Calendar]

	mu       sync.Mutex
	rebasers []Rebaser
}

// Actor is the staff member behind a change, for the audit log.
type Actor struct {
	AccountID int64 // 0 when not an account (a script)
	Username  string
	IP        string
}

// Change reports what AddNotice or ReplaceYear did.
type Change struct {
	Year    int   `json:"year"`
	Version int   `json:"version"`
	Changed bool  `json:"changed"` // false when no date changed status
	Range   Range `json:"range"`   // the dates that changed, when Changed
	Rebased int   `json:"rebased"` // items the Rebasers re-dated
}

// Open returns a store with the calendar loaded from db, using the given
// office hours. It fails when the notices cannot be read or are invalid.
func Open(ctx context.Context, db *sqlx.DB, hours Hours) (*Store, error) {
	s := &Store{db: db, hours: hours}
	if _, err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Calendar returns the current snapshot. It never returns nil and never
// changes; a later AddNotice, ReplaceYear or Reload installs a new one.
func (s *Store) Calendar() *Calendar { return s.cur.Load() }

// Reload reads the notices again, installs and returns the new snapshot. A
// server with several instances calls it when another instance changed a
// notice. It fails when the notices cannot be read or are invalid, leaving
// the previous snapshot in place.
func (s *Store) Reload(ctx context.Context) (*Calendar, error) {
	c, err := load(ctx, s.db, s.hours)
	if err != nil {
		return nil, err
	}
	s.cur.Store(c)
	return c, nil
}

// AddRebaser registers r to be called inside every later notice change. The
// queries package registers its clocks here (wired in cmd).
func (s *Store) AddRebaser(r Rebaser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rebasers = append(s.rebasers, r)
}

// Notices returns the stored notices in order of year, with their days.
func (s *Store) Notices(ctx context.Context) ([]Notice, error) {
	c, err := load(ctx, s.db, s.hours)
	if err != nil {
		return nil, err
	}
	return c.Notices(), nil
}

const (
	selectNotices = `SELECT year, doc_number, title, published_on, version FROM calendar_notices ORDER BY year`
	selectDays    = `SELECT day, year, kind, name FROM calendar_days ORDER BY day`
)

// load builds a calendar from the rows q sees.
func load(ctx context.Context, q sqlx.QueryerContext, hours Hours) (*Calendar, error) {
	var notices []Notice
	if err := sqlx.SelectContext(ctx, q, &notices, selectNotices); err != nil {
		return nil, fmt.Errorf("calendar: load notices: %w", err)
	}
	var days []struct {
		Exception
		Year int `db:"year"`
	}
	if err := sqlx.SelectContext(ctx, q, &days, selectDays); err != nil {
		return nil, fmt.Errorf("calendar: load days: %w", err)
	}
	byYear := map[int]int{}
	for i, n := range notices {
		byYear[n.Year] = i
	}
	for _, d := range days {
		n := &notices[byYear[d.Year]]
		n.Days = append(n.Days, d.Exception)
	}
	c, err := New(notices, hours)
	if err != nil {
		return nil, fmt.Errorf("calendar: stored notices: %w", err)
	}
	return c, nil
}

// AddNotice stores the notice of a year not yet in the calendar, calls the
// Rebasers, writes an audit entry (calendar.notice.add) and installs the new
// snapshot, all or nothing. It fails with a *FieldError for an invalid
// notice and with ErrExists when the year already has one (use ReplaceYear).
func (s *Store) AddNotice(ctx context.Context, a Actor, n Notice) (Change, error) {
	return s.change(ctx, a, n, false)
}

// ReplaceYear replaces the notice of a year and all its dates, for a
// corrected or supplementary notice, as AddNotice does (audit action
// calendar.notice.replace). It fails with ErrNotFound when the year has no
// notice yet.
func (s *Store) ReplaceYear(ctx context.Context, a Actor, n Notice) (Change, error) {
	return s.change(ctx, a, n, true)
}

// change is AddNotice and ReplaceYear.
func (s *Store) change(ctx context.Context, a Actor, n Notice, replace bool) (Change, error) {
	if err := n.Validate(); err != nil {
		return Change{}, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Change{}, fmt.Errorf("calendar: begin: %w", err)
	}
	defer tx.Rollback()
	// One change at a time, so each sees the calendar the previous one left.
	if _, err := tx.ExecContext(ctx, `LOCK TABLE calendar_notices IN EXCLUSIVE MODE`); err != nil {
		return Change{}, fmt.Errorf("calendar: lock notices: %w", err)
	}
	old, err := load(ctx, tx, s.hours)
	if err != nil {
		return Change{}, err
	}
	next, ch, err := s.write(ctx, tx, a, old, n, replace)
	if err != nil {
		return Change{}, err
	}
	if ch.Rebased, err = s.rebase(ctx, tx, next, ch); err != nil {
		return Change{}, err
	}
	if err := audit(ctx, tx, a, n, ch, replace); err != nil {
		return Change{}, err
	}
	if err := tx.Commit(); err != nil {
		return Change{}, fmt.Errorf("calendar: commit notice %d: %w", n.Year, err)
	}
	s.cur.Store(next)
	return ch, nil
}

// write stores n over old in tx and returns the resulting calendar and what
// changed.
func (s *Store) write(ctx context.Context, tx *sqlx.Tx, a Actor, old *Calendar, n Notice, replace bool) (*Calendar, Change, error) {
	next, ch, exists, err := s.apply(old, n, replace)
	if err != nil {
		return nil, Change{}, err
	}
	n.Version = ch.Version
	if err := store(ctx, tx, a, n, exists); err != nil {
		return nil, Change{}, err
	}
	return next, ch, nil
}

// apply returns the calendar with n over old and what changes, and whether
// n's year had a notice.
func (s *Store) apply(old *Calendar, n Notice, replace bool) (*Calendar, Change, bool, error) {
	prev, exists := old.Notice(n.Year)
	switch {
	case exists && !replace:
		return nil, Change{}, exists, fmt.Errorf("%w: the notice of %d (use ReplaceYear to correct it)", ErrExists, n.Year)
	case !exists && replace:
		return nil, Change{}, exists, fmt.Errorf("%w: no notice of %d to replace (use AddNotice)", ErrNotFound, n.Year)
	}
	n.Version = prev.Version + 1
	notices := old.Notices()
	if exists {
		notices = withoutYear(notices, n.Year)
	}
	next, err := New(append(notices, n), s.hours)
	if err != nil {
		return nil, Change{}, exists, err
	}
	r, changed := Changed(old, next)
	return next, Change{Year: n.Year, Version: n.Version, Changed: changed, Range: r}, exists, nil
}

func withoutYear(ns []Notice, year int) []Notice {
	out := ns[:0]
	for _, n := range ns {
		if n.Year != year {
			out = append(out, n)
		}
	}
	return out
}

const (
	insertNotice = `INSERT INTO calendar_notices (year, doc_number, title, published_on, version, updated_by)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0))`
	updateNotice = `UPDATE calendar_notices SET doc_number = $2, title = $3, published_on = $4,
		version = $5, updated_by = NULLIF($6, 0), updated_at = now() WHERE year = $1`
	deleteDays = `DELETE FROM calendar_days WHERE year = $1`
	insertDays = `INSERT INTO calendar_days (day, year, kind, name)
		SELECT unnest($1::date[]), $2, unnest($3::text[]), unnest($4::text[])`
)

// store writes the notice row (inserting or updating) and its days.
func store(ctx context.Context, tx *sqlx.Tx, a Actor, n Notice, exists bool) error {
	q := insertNotice
	if exists {
		q = updateNotice
	}
	if _, err := tx.ExecContext(ctx, q, n.Year, n.DocNumber, n.Title, n.PublishedOn, n.Version, a.AccountID); err != nil {
		return fmt.Errorf("calendar: store notice %d: %w", n.Year, err)
	}
	if _, err := tx.ExecContext(ctx, deleteDays, n.Year); err != nil {
		return fmt.Errorf("calendar: clear days of %d: %w", n.Year, err)
	}
	dates, kinds, names := make([]string, len(n.Days)), make([]string, len(n.Days)), make([]string, len(n.Days))
	for i, e := range n.Days {
		dates[i], kinds[i], names[i] = e.Date.String(), string(e.Kind), e.Name
	}
	if _, err := tx.ExecContext(ctx, insertDays, pq.Array(dates), n.Year, pq.Array(kinds), pq.Array(names)); err != nil {
		return fmt.Errorf("calendar: store days of %d: %w", n.Year, err)
	}
	return nil
}

// rebase calls the registered Rebasers when a date changed.
func (s *Store) rebase(ctx context.Context, tx *sqlx.Tx, next *Calendar, ch Change) (int, error) {
	if !ch.Changed {
		return 0, nil
	}
	s.mu.Lock()
	rs := append([]Rebaser(nil), s.rebasers...)
	s.mu.Unlock()
	total := 0
	for _, r := range rs {
		n, err := r.Rebase(ctx, tx, next, ch.Range)
		if err != nil {
			return 0, fmt.Errorf("calendar: re-date after notice %d: %w", ch.Year, err)
		}
		total += n
	}
	return total, nil
}

// audit writes the audit entry of a notice change in tx.
func audit(ctx context.Context, tx *sqlx.Tx, a Actor, n Notice, ch Change, replace bool) error {
	action := "calendar.notice.add"
	if replace {
		action = "calendar.notice.replace"
	}
	detail := map[string]any{
		"doc_number": n.DocNumber, "title": n.Title, "published_on": n.PublishedOn,
		"version": ch.Version, "days": len(n.Days), "changed": ch.Changed, "rebased": ch.Rebased,
	}
	if ch.Changed {
		detail["changed_from"], detail["changed_to"] = ch.Range.From, ch.Range.To
	}
	js, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("calendar: audit detail: %w", err)
	}
	const q = `INSERT INTO audit_log (account_id, actor, ip, action, object_type, object_id, detail)
		VALUES (NULLIF($1, 0), $2, $3, $4, 'calendar_notice', $5, $6)`
	if _, err := tx.ExecContext(ctx, q, a.AccountID, a.Username, a.IP, action, fmt.Sprint(n.Year), js); err != nil {
		return fmt.Errorf("calendar: audit %s: %w", action, err)
	}
	return nil
}

// Package stats computes the indicators of the 96128 hotline and of the
// tracked queries (话务与查询单统计) over govhall's own records — calls with
// their legs, holds, wrap-ups and transfers, operator states, queries with
// their clocks, answers, ratings and complaints — for a period of whole days
// in Asia/Shanghai, for the whole line or one department, and by operator,
// department, liaison, channel and category. Each indicator is defined
// once, as a ratio, mean or count of sets of records (sets.go); the page,
// the drill-down lists ("which ones?"), the CSV, XLSX and PDF exports and
// the kept monthly reports are all rendered from the one Report it builds.
package stats

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
)

// Errors of the package.
var (
	ErrInvalid  = errors.New("stats: invalid input")
	ErrNotFound = errors.New("stats: not found")
)

// FieldError names the field of a rejected input and says what is wrong in
// Chinese, for the person who sent it.
type FieldError struct {
	Field string
	Msg   string
}

// Error returns "stats: invalid input: FIELD: what is wrong".
func (e *FieldError) Error() string { return ErrInvalid.Error() + ": " + e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Settings are the thresholds the indicators depend on (table
// stats_settings).
type Settings struct {
	ShortAbandon time.Duration `json:"short_abandon"` // T_short: an abandon before this is a short abandon; default 5 s
	AnswerTarget time.Duration `json:"answer_target"` // answered within this (GB/T 33358: 15 s)
	DailyTarget  float64       `json:"daily_target"`  // the 15-second rate every day must reach (0.95)
	SatisfiedMin int           `json:"satisfied_min"` // a rating at least this is satisfied; default 4
	LiaisonRing  time.Duration `json:"liaison_ring"`  // a transfer answered within this counts as responsive; default 20 s
	MaxWait      time.Duration `json:"max_wait"`      // the queue's longest wait before voicemail; default 3 min
}

// DefaultSettings are the settings of a new installation.
func DefaultSettings() Settings {
	return Settings{ShortAbandon: 5 * time.Second, AnswerTarget: 15 * time.Second, DailyTarget: 0.95,
		SatisfiedMin: 4, LiaisonRing: 20 * time.Second, MaxWait: 3 * time.Minute}
}

// Options configure a Store.
type Options struct {
	Now func() time.Time // default time.Now
}

// Store computes statistics from the database.
type Store struct {
	db  *sqlx.DB
	cal *calendar.Store
	now func() time.Time
}

// NewStore returns a store on db using the working-day calendar cal.
func NewStore(db *sqlx.DB, cal *calendar.Store, o Options) *Store {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{db: db, cal: cal, now: o.Now}
}

// Settings returns the stored settings.
func (s *Store) Settings(ctx context.Context) (Settings, error) {
	var r struct {
		Short  int `db:"short_abandon_s"`
		Target int `db:"answer_target_s"`
		Daily  int `db:"daily_target_pm"`
		Min    int `db:"satisfied_min"`
		Ring   int `db:"liaison_ring_s"`
		Max    int `db:"max_wait_s"`
	}
	const q = `SELECT short_abandon_s, answer_target_s, daily_target_pm, satisfied_min, liaison_ring_s, max_wait_s FROM stats_settings`
	if err := s.db.GetContext(ctx, &r, q); err != nil {
		return DefaultSettings(), fmt.Errorf("stats: settings: %w", err)
	}
	return Settings{ShortAbandon: time.Duration(r.Short) * time.Second, AnswerTarget: time.Duration(r.Target) * time.Second,
		DailyTarget: float64(r.Daily) / 1000, SatisfiedMin: r.Min, LiaisonRing: time.Duration(r.Ring) * time.Second,
		MaxWait: time.Duration(r.Max) * time.Second}, nil
}

// Actor is the staff member who changes the settings, for the audit log.
type Actor struct {
	AccountID int64
	Username  string
	IP        string
}

// SaveSettings validates and stores the settings and writes the change to
// the audit log (stats.settings.update). It fails with a *FieldError.
func (s *Store) SaveSettings(ctx context.Context, a Actor, st Settings) error {
	switch {
	case st.ShortAbandon < 0 || st.ShortAbandon > time.Minute || st.ShortAbandon%time.Second != 0:
		return fieldErr("short_abandon", "短时放弃的界限应为 0–60 秒的整数")
	case st.AnswerTarget < time.Second || st.AnswerTarget > 5*time.Minute || st.AnswerTarget%time.Second != 0:
		return fieldErr("answer_target", "接通时限应为 1–300 秒的整数")
	case st.DailyTarget <= 0 || st.DailyTarget > 1:
		return fieldErr("daily_target", "每日接通率目标应在 0.1%%–100%% 之间")
	case st.SatisfiedMin < 1 || st.SatisfiedMin > 5:
		return fieldErr("satisfied_min", "满意的最低分应为 1–5")
	case st.LiaisonRing < time.Second || st.LiaisonRing > 5*time.Minute || st.LiaisonRing%time.Second != 0:
		return fieldErr("liaison_ring", "部门振铃时限应为 1–300 秒的整数")
	case st.MaxWait < 10*time.Second || st.MaxWait > time.Hour || st.MaxWait%time.Second != 0:
		return fieldErr("max_wait", "最长排队时间应为 10–3600 秒的整数")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("stats: save settings: %w", err)
	}
	defer tx.Rollback()
	const q = `UPDATE stats_settings SET short_abandon_s = $1, answer_target_s = $2, daily_target_pm = $3, satisfied_min = $4,
		liaison_ring_s = $5, max_wait_s = $6, updated_by = NULLIF($7, 0), updated_at = now()`
	if _, err := tx.ExecContext(ctx, q, int(st.ShortAbandon/time.Second), int(st.AnswerTarget/time.Second),
		int(st.DailyTarget*1000+0.5), st.SatisfiedMin, int(st.LiaisonRing/time.Second), int(st.MaxWait/time.Second), a.AccountID); err != nil {
		return fmt.Errorf("stats: save settings: %w", err)
	}
	const qa = `INSERT INTO audit_log (account_id, actor, ip, action, object_type, object_id, detail)
		VALUES (NULLIF($1, 0), $2, $3, 'stats.settings.update', 'stats_settings', '1', jsonb_build_object(
		'short_abandon_s', $4::int, 'answer_target_s', $5::int, 'daily_target_pm', $6::int, 'satisfied_min', $7::int,
		'liaison_ring_s', $8::int, 'max_wait_s', $9::int))`
	if _, err := tx.ExecContext(ctx, qa, a.AccountID, a.Username, a.IP, int(st.ShortAbandon/time.Second), int(st.AnswerTarget/time.Second),
		int(st.DailyTarget*1000+0.5), st.SatisfiedMin, int(st.LiaisonRing/time.Second), int(st.MaxWait/time.Second)); err != nil {
		return fmt.Errorf("stats: audit settings: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("stats: save settings: %w", err)
	}
	return nil
}

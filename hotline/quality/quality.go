// Package quality is the quality review of the hotline's calls (质检):
// scoring forms that admins define — items with weights out of 100 and
// fatal items (致命项) that zero the score — kept in versions, so that a
// score keeps the version it was given on; samples of calls that
// supervisors pick (a random sample per operator for a period, or by rule:
// low rating, long wait, transfer refused, complaint); reviews scored as
// drafts and made final, after which they never change (a database
// trigger guards it); the operator's appeal within a number of working
// days on the calendar, decided by a supervisor — an upheld appeal adds a
// new final score that supersedes the first, which stays in the history.
package quality

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govhall/govhall/hotline/calendar"
)

// Errors of the package. A *FieldError wraps ErrInvalid; the others carry
// words for the console in their text after the sentinel's.
var (
	ErrNotFound  = errors.New("quality: not found")
	ErrInvalid   = errors.New("quality: invalid")
	ErrConflict  = errors.New("quality: conflict")  // the review's state forbids it (final, appealed already)
	ErrForbidden = errors.New("quality: forbidden") // not the operator's own review
	ErrLate      = errors.New("quality: too late")  // the appeal period is over
)

// FieldError is an invalid input; Field names it.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return "quality: " + e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Message returns the words of an error of the package meant for the
// console (ErrConflict, ErrForbidden, ErrLate, ErrNotFound), and false for
// others.
func Message(err error) (string, bool) {
	for _, s := range []error{ErrConflict, ErrForbidden, ErrLate, ErrNotFound} {
		if errors.Is(err, s) {
			msg := err.Error()
			if i := strings.LastIndex(msg, ": "); i >= 0 && !strings.HasPrefix(msg[i+2:], "quality") {
				return msg[i+2:], true
			}
			return "", true
		}
	}
	return "", false
}

func wrap(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}

// Actor is who does something, for the audit log.
type Actor struct {
	AccountID int64
	Username  string
	IP        string
}

// Calendar gives the working-day calendar in force (*calendar.Store).
type Calendar interface {
	Calendar() *calendar.Calendar
}

// Store keeps the forms, reviews and appeals in PostgreSQL.
type Store struct {
	db  *sqlx.DB
	cal Calendar
	now func() time.Time
}

// NewStore returns the store; cal counts the working days of appeals.
func NewStore(db *sqlx.DB, cal Calendar) *Store {
	return &Store{db: db, cal: cal, now: time.Now}
}

// WithClock returns a store whose "now" is now (tests).
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}

func audit(ctx context.Context, tx sqlx.ExecerContext, a Actor, action string, id int64, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	js, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("quality: audit: %w", err)
	}
	const q = `INSERT INTO audit_log (account_id, actor, ip, action, object_type, object_id, detail)
		VALUES (NULLIF($1, 0), $2, $3, $4, 'qa_review', $5, $6)`
	if _, err := tx.ExecContext(ctx, q, a.AccountID, a.Username, a.IP, action, fmt.Sprint(id), js); err != nil {
		return fmt.Errorf("quality: audit %s: %w", action, err)
	}
	return nil
}

// Item is one line of a scoring form: a non-fatal item is given 0 to
// Weight points (the weights add up to 100); a fatal item (致命项) is
// passed or failed, and failed it zeroes the whole score.
type Item struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Weight int    `json:"weight"`
	Fatal  bool   `json:"fatal"`
}

// Form is a scoring form in one of its versions.
type Form struct {
	ID        int64     `db:"id" json:"id"`
	Name      string    `db:"name" json:"name"`
	Retired   bool      `db:"retired" json:"retired"`
	VersionID int64     `db:"version_id" json:"version_id"`
	Version   int       `db:"version" json:"version"`
	Items     []Item    `db:"-" json:"items"`
	RawItems  []byte    `db:"items" json:"-"`
	CreatedAt time.Time `db:"created_at" json:"created_at"` // of this version
}

// checkItems validates the items of a form and gives each a key.
func checkItems(items []Item) ([]Item, error) {
	if len(items) == 0 || len(items) > 30 {
		return nil, fieldErr("items", "评分表要有 1 到 30 个评分项")
	}
	out := make([]Item, 0, len(items))
	seen := map[string]bool{}
	sum, plain := 0, 0
	for i, it := range items {
		it.Label = strings.TrimSpace(it.Label)
		if it.Label == "" || utf8.RuneCountInString(it.Label) > 40 {
			return nil, fieldErr("items", "第 %d 项的名称为 1 到 40 个字", i+1)
		}
		if it.Key == "" {
			it.Key = fmt.Sprintf("i%d", i+1)
		}
		if seen[it.Key] {
			return nil, fieldErr("items", "第 %d 项的编号 %s 重复", i+1, it.Key)
		}
		seen[it.Key] = true
		switch {
		case it.Fatal:
			it.Weight = 0
		case it.Weight < 1 || it.Weight > 100:
			return nil, fieldErr("items", "第 %d 项（%s）的分值为 1 到 100", i+1, it.Label)
		default:
			sum += it.Weight
			plain++
		}
		out = append(out, it)
	}
	if plain == 0 || sum != 100 {
		return nil, fieldErr("items", "非致命项的分值合计应为 100，现在是 %d", sum)
	}
	return out, nil
}

// CreateForm adds a form with its first version (admins).
func (s *Store) CreateForm(ctx context.Context, a Actor, name string, items []Item) (Form, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 40 {
		return Form{}, fieldErr("name", "评分表名称为 1 到 40 个字")
	}
	items, err := checkItems(items)
	if err != nil {
		return Form{}, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Form{}, fmt.Errorf("quality: create form: %w", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.GetContext(ctx, &id, `INSERT INTO qa_forms (name, created_by) VALUES ($1, NULLIF($2, 0)) RETURNING id`, name, a.AccountID)
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return Form{}, fieldErr("name", "已经有名为“%s”的评分表", name)
	}
	if err != nil {
		return Form{}, fmt.Errorf("quality: create form: %w", err)
	}
	if err := s.addVersion(ctx, tx, a, id, 1, items); err != nil {
		return Form{}, err
	}
	if err := tx.Commit(); err != nil {
		return Form{}, fmt.Errorf("quality: create form: %w", err)
	}
	return s.Form(ctx, id)
}

func (s *Store) addVersion(ctx context.Context, tx *sqlx.Tx, a Actor, formID int64, version int, items []Item) error {
	js, err := json.Marshal(items)
	if err != nil {
		return fmt.Errorf("quality: form items: %w", err)
	}
	var vid int64
	if err := tx.GetContext(ctx, &vid, `INSERT INTO qa_form_versions (form_id, version, items, created_by) VALUES ($1, $2, $3, NULLIF($4, 0)) RETURNING id`,
		formID, version, js, a.AccountID); err != nil {
		return fmt.Errorf("quality: form version: %w", err)
	}
	const q = `INSERT INTO audit_log (account_id, actor, ip, action, object_type, object_id, detail)
		VALUES (NULLIF($1, 0), $2, $3, 'quality.form.version', 'qa_form', $4, $5)`
	detail, _ := json.Marshal(map[string]any{"version": version, "items": len(items)})
	if _, err := tx.ExecContext(ctx, q, a.AccountID, a.Username, a.IP, fmt.Sprint(formID), detail); err != nil {
		return fmt.Errorf("quality: audit form: %w", err)
	}
	return nil
}

// ReviseForm makes new items the form's next version; reviews given on an
// earlier version keep it.
func (s *Store) ReviseForm(ctx context.Context, a Actor, formID int64, items []Item) (Form, error) {
	items, err := checkItems(items)
	if err != nil {
		return Form{}, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Form{}, fmt.Errorf("quality: revise form: %w", err)
	}
	defer tx.Rollback()
	var locked int64
	err = tx.GetContext(ctx, &locked, `SELECT id FROM qa_forms WHERE id = $1 FOR UPDATE`, formID)
	if errors.Is(err, sql.ErrNoRows) {
		return Form{}, wrap(ErrNotFound, "没有这个评分表")
	}
	if err != nil {
		return Form{}, fmt.Errorf("quality: revise form: %w", err)
	}
	var last int
	if err := tx.GetContext(ctx, &last, `SELECT COALESCE(max(version), 0) FROM qa_form_versions WHERE form_id = $1`, formID); err != nil {
		return Form{}, fmt.Errorf("quality: revise form: %w", err)
	}
	if err := s.addVersion(ctx, tx, a, formID, last+1, items); err != nil {
		return Form{}, err
	}
	if err := tx.Commit(); err != nil {
		return Form{}, fmt.Errorf("quality: revise form: %w", err)
	}
	return s.Form(ctx, formID)
}

const formCols = `f.id, f.name, f.retired, v.id AS version_id, v.version, v.items, v.created_at
	FROM qa_forms f JOIN qa_form_versions v ON v.form_id = f.id`

func (f *Form) decode() error {
	if err := json.Unmarshal(f.RawItems, &f.Items); err != nil {
		return fmt.Errorf("quality: items of form %d: %w", f.ID, err)
	}
	return nil
}

// Form returns the latest version of a form.
func (s *Store) Form(ctx context.Context, id int64) (Form, error) {
	var f Form
	err := s.db.GetContext(ctx, &f, `SELECT `+formCols+` WHERE f.id = $1 ORDER BY v.version DESC LIMIT 1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return f, wrap(ErrNotFound, "没有这个评分表")
	}
	if err != nil {
		return f, fmt.Errorf("quality: form %d: %w", id, err)
	}
	return f, f.decode()
}

// FormVersion returns one version of a form.
func (s *Store) FormVersion(ctx context.Context, versionID int64) (Form, error) {
	var f Form
	err := s.db.GetContext(ctx, &f, `SELECT `+formCols+` WHERE v.id = $1`, versionID)
	if errors.Is(err, sql.ErrNoRows) {
		return f, wrap(ErrNotFound, "没有这个评分表版本")
	}
	if err != nil {
		return f, fmt.Errorf("quality: form version %d: %w", versionID, err)
	}
	return f, f.decode()
}

// Forms returns the latest version of every form, by name.
func (s *Store) Forms(ctx context.Context) ([]Form, error) {
	var fs []Form
	const q = `SELECT DISTINCT ON (f.id) ` + formCols + ` ORDER BY f.id, v.version DESC`
	if err := s.db.SelectContext(ctx, &fs, q); err != nil {
		return nil, fmt.Errorf("quality: forms: %w", err)
	}
	for i := range fs {
		if err := fs[i].decode(); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// score computes the total of complete scores: the points of the
// non-fatal items, zero when a fatal item failed. It fails with a
// *FieldError naming the first item scored wrongly or not at all.
func score(items []Item, scores map[string]any, complete bool) (total float64, fatal bool, clean map[string]any, err error) {
	clean = map[string]any{}
	for _, it := range items {
		v, ok := scores[it.Key]
		if !ok || v == nil {
			if complete {
				return 0, false, nil, fieldErr("item-"+it.Key, "请为“%s”评分", it.Label)
			}
			continue
		}
		if it.Fatal {
			passed, isBool := v.(bool)
			if !isBool {
				return 0, false, nil, fieldErr("item-"+it.Key, "致命项“%s”只能是通过或不通过", it.Label)
			}
			clean[it.Key] = passed
			if !passed {
				fatal = true
			}
			continue
		}
		n, isNum := v.(float64)
		if !isNum || n < 0 || n > float64(it.Weight) || math.Mod(n*2, 1) != 0 {
			return 0, false, nil, fieldErr("item-"+it.Key, "“%s”的得分为 0 到 %d（可到 0.5 分）", it.Label, it.Weight)
		}
		clean[it.Key] = n
		total += n
	}
	for k := range scores {
		if _, ok := clean[k]; !ok && complete {
			found := false
			for _, it := range items {
				found = found || it.Key == k
			}
			if !found {
				return 0, false, nil, fieldErr("scores", "评分表里没有“%s”这一项", k)
			}
		}
	}
	if fatal {
		total = 0
	}
	return total, fatal, clean, nil
}

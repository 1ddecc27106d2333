package calls

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"
)

// What the operators' desk keeps about calls beyond the call flow: notes,
// the wrap-up (小结) filed under an outcome code, the reasons a pause may
// be taken for, and the earlier calls of a number.

// ErrConflict means the change contradicts what is stored (a second
// wrap-up of one call by one operator).
var ErrConflict = errors.New("calls: conflict")

// Note is what a staff member wrote about a call.
type Note struct {
	ID        int64     `db:"id" json:"id"`
	CallID    int64     `db:"call_id" json:"call_id"`
	AccountID int64     `db:"account_id" json:"-"`
	Username  string    `db:"username" json:"by"`
	At        time.Time `db:"at" json:"at"`
	Kind      string    `db:"kind" json:"kind"` // note or wrapup
	Code      string    `db:"code" json:"code,omitempty"`
	Label     string    `db:"label" json:"label,omitempty"`
	Text      string    `db:"note" json:"note"`
}

// Choice is an entry of a list admins edit: a pause reason or a wrap-up
// code.
type Choice struct {
	ID       int64  `db:"id" json:"id"`
	Code     string `db:"code" json:"code,omitempty"`
	Label    string `db:"label" json:"label"`
	Position int    `db:"position" json:"position"`
	Disabled bool   `db:"disabled" json:"disabled,omitempty"`
}

// maxNote is the longest note kept (characters).
const maxNote = 2000

func noteText(note string, required bool) (string, error) {
	note = strings.TrimSpace(note)
	switch {
	case required && note == "":
		return "", fieldErr("note", "请填写备注内容")
	case utf8.RuneCountInString(note) > maxNote:
		return "", fieldErr("note", "备注最多 %d 个字", maxNote)
	}
	return note, nil
}

// AddNote stores a note on a call. It fails with a *FieldError for an
// empty or over-long note and ErrNotFound for an unknown call.
func (s *Store) AddNote(ctx context.Context, callID, accountID int64, note string) (Note, error) {
	note, err := noteText(note, true)
	if err != nil {
		return Note{}, err
	}
	var n Note
	const q = `INSERT INTO call_notes (call_id, account_id, kind, note) VALUES ($1, $2, 'note', $3)
		RETURNING id, call_id, account_id, '' AS username, at, kind, '' AS code, '' AS label, note`
	if err := s.db.GetContext(ctx, &n, q, callID, accountID, note); err != nil {
		return Note{}, noteErr(callID, err)
	}
	return n, nil
}

// WrapUp files the operator's wrap-up of a call: an enabled outcome code
// and a note. It fails with a *FieldError for an unknown code, ErrConflict
// when this operator filed one for the call already, ErrNotFound for an
// unknown call.
func (s *Store) WrapUp(ctx context.Context, callID, accountID int64, code, note string) (Note, error) {
	note, err := noteText(note, false)
	if err != nil {
		return Note{}, err
	}
	var label string
	err = s.db.GetContext(ctx, &label, `SELECT label FROM wrapup_codes WHERE code = $1 AND NOT disabled`, code)
	if errors.Is(err, sql.ErrNoRows) {
		return Note{}, fieldErr("code", "请选择通话小结")
	}
	if err != nil {
		return Note{}, fmt.Errorf("calls: wrap-up code %q: %w", code, err)
	}
	var n Note
	const q = `INSERT INTO call_notes (call_id, account_id, kind, code, note) VALUES ($1, $2, 'wrapup', $3, $4)
		RETURNING id, call_id, account_id, '' AS username, at, kind, code, $5 AS label, note`
	if err := s.db.GetContext(ctx, &n, q, callID, accountID, code, note, label); err != nil {
		return Note{}, noteErr(callID, err)
	}
	return n, nil
}

func noteErr(callID int64, err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23503": // foreign key: no such call
			return fmt.Errorf("call %d: %w", callID, ErrNotFound)
		case "23505": // one wrap-up per call and operator
			return fmt.Errorf("%w: 这通电话的小结已经填写过了", ErrConflict)
		}
	}
	return fmt.Errorf("calls: note on call %d: %w", callID, err)
}

// Notes returns the notes and wrap-ups of a call, oldest first.
func (s *Store) Notes(ctx context.Context, callID int64) ([]Note, error) {
	const q = `SELECT n.id, n.call_id, n.account_id, a.username, n.at, n.kind, COALESCE(n.code, '') AS code,
			COALESCE(w.label, '') AS label, n.note
		FROM call_notes n JOIN accounts a ON a.id = n.account_id LEFT JOIN wrapup_codes w ON w.code = n.code
		WHERE n.call_id = $1 ORDER BY n.id`
	var ns []Note
	if err := s.db.SelectContext(ctx, &ns, q, callID); err != nil {
		return nil, fmt.Errorf("calls: notes of call %d: %w", callID, err)
	}
	return ns, nil
}

// WrapUpCodes returns the enabled wrap-up codes in their order.
func (s *Store) WrapUpCodes(ctx context.Context) ([]Choice, error) {
	var cs []Choice
	const q = `SELECT id, code, label, position, disabled FROM wrapup_codes WHERE NOT disabled ORDER BY position, id`
	if err := s.db.SelectContext(ctx, &cs, q); err != nil {
		return nil, fmt.Errorf("calls: wrap-up codes: %w", err)
	}
	return cs, nil
}

// PauseReasons returns the enabled pause reasons in their order.
func (s *Store) PauseReasons(ctx context.Context) ([]Choice, error) {
	var cs []Choice
	const q = `SELECT id, '' AS code, label, position, disabled FROM pause_reasons WHERE NOT disabled ORDER BY position, id`
	if err := s.db.SelectContext(ctx, &cs, q); err != nil {
		return nil, fmt.Errorf("calls: pause reasons: %w", err)
	}
	return cs, nil
}

// AddPauseReason adds a pause reason at the end of the list (admins). It
// fails with a *FieldError for an empty or over-long label and ErrConflict
// for one that exists.
func (s *Store) AddPauseReason(ctx context.Context, label string) (Choice, error) {
	label = strings.TrimSpace(label)
	if label == "" || utf8.RuneCountInString(label) > 20 {
		return Choice{}, fieldErr("label", "小休原因为 1 到 20 个字")
	}
	var c Choice
	const q = `INSERT INTO pause_reasons (label, position) VALUES ($1, (SELECT COALESCE(max(position), 0) + 1 FROM pause_reasons))
		ON CONFLICT (label) DO UPDATE SET disabled = false RETURNING id, '' AS code, label, position, disabled`
	if err := s.db.GetContext(ctx, &c, q, label); err != nil {
		return Choice{}, fmt.Errorf("calls: add pause reason: %w", err)
	}
	return c, nil
}

// DisablePauseReason takes a reason off the list; the history keeps it.
// It fails with ErrNotFound for an unknown id.
func (s *Store) DisablePauseReason(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE pause_reasons SET disabled = true WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("calls: disable pause reason %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("pause reason %d: %w", id, ErrNotFound)
	}
	return nil
}

// SetPauseReason records why a paused operator is paused. The reason must
// be an enabled one (*FieldError otherwise); "" clears it.
func (s *Store) SetPauseReason(ctx context.Context, accountID int64, reason string) error {
	if reason != "" {
		var ok bool
		if err := s.db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM pause_reasons WHERE label = $1 AND NOT disabled)`, reason); err != nil {
			return fmt.Errorf("calls: pause reason: %w", err)
		}
		if !ok {
			return fieldErr("reason", "请从列表中选择小休原因")
		}
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE operator_states SET pause_reason = $2 WHERE account_id = $1`, accountID, reason); err != nil {
		return fmt.Errorf("calls: set pause reason of %d: %w", accountID, err)
	}
	return nil
}

// PauseReason returns why the operator is paused ("" when not paused or
// without a reason).
func (s *Store) PauseReason(ctx context.Context, accountID int64) (string, error) {
	var r string
	err := s.db.GetContext(ctx, &r, `SELECT CASE WHEN state = 'paused' THEN pause_reason ELSE '' END FROM operator_states WHERE account_id = $1`, accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("calls: pause reason of %d: %w", accountID, err)
	}
	return r, nil
}

// EarlierCall is a call from the same number, for the screen pop.
type EarlierCall struct {
	ID           int64      `db:"id" json:"id"`
	StartedAt    time.Time  `db:"started_at" json:"started_at"`
	Outcome      string     `db:"outcome" json:"outcome"`
	Department   string     `db:"department" json:"department,omitempty"`
	Satisfaction *int       `db:"satisfaction" json:"satisfaction"`
	QueryCode    string     `db:"query_code" json:"query_code,omitempty"`
	AnsweredAt   *time.Time `db:"answered_at" json:"answered_at"`
}

// CallsFrom returns the latest calls from caller, newest first, except the
// call except (the one ringing now).
func (s *Store) CallsFrom(ctx context.Context, caller string, except int64, limit int) ([]EarlierCall, error) {
	if caller == "" {
		return nil, nil
	}
	const q = `SELECT c.id, c.started_at, c.outcome, COALESCE(d.name, '') AS department, c.satisfaction,
			COALESCE(c.query_code, '') AS query_code, c.answered_at
		FROM calls c LEFT JOIN departments d ON d.id = c.department_id
		WHERE c.caller = $1 AND c.id <> $2 ORDER BY c.started_at DESC LIMIT $3`
	var cs []EarlierCall
	if err := s.db.SelectContext(ctx, &cs, q, caller, except, min(max(limit, 1), 50)); err != nil {
		return nil, fmt.Errorf("calls: calls from a number: %w", err)
	}
	return cs, nil
}

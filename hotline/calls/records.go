package calls

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Outcomes of a call.
const (
	OutcomeInProgress  = "in_progress"
	OutcomeAnswered    = "answered"    // an operator talked with the caller
	OutcomeTransferred = "transferred" // a department's liaison talked with the caller
	OutcomeAbandoned   = "abandoned"   // the caller hung up before anyone answered
	OutcomeVoicemail   = "voicemail"   // the caller left a message out of hours
	OutcomeQuestion    = "question"    // the caller left a question when no one could answer
	OutcomeFailed      = "failed"      // govhall could not handle the call
	OutcomeRejected    = "rejected"    // refused by govhall (no media port, draining, overload)
	OutcomeCutOff      = "cut_off"     // govhall stopped mid-call (closed at restart)
)

// Results of a leg.
const (
	LegRinging   = "ringing"
	LegAnswered  = "answered"
	LegNoAnswer  = "no_answer"
	LegBusy      = "busy"
	LegRejected  = "rejected"
	LegCancelled = "cancelled"
	LegFailed    = "failed"
)

// NewCall is a call arriving at 96128.
type NewCall struct {
	SIPCallID string
	Caller    string
	Callee    string
	Transport string
	Source    string
	At        time.Time
	// FromTag is the caller's From tag; with SIPCallID it names the
	// dialog, which only one call (one node) may own. "": not compared.
	FromTag string
	// OwnerNode and OwnerEpoch are the node that took the INVITE
	// (hotline/cluster); "": no node registry (a single process).
	OwnerNode  string
	OwnerEpoch int64
}

// StartCall records a new call and returns its id. It returns
// ErrDuplicate when a call of the same Call-ID and From tag is recorded
// already (the same INVITE reached a second node, or came again).
func (s *Store) StartCall(ctx context.Context, n NewCall) (int64, error) {
	if n.SIPCallID == "" {
		return 0, fieldErr("sip_call_id", "required")
	}
	var id int64
	const q = `INSERT INTO calls (sip_call_id, caller, callee, transport, source, started_at, from_tag, owner_node, owner_epoch)
		VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, ''), NULLIF($8, ''), CASE WHEN $8 = '' THEN NULL ELSE $9::bigint END)
		ON CONFLICT (sip_call_id, from_tag) DO NOTHING RETURNING id`
	err := s.db.GetContext(ctx, &id, q, n.SIPCallID, n.Caller, n.Callee, n.Transport, n.Source, n.At, n.FromTag, n.OwnerNode, n.OwnerEpoch)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("call %s from tag %s is recorded already: %w", n.SIPCallID, n.FromTag, ErrDuplicate)
	}
	if err != nil {
		return 0, fmt.Errorf("calls: start call %s: %w", n.SIPCallID, err)
	}
	return id, nil
}

// Answered records that govhall answered the call, its codec and the URL
// its recording will have (hotline/recstore; its partial file is being
// written). Records written before URLs hold a plain file path.
func (s *Store) Answered(ctx context.Context, id int64, at time.Time, codec, recordingPath string) error {
	return s.exec(ctx, "answer call", `UPDATE calls SET answered_at = $2, codec = $3, recording_path = $4 WHERE id = $1`,
		id, at, codec, recordingPath)
}

// Queued records when the call entered and left the ACD queue (the first
// entry is kept when a caller queues twice).
func (s *Store) Queued(ctx context.Context, id int64, in, out time.Time) error {
	const q = `UPDATE calls SET queued_at = COALESCE(queued_at, $2), dequeued_at = $3 WHERE id = $1`
	return s.exec(ctx, "queue call", q, id, in, out)
}

// SetDepartment records the department a call was last transferred to.
func (s *Store) SetDepartment(ctx context.Context, id, departmentID int64) error {
	return s.exec(ctx, "set call department", `UPDATE calls SET department_id = $2 WHERE id = $1`, id, departmentID)
}

// SetSatisfaction stores the caller's rating (1–5) and how it was keyed.
func (s *Store) SetSatisfaction(ctx context.Context, id int64, score int, via string, at time.Time) error {
	if score < 1 || score > 5 {
		return fieldErr("satisfaction", "%d is not 1 to 5", score)
	}
	return s.exec(ctx, "set satisfaction", `UPDATE calls SET satisfaction = $2, satisfaction_via = $3, satisfaction_at = $4 WHERE id = $1`,
		id, score, via, at)
}

// SetQueryCode links the call to the query (查询码) made from it.
func (s *Store) SetQueryCode(ctx context.Context, id int64, code string) error {
	return s.exec(ctx, "set query code", `UPDATE calls SET query_code = $2 WHERE id = $1`, id, code)
}

// Recording is a finished call recording.
type Recording struct {
	// Path is where the recording is: its URL (file:///…, see
	// hotline/recstore), or the plain file path of an older record.
	Path     string
	SHA256   string
	Duration time.Duration
	Size     int64
}

// EndCall closes a call with its outcome and, if rec.Path is set, its
// finished recording. It returns ErrNotFound when the call is already
// closed.
func (s *Store) EndCall(ctx context.Context, id int64, at time.Time, outcome, reason string, rec Recording) error {
	const q = `UPDATE calls SET ended_at = GREATEST($2, started_at), outcome = $3, end_reason = $4,
		recording_path = CASE WHEN $5 = '' THEN recording_path ELSE $5 END,
		recording_sha256 = $6, recording_duration_ms = $7, recording_size = $8
		WHERE id = $1 AND ended_at IS NULL`
	res, err := s.db.ExecContext(ctx, q, id, at, outcome, reason, rec.Path, rec.SHA256, rec.Duration.Milliseconds(), rec.Size)
	if err != nil {
		return fmt.Errorf("calls: end call %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("call %d is not open: %w", id, ErrNotFound)
	}
	return nil
}

func (s *Store) exec(ctx context.Context, what, q string, args ...any) error {
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("calls: %s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s %v: %w", what, args[0], ErrNotFound)
	}
	return nil
}

// NewLeg is a leg govhall places to an operator or liaison.
type NewLeg struct {
	CallID       int64
	Party        string // KindOperator or KindLiaison
	SIPAccountID int64
	AccountID    int64
	DepartmentID int64
	TransferID   int64 // the transfer a liaison's leg is placed for, 0: none
	Extension    string
	SIPCallID    string
	At           time.Time
}

// StartLeg records a leg being offered (ringing) and returns its id.
func (s *Store) StartLeg(ctx context.Context, n NewLeg) (int64, error) {
	var id int64
	const q = `INSERT INTO call_legs (call_id, party, sip_account_id, account_id, department_id, transfer_id, extension, sip_call_id, started_at)
		VALUES ($1, $2, NULLIF($3, 0), NULLIF($4, 0), NULLIF($5, 0), NULLIF($6, 0), $7, $8, $9) RETURNING id`
	err := s.db.GetContext(ctx, &id, q, n.CallID, n.Party, n.SIPAccountID, n.AccountID, n.DepartmentID, n.TransferID,
		n.Extension, n.SIPCallID, n.At)
	if err != nil {
		return 0, fmt.Errorf("calls: start leg of call %d: %w", n.CallID, err)
	}
	return id, nil
}

// LegAnswered records that the party answered.
func (s *Store) LegAnswered(ctx context.Context, legID int64, at time.Time) error {
	return s.exec(ctx, "answer leg", `UPDATE call_legs SET answered_at = $2, result = 'answered' WHERE id = $1`, legID, at)
}

// EndLeg closes a leg. result is a Leg* constant for legs never answered
// (answered legs keep LegAnswered); endedBy says who hung up.
func (s *Store) EndLeg(ctx context.Context, legID int64, at time.Time, result, endedBy string) error {
	const q = `UPDATE call_legs SET ended_at = GREATEST($2, started_at), ended_by = $4,
		result = CASE WHEN result = 'answered' THEN result ELSE $3 END
		WHERE id = $1 AND ended_at IS NULL`
	return s.exec(ctx, "end leg", q, legID, at, result, endedBy)
}

// Voicemail is a message a caller left.
type Voicemail struct {
	CallID       int64
	Kind         string // "voicemail" or "question"
	DepartmentID int64
	Recording    Recording
}

// SaveVoicemail stores the message of a call.
func (s *Store) SaveVoicemail(ctx context.Context, v Voicemail) error {
	const q = `INSERT INTO call_voicemails (call_id, kind, department_id, path, sha256, duration_ms, size)
		VALUES ($1, $2, NULLIF($3, 0), $4, $5, $6, $7)`
	_, err := s.db.ExecContext(ctx, q, v.CallID, v.Kind, v.DepartmentID, v.Recording.Path, v.Recording.SHA256,
		v.Recording.Duration.Milliseconds(), v.Recording.Size)
	if err != nil {
		return fmt.Errorf("calls: save voicemail of call %d: %w", v.CallID, err)
	}
	return nil
}

// OpenCall is a call without an end, found at start-up after a crash.
type OpenCall struct {
	ID            int64  `db:"id"`
	RecordingPath string `db:"recording_path"`
}

// OpenCalls returns the calls that were never closed: all of them when
// node is "", else those node owned and those of no node (recorded before
// the node registry, or placed by govhall); the calls of other nodes are
// theirs to close, or their reaper's (CloseLost).
func (s *Store) OpenCalls(ctx context.Context, node string) ([]OpenCall, error) {
	var cs []OpenCall
	const q = `SELECT id, recording_path FROM calls
		WHERE ended_at IS NULL AND ($1 = '' OR owner_node IS NULL OR owner_node = $1) ORDER BY id`
	if err := s.db.SelectContext(ctx, &cs, q, node); err != nil {
		return nil, fmt.Errorf("calls: open calls: %w", err)
	}
	return cs, nil
}

// CloseCutOff closes a call cut off by a crash, with its repaired
// recording (rec.Path empty: none), and closes its open legs, transfers
// and holds.
func (s *Store) CloseCutOff(ctx context.Context, id int64, at time.Time, rec Recording) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("calls: close cut-off call %d: %w", id, err)
	}
	defer tx.Rollback()
	if err := closeStopped(ctx, tx, id, at, "govhall stopped during the call", rec); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("calls: close cut-off call %d: %w", id, err)
	}
	return nil
}

// closeStopped closes, in tx, a call whose process stopped: outcome
// cut_off with reason, its recording as repaired (rec.Path empty: none),
// its open legs, transfers and holds.
func closeStopped(ctx context.Context, tx sqlx.ExecerContext, id int64, at time.Time, reason string, rec Recording) error {
	const q = `UPDATE calls SET ended_at = GREATEST($2, started_at), outcome = 'cut_off', end_reason = $7,
		recording_sha256 = $3, recording_duration_ms = $4, recording_size = $5, recording_repaired = $6
		WHERE id = $1 AND ended_at IS NULL`
	if _, err := tx.ExecContext(ctx, q, id, at, rec.SHA256, rec.Duration.Milliseconds(), rec.Size, rec.Path != "", reason); err != nil {
		return fmt.Errorf("calls: close cut-off call %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE call_legs SET ended_at = GREATEST($2, started_at), ended_by = 'system',
		result = CASE WHEN result = 'ringing' THEN 'cancelled' ELSE result END WHERE call_id = $1 AND ended_at IS NULL`, id, at); err != nil {
		return fmt.Errorf("calls: close legs of call %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE call_transfers SET finished_at = $2, result = 'failed', note = 'govhall stopped'
		WHERE call_id = $1 AND result = 'pending'`, id, at); err != nil {
		return fmt.Errorf("calls: close transfers of call %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE call_holds SET ended_at = GREATEST($2, started_at) WHERE call_id = $1 AND ended_at IS NULL`,
		id, at); err != nil {
		return fmt.Errorf("calls: close holds of call %d: %w", id, err)
	}
	return nil
}

// RecordingPath returns where the recording of a finished call is (its
// URL, or an older record's path) for a staff member and writes the
// access to the audit log. It returns ErrNotFound
// when the call has no finished recording and a *PurgedError when it was
// deleted at the end of its retention period.
func (s *Store) RecordingPath(ctx context.Context, id int64, a Actor) (string, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("calls: recording of call %d: %w", id, err)
	}
	defer tx.Rollback()
	var rec struct {
		Path   string     `db:"recording_path"`
		Sum    string     `db:"recording_sha256"`
		Purged *time.Time `db:"recording_purged_at"`
	}
	err = tx.GetContext(ctx, &rec, `SELECT recording_path, recording_sha256, recording_purged_at FROM calls WHERE id = $1 AND ended_at IS NOT NULL`, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (rec.Path == "" || rec.Sum == "")) {
		return "", fmt.Errorf("recording of call %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("calls: recording of call %d: %w", id, err)
	}
	if rec.Purged != nil {
		return "", &PurgedError{CallID: id, At: *rec.Purged}
	}
	if err := audit(ctx, tx, a, "call.recording.access", "call", id, map[string]any{"sha256": rec.Sum}); err != nil {
		return "", err
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("calls: recording of call %d: %w", id, err)
	}
	return rec.Path, nil
}

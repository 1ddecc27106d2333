package calls

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// Call is a call as staff see it (GET /api/v1/calls).
type Call struct {
	ID           int64          `db:"id" json:"id"`
	SIPCallID    string         `db:"sip_call_id" json:"sip_call_id"`
	Caller       string         `db:"caller" json:"caller"`
	StartedAt    time.Time      `db:"started_at" json:"started_at"`
	AnsweredAt   *time.Time     `db:"answered_at" json:"answered_at"`
	QueuedAt     *time.Time     `db:"queued_at" json:"queued_at,omitempty"`
	DequeuedAt   *time.Time     `db:"dequeued_at" json:"dequeued_at,omitempty"`
	EndedAt      *time.Time     `db:"ended_at" json:"ended_at"`
	Outcome      string         `db:"outcome" json:"outcome"`
	EndReason    string         `db:"end_reason" json:"end_reason,omitempty"`
	Department   string         `db:"department" json:"department,omitempty"`
	Satisfaction *int           `db:"satisfaction" json:"satisfaction"`
	QueryCode    string         `db:"query_code" json:"query_code,omitempty"`
	Codec        string         `db:"codec" json:"codec,omitempty"`
	Legs         []Leg          `db:"-" json:"legs"`
	Transfers    []Transfer     `db:"-" json:"transfers"`
	Holds        []Hold         `db:"-" json:"holds"`
	Recording    *RecordingView `db:"-" json:"recording,omitempty"`
	Voicemail    *RecordingView `db:"-" json:"voicemail,omitempty"`

	RecPath     string     `db:"recording_path" json:"-"`
	RecSHA256   string     `db:"recording_sha256" json:"-"`
	RecMillis   int64      `db:"recording_duration_ms" json:"-"`
	RecSize     int64      `db:"recording_size" json:"-"`
	RecRepaired bool       `db:"recording_repaired" json:"-"`
	RecPurged   *time.Time `db:"recording_purged_at" json:"-"`
}

// RecordingView describes a finished recording; URL is filled in by the
// HTTP layer.
type RecordingView struct {
	URL       string  `json:"url"`
	DurationS float64 `json:"duration_s"`
	SHA256    string  `json:"sha256"`
	Size      int64   `json:"size"`
	Repaired  bool    `json:"repaired,omitempty"`
	Kind      string  `json:"kind,omitempty"`
	// PurgedAt is when the file was deleted at the end of its retention
	// period; its URL then answers 410.
	PurgedAt *time.Time `json:"purged_at,omitempty"`
}

// Leg is one leg of a call to an operator or liaison.
type Leg struct {
	ID         int64      `db:"id" json:"id"`
	CallID     int64      `db:"call_id" json:"-"`
	Party      string     `db:"party" json:"party"`
	Extension  string     `db:"extension" json:"extension"`
	Username   string     `db:"username" json:"username,omitempty"`
	Department string     `db:"department" json:"department,omitempty"`
	StartedAt  time.Time  `db:"started_at" json:"started_at"`
	AnsweredAt *time.Time `db:"answered_at" json:"answered_at"`
	EndedAt    *time.Time `db:"ended_at" json:"ended_at"`
	Result     string     `db:"result" json:"result"`
	EndedBy    string     `db:"ended_by" json:"ended_by,omitempty"`
	TransferID *int64     `db:"transfer_id" json:"transfer_id,omitempty"` // the transfer a liaison's leg was placed for
}

// Transfer is one transfer of a call to a department.
type Transfer struct {
	ID          int64      `db:"id" json:"id"`
	CallID      int64      `db:"call_id" json:"-"`
	Department  string     `db:"department" json:"department"`
	Method      string     `db:"method" json:"method"`
	Strategy    string     `db:"ring_strategy" json:"ring_strategy"`
	RequestedBy string     `db:"requested_by" json:"requested_by,omitempty"`
	RequestedAt time.Time  `db:"requested_at" json:"requested_at"`
	AnsweredAt  *time.Time `db:"answered_at" json:"answered_at"`
	ThreeWayAt  *time.Time `db:"threeway_at" json:"threeway_at,omitempty"`
	FinishedAt  *time.Time `db:"finished_at" json:"finished_at"`
	Result      string     `db:"result" json:"result"`
	Note        string     `db:"note" json:"note,omitempty"`
}

const callCols = `c.id, c.sip_call_id, c.caller, c.started_at, c.answered_at, c.queued_at, c.dequeued_at, c.ended_at,
	c.outcome, c.end_reason, COALESCE(d.code, '') AS department, c.satisfaction, c.query_code, c.codec,
	c.recording_path, c.recording_sha256, c.recording_duration_ms, c.recording_size, c.recording_repaired, c.recording_purged_at
	FROM calls c LEFT JOIN departments d ON d.id = c.department_id`

// List returns the most recent calls, newest first, with their legs,
// transfers, recording and voicemail.
func (s *Store) List(ctx context.Context, limit int) ([]Call, error) {
	cs := []Call{}
	if err := s.db.SelectContext(ctx, &cs, `SELECT `+callCols+` ORDER BY c.started_at DESC, c.id DESC LIMIT $1`, limit); err != nil {
		return nil, fmt.Errorf("calls: list: %w", err)
	}
	return cs, s.complete(ctx, cs)
}

// Call returns one call, or ErrNotFound.
func (s *Store) Call(ctx context.Context, id int64) (Call, error) {
	var c Call
	err := s.db.GetContext(ctx, &c, `SELECT `+callCols+` WHERE c.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("call %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("calls: call %d: %w", id, err)
	}
	cs := []Call{c}
	err = s.complete(ctx, cs)
	return cs[0], err
}

// complete loads the legs, transfers and voicemails of cs.
func (s *Store) complete(ctx context.Context, cs []Call) error {
	ids := make([]int64, len(cs))
	at := map[int64]*Call{}
	for i := range cs {
		c := &cs[i]
		ids[i], at[c.ID] = c.ID, c
		c.Legs, c.Transfers, c.Holds = []Leg{}, []Transfer{}, []Hold{}
		if c.RecSHA256 != "" {
			c.Recording = &RecordingView{DurationS: float64(c.RecMillis) / 1000, SHA256: c.RecSHA256, Size: c.RecSize, Repaired: c.RecRepaired,
				PurgedAt: c.RecPurged}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var legs []Leg
	const ql = `SELECT l.id, l.call_id, l.party, l.extension, COALESCE(a.username, '') AS username, COALESCE(d.code, '') AS department,
		l.started_at, l.answered_at, l.ended_at, l.result, l.ended_by, l.transfer_id
		FROM call_legs l LEFT JOIN accounts a ON a.id = l.account_id LEFT JOIN departments d ON d.id = l.department_id
		WHERE l.call_id = ANY($1) ORDER BY l.started_at, l.id`
	if err := s.db.SelectContext(ctx, &legs, ql, pq.Array(ids)); err != nil {
		return fmt.Errorf("calls: list legs: %w", err)
	}
	for _, l := range legs {
		at[l.CallID].Legs = append(at[l.CallID].Legs, l)
	}
	var trs []Transfer
	const qt = `SELECT t.id, t.call_id, d.code AS department, t.method, t.ring_strategy, COALESCE(a.username, '') AS requested_by,
		t.requested_at, t.answered_at, t.threeway_at, t.finished_at, t.result, t.note
		FROM call_transfers t JOIN departments d ON d.id = t.department_id LEFT JOIN accounts a ON a.id = t.requested_by
		WHERE t.call_id = ANY($1) ORDER BY t.requested_at, t.id`
	if err := s.db.SelectContext(ctx, &trs, qt, pq.Array(ids)); err != nil {
		return fmt.Errorf("calls: list transfers: %w", err)
	}
	for _, t := range trs {
		at[t.CallID].Transfers = append(at[t.CallID].Transfers, t)
	}
	if err := s.holds(ctx, ids, at); err != nil {
		return err
	}
	return s.voicemails(ctx, ids, at)
}

func (s *Store) holds(ctx context.Context, ids []int64, at map[int64]*Call) error {
	var hs []Hold
	const q = `SELECT h.id, h.call_id, COALESCE(a.username, '') AS by, h.started_at, h.ended_at
		FROM call_holds h LEFT JOIN accounts a ON a.id = h.account_id WHERE h.call_id = ANY($1) ORDER BY h.started_at, h.id`
	if err := s.db.SelectContext(ctx, &hs, q, pq.Array(ids)); err != nil {
		return fmt.Errorf("calls: list holds: %w", err)
	}
	for _, h := range hs {
		at[h.CallID].Holds = append(at[h.CallID].Holds, h)
	}
	return nil
}

func (s *Store) voicemails(ctx context.Context, ids []int64, at map[int64]*Call) error {
	var vs []struct {
		CallID int64      `db:"call_id"`
		Kind   string     `db:"kind"`
		SHA256 string     `db:"sha256"`
		Millis int64      `db:"duration_ms"`
		Size   int64      `db:"size"`
		Purged *time.Time `db:"purged_at"`
	}
	const q = `SELECT call_id, kind, sha256, duration_ms, size, purged_at FROM call_voicemails WHERE call_id = ANY($1)`
	if err := s.db.SelectContext(ctx, &vs, q, pq.Array(ids)); err != nil {
		return fmt.Errorf("calls: list voicemails: %w", err)
	}
	for _, v := range vs {
		at[v.CallID].Voicemail = &RecordingView{DurationS: float64(v.Millis) / 1000, SHA256: v.SHA256, Size: v.Size, Kind: v.Kind,
			PurgedAt: v.Purged}
	}
	return nil
}

// VoicemailPath returns where the message of a call is (its URL, or an
// older record's path) for a staff member and writes the access to the
// audit log. It returns ErrNotFound, or a
// *PurgedError for a message deleted at the end of its retention period.
func (s *Store) VoicemailPath(ctx context.Context, id int64, a Actor) (string, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("calls: voicemail of call %d: %w", id, err)
	}
	defer tx.Rollback()
	var vm struct {
		Path   string     `db:"path"`
		Purged *time.Time `db:"purged_at"`
	}
	err = tx.GetContext(ctx, &vm, `SELECT path, purged_at FROM call_voicemails WHERE call_id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("voicemail of call %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("calls: voicemail of call %d: %w", id, err)
	}
	if vm.Purged != nil {
		return "", &PurgedError{CallID: id, At: *vm.Purged}
	}
	path := vm.Path
	if err := audit(ctx, tx, a, "call.voicemail.access", "call", id, nil); err != nil {
		return "", err
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("calls: voicemail of call %d: %w", id, err)
	}
	return path, nil
}

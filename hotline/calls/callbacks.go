package calls

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Call-backs: the calls govhall places itself, only because a staff
// member asked for one from the console, only to the number of a call
// record (回拨 of an abandoned call) or of an answered query (回访), never
// to a number typed in, within the limits of supervisor_settings, and
// each written to the audit log.

// Kinds of call-back.
const (
	CallBackKind = "callback" // return an abandoned call
	FollowUpKind = "followup" // ask the asker of an answered query how it went
)

// Results of a call-back.
const (
	CallBackPending       = "pending"
	CallBackStaffNoAnswer = "staff_no_answer" // the staff member's own phone did not answer
	CallBackReached       = "reached"
	CallBackNoAnswer      = "no_answer"
	CallBackBusy          = "busy"
	CallBackFailed        = "failed"
)

// Outcomes of an outbound call that did not reach the citizen.
const (
	OutcomeNoAnswer = "no_answer"
	OutcomeBusy     = "busy"
)

// ErrLimited means a call-back was refused by the limits; its text says
// which, in Chinese.
var ErrLimited = errors.New("calls: limit reached")

// limitErr is an ErrLimited with the words for the console.
type limitErr struct{ msg string }

func (e *limitErr) Error() string { return "calls: limit reached: " + e.msg }
func (e *limitErr) Unwrap() error { return ErrLimited }

// LimitMessage returns the words of an ErrLimited.
func LimitMessage(err error) string {
	var le *limitErr
	if errors.As(err, &le) {
		return le.msg
	}
	return ""
}

// SupervisorSettings are the thresholds of the wallboard's alerts (per
// mille), the working days an operator has to appeal a score, and the
// limits on call-backs.
type SupervisorSettings struct {
	ServiceAlertPM     int       `db:"service_alert_pm" json:"service_alert_pm"`         // alert when the 15-second rate is below (default 800 = 80%)
	ConnectionAlertPM  int       `db:"connection_alert_pm" json:"connection_alert_pm"`   // alert when the connection rate is below (default 950 = 95%, GB/T 33358)
	AppealDays         int       `db:"appeal_days" json:"appeal_days"`                   // working days to appeal a final score (default 3)
	CallbacksPerHour   int       `db:"callbacks_per_hour" json:"callbacks_per_hour"`     // per staff member (default 30)
	CallbacksPerNumber int       `db:"callbacks_per_number" json:"callbacks_per_number"` // per number and day (default 3)
	UpdatedAt          time.Time `db:"updated_at" json:"updated_at"`
}

// SupervisorSettings returns the settings in force.
func (s *Store) SupervisorSettings(ctx context.Context) (SupervisorSettings, error) {
	var st SupervisorSettings
	const q = `SELECT service_alert_pm, connection_alert_pm, appeal_days, callbacks_per_hour, callbacks_per_number, updated_at
		FROM supervisor_settings`
	if err := s.db.GetContext(ctx, &st, q); err != nil {
		return st, fmt.Errorf("calls: supervisor settings: %w", err)
	}
	return st, nil
}

// SaveSupervisorSettings changes the settings (admins); a value out of its
// range is a *FieldError. The change is audited.
func (s *Store) SaveSupervisorSettings(ctx context.Context, in SupervisorSettings, a Actor) (SupervisorSettings, error) {
	for _, c := range []struct {
		field    string
		v, lo, h int
		what     string
	}{
		{"service_alert_pm", in.ServiceAlertPM, 1, 1000, "15 秒接通率的告警线为 0.1% 到 100%"},
		{"connection_alert_pm", in.ConnectionAlertPM, 1, 1000, "接通率的告警线为 0.1% 到 100%"},
		{"appeal_days", in.AppealDays, 0, 30, "申诉期限为 0 到 30 个工作日"},
		{"callbacks_per_hour", in.CallbacksPerHour, 1, 600, "每人每小时回拨次数为 1 到 600"},
		{"callbacks_per_number", in.CallbacksPerNumber, 1, 20, "同一号码每天回拨次数为 1 到 20"},
	} {
		if c.v < c.lo || c.v > c.h {
			return SupervisorSettings{}, fieldErr(c.field, "%s", c.what)
		}
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return SupervisorSettings{}, fmt.Errorf("calls: save supervisor settings: %w", err)
	}
	defer tx.Rollback()
	const q = `UPDATE supervisor_settings SET service_alert_pm = $1, connection_alert_pm = $2, appeal_days = $3,
		callbacks_per_hour = $4, callbacks_per_number = $5, updated_by = NULLIF($6, 0), updated_at = now()`
	if _, err := tx.ExecContext(ctx, q, in.ServiceAlertPM, in.ConnectionAlertPM, in.AppealDays, in.CallbacksPerHour,
		in.CallbacksPerNumber, a.AccountID); err != nil {
		return SupervisorSettings{}, fmt.Errorf("calls: save supervisor settings: %w", err)
	}
	detail := map[string]any{"service_alert_pm": in.ServiceAlertPM, "connection_alert_pm": in.ConnectionAlertPM,
		"appeal_days": in.AppealDays, "callbacks_per_hour": in.CallbacksPerHour, "callbacks_per_number": in.CallbacksPerNumber}
	if err := audit(ctx, tx, a, "supervisor.settings", "supervisor_settings", 1, detail); err != nil {
		return SupervisorSettings{}, err
	}
	if err := tx.Commit(); err != nil {
		return SupervisorSettings{}, fmt.Errorf("calls: save supervisor settings: %w", err)
	}
	return s.SupervisorSettings(ctx)
}

// NewCallBack asks for a call-back: of the abandoned call CallID (kind
// callback) or to the asker of the answered query QueryCode (followup).
type NewCallBack struct {
	Kind      string
	CallID    int64
	QueryCode string
	By        Actor
	Extension string // the staff member's phone, rung first
	At        time.Time
	// OwnerNode and OwnerEpoch are the node placing the call (see
	// NewCall); "": no node registry.
	OwnerNode  string
	OwnerEpoch int64
}

// CallBack is one call-back with what came of it.
type CallBack struct {
	ID             int64      `db:"id" json:"id"`
	Kind           string     `db:"kind" json:"kind"`
	CallID         *int64     `db:"call_id" json:"call_id,omitempty"`
	QueryCode      string     `db:"query_code" json:"query_code,omitempty"`
	Number         string     `db:"number" json:"number"`
	RequestedBy    string     `db:"requested_by" json:"requested_by"`
	RequestedByID  int64      `db:"requested_by_id" json:"-"`
	RequestedAt    time.Time  `db:"requested_at" json:"requested_at"`
	OutboundCallID *int64     `db:"outbound_call_id" json:"outbound_call_id,omitempty"`
	Result         string     `db:"result" json:"result"`
	Rating         *int       `db:"rating" json:"rating"`
	RatingVia      string     `db:"rating_via" json:"rating_via,omitempty"`
	Note           string     `db:"note" json:"note,omitempty"`
	FinishedAt     *time.Time `db:"finished_at" json:"finished_at"`
	Recorded       bool       `db:"recorded" json:"recorded"`
}

const callBackCols = `b.id, b.kind, b.call_id, b.query_code, b.number, a.username AS requested_by, b.requested_by AS requested_by_id,
	b.requested_at, b.outbound_call_id, b.result, b.rating, b.rating_via, b.note, b.finished_at,
	COALESCE(o.recording_sha256 <> '', false) AS recorded
	FROM callbacks b JOIN accounts a ON a.id = b.requested_by LEFT JOIN calls o ON o.id = b.outbound_call_id`

// staleCallBack is how long a call-back may stay pending before it counts
// as cut off (govhall stopped during it).
const staleCallBack = 2 * time.Hour

// digitsOnly keeps the digits of a stored number ("138-0013-8000").
func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// StartCallBack checks the limits, finds the number in the call record or
// the query, and records the call-back with the outbound call it places
// (direction outbound, the number as caller), in one transaction with its
// audit row. It fails with a *FieldError when the record has no number to
// call (or the query is not answered), ErrNotFound for an unknown call or
// query, ErrConflict while the staff member has a call-back in progress,
// and an ErrLimited (LimitMessage) past the limits.
func (s *Store) StartCallBack(ctx context.Context, n NewCallBack) (CallBack, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return CallBack{}, fmt.Errorf("calls: start call-back: %w", err)
	}
	defer tx.Rollback()
	// One staff member's call-backs are decided one at a time.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7306, $1::int)`, n.By.AccountID); err != nil {
		return CallBack{}, fmt.Errorf("calls: start call-back: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE callbacks SET result = 'failed', finished_at = $1, note = 'govhall stopped during the call-back'
		WHERE result = 'pending' AND requested_at < $2`, n.At, n.At.Add(-staleCallBack)); err != nil {
		return CallBack{}, fmt.Errorf("calls: close stale call-backs: %w", err)
	}
	var number, code string
	var callID sql.NullInt64
	switch n.Kind {
	case CallBackKind:
		err = tx.GetContext(ctx, &number, `SELECT caller FROM calls WHERE id = $1 AND direction = 'inbound'`, n.CallID)
		if errors.Is(err, sql.ErrNoRows) {
			return CallBack{}, fmt.Errorf("call %d: %w", n.CallID, ErrNotFound)
		}
		callID = sql.NullInt64{Int64: n.CallID, Valid: true}
	case FollowUpKind:
		var q struct {
			Phone  string `db:"asker_phone"`
			Status string `db:"status"`
		}
		err = tx.GetContext(ctx, &q, `SELECT asker_phone, status FROM queries WHERE code = $1`, n.QueryCode)
		if errors.Is(err, sql.ErrNoRows) {
			return CallBack{}, fmt.Errorf("query %s: %w", n.QueryCode, ErrNotFound)
		}
		if err == nil && q.Status != "answered" {
			return CallBack{}, fieldErr("query_code", "查询单答复后才能回访")
		}
		number, code = q.Phone, n.QueryCode
	default:
		return CallBack{}, fieldErr("kind", "回拨种类为 callback 或 followup")
	}
	if err != nil {
		return CallBack{}, fmt.Errorf("calls: number of the call-back: %w", err)
	}
	number = digitsOnly(number)
	if len(number) < 3 || len(number) > 20 {
		return CallBack{}, fieldErr("number", "这条记录没有可以回拨的电话号码")
	}
	st, err := s.SupervisorSettings(ctx)
	if err != nil {
		return CallBack{}, err
	}
	var use struct {
		Pending   int `db:"pending"`
		LastHour  int `db:"last_hour"`
		ThisNumer int `db:"this_number"`
	}
	const uq = `SELECT count(*) FILTER (WHERE requested_by = $1 AND result = 'pending') AS pending,
			count(*) FILTER (WHERE requested_by = $1 AND requested_at > $3) AS last_hour,
			count(*) FILTER (WHERE number = $2 AND requested_at > $4) AS this_number
		FROM callbacks WHERE requested_by = $1 OR number = $2`
	if err := tx.GetContext(ctx, &use, uq, n.By.AccountID, number, n.At.Add(-time.Hour), n.At.Add(-24*time.Hour)); err != nil {
		return CallBack{}, fmt.Errorf("calls: call-back limits: %w", err)
	}
	switch {
	case use.Pending > 0:
		return CallBack{}, fmt.Errorf("%w: 您有一通回拨正在进行，请结束后再拨", ErrConflict)
	case use.LastHour >= st.CallbacksPerHour:
		return CallBack{}, &limitErr{fmt.Sprintf("每人每小时最多回拨 %d 次，请稍后再拨", st.CallbacksPerHour)}
	case use.ThisNumer >= st.CallbacksPerNumber:
		return CallBack{}, &limitErr{fmt.Sprintf("这个号码 24 小时内已回拨 %d 次，不能再拨", use.ThisNumer)}
	}
	var id int64
	const ins = `INSERT INTO callbacks (kind, call_id, query_code, number, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`
	if err := tx.GetContext(ctx, &id, ins, n.Kind, callID, code, number, n.By.AccountID, n.At); err != nil {
		return CallBack{}, fmt.Errorf("calls: start call-back: %w", err)
	}
	var out int64
	const call = `INSERT INTO calls (sip_call_id, caller, callee, transport, source, started_at, direction, query_code, owner_node, owner_epoch)
		VALUES ($1, $2, $3, 'UDP', 'govhall', $4, 'outbound', $5, NULLIF($6, ''), CASE WHEN $6 = '' THEN NULL ELSE $7::bigint END) RETURNING id`
	if err := tx.GetContext(ctx, &out, call, fmt.Sprintf("govhall-callback-%d", id), number, n.Extension, n.At, code,
		n.OwnerNode, n.OwnerEpoch); err != nil {
		return CallBack{}, fmt.Errorf("calls: record the outbound call: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE callbacks SET outbound_call_id = $2 WHERE id = $1`, id, out); err != nil {
		return CallBack{}, fmt.Errorf("calls: start call-back: %w", err)
	}
	detail := map[string]any{"kind": n.Kind, "number": MaskNumber(number), "outbound_call_id": out, "extension": n.Extension}
	if callID.Valid {
		detail["call_id"] = callID.Int64
	}
	if code != "" {
		detail["query_code"] = code
	}
	if err := audit(ctx, tx, n.By, "callback.place", "callback", id, detail); err != nil {
		return CallBack{}, err
	}
	if err := tx.Commit(); err != nil {
		return CallBack{}, fmt.Errorf("calls: start call-back: %w", err)
	}
	return s.CallBack(ctx, id)
}

// CallBack returns one call-back, or ErrNotFound.
func (s *Store) CallBack(ctx context.Context, id int64) (CallBack, error) {
	var b CallBack
	err := s.db.GetContext(ctx, &b, `SELECT `+callBackCols+` WHERE b.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("call-back %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return b, fmt.Errorf("calls: call-back %d: %w", id, err)
	}
	return b, nil
}

// CallBacks returns the latest call-backs, newest first: of a query when
// code is set, of a call when callID is.
func (s *Store) CallBacks(ctx context.Context, code string, callID int64, limit int) ([]CallBack, error) {
	q := `SELECT ` + callBackCols + ` WHERE ($1 = '' OR b.query_code = $1) AND ($2 = 0 OR b.call_id = $2)
		ORDER BY b.requested_at DESC, b.id DESC LIMIT $3`
	out := []CallBack{}
	if err := s.db.SelectContext(ctx, &out, q, code, callID, min(max(limit, 1), 500)); err != nil {
		return nil, fmt.Errorf("calls: call-backs: %w", err)
	}
	return out, nil
}

// SetCallSIPID records the SIP Call-ID of the citizen's leg of an
// outbound call.
func (s *Store) SetCallSIPID(ctx context.Context, callID int64, sipCallID string) error {
	return s.exec(ctx, "set sip call id", `UPDATE calls SET sip_call_id = $2 WHERE id = $1`, callID, sipCallID)
}

// FinishCallBack records how a pending call-back went.
func (s *Store) FinishCallBack(ctx context.Context, id int64, result string, at time.Time) error {
	return s.exec(ctx, "finish call-back", `UPDATE callbacks SET result = $2, finished_at = $3 WHERE id = $1 AND result = 'pending'`,
		id, result, at)
}

// RateCallBack stores the 1–5 the citizen gave on a call-back that reached
// them: keyed on the phone (via "dtmf") or told to the staff member
// ("staff"). A rating given already is kept (ErrConflict).
func (s *Store) RateCallBack(ctx context.Context, id int64, score int, via string) error {
	if score < 1 || score > 5 {
		return fieldErr("rating", "满意度为 1 到 5 分")
	}
	res, err := s.db.ExecContext(ctx, `UPDATE callbacks SET rating = $2, rating_via = $3 WHERE id = $1 AND rating IS NULL AND result IN ('reached', 'pending')`,
		id, score, via)
	if err != nil {
		return fmt.Errorf("calls: rate call-back %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: 这次回访已经有满意度了，或者没有接通", ErrConflict)
	}
	return nil
}

// NoteCallBack adds the staff member's note to a call-back (appended to
// what was written).
func (s *Store) NoteCallBack(ctx context.Context, id int64, note string) error {
	note, err := noteText(note, true)
	if err != nil {
		return err
	}
	const q = `UPDATE callbacks SET note = left(CASE WHEN note = '' THEN $2 ELSE note || E'\n' || $2 END, 2000) WHERE id = $1`
	return s.exec(ctx, "note call-back", q, id, note)
}

// FollowUp is an answered query whose asker was not reached by a 回访 yet.
type FollowUp struct {
	Code       string     `db:"code" json:"code"`
	Question   string     `db:"question" json:"question"`
	AskerName  string     `db:"asker_name" json:"asker_name,omitempty"`
	Phone      string     `db:"asker_phone" json:"phone"` // full number: staff only
	Department string     `db:"department" json:"department"`
	Channel    string     `db:"channel" json:"channel"`
	AnsweredAt time.Time  `db:"answered_at" json:"answered_at"`
	Attempts   int        `db:"attempts" json:"attempts"`
	LastResult string     `db:"last_result" json:"last_result,omitempty"`
	LastAt     *time.Time `db:"last_at" json:"last_at,omitempty"`
}

// FollowUps returns the queries answered since from that left a phone
// number and have no 回访 that reached the asker, oldest answer first.
func (s *Store) FollowUps(ctx context.Context, from time.Time, limit int) ([]FollowUp, error) {
	const q = `SELECT q.code, left(q.question, 200) AS question, q.asker_name, q.asker_phone, d.name AS department, q.channel, q.answered_at,
			(SELECT count(*) FROM callbacks b WHERE b.query_code = q.code) AS attempts,
			COALESCE((SELECT b.result FROM callbacks b WHERE b.query_code = q.code ORDER BY b.requested_at DESC, b.id DESC LIMIT 1), '') AS last_result,
			(SELECT max(b.requested_at) FROM callbacks b WHERE b.query_code = q.code) AS last_at
		FROM queries q JOIN departments d ON d.id = q.department_id
		WHERE q.status = 'answered' AND q.asker_phone ~ '[0-9]{3}' AND q.answered_at >= $1
			AND NOT EXISTS (SELECT 1 FROM callbacks b WHERE b.query_code = q.code AND b.result = 'reached')
		ORDER BY q.answered_at, q.id LIMIT $2`
	out := []FollowUp{}
	if err := s.db.SelectContext(ctx, &out, q, from, min(max(limit, 1), 500)); err != nil {
		return nil, fmt.Errorf("calls: follow-ups: %w", err)
	}
	return out, nil
}

package calls

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// What the supervisor's wallboard reads of the records: today's figures
// of the line, the calls abandoned in the queue today, and the names and
// pause reasons of the operators.

// Direction of a call.
const (
	DirectionInbound  = "inbound"  // a call to 96128
	DirectionOutbound = "outbound" // a call govhall placed (回拨, 回访)
)

// Figures are the counts of the calls to 96128 that reached the queue in a
// period and the rates computed from them (nil when nothing counts yet).
//
//   - Offered: calls that entered the queue and left it (answered, hung
//     up, or sent to voicemail after the longest wait); callers still
//     waiting do not count yet.
//   - Answered: of them, those an operator answered.
//   - ShortAbandoned: hung up in the queue sooner than ShortAbandonS
//     (stats_settings.short_abandon_s, default 5 s): not counted against
//     the line.
//   - ConnectionRate (接通率) = Answered ÷ (Offered − ShortAbandoned).
//   - ServiceLevel (15 秒接通率) = answered within AnswerTargetS
//     (stats_settings.answer_target_s, default 15 s) of joining the queue
//     ÷ (Offered − ShortAbandoned).
type Figures struct {
	Offered        int      `db:"offered" json:"offered"`
	Answered       int      `db:"answered" json:"answered"`
	AnsweredInTime int      `db:"answered_in_time" json:"answered_in_time"`
	Abandoned      int      `db:"abandoned" json:"abandoned"`
	ShortAbandoned int      `db:"short_abandoned" json:"short_abandoned"`
	ShortAbandonS  int      `db:"short_abandon_s" json:"short_abandon_s"`
	AnswerTargetS  int      `db:"answer_target_s" json:"answer_target_s"`
	ConnectionRate *float64 `db:"-" json:"connection_rate"`
	ServiceLevel   *float64 `db:"-" json:"service_level"`
}

// operatorAnswered is the first answer of an operator's leg of call c.
const operatorAnswered = `(SELECT min(l.answered_at) FROM call_legs l WHERE l.call_id = c.id AND l.party = 'operator' AND l.answered_at IS NOT NULL)`

// Figures returns the figures of the calls that started in [from, to).
func (s *Store) Figures(ctx context.Context, from, to time.Time) (Figures, error) {
	const q = `WITH st AS (SELECT COALESCE((SELECT short_abandon_s FROM stats_settings), 5) AS short_s,
			COALESCE((SELECT answer_target_s FROM stats_settings), 15) AS target_s),
		c AS (SELECT c.outcome, c.queued_at, COALESCE(c.dequeued_at, c.ended_at, c.queued_at) AS left_at, ` + operatorAnswered + ` AS op_at
			FROM calls c WHERE c.direction = 'inbound' AND c.started_at >= $1 AND c.started_at < $2 AND c.queued_at IS NOT NULL)
		SELECT count(c.queued_at) AS offered,
			count(c.op_at) AS answered,
			count(c.op_at) FILTER (WHERE c.op_at - c.queued_at <= make_interval(secs => st.target_s)) AS answered_in_time,
			count(*) FILTER (WHERE c.op_at IS NULL AND c.outcome = 'abandoned') AS abandoned,
			count(*) FILTER (WHERE c.op_at IS NULL AND c.outcome = 'abandoned' AND c.left_at - c.queued_at < make_interval(secs => st.short_s)) AS short_abandoned,
			min(st.short_s) AS short_abandon_s, min(st.target_s) AS answer_target_s
		FROM st LEFT JOIN c ON true`
	var f Figures
	if err := s.db.GetContext(ctx, &f, q, from, to); err != nil {
		return Figures{}, fmt.Errorf("calls: figures: %w", err)
	}
	if base := f.Offered - f.ShortAbandoned; base > 0 {
		cr, sl := float64(f.Answered)/float64(base), float64(f.AnsweredInTime)/float64(base)
		f.ConnectionRate, f.ServiceLevel = &cr, &sl
	}
	return f, nil
}

// AbandonedCall is a call whose caller hung up in the queue, with what
// was done about it since.
type AbandonedCall struct {
	ID          int64     `db:"id" json:"id"`
	Caller      string    `db:"caller" json:"caller"` // the full number: staff only
	StartedAt   time.Time `db:"started_at" json:"started_at"`
	WaitedS     float64   `db:"waited_s" json:"waited_s"`
	Short       bool      `db:"short" json:"short"`               // hung up within the short-abandon time
	CalledAgain bool      `db:"called_again" json:"called_again"` // the number got through to 96128 later
	CallBacks   int       `db:"callbacks" json:"callbacks"`       // call-backs placed for it
	LastResult  string    `db:"last_result" json:"last_result,omitempty"`
}

// Abandoned returns the calls of [from, to) abandoned in the queue, newest
// first, at most limit.
func (s *Store) Abandoned(ctx context.Context, from, to time.Time, limit int) ([]AbandonedCall, error) {
	const q = `SELECT c.id, c.caller, c.started_at,
			EXTRACT(EPOCH FROM COALESCE(c.dequeued_at, c.ended_at, c.queued_at) - c.queued_at)::float8 AS waited_s,
			COALESCE(c.dequeued_at, c.ended_at, c.queued_at) - c.queued_at
				< make_interval(secs => COALESCE((SELECT short_abandon_s FROM stats_settings), 5)) AS short,
			EXISTS (SELECT 1 FROM calls n WHERE n.caller = c.caller AND n.caller <> '' AND n.direction = 'inbound'
				AND n.started_at > c.started_at AND n.outcome IN ('answered', 'transferred')) AS called_again,
			(SELECT count(*) FROM callbacks b WHERE b.call_id = c.id) AS callbacks,
			COALESCE((SELECT b.result FROM callbacks b WHERE b.call_id = c.id ORDER BY b.requested_at DESC, b.id DESC LIMIT 1), '') AS last_result
		FROM calls c
		WHERE c.direction = 'inbound' AND c.started_at >= $1 AND c.started_at < $2 AND c.queued_at IS NOT NULL
			AND c.outcome = 'abandoned' AND ` + operatorAnswered + ` IS NULL
		ORDER BY c.started_at DESC, c.id DESC LIMIT $3`
	out := []AbandonedCall{}
	if err := s.db.SelectContext(ctx, &out, q, from, to, min(max(limit, 1), 500)); err != nil {
		return nil, fmt.Errorf("calls: abandoned calls: %w", err)
	}
	return out, nil
}

// OperatorInfo is what the wallboard shows of an operator beyond the ACD:
// their name and why they are paused.
type OperatorInfo struct {
	AccountID   int64  `db:"account_id"`
	DisplayName string `db:"display_name"`
	PauseReason string `db:"pause_reason"`
}

// OperatorInfos returns the names and pause reasons of the staff accounts
// with an operator phone, by account id.
func (s *Store) OperatorInfos(ctx context.Context) (map[int64]OperatorInfo, error) {
	const q = `SELECT DISTINCT a.id AS account_id, a.display_name,
			COALESCE((SELECT o.pause_reason FROM operator_states o WHERE o.account_id = a.id AND o.state = 'paused'), '') AS pause_reason
		FROM sip_accounts s JOIN accounts a ON a.id = s.account_id WHERE s.kind = 'operator'`
	var rows []OperatorInfo
	if err := s.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, fmt.Errorf("calls: operator names: %w", err)
	}
	out := make(map[int64]OperatorInfo, len(rows))
	for _, r := range rows {
		out[r.AccountID] = r
	}
	return out, nil
}

// DepartmentNames returns the names of the departments by id.
func (s *Store) DepartmentNames(ctx context.Context) (map[int64]string, error) {
	var rows []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT id, name FROM departments`); err != nil {
		return nil, fmt.Errorf("calls: department names: %w", err)
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// CallTimes are when a call in progress started and when the staff member
// now on it answered.
type CallTimes struct {
	StartedAt  time.Time  `db:"started_at"`
	AnsweredAt *time.Time `db:"answered_at"` // the latest leg still up that answered
	QueuedAt   *time.Time `db:"queued_at"`
}

// ActiveTimes returns the times of the calls ids, by id.
func (s *Store) ActiveTimes(ctx context.Context, ids []int64) (map[int64]CallTimes, error) {
	out := map[int64]CallTimes{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID int64 `db:"id"`
		CallTimes
	}
	const q = `SELECT c.id, c.started_at, c.queued_at,
			(SELECT max(l.answered_at) FROM call_legs l WHERE l.call_id = c.id AND l.ended_at IS NULL) AS answered_at
		FROM calls c WHERE c.id = ANY($1)`
	if err := s.db.SelectContext(ctx, &rows, q, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("calls: times of calls in progress: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.CallTimes
	}
	return out, nil
}

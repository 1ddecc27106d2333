package calls

import (
	"context"
	"fmt"
	"time"
)

// Methods of a transfer.
const (
	MethodRefer    = "refer"    // blind, by a REFER from the phone
	MethodAPI      = "api"      // blind, from the console
	MethodAttended = "attended" // from the console, the operator talks with the liaison first
)

// Results of a transfer (转接质量). A blind transfer ends answered,
// no_answer, out_of_hours, no_liaison, failed or caller_hung_up; an
// attended one also completed, cancelled, refused, timeout or threeway.
const (
	TransferPending      = "pending"
	TransferAnswered     = "answered" // blind: the liaison answered and took the call
	TransferNoAnswer     = "no_answer"
	TransferOutOfHours   = "out_of_hours"
	TransferNoLiaison    = "no_liaison"
	TransferFailed       = "failed"
	TransferCallerHungUp = "caller_hung_up"
	TransferCompleted    = "completed" // attended: the caller was left with the liaison
	TransferCancelled    = "cancelled" // attended: called off, the caller is back with the operator
	TransferRefused      = "refused"   // the liaisons' phones declined (busy, 603 …)
	TransferTimeout      = "timeout"   // attended: nobody answered in time
	TransferThreeWay     = "threeway"  // attended: a three-way call ended before the operator left it
)

// NewTransfer is a request to transfer a call to a department.
type NewTransfer struct {
	CallID       int64
	DepartmentID int64
	Method       string // a Method* constant
	RingStrategy string // the department's, RingOrder or RingAll
	RequestedBy  int64  // staff account, 0 if unknown
	FromLegID    int64
	At           time.Time
}

// StartTransfer records a transfer request and returns its id.
func (s *Store) StartTransfer(ctx context.Context, n NewTransfer) (int64, error) {
	if n.RingStrategy == "" {
		n.RingStrategy = RingOrder
	}
	var id int64
	const q = `INSERT INTO call_transfers (call_id, department_id, method, ring_strategy, requested_by, from_leg_id, requested_at)
		VALUES ($1, $2, $3, $4, NULLIF($5, 0), NULLIF($6, 0), $7) RETURNING id`
	err := s.db.GetContext(ctx, &id, q, n.CallID, n.DepartmentID, n.Method, n.RingStrategy, n.RequestedBy, n.FromLegID, n.At)
	if err != nil {
		return 0, fmt.Errorf("calls: start transfer of call %d: %w", n.CallID, err)
	}
	return id, nil
}

// TransferAnswered records that a liaison answered a transfer still in
// progress (an attended transfer, before it completes).
func (s *Store) TransferAnswered(ctx context.Context, id int64, at time.Time, toLegID int64) error {
	const q = `UPDATE call_transfers SET answered_at = $2, to_leg_id = $3 WHERE id = $1 AND result = 'pending'`
	return s.exec(ctx, "transfer answered", q, id, at, toLegID)
}

// TransferThreeWay records that a transfer in progress became a three-way
// call.
func (s *Store) TransferThreeWay(ctx context.Context, id int64, at time.Time) error {
	const q = `UPDATE call_transfers SET threeway_at = COALESCE(threeway_at, $2) WHERE id = $1 AND result = 'pending'`
	return s.exec(ctx, "transfer three-way", q, id, at)
}

// FinishTransfer records how a transfer ended; toLegID is the liaison leg
// that answered (0: none, or as TransferAnswered recorded it). It returns
// ErrNotFound when the transfer is not pending.
func (s *Store) FinishTransfer(ctx context.Context, id int64, at time.Time, result string, toLegID int64, note string) error {
	const q = `UPDATE call_transfers SET finished_at = $2::timestamptz, result = $3::text,
		to_leg_id = COALESCE(NULLIF($4, 0), to_leg_id), note = $5,
		answered_at = CASE WHEN $3::text = 'answered' THEN COALESCE(answered_at, $2::timestamptz) ELSE answered_at END
		WHERE id = $1 AND result = 'pending'`
	return s.exec(ctx, "finish transfer", q, id, at, result, toLegID, note)
}

package calls

import (
	"context"
	"fmt"
	"time"
)

// Hold is a time the caller spent on hold.
type Hold struct {
	ID        int64      `db:"id" json:"id"`
	CallID    int64      `db:"call_id" json:"-"`
	By        string     `db:"by" json:"by,omitempty"` // staff username
	StartedAt time.Time  `db:"started_at" json:"started_at"`
	EndedAt   *time.Time `db:"ended_at" json:"ended_at"`
}

// StartHold records that a staff member (accountID, on leg legID; either
// may be 0) put the caller on hold, and returns the hold's id.
func (s *Store) StartHold(ctx context.Context, callID, legID, accountID int64, at time.Time) (int64, error) {
	var id int64
	const q = `INSERT INTO call_holds (call_id, leg_id, account_id, started_at) VALUES ($1, NULLIF($2, 0), NULLIF($3, 0), $4) RETURNING id`
	if err := s.db.GetContext(ctx, &id, q, callID, legID, accountID, at); err != nil {
		return 0, fmt.Errorf("calls: start hold of call %d: %w", callID, err)
	}
	return id, nil
}

// EndHold records the end of a hold; ErrNotFound when it already ended.
func (s *Store) EndHold(ctx context.Context, id int64, at time.Time) error {
	const q = `UPDATE call_holds SET ended_at = GREATEST($2, started_at) WHERE id = $1 AND ended_at IS NULL`
	return s.exec(ctx, "end hold", q, id, at)
}

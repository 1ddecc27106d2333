package calls

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Operator states of the ACD.
const (
	StateAvailable = "available"
	StateBusy      = "busy"
	StateWrapUp    = "wrapup"
	StatePaused    = "paused"
	StateOffline   = "offline"
)

// ValidState reports whether s is an operator state.
func ValidState(s string) bool {
	switch s {
	case StateAvailable, StateBusy, StateWrapUp, StatePaused, StateOffline:
		return true
	}
	return false
}

// OperatorState is an operator's current state and since when.
type OperatorState struct {
	AccountID int64     `db:"account_id" json:"account_id"`
	Username  string    `db:"username" json:"username"`
	State     string    `db:"state" json:"state"`
	Since     time.Time `db:"since" json:"since"`
}

// SaveOperatorState makes state the operator's current one from at,
// closing the previous period into the log. Setting the current state
// again changes nothing.
func (s *Store) SaveOperatorState(ctx context.Context, accountID int64, state string, at time.Time) error {
	if !ValidState(state) {
		return fieldErr("state", "%q must be one of available, busy, wrapup, paused, offline", state)
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("calls: operator state: %w", err)
	}
	defer tx.Rollback()
	var cur OperatorState
	err = tx.GetContext(ctx, &cur, `SELECT account_id, '' AS username, state, since FROM operator_states WHERE account_id = $1 FOR UPDATE`, accountID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("calls: operator state of %d: %w", accountID, err)
	case cur.State == state:
		return nil
	default:
		const logQ = `INSERT INTO operator_state_log (account_id, state, started_at, ended_at) VALUES ($1, $2, $3::timestamptz, GREATEST($3::timestamptz, $4::timestamptz))`
		if _, err := tx.ExecContext(ctx, logQ, accountID, cur.State, cur.Since, at); err != nil {
			return fmt.Errorf("calls: operator state log of %d: %w", accountID, err)
		}
	}
	const q = `INSERT INTO operator_states (account_id, state, since) VALUES ($1, $2, $3)
		ON CONFLICT (account_id) DO UPDATE SET state = EXCLUDED.state, since = EXCLUDED.since`
	if _, err := tx.ExecContext(ctx, q, accountID, state, at); err != nil {
		return fmt.Errorf("calls: operator state of %d: %w", accountID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("calls: operator state of %d: %w", accountID, err)
	}
	return nil
}

// OperatorStates returns the saved states of all operators.
func (s *Store) OperatorStates(ctx context.Context) ([]OperatorState, error) {
	var ss []OperatorState
	const q = `SELECT o.account_id, a.username, o.state, o.since FROM operator_states o JOIN accounts a ON a.id = o.account_id ORDER BY a.username`
	if err := s.db.SelectContext(ctx, &ss, q); err != nil {
		return nil, fmt.Errorf("calls: operator states: %w", err)
	}
	return ss, nil
}

// StateTimes returns how long an operator spent in each state between from
// and to, counting the current state up to to.
func (s *Store) StateTimes(ctx context.Context, accountID int64, from, to time.Time) (map[string]time.Duration, error) {
	var rows []struct {
		State   string  `db:"state"`
		Seconds float64 `db:"seconds"`
	}
	const q = `WITH periods AS (
			SELECT state, started_at, ended_at FROM operator_state_log WHERE account_id = $1
			UNION ALL SELECT state, since, $3::timestamptz FROM operator_states WHERE account_id = $1)
		SELECT state, SUM(EXTRACT(EPOCH FROM LEAST(ended_at, $3) - GREATEST(started_at, $2)))::float8 AS seconds
		FROM periods WHERE ended_at > $2 AND started_at < $3 GROUP BY state`
	if err := s.db.SelectContext(ctx, &rows, q, accountID, from, to); err != nil {
		return nil, fmt.Errorf("calls: state times of %d: %w", accountID, err)
	}
	out := map[string]time.Duration{}
	for _, r := range rows {
		out[r.State] = time.Duration(r.Seconds * float64(time.Second))
	}
	return out, nil
}

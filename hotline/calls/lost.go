package calls

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// EndNodeLost is the end_reason of a call whose node died during it
// (closed by another node's reaper, hotline/cluster).
const EndNodeLost = "node_lost"

// LostCalls returns, in tx, the open calls node owned, locked until tx
// ends.
func LostCalls(ctx context.Context, tx *sqlx.Tx, node string) ([]OpenCall, error) {
	var cs []OpenCall
	const q = `SELECT id, recording_path FROM calls WHERE owner_node = $1 AND ended_at IS NULL ORDER BY id FOR UPDATE`
	if err := tx.SelectContext(ctx, &cs, q, node); err != nil {
		return nil, fmt.Errorf("calls: open calls of node %s: %w", node, err)
	}
	return cs, nil
}

// CloseLost closes, in tx, a call whose node died: outcome cut_off,
// end_reason node_lost, ended at (the node's last heartbeat), with its
// repaired recording (rec.Path empty: none), its legs, transfers and
// holds closed.
func CloseLost(ctx context.Context, tx *sqlx.Tx, id int64, at time.Time, rec Recording) error {
	return closeStopped(ctx, tx, id, at, EndNodeLost, rec)
}

// FreeOperators makes available again, in tx, the operators a dead node
// left busy or in wrap-up: those whose latest operator leg is on a call
// node owned, and who have no open leg on another node's call. Their busy
// period ends at (the node's last heartbeat, or their state's start if
// later) in operator_state_log. It returns their accounts.
func FreeOperators(ctx context.Context, tx *sqlx.Tx, node string, at time.Time) ([]int64, error) {
	const q = `WITH freed AS (
			SELECT o.account_id, o.state, o.since FROM operator_states o
			WHERE o.state IN ('busy', 'wrapup')
			  AND (SELECT c.owner_node FROM call_legs l JOIN calls c ON c.id = l.call_id
			       WHERE l.account_id = o.account_id AND l.party = 'operator'
			       ORDER BY l.started_at DESC, l.id DESC LIMIT 1) = $1
			  AND NOT EXISTS (SELECT 1 FROM call_legs l JOIN calls c ON c.id = l.call_id
			       WHERE l.account_id = o.account_id AND l.ended_at IS NULL AND c.owner_node IS DISTINCT FROM $1)
			FOR UPDATE OF o),
		logged AS (
			INSERT INTO operator_state_log (account_id, state, started_at, ended_at)
			SELECT account_id, state, since, GREATEST(since, $2::timestamptz) FROM freed)
		UPDATE operator_states o SET state = 'available', since = GREATEST(freed.since, $2::timestamptz)
		FROM freed WHERE o.account_id = freed.account_id RETURNING o.account_id`
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, q, node, at); err != nil {
		return nil, fmt.Errorf("calls: free the operators of node %s: %w", node, err)
	}
	return ids, nil
}

// Closed returns those of ids whose record is closed (by another node's
// reaper while this node was fenced).
func (s *Store) Closed(ctx context.Context, ids []int64) ([]int64, error) {
	var out []int64
	if err := s.db.SelectContext(ctx, &out, `SELECT id FROM calls WHERE id = ANY($1) AND ended_at IS NOT NULL`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("calls: closed calls: %w", err)
	}
	return out, nil
}

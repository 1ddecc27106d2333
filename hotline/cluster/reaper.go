package cluster

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calls"
)

// Reaped is what one reap did to a dead node.
type Reaped struct {
	Node        string    `json:"node"`
	Epoch       int64     `json:"epoch"`
	HeartbeatAt time.Time `json:"heartbeat_at"`
	Why         string    `json:"why"`      // "heartbeat" (stale) or "lock" (its lock was free)
	Calls       []int64   `json:"calls"`    // closed as node_lost
	Repaired    []int64   `json:"repaired"` // of those, the calls whose recording was repaired
	Operators   []int64   `json:"operators"`
}

// candidate is a live-looking row of another node.
type candidate struct {
	ID          string    `db:"node_id"`
	Epoch       int64     `db:"epoch"`
	HeartbeatAt time.Time `db:"heartbeat_at"`
	Stale       bool      `db:"stale"`
}

// reaps runs Reap every Heartbeat until Close.
func (n *Node) reaps() {
	defer n.done.Done()
	t := time.NewTicker(n.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if _, err := n.Reap(ctx); err != nil {
				n.log.Warn("reaper", "err", err)
			}
			cancel()
		}
	}
}

// Reap marks dead the other nodes whose heartbeat is older than
// DeadAfter or whose lock is free (the process is gone), closes their open
// calls as node_lost at their last heartbeat (repairing the recordings it
// can reach), frees their operators and writes an audit entry for each.
// Each dead node is reaped in a transaction of its own that locks its row
// only (FOR UPDATE SKIP LOCKED): one reaper wins, and the live nodes'
// heartbeats never wait for a reap. A fenced node reaps nothing.
func (n *Node) Reap(ctx context.Context) ([]Reaped, error) {
	if n.Fenced() {
		return nil, nil
	}
	var cs []candidate
	const q = `SELECT node_id, epoch, heartbeat_at, heartbeat_at < now() - make_interval(secs => $2) AS stale
		FROM nodes WHERE state IN ('up', 'draining') AND node_id <> $1 ORDER BY node_id`
	if err := n.db.SelectContext(ctx, &cs, q, n.cfg.ID, n.cfg.DeadAfter.Seconds()); err != nil {
		return nil, fmt.Errorf("cluster: reap: %w", err)
	}
	var out []Reaped
	for _, c := range cs {
		why, err := n.deadWhy(ctx, c)
		if err != nil {
			return out, err
		}
		if why == "" {
			continue
		}
		r, ok, err := n.reap(ctx, c, why)
		if err != nil {
			return out, err
		}
		if ok {
			n.log.Warn("node reaped", "dead_node", r.Node, "epoch", r.Epoch, "heartbeat_at", r.HeartbeatAt, "why", r.Why,
				"calls", len(r.Calls), "recordings_repaired", len(r.Repaired), "operators_freed", len(r.Operators))
			out = append(out, r)
		}
	}
	return out, nil
}

// deadWhy tells whether a node is dead: "heartbeat" when its heartbeat
// is stale, "lock" when its advisory lock is free (taken and released at
// once on one session), "" when it lives.
func (n *Node) deadWhy(ctx context.Context, c candidate) (string, error) {
	if c.Stale {
		return "heartbeat", nil
	}
	conn, err := n.db.Connx(ctx)
	if err != nil {
		return "", fmt.Errorf("cluster: reap: %w", err)
	}
	defer conn.Close()
	var free bool
	if err := conn.GetContext(ctx, &free, `SELECT pg_try_advisory_lock(hashtext('node:' || $1))`, c.ID); err != nil {
		discard(conn.Conn)
		return "", fmt.Errorf("cluster: lock of node %s: %w", c.ID, err)
	}
	if !free {
		return "", nil
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtext('node:' || $1))`, c.ID); err != nil {
		discard(conn.Conn) // the lock goes with the session
		return "", fmt.Errorf("cluster: unlock of node %s: %w", c.ID, err)
	}
	return "lock", nil
}

// reap reaps one node in a transaction holding its row, unless another
// reaper holds it or the node came back (a new epoch, a fresh heartbeat
// when it was found stale); ok says whether it did.
func (n *Node) reap(ctx context.Context, c candidate, why string) (r Reaped, ok bool, err error) {
	tx, err := n.db.BeginTxx(ctx, nil)
	if err != nil {
		return r, false, fmt.Errorf("cluster: reap node %s: %w", c.ID, err)
	}
	defer tx.Rollback()
	const q = `SELECT heartbeat_at FROM nodes WHERE node_id = $1 AND epoch = $2 AND state IN ('up', 'draining')
		AND ($3 OR heartbeat_at < now() - make_interval(secs => $4)) FOR UPDATE SKIP LOCKED`
	var beat time.Time
	err = tx.GetContext(ctx, &beat, q, c.ID, c.Epoch, why == "lock", n.cfg.DeadAfter.Seconds())
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("cluster: reap node %s: %w", c.ID, err)
	}
	c.HeartbeatAt = beat
	if r, err = n.reapOne(ctx, tx, c, why); err != nil {
		return r, false, err
	}
	if err := tx.Commit(); err != nil {
		return r, false, fmt.Errorf("cluster: reap node %s: %w", c.ID, err)
	}
	return r, true, nil
}

// reapOne marks a node dead and closes what it left, in tx.
func (n *Node) reapOne(ctx context.Context, tx *sqlx.Tx, c candidate, why string) (Reaped, error) {
	r := Reaped{Node: c.ID, Epoch: c.Epoch, HeartbeatAt: c.HeartbeatAt, Why: why, Calls: []int64{}, Repaired: []int64{}}
	if _, err := tx.ExecContext(ctx, `UPDATE nodes SET state = 'dead' WHERE node_id = $1`, c.ID); err != nil {
		return r, fmt.Errorf("cluster: mark node %s dead: %w", c.ID, err)
	}
	ops, err := calls.FreeOperators(ctx, tx, c.ID, c.HeartbeatAt)
	if err != nil {
		return r, err
	}
	r.Operators = append([]int64{}, ops...)
	open, err := calls.LostCalls(ctx, tx, c.ID)
	if err != nil {
		return r, err
	}
	for _, oc := range open {
		rec := n.repair(oc)
		if err := calls.CloseLost(ctx, tx, oc.ID, c.HeartbeatAt, rec); err != nil {
			return r, err
		}
		r.Calls = append(r.Calls, oc.ID)
		if rec.Path != "" {
			r.Repaired = append(r.Repaired, oc.ID)
		}
	}
	detail, err := json.Marshal(r)
	if err != nil {
		return r, fmt.Errorf("cluster: audit detail: %w", err)
	}
	const audit = `INSERT INTO audit_log (actor, action, object_type, object_id, detail) VALUES ($1, 'node.reap', 'node', $2, $3)`
	if _, err := tx.ExecContext(ctx, audit, "govhall node "+n.cfg.ID, c.ID, detail); err != nil {
		return r, fmt.Errorf("cluster: audit reap of node %s: %w", c.ID, err)
	}
	return r, nil
}

// repair fixes the header of a dead node's recording and finalises it
// under its name (Config.Recordings), when this node can reach the file;
// the zero Recording when not (the record keeps its URL, unrepaired).
func (n *Node) repair(oc calls.OpenCall) calls.Recording {
	if oc.RecordingPath == "" || (n.cfg.RecordingsReachable != nil && !n.cfg.RecordingsReachable(oc.RecordingPath)) {
		return calls.Recording{}
	}
	info, err := n.cfg.Recordings.Repair(oc.RecordingPath)
	if err != nil {
		n.log.Warn("repair the recording of a lost call", "call", oc.ID, "recording", oc.RecordingPath, "err", err)
		return calls.Recording{}
	}
	return calls.Recording{Path: oc.RecordingPath, SHA256: info.SHA256, Duration: info.Duration, Size: info.Size}
}

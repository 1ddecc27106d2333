// Package cluster is the registry of the govhall nodes sharing one
// PostgreSQL: each node has a row in nodes with an epoch that grows at
// every start, heartbeats it every 2 s and holds a session advisory lock
// (pg_advisory_lock(hashtext('node:' || node_id))) on a connection of its
// own. A node that loses that session, or whose heartbeats fail for half
// of DeadAfter (a slow one alone does not: its lock is held), is fenced: it
// takes no new call (SIP 503) until it holds the lock again under a new
// epoch. Every node runs a reaper that marks dead the nodes whose
// heartbeat is stale or whose lock is free, and closes their calls as
// node_lost (see Reaper).
package cluster

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/recstore"
)

// States of a node.
const (
	StateUp       = "up"
	StateDraining = "draining"
	StateDead     = "dead"
)

// Why a node takes no new calls.
var (
	ErrFenced   = errors.New("cluster: this node lost its database lock or heartbeat")
	ErrDraining = errors.New("cluster: this node is draining")
)

// Config configures a Node.
type Config struct {
	ID        string        // GOVHALL_NODE_ID; required
	SIPAddr   string        // advertised SIP address (host:port)
	HTTPAddr  string        // advertised HTTP address (host:port)
	Heartbeat time.Duration // heartbeat and reaper period; default 2s
	DeadAfter time.Duration // a heartbeat older than this is dead; default 10s
	// LockWait is how long Start waits for the node's lock, which another
	// process of the same node id may hold; default 5s.
	LockWait time.Duration
	// Recordings repairs and finalises the recordings a dead node left
	// partial (recstore.Dir on the shared recordings directory); nil: a
	// recstore.Dir, which reaches any file:// URL or path on this host.
	Recordings Repairer
	// RecordingsReachable, if set, says whether a dead node's recording
	// at url may be repaired here (a shared mount); nil: try every one.
	RecordingsReachable func(url string) bool
	Log                 *slog.Logger
}

func (c *Config) defaults() {
	if c.Heartbeat <= 0 {
		c.Heartbeat = 2 * time.Second
	}
	if c.DeadAfter <= 0 {
		c.DeadAfter = 10 * time.Second
	}
	if c.LockWait <= 0 {
		c.LockWait = 5 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Recordings == nil {
		c.Recordings = recstore.NewDir("")
	}
}

// Repairer repairs a recording a process left partial when it died and
// finalises it under its name; recstore.Store implements it.
type Repairer interface {
	Repair(url string) (media.FileInfo, error)
}

// Node is this process in the node registry.
type Node struct {
	cfg Config
	db  *sqlx.DB
	log *slog.Logger

	mu   sync.Mutex
	conn *sql.Conn // the lock session; nil while fenced

	epoch  atomic.Int64
	fenced atomic.Bool
	beatOK atomic.Int64 // unix nanoseconds of the last heartbeat that was stored
	state  atomic.Value // string: up or draining

	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
}

// Start takes the node's lock, bumps its epoch and starts the heartbeat
// and the reaper; Close stops them. It fails when the lock stays held
// (another running process has this node id) for Config.LockWait.
func Start(ctx context.Context, db *sqlx.DB, cfg Config) (*Node, error) {
	cfg.defaults()
	if cfg.ID == "" {
		return nil, fmt.Errorf("cluster: a node id is required (GOVHALL_NODE_ID)")
	}
	n := &Node{cfg: cfg, db: db, log: cfg.Log.With("node", cfg.ID), stop: make(chan struct{})}
	n.state.Store(StateUp)
	deadline := time.Now().Add(cfg.LockWait)
	for {
		err := n.acquire(ctx, true)
		if err == nil {
			break
		}
		if !errors.Is(err, errLockHeld) || time.Now().After(deadline) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("cluster: node %s: %w", cfg.ID, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	n.log.Info("node up", "epoch", n.Epoch(), "sip_addr", cfg.SIPAddr, "http_addr", cfg.HTTPAddr)
	n.done.Add(2)
	go n.heartbeats()
	go n.reaps()
	return n, nil
}

// ID returns the node's id.
func (n *Node) ID() string { return n.cfg.ID }

// Epoch returns the node's current epoch.
func (n *Node) Epoch() int64 { return n.epoch.Load() }

// Fenced reports whether the node lost its lock session or its last
// heartbeat failed (the database is unreachable, or another node declared
// it dead); it ends when the node holds the lock under a new epoch.
func (n *Node) Fenced() bool { return n.fenced.Load() }

// State returns up or draining, as last read from the node's row.
func (n *Node) State() string { return n.state.Load().(string) }

// Accepting returns nil when the node takes new calls, else ErrFenced or
// ErrDraining.
func (n *Node) Accepting() error {
	switch {
	case n.Fenced():
		return ErrFenced
	case n.State() == StateDraining:
		return ErrDraining
	}
	return nil
}

var errLockHeld = errors.New("cluster: the node's lock is held by another session")

// acquire opens the lock session, takes the lock and bumps the epoch;
// starting also resets the node's start time and state.
func (n *Node) acquire(ctx context.Context, starting bool) error {
	conn, err := n.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cluster: lock session of node %s: %w", n.cfg.ID, err)
	}
	var got bool
	// Statements on the lock session end after a heartbeat period
	// without losing the session (see beat).
	timeout := fmt.Sprintf("%dms", max(n.cfg.Heartbeat.Milliseconds(), 1))
	if _, err := conn.ExecContext(ctx, `SELECT set_config('statement_timeout', $1, false)`, timeout); err != nil {
		discard(conn)
		return fmt.Errorf("cluster: lock session of node %s: %w", n.cfg.ID, err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext('node:' || $1))`, n.cfg.ID).Scan(&got); err != nil {
		discard(conn)
		return fmt.Errorf("cluster: lock of node %s: %w", n.cfg.ID, err)
	}
	if !got {
		_ = conn.Close()
		return fmt.Errorf("node %s: %w (is another govhall running with this GOVHALL_NODE_ID?)", n.cfg.ID, errLockHeld)
	}
	const q = `INSERT INTO nodes AS n (node_id, epoch, sip_addr, http_addr, state, started_at, heartbeat_at)
		VALUES ($1, 1, $2, $3, 'up', now(), now())
		ON CONFLICT (node_id) DO UPDATE SET epoch = n.epoch + 1, sip_addr = EXCLUDED.sip_addr, http_addr = EXCLUDED.http_addr,
			state = CASE WHEN $4 OR n.state = 'dead' THEN 'up' ELSE n.state END,
			started_at = CASE WHEN $4 THEN now() ELSE n.started_at END, heartbeat_at = now()
		RETURNING epoch, state`
	var epoch int64
	var state string
	if err := conn.QueryRowContext(ctx, q, n.cfg.ID, n.cfg.SIPAddr, n.cfg.HTTPAddr, starting).Scan(&epoch, &state); err != nil {
		discard(conn)
		return fmt.Errorf("cluster: register node %s: %w", n.cfg.ID, err)
	}
	n.mu.Lock()
	n.conn = conn
	n.mu.Unlock()
	n.epoch.Store(epoch)
	n.state.Store(state)
	n.beatOK.Store(time.Now().UnixNano())
	n.fenced.Store(false)
	return nil
}

// discard closes the database session of conn instead of handing it back
// to the pool, so that its advisory lock goes with it.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// heartbeats runs beat every Heartbeat until Close.
func (n *Node) heartbeats() {
	defer n.done.Done()
	t := time.NewTicker(n.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
			n.beat()
		}
	}
}

// beat heartbeats on the lock session, reading back the state (a drain is
// set by another process); a fenced node tries to take its lock again.
func (n *Node) beat() {
	// A heartbeat slower than a period ends by the session's
	// statement_timeout, which keeps the session and its lock (a context
	// that ends cancels the query by closing the connection: lib/pq takes
	// it for broken). The context only bounds a database that stopped
	// answering, past the time the node may go on without a heartbeat.
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.DeadAfter/2)
	defer cancel()
	if n.Fenced() {
		if err := n.acquire(ctx, false); err != nil {
			n.log.Warn("node still fenced", "err", err)
			return
		}
		n.log.Warn("node unfenced under a new epoch", "epoch", n.Epoch())
		return
	}
	n.mu.Lock()
	conn := n.conn
	n.mu.Unlock()
	var state string
	err := conn.QueryRowContext(ctx, `UPDATE nodes SET heartbeat_at = now() WHERE node_id = $1 AND epoch = $2 AND state <> 'dead'
		RETURNING state`, n.cfg.ID, n.Epoch()).Scan(&state)
	if err == nil {
		n.state.Store(state)
		n.beatOK.Store(time.Now().UnixNano())
		return
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = errors.New("the node's row has a newer epoch or was marked dead")
	} else if late := time.Since(time.Unix(0, n.beatOK.Load())); isTimeout(err) && late < n.cfg.DeadAfter/2 {
		// A slow heartbeat (a busy database or machine) on a session that
		// still holds the lock: no reaper takes the node for dead before
		// its heartbeat is DeadAfter old, so it goes on taking calls for
		// half of that, instead of refusing them at the first slow beat.
		n.log.Warn("node heartbeat slow", "since_last", late.Round(time.Millisecond), "err", err)
		return
	}
	n.fence(err)
}

// isTimeout reports whether err is a statement ended by statement_timeout
// (the session is still there).
func isTimeout(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "57014"
}

// fence stops the node taking calls and drops its lock session.
func (n *Node) fence(why error) {
	n.fenced.Store(true)
	n.mu.Lock()
	conn := n.conn
	n.conn = nil
	n.mu.Unlock()
	if conn != nil {
		discard(conn)
	}
	n.log.Error("node fenced: no new calls until it holds its lock again", "epoch", n.Epoch(), "err", why)
}

// Close stops the heartbeat and the reaper, marks the node's row dead
// (its calls are over: the hotline drained first) and drops the lock.
func (n *Node) Close(ctx context.Context) error {
	n.once.Do(func() { close(n.stop) })
	n.done.Wait()
	n.mu.Lock()
	conn := n.conn
	n.conn = nil
	n.mu.Unlock()
	if conn == nil {
		return nil
	}
	defer discard(conn)
	_, err := conn.ExecContext(ctx, `UPDATE nodes SET state = 'dead', heartbeat_at = now() WHERE node_id = $1 AND epoch = $2`,
		n.cfg.ID, n.Epoch())
	if err != nil {
		return fmt.Errorf("cluster: close node %s: %w", n.cfg.ID, err)
	}
	n.log.Info("node stopped", "epoch", n.Epoch())
	return nil
}

// SetDraining sets (on) or clears (off) the draining state of a node in
// the registry; the node sees it at its next heartbeat. It returns
// sql.ErrNoRows wrapped when the node is unknown or dead.
func SetDraining(ctx context.Context, db *sqlx.DB, id string, on bool) error {
	from, to := StateUp, StateDraining
	if !on {
		from, to = StateDraining, StateUp
	}
	res, err := db.ExecContext(ctx, `UPDATE nodes SET state = $3 WHERE node_id = $1 AND state IN ($2, $3)`, id, from, to)
	if err != nil {
		return fmt.Errorf("cluster: drain node %s: %w", id, err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return fmt.Errorf("node %q is not running (no row in state up or draining): %w", id, sql.ErrNoRows)
	}
	return nil
}

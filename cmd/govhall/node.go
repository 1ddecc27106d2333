package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/cluster"
	"github.com/govhall/govhall/hotline/recstore"
)

// nodeSettings place this process among the govhall nodes sharing one
// database (hotline/cluster).
type nodeSettings struct {
	// ID (GOVHALL_NODE_ID, default the host name) names the node: its
	// row in nodes, its advisory lock and the owner of its calls. Two
	// processes with the same id cannot serve at once.
	ID string
	// SIPAddr and HTTPAddr (GOVHALL_NODE_SIP_ADDR, GOVHALL_NODE_HTTP_ADDR)
	// are the addresses other nodes and the proxies reach this node at;
	// default the listen addresses.
	SIPAddr, HTTPAddr string
	// DeadAfter (GOVHALL_NODE_DEAD_AFTER, default 10s) is how old another
	// node's heartbeat may be before this node's reaper declares it dead.
	DeadAfter time.Duration
}

var nodeIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

func loadNodeSettings(getenv func(string) string, httpAddr, sipAddr string) (nodeSettings, error) {
	s := nodeSettings{ID: strings.TrimSpace(getenv("GOVHALL_NODE_ID")), DeadAfter: 10 * time.Second,
		SIPAddr: or(getenv("GOVHALL_NODE_SIP_ADDR"), sipAddr), HTTPAddr: or(getenv("GOVHALL_NODE_HTTP_ADDR"), httpAddr)}
	if s.ID == "" {
		host, err := os.Hostname()
		if err != nil {
			return s, fmt.Errorf("GOVHALL_NODE_ID is unset and the host name is unknown (%v): set GOVHALL_NODE_ID", err)
		}
		s.ID = host
	}
	if !nodeIDPattern.MatchString(s.ID) {
		return s, fmt.Errorf("GOVHALL_NODE_ID %q must be 1 to 63 letters, digits, dots, dashes or underscores (the host name is the default)", s.ID)
	}
	for name, v := range map[string]string{"GOVHALL_NODE_SIP_ADDR": s.SIPAddr, "GOVHALL_NODE_HTTP_ADDR": s.HTTPAddr} {
		host, port, err := net.SplitHostPort(v)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 || host == "" || strings.ContainsAny(host, "/@ ") {
			return s, fmt.Errorf("%s %q must be host:port, such as 10.0.0.5:5060", name, v)
		}
	}
	if v := getenv("GOVHALL_NODE_DEAD_AFTER"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 4*time.Second || d > 5*time.Minute {
			return s, fmt.Errorf("GOVHALL_NODE_DEAD_AFTER %q must be a duration from 4s (two heartbeats) to 5m, such as 10s", v)
		}
		s.DeadAfter = d
	}
	return s, nil
}

// startNode registers this process in the node registry (its lock, a new
// epoch, the heartbeat and the reaper).
func (p *program) startNode(ctx context.Context, svc *services) (*cluster.Node, error) {
	n := p.cfg.Node
	node, err := cluster.Start(ctx, svc.db, cluster.Config{ID: n.ID, SIPAddr: n.SIPAddr, HTTPAddr: n.HTTPAddr,
		DeadAfter: n.DeadAfter, Recordings: recstore.NewDir(p.cfg.RecordingsDir), Log: p.log.With("component", "cluster")})
	if err != nil {
		return nil, fmt.Errorf("GOVHALL_NODE_ID %s: %w", n.ID, err)
	}
	return node, nil
}

// drain is `govhall drain [--undo] [--wait] [NODE_ID]`: the node (default
// GOVHALL_NODE_ID) answers new INVITEs and OPTIONS 503 and /readyz 503
// from its next heartbeat (2 s), so the proxies send new calls and
// requests elsewhere; its calls in progress go on. --wait returns when
// they are over; --undo takes new calls again.
func (p *program) drain(ctx context.Context, args []string) error {
	id, undo, wait := p.cfg.Node.ID, false, false
	for _, a := range args {
		switch {
		case a == "--undo":
			undo = true
		case a == "--wait":
			wait = true
		case strings.HasPrefix(a, "-"):
			return fmt.Errorf("%w: drain: unknown option %s", errUsage, a)
		default:
			id = a
		}
	}
	db, closeDB, err := p.openDB(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := cluster.SetDraining(ctx, db, id, !undo); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("drain: %w", err)
		}
		return err
	}
	if undo {
		fmt.Fprintf(p.stdout, "node %s takes new calls again\n", id)
		return nil
	}
	fmt.Fprintf(p.stdout, "node %s draining: new calls go to the other nodes from its next heartbeat; calls in progress go on\n", id)
	if !wait {
		return nil
	}
	return p.waitDrained(ctx, db, id)
}

// waitDrained waits until the node has no call in progress, saying how
// many are left when that changes.
func (p *program) waitDrained(ctx context.Context, db *sqlx.DB, id string) error {
	last := -1
	for {
		var n int
		if err := db.GetContext(ctx, &n, `SELECT count(*) FROM calls WHERE owner_node = $1 AND ended_at IS NULL`, id); err != nil {
			return fmt.Errorf("drain: calls of node %s: %w", id, err)
		}
		if n == 0 {
			fmt.Fprintf(p.stdout, "node %s has no call in progress: it may be stopped\n", id)
			return nil
		}
		if n != last {
			fmt.Fprintf(p.stdout, "%d calls in progress on node %s\n", n, id)
			last = n
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// hotlineNode is the node the hotline records its calls under: none
// (nil, not a nil *cluster.Node) for the commands that do not serve.
func (p *program) hotlineNode() hotline.Node {
	if p.node == nil {
		return nil
	}
	return p.node
}

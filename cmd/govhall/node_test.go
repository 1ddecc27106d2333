package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/migrations"
	"github.com/govhall/govhall/migrations/pgtest"
)

// TestNodeSettingsConfig: the node id defaults to the host name, the
// advertised addresses to the listen addresses; bad values name their
// variable.
func TestNodeSettingsConfig(t *testing.T) {
	host, _ := os.Hostname()
	c, err := loadConfig(env(map[string]string{"GOVHALL_SIP_ADDR": "10.0.0.5:5060", "GOVHALL_HTTP_ADDR": "10.0.0.5:8081"}))
	if err != nil || c.Node.ID != host || c.Node.SIPAddr != "10.0.0.5:5060" || c.Node.HTTPAddr != "10.0.0.5:8081" || c.Node.DeadAfter != 10*time.Second {
		t.Fatalf("defaults: %+v %v (host %s)", c.Node, err, host)
	}
	c, err = loadConfig(env(map[string]string{"GOVHALL_NODE_ID": "gov-a.1", "GOVHALL_NODE_SIP_ADDR": "192.0.2.2:5060",
		"GOVHALL_NODE_HTTP_ADDR": "192.0.2.2:8081", "GOVHALL_NODE_DEAD_AFTER": "6s"}))
	if err != nil || c.Node.ID != "gov-a.1" || c.Node.SIPAddr != "192.0.2.2:5060" || c.Node.HTTPAddr != "192.0.2.2:8081" || c.Node.DeadAfter != 6*time.Second {
		t.Fatalf("set: %+v %v", c.Node, err)
	}
	for _, bad := range []map[string]string{
		{"GOVHALL_NODE_ID": "node a"}, {"GOVHALL_NODE_ID": "-a"}, {"GOVHALL_NODE_ID": strings.Repeat("a", 64)},
		{"GOVHALL_NODE_SIP_ADDR": "192.0.2.2"}, {"GOVHALL_NODE_HTTP_ADDR": "http://x"},
		{"GOVHALL_NODE_DEAD_AFTER": "2s"}, {"GOVHALL_NODE_DEAD_AFTER": "soon"},
	} {
		_, err := loadConfig(env(bad))
		for k := range bad {
			if err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("%v: %v, want an error naming %s", bad, err, k)
			}
		}
	}
}

// TestDrainCommand: govhall drain sets a running node draining, --undo
// takes it back; a node that is not running is a clear error.
func TestDrainCommand(t *testing.T) {
	url := pgtest.URL(t)
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := migrations.Up(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO nodes (node_id, epoch) VALUES ('gov-a', 3)`)
	state := func() (s string) {
		db.Get(&s, `SELECT state FROM nodes WHERE node_id = 'gov-a'`)
		return s
	}
	if out, _, err := runCmd(t, url, "drain", "gov-a"); err != nil || !strings.Contains(out, "draining") || state() != "draining" {
		t.Fatalf("drain: %q %v, state %s", out, err, state())
	}
	if out, _, err := runCmd(t, url, "drain", "--wait", "gov-a"); err != nil || !strings.Contains(out, "no call in progress") {
		t.Fatalf("drain --wait without calls: %q %v", out, err)
	}
	if out, _, err := runCmd(t, url, "drain", "--undo", "gov-a"); err != nil || state() != "up" {
		t.Fatalf("drain --undo: %q %v, state %s", out, err, state())
	}
	if _, _, err := runCmd(t, url, "drain", "gov-b"); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Fatalf("drain of an unknown node: %v", err)
	}
	if _, _, err := runCmd(t, url, "drain", "--now"); err == nil {
		t.Fatal("unknown option accepted")
	}
}

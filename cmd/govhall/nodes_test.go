package main

import (
	"os"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/peers"
	"github.com/govhall/govhall/hotline/recstore"
)

// TestNodeKilledDuringCall: two `govhall serve` processes, nodes a and b,
// on one database. b is killed with SIGKILL during a call; a's reaper
// marks b dead and closes the call as node_lost, ended at b's last
// heartbeat, with its recording repaired, within the 10 s a dead
// heartbeat takes (b's lock goes with its process, so it is sooner). b
// restarts under a new epoch. Meanwhile a keeps taking calls.
func TestNodeKilledDuringCall(t *testing.T) {
	bin := buildGovhall(t)
	shared := "GOVHALL_RECORDINGS_DIR=" + t.TempDir() // shared storage
	a := newFaultEnv(t, bin, "", "GOVHALL_NODE_ID=a", shared)
	b := newFaultEnv(t, bin, a.dbURL, "GOVHALL_NODE_ID=b", shared)
	a.serve()
	pb := b.serve()
	peers.StartSipp(t, "testdata/sipp/long_call.xml", b.sipAddr, "-d", "60000")
	var callID int64
	waitFor(t, 20*time.Second, "b's call recording", func() bool {
		var url string
		err := a.db.QueryRow(`SELECT id, recording_path FROM calls WHERE owner_node = 'b' AND answered_at IS NOT NULL AND ended_at IS NULL`).
			Scan(&callID, &url)
		path, _ := recstore.FilePath(url)
		st, serr := os.Stat(path + ".part")
		return err == nil && serr == nil && st.Size() > 70_000 // past the recorder's 64 KiB buffer
	})
	pb.kill()
	killed := time.Now()
	var c struct {
		Ended     *time.Time `db:"ended_at"`
		Outcome   string     `db:"outcome"`
		Reason    string     `db:"end_reason"`
		Repaired  bool       `db:"recording_repaired"`
		Size      int64      `db:"recording_size"`
		Path      string     `db:"recording_path"`
		Heartbeat time.Time  `db:"heartbeat_at"`
		State     string     `db:"state"`
	}
	const q = `SELECT c.ended_at, c.outcome, c.end_reason, c.recording_repaired, c.recording_size, c.recording_path, n.heartbeat_at, n.state
		FROM calls c JOIN nodes n ON n.node_id = c.owner_node WHERE c.id = $1`
	waitFor(t, 12*time.Second, "a closes b's call", func() bool {
		return a.db.Get(&c, q, callID) == nil && c.Ended != nil
	})
	t.Logf("b's call closed by a %.1f s after b was killed", time.Since(killed).Seconds())
	if c.Outcome != "cut_off" || c.Reason != "node_lost" || !c.Ended.Equal(c.Heartbeat) || c.State != "dead" || !c.Repaired {
		t.Fatalf("b's call after a's reap: %+v, want cut_off, node_lost, ended at b's last heartbeat, b dead, recording repaired", c)
	}
	checkWAVOnDisk(t, c.Path, c.Size)
	if path, _ := recstore.FilePath(c.Path); path != "" {
		if _, err := os.Stat(path + ".part"); err == nil {
			t.Fatalf("the partial file of b's recording is left after a finalised it")
		}
	}
	var audits int
	a.db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'node.reap' AND object_id = 'b' AND actor = 'govhall node a'`)
	if audits != 1 {
		t.Fatalf("%d audit entries of the reap", audits)
	}
	peers.StartSipp(t, "testdata/sipp/long_call.xml", a.sipAddr, "-d", "2000")
	waitFor(t, 20*time.Second, "a takes a new call", func() bool {
		return a.count(t, `SELECT count(*) FROM calls WHERE owner_node = 'a' AND answered_at IS NOT NULL`) == 1
	})
	b.serve()
	var epoch int64
	var state string
	if err := a.db.QueryRow(`SELECT epoch, state FROM nodes WHERE node_id = 'b'`).Scan(&epoch, &state); err != nil || epoch != 2 || state != "up" {
		t.Fatalf("b restarted: epoch %d %s %v, want 2 up", epoch, state, err)
	}
	if n := a.count(t, `SELECT count(*) FROM calls WHERE ended_at IS NULL AND owner_node = 'b'`); n != 0 {
		t.Fatalf("%d calls of b open after its restart", n)
	}
}

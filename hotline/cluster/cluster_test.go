package cluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// manual starts a node whose heartbeat and reaper never tick by
// themselves: the test calls beat and Reap, so nothing depends on timing.
func manual(t *testing.T, db *sqlx.DB, id string) *Node {
	t.Helper()
	n, err := Start(context.Background(), db, Config{ID: id, SIPAddr: "127.0.0.1:5060", HTTPAddr: "127.0.0.1:8080",
		Heartbeat: time.Hour, LockWait: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(context.Background()) })
	return n
}

// killLockSession ends the database session holding a node's lock, as a
// crash or a network cut does.
func killLockSession(t *testing.T, db *sqlx.DB, id string) {
	t.Helper()
	var killed bool
	const q = `SELECT pg_terminate_backend(pid, 5000) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objid::bigint = (hashtext('node:' || $1)::bigint & 4294967295)
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`
	if err := db.Get(&killed, q, id); err != nil || !killed {
		t.Fatalf("terminate the lock session of %s: %v %v", id, killed, err)
	}
}

func nodeRow(t *testing.T, db *sqlx.DB, id string) (epoch int64, state string) {
	t.Helper()
	if err := db.QueryRow(`SELECT epoch, state FROM nodes WHERE node_id = $1`, id).Scan(&epoch, &state); err != nil {
		t.Fatal(err)
	}
	return epoch, state
}

// Every start bumps the epoch; a second process with the same node id
// cannot start while the first holds the lock.
func TestEpochBumpsAtEveryStart(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a := manual(t, db, "a")
	if a.Epoch() != 1 {
		t.Fatalf("first epoch %d", a.Epoch())
	}
	if _, err := Start(context.Background(), db, Config{ID: "a", LockWait: 300 * time.Millisecond}); !errors.Is(err, errLockHeld) {
		t.Fatalf("second process with node id a: %v, want the lock held", err)
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, state := nodeRow(t, db, "a"); state != StateDead {
		t.Fatalf("after a clean stop: %s", state)
	}
	again := manual(t, db, "a")
	if epoch, state := nodeRow(t, db, "a"); again.Epoch() != 2 || epoch != 2 || state != StateUp {
		t.Fatalf("restart: epoch %d (row %d, %s), want 2 up", again.Epoch(), epoch, state)
	}
}

// A node whose lock session is killed is fenced (no new calls) until it
// holds the lock again, under a new epoch; the old epoch's heartbeat no
// longer counts.
func TestFencedWhenLockSessionKilled(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a := manual(t, db, "a")
	a.beat()
	if a.Fenced() || a.Accepting() != nil {
		t.Fatalf("healthy node: fenced %v accepting %v", a.Fenced(), a.Accepting())
	}
	killLockSession(t, db, "a")
	a.beat()
	if !a.Fenced() || !errors.Is(a.Accepting(), ErrFenced) {
		t.Fatalf("after its lock session was killed: fenced %v accepting %v", a.Fenced(), a.Accepting())
	}
	a.beat()
	if epoch, _ := nodeRow(t, db, "a"); a.Fenced() || a.Epoch() != 2 || epoch != 2 {
		t.Fatalf("re-acquired: fenced %v epoch %d row %d, want epoch 2", a.Fenced(), a.Epoch(), epoch)
	}
	// Another node's bump (a second process took the row) fences it too.
	db.MustExec(`UPDATE nodes SET epoch = epoch + 1 WHERE node_id = 'a'`)
	a.beat()
	if !a.Fenced() {
		t.Fatal("a node whose row has a newer epoch is not fenced")
	}
}

// A drain set from another process reaches the node at its heartbeat;
// it can be undone.
func TestDrainFromAnotherProcess(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a := manual(t, db, "a")
	ctx := context.Background()
	if err := SetDraining(ctx, db, "a", true); err != nil {
		t.Fatal(err)
	}
	a.beat()
	if !errors.Is(a.Accepting(), ErrDraining) {
		t.Fatalf("draining node accepting: %v", a.Accepting())
	}
	if err := SetDraining(ctx, db, "a", false); err != nil {
		t.Fatal(err)
	}
	a.beat()
	if a.Accepting() != nil {
		t.Fatalf("undrained node: %v", a.Accepting())
	}
	if err := SetDraining(ctx, db, "nobody", true); err == nil {
		t.Fatal("drained an unknown node")
	}
}

// A heartbeat that is slow (its row locked, as by a busy database) does
// not fence the node at once: it still holds its lock, and no reaper takes
// it for dead before its heartbeat is DeadAfter old. After DeadAfter/2 of
// failed heartbeats it is fenced, and it comes back under a new epoch once
// the database answers again.
func TestSlowHeartbeatFencesOnlyAfterHalfDeadAfter(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	n, err := Start(context.Background(), db, Config{ID: "slow", Heartbeat: 100 * time.Millisecond, DeadAfter: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(context.Background()) })
	tx, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SELECT 1 FROM nodes WHERE node_id = 'slow' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	locked := time.Now()
	time.Sleep(600 * time.Millisecond) // five heartbeats time out
	if n.Fenced() {
		t.Fatalf("fenced %v after its heartbeats began to time out, with its lock held", time.Since(locked))
	}
	for !n.Fenced() {
		if time.Since(locked) > 4*time.Second {
			t.Fatal("not fenced 4 s after its heartbeats began to fail (DeadAfter 2 s)")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if since := time.Since(locked); since < time.Second {
		t.Fatalf("fenced %v after its heartbeats began to fail, before DeadAfter/2", since)
	}
	epoch := n.Epoch()
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Second); n.Fenced() || n.Epoch() == epoch; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still fenced (epoch %d) 3 s after the database answered again", n.Epoch())
		}
	}
}

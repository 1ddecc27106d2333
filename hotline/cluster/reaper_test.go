package cluster

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/migrations/pgtest"
)

// brokenWAV writes what a Recorder leaves when its process dies: a header
// with zero sizes and 0.5 s of stereo samples.
func brokenWAV(t *testing.T, path string) {
	t.Helper()
	hdr := make([]byte, 44)
	copy(hdr, "RIFF\x00\x00\x00\x00WAVEfmt ")
	binary.LittleEndian.PutUint32(hdr[16:], 16)
	binary.LittleEndian.PutUint16(hdr[20:], 1)
	binary.LittleEndian.PutUint16(hdr[22:], 2)
	binary.LittleEndian.PutUint32(hdr[24:], 8000)
	binary.LittleEndian.PutUint32(hdr[28:], 32000)
	binary.LittleEndian.PutUint16(hdr[32:], 4)
	binary.LittleEndian.PutUint16(hdr[34:], 16)
	copy(hdr[36:], "data")
	if err := os.WriteFile(path, append(hdr, make([]byte, 16000)...), 0o640); err != nil {
		t.Fatal(err)
	}
}

// busyOperator makes an operator account with a phone, busy on a call of
// node (epoch) answered by them, and returns the account and the call.
func busyOperator(t *testing.T, db *sqlx.DB, user, ext, node string, epoch int64, rec string) (acct, call int64) {
	t.Helper()
	ctx := context.Background()
	st := calls.NewStore(db)
	if err := db.Get(&acct, `INSERT INTO accounts (username, password_hash, roles) VALUES ($1, 'x', '{operator}') RETURNING id`, user); err != nil {
		t.Fatal(err)
	}
	sa, err := st.SaveSIPAccount(ctx, calls.NewSIPAccount{Extension: ext, Realm: "govhall", Password: "pw", Username: user, Kind: calls.KindOperator})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Minute)
	call, err = st.StartCall(ctx, calls.NewCall{SIPCallID: user + "@test", FromTag: "t1", Caller: "13800138000", At: at,
		OwnerNode: node, OwnerEpoch: epoch})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Answered(ctx, call, at, "PCMU", rec); err != nil {
		t.Fatal(err)
	}
	leg, err := st.StartLeg(ctx, calls.NewLeg{CallID: call, Party: calls.KindOperator, SIPAccountID: sa.ID, AccountID: acct, Extension: ext, At: at})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.LegAnswered(ctx, leg, at); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveOperatorState(ctx, acct, calls.StateBusy, at); err != nil {
		t.Fatal(err)
	}
	return acct, call
}

// Node b dies (its lock session goes, as when its process is killed)
// during a call: node a's reaper marks it dead, closes its open call as
// node_lost at its last heartbeat with the recording repaired, frees its
// operator and audits the reap; a's own call and operator are untouched.
func TestReaperClosesADeadNodesCalls(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	a, b := manual(t, db, "a"), manual(t, db, "b")
	dir := t.TempDir()
	recB := filepath.Join(dir, "b.wav")
	brokenWAV(t, recB)
	opB, callB := busyOperator(t, db, "op-b", "8001", "b", b.Epoch(), recB)
	opA, callA := busyOperator(t, db, "op-a", "8002", "a", a.Epoch(), "")
	if got, err := a.Reap(ctx); err != nil || len(got) != 0 {
		t.Fatalf("reap with both nodes alive: %+v %v", got, err)
	}
	db.MustExec(`UPDATE nodes SET heartbeat_at = now() - interval '3 seconds' WHERE node_id = 'b'`)
	var lastBeat time.Time
	if err := db.Get(&lastBeat, `SELECT heartbeat_at FROM nodes WHERE node_id = 'b'`); err != nil {
		t.Fatal(err)
	}
	killLockSession(t, db, "b")
	got, err := a.Reap(ctx)
	if err != nil || len(got) != 1 || got[0].Node != "b" || got[0].Why != "lock" {
		t.Fatalf("reap after b's lock went: %+v %v", got, err)
	}
	if r := got[0]; len(r.Calls) != 1 || r.Calls[0] != callB || len(r.Repaired) != 1 || len(r.Operators) != 1 || r.Operators[0] != opB {
		t.Fatalf("reaped %+v, want call %d repaired and operator %d", r, callB, opB)
	}
	var c struct {
		Outcome  string    `db:"outcome"`
		Reason   string    `db:"end_reason"`
		Ended    time.Time `db:"ended_at"`
		Repaired bool      `db:"recording_repaired"`
		Size     int64     `db:"recording_size"`
		LegOpen  bool      `db:"leg_open"`
	}
	const q = `SELECT outcome, end_reason, ended_at, recording_repaired, recording_size,
		EXISTS (SELECT 1 FROM call_legs WHERE call_id = calls.id AND ended_at IS NULL) AS leg_open FROM calls WHERE id = $1`
	if err := db.Get(&c, q, callB); err != nil {
		t.Fatal(err)
	}
	if c.Outcome != calls.OutcomeCutOff || c.Reason != calls.EndNodeLost || !c.Ended.Equal(lastBeat) || !c.Repaired || c.Size != 44+16000 || c.LegOpen {
		t.Fatalf("b's call after the reap: %+v, want cut_off/node_lost ended at %v, repaired, legs closed", c, lastBeat)
	}
	states := map[int64]string{}
	ss, _ := calls.NewStore(db).OperatorStates(ctx)
	for _, s := range ss {
		states[s.AccountID] = s.State
	}
	if states[opB] != calls.StateAvailable || states[opA] != calls.StateBusy {
		t.Fatalf("operator states after the reap: %v (b's %d, a's %d)", states, opB, opA)
	}
	var openA, audits, busyLog int
	db.Get(&openA, `SELECT count(*) FROM calls WHERE id = $1 AND ended_at IS NULL`, callA)
	db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'node.reap' AND object_id = 'b' AND detail->>'why' = 'lock'`)
	db.Get(&busyLog, `SELECT count(*) FROM operator_state_log WHERE account_id = $1 AND state = 'busy'`, opB)
	if _, state := nodeRow(t, db, "b"); openA != 1 || audits != 1 || busyLog != 1 || state != StateDead {
		t.Fatalf("a's call open %d, audits %d, b's busy period logged %d, b %s", openA, audits, busyLog, state)
	}
	if again, err := a.Reap(ctx); err != nil || len(again) != 0 {
		t.Fatalf("second reap: %+v %v", again, err)
	}
	// b comes back: fenced at its next heartbeat (its session is gone),
	// then up under a new epoch.
	b.beat()
	b.beat()
	if epoch, state := nodeRow(t, db, "b"); b.Fenced() || epoch != 2 || state != StateUp {
		t.Fatalf("b back: fenced %v epoch %d %s", b.Fenced(), epoch, state)
	}
}

// A node whose heartbeat is older than DeadAfter is reaped even while its
// lock looks held (a partition keeps the session until TCP gives up).
func TestReaperStaleHeartbeat(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a := manual(t, db, "a")
	b := manual(t, db, "b")
	db.MustExec(`UPDATE nodes SET heartbeat_at = now() - interval '11 seconds' WHERE node_id = 'b'`)
	got, err := a.Reap(context.Background())
	if err != nil || len(got) != 1 || got[0].Why != "heartbeat" {
		t.Fatalf("reap of a stale node: %+v %v", got, err)
	}
	b.beat()
	if !b.Fenced() {
		t.Fatal("a node marked dead is not fenced at its next heartbeat")
	}
}

// Two reapers at once reap a dead node once: one audit entry, its call
// closed once.
func TestOneReaperWins(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, c := manual(t, db, "a"), manual(t, db, "c")
	b := manual(t, db, "b")
	_, call := busyOperator(t, db, "op-b", "8001", "b", b.Epoch(), "")
	killLockSession(t, db, "b")
	got := make(chan int, 2)
	for _, n := range []*Node{a, c} {
		go func() {
			r, err := n.Reap(context.Background())
			if err != nil {
				t.Error(err)
			}
			got <- len(r)
		}()
	}
	total := <-got + <-got
	var audits, open int
	db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'node.reap' AND object_id = 'b'`)
	db.Get(&open, `SELECT count(*) FROM calls WHERE id = $1 AND ended_at IS NULL`, call)
	if total != 1 || audits != 1 || open != 0 {
		t.Fatalf("two reapers: %d reaps, %d audit entries, call open %d; want 1, 1, 0", total, audits, open)
	}
}

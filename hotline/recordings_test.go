package hotline

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/cluster"
	"github.com/govhall/govhall/hotline/recstore"
	"github.com/govhall/govhall/migrations/pgtest"
)

// writeCutOff writes what a Recorder leaves when its process dies: a
// header with zero sizes and 0.5 s of stereo with a torn last frame.
func writeCutOff(t *testing.T, path string) {
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
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(hdr, make([]byte, 16000+3)...), 0o640); err != nil {
		t.Fatal(err)
	}
}

// partials returns the .part files under dir.
func partials(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".part") {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// served fetches the recording of call id the way the download route
// does (Hotline.RecordingPath) and checks it against the record.
func served(t *testing.T, h *Hotline, store *calls.Store, id int64) string {
	t.Helper()
	ctx := context.Background()
	path, err := h.RecordingPath(ctx, id, calls.Actor{Username: "supervisor1"})
	if err != nil {
		t.Fatalf("download of call %d: %v", id, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := store.Call(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if c.Recording == nil || hex.EncodeToString(sum[:]) != c.Recording.SHA256 || int64(len(b)) != c.Recording.Size {
		t.Fatalf("call %d serves %s (%d bytes), which does not match its record %+v", id, path, len(b), c.Recording)
	}
	return path
}

// A call on node a is recorded in a partial file while it lasts (its
// record already names the final URL, which does not exist yet); at the
// end it is finalised as DAY/a-ID.wav, with no .part left, before the
// record says the recording is complete, and the URL in the record is
// what the download serves. The caller's message is stored the same way.
// (Before, the record held a plain path, written under its final name
// from the start.)
func TestRecordingFinalisedUnderItsName(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	seedHotline(t, db)
	node, err := cluster.Start(context.Background(), db, cluster.Config{ID: "a", Heartbeat: 100 * time.Millisecond, Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Close(context.Background()) })
	shared := t.TempDir()
	e := newEnvOn(t, db, t.TempDir(), nationalDay, func(c *Config) {
		c.Node, c.Domains, c.Recordings = node, []string{hotlineDomain}, recstore.NewDir(shared)
	})
	p := newRawPeer(t, "udp", "127.0.0.1", e.addr)
	d := p.dial("sip:96128@" + hotlineDomain)
	var open struct {
		ID  int64  `db:"id"`
		URL string `db:"recording_path"`
		Sum string `db:"recording_sha256"`
	}
	e.waitFor("the recording named in the record", 5*time.Second, func() bool {
		return db.Get(&open, `SELECT id, recording_path, recording_sha256 FROM calls WHERE sip_call_id = $1 AND recording_path <> ''`, d.callID) == nil
	})
	final, err := recstore.FilePath(open.URL)
	if err != nil {
		t.Fatal(err)
	}
	day := nationalDay.Format("2006/01/02")
	if want := filepath.Join(shared, filepath.FromSlash(day), "a-"+strconv.FormatInt(open.ID, 10)+".wav"); final != want || !strings.HasPrefix(open.URL, "file:///") {
		t.Fatalf("the record names %s (%s), want the file URL of %s", open.URL, final, want)
	}
	if _, err := os.Stat(final + ".part"); err != nil || open.Sum != "" {
		t.Fatalf("during the call: partial file %v, sha256 %q", err, open.Sum)
	}
	if _, err := os.Stat(final); err == nil {
		t.Fatal("the final file exists during the call")
	}
	// Out of hours the call ends in the voicemail box: hang up once the
	// message is being recorded.
	msg := strings.TrimSuffix(final, ".wav") + "-voicemail.wav"
	e.waitFor("the message's partial file", 10*time.Second, func() bool { _, err := os.Stat(msg + ".part"); return err == nil })
	time.Sleep(300 * time.Millisecond)
	p.hangup(d)
	c := e.lastCall(10 * time.Second)
	if c.RecPath != open.URL || c.Recording == nil || c.Recording.Repaired {
		t.Fatalf("after the call: %s %+v", c.RecPath, c.Recording)
	}
	if got := served(t, e.h, e.store, c.ID); got != final {
		t.Errorf("served %s, want %s", got, final)
	}
	if left := partials(t, shared); len(left) != 0 {
		t.Errorf("partial files left: %v", left)
	}
	vm, err := e.h.VoicemailPath(context.Background(), c.ID, calls.Actor{Username: "supervisor1"})
	if err != nil || vm != msg {
		t.Errorf("the message is served from %q (%v), want %s", vm, err, msg)
	}
}

// lostCall records a call of node with its recording at loc, answered a
// minute ago and still open.
func lostCall(t *testing.T, db *sqlx.DB, node, callID, loc string) int64 {
	t.Helper()
	ctx := context.Background()
	st := calls.NewStore(db)
	at := time.Now().Add(-time.Minute)
	id, err := st.StartCall(ctx, calls.NewCall{SIPCallID: callID, FromTag: "t1", Caller: "13800138000", At: at, OwnerNode: node, OwnerEpoch: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Answered(ctx, id, at, "PCMA", loc); err != nil {
		t.Fatal(err)
	}
	return id
}

// Node b died during two calls on the shared recordings directory: one
// left a partial file under a URL, the other (recorded before URLs) a
// plain path under its final name. Node a's reaper closes both as
// node_lost, repairs both files, finalises the partial one under its
// name, marks both repaired, and a's download serves them. (Before, the
// reaper took the URL for a path: the partial file stayed, unrepaired,
// and the call had no recording.)
func TestReaperFinalisesADeadNodesRecordings(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	seedHotline(t, db)
	shared := recstore.NewDir(t.TempDir())
	p, err := shared.Begin(recstore.Name("2026/12/03", "b", 901, ""))
	if err != nil {
		t.Fatal(err)
	}
	writeCutOff(t, p.Path)
	old := filepath.Join(shared.Root(), "2025", "902.wav")
	writeCutOff(t, old)
	byURL, byPath := lostCall(t, db, "b", "url@test", p.URL), lostCall(t, db, "b", "path@test", old)
	node, err := cluster.Start(context.Background(), db, cluster.Config{ID: "a", Heartbeat: 100 * time.Millisecond,
		Recordings: shared, Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Close(context.Background()) })
	e := newEnvOn(t, db, t.TempDir(), workingMorning, func(c *Config) { c.Node, c.Recordings = node, shared })
	// b's row: up, its heartbeat a minute old, its lock free.
	db.MustExec(`INSERT INTO nodes (node_id, epoch, state, heartbeat_at) VALUES ('b', 1, 'up', now() - interval '1 minute')`)
	e.waitFor("a reaps b", 5*time.Second, func() bool {
		var n int
		db.Get(&n, `SELECT count(*) FROM calls WHERE owner_node = 'b' AND ended_at IS NOT NULL`)
		return n == 2
	})
	final := strings.TrimSuffix(p.Path, ".part")
	for id, want := range map[int64]string{byURL: final, byPath: old} {
		var c struct {
			Reason   string `db:"end_reason"`
			Repaired bool   `db:"recording_repaired"`
			Size     int64  `db:"recording_size"`
		}
		if err := db.Get(&c, `SELECT end_reason, recording_repaired, recording_size FROM calls WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if c.Reason != calls.EndNodeLost || !c.Repaired || c.Size != 44+16000 {
			t.Errorf("call %d after the reap: %+v, want node_lost, repaired, 16044 bytes", id, c)
		}
		if got := served(t, e.h, e.store, id); got != want {
			t.Errorf("call %d served from %s, want %s", id, got, want)
		}
	}
	if left := partials(t, shared.Root()); len(left) != 0 {
		t.Errorf("partial files left: %v", left)
	}
}

// A node that restarts after a crash repairs the partial file of its call
// named by URL, finalises it and marks the record repaired. (Before, the
// repair took the URL for a path and the call was closed unrecorded.)
func TestRecoverFinalisesPartialRecording(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	seedHotline(t, db)
	data := t.TempDir()
	store := recstore.NewDir(filepath.Join(data, "recordings"))
	p, err := store.Begin(recstore.Name("2025/09/30", "", 77, ""))
	if err != nil {
		t.Fatal(err)
	}
	writeCutOff(t, p.Path)
	st := calls.NewStore(db)
	ctx := context.Background()
	id, err := st.StartCall(ctx, calls.NewCall{SIPCallID: "crash-url@test", Caller: "13800138000", At: workingMorning})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Answered(ctx, id, workingMorning, "PCMA", p.URL); err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, db, data, workingMorning.Add(time.Hour), nil)
	c, err := e.store.Call(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Outcome != calls.OutcomeCutOff || c.Recording == nil || !c.Recording.Repaired || c.Recording.Size != 44+16000 || c.RecPath != p.URL {
		t.Fatalf("after restart: %+v rec %+v", c, c.Recording)
	}
	if got := served(t, e.h, e.store, id); got != strings.TrimSuffix(p.Path, ".part") {
		t.Errorf("served from %s", got)
	}
	if left := partials(t, data); len(left) != 0 {
		t.Errorf("partial files left: %v", left)
	}
}

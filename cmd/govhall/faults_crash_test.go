package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/peers"
	"github.com/govhall/govhall/hotline/recstore"
	"github.com/govhall/govhall/kiosk/synth"
)

// testKillDuringCalls: SIGKILL while four calls are in progress, one of
// them answered a moment before. The next start closes every record as
// cut off and repairs every recording so that its header matches what is
// on disk; the calls list shows them.
func testKillDuringCalls(t *testing.T, bin string) {
	e := newFaultEnv(t, bin, "")
	p := e.serve()
	peers.StartSipp(t, "testdata/sipp/long_call.xml", e.sipAddr, "-m", "3", "-l", "3", "-r", "3", "-d", "60000")
	// A Recorder buffers 64 KiB (2 s of stereo): wait until each file has
	// more than that on disk.
	waitFor(t, 20*time.Second, "three calls recording", func() bool {
		return len(e.recordingsOver(t, 70_000)) == 3
	})
	peers.StartSipp(t, "testdata/sipp/long_call.xml", e.sipAddr, "-d", "60000")
	waitFor(t, 10*time.Second, "a fourth call answered", func() bool {
		var n int
		e.db.Get(&n, `SELECT count(*) FROM calls WHERE answered_at IS NOT NULL AND ended_at IS NULL`)
		return n == 4
	})
	p.kill()
	open := e.openCalls(t)
	if len(open) != 4 {
		t.Fatalf("after the kill %d calls are open, want 4", len(open))
	}
	p = e.serve()
	token := e.login("supervisor1")
	listed := e.listCalls(t, token)
	for id, path := range open {
		var c struct {
			Ended    *time.Time `db:"ended_at"`
			Outcome  string     `db:"outcome"`
			Reason   string     `db:"end_reason"`
			SHA      string     `db:"recording_sha256"`
			Size     int64      `db:"recording_size"`
			Millis   int64      `db:"recording_duration_ms"`
			Repaired bool       `db:"recording_repaired"`
		}
		if err := e.db.Get(&c, `SELECT ended_at, outcome, end_reason, recording_sha256, recording_size, recording_duration_ms, recording_repaired
			FROM calls WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if c.Ended == nil || c.Outcome != "cut_off" || c.Reason == "" || !c.Repaired || c.SHA == "" {
			t.Errorf("call %d after restart: %+v, want ended, cut_off with a reason, recording repaired", id, c)
		}
		frames := checkWAVOnDisk(t, path, c.Size)
		if want := int64(frames) * 1000 / 8000; c.Millis != want {
			t.Errorf("call %d: record says %d ms, file holds %d ms", id, c.Millis, want)
		}
		if l, ok := listed[id]; !ok || l.Outcome != "cut_off" || l.EndedAt == nil || l.Recording == nil || !l.Recording.Repaired ||
			l.Recording.SHA256 != c.SHA {
			t.Errorf("GET /api/v1/calls: call %d is %+v", id, l)
		}
		st, body := e.get(fmt.Sprintf("/api/v1/calls/%d/recording", id), token)
		disk, _ := os.ReadFile(path)
		if st != http.StatusOK || !bytes.Equal(body, disk) {
			t.Errorf("GET recording of call %d: %d, %d bytes, want the %d bytes on disk", id, st, len(body), len(disk))
		}
	}
	p.waitLog(time.Second, "closed a call cut off by a stop", `"recording_repaired":true`)
}

// recordingsOver returns the recordings of open calls with more than n
// bytes on disk (in their partial files).
func (e *faultEnv) recordingsOver(t *testing.T, n int64) []string {
	var out []string
	for _, path := range e.openCalls(t) {
		if st, err := os.Stat(path + ".part"); err == nil && st.Size() > n {
			out = append(out, path)
		}
	}
	return out
}

// openCalls returns the recording files (finalised names) of the
// answered calls not yet ended, by call id.
func (e *faultEnv) openCalls(t *testing.T) map[int64]string {
	var rows []struct {
		ID   int64  `db:"id"`
		Path string `db:"recording_path"`
	}
	if err := e.db.Select(&rows, `SELECT id, recording_path FROM calls WHERE ended_at IS NULL AND answered_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	for _, r := range rows {
		path, err := recstore.FilePath(r.Path)
		if err != nil {
			t.Fatal(err)
		}
		out[r.ID] = path
	}
	return out
}

type listedCall struct {
	ID        int64      `json:"id"`
	Outcome   string     `json:"outcome"`
	EndReason string     `json:"end_reason"`
	EndedAt   *time.Time `json:"ended_at"`
	Recording *struct {
		SHA256   string  `json:"sha256"`
		Size     int64   `json:"size"`
		Repaired bool    `json:"repaired"`
		Duration float64 `json:"duration_s"`
		Error    string  `json:"error"`
	} `json:"recording"`
}

// listCalls returns GET /api/v1/calls by id.
func (e *faultEnv) listCalls(t *testing.T, token string) map[int64]listedCall {
	t.Helper()
	st, body := e.get("/api/v1/calls?limit=500", token)
	var out struct{ Items []listedCall }
	if st != http.StatusOK || json.Unmarshal(body, &out) != nil {
		t.Fatalf("GET /api/v1/calls: %d %s", st, body)
	}
	m := map[int64]listedCall{}
	for _, c := range out.Items {
		m[c.ID] = c
	}
	return m
}

// checkWAVOnDisk checks that the recording at loc (a file URL or path) is
// a 16-bit 8 kHz stereo WAV whose RIFF and data sizes match the file, of
// the size recorded; it returns its frames.
func checkWAVOnDisk(t *testing.T, loc string, recorded int64) int {
	t.Helper()
	path, err := recstore.FilePath(loc)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("recording: %v", err)
	}
	if len(data) < 44 || int64(len(data)) != recorded {
		t.Fatalf("%s: %d bytes on disk, %d recorded", path, len(data), recorded)
	}
	riff, dataSize := binary.LittleEndian.Uint32(data[4:]), binary.LittleEndian.Uint32(data[40:])
	if int(riff) != len(data)-8 || int(dataSize) != len(data)-44 || (len(data)-44)%4 != 0 {
		t.Errorf("%s: RIFF size %d, data size %d for a file of %d bytes", path, riff, dataSize, len(data))
	}
	w, err := media.ReadWAV(bytes.NewReader(data))
	if err != nil || w.Channels != 2 || w.Rate != 8000 {
		t.Fatalf("%s: %v, %d channels at %d Hz", path, err, w.Channels, w.Rate)
	}
	return w.Frames()
}

// testKillDuringImport: SIGKILL of `govhall import` after a few batches
// leaves whole batches only; --skip-existing then completes the file
// without duplicates.
func testKillDuringImport(t *testing.T, bin string) {
	const docs, batch = 3000, 500
	e := newFaultEnv(t, bin, "")
	file := filepath.Join(t.TempDir(), "docs.jsonl")
	var buf bytes.Buffer
	if err := synth.WriteJSONL(&buf, 17, docs); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	before := e.count(t, `SELECT count(*) FROM documents`)
	auditBefore := e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'document.import'`)
	p := e.start("import", "--batch", fmt.Sprint(batch), file)
	waitFor(t, 60*time.Second, "two batches imported", func() bool {
		if p.exited() {
			t.Fatalf("the import ended before it could be killed:\n%s", p.logs.String())
		}
		return e.count(t, `SELECT count(*) FROM documents`)-before >= 2*batch
	})
	p.kill()
	got := e.count(t, `SELECT count(*) FROM documents`) - before
	audited := e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'document.import'`) - auditBefore
	if got%batch != 0 || got == docs || audited != got {
		t.Fatalf("after the kill: %d documents imported, %d import audit records; want whole batches of %d, fewer than %d", got, audited, batch, docs)
	}
	t.Logf("killed after %d of %d documents (%d batches)", got, docs, got/batch)
	out, err := e.run(120*time.Second, "import", "--batch", fmt.Sprint(batch), "--skip-existing", file)
	if err != nil || !strings.Contains(out, fmt.Sprintf("imported %d documents (%d skipped", docs-got, got)) {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	total := e.count(t, `SELECT count(*) FROM documents`) - before
	distinct := e.count(t, `SELECT count(DISTINCT index_no) FROM documents`) - before
	audited = e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'document.import'`) - auditBefore
	if total != docs || distinct != docs || audited != docs {
		t.Fatalf("after the resume: %d documents, %d distinct 索引号, %d audit records; want %d of each", total, distinct, audited, docs)
	}
}

func (e *faultEnv) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.Get(&n, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// waitFor polls cond every 20 ms until it holds or within has passed.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testKillDuringWrites: SIGKILL while citizens submit queries and three
// reviewers decide the steps of 30 documents. Every query whose 201
// reached its citizen exists with its history; every decision is whole:
// a case's step, status and events agree with its document's state and
// with the audit log, and the decisions left can be made after restart.
func testKillDuringWrites(t *testing.T, bin string) {
	e := newFaultEnv(t, bin, "")
	cases := e.submitDrafts(t, 30)
	p := e.serve()
	reviewers := []string{e.login("reviewer1"), e.login("reviewer2"), e.login("reviewer3")}
	var answered, decided atomic.Int64
	var mu sync.Mutex
	var codes []string
	acked := map[[2]int64]bool{} // (case, step) decisions answered 200
	var wg sync.WaitGroup
	for i := range 20 {
		c := clientFrom(fmt.Sprintf("127.0.0.%d", 10+i))
		for j := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, body := e.doWith(c, http.MethodPost, "/api/v1/queries", "", map[string]string{
					"channel": "web", "question": fmt.Sprintf("低保申请需要哪些材料？（%d-%d）", i, j)})
				var out struct{ Code string }
				if st == http.StatusCreated && json.Unmarshal(body, &out) == nil {
					answered.Add(1)
					mu.Lock()
					codes = append(codes, out.Code)
					mu.Unlock()
				}
			}()
		}
	}
	for _, id := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for step, token := range reviewers {
				st, _ := e.do(http.MethodPost, fmt.Sprintf("/api/v1/staff/reviews/%d", id), token, map[string]string{"decision": "approve"})
				if st != http.StatusOK { // the kill: the connection broke
					return
				}
				decided.Add(1)
				mu.Lock()
				acked[[2]int64{id, int64(step + 1)}] = true
				mu.Unlock()
			}
		}()
	}
	waitFor(t, 30*time.Second, "writes under way", func() bool { return answered.Load() >= 30 && decided.Load() >= 15 })
	p.kill()
	wg.Wait()
	t.Logf("killed after %d queries and %d decisions were answered", len(codes), len(acked))
	e.checkQueries(t, codes)
	e.checkReviews(t, cases, acked)
	e.serve()
	reviewers = []string{e.login("reviewer1"), e.login("reviewer2"), e.login("reviewer3")}
	for _, id := range cases {
		var step int
		var status string
		e.db.QueryRow(`SELECT step, status FROM review_cases WHERE id = $1`, id).Scan(&step, &status)
		for ; status == "open" && step <= 3; step++ {
			st, body := e.do(http.MethodPost, fmt.Sprintf("/api/v1/staff/reviews/%d", id), reviewers[step-1], map[string]string{"decision": "approve"})
			if st != http.StatusOK {
				t.Fatalf("after restart, step %d of case %d: %d %s", step, id, st, body)
			}
		}
	}
	if n := e.count(t, `SELECT count(*) FROM review_cases WHERE id = ANY($1) AND status = 'approved'`, pq.Array(cases)); n != len(cases) {
		t.Fatalf("%d of %d cases approved after restart", n, len(cases))
	}
}

// submitDrafts imports n drafts and submits them for review as writer1;
// it returns the review cases.
func (e *faultEnv) submitDrafts(t *testing.T, n int) []int64 {
	t.Helper()
	var buf bytes.Buffer
	var indexNos []string
	for i := range n {
		d := synth.Generate(29, i)
		d.State = "draft"
		indexNos = append(indexNos, d.IndexNo)
		js, _ := json.Marshal(d)
		buf.Write(append(js, '\n'))
	}
	file := filepath.Join(t.TempDir(), "drafts.jsonl")
	os.WriteFile(file, buf.Bytes(), 0o644)
	if out, err := e.run(60*time.Second, "import", file); err != nil {
		t.Fatalf("import drafts: %v\n%s", err, out)
	}
	p := e.serve()
	token := e.login("writer1")
	var ids []int64
	if err := e.db.Select(&ids, `SELECT id FROM documents WHERE index_no = ANY($1) ORDER BY id`, pq.Array(indexNos)); err != nil {
		t.Fatal(err)
	}
	var cases []int64
	for _, id := range ids {
		st, body := e.do(http.MethodPost, fmt.Sprintf("/api/v1/staff/documents/%d/submit", id), token, nil)
		var out struct{ Case int64 }
		if st != http.StatusCreated || json.Unmarshal(body, &out) != nil {
			t.Fatalf("submit %d: %d %s", id, st, body)
		}
		cases = append(cases, out.Case)
	}
	p.cmd.Process.Signal(os.Interrupt)
	<-p.done
	p.done <- nil
	return cases
}

// checkQueries checks that every query a citizen was given a code for
// exists with its accepted and assigned events.
func (e *faultEnv) checkQueries(t *testing.T, codes []string) {
	t.Helper()
	for _, code := range codes {
		var kinds []string
		err := e.db.Select(&kinds, `SELECT ev.kind FROM query_events ev JOIN queries q ON q.id = ev.query_id WHERE q.code = $1 ORDER BY ev.id`, code)
		if err != nil || len(kinds) < 2 || kinds[0] != "accepted" {
			t.Errorf("query %s, answered 201 before the kill: events %v (%v)", code, kinds, err)
		}
	}
}

// checkReviews checks that no decision is half applied.
func (e *faultEnv) checkReviews(t *testing.T, cases []int64, acked map[[2]int64]bool) {
	t.Helper()
	for _, id := range cases {
		var c struct {
			Step   int    `db:"step"`
			Status string `db:"status"`
			State  string `db:"state"`
		}
		if err := e.db.Get(&c, `SELECT rc.step, rc.status, d.state FROM review_cases rc JOIN documents d ON d.id = rc.document_id WHERE rc.id = $1`, id); err != nil {
			t.Fatal(err)
		}
		var steps []int64
		if err := e.db.Select(&steps, `SELECT step FROM review_events WHERE case_id = $1 AND decision = 'approve' ORDER BY step`, id); err != nil {
			t.Fatal(err)
		}
		audits := e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'review.approve' AND (detail->>'case')::bigint = $1`, id)
		applied := e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'review.applied' AND (detail->>'case')::bigint = $1`, id)
		consistent := audits == len(steps)
		switch c.Status {
		case "open":
			consistent = consistent && c.State == "in_review" && len(steps) == c.Step-1 && applied == 0
		case "approved":
			consistent = consistent && c.State == "published" && len(steps) == 3 && applied == 1
		default:
			consistent = false
		}
		if !consistent {
			t.Errorf("case %d: step %d, status %s, document %s, approvals at steps %v, %d audit records, %d applied", id, c.Step, c.Status, c.State, steps, audits, applied)
		}
		for step := int64(1); step <= 3; step++ {
			if acked[[2]int64{id, step}] && (int64(len(steps)) < step || steps[step-1] != step) {
				t.Errorf("case %d: step %d was answered 200 but is not recorded (%v)", id, step, steps)
			}
		}
	}
}

package retention_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/hotline/retention"
	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var shanghai = calendar.Location()

func at(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, shanghai) }

// now is when the tests' purges run.
var now = at(2026, 3, 2)

type fixture struct {
	t   *testing.T
	ctx context.Context
	db  *sqlx.DB
	dir string
}

func newFixture(t *testing.T) *fixture {
	t.Parallel()
	return &fixture{t: t, ctx: context.Background(), db: pgtest.New(t), dir: t.TempDir()}
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// call stores a finished call that ended on end with a recording file
// (and, when message, a voicemail file too) and returns its id and paths.
func (f *fixture) call(st *calls.Store, end time.Time, message bool) (int64, string, string) {
	f.t.Helper()
	id, err := st.StartCall(f.ctx, calls.NewCall{SIPCallID: end.Format(time.RFC3339Nano) + "@test", Caller: "13812345678", Callee: "96128", At: end.Add(-time.Minute)})
	f.must(err)
	rec := filepath.Join(f.dir, end.Format("2006-01-02")+"-call.wav")
	f.must(os.WriteFile(rec, []byte("RIFF a recording of the test"), 0o640))
	f.must(st.Answered(f.ctx, id, end.Add(-time.Minute), "PCMA", rec))
	f.must(st.EndCall(f.ctx, id, end, calls.OutcomeAnswered, "caller hung up",
		calls.Recording{Path: rec, SHA256: strings.Repeat("ab", 32), Duration: time.Minute, Size: 28}))
	var msg string
	if message {
		msg = filepath.Join(f.dir, end.Format("2006-01-02")+"-message.wav")
		f.must(os.WriteFile(msg, []byte("RIFF a message of the test, long enough for the check"), 0o640))
		f.must(st.SaveVoicemail(f.ctx, calls.Voicemail{CallID: id, Kind: "voicemail",
			Recording: calls.Recording{Path: msg, SHA256: strings.Repeat("cd", 32), Duration: 5 * time.Second, Size: 54}}))
		f.db.MustExec(`UPDATE call_voicemails SET created_at = $2 WHERE call_id = $1`, id, end)
	}
	return id, rec, msg
}

// audits returns the details of the audit entries of action, oldest first.
func (f *fixture) audits(action string) []map[string]any {
	f.t.Helper()
	var raw []string
	f.must(f.db.Select(&raw, `SELECT detail::text FROM audit_log WHERE action = $1 AND actor = 'retention' ORDER BY id`, action))
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		f.must(json.Unmarshal([]byte(r), &out[i]))
	}
	return out
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestRecordingsPastTheirPeriodArePurged: with three years' retention, the
// recording and message of a call that ended three years and a day ago
// are deleted, the call says since when and answers a *PurgedError, and
// the purge is audited with the call and the counts; a call of last year
// keeps everything. A second run finds nothing.
func TestRecordingsPastTheirPeriodArePurged(t *testing.T) {
	f := newFixture(t)
	st := calls.NewStore(f.db)
	oldID, oldRec, oldMsg := f.call(st, at(2023, 3, 1), true)
	newID, newRec, newMsg := f.call(st, at(2025, 3, 1), true)
	p := retention.New(f.db, slog.New(slog.DiscardHandler), retention.Period{Years: 3}, retention.Period{})
	r, err := p.Run(f.ctx, now)
	f.must(err)
	if r.Recordings != 1 || r.Voicemails != 1 || r.RecordingBytes != 28+54 {
		t.Errorf("report %+v, want one recording and one message of 82 bytes", r)
	}
	if exists(oldRec) || exists(oldMsg) {
		t.Error("the old call's files are still on disk")
	}
	if !exists(newRec) || !exists(newMsg) {
		t.Error("last year's call lost its files")
	}
	var pe *calls.PurgedError
	if _, err := st.RecordingPath(f.ctx, oldID, calls.Actor{Username: "supervisor1"}); !errors.As(err, &pe) || !pe.At.Equal(now) {
		t.Errorf("RecordingPath of the purged call = %v, want a PurgedError at %v", err, now)
	}
	if _, err := st.VoicemailPath(f.ctx, oldID, calls.Actor{Username: "supervisor1"}); !errors.As(err, &pe) {
		t.Errorf("VoicemailPath of the purged call = %v, want a PurgedError", err)
	}
	if path, err := st.RecordingPath(f.ctx, newID, calls.Actor{Username: "supervisor1"}); err != nil || path != newRec {
		t.Errorf("RecordingPath of last year's call = %q, %v", path, err)
	}
	c, err := st.Call(f.ctx, oldID)
	f.must(err)
	if c.Recording == nil || c.Recording.PurgedAt == nil || c.Recording.SHA256 == "" || c.Voicemail == nil || c.Voicemail.PurgedAt == nil {
		t.Errorf("the purged call's record: %+v %+v", c.Recording, c.Voicemail)
	}
	recs := f.audits("retention.recordings")
	if len(recs) != 1 || len(recs[0]["calls"].([]any)) != 1 || recs[0]["calls"].([]any)[0].(float64) != float64(oldID) || recs[0]["retention"] != "3y" {
		t.Errorf("recordings audit %v, want call %d", recs, oldID)
	}
	if msgs := f.audits("retention.voicemails"); len(msgs) != 1 {
		t.Errorf("voicemail audit %v", msgs)
	}
	runs := f.audits("retention.run")
	if len(runs) != 1 || runs[0]["report"].(map[string]any)["recordings"].(float64) != 1 {
		t.Errorf("run audit %v", runs)
	}
	r, err = p.Run(f.ctx, now)
	f.must(err)
	if r != (retention.Report{}) || len(f.audits("retention.recordings")) != 1 || len(f.audits("retention.run")) != 2 {
		t.Errorf("second run: %+v, %d batch entries, %d run entries", r, len(f.audits("retention.recordings")), len(f.audits("retention.run")))
	}
}

// TestRecordingsPurgeInBatches: more calls than one batch are all purged,
// each batch with its own audit entry.
func TestRecordingsPurgeInBatches(t *testing.T) {
	f := newFixture(t)
	st := calls.NewStore(f.db)
	for i := range 250 {
		f.call(st, at(2020, 1, 1).Add(time.Duration(i)*time.Hour), false)
	}
	r, err := retention.New(f.db, slog.New(slog.DiscardHandler), retention.Period{Years: 1}, retention.Period{}).Run(f.ctx, now)
	f.must(err)
	var left int
	f.must(f.db.Get(&left, `SELECT count(*) FROM calls WHERE recording_purged_at IS NULL`))
	if r.Recordings != 250 || left != 0 || len(f.audits("retention.recordings")) != 2 {
		t.Errorf("purged %d, %d left, %d batch entries; want 250, 0, 2", r.Recordings, left, len(f.audits("retention.recordings")))
	}
}

// TestForeverPurgesNothing: without periods nothing is deleted.
func TestForeverPurgesNothing(t *testing.T) {
	f := newFixture(t)
	_, rec, _ := f.call(calls.NewStore(f.db), at(2001, 1, 1), false)
	r, err := retention.New(f.db, slog.New(slog.DiscardHandler), retention.Period{}, retention.Period{}).Run(f.ctx, now)
	f.must(err)
	if r != (retention.Report{}) || !exists(rec) {
		t.Errorf("report %+v, file kept %v", r, exists(rec))
	}
}

// queryFixture is a queries store whose clock the test sets, a department
// and its liaison.
type queryFixture struct {
	*fixture
	s       *queries.Store
	liaison queries.Actor
	mu      sync.Mutex
	clock   time.Time
}

func newQueryFixture(t *testing.T) *queryFixture {
	f := &queryFixture{fixture: newFixture(t)}
	var dep, acct int64
	f.must(f.db.Get(&dep, `INSERT INTO departments (code, name, full_name, phone) VALUES ('mzj', '县民政局', '沂源县民政局', '0533-3241001') RETURNING id`))
	f.must(f.db.Get(&acct, `INSERT INTO accounts (username, password_hash, roles, department_id) VALUES ('liaison_mzj', 'x', '{liaison}', $1) RETURNING id`, dep))
	f.liaison = queries.Actor{AccountID: acct, Username: "liaison_mzj", Roles: []string{"liaison"}, DepartmentID: dep}
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(f.ctx, f.db, hours)
	f.must(err)
	f.s = queries.NewStore(f.db, cal, nil, queries.Options{Now: func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.clock }})
	return f
}

// answered creates a query of 王小明 at 13912345678 on day and answers it.
func (f *queryFixture) answered(day time.Time) string {
	f.t.Helper()
	f.mu.Lock()
	f.clock = day
	f.mu.Unlock()
	c, err := f.s.Create(f.ctx, queries.Citizen("10.0.0.9"), queries.NewQuery{Channel: "phone", Department: "mzj",
		Question: "我是王小明，电话13912345678，想问低保怎么申请", Name: "王小明", Phone: "13912345678"})
	f.must(err)
	f.must(f.s.Answer(f.ctx, f.liaison, c.Code, queries.AnswerInput{Body: "请到户籍所在地乡镇（街道）社会救助窗口申请。"}))
	return c.Code
}

// TestPersonalDataOfClosedQueries: with one year's retention, a query
// answered two years ago keeps 王* and loses the phone number, also where
// its question and complaint repeat them; a recent one, and an old one
// whose complaint is still open, keep everything.
func TestPersonalDataOfClosedQueries(t *testing.T) {
	f := newQueryFixture(t)
	old := f.answered(at(2024, 3, 4))
	complained := f.answered(at(2024, 3, 5))
	recent := f.answered(at(2025, 12, 1))
	_, err := f.s.Complain(f.ctx, queries.Citizen("10.0.0.9"), complained, "王小明（13912345678）对答复不满意", "web")
	f.must(err)
	r, err := retention.New(f.db, slog.New(slog.DiscardHandler), retention.Period{}, retention.Period{Years: 1}).Run(f.ctx, now)
	f.must(err)
	if r.Queries != 1 || r.Applications != 0 {
		t.Errorf("report %+v, want one query", r)
	}
	type row struct {
		Name     string     `db:"asker_name"`
		Phone    string     `db:"asker_phone"`
		Question string     `db:"question"`
		Purged   *time.Time `db:"personal_purged_at"`
	}
	get := func(code string) row {
		var r row
		f.must(f.db.Get(&r, `SELECT asker_name, asker_phone, question, personal_purged_at FROM queries WHERE code = $1`, code))
		return r
	}
	if got := get(old); got.Name != "王**" || got.Phone != "" || strings.Contains(got.Question, "13912345678") ||
		strings.Contains(got.Question, "王小明") || !strings.Contains(got.Question, "低保") || got.Purged == nil {
		t.Errorf("the old query after the purge: %+v", got)
	}
	for _, code := range []string{complained, recent} {
		if got := get(code); got.Name != "王小明" || got.Phone != "13912345678" || got.Purged != nil {
			t.Errorf("query %s lost its personal data: %+v", code, got)
		}
	}
	if pub, err := f.s.Public(f.ctx, old); err != nil || pub.Code != old {
		t.Errorf("the public status of a purged query: %+v, %v", pub, err)
	}
	entries := f.audits("retention.personal_data")
	if len(entries) != 1 || entries[0]["queries"].([]any)[0] != old {
		t.Errorf("audit %v, want query %s", entries, old)
	}
}

// TestCallersNumbersPurged: with one year's personal-data retention, the
// caller's number of a call that ended two years ago is masked (the call
// says since when, the batch is audited with the call); a recent call,
// and an old one whose query keeps its asker's data (a complaint open),
// keep the number. A second run masks nothing more.
func TestCallersNumbersPurged(t *testing.T) {
	f := newQueryFixture(t)
	st := calls.NewStore(f.db)
	oldID, _, _ := f.call(st, at(2024, 3, 1), false)
	newID, _, _ := f.call(st, at(2025, 12, 1), false)
	keptID, _, _ := f.call(st, at(2024, 3, 2), false)
	complained := f.answered(at(2024, 3, 5))
	_, err := f.s.Complain(f.ctx, queries.Citizen("10.0.0.9"), complained, "对答复不满意", "web")
	f.must(err)
	f.db.MustExec(`UPDATE calls SET query_code = $2 WHERE id = $1`, keptID, complained)
	p := retention.New(f.db, slog.New(slog.DiscardHandler), retention.Period{}, retention.Period{Years: 1})
	r, err := p.Run(f.ctx, now)
	f.must(err)
	if r.Callers != 1 {
		t.Errorf("report %+v, want one caller masked", r)
	}
	caller := func(id int64) (string, bool) {
		var c struct {
			Caller string     `db:"caller"`
			Purged *time.Time `db:"caller_purged_at"`
		}
		f.must(f.db.Get(&c, `SELECT caller, caller_purged_at FROM calls WHERE id = $1`, id))
		return c.Caller, c.Purged != nil
	}
	if c, purged := caller(oldID); c != "138****5678" || !purged {
		t.Errorf("the old call's caller: %q purged %v, want 138****5678", c, purged)
	}
	for _, id := range []int64{newID, keptID} {
		if c, purged := caller(id); c != "13812345678" || purged {
			t.Errorf("call %d lost its caller: %q purged %v", id, c, purged)
		}
	}
	entries := f.audits("retention.callers")
	if len(entries) != 1 || entries[0]["calls"].([]any)[0] != float64(oldID) {
		t.Errorf("audit %v, want call %d", entries, oldID)
	}
	if r, err = p.Run(f.ctx, now); err != nil || r.Callers != 0 {
		t.Errorf("second run: %+v %v", r, err)
	}
}

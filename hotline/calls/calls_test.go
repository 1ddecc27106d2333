package calls

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// seed creates departments mzj and ybj, staff accounts op1, op2 and
// liaison1, and returns the store.
func seed(t *testing.T) (*Store, *sqlx.DB) {
	t.Helper()
	db := pgtest.New(t)
	db.MustExec(`INSERT INTO departments (code, name, full_name) VALUES ('mzj', '民政局', '某市民政局'), ('ybj', '医保局', '某市医疗保障局')`)
	db.MustExec(`INSERT INTO accounts (username, password_hash, roles, department_id) VALUES
		('op1', 'x', '{operator}', NULL), ('op2', 'x', '{operator}', NULL),
		('liaison1', 'x', '{liaison}', (SELECT id FROM departments WHERE code = 'mzj')),
		('super1', 'x', '{supervisor}', NULL)`)
	return NewStore(db), db
}

func accountID(t *testing.T, db *sqlx.DB, username string) int64 {
	t.Helper()
	var id int64
	if err := db.Get(&id, `SELECT id FROM accounts WHERE username = $1`, username); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSIPAccounts(t *testing.T) {
	s, db := seed(t)
	ctx := context.Background()
	a, err := s.SaveSIPAccount(ctx, NewSIPAccount{Extension: "8001", Realm: "govhall", Password: "pw", Username: "op1", Kind: KindOperator})
	if err != nil {
		t.Fatal(err)
	}
	if a.HA1 != HA1("8001", "govhall", "pw") || a.Username != "op1" || a.Kind != KindOperator {
		t.Fatalf("saved %+v", a)
	}
	var plain int
	db.Get(&plain, `SELECT count(*) FROM sip_accounts WHERE ha1 LIKE '%pw%'`)
	if plain != 0 {
		t.Fatal("password stored in clear")
	}
	if _, err := s.SaveSIPAccount(ctx, NewSIPAccount{Extension: "8101", Realm: "govhall", Password: "pw", Username: "liaison1",
		Department: "mzj", Kind: KindLiaison, ContactURI: "sip:8101@127.0.0.1:5099"}); err != nil {
		t.Fatal(err)
	}
	ls, err := s.SIPAccounts(ctx, KindLiaison, mustDept(t, s, "mzj").ID)
	if err != nil || len(ls) != 1 || ls[0].ContactURI != "sip:8101@127.0.0.1:5099" || ls[0].DepartmentCode != "mzj" {
		t.Fatalf("liaisons of mzj: %+v, %v", ls, err)
	}
	bad := []struct {
		in    NewSIPAccount
		field string
	}{
		{NewSIPAccount{Extension: "80a1", Realm: "r", Password: "p", Kind: KindOperator}, "extension"},
		{NewSIPAccount{Extension: "8002", Realm: "r", Password: "p", Kind: "boss"}, "kind"},
		{NewSIPAccount{Extension: "8102", Realm: "r", Password: "p", Kind: KindLiaison}, "department"},
		{NewSIPAccount{Extension: "8102", Realm: "r", Password: "p", Kind: KindLiaison, Department: "nope"}, "department"},
		{NewSIPAccount{Extension: "8002", Realm: "r", Password: "p", Kind: KindOperator, Username: "ghost"}, "username"},
		{NewSIPAccount{Extension: "8002", Realm: "r", Password: "p", Kind: KindOperator, ContactURI: "http://x"}, "contact_uri"},
	}
	for _, b := range bad {
		var fe *FieldError
		if _, err := s.SaveSIPAccount(ctx, b.in); !errors.As(err, &fe) || fe.Field != b.field {
			t.Errorf("%+v: err %v, want field %s", b.in, err, b.field)
		}
	}
	if _, err := s.SIPAccount(ctx, "9999"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown extension: %v", err)
	}
}

func mustDept(t *testing.T, s *Store, code string) Department {
	t.Helper()
	d, err := s.Department(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCallRecord(t *testing.T) {
	s, db := seed(t)
	ctx := context.Background()
	t0 := time.Date(2025, 9, 30, 10, 0, 0, 0, time.UTC)
	op, _ := s.SaveSIPAccount(ctx, NewSIPAccount{Extension: "8001", Realm: "r", Password: "p", Username: "op1", Kind: KindOperator})
	id, err := s.StartCall(ctx, NewCall{SIPCallID: "abc@host", Caller: "13812345678", Callee: "96128", Transport: "UDP", At: t0})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.Answered(ctx, id, t0.Add(time.Second), "PCMA", "/rec/1.wav"))
	leg, err := s.StartLeg(ctx, NewLeg{CallID: id, Party: KindOperator, SIPAccountID: op.ID, AccountID: op.AccountID, Extension: "8001", At: t0.Add(6 * time.Second)})
	must(t, err)
	must(t, s.Queued(ctx, id, t0.Add(5*time.Second), t0.Add(8*time.Second)))
	must(t, s.LegAnswered(ctx, leg, t0.Add(8*time.Second)))
	mzj := mustDept(t, s, "mzj")
	tr, err := s.StartTransfer(ctx, NewTransfer{CallID: id, DepartmentID: mzj.ID, Method: "api", RequestedBy: op.AccountID, FromLegID: leg, At: t0.Add(30 * time.Second)})
	must(t, err)
	must(t, s.FinishTransfer(ctx, tr, t0.Add(50*time.Second), TransferNoAnswer, 0, "no liaison answered"))
	if err := s.FinishTransfer(ctx, tr, t0.Add(51*time.Second), TransferAnswered, 0, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("finishing a transfer twice: %v", err)
	}
	must(t, s.EndLeg(ctx, leg, t0.Add(90*time.Second), LegAnswered, "party"))
	must(t, s.SetSatisfaction(ctx, id, 5, "rfc4733", t0.Add(95*time.Second)))
	if err := s.SetSatisfaction(ctx, id, 6, "info", t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("score 6: %v", err)
	}
	must(t, s.EndCall(ctx, id, t0.Add(100*time.Second), OutcomeAnswered, "caller hung up",
		Recording{Path: "/rec/1.wav", SHA256: "ab", Duration: 99 * time.Second, Size: 1000}))
	if err := s.EndCall(ctx, id, t0, OutcomeFailed, "", Recording{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("ending twice: %v", err)
	}
	cs, err := s.List(ctx, 10)
	must(t, err)
	if len(cs) != 1 {
		t.Fatalf("%d calls", len(cs))
	}
	c := cs[0]
	if c.Outcome != OutcomeAnswered || *c.Satisfaction != 5 || len(c.Legs) != 1 || c.Legs[0].Username != "op1" ||
		c.Legs[0].Result != LegAnswered || c.Legs[0].EndedBy != "party" || len(c.Transfers) != 1 ||
		c.Transfers[0].Result != TransferNoAnswer || c.Transfers[0].Department != "mzj" || c.Recording == nil || c.Recording.DurationS != 99 {
		t.Fatalf("call %+v legs %+v transfers %+v rec %+v", c, c.Legs, c.Transfers, c.Recording)
	}
	// Recording access is audited.
	path, err := s.RecordingPath(ctx, id, Actor{AccountID: accountID(t, db, "super1"), Username: "super1", IP: "127.0.0.1"})
	if err != nil || path != "/rec/1.wav" {
		t.Fatalf("recording path %q, %v", path, err)
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'call.recording.access' AND object_id = $1`, id)
	if n != 1 {
		t.Errorf("%d audit rows for the recording access", n)
	}
}

func TestCloseCutOff(t *testing.T) {
	s, _ := seed(t)
	ctx := context.Background()
	t0 := time.Now()
	id, err := s.StartCall(ctx, NewCall{SIPCallID: "cut@host", Caller: "1001", At: t0})
	must(t, err)
	must(t, s.Answered(ctx, id, t0, "PCMU", "/rec/cut.wav"))
	leg, err := s.StartLeg(ctx, NewLeg{CallID: id, Party: KindOperator, Extension: "8001", At: t0})
	must(t, err)
	_, err = s.StartHold(ctx, id, leg, 0, t0)
	must(t, err)
	open, err := s.OpenCalls(ctx, "")
	if err != nil || len(open) != 1 || open[0].RecordingPath != "/rec/cut.wav" {
		t.Fatalf("open calls %+v, %v", open, err)
	}
	must(t, s.CloseCutOff(ctx, id, t0.Add(time.Minute), Recording{Path: "/rec/cut.wav", SHA256: "cd", Duration: time.Minute, Size: 44}))
	c, err := s.Call(ctx, id)
	must(t, err)
	if c.Outcome != OutcomeCutOff || c.EndedAt == nil || c.Recording == nil || !c.Recording.Repaired || c.Legs[0].Result != LegCancelled {
		t.Fatalf("after close: %+v legs %+v", c, c.Legs)
	}
	if len(c.Holds) != 1 || c.Holds[0].EndedAt == nil {
		t.Errorf("hold left open: %+v", c.Holds)
	}
	if open, _ := s.OpenCalls(ctx, ""); len(open) != 0 {
		t.Fatalf("still open: %+v", open)
	}
}

func TestOperatorStateTimes(t *testing.T) {
	s, db := seed(t)
	ctx := context.Background()
	op := accountID(t, db, "op1")
	t0 := time.Date(2025, 9, 30, 9, 0, 0, 0, time.UTC)
	must(t, s.SaveOperatorState(ctx, op, StateAvailable, t0))
	must(t, s.SaveOperatorState(ctx, op, StateAvailable, t0.Add(time.Minute))) // no change
	must(t, s.SaveOperatorState(ctx, op, StateBusy, t0.Add(10*time.Minute)))
	must(t, s.SaveOperatorState(ctx, op, StateWrapUp, t0.Add(15*time.Minute)))
	must(t, s.SaveOperatorState(ctx, op, StatePaused, t0.Add(16*time.Minute)))
	if err := s.SaveOperatorState(ctx, op, "asleep", t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad state: %v", err)
	}
	got, err := s.StateTimes(ctx, op, t0, t0.Add(20*time.Minute))
	must(t, err)
	want := map[string]time.Duration{StateAvailable: 10 * time.Minute, StateBusy: 5 * time.Minute, StateWrapUp: time.Minute, StatePaused: 4 * time.Minute}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}

func TestMaskNumber(t *testing.T) {
	for in, want := range map[string]string{"13812345678": "138****5678", "8001": "**01", "+8613812345678": "+86****5678", "1": "*", "": ""} {
		if got := MaskNumber(in); got != want {
			t.Errorf("MaskNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/server"
)

type alwaysOpen struct{}

func (alwaysOpen) InHours(time.Time) bool { return true }

// callFixture is the fixture with the hotline's routes, one finished call
// with a recording, and a phone for operator1.
func callFixture(t *testing.T) (*fixture, int64) {
	t.Helper()
	f := newFixture(t)
	h, err := hotline.New(hotline.Config{SIPAddr: "127.0.0.1:0", DataDir: t.TempDir()}, f.db, alwaysOpen{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = server.New(server.Deps{Log: slog.New(slog.DiscardHandler), DB: f.db, Staff: f.staff, Catalog: f.catalog,
		PublicBaseURL: "http://hall.test", Calls: h})
	ctx := context.Background()
	st := h.Store()
	if _, err := st.SaveSIPAccount(ctx, calls.NewSIPAccount{Extension: "8001", Realm: "govhall", Password: "pw",
		Username: "operator1", Kind: calls.KindOperator}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 9, 30, 2, 0, 0, 0, time.UTC)
	id, err := st.StartCall(ctx, calls.NewCall{SIPCallID: "a@b", Caller: "13812345678", Callee: "96128", At: at})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "1.wav")
	os.WriteFile(path, []byte("RIFF fake wav for the test"), 0o640)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.Answered(ctx, id, at, "PCMA", path))
	must(st.EndCall(ctx, id, at.Add(time.Minute), calls.OutcomeAnswered, "caller hung up",
		calls.Recording{Path: path, SHA256: strings.Repeat("ab", 32), Duration: time.Minute, Size: 26}))
	return f, id
}

func TestCallsList(t *testing.T) {
	f, id := callFixture(t)
	if st, _ := f.do("GET", "/api/v1/calls", "", ""); st != 401 {
		t.Errorf("no token: %d", st)
	}
	if st, _ := f.do("GET", "/api/v1/calls", f.login("reviewer1"), ""); st != 403 {
		t.Errorf("reviewer: %d", st)
	}
	st, body := f.do("GET", "/api/v1/calls?limit=5", f.login("operator1"), "")
	if st != 200 {
		t.Fatalf("operator: %d %s", st, body)
	}
	var out struct {
		Items []struct {
			ID              int64
			SIPCallID       string `json:"sip_call_id"`
			Caller, Outcome string
			StartedAt       *time.Time `json:"started_at"`
			Legs            []json.RawMessage
			Recording       *struct {
				URL, SHA256 string
				DurationS   float64 `json:"duration_s"`
			}
			Satisfaction *int
		}
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Items) != 1 {
		t.Fatalf("%v %s", err, body)
	}
	c := out.Items[0]
	if c.ID != id || c.SIPCallID != "a@b" || c.Caller != "13812345678" || c.Outcome != "answered" || c.Legs == nil ||
		c.Recording == nil || c.Recording.DurationS != 60 || !strings.HasSuffix(c.Recording.URL, "/api/v1/calls/1/recording") ||
		c.Satisfaction != nil {
		t.Fatalf("call %s", body)
	}
	for _, key := range []string{`"answered_at"`, `"ended_at"`, `"satisfaction":null`, `"legs":[]`} {
		if !strings.Contains(body, key) {
			t.Errorf("%s missing from %s", key, body)
		}
	}
}

func TestCallRecordingAccess(t *testing.T) {
	f, _ := callFixture(t)
	if st, _ := f.do("GET", "/api/v1/calls/1/recording", f.login("operator1"), ""); st != 403 {
		t.Errorf("operator fetching a recording: %d", st)
	}
	st, body := f.do("GET", "/api/v1/calls/1/recording", f.login("supervisor1"), "")
	if st != 200 || !strings.HasPrefix(body, "RIFF") {
		t.Fatalf("supervisor: %d %q", st, body)
	}
	var n int
	f.db.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'call.recording.access' AND actor = 'supervisor1'`)
	if n != 1 {
		t.Errorf("%d audit rows", n)
	}
	if st, _ := f.do("GET", "/api/v1/calls/99/recording", f.login("supervisor1"), ""); st != 404 {
		t.Errorf("unknown call: %d", st)
	}
	if st, _ := f.do("GET", "/api/v1/calls/1/voicemail", f.login("supervisor1"), ""); st != 404 {
		t.Errorf("call without voicemail: %d", st)
	}
}

func TestCallTransferAPI(t *testing.T) {
	f, _ := callFixture(t)
	tok := f.login("operator1")
	for _, tc := range []struct {
		body string
		want int
		in   string
	}{
		{`{"department":"mzj"}`, 404, "这通电话已经结束"},
		{`{}`, 400, "department"},
		{`{"department":"nope"}`, 400, "没有这个部门"},
		{`{"dept":"mzj"}`, 400, ""},
	} {
		st, body := f.do("POST", "/api/v1/calls/1/transfer", tok, tc.body)
		if st != tc.want || !strings.Contains(body, tc.in) {
			t.Errorf("%s: %d %s, want %d containing %q", tc.body, st, body, tc.want, tc.in)
		}
	}
	if st, _ := f.do("POST", "/api/v1/calls/1/transfer", f.login("liaison1"), `{"department":"mzj"}`); st != 403 {
		t.Errorf("liaison transferring: %d", st)
	}
}

func TestOperatorState(t *testing.T) {
	f, _ := callFixture(t)
	tok := f.login("operator1")
	for _, bad := range []string{`{"state":"paused"}`, `{"state":"paused","reason":"睡觉"}`} {
		if st, body := f.do("POST", "/api/v1/operators/me/state", tok, bad); st != 400 || !strings.Contains(body, `"field":"reason"`) {
			t.Errorf("pause %s = %d %s, want 400 on the reason", bad, st, body)
		}
	}
	st, body := f.do("POST", "/api/v1/operators/me/state", tok, `{"state":"paused","reason":"用餐"}`)
	if st != 200 || !strings.Contains(body, `"state":"paused"`) || !strings.Contains(body, `"extension":"8001"`) || !strings.Contains(body, `"pause_reason":"用餐"`) {
		t.Fatalf("pause: %d %s", st, body)
	}
	if st, body := f.do("POST", "/api/v1/operators/me/state", tok, `{"state":"busy"}`); st != 400 || !strings.Contains(body, `"field":"state"`) {
		t.Errorf("busy: %d %s", st, body)
	}
	st, body = f.do("GET", "/api/v1/operators/me/state", tok, "")
	if st != 200 || !strings.Contains(body, `"state":"paused"`) || !strings.Contains(body, `"registered":false`) {
		t.Errorf("get: %d %s", st, body)
	}
	if st, _ := f.do("POST", "/api/v1/operators/me/state", f.login("liaison1"), `{"state":"paused","reason":"用餐"}`); st != 403 {
		t.Errorf("liaison: %d", st)
	}
	if st, _ := f.do("GET", "/api/v1/operators/me/state", f.login("admin1"), ""); st != 404 {
		t.Errorf("admin without a phone: %d", st)
	}
}

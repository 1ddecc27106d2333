package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/govhall/govhall/kiosk"
)

func (f *fixture) terminalDo(method, path, token, body string) (int, string) {
	f.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Terminal-Token", token)
	res, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestTerminalHeartbeatOfflineAndUsage(t *testing.T) {
	f := newFixture(t)
	admin := f.login("admin1")
	st, body := f.do("POST", "/api/v1/staff/terminals", admin, `{"name":"县图书馆二楼查询机","place_type":"图书馆","address":"沂源县图书馆二楼","printer_addr":"127.0.0.1:9","printer_profile":"generic-58"}`)
	if st != 201 {
		t.Fatalf("register: %d %s", st, body)
	}
	var reg struct {
		Token    string         `json:"token"`
		Terminal kiosk.Terminal `json:"terminal"`
	}
	json.Unmarshal([]byte(body), &reg)
	if !strings.HasPrefix(reg.Token, "kt_") {
		t.Fatalf("token = %q", reg.Token)
	}
	if st, body := f.do("POST", "/api/v1/staff/terminals", admin, `{"name":"x","place_type":"商场"}`); st != 400 || !strings.Contains(body, "place_type") {
		t.Errorf("bad place type = %d %s", st, body)
	}
	// Never seen: offline.
	sup := f.login("supervisor1")
	_, body = f.do("GET", "/api/v1/staff/terminals", sup, "")
	if !strings.Contains(body, `"online":false`) {
		t.Errorf("unseen terminal should be offline: %s", body)
	}
	if st, _ := f.terminalDo("POST", "/api/v1/terminals/heartbeat", "kt_wrong", `{}`); st != 401 {
		t.Errorf("heartbeat with a wrong token = %d, want 401", st)
	}
	st, body = f.terminalDo("POST", "/api/v1/terminals/heartbeat", reg.Token, `{"printer_state":"paper_out","printer_message":"缺纸"}`)
	if st != 200 || !strings.Contains(body, `"can_print":false`) {
		t.Fatalf("heartbeat = %d %s; a printer without paper must not print", st, body)
	}
	_, body = f.do("GET", "/api/v1/staff/terminals", sup, "")
	if !strings.Contains(body, `"online":true`) || !strings.Contains(body, `"printer_state":"paper_out"`) {
		t.Errorf("after heartbeat: %s", body)
	}
	f.db.MustExec(`UPDATE terminals SET last_seen_at = now() - interval '10 minutes'`)
	_, body = f.do("GET", "/api/v1/staff/terminals", sup, "")
	if !strings.Contains(body, `"online":false`) || !strings.Contains(body, `"offline_since"`) {
		t.Errorf("stale terminal should be offline with a since: %s", body)
	}
	for _, ev := range []string{`{"kind":"search","query":"低保"}`, `{"kind":"search","query":"医保"}`, `{"kind":"idle_reset"}`} {
		if st, body := f.terminalDo("POST", "/api/v1/terminals/events", reg.Token, ev); st != 204 {
			t.Fatalf("event %s = %d %s", ev, st, body)
		}
	}
	var secret int64
	f.db.Get(&secret, `SELECT id FROM documents WHERE disclosure = '不予公开' LIMIT 1`)
	f.terminalDo("POST", "/api/v1/terminals/events", reg.Token, `{"kind":"view","document_id":`+itoa(secret)+`}`)
	var leaked int
	f.db.Get(&leaked, `SELECT count(*) FROM terminal_events WHERE document_id = $1`, secret)
	if leaked != 0 {
		t.Error("a view of a withheld document id was recorded against it")
	}
	_, body = f.do("GET", "/api/v1/staff/terminals/usage", sup, "")
	if !strings.Contains(body, `"searches":2`) || !strings.Contains(body, `"图书馆"`) {
		t.Errorf("usage = %s", body)
	}
	_ = context.Background()
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

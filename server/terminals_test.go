package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
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

// registerTerminal registers a terminal with a printer at addr and returns
// its device token.
func (f *fixture) registerTerminal(name, printerAddr string) string {
	f.t.Helper()
	in, _ := json.Marshal(map[string]string{"name": name, "place_type": "服务大厅", "printer_addr": printerAddr, "printer_profile": "generic-58"})
	st, body := f.do("POST", "/api/v1/staff/terminals", f.login("admin1"), string(in))
	if st != 201 {
		f.t.Fatalf("register %s: %d %s", name, st, body)
	}
	var reg struct{ Token string }
	json.Unmarshal([]byte(body), &reg)
	return reg.Token
}

// TestTerminalPrinterNeverAnswered checks that a printer nobody has heard
// from is not offered as ready, and that citizens never see its address.
func TestTerminalPrinterNeverAnswered(t *testing.T) {
	f := newFixture(t)
	// A port with nothing listening: the printer never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	token := f.registerTerminal("县档案馆查询机", addr)
	for _, path := range []string{"/api/v1/terminals/me", "/api/v1/terminals/heartbeat"} {
		method := map[bool]string{true: "GET", false: "POST"}[strings.HasSuffix(path, "/me")]
		st, body := f.terminalDo(method, path, token, "")
		if st != 200 {
			t.Fatalf("%s = %d %s", path, st, body)
		}
		var cfg struct {
			Printer struct {
				CanPrint bool   `json:"can_print"`
				Message  string `json:"message"`
				State    string `json:"state"`
			}
		}
		json.Unmarshal([]byte(body), &cfg)
		if cfg.Printer.CanPrint || cfg.Printer.State != "unreachable" {
			t.Errorf("%s: a printer that never answered is offered: %+v", path, cfg.Printer)
		}
		if strings.Contains(cfg.Printer.Message, "127.0.0.1") || strings.Contains(cfg.Printer.Message, "网线") ||
			!strings.Contains(cfg.Printer.Message, "二维码") || strings.Count(cfg.Printer.Message, "。") != 1 {
			t.Errorf("%s: citizens are told %q; want one plain sentence with the QR alternative", path, cfg.Printer.Message)
		}
	}
	_, body := f.do("GET", "/api/v1/staff/terminals", f.login("supervisor1"), "")
	if !strings.Contains(body, addr) {
		t.Errorf("the staff list lacks the printer's detail (%s): %s", addr, body)
	}
}

// TestTerminalSpeech checks the read-aloud endpoint: a WAV for a terminal,
// plain errors for bad text, nothing without a device token.
func TestTerminalSpeech(t *testing.T) {
	f := newFixture(t)
	token := f.registerTerminal("县政务服务中心查询机", "")
	st, body := f.terminalDo("POST", "/api/v1/terminals/speech", token, `{"text":"最低生活保障申请办事指南。"}`)
	if st != 200 || !strings.HasPrefix(body, "RIFF") || !strings.Contains(body[:16], "WAVE") || len(body) < 8000 {
		t.Fatalf("speech = %d, %d bytes %q…; want a WAV file", st, len(body), body[:min(len(body), 16)])
	}
	if st, _ := f.terminalDo("POST", "/api/v1/terminals/speech", "kt_wrong", `{"text":"你好"}`); st != 401 {
		t.Errorf("speech without a registered terminal = %d, want 401", st)
	}
	for _, tt := range []struct{ body, want string }{
		{`{"text":"  "}`, "没有要朗读的文字"},
		{`{"text":"` + strings.Repeat("政", kiosk.MaxSpeechChars+1) + `"}`, "一次最多朗读"},
		{`{"text":"--help"}`, ""},
	} {
		st, got := f.terminalDo("POST", "/api/v1/terminals/speech", token, tt.body)
		if tt.want == "" {
			// Text that looks like an option is read, not obeyed.
			if st != 200 || !strings.HasPrefix(got, "RIFF") {
				t.Errorf("speech of %s = %d %.40q", tt.body, st, got)
			}
			continue
		}
		if st != 400 || !strings.Contains(got, tt.want) {
			t.Errorf("speech of %.40s = %d %s, want 400 %s", tt.body, st, got, tt.want)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

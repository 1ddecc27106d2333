package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/printjob"
	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/migrations/pgtest"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/staff"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const password = "test-password-1"

type fixture struct {
	t       *testing.T
	db      *sqlx.DB
	srv     *server.Server
	catalog *kiosk.Store
	staff   *staff.Store
}

// newFixture builds a server on a fresh database holding the demo content
// and one account per role.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := pgtest.New(t)
	idx := search.New(db, nil, search.Options{})
	f := &fixture{t: t, db: db, catalog: kiosk.NewStore(db, idx, search.DocNumberKey), staff: staff.NewStore(db)}
	ctx := context.Background()
	if _, err := f.catalog.LoadDemo(ctx, kiosk.Actor{Username: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"admin", "reviewer", "operator", "liaison", "supervisor"} {
		if _, err := f.staff.Create(ctx, staff.NewAccount{Username: r + "1", Password: password, Roles: []string{r}}); err != nil {
			t.Fatal(err)
		}
	}
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(ctx, db, hours)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = server.New(server.Deps{Log: slog.New(slog.DiscardHandler), DB: db, Staff: f.staff, Catalog: f.catalog,
		Calendar: cal, Search: idx, Queries: queries.NewStore(db, cal, nil, queries.Options{}), PublicBaseURL: "http://kiosk.test",
		Printer: kiosk.NewPrinter(printjob.NewBuilder(nil), printjob.Client{}, "http://kiosk.test"), Speech: kiosk.NewSpeaker(2)})
	return f
}

// do sends a request and returns the status and body.
func (f *fixture) do(method, path, token, body string) (int, string) {
	f.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (f *fixture) login(user string) string {
	f.t.Helper()
	status, body := f.do("POST", "/api/v1/session", "", `{"username":"`+user+`","password":"`+password+`"}`)
	if status != http.StatusOK {
		f.t.Fatalf("login %s: %d %s", user, status, body)
	}
	var out struct{ Token string }
	json.Unmarshal([]byte(body), &out)
	return out.Token
}

func TestHealthz(t *testing.T) {
	f := newFixture(t)
	status, body := f.do("GET", "/healthz", "", "")
	if status != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("healthz = %d %s", status, body)
	}
	f.db.Close()
	if status, _ := f.do("GET", "/healthz", "", ""); status != http.StatusServiceUnavailable {
		t.Fatalf("healthz with the database gone = %d, want 503", status)
	}
}

func TestStaffEndpointsNeedARole(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		method, path, user string
		want               int
	}{
		{"GET", "/api/v1/staff/documents", "", 401},
		{"GET", "/api/v1/staff/documents", "operator1", 200},
		{"POST", "/api/v1/staff/documents", "operator1", 403},
		{"GET", "/api/v1/staff/reviews", "liaison1", 403},
		{"GET", "/api/v1/staff/reviews", "reviewer1", 200},
		{"PUT", "/api/v1/staff/departments/abc", "reviewer1", 403},
		{"GET", "/api/v1/audit", "", 401},
		{"GET", "/api/v1/audit", "operator1", 403},
		{"GET", "/api/v1/audit", "supervisor1", 200},
		{"GET", "/api/v1/audit", "admin1", 200},
	}
	for _, tt := range tests {
		token := ""
		if tt.user != "" {
			token = f.login(tt.user)
		}
		if got, body := f.do(tt.method, tt.path, token, ""); got != tt.want {
			t.Errorf("%s %s as %q = %d %s, want %d", tt.method, tt.path, tt.user, got, body, tt.want)
		}
	}
	if got, _ := f.do("GET", "/api/v1/staff/documents", "not-a-token", ""); got != 401 {
		t.Errorf("bad token = %d, want 401", got)
	}
}

func TestLoginFailuresAreSlowedDown(t *testing.T) {
	f := newFixture(t)
	for i := range staff.FailureLimit {
		if got, _ := f.do("POST", "/api/v1/session", "", `{"username":"admin1","password":"wrong"}`); got != 401 {
			t.Fatalf("failure %d = %d, want 401", i+1, got)
		}
	}
	got, body := f.do("POST", "/api/v1/session", "", `{"username":"admin1","password":"`+password+`"}`)
	if got != http.StatusTooManyRequests {
		t.Fatalf("after %d failures the right password = %d %s, want 429", staff.FailureLimit, got, body)
	}
	var n int
	f.db.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'login.failed'`)
	if n != staff.FailureLimit {
		t.Errorf("%d failed logins audited, want %d", n, staff.FailureLimit)
	}
	var hash string
	f.db.Get(&hash, `SELECT password_hash FROM accounts WHERE username = 'admin1'`)
	if !strings.HasPrefix(hash, "$2") {
		t.Errorf("password stored as %q, want a bcrypt hash", hash)
	}
}

func TestErrorsAreJSONWithAFieldName(t *testing.T) {
	f := newFixture(t)
	tok := f.login("reviewer1")
	status, body := f.do("POST", "/api/v1/staff/documents", tok,
		`{"index_no":"X/1","title":"t","agency":"沂源县民政局","category":"办事指南","kind":"other","disclosure":"不予公开"}`)
	if status != 400 || !strings.Contains(body, `"field":"withheld_reason"`) {
		t.Fatalf("withheld without reason = %d %s", status, body)
	}
	status, body = f.do("GET", "/api/v1/documents/999999", "", "")
	if status != 404 || !strings.Contains(body, `"error":"没有找到您要的内容"`) {
		t.Fatalf("unknown document = %d %s", status, body)
	}
}

package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/staff"
)

// queryFixture is the server fixture with the tracked queries wired in and
// liaisons of 县民政局 (mzj) and 县政府办公室 (zfb).
func queryFixture(t *testing.T, o queries.Options) (*fixture, *queries.Store) {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	for _, a := range []struct{ name, dep string }{{"liaison_mzj", "mzj"}, {"liaison_zfb", "zfb"}} {
		var dep int64
		if err := f.db.Get(&dep, `SELECT id FROM departments WHERE code = $1`, a.dep); err != nil {
			t.Fatal(err)
		}
		if _, err := f.staff.Create(ctx, staff.NewAccount{Username: a.name, Password: password, Roles: []string{"liaison"}, DepartmentID: dep}); err != nil {
			t.Fatal(err)
		}
	}
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(ctx, f.db, hours)
	if err != nil {
		t.Fatal(err)
	}
	qs := queries.NewStore(f.db, cal, nil, o)
	f.srv = server.New(server.Deps{Log: slog.New(slog.DiscardHandler), DB: f.db, Staff: f.staff, Catalog: f.catalog,
		Calendar: cal, Queries: qs, PublicBaseURL: "http://kiosk.test"})
	return f, qs
}

// wrongCheckDigit returns code with its last digit changed.
func wrongCheckDigit(code string) string {
	last := code[len(code)-1]
	return code[:len(code)-1] + string('0'+(last-'0'+1)%10)
}

func TestQueryPublicEndpoints(t *testing.T) {
	f, _ := queryFixture(t, queries.Options{})
	st, body := f.do("POST", "/api/v1/queries", "", `{"channel":"web","question":"我是张三，电话13812345678，想问低保怎么申请","name":"张三","phone":"13812345678","department":"mzj"}`)
	if st != 201 {
		t.Fatalf("create = %d %s", st, body)
	}
	var created struct{ Code, Status, DueAt string }
	json.Unmarshal([]byte(body), &created)
	if created.Status != "assigned" || len(created.Code) != queries.CodeLen || !strings.Contains(body, `"due_at"`) {
		t.Fatalf("create answered %s", body)
	}
	st, body = f.do("GET", "/api/v1/queries/"+created.Code, "", "")
	if st != 200 {
		t.Fatalf("get = %d %s", st, body)
	}
	for _, want := range []string{`"code":"` + created.Code + `"`, `"status":"assigned"`, `"department":"县民政局"`, `"accepted_at"`, `"due_at"`, `"history":[`, `张*`, `138****5678`} {
		if !strings.Contains(body, want) {
			t.Errorf("public view lacks %s: %s", want, body)
		}
	}
	for _, secret := range []string{"张三", "13812345678"} {
		if strings.Contains(body, secret) {
			t.Errorf("public view leaks %s: %s", secret, body)
		}
	}
	tests := []struct {
		method, path, body string
		want               int
		text               string
	}{
		{"GET", "/api/v1/queries/" + wrongCheckDigit(created.Code), "", 400, "查询码有误，请核对后重新输入"},
		{"GET", "/api/v1/queries/12345", "", 400, "查询码有误"},
		{"POST", "/api/v1/queries", `{"channel":"web","question":""}`, 400, `"field":"question"`},
		{"POST", "/api/v1/queries", `{"channel":"fax","question":"x"}`, 400, `"field":"channel"`},
		{"POST", "/api/v1/queries", `{"channel":"web","question":"x","department":"不存在的局"}`, 400, `"field":"department"`},
		{"POST", "/api/v1/queries", `{"channel":"web","question":"x","then":["rsj"]}`, 400, "then"},
		{"POST", "/api/v1/queries/" + created.Code + "/complaints", `{"reason":"不满意"}`, 409, "答复后"},
		{"POST", "/api/v1/queries/" + created.Code + "/rating", `{"score":5}`, 409, "答复后"},
	}
	for _, tt := range tests {
		if st, body := f.do(tt.method, tt.path, "", tt.body); st != tt.want || !strings.Contains(body, tt.text) {
			t.Errorf("%s %s %s = %d %s, want %d with %s", tt.method, tt.path, tt.body, st, body, tt.want, tt.text)
		}
	}
	unknown := validUnknownCode(t, created.Code)
	if st, body := f.do("GET", "/api/v1/queries/"+unknown, "", ""); st != 404 || !strings.Contains(body, "没有找到该查询单") {
		t.Errorf("unknown code = %d %s", st, body)
	}
	// A wrong check digit never reaches the database: it answers the same
	// with the database gone.
	f.db.Close()
	if st, body := f.do("GET", "/api/v1/queries/"+wrongCheckDigit(created.Code), "", ""); st != 400 || !strings.Contains(body, "查询码有误") {
		t.Errorf("wrong check digit without a database = %d %s", st, body)
	}
}

// validUnknownCode returns a code with a valid check digit that is not code.
func validUnknownCode(t *testing.T, code string) string {
	for d := byte('0'); d <= '9'; d++ {
		for c := byte('0'); c <= '9'; c++ {
			try := code[:7] + string(d) + code[8:9] + string(c)
			if try == code {
				continue
			}
			if _, err := queries.ParseCode(try); err == nil {
				return try
			}
		}
	}
	t.Fatal("no valid code found")
	return ""
}

func TestQueryLookupsAreRateLimited(t *testing.T) {
	f, _ := queryFixture(t, queries.Options{LookupBurst: 3, LookupRate: time.Minute})
	_, body := f.do("POST", "/api/v1/queries", "", `{"channel":"kiosk","question":"老年证"}`)
	var created struct{ Code string }
	json.Unmarshal([]byte(body), &created)
	for i := range 3 {
		if st, body := f.do("GET", "/api/v1/queries/"+created.Code, "", ""); st != 200 {
			t.Fatalf("lookup %d = %d %s", i+1, st, body)
		}
	}
	req := httptest.NewRequest("GET", "/api/v1/queries/"+created.Code, nil)
	res, err := f.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("4th lookup = %d, Retry-After %q; want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if st, body := f.do("GET", "/api/v1/queries/"+wrongCheckDigit(created.Code), "", ""); st != 429 || !strings.Contains(body, "查询过于频繁") {
		t.Errorf("a wrong code after the limit = %d %s, want 429: guesses are counted too", st, body)
	}
}

func TestQueryStaffEndpoints(t *testing.T) {
	f, _ := queryFixture(t, queries.Options{})
	op, mzj, zfb, sup := f.login("operator1"), f.login("liaison_mzj"), f.login("liaison_zfb"), f.login("supervisor1")
	st, body := f.do("POST", "/api/v1/staff/queries", op, `{"channel":"phone","question":"医保报销","department":"mzj","phone":"13900001111"}`)
	if st != 201 {
		t.Fatalf("operator create = %d %s", st, body)
	}
	var q struct{ Code string }
	json.Unmarshal([]byte(body), &q)
	base := "/api/v1/staff/queries/" + q.Code
	tests := []struct {
		method, path, token, body string
		want                      int
		text                      string
	}{
		{"GET", "/api/v1/staff/queries?list=open", "", "", 401, ""},
		{"GET", "/api/v1/staff/queries/stats", op, "", 403, ""},
		{"GET", "/api/v1/staff/queries?list=open", mzj, "", 200, q.Code},
		{"GET", "/api/v1/staff/queries?list=open&department=zfb", mzj, "", 403, "本部门"},
		{"GET", "/api/v1/staff/queries?list=nope", mzj, "", 400, `"field":"list"`},
		{"GET", base, mzj, "", 200, "13900001111"},
		{"POST", base + "/answer", zfb, `{"answer":"x"}`, 403, "当前承办部门"},
		{"POST", base + "/forward", mzj, `{"reason":""}`, 400, `"field":"reason"`},
		{"POST", base + "/forward", mzj, `{"because":"x"}`, 400, `"field":"because"`},
		{"POST", base + "/forward", mzj, `{"reason":"医保属医保局职责"}`, 200, "forward_pending"},
		{"GET", "/api/v1/staff/approvals", zfb, "", 200, "医保属医保局职责"},
		{"POST", base + "/route", mzj, `{"department":"ybj"}`, 403, "政府办"},
	}
	for _, tt := range tests {
		if st, body := f.do(tt.method, tt.path, tt.token, tt.body); st != tt.want || !strings.Contains(body, tt.text) {
			t.Errorf("%s %s %s = %d %s, want %d with %s", tt.method, tt.path, tt.body, st, body, tt.want, tt.text)
		}
	}
	var ap int64
	f.db.Get(&ap, `SELECT id FROM query_approvals`)
	if st, body := f.do("POST", "/api/v1/staff/approvals/"+itoa(ap), zfb, `{"approve":false,"note":"属民政局救助职责"}`); st != 200 {
		t.Fatalf("reject = %d %s", st, body)
	}
	if st, body := f.do("POST", base+"/answer", mzj, `{"answer":"请到民政局申请医疗救助。","general":true}`); st != 200 || !strings.Contains(body, `"status":"answered"`) {
		t.Fatalf("answer = %d %s", st, body)
	}
	if st, body := f.do("POST", "/api/v1/queries/"+q.Code+"/rating", "", `{"score":4}`); st != 201 {
		t.Errorf("rating = %d %s", st, body)
	}
	if st, _ := f.do("POST", "/api/v1/queries/"+q.Code+"/rating", "", `{"score":5}`); st != 409 {
		t.Errorf("second rating = %d, want 409", st)
	}
	if st, body := f.do("POST", "/api/v1/queries/"+q.Code+"/complaints", "", `{"reason":"答复没有说明救助标准"}`); st != 201 || !strings.Contains(body, `"due_at"`) {
		t.Errorf("complaint = %d %s", st, body)
	}
	if st, body := f.do("GET", "/api/v1/staff/complaints", sup, ""); st != 200 || !strings.Contains(body, "答复没有说明救助标准") {
		t.Errorf("complaints = %d %s", st, body)
	}
	if st, body := f.do("GET", "/api/v1/staff/queries/stats", sup, ""); st != 200 || !strings.Contains(body, `"ratings":1`) {
		t.Errorf("stats = %d %s", st, body)
	}
	if st, body := f.do("GET", "/api/v1/staff/knowledge?pending=1", f.login("reviewer1"), ""); st != 200 || !strings.Contains(body, "医疗救助") {
		t.Errorf("knowledge queue = %d %s", st, body)
	}
	for _, r := range f.srv.App().GetRoutes(true) {
		if strings.Contains(r.Path, "queries") || strings.Contains(r.Path, "knowledge") || strings.Contains(r.Path, "approvals") || strings.Contains(r.Path, "complaints") {
			if r.Method != "HEAD" && !server.Documented(r.Method, r.Path) {
				t.Errorf("%s %s is not documented", r.Method, r.Path)
			}
		}
	}
}

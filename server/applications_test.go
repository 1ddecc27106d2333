package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/staff"
)

// The applicant of the server tests.
const (
	appName  = "欧阳明月"
	appID    = "11010519491231002X"
	appPhone = "13987654321"
	appMail  = "oymy@example.net"
	appAddr  = "沂源县鲁山路66号3单元"
)

// applicationBody is a valid kiosk application as JSON, with fields
// replaced by edits ("field": value; nil deletes).
func applicationBody(edits map[string]any) string {
	m := map[string]any{"department": "mzj", "channel": "kiosk", "applicant_type": "natural", "name": appName,
		"id_type": "resident_id", "id_number": appID, "credit_code": "", "contact_person": "", "phone": appPhone,
		"address": appAddr, "email": appMail, "information": "2024年临时救助资金的发放名单和标准", "purpose": "",
		"delivery": "electronic", "pickup": "email"}
	for k, v := range edits {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// applicationFixture is the query fixture with 依申请公开 wired in, a
// reviewer of 县民政局 (head_mzj) to approve extensions, and o's options.
func applicationFixture(t *testing.T, o queries.Options) (*fixture, *applications.Store) {
	t.Helper()
	f, qs := queryFixture(t, o)
	ctx := context.Background()
	var mzj int64
	f.db.Get(&mzj, `SELECT id FROM departments WHERE code = 'mzj'`)
	if _, err := f.staff.Create(ctx, staff.NewAccount{Username: "head_mzj", Password: password, Roles: []string{"reviewer"}, DepartmentID: mzj}); err != nil {
		t.Fatal(err)
	}
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(ctx, f.db, hours)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := applications.NewKeys([]byte("server-test-key-of-32-bytes-long"))
	as := applications.NewStore(f.db, qs, cal, keys, applications.Options{Now: o.Now})
	f.srv = server.New(server.Deps{Log: slog.New(slog.DiscardHandler), DB: f.db, Staff: f.staff, Catalog: f.catalog,
		Calendar: cal, Queries: qs, Applications: as, PublicBaseURL: "http://kiosk.test"})
	return f, as
}

func TestApplicationPublicEndpoints(t *testing.T) {
	f, _ := applicationFixture(t, queries.Options{LookupBurst: 20, LookupRate: time.Minute})
	st, body := f.do("POST", "/api/v1/applications", "", applicationBody(nil))
	if st != 201 {
		t.Fatalf("submit = %d %s", st, body)
	}
	var out map[string]any
	json.Unmarshal([]byte(body), &out)
	delete(out, "provisional") // when the due date lies in a year without a notice yet
	if len(out) != 3 || out["department"] != "县民政局" || len(out["code"].(string)) != queries.CodeLen {
		t.Fatalf("submit answered %s, want exactly code, due_date, department (and provisional)", body)
	}
	if _, err := calendar.ParseDate(out["due_date"].(string)); err != nil {
		t.Errorf("due_date %v: %v", out["due_date"], err)
	}
	code := out["code"].(string)
	tests := []struct {
		edits map[string]any
		field string
	}{
		{map[string]any{"channel": "window"}, "channel"},
		{map[string]any{"id_number": "110105194912310021"}, "id_number"},
		{map[string]any{"applicant_type": "commercial", "credit_code": "91350100M000100Y44", "contact_person": "王经理"}, "credit_code"},
		{map[string]any{"information": " "}, "information"},
		{map[string]any{"pickup": "post"}, "pickup"},
		{map[string]any{"received_on": "2025-01-02"}, "received_on"},
		{map[string]any{"fax": "0533"}, ""}, // unknown fields are refused
	}
	for _, tt := range tests {
		st, body := f.do("POST", "/api/v1/applications", "", applicationBody(tt.edits))
		if st != 400 || (tt.field != "" && !strings.Contains(body, `"field":"`+tt.field+`"`)) {
			t.Errorf("%v = %d %s, want 400 for %s", tt.edits, st, body, tt.field)
		}
	}
	st, body = f.do("GET", "/api/v1/queries/"+code, "", "")
	if st != 200 || !strings.Contains(body, "欧***") || !strings.Contains(body, `"status":"assigned"`) {
		t.Errorf("status page = %d %s", st, body)
	}
	for _, secret := range []string{appName, appID, appPhone, appMail, appAddr} {
		if strings.Contains(body, secret) {
			t.Errorf("the status page leaks %s", secret)
		}
	}
	if st, body := f.do("GET", "/api/v1/applications/options", "", ""); st != 200 || !strings.Contains(body, "居民身份证") || !strings.Contains(body, "public_welfare") {
		t.Errorf("options = %d %s", st, body)
	}
}

func TestApplicationSubmissionsAreRateLimited(t *testing.T) {
	f, _ := applicationFixture(t, queries.Options{LookupBurst: 2, LookupRate: time.Minute})
	for i := range 2 {
		if st, body := f.do("POST", "/api/v1/applications", "", applicationBody(nil)); st != 201 {
			t.Fatalf("submission %d = %d %s", i+1, st, body)
		}
	}
	if st, body := f.do("POST", "/api/v1/applications", "", applicationBody(nil)); st != 429 || !strings.Contains(body, "频繁") {
		t.Errorf("3rd submission = %d %s, want 429", st, body)
	}
}

// TestApplicationStaffEndpoints walks an application from a window to a
// decision through HTTP, with the refusals on the way, and checks that
// every route is documented.
func TestApplicationStaffEndpoints(t *testing.T) {
	f, _ := applicationFixture(t, queries.Options{})
	op, mzj, zfb, head, rev := f.login("operator1"), f.login("liaison_mzj"), f.login("liaison_zfb"), f.login("head_mzj"), f.login("reviewer1")
	window := applicationBody(map[string]any{"channel": "window", "delivery": "paper", "pickup": "window"})
	if st, body := f.do("POST", "/api/v1/staff/applications", rev, window); st != 403 {
		t.Errorf("a reviewer enters an application = %d %s", st, body)
	}
	if st, body := f.do("POST", "/api/v1/staff/applications", op, applicationBody(map[string]any{"channel": "post", "delivery": "post", "pickup": "post"})); st != 400 || !strings.Contains(body, `"field":"received_on"`) {
		t.Errorf("a letter without its date = %d %s", st, body)
	}
	today := calendar.DateOf(time.Now()).String()
	st, body := f.do("POST", "/api/v1/staff/applications", op, applicationBody(map[string]any{"channel": "post", "delivery": "post", "pickup": "post", "received_on": today}))
	if st != 201 {
		t.Fatalf("a letter = %d %s", st, body)
	}
	st, body = f.do("POST", "/api/v1/staff/applications", op, window)
	if st != 201 {
		t.Fatalf("a window application = %d %s", st, body)
	}
	var created struct{ Code string }
	json.Unmarshal([]byte(body), &created)
	base := "/api/v1/staff/applications/" + created.Code
	var doc int64
	f.db.Get(&doc, `SELECT id FROM public_documents ORDER BY id LIMIT 1`)
	tests := []staffCase{
		{"GET", base, "", "", 401, ""},
		{"GET", base, zfb, "", 403, "不是您所在部门"},
		{"GET", base, op, "", 200, `"masked":true`},
		{"GET", base, mzj, "", 200, appID},
		{"GET", "/api/v1/staff/applications", mzj, "", 200, created.Code},
		{"GET", "/api/v1/staff/applications", op, "", 403, ""},
		{"GET", "/api/v1/staff/applications?state=nope", mzj, "", 400, `"field":"state"`},
		{"POST", base + "/correction", zfb, `{"missing":"x"}`, 403, ""},
		{"POST", base + "/correction", mzj, `{"missing":""}`, 400, `"field":"missing"`},
		{"POST", base + "/correction", mzj, `{"missing":"请` + appName + `写明年份"}`, 200, `"state":"correction"`},
		{"POST", base + "/decision", mzj, `{"decision":"denied"}`, 400, `"field":"reason"`},
		{"POST", base + "/corrected", mzj, `{"received_on":"2999-01-01"}`, 400, `"field":"received_on"`},
		{"POST", base + "/corrected", mzj, ``, 200, `"state":"received"`},
		{"POST", base + "/consultation", mzj, `{"third_party":"某某物业公司"}`, 200, `"state":"consulting"`},
		{"POST", base + "/decision", mzj, `{"decision":"granted","text":"x"}`, 409, "第三方"},
		{"POST", base + "/consultation/end", mzj, `{"opinion":"agree"}`, 200, "同意公开"},
		{"POST", base + "/extension", mzj, `{"reason":"需要汇总三个乡镇的数据"}`, 200, `"extension_pending":true`},
	}
	f.table(tests)
	var ap, caseID int64
	f.db.Get(&ap, `SELECT id FROM query_approvals WHERE kind = 'extension'`)
	if st, body := f.do("POST", "/api/v1/staff/approvals/"+itoa(ap), head, `{"approve":true}`); st != 200 {
		t.Errorf("the head approves the extension = %d %s", st, body)
	}
	f.table([]staffCase{
		{"GET", base, mzj, "", 200, `"limit":"application_extended"`},
		{"POST", base + "/decision", mzj, `{"decision":"granted","reason":"not_held","text":"x"}`, 400, `"field":"reason"`},
		{"POST", base + "/decision", mzj, `{"decision":"granted","documents":"12, x"}`, 400, `"field":"documents"`},
		{"POST", base + "/decision", mzj, `{"decision":"granted","documents":"999999"}`, 400, `"field":"documents"`},
		{"GET", base + "/notice", mzj, "", 409, "尚未作出答复"},
		{"POST", base + "/decision", mzj, `{"decision":"granted","text":"名单和标准见附件。","documents":"` + strconv.FormatInt(doc, 10) + `"}`, 200, `"state":"decided"`},
		{"GET", base + "/notice", mzj, "", 200, appName},
		{"GET", base + "/notice", op, "", 200, "欧***"},
		{"POST", base + "/fee", mzj, `{"yuan":"abc"}`, 400, `"field":"yuan"`},
		{"POST", base + "/fee", mzj, `{"yuan":"0"}`, 200, `"fee_yuan":"0.00"`},
		{"POST", base + "/delivery", mzj, ``, 200, `"delivery_method":"window"`},
		{"POST", base + "/cases", op, `{"kind":"review","filed_on":"` + today + `"}`, 403, ""},
		{"POST", base + "/cases", mzj, `{"kind":"review","filed_on":"` + today + `"}`, 200, `"outcome":"pending"`},
	})
	f.db.Get(&caseID, `SELECT id FROM application_cases`)
	if st, body := f.do("PUT", base+"/cases/"+itoa(caseID), mzj, `{"kind":"review","filed_on":"`+today+`","outcome":"upheld","closed_on":"`+today+`"}`); st != 200 || !strings.Contains(body, "维持") {
		t.Errorf("case outcome = %d %s", st, body)
	}
	for _, r := range f.srv.App().GetRoutes(true) {
		if strings.Contains(r.Path, "applications") && r.Method != "HEAD" && !server.Documented(r.Method, r.Path) {
			t.Errorf("%s %s is not documented", r.Method, r.Path)
		}
	}
}

// TestNoPublicEndpointLeaksApplications: after applications were entered,
// handled with notes, a third party and a partial disclosure — whose
// withheld original is a 不予公开 document and whose disclosed part is a
// document of its own — every public GET route, with every application's
// 查询码 and every document's id and code filled in, answers without the
// applicant's identity, the third party, the decision's text, the
// withheld parts or any staff note.
func TestNoPublicEndpointLeaksApplications(t *testing.T) {
	f, as := applicationFixture(t, queries.Options{LookupBurst: 100000, LookupRate: time.Millisecond})
	ctx := context.Background()
	mzj, rev := f.login("liaison_mzj"), f.login("reviewer1")
	org := applicationBody(map[string]any{"applicant_type": "commercial", "name": "沂源县某某建材有限公司", "id_type": "", "id_number": "",
		"credit_code": "91350100M000100Y43", "contact_person": appName, "delivery": "paper", "pickup": "post"})
	var codes []string
	for _, b := range []string{applicationBody(nil), org} {
		st, body := f.do("POST", "/api/v1/applications", "", b)
		if st != 201 {
			t.Fatalf("submit = %d %s", st, body)
		}
		var c struct{ Code string }
		json.Unmarshal([]byte(body), &c)
		codes = append(codes, c.Code)
	}
	// The withheld original and the redacted copy that is published.
	const withheldSecret, textSecret, noteSecret, thirdSecret = "低保对象吴某某的银行账号", "答复正文内部措辞甲乙丙", "内部备注：科长口头同意", "第三方鲁中某某商贸"
	mk := func(index, title, disclosure, body string) int64 {
		b, _ := json.Marshal(map[string]any{"index_no": index, "title": title, "agency": "沂源县民政局", "category": "办事指南", "kind": "other",
			"disclosure": disclosure, "withheld_reason": map[bool]string{true: "涉及个人隐私", false: ""}[disclosure == "不予公开"], "body": body})
		st, out := f.do("POST", "/api/v1/staff/documents", rev, string(b))
		if st != 201 {
			t.Fatalf("create %s: %d %s", title, st, out)
		}
		var id int64
		f.db.Get(&id, `SELECT id FROM documents WHERE index_no = $1`, index)
		f.db.MustExec(`UPDATE documents SET state = 'published', published_at = '2025-01-02' WHERE id = $1`, id)
		return id
	}
	mk("MZJ/APP-1", "临时救助发放名单（原件）", "不予公开", "完整名单："+withheldSecret)
	part := mk("MZJ/APP-2", "临时救助发放名单（公开部分）", "主动公开", "发放标准：每人每月500元。")
	base := "/api/v1/staff/applications/" + codes[0]
	for _, step := range []struct{ path, body string }{
		{base + "/consultation", `{"third_party":"` + thirdSecret + `","note":"` + appName + `的申请涉及其经营数据"}`},
		{base + "/consultation/end", `{"opinion":"object","note":"` + thirdSecret + `书面反对"}`},
		{"/api/v1/staff/queries/" + codes[0] + "/notes", `{"note":"` + noteSecret + `"}`},
		{base + "/decision", `{"decision":"partial","text":"` + textSecret + `","withheld":"` + withheldSecret + `不予公开","documents":[` + strconv.FormatInt(part, 10) + `]}`},
		{"/api/v1/staff/applications/" + codes[1] + "/correction", `{"missing":"请` + appName + `提供营业执照复印件"}`},
	} {
		if st, body := f.do("POST", step.path, mzj, step.body); st != 200 {
			t.Fatalf("POST %s = %d %s", step.path, st, body)
		}
	}
	if _, err := as.Get(ctx, queries.Actor{AccountID: 1, Roles: []string{"admin"}}, codes[0]); err != nil {
		t.Fatal(err)
	}
	secrets := []string{appName, appID, appPhone, appMail, appAddr, withheldSecret, textSecret, noteSecret, thirdSecret, "鲁中某某"}

	var docs []secretDoc
	f.db.Select(&docs, `SELECT id, code, title, index_no, state FROM documents ORDER BY id`)
	paths := publicPaths(f, docs)
	for _, r := range f.srv.App().GetRoutes(true) {
		if r.Method == "GET" && strings.Contains(r.Path, ":code") && !strings.Contains(r.Path, "/staff/") && !strings.HasPrefix(r.Path, "/console/") {
			for _, c := range codes {
				paths = append(paths, strings.ReplaceAll(r.Path, ":code", c))
			}
		}
	}
	for _, s := range secrets {
		paths = append(paths, "/api/v1/documents?q="+url.QueryEscape(s), "/api/v1/knowledge?q="+url.QueryEscape(s))
	}
	sawStatus := 0
	for _, p := range paths {
		status, body := f.do("GET", p, "", "")
		if status == 401 || status == 303 {
			continue
		}
		if strings.HasPrefix(p, "/api/v1/queries/") && status == 200 {
			sawStatus++
		}
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("GET %s (%d) leaks %q", p, status, s)
			}
		}
	}
	if sawStatus < len(codes) {
		t.Errorf("only %d status pages were read", sawStatus)
	}
	st, body := f.do("GET", "/api/v1/queries/"+codes[0], "", "")
	if st != 200 || !strings.Contains(body, "部分公开") || !strings.Contains(body, "临时救助发放名单（公开部分）") {
		t.Errorf("the decided application's status page = %d %s", st, body)
	}
	t.Logf("walked %d public requests", len(paths))
}

// staffCase is a request and what it must answer.
type staffCase struct {
	method, path, token, body string
	want                      int
	text                      string
}

// table sends each request and checks its status and that the body holds
// the text.
func (f *fixture) table(cases []staffCase) {
	f.t.Helper()
	for _, tt := range cases {
		if st, body := f.do(tt.method, tt.path, tt.token, tt.body); st != tt.want || !strings.Contains(body, tt.text) {
			f.t.Errorf("%s %s %s = %d %s, want %d with %s", tt.method, tt.path, tt.body, st, body, tt.want, tt.text)
		}
	}
}

// TestApplicationConsolePages renders the console's pages without a
// browser: the list, the record with its forms (a pending case's outcome
// among them), the print page of the notice, and the refusals.
func TestApplicationConsolePages(t *testing.T) {
	f, _ := applicationFixture(t, queries.Options{})
	mzj, sup, op := f.login("liaison_mzj"), f.login("supervisor1"), f.login("operator1")
	_, body := f.do("POST", "/api/v1/applications", "", applicationBody(nil))
	var c struct{ Code string }
	json.Unmarshal([]byte(body), &c)
	base := "/api/v1/staff/applications/" + c.Code
	today := calendar.DateOf(time.Now()).String()
	for _, step := range []struct{ path, body string }{
		{base + "/decision", `{"decision":"unable","reason":"not_held","text":"本机关不掌握该信息。"}`},
		{base + "/cases", `{"kind":"suit_direct","filed_on":"` + today + `","note":"沂源县人民法院"}`},
	} {
		if st, body := f.do("POST", step.path, mzj, step.body); st != 200 {
			t.Fatalf("POST %s = %d %s", step.path, st, body)
		}
	}
	if page := f.page("/console/applications?state=all", mzj); !strings.Contains(page, `data-code="`+c.Code+`"`) || !strings.Contains(page, "无法提供") {
		t.Errorf("the list lacks the application:\n%s", page)
	}
	page := f.page("/console/applications/"+c.Code, mzj)
	for _, want := range []string{appName, appID, `data-api="PUT /api/v1/staff/applications/` + c.Code + `/cases/`, `href="/console/applications/` + c.Code + `/notice"`, "本机关不掌握相关政府信息"} {
		if !strings.Contains(page, want) {
			t.Errorf("the record lacks %q", want)
		}
	}
	notice := f.page("/console/applications/"+c.Code+"/notice", mzj)
	for _, want := range []string{"政府信息公开申请答复告知书", appName + "：", "第三十六条第（四）项", "applications.css", "六十日内"} {
		if !strings.Contains(notice, want) {
			t.Errorf("the notice page lacks %q", want)
		}
	}
	if strings.Contains(notice, `class="shell-head"`) {
		t.Error("the notice page carries the console's shell")
	}
	if page := f.page("/console/applications/"+c.Code, sup); strings.Contains(page, appName) || strings.Contains(page, appID) || strings.Contains(page, `data-api="POST /api/v1/staff/applications/`+c.Code+`/delivery"`) {
		t.Errorf("a supervisor's record shows the applicant or the liaison's forms")
	}
	if page := f.page("/console/applications?department=mzj", sup); !strings.Contains(page, "依申请公开 · 县民政局") {
		t.Errorf("a supervisor's list of 民政局:\n%s", page)
	}
	if page := f.page("/console/applications", op); !strings.Contains(page, "无权访问") {
		t.Errorf("an operator opens the list")
	}
	if page := f.page("/console/applications/"+c.Code, f.login("liaison_zfb")); !strings.Contains(page, "不是您所在部门") {
		t.Errorf("another department's liaison opens the record")
	}
}

package server_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/events"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/printjob"
	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/staff"
)

// TestMalformedInputOnEveryRoute walks every route of the OpenAPI
// description with malformed input — bodies that are not JSON or JSON of
// the wrong shape and types, path parameters of the wrong kind, query
// parameters that are not numbers or dates — as a user allowed to use the
// route. Every answer must be 4xx (2xx where the input happens to be
// acceptable), never 5xx, and every 4xx of an /api/ route must say what is
// wrong in {"error": "..."}.
func TestMalformedInputOnEveryRoute(t *testing.T) {
	w := newWalker(t)
	routes := w.routes()
	w.all = routes
	if len(routes) < 150 {
		t.Fatalf("the OpenAPI description lists %d routes; the walk expects the full server's (150 or more)", len(routes))
	}
	requests := 0
	for _, r := range routes {
		for _, c := range w.cases(r) {
			w.check(r, c, w.send(r, c))
			requests++
		}
	}
	t.Logf("%d routes, %d requests", len(routes), requests)
	w.rawBytes()
}

// rawBytes sends bytes that are not UTF-8, unescaped, in a path and a
// query, as a client that does not escape its URL does (a browser always
// escapes; app.Test cannot send them).
func (w *walker) rawBytes() {
	w.stream(httptest.NewRequest("GET", "/healthz", nil)) // starts the listener
	for _, target := range []string{"/d/\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", "/api/v1/documents?q=\xff\xfe", "/api/v1/audit?object_type=\xff\xfe"} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(w.base, "http://"))
		if err != nil {
			w.t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: kiosk.test\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n", target, w.tokens["admin1"])
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			w.t.Fatalf("GET %q: %v", target, err)
		}
		b, _ := io.ReadAll(res.Body)
		conn.Close()
		if res.StatusCode < 400 || res.StatusCode >= 500 {
			w.t.Errorf("GET %q = %d %s, want 4xx", target, res.StatusCode, b)
		}
	}
}

// route is one operation of the OpenAPI description.
type route struct {
	method, path, summary string
	roles                 string // "" public, "device", else the roles' description
}

// probe is one malformed request of a route.
type probe struct {
	name        string
	path        string // with its parameters and query
	body        string
	contentType string
}

type answer struct {
	status int
	ctype  string
	body   string
}

type walker struct {
	t        *testing.T
	f        *fixture
	tokens   map[string]string // account → session token
	spare    map[string]string // account → a session the logout routes end
	device   string
	valid    map[string]string // path parameter → a value that exists
	victimID string            // an account the walk may change
	base     string            // of the real listener for streams, once started
	all      []route
}

// newWalker builds a server with every part wired in (hotline, queries,
// applications, events), one account per role, a kiosk terminal, a query,
// an application and a finished call for the routes' parameters.
func newWalker(t *testing.T) *walker {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	var mzj int64
	f.db.Get(&mzj, `SELECT id FROM departments WHERE code = 'mzj'`)
	for _, a := range []staff.NewAccount{
		{Username: "liaison_mzj", Password: password, Roles: []string{"liaison"}, DepartmentID: mzj},
		{Username: "victim", Password: password, Roles: []string{"operator"}},
	} {
		if _, err := f.staff.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(ctx, f.db, hours)
	if err != nil {
		t.Fatal(err)
	}
	qs := queries.NewStore(f.db, cal, nil, queries.Options{LookupBurst: 1000, LookupRate: time.Millisecond})
	keys, _ := applications.NewKeys([]byte("server-test-key-of-32-bytes-long"))
	apps := applications.NewStore(f.db, qs, cal, keys, applications.Options{})
	h, err := hotline.New(hotline.Config{SIPAddr: "127.0.0.1:0", DataDir: t.TempDir()}, f.db, alwaysOpen{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = server.New(server.Deps{Log: slog.New(slog.DiscardHandler), DB: f.db, Staff: f.staff, Catalog: f.catalog,
		Calendar: cal, Search: search.New(f.db, nil, search.Options{}), Queries: qs, Applications: apps, Calls: h, Events: events.NewHub(f.db, "", nil),
		PublicBaseURL: "http://kiosk.test", Printer: kiosk.NewPrinter(printjob.NewBuilder(nil), printjob.Client{}, "http://kiosk.test"),
		Speech: kiosk.NewSpeaker(1)})
	w := &walker{t: t, f: f, tokens: map[string]string{}, spare: map[string]string{}, valid: map[string]string{}}
	for _, u := range []string{"admin1", "reviewer1", "operator1", "liaison_mzj", "supervisor1"} {
		w.tokens[u], w.spare[u] = f.login(u), f.login(u)
	}
	f.db.Get(&w.victimID, `SELECT id::text FROM accounts WHERE username = 'victim'`)
	w.seed(h)
	return w
}

// seed creates what the routes' parameters name: a terminal, a query, an
// application and a call.
func (w *walker) seed(h *hotline.Hotline) {
	t, f := w.t, w.f
	st, body := f.do("POST", "/api/v1/staff/terminals", w.tokens["admin1"], `{"name":"大厅查询机","place_type":"服务大厅","address":"一楼"}`)
	var reg struct{ Token string }
	if json.Unmarshal([]byte(body), &reg); st != 201 || reg.Token == "" {
		t.Fatalf("register a terminal: %d %s", st, body)
	}
	w.device = reg.Token
	st, body = f.do("POST", "/api/v1/applications", "", applicationBody(nil))
	var app struct{ Code string }
	if json.Unmarshal([]byte(body), &app); st != 201 {
		t.Fatalf("submit an application: %d %s", st, body)
	}
	st, body = f.do("POST", "/api/v1/staff/queries", w.tokens["liaison_mzj"], `{"channel":"phone","question":"低保怎么申请","department":"mzj"}`)
	if st != 201 {
		t.Fatalf("create a query: %d %s", st, body)
	}
	ctx := context.Background()
	at := time.Date(2025, 9, 30, 2, 0, 0, 0, time.UTC)
	call, err := h.Store().StartCall(ctx, calls.NewCall{SIPCallID: "walk@test", Caller: "13812345678", Callee: "96128", At: at})
	if err != nil {
		t.Fatal(err)
	}
	wav := filepath.Join(t.TempDir(), "1.wav")
	os.WriteFile(wav, []byte("RIFF"), 0o640)
	if err := h.Store().EndCall(ctx, call, at.Add(time.Minute), calls.OutcomeAnswered, "caller hung up",
		calls.Recording{Path: wav, SHA256: strings.Repeat("ab", 32), Duration: time.Minute, Size: 4}); err != nil {
		t.Fatal(err)
	}
	var doc string
	f.db.Get(&doc, `SELECT code FROM documents WHERE state = 'published' ORDER BY id LIMIT 1`)
	w.valid = map[string]string{"id": fmt.Sprint(call), "code": app.Code, "year": "2025", "item": "1", "section": "problems",
		"format": "csv", "version": "v1", "doc": doc}
}

// routes reads the OpenAPI description and returns its operations, the
// ones that end a session or replace a credential last.
func (w *walker) routes() []route {
	st, body := w.f.do("GET", "/api/v1/openapi.json", "", "")
	var doc struct {
		Paths map[string]map[string]struct {
			Summary     string
			Description string
			Security    []map[string][]string
		}
	}
	if err := json.Unmarshal([]byte(body), &doc); st != 200 || err != nil {
		w.t.Fatalf("openapi.json: %d %v", st, err)
	}
	var rs []route
	for p, ops := range doc.Paths {
		for m, op := range ops {
			r := route{method: strings.ToUpper(m), path: p, summary: op.Summary}
			for _, s := range op.Security {
				if _, ok := s["device"]; ok {
					r.roles = "device"
				} else {
					r.roles = strings.TrimPrefix(op.Description, "roles: ")
				}
			}
			rs = append(rs, r)
		}
	}
	sort.Slice(rs, func(i, j int) bool {
		if a, b := late(rs[i]), late(rs[j]); a != b {
			return b
		}
		return rs[i].method+rs[i].path < rs[j].method+rs[j].path
	})
	return rs
}

// late tells the routes that may end the walk's sessions, delete what
// other routes name or replace the terminal's token.
func late(r route) bool {
	return r.method == "DELETE" || strings.Contains(r.path, "logout") || strings.HasSuffix(r.path, "/token") ||
		strings.Contains(r.path, "/accounts")
}

// account picks the first role the route's description names.
func (w *walker) account(r route) string {
	if r.roles == "" || r.roles == "device" {
		return ""
	}
	first, at := "admin1", len(r.roles)
	for role, user := range map[string]string{"admin": "admin1", "reviewer": "reviewer1", "operator": "operator1",
		"liaison": "liaison_mzj", "supervisor": "supervisor1"} {
		if i := strings.Index(r.roles, role); i >= 0 && i < at {
			first, at = user, i
		}
	}
	return first
}

var pathParamRE = regexp.MustCompile(`\{([a-z_]+)\}|\*`)

// fill puts values into the route's path: the valid ones, except that
// bad replaces the parameter named in it.
func (w *walker) fill(r route, bad map[string]string) string {
	return pathParamRE.ReplaceAllStringFunc(r.path, func(m string) string {
		name := strings.Trim(m, "{}")
		if v, ok := bad[name]; ok {
			return v
		}
		if v, ok := bad["*"]; ok {
			return v
		}
		switch {
		case name == "*":
			return "app.js"
		case name == "code" && strings.Contains(r.path, "/departments/"):
			return "mzj"
		case name == "code" && strings.HasPrefix(r.path, "/d/"):
			return w.valid["doc"]
		case name == "id" && strings.Contains(r.path, "/accounts/"):
			return w.victimID
		}
		return w.valid[name]
	})
}

// badPaths are path parameters of the wrong kind, or of the right kind
// naming nothing: 0000000000 is a well-formed 查询码 (its Damm check digit
// is right) that no query has, zzzzzzzz a document code no document has.
var badPaths = []string{"abc", "-1", "0", "0000000000", "zzzzzzzz", "nope", "99999999999999999999", "%00", "%FF", "%E4%B8%AD%E6%96%87", strings.Repeat("9", 400), "1.5"}

// badQueries are query strings of the wrong kind for list and report
// routes (each sent alone).
var badQueries = []string{
	"limit=-1&offset=-1&page=-1", "limit=abc&offset=abc&page=abc", "limit=99999999999999999999&offset=99999999999999999999",
	"offset=2147483648&limit=2147483647", "from=notadate", "to=2025-02-30", "from=2025-13-01&to=2025-01-01",
	"from=2025-03-01&to=2024-01-01", "from=1800-01-01&to=9999-12-31", "date=yesterday&day=32&month=13&week=99",
	"year=abc", "year=99999999999", "year=-1", "q=%00", "q=%FF%FE", "q=" + strings.Repeat("%E5%AD%97", 300),
	"sort=nope&state=nope&kind=nope&list=nope&status=nope&against=nope&period=nope&format=nope&breakdown=nope&scope=nope",
	"department=nope&category=nope&agency=nope&validity=nope&operator=nope&liaison=nope",
	"id=abc&document_id=abc&object_id=abc&call_id=abc&f_score=abc&days=abc&last_event_id=abc",
	"state=%00&department=%00&list=%00&object_type=%00&f_operator=%00&f_day=%00&category=%00",
	"state=%FF&department=%FF&object_type=%FF&f_department=%FF&f_day=%FF&agency=%FF",
	"terminal=%00&next=%00&against=%FF", "kind=custom&from=2020-01-01&to=2025-01-01",
}

// fieldsRE finds the body fields a summary names: {a, b: x|y, c:[{d}]}.
var fieldsRE = regexp.MustCompile(`[{,\[]\s*([a-z][a-z0-9_]*)`)

func bodyFields(summary string) []string {
	var out []string
	seen := map[string]bool{}
	for _, part := range regexp.MustCompile(`\{[^{}]*(\{[^{}]*\}[^{}]*)*\}`).FindAllString(summary, -1) {
		for _, m := range fieldsRE.FindAllStringSubmatch(part, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				out = append(out, m[1])
			}
		}
	}
	return out
}

var (
	huge      = strings.Repeat("x", 100_000)
	hugeHan   = strings.Repeat("字", 40_000)
	wrongVals = []any{123, -1, "abc", []any{1, "x"}, map[string]any{"a": 1}, nil, true, huge, hugeHan, "\x00", "a\x00b", "", " ", 1e300, 99999999999999999}
)

// shapes are bodies that are not the JSON object any write route expects.
var shapes = []string{"", "not json", "{", `{"a":`, "null", "[]", `[{}]`, `"a string"`, "123", "true", "{}",
	`{"unknown_field":1}`, "\xff\xfe{}", `{"a":1}{"b":2}`, strings.Repeat("[", 5000)}

// cases lists the malformed requests of a route.
func (w *walker) cases(r route) []probe {
	var ps []probe
	write := r.method != "GET"
	if strings.Contains(r.path, "{") || strings.Contains(r.path, "*") {
		for _, v := range badPaths {
			bad := map[string]string{}
			for _, m := range pathParamRE.FindAllStringSubmatch(r.path, -1) {
				bad[strings.Trim(m[0], "{}")] = v
			}
			p := probe{name: "path " + v, path: w.fill(r, bad)}
			if write {
				p.body, p.contentType = `{"a":1}`, "application/json"
			}
			ps = append(ps, p)
		}
	}
	if r.method == "DELETE" {
		return ps // a valid path deletes what other routes may still need
	}
	if !write {
		for _, q := range badQueries {
			ps = append(ps, probe{name: "query " + q, path: w.fill(r, nil) + "?" + q})
		}
		return ps
	}
	path := w.fill(r, nil)
	for _, b := range shapes {
		ps = append(ps, probe{name: "body " + b, path: path, body: b, contentType: "application/json"})
	}
	ps = append(ps, probe{name: "form body", path: path, body: "a=%ZZ&b&csrf=", contentType: "application/x-www-form-urlencoded"},
		probe{name: "text body", path: path, body: "{}", contentType: "text/plain"})
	fields, form := w.fields(r)
	if form {
		return append(ps, formProbes(path, fields)...)
	}
	for _, v := range wrongVals {
		all := map[string]any{}
		for _, f := range fields {
			all[f] = v
			ps = append(ps, jsonProbe(path, map[string]any{f: v}))
		}
		if len(fields) > 1 {
			ps = append(ps, jsonProbe(path, all))
		}
	}
	return ps
}

// importFields are the fields of the import format (README), which the
// document routes take.
var importFields = []string{"index_no", "doc_number", "title", "agency", "category", "topic", "written_at", "published_at",
	"validity", "replaced_by", "disclosure", "withheld_reason", "kind", "doc_type", "interprets", "body", "state"}

var (
	formRE = regexp.MustCompile(`form(?: fields)?: ([a-z_, ]+)`)
	sameRE = regexp.MustCompile(`(?:body|fields) of POST (/[^ ,)]+)|as for POST (/[^ ,)]+)`)
)

// fields returns the body fields of a route, from its summary or the
// route it refers to, and whether they are posted as a form.
func (w *walker) fields(r route) (fields []string, form bool) {
	if m := formRE.FindStringSubmatch(r.summary); m != nil {
		for _, f := range strings.Split(m[1], ",") {
			fields = append(fields, strings.TrimSpace(f))
		}
		return fields, true
	}
	fields = bodyFields(r.summary)
	same := ""
	if m := sameRE.FindStringSubmatch(r.summary); m != nil {
		same = m[1] + m[2]
	} else if strings.Contains(r.summary, "same body") {
		same = strings.TrimSuffix(r.path, "/{id}")
	}
	for _, o := range w.all {
		if o.method == "POST" && o.path == same {
			fields = append(fields, bodyFields(o.summary)...)
		}
	}
	if strings.Contains(r.summary, "import format") || (r.path == "/api/v1/staff/documents/{id}" && r.method == "PUT") {
		fields = append(fields, importFields...)
	}
	return fields, !strings.HasPrefix(r.path, "/api/") && len(fields) > 0
}

// formProbes post each field, and all at once, with values of the wrong kind.
func formProbes(path string, fields []string) []probe {
	var ps []probe
	for _, v := range []string{"%00", "a%00b", "%FF%FE", "%ZZ", "abc", "-1", "99999999999999999999", strings.Repeat("%E5%AD%97", 20_000)} {
		var all []string
		for _, f := range fields {
			all = append(all, f+"="+v)
			ps = append(ps, probe{name: "form " + f + "=" + v[:min(len(v), 20)], path: path, body: f + "=" + v, contentType: fiberForm})
		}
		ps = append(ps, probe{name: "form all=" + v[:min(len(v), 20)], path: path, body: strings.Join(all, "&"), contentType: fiberForm})
	}
	return ps
}

const fiberForm = "application/x-www-form-urlencoded"

func jsonProbe(path string, v map[string]any) probe {
	b, _ := json.Marshal(v)
	name := string(b)
	if len(name) > 80 {
		name = name[:80] + "…"
	}
	return probe{name: "body " + name, path: path, body: string(b), contentType: "application/json"}
}

// send sends a probe as the route's user: a bearer token for /api/, the
// session cookie and the CSRF token for the console's pages, the device
// token for the kiosk's routes.
func (w *walker) send(r route, p probe) answer {
	req := httptest.NewRequest(r.method, "http://kiosk.test"+p.path, strings.NewReader(p.body))
	if p.contentType != "" {
		req.Header.Set("Content-Type", p.contentType)
	}
	if user := w.account(r); user != "" {
		tok := w.session(r, user)
		if strings.HasPrefix(r.path, "/api/") {
			req.Header.Set("Authorization", "Bearer "+tok)
		} else {
			req.AddCookie(&http.Cookie{Name: "govhall_session", Value: tok})
			sum := sha256.Sum256([]byte("govhall-csrf\x00" + tok))
			req.Header.Set("X-CSRF-Token", base64.RawURLEncoding.EncodeToString(sum[:18]))
		}
	}
	if r.roles == "device" {
		req.Header.Set("X-Terminal-Token", w.device)
	}
	var res *http.Response
	var err error
	if strings.Contains(r.summary, "Server-Sent Events") {
		res, err = w.stream(req) // app.Test would wait for the stream to end
	} else {
		res, err = w.f.srv.App().Test(req, 10_000)
	}
	if err != nil {
		w.t.Errorf("%s %s (%s): %v", r.method, p.path, p.name, err)
		return answer{status: 0}
	}
	defer res.Body.Close()
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return answer{status: res.StatusCode, ctype: res.Header.Get("Content-Type")}
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	return answer{status: res.StatusCode, ctype: res.Header.Get("Content-Type"), body: string(b)}
}

// stream sends req to the server over a real connection and returns as
// soon as the answer's header has arrived; closing the body ends the stream.
func (w *walker) stream(req *http.Request) (*http.Response, error) {
	if w.base == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			w.t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.f.srv.Serve(ctx, ln) }()
		w.t.Cleanup(func() { cancel(); <-done })
		w.base = "http://" + ln.Addr().String()
	}
	out, err := http.NewRequest(req.Method, w.base+req.URL.RequestURI(), req.Body)
	if err != nil {
		return nil, err
	}
	out.Header = req.Header
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	w.t.Cleanup(cancel)
	return http.DefaultClient.Do(out.WithContext(ctx))
}

// session is the user's token; routes that end a session get a spare one
// (logging in again would meet the throttle the walk's bad logins set off).
func (w *walker) session(r route, user string) string {
	if strings.Contains(r.path, "logout") || (r.path == "/api/v1/session" && r.method == "DELETE") {
		return w.spare[user]
	}
	return w.tokens[user]
}

// check fails the test for a 5xx, and for a 4xx of an /api/ route without
// a message.
func (w *walker) check(r route, p probe, a answer) {
	w.t.Helper()
	show := a.body
	if len(show) > 300 {
		show = show[:300] + "…"
	}
	switch {
	case a.status == 0:
	case a.status >= 500:
		w.t.Errorf("%s %s (%s) = %d %s", r.method, unescape(p.path), p.name, a.status, show)
	case a.status >= 400 && a.status < 500 && strings.HasPrefix(r.path, "/api/"):
		var e struct{ Error string }
		if err := json.Unmarshal([]byte(a.body), &e); err != nil || strings.TrimSpace(e.Error) == "" {
			w.t.Errorf("%s %s (%s) = %d %s %q, want {\"error\": \"…\"}", r.method, unescape(p.path), p.name, a.status, a.ctype, show)
		}
		if echoesLong(e.Error) {
			w.t.Errorf("%s %s (%s) = %d: the message quotes more than 80 characters of the input: %s", r.method, unescape(p.path), p.name, a.status, show)
		}
	}
}

// echoesLong reports whether msg repeats more than 80 characters of one
// of the long values the walk sends.
func echoesLong(msg string) bool {
	for _, c := range []string{"x", "字", "9"} {
		if strings.Contains(msg, strings.Repeat(c, 81)) {
			return true
		}
	}
	return false
}

func unescape(p string) string {
	if len(p) > 160 {
		p = p[:160] + "…"
	}
	if u, err := url.PathUnescape(p); err == nil && len(u) < len(p) {
		return fmt.Sprintf("%q", u)
	}
	return p
}

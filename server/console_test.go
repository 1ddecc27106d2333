package server_test

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// cookieDo sends a request authenticated by the session cookie, as a
// browser does, with the X-CSRF-Token header when csrf is not empty.
func (f *fixture) cookieDo(method, path, session, csrf, body string) (int, string) {
	f.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: "govhall_session", Value: session})
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	res, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestCSRF checks that a write authenticated by the session cookie needs
// the session's token, while bearer tokens and reads do not.
func TestCSRF(t *testing.T) {
	f := newFixture(t)
	tok := f.login("liaison1")
	body := `{"channel":"phone","question":"低保怎么申请","department":"mzj"}`
	if st, got := f.cookieDo("POST", "/api/v1/staff/queries", tok, "", body); st != 403 || !strings.Contains(got, "CSRF") {
		t.Errorf("cookie write without a token = %d %s, want 403", st, got)
	}
	if st, _ := f.cookieDo("POST", "/api/v1/staff/queries", tok, "forged", body); st != 403 {
		t.Errorf("cookie write with a wrong token = %d, want 403", st)
	}
	var count int
	f.db.Get(&count, `SELECT count(*) FROM queries`)
	if count != 0 {
		t.Fatalf("a refused write left %d queries", count)
	}
	// The page carries the token in a meta tag; it is what the script sends.
	page := f.page("/console/liaison", tok)
	m := regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf-token in the console page: %.300s", page)
	}
	if st, got := f.cookieDo("POST", "/api/v1/staff/queries", tok, m[1], body); st != 201 {
		t.Errorf("cookie write with the page's token = %d %s", st, got)
	}
	other := f.login("operator1")
	sum := sha256.Sum256([]byte("govhall-csrf\x00" + other))
	if st, _ := f.cookieDo("POST", "/api/v1/staff/queries", tok, base64.RawURLEncoding.EncodeToString(sum[:18]), body); st != 403 {
		t.Errorf("another session's token was accepted (%d)", st)
	}
	if st, _ := f.do("POST", "/api/v1/staff/queries", tok, body); st != 201 {
		t.Errorf("bearer write = %d, want 201 without a CSRF token", st)
	}
	if st, _ := f.cookieDo("GET", "/api/v1/staff/queries?list=open", tok, "", ""); st != 403 && st != 200 {
		t.Errorf("cookie read = %d", st)
	}
}

// page GETs a console page with the session cookie and returns its HTML.
func (f *fixture) page(path, session string) string {
	f.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "govhall_session", Value: session})
	}
	res, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if csp := res.Header.Get("Content-Security-Policy"); res.StatusCode == 200 && !strings.Contains(csp, "script-src 'self'") {
		f.t.Errorf("%s: Content-Security-Policy %q", path, csp)
	}
	return string(b)
}

// TestConsoleLoginForm checks the plain login form: errors next to the
// field, a cross-site post refused, a redirect kept inside the console.
func TestConsoleLoginForm(t *testing.T) {
	f := newFixture(t)
	post := func(form url.Values, origin string) *http.Response {
		req := httptest.NewRequest("POST", "/console/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		res, err := f.srv.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := post(url.Values{"username": {"liaison1"}, "password": {"nope-nope"}}, "")
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 401 || !strings.Contains(string(b), `id="password-error">用户名或密码错误`) {
		t.Errorf("wrong password: %d %.400s", res.StatusCode, b)
	}
	if res := post(url.Values{"username": {"liaison1"}, "password": {password}}, "https://evil.example"); res.StatusCode != 403 {
		t.Errorf("cross-site login = %d, want 403", res.StatusCode)
	}
	res = post(url.Values{"username": {"liaison1"}, "password": {password}, "next": {"//evil.example/console/"}}, "")
	if res.StatusCode != 303 || res.Header.Get("Location") != "/console/" {
		t.Errorf("login with an outside next = %d → %q, want 303 → /console/", res.StatusCode, res.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "govhall_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Errorf("session cookie %+v, want HttpOnly and SameSite=Strict", cookie)
	}
	req := httptest.NewRequest("GET", "/console/liaison", nil)
	res, _ = f.srv.App().Test(req, -1)
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || loc != "/console/login?next=%2Fconsole%2Fliaison" {
		t.Errorf("a page without a session = %d → %q, want the login", res.StatusCode, loc)
	}
}

// TestKnowledgeCitesRepealed checks that a knowledge-base answer citing a
// repealed document comes with the warning and the document in force.
func TestKnowledgeCitesRepealed(t *testing.T) {
	f := newFixture(t)
	st, body := f.do("POST", "/api/v1/staff/knowledge", f.login("reviewer1"),
		`{"question":"低保标准是多少","answer":"按《沂源县最低生活保障审批管理办法（试行）》，城市低保每人每月660元。"}`)
	if st != 201 {
		t.Fatalf("propose: %d %s", st, body)
	}
	var id int64
	f.db.Get(&id, `SELECT id FROM knowledge ORDER BY id DESC LIMIT 1`)
	admin := f.login("admin1")
	if st, body := f.do("POST", "/api/v1/staff/knowledge/"+itoa(id), admin, `{"approve":true}`); st >= 300 {
		t.Fatalf("publish: %d %s", st, body)
	}
	st, body = f.do("GET", "/api/v1/staff/knowledge?q="+url.QueryEscape("低保"), f.login("operator1"), "")
	if st != 200 || !strings.Contains(body, `"current":false`) || !strings.Contains(body, "现行文件是《沂源县最低生活保障审批管理办法》") {
		t.Errorf("knowledge search = %d %s, want the repealed citation flagged with its replacement", st, body)
	}
}

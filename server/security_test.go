package server_test

import (
	"bufio"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/server"
)

// TestSecurityHeadersOnEveryKindOfRoute requests one route of each part of
// the site (kiosk, its service worker, document page, its 404, the
// application form, the console, the API, an image, an unknown path, a
// refused body) and checks the headers every response must carry.
func TestSecurityHeadersOnEveryKindOfRoute(t *testing.T) {
	f := newFixture(t)
	var code string
	if err := f.db.QueryRow(`SELECT code FROM public_documents WHERE disclosure = '主动公开' LIMIT 1`).Scan(&code); err != nil {
		t.Fatal(err)
	}
	var id int64
	f.db.QueryRow(`SELECT id FROM public_documents LIMIT 1`).Scan(&id)
	routes := []struct {
		method, path, body string
		status             int
		csp                string // a directive the page's own policy has
	}{
		{"GET", "/kiosk/", "", 200, "worker-src 'self'"},
		{"GET", "/kiosk/sw.js", "", 200, "connect-src 'self'"},
		{"GET", "/d/" + code, "", 200, "style-src 'self'"},
		{"GET", "/d/zzzzzzzz", "", 404, "style-src 'self'"},
		{"GET", "/apply", "", 200, "script-src 'self'"},
		{"GET", "/console/login", "", 200, "script-src 'self'"},
		{"GET", "/console/liaison", "", 303, "script-src 'self'"},
		{"GET", "/api/v1/documents?q=低保", "", 200, "default-src 'none'"},
		{"GET", "/api/v1/documents/" + strconv.FormatInt(id, 10) + "/qr.svg", "", 200, "default-src 'none'"},
		{"GET", "/healthz", "", 200, "default-src 'none'"},
		{"GET", "/no/such/page", "", 404, "default-src 'none'"},
		{"POST", "/api/v1/queries", `{"channel":"web","question":"` + strings.Repeat("问", 400_000) + `"}`, 413, "default-src 'none'"},
	}
	for _, r := range routes {
		req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
		req.Header.Set("Content-Type", "application/json")
		res, err := f.srv.App().Test(req, -1)
		if err != nil {
			t.Fatalf("%s %s: %v", r.method, r.path, err)
		}
		res.Body.Close()
		if res.StatusCode != r.status {
			t.Errorf("%s %s = %d, want %d", r.method, r.path, res.StatusCode, r.status)
		}
		checkSecurityHeaders(t, r.method+" "+r.path, res.Header, r.csp)
		if h := res.Header.Get("Strict-Transport-Security"); h != "" {
			t.Errorf("%s %s over plain HTTP: Strict-Transport-Security %q, want none", r.method, r.path, h)
		}
	}
}

// unsafeInline finds 'unsafe-inline' or 'unsafe-eval' in a script or style
// directive (default-src included).
var unsafeInline = regexp.MustCompile(`(default|script|style)-src[^;]*'unsafe-(inline|eval)'`)

func checkSecurityHeaders(t *testing.T, what string, h http.Header, csp string) {
	t.Helper()
	want := map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
	got := h.Get("Content-Security-Policy")
	if !strings.Contains(got, "frame-ancestors 'none'") || !strings.Contains(got, csp) || unsafeInline.MatchString(got) {
		t.Errorf("%s: Content-Security-Policy %q, want frame-ancestors 'none', %s and nothing unsafe", what, got, csp)
	}
}

// TestDocumentPageStylesheetIsServed: the page's style is a file its CSP
// allows, not an inline block.
func TestDocumentPageStylesheetIsServed(t *testing.T) {
	f := newFixture(t)
	var code string
	f.db.QueryRow(`SELECT code FROM public_documents LIMIT 1`).Scan(&code)
	_, page := f.do("GET", "/d/"+code, "", "")
	if strings.Contains(page, "<style") || strings.Contains(page, " style=") {
		t.Error("the document page has inline style, which its CSP refuses")
	}
	m := regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the document page links no stylesheet:\n%.400s", page)
	}
	req := httptest.NewRequest("GET", m[1], nil)
	res, err := f.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	css, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || !strings.Contains(string(css), ".status.void") {
		t.Errorf("GET %s = %d %s, want the page's stylesheet", m[1], res.StatusCode, res.Header.Get("Content-Type"))
	}
	_, missing := f.do("GET", "/d/zzzzzzzz", "", "")
	if !strings.Contains(missing, m[1]) {
		t.Error("the not-found page does not use the same stylesheet")
	}
}

// listen serves a server like the fixture's on a loopback port (real TCP,
// so the peer address is 127.0.0.1) with the given trusted proxies and
// lookups limited to a burst of three, and returns its base URL.
func (f *fixture) listen(proxies ...string) string {
	f.t.Helper()
	var ps []netip.Prefix
	for _, p := range proxies {
		ps = append(ps, netip.MustParsePrefix(p))
	}
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(context.Background(), f.db, hours)
	if err != nil {
		f.t.Fatal(err)
	}
	srv := server.New(server.Deps{Log: slog.New(slog.DiscardHandler), DB: f.db, Staff: f.staff, Catalog: f.catalog,
		Calendar: cal, Queries: queries.NewStore(f.db, cal, nil, queries.Options{LookupBurst: 3, LookupRate: time.Hour}),
		PublicBaseURL: "http://kiosk.test", TrustedProxies: ps})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	f.t.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String()
}

// send makes one request with extra headers and returns the response with
// its body read.
func send(t *testing.T, method, url, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// lookups makes n status lookups of a 查询码 as the client behind xff and
// returns how many were refused for the rate limit.
func lookups(t *testing.T, base, xff string, n int) int {
	t.Helper()
	refused := 0
	for range n {
		res, _ := send(t, "GET", base+"/api/v1/queries/1000000009", "", map[string]string{"X-Forwarded-For": xff})
		if res.StatusCode == http.StatusTooManyRequests {
			refused++
		}
	}
	return refused
}

// TestSpoofedForwardedForChangesNothingWithoutTrustedProxies: with no
// trusted proxy, X-Forwarded-For is the client's own words: another value
// on each request neither opens a new rate-limit budget nor changes the
// address in the audit log or the session.
func TestSpoofedForwardedForChangesNothingWithoutTrustedProxies(t *testing.T) {
	f := newFixture(t)
	base := f.listen()
	if got := lookups(t, base, "10.0.0.1", 3); got != 0 {
		t.Fatalf("%d of the first three lookups refused, want 0", got)
	}
	for _, spoof := range []string{"10.0.0.2", "10.0.0.3, 10.0.0.4", "8.8.8.8"} {
		if got := lookups(t, base, spoof, 1); got != 1 {
			t.Errorf("lookup with X-Forwarded-For %q after the budget was spent: refused %d of 1, want 1", spoof, got)
		}
	}
	res, body := send(t, "POST", base+"/api/v1/session", `{"username":"admin1","password":"`+password+`"}`,
		map[string]string{"X-Forwarded-For": "10.9.9.9", "X-Real-IP": "10.8.8.8"})
	if res.StatusCode != 200 {
		t.Fatalf("login = %d %s", res.StatusCode, body)
	}
	if got := lastAuditIP(t, f, "login"); got != "127.0.0.1" {
		t.Errorf("audit ip of the login = %q, want the peer 127.0.0.1", got)
	}
}

// TestKiosksBehindATrustedProxyHaveTheirOwnBudgets: with 127.0.0.1
// trusted, each kiosk is the rightmost address its proxy forwarded, so
// one kiosk spending its budget leaves the other's whole; what a client
// writes left of its real address is ignored.
func TestKiosksBehindATrustedProxyHaveTheirOwnBudgets(t *testing.T) {
	f := newFixture(t)
	base := f.listen("127.0.0.1/32")
	if got := lookups(t, base, "192.168.5.11", 4); got != 1 {
		t.Fatalf("kiosk A: %d of four lookups refused, want 1 (burst 3)", got)
	}
	if got := lookups(t, base, "192.168.5.12", 3); got != 0 {
		t.Errorf("kiosk B after kiosk A spent its budget: %d of three refused, want 0", got)
	}
	// A client behind the proxy claiming to be kiosk B is still itself.
	if got := lookups(t, base, "192.168.5.12, 192.168.5.11", 1); got != 1 {
		t.Errorf("kiosk A prefixing kiosk B's address: refused %d of 1, want 1", got)
	}
	send(t, "POST", base+"/api/v1/session", `{"username":"admin1","password":"`+password+`"}`,
		map[string]string{"X-Forwarded-For": "6.6.6.6, 192.168.5.13"})
	if got := lastAuditIP(t, f, "login"); got != "192.168.5.13" {
		t.Errorf("audit ip behind the proxy = %q, want 192.168.5.13", got)
	}
	send(t, "POST", base+"/api/v1/session", `{"username":"admin1","password":"`+password+`"}`,
		map[string]string{"X-Real-IP": "192.168.5.14"})
	if got := lastAuditIP(t, f, "login"); got != "192.168.5.14" {
		t.Errorf("audit ip from X-Real-IP = %q, want 192.168.5.14", got)
	}
}

func lastAuditIP(t *testing.T, f *fixture, action string) string {
	t.Helper()
	var ip string
	if err := f.db.QueryRow(`SELECT ip FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1`, action).Scan(&ip); err != nil {
		t.Fatal(err)
	}
	return ip
}

// TestSessionCookieAndHSTSFollowHTTPS: the cookie is always HttpOnly and
// SameSite=Strict; Secure and HSTS come with HTTPS, which a trusted proxy
// may vouch for and anyone else may not.
func TestSessionCookieAndHSTSFollowHTTPS(t *testing.T) {
	f := newFixture(t)
	login := `{"username":"admin1","password":"` + password + `"}`
	tests := []struct {
		name    string
		proxies []string
		https   bool
	}{
		{"plain HTTP", nil, false},
		{"X-Forwarded-Proto from an untrusted peer", nil, false},
		{"X-Forwarded-Proto from a trusted proxy", []string{"127.0.0.0/8"}, true},
	}
	for _, tt := range tests {
		base := f.listen(tt.proxies...)
		header := map[string]string{}
		if tt.name != "plain HTTP" {
			header["X-Forwarded-Proto"] = "https"
		}
		res, body := send(t, "POST", base+"/api/v1/session", login, header)
		if res.StatusCode != 200 {
			t.Fatalf("%s: login = %d %s", tt.name, res.StatusCode, body)
		}
		cookie := res.Header.Get("Set-Cookie")
		if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(strings.ToLower(cookie), "samesite=strict") {
			t.Errorf("%s: Set-Cookie %q, want HttpOnly and SameSite=Strict", tt.name, cookie)
		}
		if got := strings.Contains(strings.ToLower(cookie), "secure"); got != tt.https {
			t.Errorf("%s: Set-Cookie %q: Secure = %v, want %v", tt.name, cookie, got, tt.https)
		}
		if got := res.Header.Get("Strict-Transport-Security") != ""; got != tt.https {
			t.Errorf("%s: Strict-Transport-Security present = %v, want %v", tt.name, got, tt.https)
		}
	}
}

// TestBodyLimits: a body larger than its route takes answers 413 with a
// message; the prompt upload takes a 2-minute WAV, and nothing takes more
// than the server's limit (refused by Fiber before any handler runs).
func TestBodyLimits(t *testing.T) {
	f := newFixture(t)
	base := f.listen()
	tests := []struct {
		method, path string
		size         int
		tooLarge     bool
	}{
		{"POST", "/api/v1/queries", 2 << 20, true},
		{"POST", "/api/v1/session", 1<<20 + 1, true},
		{"POST", "/api/v1/queries", 1 << 10, false}, // not JSON: the route's own 400
		{"PUT", "/api/v1/staff/prompts/greeting", 2 << 20, false},
		{"PUT", "/api/v1/staff/prompts/greeting", 5 << 20, true},
	}
	for _, tt := range tests {
		var res *http.Response
		var body string
		if tt.size > 4<<20 {
			res, body = announce(t, base, tt.method, tt.path, tt.size)
		} else {
			res, body = send(t, tt.method, base+tt.path, strings.Repeat("x", tt.size), nil)
		}
		if got := res.StatusCode == http.StatusRequestEntityTooLarge; got != tt.tooLarge {
			t.Errorf("%s %s with %d bytes = %d %.200s, want 413: %v", tt.method, tt.path, tt.size, res.StatusCode, body, tt.tooLarge)
		}
		if tt.tooLarge && (!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, "最多")) {
			t.Errorf("%s %s: 413 answered %s %s, want JSON saying the limit", tt.method, tt.path, res.Header.Get("Content-Type"), body)
		}
		if tt.tooLarge {
			checkSecurityHeaders(t, "413 of "+tt.path, res.Header, "default-src 'none'")
		}
	}
}

// announce sends only the head of a request whose Content-Length is size
// and reads the answer: a server refusing the body answers before it is
// sent, and a client still writing it would see the connection reset.
func announce(t *testing.T, base, method, path string, size int) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: govhall.test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", method, path, size)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s announcing %d bytes: %v", method, path, size, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestEveryClientAddressComesFromClientIP: no handler asks Fiber for the
// address itself (c.IP() believes any X-Forwarded-For once a proxy header
// is configured, and would otherwise be the proxy's address): rate limits,
// audit entries and heartbeats all take clientIP's answer.
func TestEveryClientAddressComesFromClientIP(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 0 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "IP" || sel.Sel.Name == "IPs") {
				t.Errorf("%s: %s() — use clientIP(c)", fset.Position(call.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}

package server_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/govhall/govhall/server"
)

// kioskGet requests a kiosk URL from a server that needs no database for it.
func kioskGet(t *testing.T, srv *server.Server, path string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := srv.App().Test(req, -1)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var assetRe = regexp.MustCompile(`v/([0-9a-f]{12})/app\.css`)

func TestKioskAppIsServedWithItsCacheRules(t *testing.T) {
	srv := server.New(server.Deps{Log: slog.New(slog.DiscardHandler)})

	res, _ := kioskGet(t, srv, "/kiosk?terminal=kt_abc", nil)
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/kiosk/?terminal=kt_abc" {
		t.Errorf("/kiosk = %d to %q, want a redirect to /kiosk/ keeping the token", res.StatusCode, res.Header.Get("Location"))
	}

	res, page := kioskGet(t, srv, "/kiosk/?terminal=kt_abc", nil)
	m := assetRe.FindStringSubmatch(page)
	if res.StatusCode != 200 || m == nil || strings.Contains(page, "__KIOSK_") {
		t.Fatalf("/kiosk/ = %d, want the page with versioned asset URLs and no placeholder left", res.StatusCode)
	}
	version := m[1]
	wantHeaders(t, "/kiosk/", res, map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache", "ETag": `"` + version + `"`})
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("/kiosk/ Content-Security-Policy = %q, want the page kept to its own server", csp)
	}
	if res, _ := kioskGet(t, srv, "/kiosk/", map[string]string{"If-None-Match": `"` + version + `"`}); res.StatusCode != http.StatusNotModified {
		t.Errorf("/kiosk/ revalidated with its ETag = %d, want 304", res.StatusCode)
	}

	res, sw := kioskGet(t, srv, "/kiosk/sw.js", nil)
	wantHeaders(t, "/kiosk/sw.js", res, map[string]string{"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache"})
	shell := regexp.MustCompile(`const SHELL = (\[[^\n]*\]);`).FindStringSubmatch(sw)
	if shell == nil || strings.Contains(sw, "__KIOSK_") {
		t.Fatalf("sw.js has no filled-in precache list")
	}
	var urls []string
	if err := json.Unmarshal([]byte(shell[1]), &urls); err != nil {
		t.Fatalf("sw.js precache list %s: %v", shell[1], err)
	}
	for _, u := range urls {
		res, _ := kioskGet(t, srv, u, nil)
		if res.StatusCode != 200 {
			t.Errorf("precached %s = %d", u, res.StatusCode)
		}
		if u != "/kiosk/" && res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s Cache-Control = %q, want a year, immutable", u, res.Header.Get("Cache-Control"))
		}
	}
	if len(urls) < 10 || !slices.Contains(urls, "/kiosk/v/"+version+"/js/main.js") {
		t.Errorf("precache list %v lacks the modules", urls)
	}

	res, _ = kioskGet(t, srv, "/kiosk/v/"+version+"/js/main.js", nil)
	wantHeaders(t, "main.js", res, map[string]string{"Content-Type": "text/javascript; charset=utf-8"})
	res, _ = kioskGet(t, srv, "/kiosk/v/"+version+"/app.css", nil)
	wantHeaders(t, "app.css", res, map[string]string{"Content-Type": "text/css; charset=utf-8"})
	res, _ = kioskGet(t, srv, "/kiosk/v/0123456789ab/app.css", nil)
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("an asset of an older version = %d %q, want today's file, revalidated", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	for _, p := range []string{"/kiosk/v/" + version + "/nope.js", "/kiosk/v/" + version + "/../../go.mod", "/kiosk/v/" + version + "/index.html"} {
		if res, _ := kioskGet(t, srv, p, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s = %d, want 404", p, res.StatusCode)
		}
	}
}

func wantHeaders(t *testing.T, what string, res *http.Response, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s %s = %q, want %q", what, k, got, v)
		}
	}
}

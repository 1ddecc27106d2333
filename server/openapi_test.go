package server_test

import (
	"strings"
	"testing"

	"github.com/govhall/govhall/server"
)

// TestEveryRouteIsDocumented keeps /api/v1/openapi.json complete.
func TestEveryRouteIsDocumented(t *testing.T) {
	f := newFixture(t)
	for _, r := range f.srv.App().GetRoutes(true) {
		if r.Method == "HEAD" || strings.HasPrefix(r.Path, "/kiosk/") && r.Path != "/kiosk/" {
			continue
		}
		if !server.Documented(r.Method, r.Path) {
			t.Errorf("%s %s is not in the OpenAPI description (server/openapi.go)", r.Method, r.Path)
		}
	}
	st, body := f.do("GET", "/api/v1/openapi.json", "", "")
	if st != 200 || !strings.Contains(body, `"openapi":"3.1.0"`) {
		t.Fatalf("openapi.json = %d", st)
	}
}

package server_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/govhall/govhall/hotline"

	"github.com/govhall/govhall/server"
)

// TestEveryRouteIsDocumented keeps /api/v1/openapi.json complete.
func TestEveryRouteIsDocumented(t *testing.T) {
	f := newFixture(t)
	// A server with the hotline's routes too; they are only registered, not called.
	withCalls := server.New(server.Deps{Log: slog.New(slog.DiscardHandler), Calls: (*hotline.Hotline)(nil)})
	routes := append(f.srv.App().GetRoutes(true), withCalls.App().GetRoutes(true)...)
	for _, r := range routes {
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

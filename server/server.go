// Package server is govhall's HTTP face: the Fiber app with its routes,
// authentication and roles, request decoding, the mapping of domain errors
// to statuses, and the embedded web pages. Domain rules and SQL live in the
// domain packages (kiosk, hotline); handlers only translate.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/events"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/server/staff"
)

// Deps are the parts the server is built from; cmd wires them.
type Deps struct {
	Log            *slog.Logger
	Observe        Observability // /metrics and /readyz (observe.go)
	DB             *sqlx.DB
	Staff          *staff.Store
	Catalog        *kiosk.Store
	Calendar       *calendar.Store
	Search         *search.Store
	Printer        *kiosk.Printer // receipt printing; nil disables it
	Speech         *kiosk.Speaker // read-aloud for kiosks without a browser voice; nil disables it
	Queries        *queries.Store // tracked queries (查询单); nil disables them
	Calls          CallService    // hotline calls; nil disables the routes
	Events         *events.Hub    // live events of the consoles; nil disables the stream
	PublicBaseURL  string
	RequestTimeout time.Duration // per request; default 10s
	KioskIdle      time.Duration // kiosk idle reset; default 120s
	// SessionRecheck is how often an open /console/events stream checks
	// that its session still stands (logout, password change, expiry,
	// disabled account, roles changed); default 30s.
	SessionRecheck time.Duration
	// Applications is 依申请公开 on top of Queries; nil disables it.
	Applications *applications.Store
	// TrustedProxies are the reverse proxies whose X-Forwarded-For,
	// X-Real-IP and X-Forwarded-Proto are believed (see clientIP); empty:
	// the peer of the connection is the client.
	TrustedProxies []netip.Prefix
	// Node is this process among the nodes sharing the database: commands
	// on calls another node owns are forwarded to it (forward.go); no ID:
	// one node alone.
	Node NodeInfo
}

// Server is the HTTP server.
type Server struct {
	deps    Deps
	app     *fiber.App
	log     *slog.Logger
	console *consoleUI
	desk    DeskService       // the hotline as the operators' desk reads it; nil without calls
	closing chan struct{}     // closed when Serve begins to shut down: streams end
	handled map[routeKey]bool // the routes with a handler, not middleware (observe.go)
	idem    *IdempotencyStore // answers of POSTs with Idempotency-Key; nil without a database
	fwd     *http.Client      // to the owners of calls on other nodes (forward.go)
}

// New builds the server and its routes.
func New(d Deps) *Server {
	if d.RequestTimeout == 0 {
		d.RequestTimeout = 10 * time.Second
	}
	if d.KioskIdle == 0 {
		d.KioskIdle = 120 * time.Second
	}
	if d.SessionRecheck == 0 {
		d.SessionRecheck = 30 * time.Second
	}
	s := &Server{deps: d, log: d.Log, closing: make(chan struct{})}
	if d.DB != nil {
		s.idem = NewIdempotencyStore(d.DB)
	}
	if d.Node.ID != "" {
		s.fwd = newForwarder(d.Node)
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "govhall",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		// The largest body of any route; routes take less (bodyLimit).
		BodyLimit:               maxBodyLimit,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          proxyStrings(d.TrustedProxies),
	})
	s.app.Use(s.recoverPanics, s.identifyClient, s.accessLog, s.deadline, s.securityHeaders, s.bodyLimit)
	s.routes()
	return s
}

// App returns the Fiber app, for tests (app.Test).
func (s *Server) App() *fiber.App { return s.app }

// Serve serves on ln until ctx is cancelled, then shuts down gracefully,
// letting requests in flight finish for up to 10 seconds.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("http shutting down")
	close(s.closing)
	if err := s.app.ShutdownWithTimeout(10 * time.Second); err != nil {
		return err
	}
	// A shutdown that comes before fasthttp took the listener would leave
	// it serving: closing the listener ends Listener either way.
	ln.Close()
	if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

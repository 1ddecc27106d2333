package server

import (
	"crypto/subtle"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/govhall/govhall/server/metrics"
)

// Observability is what /metrics and /readyz need; cmd wires it.
type Observability struct {
	// Metrics is the registry served at /metrics and told every request;
	// nil: no /metrics and no HTTP metrics.
	Metrics *metrics.Registry
	// MetricsAllow are the addresses that may read /metrics without the
	// token (GOVHALL_METRICS_ALLOW). A request that came through a proxy
	// (it carries X-Forwarded-For, X-Real-IP or Forwarded) is never let in
	// by address: behind a proxy on the same host, every client would look
	// local.
	MetricsAllow []netip.Prefix
	// MetricsToken lets anyone with "Authorization: Bearer TOKEN" read
	// /metrics (GOVHALL_METRICS_TOKEN); "" none.
	MetricsToken string
	// SIP tells whether SIP listens; nil: this server has no SIP side.
	SIP SIPListener
	// RecordingsDir must be writable with MinFreeBytes free for /readyz;
	// "": no recordings here.
	RecordingsDir string
	MinFreeBytes  uint64
}

// SIPListener reports whether SIP is bound and takes new calls
// (hotline.Hotline implements it).
type SIPListener interface {
	Listening() bool
}

var observeEndpoints = []endpoint{
	{"GET", "/readyz", "ops", "200 {status: ready, checks} when the database answers, migrations are current, the search index is loaded (or no index is configured), SIP listens and the recordings directory is writable with enough free space (GOVHALL_MIN_FREE_MB); else 503 {status: not_ready, error, failing, checks} naming each failing check", ""},
	{"GET", "/metrics", "ops", "Prometheus metrics (text format), only from GOVHALL_METRICS_ALLOW or with Authorization: Bearer GOVHALL_METRICS_TOKEN; 403 otherwise", ""},
}

func init() { endpoints = append(endpoints, observeEndpoints...) }

// quietPaths are logged at debug level: probes and scrapes come often.
var quietPaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true, "/api/v1/terminals/heartbeat": true}

// routeKey is a route by method and pattern.
type routeKey struct{ method, path string }

// observeRoutes mounts /readyz and, with a registry, /metrics, and notes
// which routes have a handler; it must come after every other route.
func (s *Server) observeRoutes() {
	defer func() {
		s.handled = map[routeKey]bool{}
		for _, r := range s.app.GetRoutes(true) {
			s.handled[routeKey{r.Method, r.Path}] = true
		}
	}()
	s.app.Get("/readyz", s.readyz)
	if m := s.deps.Observe.Metrics; m != nil {
		serve := adaptor.HTTPHandler(m.Handler())
		s.app.Get("/metrics", func(c *fiber.Ctx) error {
			if !s.metricsAllowed(c) {
				return clientErr(http.StatusForbidden, "监控指标只对 GOVHALL_METRICS_ALLOW 中的地址开放，或须带上令牌（Authorization: Bearer，见 GOVHALL_METRICS_TOKEN）")
			}
			return serve(c)
		})
	}
}

// metricsAllowed reports whether the request may read /metrics: it
// carries the token, or it comes straight (through no proxy) from an
// allowed address.
func (s *Server) metricsAllowed(c *fiber.Ctx) bool {
	o := s.deps.Observe
	if o.MetricsToken != "" {
		got, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
		if ok && subtle.ConstantTimeCompare([]byte(got), []byte(o.MetricsToken)) == 1 {
			return true
		}
	}
	for _, h := range []string{fiber.HeaderXForwardedFor, "X-Real-IP", "Forwarded"} {
		if len(c.Request().Header.Peek(h)) > 0 {
			return false
		}
	}
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return false
	}
	peer = peer.Unmap()
	for _, p := range o.MetricsAllow {
		if p.Contains(peer) {
			return true
		}
	}
	return false
}

// observeHTTP counts an answered request by its route pattern.
func (s *Server) observeHTTP(c *fiber.Ctx, start time.Time) {
	m := s.deps.Observe.Metrics
	if m == nil {
		return
	}
	m.ObserveHTTP(s.routeLabel(c), methodLabel(c.Method()), c.Response().StatusCode(), time.Since(start))
}

// routeLabel is the pattern of the route that answered (/d/:code), never
// the URL: "unmatched" when only middleware ran and nothing was found, the
// middleware's prefix when a group's middleware refused the request.
func (s *Server) routeLabel(c *fiber.Ctx) string {
	r := c.Route()
	if len(r.Handlers) == 0 || !s.handled[routeKey{r.Method, r.Path}] && c.Response().StatusCode() == http.StatusNotFound {
		return "unmatched"
	}
	return r.Path
}

// methodLabel returns the method as a constant string (c.Method()'s
// bytes are reused after the request), "other" for an unusual one.
func methodLabel(m string) string {
	for _, k := range []string{fiber.MethodGet, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
		fiber.MethodDelete, fiber.MethodHead, fiber.MethodOptions} {
		if m == k {
			return k
		}
	}
	return "other"
}

package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// deadline gives every request a context with a deadline: Fiber v2's
// UserContext has none of its own.
func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.deps.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// accessLog writes one structured line per request.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler set the status before it is logged.
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	s.observeHTTP(c, start)
	level := slog.LevelInfo
	if quietPaths[c.Path()] {
		level = slog.LevelDebug
	}
	// Body() would read a stream (Server-Sent Events) to its end.
	size := -1
	if !c.Response().IsBodyStream() {
		size = len(c.Response().Body())
	}
	s.log.Log(c.UserContext(), level, "http",
		"method", c.Method(), "path", c.Path(), "status", c.Response().StatusCode(),
		"dur_ms", float64(time.Since(start).Microseconds())/1000, "ip", clientIP(c), "bytes", size)
	return nil
}

// recoverPanics turns a panic in a handler into a logged 500.
func (s *Server) recoverPanics(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return c.Next()
}

// siteCSPs are the Content-Security-Policy of each part of the site, by
// path prefix, set on every response under it (errors and 404s included);
// a handler may set a narrower one (the console's preview frame).
var siteCSPs = []struct{ prefix, csp string }{
	{consolePrefix, consoleCSP},
	{kioskPrefix, kioskCSP}, // the service worker takes its CSP from its own response
	{"/apply", applyCSP},
	{"/d/", documentCSP},
}

// apiCSP is the policy of everything else (JSON, images, recordings): a
// response that is opened by itself runs nothing and loads nothing.
const apiCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// securityHeaders sets the headers every response carries: its part's CSP
// with frame-ancestors 'none' and X-Frame-Options DENY (no framing),
// nosniff, a referrer that never leaves the site (same-origin is stricter
// than strict-origin-when-cross-origin), and HSTS when the request came
// over HTTPS (a plain-HTTP kiosk network must not be told to upgrade).
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	setSecurityHeaders(c)
	return c.Next()
}

func setSecurityHeaders(c *fiber.Ctx) {
	csp := apiCSP
	for _, p := range siteCSPs {
		if strings.HasPrefix(c.Path(), p.prefix) {
			csp = p.csp
			break
		}
	}
	c.Set("Content-Security-Policy", csp)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("X-Frame-Options", "DENY")
	if overHTTPS(c) {
		c.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// Request bodies: every route takes at most defaultBodyLimit; the few
// that take files say so in bodyLimits. maxBodyLimit is the largest,
// which Fiber enforces before a handler runs.
const (
	defaultBodyLimit = 1 << 20
	maxBodyLimit     = 4 << 20
)

// bodyLimits are the routes with a larger body, by method and path prefix.
var bodyLimits = []struct {
	method, prefix string
	limit          int
}{
	// A prompt is a WAV of up to 2 minutes at 8 kHz, 16 bit: 1.9 MB.
	{fiber.MethodPut, "/api/v1/staff/prompts/", maxBodyLimit},
}

// bodyLimit answers 413 with a message for a body larger than its
// route takes.
func (s *Server) bodyLimit(c *fiber.Ctx) error {
	limit := defaultBodyLimit
	for _, l := range bodyLimits {
		if c.Method() == l.method && strings.HasPrefix(c.Path(), l.prefix) {
			limit = l.limit
		}
	}
	if n := len(c.Request().Body()); n > limit {
		return tooLarge(limit)
	}
	return c.Next()
}

// tooLarge is the 413 of a body over limit bytes.
func tooLarge(limit int) error {
	return clientErr(http.StatusRequestEntityTooLarge, "提交的内容太大：最多 %d MB，请缩短内容或换一个较小的文件", limit>>20)
}

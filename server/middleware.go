package server

import (
	"context"
	"fmt"
	"log/slog"
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
	level := slog.LevelInfo
	if c.Path() == "/healthz" || c.Path() == "/api/v1/terminals/heartbeat" {
		level = slog.LevelDebug
	}
	// Body() would read a stream (Server-Sent Events) to its end.
	size := -1
	if !c.Response().IsBodyStream() {
		size = len(c.Response().Body())
	}
	s.log.Log(c.UserContext(), level, "http",
		"method", c.Method(), "path", c.Path(), "status", c.Response().StatusCode(),
		"dur_ms", float64(time.Since(start).Microseconds())/1000, "ip", c.IP(), "bytes", size)
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

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("X-Frame-Options", "DENY")
	return c.Next()
}

package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// csrfHeader carries the token of a cookie-authenticated write.
const csrfHeader = "X-CSRF-Token"

// csrfToken is the anti-forgery token of a session: derived from the
// session token, which only the browser holding the HttpOnly cookie knows,
// so it needs no storage and every govhall node computes the same one.
func csrfToken(session string) string {
	sum := sha256.Sum256([]byte("govhall-csrf\x00" + session))
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}

// safeMethod reports whether a request changes nothing.
func safeMethod(c *fiber.Ctx) bool {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return true
	}
	return false
}

// checkCSRF refuses a state-changing request authenticated by the session
// cookie (not by a bearer token) unless it carries the session's token in
// the X-CSRF-Token header or, for the console's plain forms, the csrf field.
// Bearer tokens are never sent by a browser on its own, so they need none.
func checkCSRF(c *fiber.Ctx) error {
	if safeMethod(c) || strings.HasPrefix(c.Get("Authorization"), "Bearer ") {
		return nil
	}
	cookie := c.Cookies(sessionCookie)
	if cookie == "" {
		return nil
	}
	got := c.Get(csrfHeader)
	if got == "" {
		got = c.FormValue("csrf")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(cookie))) != 1 {
		return clientErr(http.StatusForbidden, "请求缺少有效的防伪造令牌（CSRF），请刷新页面后重试")
	}
	return nil
}

// sameOrigin reports whether a request that carries an Origin or Referer
// header comes from this server's own pages (the login form, which has no
// session yet to derive a token from).
func sameOrigin(c *fiber.Ctx) bool {
	src := c.Get("Origin")
	if src == "" || src == "null" {
		src = c.Get("Referer")
	}
	if src == "" {
		return true // not a browser's cross-site form post, which always names its origin
	}
	u, err := url.Parse(src)
	return err == nil && u.Host == string(c.Request().Host())
}

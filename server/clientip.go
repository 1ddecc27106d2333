package server

import (
	"bytes"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientIP is the address of the client a request comes from: the one
// every rate limit, login slow-down, audit entry, search statistic,
// terminal heartbeat and access log line uses, as identifyClient found it.
func clientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(clientIPKey).(string); ok {
		return ip
	}
	return c.Context().RemoteIP().String() // refused before the middleware ran
}

// clientIPKey is the Locals key of the client's address.
const clientIPKey = "client_ip"

// identifyClient finds the client's address once per request: for a
// request another node forwarded (forward.go), the client that node saw.
func (s *Server) identifyClient(c *fiber.Ctx) error {
	if by, ip := s.nodeForwarded(c); by != "" {
		c.Locals(forwardedByKey, by)
		c.Locals(clientIPKey, ip)
		return c.Next()
	}
	c.Locals(clientIPKey, s.resolveClientIP(c))
	return c.Next()
}

// resolveClientIP returns the client's address: the direct peer, unless
// the peer is one of Deps.TrustedProxies; then it is the rightmost address
// of X-Forwarded-For that is not itself a trusted proxy (what lies left of
// it was written by the client and proves nothing), or X-Real-IP when there
// is no X-Forwarded-For. Fiber's own clientIP(c) would take the leftmost
// address, which any client can choose, so nothing uses it.
func (s *Server) resolveClientIP(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.Context().RemoteIP().String()
	}
	peer = peer.Unmap()
	if !s.trustedProxy(peer) {
		return peer.String()
	}
	var hops []string
	for _, h := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		for _, part := range bytes.Split(h, []byte(",")) {
			hops = append(hops, strings.TrimSpace(string(part)))
		}
	}
	if len(hops) == 0 {
		if a, err := netip.ParseAddr(strings.TrimSpace(c.Get("X-Real-IP"))); err == nil {
			return a.Unmap().String()
		}
		return peer.String()
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			break // not an address: written by no proxy of ours, stop at the last good hop
		}
		client = a.Unmap()
		if !s.trustedProxy(client) {
			break
		}
	}
	return client.String()
}

// trustedProxy reports whether a is inside one of Deps.TrustedProxies.
func (s *Server) trustedProxy(a netip.Addr) bool {
	for _, p := range s.deps.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// overHTTPS reports whether the request reached us over HTTPS: directly,
// or through a trusted proxy that says so (X-Forwarded-Proto and its
// relatives; Fiber believes them only from Deps.TrustedProxies).
func overHTTPS(c *fiber.Ctx) bool { return c.Secure() }

// proxyStrings are the trusted proxies as Fiber's configuration takes them.
func proxyStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

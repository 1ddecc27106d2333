package server

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Several nodes share one database, but a call in progress lives in the
// process of the node that took its INVITE (calls.owner_node). HAProxy
// sends an operator's command to any node: forwardCall passes a command
// on a call owned by another live node to that node, which authenticates
// and applies it as if the operator had reached it directly.

// NodeInfo names this process among the govhall nodes sharing the
// database (hotline/cluster): its row in nodes.
type NodeInfo struct {
	ID       string // GOVHALL_NODE_ID; empty: one node alone, nothing is forwarded
	HTTPAddr string // GOVHALL_NODE_HTTP_ADDR: forwarded requests leave from its host
}

const (
	// forwardedByHeader names the node that forwarded a request; it is
	// believed only from that node's own address (nodes.http_addr).
	forwardedByHeader = "X-Govhall-Forwarded-By"
	forwardedByKey    = "forwarded_by" // Locals: the node a request was forwarded by
	forwardTimeout    = 5 * time.Second
	maxForwardedBody  = 1 << 20
)

// onAnyNode ends the description of the forwarded routes (/api/v1/openapi.json).
const onAnyNode = "; any node takes it: a call another node answered is handled there, 410 when that node has stopped (the call is over), 503 with Retry-After when it does not answer"

// forwardedRequestHeaders are the headers of the client's request the owner
// needs: the session, the CSRF token, the idempotency key, the body's type
// and the language of the answer.
var forwardedRequestHeaders = []string{fiber.HeaderAuthorization, fiber.HeaderCookie, csrfHeader, idempotencyHeader,
	fiber.HeaderContentType, fiber.HeaderAccept, fiber.HeaderAcceptLanguage}

// forwardedResponseHeaders are the headers of the owner's answer passed
// back to the client.
var forwardedResponseHeaders = []string{fiber.HeaderContentType, fiber.HeaderRetryAfter, replayedHeader}

// forwardedBy returns the node that forwarded the request, when it carried
// forwardedByHeader from that node's address; "" otherwise.
func forwardedBy(c *fiber.Ctx) string {
	by, _ := c.Locals(forwardedByKey).(string)
	return by
}

// newForwarder is the HTTP client of forwarded commands. It dials from the
// host of this node's advertised address, which the owner checks, when
// that host is one of this machine's addresses.
func newForwarder(self NodeInfo) *http.Client {
	d := &net.Dialer{Timeout: 2 * time.Second}
	local := &net.Dialer{Timeout: 2 * time.Second}
	if host, _, err := net.SplitHostPort(self.HTTPAddr); err == nil {
		if a, err := netip.ParseAddr(host); err == nil && !a.IsUnspecified() {
			local.LocalAddr = &net.TCPAddr{IP: a.AsSlice()}
		}
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := local.DialContext(ctx, network, addr)
		if errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT) {
			return d.DialContext(ctx, network, addr) // an address in front of NAT: not ours to bind
		}
		return conn, err
	}
	return &http.Client{
		Transport: &http.Transport{DialContext: dial, MaxIdleConnsPerHost: 8, IdleConnTimeout: 90 * time.Second},
		// The owner's redirect (a console page after a lost session) goes to the client.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// nodeForwarded checks forwardedByHeader: it is honoured (the request is
// marked forwardedBy and its client is the one the node names in
// X-Forwarded-For) only when the connection comes from the host of the
// named node's http_addr and that node is not dead. Otherwise the header
// is removed and the request is an ordinary one. It returns the node
// and the client's address, or "" when the header was not honoured.
func (s *Server) nodeForwarded(c *fiber.Ctx) (by, client string) {
	by = c.Get(forwardedByHeader)
	if by == "" {
		return "", ""
	}
	c.Request().Header.Del(forwardedByHeader)
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if s.deps.Node.ID == "" || s.deps.DB == nil || by == s.deps.Node.ID || !ok {
		return "", ""
	}
	peer = peer.Unmap()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var addr string
	err := s.deps.DB.GetContext(ctx, &addr, `SELECT http_addr FROM nodes WHERE node_id = $1 AND state <> 'dead'`, by)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			s.log.Warn("forwarded request: node not checked", "node", by, "err", err)
		}
		return "", ""
	}
	if !hostIs(ctx, addr, peer) {
		s.log.Warn("forwarded request from an address that is not the node's: header ignored", "node", by, "peer", peer.String())
		return "", ""
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	a, err := netip.ParseAddr(strings.TrimSpace(hops[len(hops)-1]))
	if err != nil {
		return by, peer.String()
	}
	return by, a.Unmap().String()
}

// hostIs reports whether the host of hostport is, or resolves to, a.
func hostIs(ctx context.Context, hostport string, a netip.Addr) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	if h, err := netip.ParseAddr(host); err == nil {
		return h.Unmap() == a
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return false
	}
	for _, h := range addrs {
		if h.Unmap() == a {
			return true
		}
	}
	return false
}

// callOwner is the node that owns an open call, as the registry sees it.
type callOwner struct {
	Node     string         `db:"owner_node"`
	Epoch    int64          `db:"owner_epoch"`
	HTTPAddr sql.NullString `db:"http_addr"`
	NowEpoch sql.NullInt64  `db:"epoch"`
	State    sql.NullString `db:"state"`
}

// gone reports whether the owner will never serve the call again: it is
// dead (the reaper closes or closed its calls) or restarted since (it
// closed its earlier calls at start).
func (o callOwner) gone() bool {
	return !o.State.Valid || o.State.String == "dead" || o.NowEpoch.Int64 != o.Epoch
}

// ownerQuery reads an open call's owner by the primary key of calls and
// of nodes.
const ownerQuery = `SELECT c.owner_node, c.owner_epoch, n.http_addr, n.epoch, n.state
	FROM calls c LEFT JOIN nodes n ON n.node_id = c.owner_node
	WHERE c.id = $1 AND c.ended_at IS NULL AND c.owner_node IS NOT NULL`

// forwardCall runs before a command on a call in progress: a call owned by
// another node is handed to it (proxy); a call whose owner is gone gets
// 410; everything else (this node's calls, ended or unknown calls, a
// request another node forwarded) is served here.
func (s *Server) forwardCall(c *fiber.Ctx) error {
	if s.deps.Node.ID == "" || s.deps.DB == nil || forwardedBy(c) != "" {
		return c.Next()
	}
	id, err := idParam(c, "id")
	if err != nil {
		return c.Next()
	}
	var o callOwner
	err = s.deps.DB.GetContext(c.UserContext(), &o, ownerQuery, id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return c.Next()
	case err != nil:
		return fmt.Errorf("owner of call %d: %w", id, err)
	case o.Node == s.deps.Node.ID:
		return c.Next()
	case o.gone():
		return clientErr(http.StatusGone, "这通电话已经结束（接听它的服务器已停止）")
	}
	return s.proxy(c, o)
}

// proxy sends the request to the owner and answers with its answer; an
// owner that does not answer in forwardTimeout gets the client 503.
func (s *Server) proxy(c *fiber.Ctx, o callOwner) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), forwardTimeout)
	defer cancel()
	url := "http://" + o.HTTPAddr.String + string(c.Request().URI().RequestURI())
	req, err := http.NewRequestWithContext(ctx, c.Method(), url, bytes.NewReader(c.Body()))
	if err != nil {
		return fmt.Errorf("forward to node %s: %w", o.Node, err)
	}
	for _, h := range forwardedRequestHeaders {
		if v := c.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	req.Header.Set(forwardedByHeader, s.deps.Node.ID)
	req.Header.Set(fiber.HeaderXForwardedFor, clientIP(c))
	res, err := s.fwd.Do(req)
	if err == nil {
		defer res.Body.Close()
		var body []byte
		if body, err = io.ReadAll(io.LimitReader(res.Body, maxForwardedBody)); err == nil {
			for _, h := range forwardedResponseHeaders {
				if v := res.Header.Get(h); v != "" {
					c.Set(h, v)
				}
			}
			return c.Status(res.StatusCode).Send(body)
		}
	}
	s.log.Warn("call command not forwarded: owner unreachable", "node", o.Node, "addr", o.HTTPAddr.String, "path", c.Path(), "err", err)
	c.Set(fiber.HeaderRetryAfter, unavailableRetry)
	return clientErr(http.StatusServiceUnavailable, "负责这通电话的服务器暂时无法连接，请稍后再试")
}

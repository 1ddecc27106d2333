// Package sipua is the SIP side of the 96128 hotline, built on
// github.com/emiago/sipgo: UDP and TCP listeners on one port, a registrar
// with digest authentication for operators' and liaisons' phones (signed
// nonces, replayed counts refused), the B2BUA legs (the caller's inbound
// leg and the legs govhall places to phones), in-dialog requests (ACK,
// BYE, re-INVITE and UPDATE answered, INFO DTMF, REFER with NOTIFY
// sipfrag), every request checked against what RFC 3261 forbids before it
// is served (validate.go; the RFC 4475 torture messages), a per-source
// flood throttle, no open relay (only the hotline number at our own hosts
// is reachable, REFERs only to our own hosts), and drain on shutdown.
// Media and call logic live in packages media and hotline.
package sipua

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// sipgo refuses to send a UDP message longer than UDPMTUSize-200 bytes
// (1300); a response echoes its request's Via, From and To, so a long but
// valid request (RFC 4475 longreq) would go unanswered. A response goes
// back the way its request came whatever its size (RFC 3261 §18.2.2).
func init() { sip.UDPMTUSize = 65535 }

// Config configures a Server.
type Config struct {
	Addr       string        // host:port for UDP and TCP; port 0 picks a free port
	Realm      string        // digest realm; default "govhall"
	Hotline    string        // the number anyone may call; default "96128"
	FloodRate  float64       // SIP messages per second per source address; default 200
	FloodBurst int           // bucket size; default 1000
	MinExpires time.Duration // shortest registration; default 30s
	MaxExpires time.Duration // longest registration; default 1h
	NonceTTL   time.Duration // digest nonce lifetime; default 5m
	// TCPIdle ends a TCP or TLS connection that carried no message for
	// so long (CRLF keep-alives do not count) unless a phone registered
	// over it or a call over it is up; default 3m, negative: never.
	TCPIdle time.Duration
	// TCPPerSource bounds the open TCP and TLS connections from one
	// address; default 32.
	TCPPerSource int

	Log *slog.Logger

	// Domains are the host names (and addresses) callers may put in a
	// Request-URI besides the listening address: a DNS name, a public
	// address in front of NAT, a proxy's address. INVITEs for any other
	// host are refused.
	Domains []string
	// NonceKey signs digest nonces; servers sharing it accept each other's
	// nonces. Empty: a random key (nonces die with the process).
	NonceKey []byte

	// SIP over TLS, optional: the address and the certificate and key
	// files (PEM). Empty TLSAddr: no TLS.
	TLSAddr, TLSCertFile, TLSKeyFile string

	// Accepting, if set, says whether this node takes new calls; an error
	// (fenced from the database, draining) answers OPTIONS and new INVITEs
	// 503 with Retry-After, so a dispatcher in front sends them elsewhere.
	Accepting func() error
}

func (c *Config) defaults() {
	if c.Realm == "" {
		c.Realm = "govhall"
	}
	if c.Hotline == "" {
		c.Hotline = "96128"
	}
	if c.FloodRate == 0 {
		c.FloodRate = 200
	}
	if c.FloodBurst == 0 {
		c.FloodBurst = 1000
	}
	if c.MinExpires == 0 {
		c.MinExpires = 30 * time.Second
	}
	if c.MaxExpires == 0 {
		c.MaxExpires = time.Hour
	}
	if c.NonceTTL == 0 {
		c.NonceTTL = 5 * time.Minute
	}
	if c.TCPIdle == 0 {
		c.TCPIdle = defaultTCPIdle
	}
	if c.TCPPerSource <= 0 {
		c.TCPPerSource = defaultTCPPerSource
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Handler runs one call to the hotline number. It owns the call until it
// returns; ctx is cancelled when the server stops for good.
type Handler func(ctx context.Context, c *Inbound)

// Server is the SIP server of the hotline.
type Server struct {
	cfg     Config
	log     *slog.Logger
	creds   Credentials
	reg     *Registrar
	flood   *throttle
	parser  *sip.Parser
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	udp     *sipgo.DialogUA
	tcp     *sipgo.DialogUA
	tls     *sipgo.DialogUA
	handler Handler

	udpConn *net.UDPConn
	tcpLn   *net.TCPListener
	tlsLn   net.Listener
	addr    netip.AddrPort
	serving sync.WaitGroup

	dialogs  sync.Map // dialog id → dialogLeg
	draining atomic.Bool
	started  atomic.Bool
	msgs     *messageCounts
	active   atomic.Int64
	hardCtx  context.Context
	hardStop context.CancelFunc
}

// New builds a server; Start binds it.
func New(cfg Config, creds Credentials) (*Server, error) {
	cfg.defaults()
	s := &Server{cfg: cfg, log: cfg.Log, creds: creds, msgs: newMessageCounts(), parser: sip.NewParser()}
	s.reg = newRegistrar(cfg.Realm, creds, cfg.MinExpires, cfg.MaxExpires, cfg.NonceTTL, cfg.NonceKey, cfg.Log)
	s.flood = newThrottle(cfg.FloodRate, cfg.FloodBurst, s.reg.registeredIP, cfg.Log)
	s.hardCtx, s.hardStop = context.WithCancel(context.Background())
	return s, nil
}

// Registrar returns the registrar of the server's phones.
func (s *Server) Registrar() *Registrar { return s.reg }

// Addr returns the bound address (valid after Start).
func (s *Server) Addr() netip.AddrPort { return s.addr }

// Hotline returns the number anyone may call.
func (s *Server) Hotline() string { return s.cfg.Hotline }

// ActiveCalls returns the number of calls in progress.
func (s *Server) ActiveCalls() int { return int(s.active.Load()) }

// Start binds UDP and TCP on the configured address and serves; h runs
// every call to the hotline number.
func (s *Server) Start(h Handler) error {
	s.handler = h
	if err := s.listen(); err != nil {
		return err
	}
	if err := s.listenTLS(); err != nil {
		s.udpConn.Close()
		s.tcpLn.Close()
		return err
	}
	host := s.addr.Addr().String()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("govhall-96128"), sipgo.WithUserAgentHostname(host),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerReadFilter(s.readFilter), sip.WithTransportLayerLogger(s.log)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(s.log)))
	if err != nil {
		return fmt.Errorf("sipua: user agent: %w", err)
	}
	s.ua = ua
	ua.TransportLayer().OnMessage(s.msgs.received)
	if s.srv, err = sipgo.NewServer(ua, sipgo.WithServerLogger(s.log)); err != nil {
		return fmt.Errorf("sipua: server: %w", err)
	}
	if err := s.clients(host); err != nil {
		return err
	}
	s.routes()
	s.serving.Add(2)
	go func() { defer s.serving.Done(); _ = s.srv.ServeUDP(s.udpConn) }()
	go func() { defer s.serving.Done(); _ = s.srv.ServeTCP(s.wrapListener(s.tcpLn)) }()
	if s.tlsLn != nil {
		s.serving.Add(1)
		go func() { defer s.serving.Done(); _ = s.srv.ServeTLS(s.wrapListener(s.tlsLn)) }()
		s.log.Info("sip listening", "addr", s.tlsLn.Addr().String(), "transports", "tls")
	}
	s.started.Store(true)
	s.log.Info("sip listening", "addr", s.addr.String(), "transports", "udp,tcp", "hotline", s.cfg.Hotline)
	return nil
}

// readFilter is the flood throttle, counting what it drops; a UDP
// message that passes it and that sipgo's parser would drop is answered
// 400 when it can be (malformed.go) and dropped here.
func (s *Server) readFilter(p sip.TransportReadProps, data []byte) ([]byte, error) {
	out, err := s.flood.filter(p, data)
	if out == nil && (err == nil || errors.Is(err, errThrottled)) {
		s.msgs.dropped.Add(1)
	}
	if out != nil && !sip.IsReliable(p.Transport) && !s.readable(out, func(res []byte) error {
		_, err := s.udpConn.WriteTo(res, p.RemoteAddr)
		return err
	}) {
		return nil, nil
	}
	return out, err
}

// listen binds UDP and TCP on one port (a free one when the port is 0).
func (s *Server) listen() error {
	ap, err := netip.ParseAddrPort(s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("sipua: address %q must be ip:port: %w", s.cfg.Addr, err)
	}
	for try := 0; try < 20; try++ {
		u, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
		if err != nil {
			return fmt.Errorf("sipua: listen udp %s: %w", ap, err)
		}
		bound := u.LocalAddr().(*net.UDPAddr).AddrPort()
		t, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(bound))
		if err != nil {
			u.Close()
			if ap.Port() != 0 {
				return fmt.Errorf("sipua: listen tcp %s: %w", bound, err)
			}
			continue
		}
		_ = u.SetReadBuffer(1 << 20)
		s.udpConn, s.tcpLn = u, t
		s.addr = netip.AddrPortFrom(bound.Addr().Unmap(), bound.Port())
		return nil
	}
	return fmt.Errorf("sipua: no port free for both udp and tcp on %s", ap.Addr())
}

// listenTLS binds the TLS listener when one is configured.
func (s *Server) listenTLS() error {
	if s.cfg.TLSAddr == "" {
		return nil
	}
	cert, err := tls.LoadX509KeyPair(s.cfg.TLSCertFile, s.cfg.TLSKeyFile)
	if err != nil {
		return fmt.Errorf("sipua: TLS certificate %s / key %s: %w", s.cfg.TLSCertFile, s.cfg.TLSKeyFile, err)
	}
	ln, err := tls.Listen("tcp", s.cfg.TLSAddr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return fmt.Errorf("sipua: listen tls %s: %w", s.cfg.TLSAddr, err)
	}
	s.tlsLn = ln
	return nil
}

// TLSAddr returns the bound TLS address, or "" without TLS.
func (s *Server) TLSAddr() string {
	if s.tlsLn == nil {
		return ""
	}
	return s.tlsLn.Addr().String()
}

// clients builds the dialog user agents: UDP requests leave from the
// listening socket (phones behind NAT expect them from there), TCP ones
// reuse or open connections.
func (s *Server) clients(host string) error {
	udpCli, err := sipgo.NewClient(s.ua, sipgo.WithClientHostname(host), sipgo.WithClientConnectionAddr(s.addr.String()),
		sipgo.WithClientLogger(s.log))
	if err != nil {
		return fmt.Errorf("sipua: udp client: %w", err)
	}
	tcpCli, err := sipgo.NewClient(s.ua, sipgo.WithClientHostname(host), sipgo.WithClientLogger(s.log))
	if err != nil {
		return fmt.Errorf("sipua: tcp client: %w", err)
	}
	contact := sip.Uri{Scheme: "sip", User: s.cfg.Hotline, Host: host, Port: int(s.addr.Port())}
	tcpContact := contact
	tcpContact.UriParams = sip.NewParams()
	tcpContact.UriParams.Add("transport", "tcp")
	s.udp = &sipgo.DialogUA{Client: udpCli, ContactHDR: sip.ContactHeader{Address: contact}, RewriteContact: true}
	s.tcp = &sipgo.DialogUA{Client: tcpCli, ContactHDR: sip.ContactHeader{Address: tcpContact}, RewriteContact: true}
	s.tls = s.tcp
	if s.tlsLn != nil {
		tlsContact := contact
		tlsContact.Port = s.tlsLn.Addr().(*net.TCPAddr).Port
		tlsContact.UriParams = sip.NewParams()
		tlsContact.UriParams.Add("transport", "tls")
		s.tls = &sipgo.DialogUA{Client: tcpCli, ContactHDR: sip.ContactHeader{Address: tlsContact}, RewriteContact: true}
	}
	return nil
}

func (s *Server) dialogUA(transport string) *sipgo.DialogUA {
	switch {
	case strings.EqualFold(transport, "TLS"):
		return s.tls
	case sip.IsReliable(transport):
		return s.tcp
	}
	return s.udp
}

// routes installs the request handlers, each behind check and counting
// the responses it sends.
func (s *Server) routes() {
	s.srv.OnInvite(s.counted(s.checked(s.onInvite)))
	for _, m := range []func(sipgo.RequestHandler){s.srv.OnAck, s.srv.OnBye, s.srv.OnInfo, s.srv.OnRefer, s.srv.OnNotify, s.srv.OnUpdate} {
		m(s.counted(s.checked(s.inDialog)))
	}
	s.srv.OnCancel(s.counted(s.checked(func(req *sip.Request, tx sip.ServerTransaction) {
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
	})))
	s.srv.OnOptions(s.counted(s.checked(s.onOptions)))
	s.srv.OnRegister(s.counted(s.checked(func(req *sip.Request, tx sip.ServerTransaction) {
		ctx, cancel := context.WithTimeout(s.hardCtx, 5*time.Second)
		defer cancel()
		s.reg.handle(ctx, req, tx)
	})))
	s.srv.OnNoRoute(s.counted(s.checked(func(req *sip.Request, tx sip.ServerTransaction) {
		res := sip.NewResponseFromRequest(req, 405, "Method Not Allowed", nil)
		res.AppendHeader(sip.NewHeader("Allow", allow))
		_ = tx.Respond(res)
	})))
}

const allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, REFER, NOTIFY, UPDATE"

func respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res)
}

// onInvite starts a call to the hotline; re-INVITEs go to their dialog.
func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if _, err := sip.DialogIDFromRequestUAS(req); err == nil {
		s.inDialog(req, tx)
		return
	}
	if err := s.unavailable(); err != nil {
		s.log.Info("invite refused: this node takes no new calls", "call_id", callID(req), "why", err)
		respond(tx, req, 503, "Service Unavailable", sip.NewHeader("Retry-After", "60"))
		return
	}
	if userOf(req.Recipient) != s.cfg.Hotline || !s.ours(req.Recipient.Host) {
		s.refuse(req, tx)
		return
	}
	if r := s.routed(req); r != "" {
		s.log.Warn("invite refused: routed elsewhere", "route", r, "source", req.Source(), "transport", req.Transport())
		respond(tx, req, 403, "Forbidden: govhall routes no requests")
		return
	}
	if req.Contact() == nil {
		respond(tx, req, 400, "Bad Request: no Contact")
		return
	}
	if _, ok := req.From().Params.Get("tag"); !ok {
		respond(tx, req, 400, "Bad Request: no From tag")
		return
	}
	s.active.Add(1)
	defer s.active.Add(-1)
	respond(tx, req, 100, "Trying") // before the handler's first database write
	c, err := newInbound(s, req, tx)
	if err != nil {
		// sipgo refuses only a request without Contact, CSeq, To or
		// From tag: a defect of the request (never 5xx, which a proxy
		// would retry on another node).
		s.log.Warn("invite: dialog", "call_id", callID(req), "err", err)
		respond(tx, req, 400, "Bad Request: "+err.Error())
		return
	}
	s.dialogs.Store(c.dlg.ID, dialogLeg(c))
	defer s.dialogs.Delete(c.dlg.ID)
	s.handler(s.hardCtx, c)
	c.finish()
}

// refuse answers an INVITE for anything but the hotline: no open relay.
// A staff phone's extension is forbidden (403), anything else not found.
func (s *Server) refuse(req *sip.Request, tx sip.ServerTransaction) {
	code, reason := 404, "Not Found"
	ctx, cancel := context.WithTimeout(s.hardCtx, 2*time.Second)
	defer cancel()
	if user := userOf(req.Recipient); user != "" && printable(user) {
		if _, err := s.creds.HA1(ctx, user); err == nil {
			code, reason = 403, "Forbidden"
		}
	}
	s.log.Warn("invite refused: only the hotline number is reachable", "to", req.Recipient.String(),
		"from", fromUser(req), "source", req.Source(), "transport", req.Transport(), "status", code)
	respond(tx, req, code, reason)
}

// inDialog routes a request to the leg of its dialog, or answers 481. A
// REFER outside any dialog is forbidden: only a phone in a call may
// transfer it.
func (s *Server) inDialog(req *sip.Request, tx sip.ServerTransaction) {
	if l := s.lookup(req); l != nil {
		l.handle(req, tx)
		return
	}
	if _, tagged := req.To().Params.Get("tag"); req.Method == sip.REFER && !tagged {
		s.log.Warn("refer outside a dialog refused", "source", req.Source(), "transport", req.Transport())
		respond(tx, req, 403, "Forbidden")
		return
	}
	if !req.IsAck() {
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
	}
}

// ours reports whether host names this server: the listening address (any
// local address when listening on all), the TLS listener's, or one of
// Config.Domains.
func (s *Server) ours(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(host), "["), "]")
	for _, d := range s.cfg.Domains {
		if strings.EqualFold(host, d) {
			return true
		}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	if ip == s.addr.Addr() {
		return true
	}
	if s.tlsLn != nil {
		if a, ok := s.tlsLn.Addr().(*net.TCPAddr); ok && a.AddrPort().Addr().Unmap() == ip {
			return true
		}
	}
	if !s.addr.Addr().IsUnspecified() {
		return false
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Unmap() == ip {
			return true
		}
	}
	return false
}

// routed returns the first Route entry of req that is not this server
// (govhall is no proxy), or "".
func (s *Server) routed(req *sip.Request) string {
	for _, h := range req.GetHeaders("Route") {
		r, ok := h.(*sip.RouteHeader)
		if !ok || !s.ours(r.Address.Host) {
			return h.Value()
		}
	}
	return ""
}

func (s *Server) lookup(req *sip.Request) dialogLeg {
	if id, err := sip.DialogIDFromRequestUAS(req); err == nil {
		if v, ok := s.dialogs.Load(id); ok {
			return v.(dialogLeg)
		}
	}
	if id, err := sip.DialogIDFromRequestUAC(req); err == nil {
		if v, ok := s.dialogs.Load(id); ok {
			return v.(dialogLeg)
		}
	}
	return nil
}

// Stop drains: new calls get 503 with Retry-After while the calls in
// progress finish; when ctx ends first, the remaining calls are ended
// (their handlers' context is cancelled) and given 5 s to hang up. Then
// the listeners close.
func (s *Server) Stop(ctx context.Context) error {
	s.draining.Store(true)
	s.log.Info("sip draining", "active_calls", s.active.Load())
	var err error
	if !s.waitIdle(ctx) {
		err = fmt.Errorf("sipua: drain: %d calls still up: %w", s.active.Load(), ctx.Err())
		s.hardStop()
		grace, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.waitIdle(grace)
		cancel()
	}
	s.hardStop()
	if s.ua != nil {
		s.udpConn.Close()
		s.tcpLn.Close()
		if s.tlsLn != nil {
			s.tlsLn.Close()
		}
		s.serving.Wait()
		_ = s.ua.Close()
	}
	s.log.Info("sip stopped")
	return err
}

func (s *Server) waitIdle(ctx context.Context) bool {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for s.active.Load() > 0 {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}

func callID(req *sip.Request) string {
	if h := req.CallID(); h != nil {
		return h.Value()
	}
	return ""
}

func fromUser(req *sip.Request) string {
	if f := req.From(); f != nil {
		return f.Address.User
	}
	return ""
}

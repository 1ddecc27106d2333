package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"math"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/recstore"
	"github.com/govhall/govhall/hotline/sipua"
)

// The hotline's settings that are not (yet) in the environment.
const (
	sipRealm   = "govhall" // digest realm of the operators' and liaisons' phones
	rtpPortMin = 20000     // RTP ports, on the address of GOVHALL_SIP_ADDR
	rtpPortMax = 29999
)

// calendarHours answers the hotline's office-hours question from the
// calendar store, so a notice added while serving takes effect at once.
type calendarHours struct{ store *calendar.Store }

// InHours asks the current calendar.
func (h calendarHours) InHours(t time.Time) bool { return h.store.Calendar().InHours(t) }

// startHotline builds the 96128 hotline and starts SIP on GOVHALL_SIP_ADDR
// (UDP and TCP); it returns the hotline for server.Deps.Calls. stop drains
// it: new calls get 503 with Retry-After, calls in progress finish until
// stop's ctx ends, then the rest are hung up.
func (p *program) startHotline(ctx context.Context, svc *services, ev hotline.Notifier) (*hotline.Hotline, func(ctx context.Context) error, error) {
	qs := svc.queries
	h, err := hotline.New(hotline.Config{
		SIPAddr: p.cfg.SIPAddr, Realm: sipRealm, RTPMin: rtpPortMin, RTPMax: rtpPortMax,
		DataDir: p.cfg.DataDir, PromptsDir: filepath.Join(p.cfg.DataDir, "prompts"), Recordings: recstore.NewDir(p.cfg.RecordingsDir),
		Log: p.log.With("component", "hotline"), Events: ev, WrapUp: p.cfg.WrapUp, Trunk: p.cfg.Trunk, Node: p.hotlineNode(),
		FloodRate: p.cfg.SIP.Rate, FloodBurst: p.cfg.SIP.Burst, Domains: p.cfg.SIP.Domains, NonceKey: nonceKey(p.cfg.DataKey),
		TCPIdle: p.cfg.SIP.TCPIdle, TCPPerSource: p.cfg.SIP.TCPPerSource,
	}, svc.db, calendarHours{svc.calendar}, callQueries{store: qs, log: p.log.With("component", "hotline")})
	if err != nil {
		return nil, nil, fmt.Errorf("GOVHALL_SIP_ADDR %s: %w", p.cfg.SIPAddr, err)
	}
	shared := sipua.Shared{Store: sipua.NewStore(svc.db), NodeID: p.cfg.Node.ID, Edges: p.cfg.SIP.Edges}
	if err := h.SIP().Share(ctx, shared); err != nil {
		return nil, nil, fmt.Errorf("GOVHALL_SIP_EDGE: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		return nil, nil, err
	}
	return h, h.Stop, nil
}

// demoSIPAccount is a demo phone: extension → staff account.
type demoSIPAccount struct {
	ext, username, kind, department string
}

var demoSIPAccounts = []demoSIPAccount{
	{"8001", "operator1", calls.KindOperator, ""},
	{"8002", "operator2", calls.KindOperator, ""},
	{"8003", "operator3", calls.KindOperator, ""},
	{"8101", "liaison1", calls.KindLiaison, "mzj"},
	{"8102", "liaison2", calls.KindLiaison, "ybj"},
	{"8103", "liaison3", calls.KindLiaison, "rsj"},
	{"8104", "liaison4", calls.KindLiaison, "gjj"},
	{"8105", "liaison5", calls.KindLiaison, "zfb"},
}

// demoSIP creates (or resets) the demo SIP accounts: operators 8001–8003
// and liaisons 8101–8105, password GOVHALL_DEMO_PASSWORD, realm "govhall".
// It needs the demo staff accounts and departments.
func (p *program) demoSIP(ctx context.Context, svc *services) error {
	store := calls.NewStore(svc.db)
	for _, a := range demoSIPAccounts {
		_, err := store.SaveSIPAccount(ctx, calls.NewSIPAccount{Extension: a.ext, Realm: sipRealm, Password: p.cfg.DemoPassword,
			Username: a.username, Department: a.department, Kind: a.kind})
		if err != nil {
			return fmt.Errorf("demo sip account %s: %w", a.ext, err)
		}
	}
	fmt.Fprintf(p.stdout, "demo SIP phones (register at sip:EXT@%s, realm %s, password from GOVHALL_DEMO_PASSWORD):\n", p.cfg.SIPAddr, sipRealm)
	for _, a := range demoSIPAccounts {
		fmt.Fprintf(p.stdout, "  %s  %-10s %s\n", a.ext, a.username, a.department)
	}
	return nil
}

// sipSettings are the SIP server's settings read from the environment.
type sipSettings struct {
	// Rate and Burst (GOVHALL_SIP_RATE, RATE or RATE:BURST) bound the SIP
	// messages per second of one source address; zero: the hotline's
	// defaults (200:1000).
	Rate  float64
	Burst int
	// Domains (GOVHALL_SIP_DOMAINS, comma-separated) are the host names
	// and addresses callers reach the hotline at besides GOVHALL_SIP_ADDR.
	Domains []string
	// TCPIdle (GOVHALL_SIP_TCP_IDLE, a duration or "off") ends a TCP
	// connection without a message for so long; zero: 3m, negative: never.
	TCPIdle time.Duration
	// TCPPerSource (GOVHALL_SIP_TCP_PER_SOURCE) bounds the open TCP
	// connections of one address; zero: 32.
	TCPPerSource int
	// Edges (GOVHALL_SIP_EDGE, comma-separated ip or ip:port) are the SIP
	// edge proxies (Kamailio) in front of the nodes: only they may add a
	// Path to a REGISTER (README, "SIP edge").
	Edges []string
}

func loadSIPSettings(getenv func(string) string) (sipSettings, error) {
	var s sipSettings
	if v := strings.TrimSpace(getenv("GOVHALL_SIP_RATE")); v != "" {
		rate, burst, hasBurst := strings.Cut(v, ":")
		r, err := strconv.ParseFloat(strings.TrimSpace(rate), 64)
		if err != nil || r <= 0 || math.IsInf(r, 0) {
			return s, fmt.Errorf("GOVHALL_SIP_RATE %q must be messages per second per source, with a burst after a colon, such as 200:1000", v)
		}
		s.Rate, s.Burst = r, int(math.Ceil(5*r))
		if hasBurst {
			b, err := strconv.Atoi(strings.TrimSpace(burst))
			if err != nil || b < 1 {
				return s, fmt.Errorf("GOVHALL_SIP_RATE %q: the burst after the colon must be a whole number of messages, such as 200:1000", v)
			}
			s.Burst = b
		}
	}
	if err := loadTCPSettings(getenv, &s); err != nil {
		return s, err
	}
	for _, d := range strings.Split(getenv("GOVHALL_SIP_DOMAINS"), ",") {
		if d = strings.TrimSpace(d); d != "" {
			if strings.ContainsAny(d, ":/@ ") && net.ParseIP(d) == nil {
				return s, fmt.Errorf("GOVHALL_SIP_DOMAINS: %q is neither a host name nor an address (no port or scheme)", d)
			}
			s.Domains = append(s.Domains, d)
		}
	}
	edges, err := loadSIPEdges(getenv("GOVHALL_SIP_EDGE"))
	if err != nil {
		return s, err
	}
	s.Edges = edges
	return s, nil
}

// loadTCPSettings reads GOVHALL_SIP_TCP_IDLE and GOVHALL_SIP_TCP_PER_SOURCE.
func loadTCPSettings(getenv func(string) string, s *sipSettings) error {
	if v := strings.TrimSpace(getenv("GOVHALL_SIP_TCP_IDLE")); v == "off" {
		s.TCPIdle = -1
	} else if v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 10*time.Second {
			return fmt.Errorf("GOVHALL_SIP_TCP_IDLE %q must be a duration of at least 10s, such as 3m, or off", v)
		}
		s.TCPIdle = d
	}
	if v := strings.TrimSpace(getenv("GOVHALL_SIP_TCP_PER_SOURCE")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("GOVHALL_SIP_TCP_PER_SOURCE %q must be a whole number of connections from 1 to 65535, such as 32", v)
		}
		s.TCPPerSource = n
	}
	return nil
}

// nonceKey derives the key signing the phones' digest nonces from
// GOVHALL_DATA_KEY, so nodes sharing that key accept each other's nonces;
// without it each process signs with a random key of its own.
func nonceKey(dataKey string) []byte {
	if dataKey == "" {
		return nil
	}
	m := hmac.New(sha256.New, []byte(strings.TrimSpace(dataKey)))
	m.Write([]byte("govhall sip digest nonces"))
	return m.Sum(nil)
}

// loadSIPEdges reads GOVHALL_SIP_EDGE: IP addresses, each with a port if
// it matters.
func loadSIPEdges(v string) ([]string, error) {
	var out []string
	for _, e := range strings.Split(v, ",") {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		_, aerr := netip.ParseAddr(e)
		if _, perr := netip.ParseAddrPort(e); aerr != nil && perr != nil {
			return nil, fmt.Errorf("GOVHALL_SIP_EDGE: %q must be the IP address of a Kamailio edge, with its port if it matters (10.0.0.5 or 10.0.0.5:5060)", e)
		}
		out = append(out, e)
	}
	return out, nil
}

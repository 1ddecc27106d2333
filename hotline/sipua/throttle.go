package sipua

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// throttle limits the SIP messages read from one source IP address with a
// token bucket; what exceeds it is dropped before parsing (UDP) or ends the
// connection (TCP, whose stream cannot lose a piece). Addresses with a live
// registration (the office's phones, often behind one NAT) are exempt. It
// keeps at most max buckets: past that (a flood from spoofed addresses)
// full buckets are forgotten at once and then arbitrary ones, so memory
// stays bounded and a new source starts with a full bucket.
type throttle struct {
	rate    float64 // tokens per second
	burst   float64
	max     int
	log     *slog.Logger
	exempt  func(netip.Addr) bool
	mu      sync.Mutex
	buckets map[netip.Addr]*bucket
	swept   time.Time
}

type bucket struct {
	tokens  float64
	at      time.Time
	dropped int
	warned  time.Time
}

// maxSources bounds the throttle's buckets (about 100 bytes each).
const maxSources = 1 << 16

// errThrottled ends a TCP connection whose source sends too much.
var errThrottled = errors.New("sipua: source over its message rate")

func newThrottle(rate float64, burst int, exempt func(netip.Addr) bool, log *slog.Logger) *throttle {
	return &throttle{rate: rate, burst: float64(burst), max: maxSources, exempt: exempt, log: log, buckets: map[netip.Addr]*bucket{}}
}

// filter is a sip.TransportReadFilter: it returns nil for dropped UDP
// messages and errThrottled for TCP.
func (t *throttle) filter(p sip.TransportReadProps, data []byte) ([]byte, error) {
	ip := addrOf(p.RemoteAddr)
	if !ip.IsValid() || t.allow(ip, time.Now()) {
		return data, nil
	}
	if sip.IsReliable(p.Transport) {
		return nil, errThrottled
	}
	return nil, nil
}

func addrOf(a net.Addr) netip.Addr {
	switch a := a.(type) {
	case *net.UDPAddr:
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip.Unmap()
	case *net.TCPAddr:
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip.Unmap()
	}
	return netip.Addr{}
}

// allow takes a token for ip, reporting false when its bucket is empty.
func (t *throttle) allow(ip netip.Addr, now time.Time) bool {
	if t.exempt != nil && t.exempt(ip) {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now, false)
	b, ok := t.buckets[ip]
	if !ok {
		t.makeRoom(now)
		b = &bucket{tokens: t.burst, at: now}
		t.buckets[ip] = b
	}
	b.tokens = min(t.burst, b.tokens+now.Sub(b.at).Seconds()*t.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	b.dropped++
	if now.Sub(b.warned) > 10*time.Second {
		t.log.Warn("sip flood throttled", "source", ip.String(), "dropped", b.dropped)
		b.warned, b.dropped = now, 0
	}
	return false
}

// sweep forgets full buckets once a minute (now when forced), so the map
// stays small.
func (t *throttle) sweep(now time.Time, force bool) {
	if !force && now.Sub(t.swept) < time.Minute {
		return
	}
	t.swept = now
	for ip, b := range t.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*t.rate >= t.burst {
			delete(t.buckets, ip)
		}
	}
}

// makeRoom keeps the map under max buckets before one is added: it sweeps,
// then forgets arbitrary buckets down to seven eighths of max.
func (t *throttle) makeRoom(now time.Time) {
	if len(t.buckets) < t.max {
		return
	}
	t.sweep(now, true)
	for ip := range t.buckets {
		if len(t.buckets) < t.max-t.max/8 {
			break
		}
		delete(t.buckets, ip)
	}
	t.log.Warn("sip flood: too many sources, buckets forgotten", "kept", len(t.buckets))
}

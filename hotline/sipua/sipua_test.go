package sipua

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

type fakeCreds map[string]string // user → password

func (f fakeCreds) HA1(_ context.Context, user string) (string, error) {
	pw, ok := f[user]
	if !ok {
		return "", ErrUnknownUser
	}
	return digestHA1(user, "govhall", pw), nil
}

func digestHA1(user, realm, pw string) string {
	return fmt.Sprintf("%x", md5.Sum([]byte(user+":"+realm+":"+pw)))
}

func testLog(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func startServer(t *testing.T, cfg Config, h Handler) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.Log = testLog(t)
	s, err := New(cfg, fakeCreds{"8001": "secret", "8101": "pw2"})
	if err != nil {
		t.Fatal(err)
	}
	if h == nil {
		h = func(ctx context.Context, c *Inbound) { _ = c.Reject(486, "Busy Here") }
	}
	if err := s.Start(h); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Stop(ctx)
	})
	return s
}

// rawPhone speaks SIP over a UDP socket, for exact control of requests.
type rawPhone struct {
	t    *testing.T
	conn *net.UDPConn
	to   *net.UDPAddr
	cseq int
	call string
}

func newRawPhone(t *testing.T, s *Server) *rawPhone {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawPhone{t: t, conn: c, to: net.UDPAddrFromAddrPort(s.Addr()), call: fmt.Sprintf("c%d@test", rand.Uint32())}
}

func (p *rawPhone) port() int { return p.conn.LocalAddr().(*net.UDPAddr).Port }

func (p *rawPhone) register(user, auth, expires string) *sip.Response {
	p.cseq++
	msg := fmt.Sprintf("REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%d;rport\r\n"+
		"From: <sip:%s@govhall>;tag=abc\r\nTo: <sip:%s@govhall>\r\nCall-ID: %s\r\nCSeq: %d REGISTER\r\n"+
		"Contact: <sip:%s@127.0.0.1:%d>\r\nMax-Forwards: 70\r\n%sExpires: %s\r\nContent-Length: 0\r\n\r\n",
		p.to, p.port(), rand.Uint32(), user, user, p.call, p.cseq, user, p.port(), auth, expires)
	return p.exchange(msg)
}

func (p *rawPhone) exchange(msg string) *sip.Response {
	p.t.Helper()
	if _, err := p.conn.WriteToUDP([]byte(msg), p.to); err != nil {
		p.t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		p.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, err := p.conn.Read(buf)
		if err != nil {
			p.t.Fatalf("no response to %s", strings.SplitN(msg, "\r\n", 2)[0])
		}
		m, err := sip.ParseMessage(buf[:n])
		if err != nil {
			p.t.Fatal(err)
		}
		if res, ok := m.(*sip.Response); ok && !res.IsProvisional() {
			return res
		}
	}
}

func authHeader(t *testing.T, res *sip.Response, user, pw string, nc int) string {
	t.Helper()
	chal, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:govhall", Username: user, Password: pw, Count: nc})
	if err != nil {
		t.Fatal(err)
	}
	return "Authorization: " + cred.String() + "\r\n"
}

func TestRegistrar(t *testing.T) {
	s := startServer(t, Config{}, nil)
	p := newRawPhone(t, s)
	res := p.register("8001", "", "60")
	if res.StatusCode != 401 || res.GetHeader("WWW-Authenticate") == nil {
		t.Fatalf("first REGISTER: %d", res.StatusCode)
	}
	auth := authHeader(t, res, "8001", "secret", 1)
	res = p.register("8001", auth, "60")
	if res.StatusCode != 200 {
		t.Fatalf("authenticated REGISTER: %d %s", res.StatusCode, res.Reason)
	}
	if !strings.Contains(res.GetHeader("Contact").Value(), "expires=60") {
		t.Errorf("200 contact %q", res.GetHeader("Contact").Value())
	}
	bs := s.Registrar().Bindings("8001")
	if len(bs) != 1 || bs[0].Source != fmt.Sprintf("127.0.0.1:%d", p.port()) || bs[0].Transport != "UDP" {
		t.Fatalf("bindings %+v", bs)
	}
	// Replaying the same nonce count is refused with a fresh challenge.
	if res = p.register("8001", auth, "60"); res.StatusCode != 401 {
		t.Errorf("replayed credentials: %d", res.StatusCode)
	}
	// Wrong password.
	res = p.register("8001", "", "60")
	if res = p.register("8001", authHeader(t, res, "8001", "wrong", 1), "60"); res.StatusCode != 401 {
		t.Errorf("wrong password: %d", res.StatusCode)
	}
	// Someone else's credentials for 8001.
	res = p.register("8001", "", "60")
	if res = p.register("8001", authHeader(t, res, "8101", "pw2", 1), "60"); res.StatusCode != 401 {
		t.Errorf("8101's credentials registering 8001: %d", res.StatusCode)
	}
	// Too brief.
	res = p.register("8001", "", "5")
	if res = p.register("8001", authHeader(t, res, "8001", "secret", 1), "5"); res.StatusCode != 423 || res.GetHeader("Min-Expires") == nil {
		t.Errorf("expires 5: %d", res.StatusCode)
	}
	if !s.Registrar().Registered("8001") {
		t.Fatal("binding lost")
	}
	// Expires: 0 unregisters.
	res = p.register("8001", "", "0")
	if res = p.register("8001", authHeader(t, res, "8001", "secret", 1), "0"); res.StatusCode != 200 {
		t.Fatalf("unregister: %d", res.StatusCode)
	}
	if s.Registrar().Registered("8001") {
		t.Fatal("still registered after Expires: 0")
	}
}

func TestNonceExpires(t *testing.T) {
	s := startServer(t, Config{NonceTTL: 200 * time.Millisecond}, nil)
	p := newRawPhone(t, s)
	res := p.register("8001", "", "60")
	auth := authHeader(t, res, "8001", "secret", 1)
	time.Sleep(300 * time.Millisecond)
	res = p.register("8001", auth, "60")
	if res.StatusCode != 401 || !strings.Contains(strings.ToLower(res.GetHeader("WWW-Authenticate").Value()), "stale=true") {
		t.Fatalf("expired nonce: %d %v", res.StatusCode, res.GetHeader("WWW-Authenticate"))
	}
}

func (p *rawPhone) invite(to string) *sip.Response {
	p.cseq++
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n"
	msg := fmt.Sprintf("INVITE sip:%s@%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%d\r\n"+
		"From: <sip:13800000000@127.0.0.1>;tag=x1\r\nTo: <sip:%s@%s>\r\nCall-ID: %s\r\nCSeq: %d INVITE\r\n"+
		"Contact: <sip:13800000000@127.0.0.1:%d>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		to, p.to, p.port(), rand.Uint32(), to, p.to, p.call+to, p.cseq, p.port(), len(sdp), sdp)
	res := p.exchange(msg)
	if res.StatusCode >= 300 { // ACK a failure, as the transaction layer expects
		via := res.Via().Value()
		ack := fmt.Sprintf("ACK sip:%s@%s SIP/2.0\r\nVia: %s\r\nFrom: <sip:13800000000@127.0.0.1>;tag=x1\r\nTo: %s\r\n"+
			"Call-ID: %s\r\nCSeq: %d ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
			to, p.to, via, res.To().Value(), p.call+to, p.cseq)
		p.conn.WriteToUDP([]byte(ack), p.to)
	}
	return res
}

func TestNoOpenRelay(t *testing.T) {
	reached := make(chan string, 4)
	s := startServer(t, Config{}, func(ctx context.Context, c *Inbound) {
		reached <- c.Callee
		_ = c.Reject(486, "Busy Here")
	})
	p := newRawPhone(t, s)
	for to, want := range map[string]int{"8001": 403, "13912345678": 404, "96128": 486} {
		if res := p.invite(to); res.StatusCode != want {
			t.Errorf("INVITE %s: %d, want %d", to, res.StatusCode, want)
		}
	}
	select {
	case got := <-reached:
		if got != "96128" {
			t.Fatalf("handler reached for %s", got)
		}
	default:
		t.Fatal("handler never ran for 96128")
	}
	if len(reached) != 0 {
		t.Fatalf("handler ran for another number: %s", <-reached)
	}
}

func TestFloodThrottle(t *testing.T) {
	s := startServer(t, Config{FloodRate: 5, FloodBurst: 5}, nil)
	p := newRawPhone(t, s)
	for range 5 {
		p.register("8001", "", "60")
	}
	p.cseq++
	msg := "OPTIONS sip:" + p.to.String() + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + fmt.Sprint(p.port()) +
		";branch=z9hG4bKflood\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:y@y>\r\nCall-ID: flood\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	p.conn.WriteToUDP([]byte(msg), p.to)
	p.conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := p.conn.Read(make([]byte, 2048)); err == nil {
		t.Fatal("the sixth message within the burst was answered")
	}
	time.Sleep(300 * time.Millisecond) // a token or more comes back
	if res := p.register("8001", "", "60"); res.StatusCode != 401 {
		t.Fatalf("after waiting: %d", res.StatusCode)
	}
}

func TestDrain(t *testing.T) {
	release := make(chan struct{})
	s := startServer(t, Config{}, func(ctx context.Context, c *Inbound) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		_ = c.Reject(486, "Busy Here")
	})
	p := newRawPhone(t, s)
	go p.invite("96128")
	deadline := time.Now().Add(3 * time.Second)
	for s.ActiveCalls() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		stopped <- s.Stop(ctx)
	}()
	time.Sleep(100 * time.Millisecond)
	q := newRawPhone(t, s)
	if res := q.invite("96128"); res.StatusCode != 503 || res.GetHeader("Retry-After") == nil {
		t.Fatalf("INVITE while draining: %d", res.StatusCode)
	}
	select {
	case <-stopped:
		t.Fatal("stopped with a call in progress")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("drain: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("drain never finished")
	}
}

// authHeaderNoQOP answers a challenge the RFC 2069 way (no qop, no nonce
// count), as old phones do.
func authHeaderNoQOP(t *testing.T, res *sip.Response, user, pw string) string {
	t.Helper()
	chal, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if err != nil {
		t.Fatal(err)
	}
	chal.QOP = nil
	cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:govhall", Username: user, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	return "Authorization: " + cred.String() + "\r\n"
}

func staleOf(res *sip.Response) bool {
	h := res.GetHeader("WWW-Authenticate")
	return h != nil && strings.Contains(strings.ToLower(h.Value()), "stale=true")
}

// A nonce serves with growing counts only: a replayed count is refused
// (and nothing is bound), a higher one accepted; without qop a nonce
// serves once. A replay gets a fresh nonce (stale=true) that the replayer
// cannot use.
func TestNonceReplay(t *testing.T) {
	s := startServer(t, Config{}, nil)
	p := newRawPhone(t, s)
	chal := p.register("8001", "", "60")
	first := authHeader(t, chal, "8001", "secret", 1)
	if res := p.register("8001", first, "60"); res.StatusCode != 200 {
		t.Fatalf("nc=1: %d", res.StatusCode)
	}
	s.Registrar().Drop("8001")
	if res := p.register("8001", first, "60"); res.StatusCode != 401 || !staleOf(res) {
		t.Fatalf("nc=1 replayed: %d stale=%v, want 401 stale=true", res.StatusCode, staleOf(res))
	}
	if s.Registrar().Registered("8001") {
		t.Fatal("a replayed REGISTER bound the phone")
	}
	if res := p.register("8001", authHeader(t, chal, "8001", "secret", 2), "60"); res.StatusCode != 200 {
		t.Fatalf("nc=2 on the same nonce: %d", res.StatusCode)
	}
	if res := p.register("8001", authHeader(t, chal, "8001", "secret", 2), "60"); res.StatusCode != 401 {
		t.Fatalf("nc=2 again: %d", res.StatusCode)
	}
	old := p.register("8001", "", "60")
	once := authHeaderNoQOP(t, old, "8001", "secret")
	if res := p.register("8001", once, "60"); res.StatusCode != 200 {
		t.Fatalf("without qop: %d", res.StatusCode)
	}
	if res := p.register("8001", once, "60"); res.StatusCode != 401 {
		t.Fatalf("without qop replayed: %d", res.StatusCode)
	}
	// A wrong password is a plain failure, not stale.
	if res := p.register("8001", authHeader(t, chal, "8001", "wrong", 9), "60"); res.StatusCode != 401 || staleOf(res) {
		t.Fatalf("wrong password: %d stale=%v", res.StatusCode, staleOf(res))
	}
}

// Nonces are signed, not stored: a server with the same NonceKey accepts
// another's nonce (nodes behind one proxy), one with another key answers
// stale=true, and a made-up nonce is stale too.
func TestNonceSharedKey(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	a := startServer(t, Config{NonceKey: key}, nil)
	b := startServer(t, Config{NonceKey: key}, nil)
	c := startServer(t, Config{}, nil)
	chal := newRawPhone(t, a).register("8001", "", "60")
	if res := newRawPhone(t, b).register("8001", authHeader(t, chal, "8001", "secret", 1), "60"); res.StatusCode != 200 {
		t.Fatalf("a's nonce at b: %d", res.StatusCode)
	}
	if res := newRawPhone(t, c).register("8001", authHeader(t, chal, "8001", "secret", 1), "60"); res.StatusCode != 401 || !staleOf(res) {
		t.Fatalf("a's nonce at c: %d stale=%v", res.StatusCode, staleOf(res))
	}
	forged := sip.NewResponse(401, "Unauthorized")
	forged.AppendHeader(sip.NewHeader("WWW-Authenticate", `Digest realm="govhall", nonce="bm90LWEtbm9uY2U", algorithm=MD5, qop="auth"`))
	if res := newRawPhone(t, a).register("8001", authHeader(t, forged, "8001", "secret", 1), "60"); res.StatusCode != 401 || !staleOf(res) {
		t.Fatalf("a made-up nonce: %d stale=%v", res.StatusCode, staleOf(res))
	}
}

// The nonce counts kept are bounded: past max the oldest go, and their
// nonces are stale from then on (never replayable); expired ones go too.
func TestNonceCacheBounded(t *testing.T) {
	n := newNonces(nil, "govhall", time.Minute, 3)
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var issued []string
	for i := range 5 {
		issued = append(issued, n.issue(at.Add(time.Duration(i)*time.Second)))
	}
	now := at.Add(10 * time.Second)
	for i, v := range issued {
		if st := n.use(v, 1, now); st != nonceFresh {
			t.Fatalf("nonce %d first use: %v", i, st)
		}
		if n.size() > 3 {
			t.Fatalf("%d nonces kept, max 3", n.size())
		}
	}
	if st := n.use(issued[0], 1, now); st != nonceStale {
		t.Errorf("a forgotten nonce replayed: %v, want stale", st)
	}
	if st := n.use(issued[4], 1, now); st != nonceReplay {
		t.Errorf("a kept nonce replayed: %v, want replay", st)
	}
	if st := n.use(issued[4], 2, now); st != nonceFresh {
		t.Errorf("a kept nonce's next count: %v", st)
	}
	if st := n.use(n.issue(now), 1, now.Add(2*time.Minute)); st != nonceStale {
		t.Errorf("an expired nonce: %v", st)
	}
	if n.use(n.issue(now.Add(2*time.Minute)), 1, now.Add(2*time.Minute)); n.size() != 1 {
		t.Errorf("%d nonces kept after the others expired, want 1", n.size())
	}
}

// The throttle's buckets are per source and bounded: a source past its
// burst is throttled while another is not, and a flood of sources (spoofed
// UDP) never holds more than max buckets.
func TestFloodThrottleBounded(t *testing.T) {
	th := newThrottle(10, 20, nil, slog.New(slog.DiscardHandler))
	th.max = 100
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	allowed := 0
	for range 500 {
		if th.allow(a, at) {
			allowed++
		}
	}
	if allowed != 20 {
		t.Errorf("a burst of 500 from one source: %d allowed, want the burst of 20", allowed)
	}
	if !th.allow(b, at) {
		t.Error("another source throttled by the first one's flood")
	}
	if !th.allow(a, at.Add(200*time.Millisecond)) {
		t.Error("the flooding source got no token back after 0.2 s at 10/s")
	}
	for drained := 0; th.allow(a, time.Now()); drained++ { // filter reads the clock
		if drained > 100 {
			t.Fatal("the bucket never empties")
		}
	}
	tcp := sip.TransportReadProps{Transport: "TCP", RemoteAddr: &net.TCPAddr{IP: net.IP(a.AsSlice()), Port: 5060}}
	if _, err := th.filter(tcp, []byte("OPTIONS")); !errors.Is(err, errThrottled) {
		t.Errorf("a TCP source over its rate: %v, want its connection ended", err)
	}
	for i := range 10000 {
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if !th.allow(ip, at) {
			t.Fatalf("new source %v throttled", ip)
		}
		if len(th.buckets) > th.max {
			t.Fatalf("%d buckets, max %d", len(th.buckets), th.max)
		}
	}
}

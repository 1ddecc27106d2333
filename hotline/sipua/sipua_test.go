package sipua

import (
	"context"
	"crypto/md5"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
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

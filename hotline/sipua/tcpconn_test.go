package sipua

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// tcpPhone speaks SIP over one TCP connection.
type tcpPhone struct {
	t      *testing.T
	conn   net.Conn
	stream *sip.ParserStream
	cseq   int
}

func dialTCP(t *testing.T, s *Server) *tcpPhone {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr().String(), 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &tcpPhone{t: t, conn: c, stream: sip.NewParser().NewSIPStream()}
}

// register sends a REGISTER of user over the connection and returns the
// final response.
func (p *tcpPhone) register(user, auth string) *sip.Response {
	p.t.Helper()
	p.cseq++
	l := p.conn.LocalAddr().String()
	msg := fmt.Sprintf("REGISTER sip:govhall SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bK%d\r\n"+
		"From: <sip:%s@govhall>;tag=t\r\nTo: <sip:%s@govhall>\r\nCall-ID: tcp-%s\r\nCSeq: %d REGISTER\r\n"+
		"Contact: <sip:%s@%s;transport=tcp>\r\nMax-Forwards: 70\r\n%sExpires: 600\r\nContent-Length: 0\r\n\r\n",
		l, rand.Uint32(), user, user, l, p.cseq, user, l, auth)
	if _, err := p.conn.Write([]byte(msg)); err != nil {
		p.t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		p.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, err := p.conn.Read(buf)
		if err != nil {
			p.t.Fatalf("no answer to REGISTER over TCP: %v", err)
		}
		var res *sip.Response
		_ = p.stream.ParseSIPStream(buf[:n], func(m sip.Message) {
			if r, ok := m.(*sip.Response); ok && !r.IsProvisional() {
				res = r
			}
		})
		if res != nil {
			return res
		}
	}
}

// closedWithin reports whether the server closes the connection within d
// (keep-alive CRLFs sent every 50 ms meanwhile).
func (p *tcpPhone) closedWithin(d time.Duration) bool {
	end := time.Now().Add(d)
	buf := make([]byte, 512)
	for time.Now().Before(end) {
		if _, err := p.conn.Write([]byte("\r\n\r\n")); err != nil {
			return true
		}
		p.conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		for { // the pongs, until the deadline
			if _, err := p.conn.Read(buf); err != nil {
				if !strings.Contains(err.Error(), "timeout") {
					return true
				}
				break
			}
		}
	}
	return false
}

// TestTCPIdle: a TCP connection that carries only keep-alives ends after
// TCPIdle; one a phone registered over stays open however long, on
// keep-alives alone.
func TestTCPIdle(t *testing.T) {
	s := startServer(t, Config{TCPIdle: 300 * time.Millisecond}, nil)
	idle, phone := dialTCP(t, s), dialTCP(t, s)
	res := phone.register("8001", "")
	if res.StatusCode != 401 {
		t.Fatalf("REGISTER: %d, want 401", res.StatusCode)
	}
	if res = phone.register("8001", authHeader(t, res, "8001", "secret", 1)); res.StatusCode != 200 {
		t.Fatalf("REGISTER with credentials: %d", res.StatusCode)
	}
	if !idle.closedWithin(3 * time.Second) {
		t.Error("a connection with keep-alives only was not closed")
	}
	if phone.closedWithin(1500 * time.Millisecond) {
		t.Error("the registered phone's connection was closed")
	}
}

// TestTCPPerSource: past TCPPerSource open connections from one address
// the next is closed at once; closing one makes room.
func TestTCPPerSource(t *testing.T) {
	s := startServer(t, Config{TCPPerSource: 3}, nil)
	var conns []*tcpPhone
	for range 3 {
		p := dialTCP(t, s)
		if p.closedWithin(200 * time.Millisecond) {
			t.Fatal("a connection within the limit was closed")
		}
		conns = append(conns, p)
	}
	if !dialTCP(t, s).closedWithin(2 * time.Second) {
		t.Fatal("the fourth connection from one address stayed open")
	}
	conns[0].conn.Close()
	time.Sleep(200 * time.Millisecond) // the server reads the close
	p := dialTCP(t, s)
	if p.closedWithin(300 * time.Millisecond) {
		t.Fatal("after one closed, a new connection was refused")
	}
	if res := p.register("8001", ""); res.StatusCode != 401 {
		t.Errorf("REGISTER over it: %d", res.StatusCode)
	}
}

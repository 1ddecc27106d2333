package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// sipCaller is a caller of 96128 that counts the RTP it hears: a SIP
// user agent over UDP written for the fault tests, since sipp cannot say
// how much audio arrived when.
type sipCaller struct {
	t        *testing.T
	sip, rtp *net.UDPConn
	server   *net.UDPAddr
	callID   string
	fromTag  string
	toTag    string
	contact  string // the hotline's Contact, for in-dialog requests
	heard    atomic.Int64
	bye      chan struct{} // closed when the hotline hangs up
	stop     chan struct{}
	msgs     chan sip.Message
}

// dial calls 96128 at addr and returns the caller and the final status
// of the INVITE; after a 200 it sends silence until hangup.
func dial(t *testing.T, addr string) (*sipCaller, int) {
	t.Helper()
	server, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := &sipCaller{t: t, server: server, callID: fmt.Sprintf("fault-%d@test", rand.Uint64()), fromTag: strconv.Itoa(rand.IntN(1 << 30)),
		bye: make(chan struct{}), stop: make(chan struct{}), msgs: make(chan sip.Message, 64)}
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	if c.sip, err = net.ListenUDP("udp", lo); err != nil {
		t.Fatal(err)
	}
	if c.rtp, err = net.ListenUDP("udp", lo); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	go c.readSIP()
	go c.readRTP()
	rtpPort := c.rtp.LocalAddr().(*net.UDPAddr).Port
	sdp := fmt.Sprintf("v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n", rtpPort)
	branch := "z9hG4bK" + strconv.FormatUint(rand.Uint64(), 36)
	c.send(c.request("INVITE", "sip:96128@"+addr, branch, 1, "", sdp))
	deadline := time.After(15 * time.Second)
	for {
		select {
		case m := <-c.msgs:
			res, ok := m.(*sip.Response)
			if !ok || res.StatusCode < 200 {
				continue
			}
			if res.StatusCode >= 300 {
				c.send(c.request("ACK", "sip:96128@"+addr, branch, 1, res.To().Params.GetOr("tag", ""), ""))
				return c, res.StatusCode
			}
			return c, c.answered(res, addr)
		case <-deadline:
			t.Fatalf("no final answer to the INVITE within 15s")
		}
	}
}

// answered acknowledges a 200 and starts sending audio to its address.
func (c *sipCaller) answered(res *sip.Response, addr string) int {
	c.toTag = res.To().Params.GetOr("tag", "")
	c.contact = "sip:96128@" + addr
	if h := res.Contact(); h != nil {
		c.contact = h.Address.String()
	}
	media, err := answerAddr(string(res.Body()))
	if err != nil {
		c.t.Fatalf("answer: %v\n%s", err, res.Body())
	}
	c.send(c.request("ACK", c.contact, "z9hG4bK"+strconv.FormatUint(rand.Uint64(), 36), 1, c.toTag, ""))
	go c.talk(media)
	return 200
}

// answerAddr reads the c= address and m=audio port of an SDP answer.
func answerAddr(sdp string) (*net.UDPAddr, error) {
	var ip, port string
	for _, l := range strings.Split(sdp, "\n") {
		l = strings.TrimSpace(l)
		if v, ok := strings.CutPrefix(l, "c=IN IP4 "); ok {
			ip = v
		}
		if v, ok := strings.CutPrefix(l, "m=audio "); ok {
			port, _, _ = strings.Cut(v, " ")
		}
	}
	return net.ResolveUDPAddr("udp", net.JoinHostPort(ip, port))
}

// talk sends 20 ms of PCMA silence every 20 ms until hangup.
func (c *sipCaller) talk(to *net.UDPAddr) {
	pkt := make([]byte, 12+160)
	pkt[0], pkt[1] = 0x80, 8
	binary.BigEndian.PutUint32(pkt[8:], rand.Uint32())
	for i := range 160 {
		pkt[12+i] = 0xD5
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for seq := uint16(0); ; seq++ {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		binary.BigEndian.PutUint16(pkt[2:], seq)
		binary.BigEndian.PutUint32(pkt[4:], uint32(seq)*160)
		c.rtp.WriteToUDP(pkt, to)
	}
}

func (c *sipCaller) readRTP() {
	buf := make([]byte, 2048)
	for {
		n, _, err := c.rtp.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if n >= 12 && buf[0]>>6 == 2 {
			c.heard.Add(1)
		}
	}
}

// readSIP delivers responses and answers the hotline's BYE.
func (c *sipCaller) readSIP() {
	buf := make([]byte, 1<<16)
	for {
		n, _, err := c.sip.ReadFromUDP(buf)
		if err != nil {
			return
		}
		m, err := sip.ParseMessage(buf[:n])
		if err != nil {
			continue
		}
		if req, ok := m.(*sip.Request); ok {
			c.send([]byte(sip.NewResponseFromRequest(req, 200, "OK", nil).String()))
			if req.Method == sip.BYE {
				select {
				case <-c.bye:
				default:
					close(c.bye)
				}
			}
			continue
		}
		select {
		case c.msgs <- m:
		default:
		}
	}
}

// hangup sends BYE and waits for its 200.
func (c *sipCaller) hangup() {
	c.t.Helper()
	c.send(c.request("BYE", c.contact, "z9hG4bK"+strconv.FormatUint(rand.Uint64(), 36), 2, c.toTag, ""))
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m := <-c.msgs:
			if res, ok := m.(*sip.Response); ok && res.CSeq().MethodName == sip.BYE && res.StatusCode >= 200 {
				close(c.stop)
				if res.StatusCode != 200 {
					c.t.Errorf("BYE answered %d", res.StatusCode)
				}
				return
			}
		case <-deadline:
			c.t.Fatalf("no answer to BYE within 5s")
		}
	}
}

func (c *sipCaller) request(method, uri, branch string, cseq int, toTag, body string) []byte {
	local := c.sip.LocalAddr().String()
	to := "<sip:96128@" + c.server.String() + ">"
	if toTag != "" {
		to += ";tag=" + toTag
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s;rport\r\n", method, uri, local, branch)
	fmt.Fprintf(&b, "From: \"13900139000\" <sip:13900139000@%s>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n",
		local, c.fromTag, to, c.callID, cseq, method)
	fmt.Fprintf(&b, "Contact: <sip:13900139000@%s>\r\nMax-Forwards: 70\r\n", local)
	if body != "" {
		b.WriteString("Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return []byte(b.String())
}

func (c *sipCaller) send(msg []byte) {
	if _, err := c.sip.WriteToUDP(msg, c.server); err != nil {
		c.t.Errorf("send: %v", err)
	}
}

func (c *sipCaller) close() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	c.sip.Close()
	c.rtp.Close()
}

package hotline

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// The hostile-SIP tests (torture, relay, flood) speak SIP through rawPeer:
// a plain UDP socket or TCP connection from a chosen loopback address, so
// every byte sent is the test's.

// hotlineDomain is the name the tests' hotline answers for besides its
// address (Config.Domains); the torture files use it.
const hotlineDomain = "hotline.govhall.test"

// callerSDP is the offer of the tests' calls: PCMU to the discard port.
const callerSDP = "v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"

// rawPeer is one socket speaking SIP to the hotline.
type rawPeer struct {
	t       testing.TB
	network string // "udp" or "tcp"
	conn    net.Conn
	udp     *net.UDPConn
	to      *net.UDPAddr
	msgs    chan sip.Message
	closed  chan struct{}                      // TCP: the server closed the connection
	bad     chan string                        // status lines of responses the parser cannot read
	onReq   atomic.Pointer[func(*sip.Request)] // serves requests from the server, when set
	cseq    int
}

// newRawPeer opens a socket from ip (127.0.0.x) to the hotline at addr.
func newRawPeer(t testing.TB, network, ip, addr string) *rawPeer {
	t.Helper()
	to, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &rawPeer{t: t, network: network, to: to, msgs: make(chan sip.Message, 1024), closed: make(chan struct{}),
		bad: make(chan string, 16)}
	local := net.ParseIP(ip)
	switch network {
	case "udp":
		p.udp, err = net.ListenUDP("udp", &net.UDPAddr{IP: local})
		p.conn = p.udp
	case "tcp":
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: local}, Timeout: 3 * time.Second}
		p.conn, err = d.Dial("tcp", addr)
	}
	if err != nil {
		t.Fatalf("%s socket from %s: %v", network, ip, err)
	}
	t.Cleanup(func() { p.conn.Close() })
	go p.read()
	return p
}

func (p *rawPeer) read() {
	defer close(p.closed)
	buf := make([]byte, 1<<16)
	stream := sip.NewParser().NewSIPStream()
	for {
		var n int
		var err error
		if p.udp != nil {
			n, _, err = p.udp.ReadFromUDP(buf)
		} else {
			n, err = p.conn.Read(buf)
		}
		if err != nil {
			return
		}
		if p.udp != nil {
			if m, err := sip.ParseMessage(buf[:n]); err == nil {
				p.deliver(m)
			} else {
				p.unreadable(buf[:n])
			}
			continue
		}
		if err := stream.ParseSIPStream(buf[:n], p.deliver); err != nil && !errors.Is(err, sip.ErrParseSipPartial) {
			p.unreadable(buf[:n])
			return
		}
	}
}

// unreadable keeps the status lines in b (responses copying a malformed
// header of their request cannot be parsed).
func (p *rawPeer) unreadable(b []byte) {
	for _, l := range strings.Split(string(b), "\r\n") {
		if strings.HasPrefix(l, "SIP/2.0 ") {
			select {
			case p.bad <- l:
			default:
			}
		}
	}
}

func (p *rawPeer) deliver(m sip.Message) {
	if f := p.onReq.Load(); f != nil {
		if req, ok := m.(*sip.Request); ok {
			(*f)(req)
			return
		}
	}
	select {
	case p.msgs <- m:
	default:
	}
}

// local is the socket's address, for Via and Contact.
func (p *rawPeer) local() string { return p.conn.LocalAddr().String() }

// transport is the Via transport of the peer.
func (p *rawPeer) transport() string { return strings.ToUpper(p.network) }

func (p *rawPeer) send(b []byte) {
	p.t.Helper()
	var err error
	if p.udp != nil {
		_, err = p.udp.WriteToUDP(b, p.to)
	} else {
		_, err = p.conn.Write(b)
	}
	if err != nil {
		p.t.Fatalf("send %q: %v", firstLine(b), err)
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\r\n")
	return s
}

// responses collects the final responses with Call-ID callID (any when
// "") until n have arrived or the time is up; provisional ones are
// skipped.
func (p *rawPeer) responses(callID string, n int, within time.Duration) []*sip.Response {
	return p.responsesTo("", callID, n, within)
}

// responsesTo is responses of requests of one method (any when "").
func (p *rawPeer) responsesTo(method, callID string, n int, within time.Duration) []*sip.Response {
	var got []*sip.Response
	deadline := time.After(within)
	for len(got) < n {
		select {
		case m := <-p.msgs:
			res, ok := m.(*sip.Response)
			if ok && !res.IsProvisional() && (callID == "" || callIDOf(res) == callID) &&
				(method == "" || res.CSeq() != nil && string(res.CSeq().MethodName) == method) {
				got = append(got, res)
			}
		case <-deadline:
			return got
		}
	}
	return got
}

// transact sends req (of Call-ID callID) and returns its final response,
// failing the test when none comes within 3 s of the last sending. Over
// UDP req is sent again after 0.5, 1 and 2 s while nothing at all came
// back, as a phone's transaction would (Timers A and E): a server's socket
// flooded by a test loses datagrams in the kernel.
func (p *rawPeer) transact(req []byte, callID, what string) *sip.Response {
	p.t.Helper()
	p.send(req)
	if p.network == "udp" {
		for _, w := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second} {
			if m := p.first(callID, w); m != nil {
				if res, ok := m.(*sip.Response); ok && !res.IsProvisional() {
					return res
				}
				break
			}
			p.send(req)
		}
	}
	return p.response(callID, what)
}

// first returns the first message of callID within d, or nil.
func (p *rawPeer) first(callID string, d time.Duration) sip.Message {
	deadline := time.After(d)
	for {
		select {
		case m := <-p.msgs:
			if callIDOf(m) == callID {
				return m
			}
		case <-deadline:
			return nil
		}
	}
}

// response returns the final response to callID, failing the test when
// none comes within 3 s (the server hangs).
func (p *rawPeer) response(callID, what string) *sip.Response {
	p.t.Helper()
	got := p.responses(callID, 1, 3*time.Second)
	if len(got) == 0 {
		p.t.Fatalf("%s over %s: no answer within 3 s", what, p.network)
	}
	return got[0]
}

func callIDOf(m sip.Message) string {
	if h := m.CallID(); h != nil {
		return h.Value()
	}
	return ""
}

func newCallID(what string) string { return fmt.Sprintf("%s-%08x@test", what, rand.Uint32()) }

func branch() string { return fmt.Sprintf("z9hG4bK%016x", rand.Uint64()) }

// request builds a request from this peer.
func (p *rawPeer) request(method, ruri, from, to, callID string, extra string, body string) []byte {
	p.cseq++
	return []byte(fmt.Sprintf("%s %s SIP/2.0\r\nVia: SIP/2.0/%s %s;rport;branch=%s\r\nMax-Forwards: 70\r\n"+
		"From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n%sContent-Length: %d\r\n\r\n%s",
		method, ruri, p.transport(), p.local(), branch(), from, to, callID, p.cseq, method, extra, len(body), body))
}

// options asks the hotline for its capabilities and returns the status;
// no answer within 3 s fails the test.
func (p *rawPeer) options() int {
	p.t.Helper()
	id := newCallID("probe")
	return p.transact(p.request("OPTIONS", "sip:96128@"+hotlineDomain, "<sip:probe@county.example>;tag=p1", "<sip:96128@"+hotlineDomain+">", id, "", ""), id, "OPTIONS").StatusCode
}

// invite sends an INVITE for ruri with our SDP (and extra headers) and
// returns its final response; a 200 is acknowledged and hung up, an error
// acknowledged.
func (p *rawPeer) invite(ruri, extra string) *sip.Response {
	p.t.Helper()
	id := newCallID("call")
	contact := fmt.Sprintf("Contact: <sip:13800138000@%s;transport=%s>\r\nContent-Type: application/sdp\r\n", p.local(), p.network)
	req := p.request("INVITE", ruri, "<sip:13800138000@county.example>;tag=c1", "<"+ruri+">", id, contact+extra, callerSDP)
	res := p.transact(req, id, "INVITE "+ruri)
	p.finish(res)
	return res
}

// finish completes the INVITE transaction of a final response: ACK, and
// after a 200 a BYE (whose answer is awaited).
func (p *rawPeer) finish(res *sip.Response) {
	p.t.Helper()
	if res.To() == nil || res.From() == nil || res.CallID() == nil {
		return // the answer to a request without them (RFC 4475 insuf): nothing to match an ACK
	}
	if res.StatusCode >= 300 { // the ACK of the INVITE's own transaction
		p.send([]byte(fmt.Sprintf("ACK %s SIP/2.0\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
			res.To().Address.String(), res.Via().Value(), res.From().Value(), res.To().Value(), callIDOf(res), res.CSeq().SeqNo)))
		return
	}
	d := callerDialog(res)
	p.send(p.inDialog(d, "ACK", ""))
	p.hangup(d)
}

// hangup sends a BYE in d and waits for its 200; over UDP the same BYE
// is sent again after 0.5, 1 and 2 s without an answer, as a phone's
// transaction would (Timer E): a test that floods the server's socket
// loses datagrams in the kernel.
func (p *rawPeer) hangup(d *dialog) {
	p.t.Helper()
	msg := p.inDialog(d, "BYE", "")
	waits := []time.Duration{3 * time.Second}
	if p.network == "udp" {
		waits = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 2 * time.Second}
	}
	var bye []*sip.Response
	for _, w := range waits {
		p.send(msg)
		if bye = p.responsesTo("BYE", d.callID, 1, w); len(bye) > 0 {
			break
		}
	}
	if len(bye) == 0 || bye[0].StatusCode != 200 {
		p.t.Fatalf("BYE of %s over %s: %v", d.callID, p.network, statuses(bye))
	}
}

// dialog is what a peer needs to send requests in a dialog.
type dialog struct {
	target, from, to, callID string
	cseq                     uint32
}

// callerDialog is the caller's side of the dialog a 200 to its INVITE made.
func callerDialog(res *sip.Response) *dialog {
	d := &dialog{target: res.To().Address.String(), from: res.From().Value(), to: res.To().Value(), callID: callIDOf(res), cseq: res.CSeq().SeqNo}
	if c := res.Contact(); c != nil {
		d.target = c.Address.String()
	}
	return d
}

// calleeDialog is the side of a phone that answered invite with tag.
func calleeDialog(invite *sip.Request, tag string) *dialog {
	return &dialog{target: invite.Contact().Address.String(), from: invite.To().Value() + ";tag=" + tag, to: invite.From().Value(),
		callID: callIDOf(invite)}
}

// inDialog builds a request in d (an ACK keeps the INVITE's CSeq).
func (p *rawPeer) inDialog(d *dialog, method, extra string) []byte {
	if method != "ACK" {
		d.cseq++
	}
	return []byte(fmt.Sprintf("%s %s SIP/2.0\r\nVia: SIP/2.0/%s %s;rport;branch=%s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\n%sContent-Length: 0\r\n\r\n",
		method, d.target, p.transport(), p.local(), branch(), d.from, d.to, d.callID, d.cseq, method, extra))
}

// call96128 places and hangs up a call to the hotline, failing the test
// unless it is answered within 3 s.
func (p *rawPeer) call96128() {
	p.t.Helper()
	if res := p.invite("sip:96128@"+hotlineDomain, ""); res.StatusCode != 200 {
		p.t.Fatalf("INVITE 96128 over %s: %d %s", p.network, res.StatusCode, res.Reason)
	}
}

// register sends a REGISTER of ext (with auth, a header line or "") and
// returns the final response.
func (p *rawPeer) register(ext, callID, auth string) *sip.Response {
	p.t.Helper()
	aor := fmt.Sprintf("<sip:%s@%s>", ext, hotlineDomain)
	extra := fmt.Sprintf("Contact: <sip:%s@%s;transport=%s>\r\nExpires: 300\r\n%s", ext, p.local(), p.network, auth)
	return p.transact(p.request("REGISTER", "sip:"+hotlineDomain, aor+";tag=r1", aor, callID, extra, ""), callID, "REGISTER "+ext)
}

// registerAs registers ext with its password (answering the challenge).
func (p *rawPeer) registerAs(ext, password string) {
	p.t.Helper()
	id := newCallID("reg")
	res := p.register(ext, id, "")
	if res.StatusCode != 401 {
		p.t.Fatalf("REGISTER %s: %d, want a challenge", ext, res.StatusCode)
	}
	if res = p.register(ext, id, authorization(p.t, res, "REGISTER", "sip:"+hotlineDomain, ext, password, 1)); res.StatusCode != 200 {
		p.t.Fatalf("REGISTER %s with credentials: %d %s", ext, res.StatusCode, res.Reason)
	}
}

// authorization answers the digest challenge of res.
func authorization(t testing.TB, res *sip.Response, method, uri, user, password string, nc int) string {
	t.Helper()
	h := res.GetHeader("WWW-Authenticate")
	if h == nil {
		t.Fatalf("%d without WWW-Authenticate", res.StatusCode)
	}
	chal, err := digest.ParseChallenge(h.Value())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: method, URI: uri, Username: user, Password: password, Count: nc})
	if err != nil {
		t.Fatal(err)
	}
	return "Authorization: " + cred.String() + "\r\n"
}

var cseqLine = regexp.MustCompile(`(?im)^(cseq\s*:\s*)(\d+)`)

// withAuth returns a REGISTER of the torture files again with an
// Authorization header, a new branch and the next CSeq.
func withAuth(msg []byte, auth string) []byte {
	s := string(msg)
	line, rest, _ := strings.Cut(s, "\r\n")
	rest = strings.Replace(rest, "branch=z9hG4bK", "branch=z9hG4bK2", 1)
	rest = cseqLine.ReplaceAllStringFunc(rest, func(m string) string {
		sub := cseqLine.FindStringSubmatch(m)
		n, _ := strconv.Atoi(sub[2])
		return sub[1] + strconv.Itoa(n+1)
	})
	return []byte(line + "\r\n" + auth + rest)
}

// statuses lists the codes of responses.
func statuses(rs []*sip.Response) []int {
	var out []int
	for _, r := range rs {
		out = append(out, r.StatusCode)
	}
	return out
}

// dial calls ruri and acknowledges the answer, leaving the call up; it
// fails the test unless the call is answered.
func (p *rawPeer) dial(ruri string) *dialog {
	p.t.Helper()
	id := newCallID("call")
	contact := fmt.Sprintf("Contact: <sip:13800138000@%s;transport=%s>\r\nContent-Type: application/sdp\r\n", p.local(), p.network)
	p.send(p.request("INVITE", ruri, "<sip:13800138000@county.example>;tag=c1", "<"+ruri+">", id, contact, callerSDP))
	res := p.response(id, "INVITE "+ruri)
	if res.StatusCode != 200 {
		p.t.Fatalf("INVITE %s over %s: %d %s", ruri, p.network, res.StatusCode, res.Reason)
	}
	d := callerDialog(res)
	p.send(p.inDialog(d, "ACK", ""))
	return d
}

// answerCalls makes the peer a phone that answers every INVITE with 200
// (telling invites about each new one) and every other request but ACK
// with 200, from the read loop; it returns the To tag of its answers.
func (p *rawPeer) answerCalls(invites chan<- *sip.Request) (tag string) {
	tag = fmt.Sprintf("ph%06x", rand.Uint32()>>8)
	serve := func(req *sip.Request) {
		if req.IsAck() {
			return
		}
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		if req.IsInvite() {
			if _, ok := req.To().Params.Get("tag"); !ok {
				res.To().Params.Add("tag", tag)
				select {
				case invites <- req:
				default:
				}
			}
			res.AppendHeader(sip.NewHeader("Contact", fmt.Sprintf("<sip:8001@%s;transport=%s>", p.local(), p.network)))
			res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
			res.SetBody([]byte(callerSDP))
		}
		if p.udp != nil {
			_, _ = p.udp.WriteToUDP([]byte(res.String()), p.to)
		} else {
			_, _ = p.conn.Write([]byte(res.String()))
		}
	}
	p.onReq.Store(&serve)
	return tag
}

package hotline

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// outside listens on UDP and TCP at an address that is not govhall's and
// keeps whatever arrives: an open relay would send its INVITEs there.
type outside struct {
	addr string
	mu   sync.Mutex
	got  []string
}

func listenOutside(t *testing.T, ip string) *outside {
	t.Helper()
	u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	o := &outside{addr: u.LocalAddr().String()}
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close(); l.Close() })
	go func() {
		buf := make([]byte, 1<<16)
		for {
			n, _, err := u.ReadFromUDP(buf)
			if err != nil {
				return
			}
			o.keep(buf[:n])
		}
	}()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 1<<16)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					o.keep(buf[:n])
				}
			}()
		}
	}()
	return o
}

func (o *outside) keep(b []byte) {
	o.mu.Lock()
	o.got = append(o.got, firstLine(b))
	o.mu.Unlock()
}

func (o *outside) received() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.got...)
}

// No open relay in any form: INVITEs for other numbers, other domains,
// with Route headers pointing elsewhere, for a registered staff phone from
// an unauthenticated source, a REFER outside a dialog, a REFER from the
// caller, and a registered operator's REFERs to outside numbers and
// domains are all refused, and nothing at all reaches an outside address
// (which is also the trunk of call-backs, and the address of the REFERs'
// targets).
func TestRelayRefused(t *testing.T) {
	t.Parallel()
	out := listenOutside(t, "127.0.0.7")
	trunk, err := ParseTrunk(Trunk{URI: "sip:" + out.addr})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, workingMorning, func(c *Config) { c.Domains, c.Trunk = []string{hotlineDomain}, trunk })
	op := newRawPeer(t, "udp", "127.0.0.1", e.addr)
	invites := make(chan *sip.Request, 8)
	tag := op.answerCalls(invites)
	op.registerAs("8001", "pw8001")
	e.waitRegistered("8001")
	liaison := newRawPeer(t, "udp", "127.0.0.1", e.addr)
	rung := make(chan *sip.Request, 8)
	liaison.answerCalls(rung)
	liaison.registerAs("8101", "pw8101")

	stranger := newRawPeer(t, "udp", "127.0.0.6", e.addr)
	route := func(r string) string { return "Route: " + r + "\r\n" }
	for _, c := range []struct {
		ruri, extra string
		want        int
	}{
		{"sip:13912345678@" + hotlineDomain, "", 404},
		{"sip:+8613800000000@" + hotlineDomain + ";user=phone", "", 404},
		{"sip:96128@evil.example", "", 404},
		{"sip:+8613800000000@evil.example", "", 404},
		{"sip:96128@" + out.addr, "", 404},
		{"sip:+8613800000000@" + out.addr, "", 404},
		{"sip:96128@" + hotlineDomain, route("<sip:" + out.addr + ";lr>"), 403},
		{"sip:96128@" + hotlineDomain, route("<sip:" + hotlineDomain + ";lr>, <sip:evil.example;lr>"), 403},
		{"sip:8001@" + hotlineDomain, "", 403},
		{"sip:%38%30%30%31@" + hotlineDomain, "", 403},
		{"sip:8001@" + e.addr, "", 403},
		{"sip:8101@" + hotlineDomain, "", 403},
		{"tel:+8613800000000", "", 416},
	} {
		if res := stranger.invite(c.ruri, c.extra); res.StatusCode != c.want {
			t.Errorf("INVITE %s %q: %d %s, want %d", c.ruri, strings.TrimSpace(c.extra), res.StatusCode, res.Reason, c.want)
		}
	}
	select {
	case inv := <-invites:
		t.Fatalf("the operator's phone was rung by a stranger's INVITE: %s", inv.StartLine())
	default:
	}
	id := newCallID("refer")
	stranger.send(stranger.request("REFER", "sip:96128@"+hotlineDomain, "<sip:13800138000@county.example>;tag=r1",
		"<sip:96128@"+hotlineDomain+">", id, "Refer-To: <sip:+8613800000000@"+out.addr+">\r\n", ""))
	if res := stranger.response(id, "REFER outside a dialog"); res.StatusCode != 403 {
		t.Errorf("REFER outside a dialog: %d, want 403", res.StatusCode)
	}

	// The caller transfers its own call: refused. It waits in the queue;
	// the operator's phone rings and answers, then asks govhall to
	// transfer the caller outside, in every form.
	caller := newRawPeer(t, "udp", "127.0.0.6", e.addr)
	call := caller.dial("sip:96128@" + hotlineDomain)
	caller.send(caller.inDialog(call, "REFER", "Refer-To: <sip:+8613800000000@"+out.addr+">\r\n"))
	if res := caller.responsesTo("REFER", call.callID, 1, 3*time.Second); len(res) != 1 || res[0].StatusCode != 403 {
		t.Errorf("the caller's REFER: %v, want 403", statuses(res))
	}
	var leg *sip.Request
	select {
	case leg = <-invites:
	case <-time.After(15 * time.Second):
		t.Fatal("the operator's phone never rang")
	}
	opLeg := calleeDialog(leg, tag)
	e.waitLegAnswered(1, 5*time.Second) // the leg takes REFERs from then on
	for _, to := range []string{
		"<sip:+8613800000000@" + out.addr + ">",
		"<sip:13912345678@evil.example>",
		"<sip:mzj@evil.example>",
		"<sip:mzj@" + out.addr + ">",
		"<tel:+8613800000000>",
		"<sip:13912345678@" + hotlineDomain + ">",
		fmt.Sprintf("<sip:+8613800000000@%s?Route=%%3Csip:%s;lr%%3E>", hotlineDomain, out.addr),
	} {
		op.send(op.inDialog(opLeg, "REFER", "Refer-To: "+to+"\r\nReferred-By: <sip:8001@"+hotlineDomain+">\r\n"))
		if res := op.responsesTo("REFER", opLeg.callID, 1, 3*time.Second); len(res) != 1 || res[0].StatusCode != 403 {
			t.Errorf("the operator's REFER to %s: %v, want 403", to, statuses(res))
		}
	}
	// The same leg may transfer to a department of ours: accepted, and the
	// liaison's phone rings (the REFERs above were refused for their target).
	op.send(op.inDialog(opLeg, "REFER", "Refer-To: <sip:mzj@"+hotlineDomain+">\r\n"))
	if res := op.responsesTo("REFER", opLeg.callID, 1, 3*time.Second); len(res) != 1 || res[0].StatusCode != 202 {
		t.Fatalf("the operator's REFER to mzj: %v, want 202", statuses(res))
	}
	select {
	case <-rung:
	case <-time.After(10 * time.Second):
		t.Fatal("the liaison's phone never rang after the transfer")
	}
	e.waitLegAnswered(2, 5*time.Second)
	caller.hangup(call)
	time.Sleep(500 * time.Millisecond) // anything sent on the way has arrived
	if got := out.received(); len(got) > 0 {
		t.Fatalf("govhall sent %d messages to an outside address (open relay): %q", len(got), got)
	}
}

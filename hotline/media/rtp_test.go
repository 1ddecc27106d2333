package media

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// phone is a raw UDP socket standing in for a peer's RTP stack.
type phone struct {
	t    *testing.T
	conn *net.UDPConn
	seq  uint16
}

func newPhone(t *testing.T) *phone {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &phone{t: t, conn: c}
}

func (p *phone) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (p *phone) send(to netip.AddrPort, pt uint8, ssrc, ts uint32, payload []byte) {
	p.seq++
	b := make([]byte, 12, 12+len(payload))
	b[0], b[1] = 0x80, pt
	binary.BigEndian.PutUint16(b[2:], p.seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	if _, err := p.conn.WriteToUDPAddrPort(append(b, payload...), to); err != nil {
		p.t.Fatal(err)
	}
}

func (p *phone) recv(timeout time.Duration) (Packet, bool) {
	buf := make([]byte, 1500)
	p.conn.SetReadDeadline(time.Now().Add(timeout))
	n, _, err := p.conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		return Packet{}, false
	}
	pkt, ok := ParseRTP(buf[:n])
	pkt.Payload = append([]byte(nil), pkt.Payload...)
	return pkt, ok
}

func testPorts(t *testing.T) *Ports {
	p, err := NewPorts(netip.MustParseAddr("127.0.0.1"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEndpointLatchesAndRestamps(t *testing.T) {
	ep, err := NewEndpoint(testPorts(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ph := newPhone(t)
	// The SDP advertises an address nobody listens on (as baresip does).
	ep.SetPeer(Description{Addr: netip.MustParseAddrPort("127.0.0.1:9"), Codec: PCMU, EventPT: 101, Direction: SendRecv})
	got := make(chan Packet, 10)
	go ep.Serve(func(p Packet) { got <- p })
	ph.send(ep.Local(), 0, 42, 1000, frame(100))
	select {
	case p := <-got:
		if p.SSRC != 42 || len(p.Payload) != 160 {
			t.Fatalf("received %+v", p)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no packet")
	}
	ep.WriteAudio(1, frame(1))
	ep.WriteAudio(1, frame(1))
	ep.WriteAudio(2, frame(1))
	time.Sleep(100 * time.Millisecond)
	ep.WriteAudio(2, frame(1))
	var ps []Packet
	for range 4 {
		p, ok := ph.recv(2 * time.Second)
		if !ok {
			t.Fatalf("latched endpoint sent %d of 4 packets to the phone", len(ps))
		}
		ps = append(ps, p)
	}
	markers := []bool{true, false, true, true}
	for i, p := range ps {
		if p.SSRC != ps[0].SSRC || p.Seq != ps[0].Seq+uint16(i) || p.Marker != markers[i] {
			t.Errorf("packet %d: ssrc %d seq %d marker %v", i, p.SSRC, p.Seq, p.Marker)
		}
	}
	if d := ps[2].TS - ps[1].TS; d != 160 {
		t.Errorf("timestamp step %d, want 160", d)
	}
	if d := ps[3].TS - ps[2].TS; d < 700 || d > 4000 {
		t.Errorf("timestamp after a 100 ms pause stepped %d, want ~800", d)
	}
	// A second source is ignored once latched.
	other := newPhone(t)
	other.send(ep.Local(), 0, 43, 1, frame(1))
	select {
	case p := <-got:
		t.Fatalf("packet from an unlatched source accepted: %+v", p)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestEndpointHoldStopsSending(t *testing.T) {
	ep, err := NewEndpoint(testPorts(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ph := newPhone(t)
	ep.SetPeer(Description{Addr: ph.addr(), Codec: PCMA, EventPT: -1, Direction: SendOnly})
	ep.WriteAudio(1, frame(1))
	if p, ok := ph.recv(200 * time.Millisecond); ok {
		t.Fatalf("sent %+v to a peer on hold", p)
	}
	ep.SetPeer(Description{Addr: ph.addr(), Codec: PCMA, EventPT: -1, Direction: SendRecv})
	ep.WriteAudio(1, frame(1))
	if _, ok := ph.recv(time.Second); !ok {
		t.Fatal("nothing sent after resume")
	}
}

func TestBridge(t *testing.T) {
	ports := testPorts(t)
	callerEP, _ := NewEndpoint(ports)
	peerEP, _ := NewEndpoint(ports)
	caller, op := newPhone(t), newPhone(t)
	callerEP.SetPeer(Description{Addr: caller.addr(), Codec: PCMA, EventPT: 96, Direction: SendRecv})
	peerEP.SetPeer(Description{Addr: op.addr(), Codec: PCMA, EventPT: 101, Direction: SendRecv})
	rec, err := NewRecorder(filepath.Join(t.TempDir(), "b.wav"), 2, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBridge(callerEP, rec)
	b.Start()
	b.Attach(peerEP)

	// A prompt reaches the caller.
	if err := b.Play(context.Background(), Tone("beep", 1000, time.Second, 0, 100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, ok := caller.recv(time.Second); !ok {
			t.Fatalf("prompt packet %d missing", i)
		}
	}
	// Connected: audio both ways, DTMF detected and relayed with the peer's PT.
	b.Connect(peerEP)
	for i := range 10 {
		caller.send(callerEP.Local(), 8, 7, uint32(160*i), frame(5000))
		op.send(peerEP.Local(), 8, 9, uint32(160*i), frame(2000))
		time.Sleep(20 * time.Millisecond)
	}
	for _, e := range [][]byte{ev(3, false, 160), ev(3, true, 800), ev(3, true, 800), ev(3, true, 800)} {
		caller.send(callerEP.Local(), 96, 7, 5000, e)
	}
	select {
	case d := <-b.Digits():
		if d.Key != '3' || d.Via != ViaRFC4733 {
			t.Fatalf("digit %+v", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no digit")
	}
	var audio, events int
	for {
		p, ok := op.recv(300 * time.Millisecond)
		if !ok {
			break
		}
		switch p.PT {
		case 8:
			audio++
		case 101:
			events++
		default:
			t.Errorf("operator got PT %d", p.PT)
		}
	}
	if audio != 10 || events != 4 {
		t.Errorf("operator got %d audio and %d event packets, want 10 and 4", audio, events)
	}
	st := b.Stats()
	if st.CallerIn != 10 || st.RelayIn != 10 || st.ToPeer != 10 || st.PeerIn != 10 || st.ToCaller != 10 || st.Lost() != 0 {
		t.Errorf("stats %+v", st)
	}
	callerEP.Close()
	peerEP.Close()
	b.Wait()
	info, err := rec.Close()
	if err != nil {
		t.Fatal(err)
	}
	w := readBack(t, info.Path)
	if energy(w.Channel(Left)) == 0 || energy(w.Channel(Right)) == 0 {
		t.Errorf("a channel is silent: left %d right %d", energy(w.Channel(Left)), energy(w.Channel(Right)))
	}
}

func FuzzParseRTP(f *testing.F) {
	f.Add([]byte{0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff})
	f.Add([]byte{0xB1, 0x80, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 0xbe, 0xde, 0, 1, 1, 2, 3, 4, 9, 9, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ok := ParseRTP(b)
		if ok && (len(p.Payload) > len(b)-12 || p.PT > 127) {
			t.Fatalf("payload of %d bytes from a %d-byte packet", len(p.Payload), len(b))
		}
	})
}

func TestPlayPacing(t *testing.T) {
	ep, err := NewEndpoint(testPorts(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ph := newPhone(t)
	ep.SetPeer(Description{Addr: ph.addr(), Codec: PCMU, EventPT: -1, Direction: SendRecv})
	start := time.Now()
	if err := Play(context.Background(), ep, 1, Tone("t", 440, time.Second, 0, time.Second), nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 950*time.Millisecond || d > 2*time.Second {
		t.Errorf("a 1 s prompt took %v to send", d)
	}
	var last Packet
	for i := range 50 {
		p, ok := ph.recv(time.Second)
		if !ok {
			t.Fatalf("packet %d missing", i)
		}
		if i > 0 && (p.TS-last.TS != 160 || p.Seq != last.Seq+1) {
			t.Fatalf("packet %d: ts step %d seq step %d", i, p.TS-last.TS, p.Seq-last.Seq)
		}
		last = p
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := Play(ctx, ep, 1, Tone("t", 440, time.Second, 0, time.Second), nil); err == nil {
		t.Error("an interrupted prompt reported success")
	}
}

// TestPlayManyAtOnce: prompts playing on many endpoints at once (one pacer
// sends them all) each get every frame at its pace, and a prompt that is
// interrupted sends and taps nothing after Play returns.
func TestPlayManyAtOnce(t *testing.T) {
	ports := testPorts(t)
	ph := newPhone(t)
	const n = 40
	var wg sync.WaitGroup
	taps := make([]atomic.Int32, n)
	took := make([]time.Duration, n)
	for i := range n {
		ep, err := NewEndpoint(ports)
		if err != nil {
			t.Fatal(err)
		}
		defer ep.Close()
		ep.SetPeer(Description{Addr: ph.addr(), Codec: PCMA, EventPT: -1, Direction: SendRecv})
		wg.Go(func() {
			time.Sleep(time.Duration(i) * time.Millisecond) // not all on one tick
			start := time.Now()
			if err := Play(context.Background(), ep, 1, Tone("t", 440, time.Second, 0, 500*time.Millisecond), func([]byte) { taps[i].Add(1) }); err != nil {
				t.Error(err)
			}
			took[i] = time.Since(start)
		})
	}
	wg.Wait()
	for i := range n {
		if got := taps[i].Load(); got != 25 || took[i] < 470*time.Millisecond || took[i] > 2*time.Second {
			t.Errorf("prompt %d: %d frames in %v, want 25 in 0.5 s", i, got, took[i])
		}
	}
	ep, err := NewEndpoint(ports)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ep.SetPeer(Description{Addr: ph.addr(), Codec: PCMA, EventPT: -1, Direction: SendRecv})
	var tapped atomic.Int32
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := Play(ctx, ep, 1, Tone("t", 440, time.Second, 0, time.Second), func([]byte) { tapped.Add(1) }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("interrupted prompt: %v", err)
	}
	at := tapped.Load()
	time.Sleep(100 * time.Millisecond)
	if got := tapped.Load(); got != at || at < 4 || at > 8 {
		t.Errorf("interrupted after 100 ms: %d frames tapped by then, %d later", at, got)
	}
	// Nothing plays any more: the shards' goroutines have returned (they
	// were left waiting forever, one set per Ports, before).
	deadline := time.Now().Add(2 * time.Second)
	for {
		running := 0
		for _, s := range ports.pacer().shards {
			s.mu.Lock()
			if s.running {
				running++
			}
			s.mu.Unlock()
		}
		if running == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d pacer shards still running with nothing to play", running)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := pacerGoroutines(); n != 0 {
		t.Errorf("%d pacer goroutines left with nothing to play", n)
	}
}

// pacerGoroutines counts the goroutines running a pacer shard.
func pacerGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "media.(*pacerShard).run(")
}

// A configured range must hold an even port (RTP) and the one after it
// (RTCP); the message names the range.
func TestPortsRange(t *testing.T) {
	ip := netip.MustParseAddr("127.0.0.1")
	for _, c := range []struct {
		min, max int
		ok       bool
	}{{40000, 40001, true}, {40001, 40003, true}, {40001, 40002, false}, {40000, 40000, false}, {80, 100, false}, {65534, 65536, false}, {0, 0, true}} {
		_, err := NewPorts(ip, c.min, c.max)
		if (err == nil) != c.ok {
			t.Errorf("NewPorts(%d, %d): %v, want ok %v", c.min, c.max, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("%d-%d", c.min, c.max)) {
			t.Errorf("NewPorts(%d, %d): %v does not name the range", c.min, c.max, err)
		}
	}
}

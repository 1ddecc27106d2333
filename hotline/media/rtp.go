package media

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Packet is one received RTP packet. Payload aliases the endpoint's read
// buffer: copy it to keep it beyond the handler call.
type Packet struct {
	PT      uint8
	Marker  bool
	Seq     uint16
	TS      uint32
	SSRC    uint32
	Payload []byte
}

// ParseRTP reads an RTP packet (RFC 3550), skipping CSRCs, the header
// extension and padding. It reports false for anything that is not RTP
// version 2 with a consistent length.
func ParseRTP(b []byte) (Packet, bool) {
	if len(b) < 12 || b[0]>>6 != 2 {
		return Packet{}, false
	}
	p := Packet{PT: b[1] & 0x7F, Marker: b[1]&0x80 != 0, Seq: binary.BigEndian.Uint16(b[2:]),
		TS: binary.BigEndian.Uint32(b[4:]), SSRC: binary.BigEndian.Uint32(b[8:])}
	off := 12 + 4*int(b[0]&0x0F)
	if b[0]&0x10 != 0 {
		if len(b) < off+4 {
			return Packet{}, false
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(b[off+2:]))
	}
	end := len(b)
	if b[0]&0x20 != 0 && end > 0 {
		end -= int(b[end-1])
	}
	if off > end {
		return Packet{}, false
	}
	p.Payload = b[off:end]
	return p, true
}

// Endpoint is our side of one RTP stream: a UDP socket that receives the
// peer's packets and sends ours. It latches onto the source of the first
// packet received (symmetric RTP), so peers behind NAT or advertising the
// wrong address are still reached. Outbound packets are re-stamped with the
// endpoint's own SSRC, sequence and timestamp whatever their source, with
// the marker bit set after a change of source or a pause.
type Endpoint struct {
	conn, rtcp *net.UDPConn
	local      netip.AddrPort
	lastRecv   atomic.Int64 // unix nanoseconds
	counters   *Counters
	pacer      *pacer // sends the prompts played here

	mu      sync.Mutex
	desc    Description // the peer's stream: address, codec, event PT, direction
	remote  netip.AddrPort
	latched bool
	out     outState
	buf     []byte
}

type outState struct {
	started  bool
	ssrc     uint32
	seq      uint16
	ts       uint32 // timestamp of the last audio packet
	lastLen  uint32
	lastAt   time.Time
	lastSrc  int
	evSrcTS  uint32 // source timestamp of the event being relayed
	evOutTS  uint32
	evActive bool
}

// NewEndpoint allocates the sockets of an endpoint from ports.
func NewEndpoint(ports *Ports) (*Endpoint, error) {
	conn, rtcp, err := ports.Allocate()
	if err != nil {
		return nil, err
	}
	_ = conn.SetReadBuffer(256 << 10)
	return &Endpoint{conn: conn, rtcp: rtcp, local: conn.LocalAddr().(*net.UDPAddr).AddrPort(), buf: make([]byte, 0, 1500),
		counters: &ports.counters, pacer: ports.pacer()}, nil
}

// Local returns the address our side receives RTP on.
func (e *Endpoint) Local() netip.AddrPort { return e.local }

// SetPeer records the peer's stream as its SDP describes it (the offer or
// answer, and every re-INVITE after). A changed address clears the latch, so
// the next packet may latch again.
func (e *Endpoint) SetPeer(d Description) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !d.Addr.Addr().IsUnspecified() && d.Addr != e.desc.Addr {
		e.remote, e.latched = d.Addr, false
	}
	e.desc = d
}

// Peer returns the peer's stream description.
func (e *Endpoint) Peer() Description {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.desc
}

// LastReceived returns when the last packet arrived (zero: none yet).
func (e *Endpoint) LastReceived() time.Time {
	n := e.lastRecv.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Serve reads packets and passes each to h until the endpoint is closed.
// Packets from a source other than the latched one are dropped.
func (e *Endpoint) Serve(h func(Packet)) error {
	buf := make([]byte, 1500)
	var seq seqTracker
	for {
		n, src, err := e.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			continue // ICMP errors surface on some systems; keep reading
		}
		p, ok := ParseRTP(buf[:n])
		if !ok || !e.accept(src) {
			continue
		}
		e.lastRecv.Store(time.Now().UnixNano())
		e.counters.received.Add(1)
		seq.track(p, e.counters)
		h(p)
	}
}

func (e *Endpoint) accept(src netip.AddrPort) bool {
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.latched {
		e.remote, e.latched = src, true
		return true
	}
	return e.remote == src
}

// WriteAudio sends a G.711 payload in the negotiated codec. src names where
// it comes from (a prompt, a relayed peer): a change of src sets the marker
// bit. Nothing is sent while the peer holds the call or before its address
// is known.
func (e *Endpoint) WriteAudio(src int, payload []byte) error {
	return e.writeAudio(src, payload, false)
}

// writeAudio is WriteAudio; paced audio (a prompt, whose frames follow
// each other whenever they are sent) keeps its timestamps contiguous
// across a late send, where a relayed source's pause moves them on.
func (e *Endpoint) writeAudio(src int, payload []byte, paced bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.sendable() {
		return nil
	}
	now := time.Now()
	o := &e.out
	marker := e.start() || src != o.lastSrc
	ts := o.ts + o.lastLen
	if gap := now.Sub(o.lastAt); gap > 60*time.Millisecond && (!paced || marker) {
		ts = o.ts + uint32(gap*SampleRate/time.Second)
		marker = true
	}
	o.ts, o.lastLen, o.lastAt, o.lastSrc = ts, uint32(len(payload)), now, src
	o.evActive = false
	return e.send(e.desc.Codec.PT, marker, ts, payload)
}

// WriteEvent relays an RFC 4733 payload with the peer's telephone-event
// payload type. Packets of one source event (same srcTS) keep one
// timestamp of ours. It sends nothing when the peer negotiated no events.
func (e *Endpoint) WriteEvent(srcTS uint32, payload []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.sendable() || e.desc.EventPT < 0 {
		return nil
	}
	o := &e.out
	e.start()
	marker := false
	if !o.evActive || o.evSrcTS != srcTS {
		o.evActive, o.evSrcTS, o.evOutTS = true, srcTS, o.ts+o.lastLen
		marker = true
	}
	return e.send(uint8(e.desc.EventPT), marker, o.evOutTS, payload)
}

func (e *Endpoint) sendable() bool {
	return e.remote.IsValid() && e.remote.Port() != 0 && !e.remote.Addr().IsUnspecified() &&
		e.desc.Direction != SendOnly && e.desc.Direction != Inactive
}

// start initialises the outbound stream; it reports whether it did.
func (e *Endpoint) start() bool {
	if e.out.started {
		return false
	}
	e.out = outState{started: true, ssrc: rand.Uint32(), seq: uint16(rand.Uint32()), ts: rand.Uint32(), lastAt: time.Now(), lastSrc: -1}
	return true
}

func (e *Endpoint) send(pt uint8, marker bool, ts uint32, payload []byte) error {
	o := &e.out
	o.seq++
	b := e.buf[:12]
	b[0] = 0x80
	b[1] = pt
	if marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], o.seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], o.ssrc)
	b = append(b, payload...)
	_, err := e.conn.WriteToUDPAddrPort(b, e.remote)
	return err
}

// Close releases the sockets; Serve returns.
func (e *Endpoint) Close() error {
	if e.rtcp != nil {
		e.rtcp.Close()
	}
	return e.conn.Close()
}

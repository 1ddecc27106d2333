package media

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// Ports hands out RTP sockets: an even port for RTP and the next one for
// RTCP, from a range, with a rotating cursor that skips ports that fail to
// bind. A zero range (Min == 0) binds ephemeral ports without RTCP, for
// tests. It is safe for concurrent use.
type Ports struct {
	ip       netip.Addr
	min, max int
	mu       sync.Mutex
	cursor   int
	counters Counters // of every endpoint allocated here

	pacerOnce sync.Once
	pacing    *pacer
}

// pacer returns the pacer of the endpoints drawn from p, started with the
// first of them.
func (p *Ports) pacer() *pacer {
	p.pacerOnce.Do(func() { p.pacing = newPacer() })
	return p.pacing
}

// NewPorts returns a pool on ip for ports min..max (both 0: ephemeral). It
// returns an error naming the range when it is unusable.
func NewPorts(ip netip.Addr, min, max int) (*Ports, error) {
	if !ip.IsValid() {
		return nil, fmt.Errorf("media: RTP address is not an IP address")
	}
	if min != 0 || max != 0 {
		// RTP on an even port, RTCP on the odd one after it.
		if min < 1024 || max > 65535 || max < min+min&1+1 {
			return nil, fmt.Errorf("media: RTP port range %d-%d must lie within 1024-65535 and hold an even port and the one after it", min, max)
		}
		min += min & 1
	}
	return &Ports{ip: ip, min: min, max: max, cursor: min}, nil
}

// IP returns the address the sockets are bound to.
func (p *Ports) IP() netip.Addr { return p.ip }

// Counters returns the media counters of the endpoints drawn from p.
func (p *Ports) Counters() *Counters { return &p.counters }

// Allocate binds an RTP socket and, for a configured range, its RTCP
// neighbour. It returns ErrPortsExhausted when no pair is free.
func (p *Ports) Allocate() (rtp, rtcp *net.UDPConn, err error) {
	if p.min == 0 {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, 0)))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrPortsExhausted, err)
		}
		return c, nil, nil
	}
	n := (p.max - p.min + 1) / 2
	for range n {
		port := p.next()
		a, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port))))
		if err != nil {
			continue
		}
		b, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port+1))))
		if err != nil {
			a.Close()
			continue
		}
		return a, b, nil
	}
	return nil, nil, ErrPortsExhausted
}

func (p *Ports) next() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	port := p.cursor
	p.cursor += 2
	if p.cursor+1 > p.max {
		p.cursor = p.min
	}
	return port
}

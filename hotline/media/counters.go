package media

import "sync/atomic"

// Counters add up the media of every endpoint drawn from one Ports: RTP
// packets received, lost and late, relayed between the parties of a
// call, and DTMF digits. They are sums over all call legs (a series per
// leg would grow with every call) and only ever grow. The packet path
// adds to them with single atomic additions, allocating nothing.
type Counters struct {
	received, lost, late  atomic.Uint64
	relayed, relayFailed  atomic.Uint64
	digitsRFC, digitsINFO atomic.Uint64
}

// CounterValues is a snapshot of Counters.
type CounterValues struct {
	Received    uint64 // RTP packets accepted from the latched source
	Lost        uint64 // sequence numbers skipped in what the phones sent
	Late        uint64 // packets older than one already received (reordered or duplicated)
	Relayed     uint64 // audio packets passed on to the other party
	RelayFailed uint64 // audio packets the relay could not pass on
	DigitsRFC   uint64 // DTMF digits received as RFC 4733 events
	DigitsINFO  uint64 // DTMF digits received by SIP INFO
}

// Values returns the current counts.
func (c *Counters) Values() CounterValues {
	return CounterValues{Received: c.received.Load(), Lost: c.lost.Load(), Late: c.late.Load(),
		Relayed: c.relayed.Load(), RelayFailed: c.relayFailed.Load(),
		DigitsRFC: c.digitsRFC.Load(), DigitsINFO: c.digitsINFO.Load()}
}

func (c *Counters) digit(via string) {
	if via == ViaINFO {
		c.digitsINFO.Add(1)
	} else {
		c.digitsRFC.Add(1)
	}
}

// resyncGap is the sequence jump taken for a restarted stream rather than
// for loss or reordering.
const resyncGap = 3000

// seqTracker follows the sequence numbers of one received stream; it
// belongs to the endpoint's reader alone.
type seqTracker struct {
	started bool
	ssrc    uint32
	max     uint16 // highest sequence number seen
}

// track counts the gap in front of p as lost, or p as late when a later
// packet came first. A new SSRC or a jump beyond resyncGap starts afresh.
func (t *seqTracker) track(p Packet, c *Counters) {
	d := int16(p.Seq - t.max)
	if !t.started || p.SSRC != t.ssrc || d > resyncGap || d < -resyncGap {
		t.started, t.ssrc, t.max = true, p.SSRC, p.Seq
		return
	}
	if d <= 0 {
		c.late.Add(1)
		return
	}
	if d > 1 {
		c.lost.Add(uint64(d - 1))
	}
	t.max = p.Seq
}

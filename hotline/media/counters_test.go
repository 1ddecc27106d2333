package media

import (
	"testing"
	"time"
)

func TestSeqTrackerCountsGapsAndLatePackets(t *testing.T) {
	tests := []struct {
		name       string
		seqs       []uint16
		ssrcs      []uint32 // per packet; nil: all 1
		lost, late uint64
	}{
		{"in order", []uint16{1, 2, 3, 4}, nil, 0, 0},
		{"two lost", []uint16{1, 2, 5, 6}, nil, 2, 0},
		{"reordered", []uint16{1, 3, 2, 4}, nil, 1, 1},
		{"duplicate", []uint16{1, 2, 2, 3}, nil, 0, 1},
		{"wraps around", []uint16{65534, 65535, 0, 1}, nil, 0, 0},
		{"gap across the wrap", []uint16{65535, 2}, nil, 2, 0},
		{"new source starts afresh", []uint16{1, 2, 900, 901}, []uint32{1, 1, 2, 2}, 0, 0},
		{"restart of the stream is no loss", []uint16{1, 2, 40000, 40001}, nil, 0, 0},
	}
	for _, tt := range tests {
		var c Counters
		var tr seqTracker
		for i, s := range tt.seqs {
			ssrc := uint32(1)
			if tt.ssrcs != nil {
				ssrc = tt.ssrcs[i]
			}
			tr.track(Packet{Seq: s, SSRC: ssrc}, &c)
		}
		if got := c.Values(); got.Lost != tt.lost || got.Late != tt.late {
			t.Errorf("%s: lost %d late %d, want %d %d", tt.name, got.Lost, got.Late, tt.lost, tt.late)
		}
	}
}

// TestEndpointCountsReceivedLostAndLate: packets from a phone on loopback
// show up in the counters of the endpoint's Ports.
func TestEndpointCountsReceivedLostAndLate(t *testing.T) {
	ports := testPorts(t)
	ep, err := NewEndpoint(ports)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ph := newPhone(t)
	got := make(chan Packet, 10)
	go ep.Serve(func(p Packet) { got <- p })
	// Sequence 1, 2, then 5 (3 and 4 lost), then 4 arriving late.
	for _, seq := range []uint16{1, 2, 5, 4} {
		ph.seq = seq - 1
		ph.send(ep.Local(), 0, 7, uint32(seq)*160, frame(1))
		select {
		case <-got:
		case <-time.After(2 * time.Second):
			t.Fatalf("packet %d not received", seq)
		}
	}
	v := ports.Counters().Values()
	if v.Received != 4 || v.Lost != 2 || v.Late != 1 {
		t.Fatalf("counters %+v, want 4 received, 2 lost, 1 late", v)
	}
}

// TestCountingAllocatesNothing: what the packet path adds per packet
// allocates nothing.
func TestCountingAllocatesNothing(t *testing.T) {
	var c Counters
	var tr seqTracker
	seq := uint16(0)
	allocs := testing.AllocsPerRun(1000, func() {
		seq += 2 // one lost each time
		c.received.Add(1)
		tr.track(Packet{Seq: seq, SSRC: 9}, &c)
		c.relayed.Add(1)
		c.digit(ViaRFC4733)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per packet", allocs)
	}
}

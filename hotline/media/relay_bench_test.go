package media

import (
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkRelayPacket is the cost of one caller packet on a connected,
// recorded call: the recording of it, and its relay to the party (a UDP
// send to a socket that nobody reads, on loopback). The relay path should
// not allocate (allocs/op 0).
func BenchmarkRelayPacket(b *testing.B) {
	ports, err := NewPorts(netip.MustParseAddr("127.0.0.1"), 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	_ = sink.SetReadBuffer(64 << 10)
	to := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	caller, err := NewEndpoint(ports)
	if err != nil {
		b.Fatal(err)
	}
	defer caller.Close()
	peer, err := NewEndpoint(ports)
	if err != nil {
		b.Fatal(err)
	}
	defer peer.Close()
	for _, ep := range []*Endpoint{caller, peer} {
		ep.SetPeer(Description{Addr: to, Codec: PCMA, EventPT: 101, Direction: SendRecv})
	}
	rec, err := NewRecorder(filepath.Join(b.TempDir(), "relay.wav"), 2, time.Time{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	br := NewBridge(caller, rec)
	br.Connect(peer)
	p := Packet{PT: PCMA.PT, SSRC: 7, Payload: frame(8000)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.Seq, p.TS = uint16(i), uint32(i*FrameSamples)
		br.fromCaller(p)
	}
	b.StopTimer()
	if _, err := rec.Close(); err != nil {
		b.Fatal(err)
	}
	if st := br.Stats(); st.ToPeer != uint64(b.N) {
		b.Fatalf("relayed %d of %d", st.ToPeer, b.N)
	}
}

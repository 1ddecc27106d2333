package sipua

import (
	"os"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// BenchmarkReadable is what checking a datagram before sipgo parses it
// costs a valid INVITE with SDP (RFC 4475 esc01, 547 bytes) (the second parse of every UDP message).
func BenchmarkReadable(b *testing.B) {
	msg, err := os.ReadFile("../testdata/torture/esc01.sip")
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{parser: sip.NewParser()}
	b.ReportAllocs()
	for b.Loop() {
		if !s.readable(msg, nil) {
			b.Fatal("unreadable")
		}
	}
}

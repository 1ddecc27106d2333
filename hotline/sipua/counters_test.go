package sipua

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// count returns the count of one kind of message, 0 when there is none.
func count(s *Server, dir, method string, code int) uint64 {
	for _, m := range s.Messages() {
		if m.Direction == dir && m.Method == method && m.Code == code {
			return m.N
		}
	}
	return 0
}

// TestMessageCounts: requests received are counted by method (a made-up
// one as OTHER), responses sent by method and code, and what the flood
// throttle drops apart; Listening follows Start and Stop.
func TestMessageCounts(t *testing.T) {
	s := startServer(t, Config{}, nil)
	if !s.Listening() {
		t.Fatal("not listening after Start")
	}
	p := newRawPhone(t, s)
	p.register("8001", "", "60")
	p.register("8001", "", "60")
	res := p.exchange("FOO sip:" + p.to.String() + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + fmt.Sprint(p.port()) +
		";branch=z9hG4bKfoo\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:y@y>\r\nCall-ID: foo\r\nCSeq: 1 FOO\r\nContent-Length: 0\r\n\r\n")
	if res.StatusCode != 405 {
		t.Fatalf("FOO: %d", res.StatusCode)
	}
	tests := []struct {
		dir, method string
		code        int
		want        uint64
	}{
		{Received, "REGISTER", 0, 2},
		{Sent, "REGISTER", 401, 2},
		{Received, "OTHER", 0, 1},
		{Sent, "OTHER", 405, 1},
		{Received, "INVITE", 0, 0},
	}
	for _, tt := range tests {
		if got := count(s, tt.dir, tt.method, tt.code); got != tt.want {
			t.Errorf("%s %s %d: %d, want %d (all: %+v)", tt.dir, tt.method, tt.code, got, tt.want, s.Messages())
		}
	}
	if s.Dropped() != 0 {
		t.Errorf("dropped %d without a flood", s.Dropped())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Listening() {
		t.Error("listening after Stop")
	}
}

func TestFloodDropsAreCounted(t *testing.T) {
	s := startServer(t, Config{FloodRate: 1, FloodBurst: 2}, nil)
	p := newRawPhone(t, s)
	p.register("8001", "", "60")
	p.register("8001", "", "60")
	p.conn.WriteToUDP([]byte("OPTIONS sip:x SIP/2.0\r\n\r\n"), p.to)
	deadline := time.Now().Add(3 * time.Second)
	for s.Dropped() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.Dropped() != 1 {
		t.Fatalf("dropped %d, want the third message", s.Dropped())
	}
}

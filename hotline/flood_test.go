package hotline

import (
	"fmt"
	"testing"
	"time"
)

// A burst of 500 REGISTERs from one source is throttled (the flood rate
// configured as GOVHALL_SIP_RATE=20:100 would), while another source
// registers, two more call 96128 during the flood and are answered, and
// the flooding source is served again once it slows down.
func TestFloodPerSource(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nationalDay, func(c *Config) {
		c.Domains, c.FloodRate, c.FloodBurst = []string{hotlineDomain}, 20, 100
	})
	flooder := newRawPeer(t, "udp", "127.0.0.3", e.addr)
	burst := func(n int) {
		for i := range n {
			_, _ = flooder.udp.WriteToUDP(flooder.request("REGISTER", "sip:"+hotlineDomain, "<sip:8001@"+hotlineDomain+">;tag=f",
				"<sip:8001@"+hotlineDomain+">", fmt.Sprintf("flood-%d@test", i), "Contact: <sip:8001@127.0.0.3:9>\r\n", ""), flooder.to)
		}
	}
	burst(500)
	answered := len(flooder.responses("", 500, 2*time.Second))
	if answered >= 500 || answered < 100 {
		t.Errorf("500 REGISTERs in a burst: %d answered, want the burst of 100 and what 20/s adds", answered)
	}
	if d := e.h.SIP().Dropped(); d == 0 {
		t.Error("no message counted as dropped by the flood throttle")
	}
	t.Logf("500 REGISTERs in a burst: %d answered, %d dropped", answered, e.h.SIP().Dropped())

	stop := make(chan struct{})
	flooding := make(chan struct{})
	go func() {
		defer close(flooding)
		for {
			select {
			case <-stop:
				return
			default:
				burst(20)
			}
		}
	}()
	newRawPeer(t, "udp", "127.0.0.2", e.addr).registerAs("8002", "pw8002")
	newRawPeer(t, "udp", "127.0.0.4", e.addr).call96128()
	newRawPeer(t, "tcp", "127.0.0.5", e.addr).call96128()
	close(stop)
	<-flooding
	if !e.h.SIP().Registrar().Registered("8002") {
		t.Fatal("8002 is not registered")
	}

	time.Sleep(time.Second) // 20 tokens come back
	if code := flooder.options(); code != 200 {
		t.Errorf("the flooder, slowed down: OPTIONS %d", code)
	}
}

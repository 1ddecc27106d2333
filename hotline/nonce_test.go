package hotline

import (
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func stale(res *sip.Response) bool {
	h := res.GetHeader("WWW-Authenticate")
	return h != nil && strings.Contains(strings.ToLower(h.Value()), "stale=true")
}

// A phone's REGISTER against the accounts in PostgreSQL: a replayed nonce
// count is refused (a fresh challenge with stale=true, nothing bound), the
// next count accepted; a nonce the hotline never signed, with the right
// password, gets stale=true; a wrong password gets a plain challenge.
func TestNonceReplayRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nationalDay, func(c *Config) { c.Domains = []string{hotlineDomain} })
	p := newRawPeer(t, "udp", "127.0.0.8", e.addr)
	uri := "sip:" + hotlineDomain
	id := newCallID("reg")
	chal := p.register("8002", id, "")
	first := authorization(t, chal, "REGISTER", uri, "8002", "pw8002", 1)
	if res := p.register("8002", id, first); res.StatusCode != 200 {
		t.Fatalf("nc=1: %d %s", res.StatusCode, res.Reason)
	}
	e.h.SIP().Registrar().Drop("8002")
	if res := p.register("8002", id, first); res.StatusCode != 401 || !stale(res) {
		t.Errorf("nc=1 replayed: %d stale=%v, want 401 with stale=true", res.StatusCode, stale(res))
	}
	if e.h.SIP().Registrar().Registered("8002") {
		t.Fatal("a replayed REGISTER bound the phone")
	}
	if res := p.register("8002", id, authorization(t, chal, "REGISTER", uri, "8002", "pw8002", 2)); res.StatusCode != 200 {
		t.Errorf("nc=2: %d", res.StatusCode)
	}
	foreign := sip.NewResponse(401, "Unauthorized")
	foreign.AppendHeader(sip.NewHeader("WWW-Authenticate", `Digest realm="govhall", nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", algorithm=MD5, qop="auth"`))
	if res := p.register("8002", id, authorization(t, foreign, "REGISTER", uri, "8002", "pw8002", 1)); res.StatusCode != 401 || !stale(res) {
		t.Errorf("a nonce never issued: %d stale=%v, want 401 with stale=true", res.StatusCode, stale(res))
	}
	if res := p.register("8002", id, authorization(t, chal, "REGISTER", uri, "8002", "wrong", 3)); res.StatusCode != 401 || stale(res) {
		t.Errorf("a wrong password: %d stale=%v, want 401 without stale", res.StatusCode, stale(res))
	}
}

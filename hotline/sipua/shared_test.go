package sipua

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// startNode starts a server at ip (any free port) sharing store, behind
// the given edges.
func startNode(t *testing.T, ip, node string, store *Store, edges ...string) *Server {
	t.Helper()
	s, err := New(Config{Addr: ip + ":0", Log: testLog(t)}, fakeCreds{"8001": "secret", "8101": "pw2"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Share(context.Background(), Shared{Store: store, NodeID: node, Edges: edges}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(func(ctx context.Context, c *Inbound) { _ = c.Reject(486, "Busy Here") }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Stop(ctx)
	})
	return s
}

// phoneAt is a raw phone on its own loopback address, sending REGISTERs
// with extra header lines.
func phoneAt(t *testing.T, ip string, s *Server) *rawPhone {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawPhone{t: t, conn: c, to: net.UDPAddrFromAddrPort(s.Addr()), call: fmt.Sprintf("c%d@test", rand.Uint32())}
}

func (p *rawPhone) registerWith(user, extra string) *sip.Response {
	p.cseq++
	a := p.conn.LocalAddr().(*net.UDPAddr)
	msg := fmt.Sprintf("REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%d;rport\r\n"+
		"From: <sip:%s@govhall>;tag=abc\r\nTo: <sip:%s@govhall>\r\nCall-ID: %s\r\nCSeq: %d REGISTER\r\n"+
		"Contact: <sip:%s@%s>\r\nMax-Forwards: 70\r\n%sExpires: 60\r\nContent-Length: 0\r\n\r\n",
		p.to, a, rand.Uint32(), user, user, p.call, p.cseq, user, a, extra)
	return p.exchange(msg)
}

// registerAuth answers the challenge and registers with extra headers.
func (p *rawPhone) registerAuth(user, pw, extra string) *sip.Response {
	chal := p.registerWith(user, extra)
	if chal.StatusCode != 401 {
		p.t.Fatalf("first REGISTER: %d %s", chal.StatusCode, chal.Reason)
	}
	return p.registerWith(user, extra+authHeader(p.t, chal, user, pw, 1))
}

// A REGISTER taken by one node is in PostgreSQL: another node that never
// saw it finds the binding (read-through), a nonce count used at one node
// is a replay at the other, the key signing nonces was created once in
// the database, and a drop at the second node removes the binding from the database and,
// once its cached copy is older than cacheTTL, from the first node's view.
func TestSharedBindings(t *testing.T) {
	store := NewStore(pgtest.New(t))
	a := startNode(t, "127.0.0.2", "node-a", store)
	b := startNode(t, "127.0.0.3", "node-b", store)
	p := phoneAt(t, "127.0.0.21", a)
	chal := p.registerWith("8001", "")
	auth := authHeader(t, chal, "8001", "secret", 1)
	if res := p.registerWith("8001", auth); res.StatusCode != 200 {
		t.Fatalf("REGISTER at a: %d %s", res.StatusCode, res.Reason)
	}
	bs := b.Registrar().Bindings("8001")
	if len(bs) != 1 || bs[0].NodeID != "node-a" || !strings.HasPrefix(bs[0].Source, "127.0.0.21:") || len(bs[0].Path) != 0 {
		t.Fatalf("b's bindings of 8001: %+v", bs)
	}
	if tg := TargetOf(bs[0]); tg.Destination != bs[0].Source || len(tg.Route) != 0 {
		t.Errorf("target without path: %+v", tg)
	}
	q := phoneAt(t, "127.0.0.21", b)
	if res := q.registerWith("8001", auth); res.StatusCode != 401 {
		t.Fatalf("a's nonce count replayed at b: %d, want 401", res.StatusCode)
	}
	if res := q.registerWith("8001", strings.Replace(auth, "nc=00000001", "nc=00000002", 1)); res.StatusCode == 200 {
		t.Fatal("a changed nonce count without a new digest was accepted")
	}
	var n int
	if err := store.db.Get(&n, `SELECT count(*) FROM sip_secrets WHERE name = 'sip_digest_nonce'`); err != nil || n != 1 {
		t.Fatalf("nonce key rows: %d %v", n, err)
	}
	b.Registrar().Drop("8001")
	if b.Registrar().Registered("8001") || len(mustBindings(t, store, "8001")) != 0 {
		t.Fatal("dropped at b, still registered there or in the database")
	}
	// a read the binding before b dropped it; its copy is read again in
	// the background once older than cacheTTL.
	if !a.Registrar().Registered("8001") {
		t.Log("a's copy was already refreshed")
	}
	for deadline := time.Now().Add(3*cacheTTL + time.Second); a.Registrar().Registered("8001"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a still sees the binding b dropped")
		}
	}
}

func mustBindings(t *testing.T, st *Store, user string) []Binding {
	t.Helper()
	bs, err := st.Bindings(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

// Path (RFC 3327): from an edge it is stored, echoed when the phone said
// Supported: path, and becomes the Route of a request to the phone; from
// anyone else, or naming anything but an edge, the REGISTER is refused
// with 403 and nothing is stored.
func TestPathOnlyFromEdge(t *testing.T) {
	store := NewStore(pgtest.New(t))
	a := startNode(t, "127.0.0.2", "node-a", store, "127.0.0.31")
	edge := phoneAt(t, "127.0.0.31", a)
	path := "<sip:edge@127.0.0.31;lr;received=sip:127.0.0.21:5062>"
	res := edge.registerAuth("8001", "secret", "Path: "+path+"\r\nSupported: path\r\n")
	if res.StatusCode != 200 {
		t.Fatalf("REGISTER from the edge: %d %s", res.StatusCode, res.Reason)
	}
	if h := res.GetHeader("Path"); h == nil || h.Value() != path {
		t.Errorf("200 echoes Path %v, want %s", h, path)
	}
	bs := mustBindings(t, store, "8001")
	if len(bs) != 1 || len(bs[0].Path) != 1 || bs[0].Path[0] != path {
		t.Fatalf("stored %+v", bs)
	}
	tg := TargetOf(bs[0])
	if tg.Destination != "" || len(tg.Route) != 1 {
		t.Fatalf("target %+v", tg)
	}
	req := a.inviteRequest(DialRequest{Target: tg, FromUser: "96128"}, a.udp)
	if d := req.Destination(); d != "127.0.0.31:5060" {
		t.Errorf("INVITE goes to %s, want the edge 127.0.0.31:5060", d)
	}
	// Without Supported: path, accepted but not echoed.
	if res := edge.registerAuth("8001", "secret", "Path: "+path+"\r\n"); res.StatusCode != 200 || res.GetHeader("Path") != nil {
		t.Errorf("Path without Supported: %d, Path echoed %v", res.StatusCode, res.GetHeader("Path"))
	}
	for name, c := range map[string]struct{ ip, path string }{
		"forged, straight to the node": {"127.0.0.22", path},
		"edge naming another host":     {"127.0.0.31", "<sip:edge@127.0.0.31;lr>, <sip:evil@127.0.0.99;lr>"},
		"edge naming itself on a name": {"127.0.0.31", "<sip:edge.example;lr>"},
	} {
		res := phoneAt(t, c.ip, a).registerAuth("8101", "pw2", "Path: "+c.path+"\r\n")
		if res.StatusCode != 403 {
			t.Errorf("%s: %d %s, want 403", name, res.StatusCode, res.Reason)
		}
	}
	if bs := mustBindings(t, store, "8101"); len(bs) != 0 {
		t.Errorf("refused REGISTERs stored %+v", bs)
	}
}

// Prune deletes the bindings and nonce counts that have expired, and
// nothing else; an expired binding is never returned meanwhile.
func TestStorePrune(t *testing.T) {
	st := NewStore(pgtest.New(t))
	ctx := context.Background()
	var live, gone sip.Uri
	if err := sip.ParseUri("sip:8001@127.0.0.21:5062", &live); err != nil {
		t.Fatal(err)
	}
	if err := sip.ParseUri("sip:8001@127.0.0.22:5062", &gone); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	bs, err := st.ApplyBindings(ctx, "8001", []Binding{
		{Contact: live, Source: "127.0.0.21:5062", Transport: "UDP", Expires: now.Add(time.Hour), CallID: "c1", CSeq: 2, NodeID: "a"},
		{Contact: gone, Source: "127.0.0.22:5062", Transport: "UDP", Expires: now.Add(-time.Second), CallID: "c2", CSeq: 2, NodeID: "a"},
	}, nil, false)
	if err != nil || len(bs) != 1 || bs[0].Contact.Host != "127.0.0.21" {
		t.Fatalf("live bindings %+v %v", bs, err)
	}
	for _, c := range []struct {
		nonce string
		exp   time.Time
	}{{"old", now.Add(-time.Second)}, {"new", now.Add(time.Minute)}} {
		if ok, err := st.UseNonce(ctx, c.nonce, 1, c.exp); !ok || err != nil {
			t.Fatalf("nonce %s: %v %v", c.nonce, ok, err)
		}
	}
	if n, err := st.Prune(ctx); n != 1 || err != nil {
		t.Fatalf("pruned %d bindings, %v; want 1", n, err)
	}
	var rows, nonces int
	if err := st.db.Get(&rows, `SELECT count(*) FROM sip_bindings`); err != nil || rows != 1 {
		t.Errorf("bindings left %d %v", rows, err)
	}
	if err := st.db.Get(&nonces, `SELECT count(*) FROM sip_nonce_counts WHERE nonce = 'new'`); err != nil || nonces != 1 {
		t.Errorf("live nonce count left %d %v", nonces, err)
	}
	if ok, _ := st.UseNonce(ctx, "new", 1, now.Add(time.Minute)); ok {
		t.Error("nonce count 1 of a kept nonce accepted twice")
	}
}

// FuzzPath: whatever Path headers a REGISTER from the edge carries,
// pathOf does not panic, and every entry it accepts is a <sip:URI> naming
// the edge.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"<sip:edge@127.0.0.31;lr;received=sip:127.0.0.21:5062>",
		"<sip:edge@127.0.0.31;lr>, <sip:evil@127.0.0.99;lr>", `"a,b" <sip:127.0.0.31:5060;lr>`, "<sip:[::1];lr>", "<<>>,,", "sip:127.0.0.31"} {
		f.Add(s)
	}
	es := edges{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.31"), 0)}
	f.Fuzz(func(t *testing.T, path string) {
		if strings.ContainsAny(path, "\r\n") {
			return
		}
		req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: "127.0.0.2"})
		req.SetSource("127.0.0.31:5060")
		req.AppendHeader(sip.NewHeader("Path", path))
		got, err := es.pathOf(req)
		if err != nil {
			return
		}
		for _, v := range got {
			var u sip.Uri
			params := sip.NewParams()
			if _, err := sip.ParseAddressValue(v, &u, &params); err != nil || !es.uri(u) || !strings.HasPrefix(v, "<") {
				t.Fatalf("Path %q: accepted entry %q (%v)", path, v, err)
			}
		}
	})
}

// A REGISTER the database cannot serve (here: its pool closed, as when
// PostgreSQL is unreachable) gets 503 with Retry-After, which a phone and
// the edge proxy retry, never 500, which they take as a refusal.
func TestRegisterWithoutDatabase(t *testing.T) {
	db := pgtest.New(t)
	store := NewStore(db)
	a := startNode(t, "127.0.0.2", "node-a", store)
	p := phoneAt(t, "127.0.0.21", a)
	chal := p.registerWith("8001", "")
	if chal.StatusCode != 401 {
		t.Fatalf("first REGISTER: %d %s", chal.StatusCode, chal.Reason)
	}
	db.Close()
	res := p.registerWith("8001", authHeader(t, chal, "8001", "secret", 1))
	if res.StatusCode != 503 || res.GetHeader("Retry-After") == nil {
		t.Fatalf("REGISTER without database: %d %s, Retry-After %v; want 503 with Retry-After", res.StatusCode, res.Reason, res.GetHeader("Retry-After"))
	}
}

package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/cluster"
	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/peers"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/staff"
)

// syncBuffer is a log sink several goroutines write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fwdNode is one govhall node of a forwarding test: its registry entry,
// hotline and HTTP server, on its own loopback address (127.0.0.2, .3…),
// so that the test's client (127.0.0.1) is no node.
type fwdNode struct {
	id, base string
	h        *hotline.Hotline
	log      *syncBuffer
}

// startFwdNode starts node id with HTTP on host; started says whether its
// hotline listens for SIP (with short prompts) or only serves the API.
func startFwdNode(t *testing.T, f *fixture, id, host string, started bool, deps func(*server.Deps)) *fwdNode {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	n, err := cluster.Start(ctx, f.db, cluster.Config{ID: id, HTTPAddr: ln.Addr().String(), Heartbeat: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(context.Background()) })
	h := nodeHotline(t, f, n, started)
	node := &fwdNode{id: id, base: "http://" + ln.Addr().String(), h: h, log: &syncBuffer{}}
	d := server.Deps{Log: slog.New(slog.NewJSONHandler(node.log, nil)), DB: f.db, Staff: f.staff, Catalog: f.catalog,
		Calls: h, PublicBaseURL: node.base, Node: server.NodeInfo{ID: id, HTTPAddr: ln.Addr().String()}}
	if deps != nil {
		deps(&d)
	}
	srv := server.New(d)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return node
}

// nodeHotline is the hotline of node n; started: listening for SIP, with
// short prompts, until the test ends.
func nodeHotline(t *testing.T, f *fixture, n *cluster.Node, started bool) *hotline.Hotline {
	t.Helper()
	cfg := hotline.Config{SIPAddr: "127.0.0.1:0", DataDir: t.TempDir(), Node: n, RingTimeout: 10 * time.Second,
		WrapUp: time.Second, SurveyWait: 2 * time.Second, Log: slog.New(slog.DiscardHandler)}
	if started {
		cfg.PromptsDir = shortPrompts(t)
	}
	h, err := hotline.New(cfg, f.db, alwaysOpen{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !started {
		return h
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.Stop(ctx)
	})
	return h
}

func shortPrompts(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range hotline.PromptNames() {
		if err := media.Synthesize(context.Background(), "请", filepath.Join(dir, name+".wav")); err != nil {
			t.Fatalf("prompts (espeak-ng and sox are required): %v", err)
		}
	}
	return dir
}

// fwdReq is a request of the test's client.
type fwdReq struct {
	token, cookie, key string
	header             map[string]string
}

// post sends POST path to node and returns the status, body and headers.
func (n *fwdNode) post(t *testing.T, path, body string, r fwdReq) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest("POST", n.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "govhall_session", Value: r.cookie})
		sum := sha256.Sum256([]byte("govhall-csrf\x00" + r.cookie))
		req.Header.Set("X-CSRF-Token", base64.RawURLEncoding.EncodeToString(sum[:18]))
	}
	if r.key != "" {
		req.Header.Set("Idempotency-Key", r.key)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s%s: %v", n.base, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// accessIPs are the client addresses of node's access log lines for path
// with status, in order.
func (n *fwdNode) accessIPs(path string, status int) []string {
	var ips []string
	for _, line := range strings.Split(n.log.String(), "\n") {
		var e struct {
			Msg, Path, IP string
			Status        int
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "http" && e.Path == path && e.Status == status {
			ips = append(ips, e.IP)
		}
	}
	return ips
}

// loopbackTrusted trusts the test's client as a reverse proxy, as a node
// trusts HAProxy.
func loopbackTrusted(d *server.Deps) {
	d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
}

// An operator on a call node A took is served by node B (as HAProxy may
// send her there): hold, resume and hangup sent to B are applied on A,
// with A's answers; A logs the operator's own address, not B's; a retry
// of the same Idempotency-Key on B is replayed; the marker header from
// an address that is not the node's it names is ignored.
func TestForwardCallCommands(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := calls.NewStore(f.db).SaveSIPAccount(ctx, calls.NewSIPAccount{Extension: "8001", Realm: "govhall",
		Password: "pw8001", Username: "operator1", Kind: calls.KindOperator}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.staff.Create(ctx, staff.NewAccount{Username: "operator2", Password: password, Roles: []string{staff.RoleOperator}}); err != nil {
		t.Fatal(err)
	}
	a := startFwdNode(t, f, "a", "127.0.0.2", true, nil)
	b := startFwdNode(t, f, "b", "127.0.0.3", true, loopbackTrusted)
	tok, other := f.login("operator1"), f.login("operator2")
	sipA := a.h.SIP().Addr().String()
	phone := peers.StartBaresip(t, "8001", "pw8001", sipA)
	waitFor(t, 15*time.Second, "8001 registered", func() bool { return a.h.SIP().Registrar().Registered("8001") })
	if st, body, _ := a.post(t, "/api/v1/operators/me/state", `{"state":"available"}`, fwdReq{token: tok}); st != 200 {
		t.Fatalf("available: %d %s", st, body)
	}
	peers.StartSipp(t, "../hotline/testdata/sipp/hangup.xml", sipA, "-d", "60000")
	phone.WaitEvent("CALL_ESTABLISHED", 30*time.Second)
	acct := accountID(t, f, "operator1")
	var id int64
	waitFor(t, 10*time.Second, "the operator's call on A", func() bool { c, ok := a.h.CallOf(acct); id = c.ID; return ok })
	path := func(cmd string) string { return "/api/v1/calls/" + strconv.FormatInt(id, 10) + "/" + cmd }

	// Another operator's hold: refused by A, the same answer through B.
	stA, bodyA, _ := a.post(t, path("hold"), "", fwdReq{token: other})
	stB, bodyB, _ := b.post(t, path("hold"), "", fwdReq{token: other})
	if stA != 409 || stB != stA || bodyB != bodyA {
		t.Errorf("another operator's hold: A %d %s, B %d %s; want A's 409 through B", stA, bodyA, stB, bodyB)
	}

	// Hold through B, as the client 198.51.100.7 behind a trusted proxy.
	hold := fwdReq{token: tok, header: map[string]string{"X-Forwarded-For": "198.51.100.7"}}
	if st, body, _ := b.post(t, path("hold"), "", hold); st != 204 {
		t.Fatalf("hold through B: %d %s", st, body)
	}
	if n := openHolds(t, f, id); n != 1 {
		t.Errorf("after the hold through B the call has %d open holds, want 1", n)
	}
	if ips := a.accessIPs(path("hold"), 204); len(ips) != 1 || ips[0] != "198.51.100.7" {
		t.Errorf("A logged the forwarded hold from %q, want the operator's 198.51.100.7", ips)
	}

	// Resume with the session cookie, its CSRF token and an idempotency
	// key, through B; the retry is replayed by B, A is not asked again.
	resume := fwdReq{cookie: tok, key: "resume-1", header: map[string]string{"X-Govhall-Forwarded-By": "a"}}
	if st, body, _ := b.post(t, path("resume"), "", resume); st != 204 {
		t.Fatalf("resume through B (cookie, CSRF, key, a forged marker): %d %s", st, body)
	}
	if n := openHolds(t, f, id); n != 0 {
		t.Errorf("after the resume through B the call has %d open holds, want 0", n)
	}
	if st, _, h := b.post(t, path("resume"), "", resume); st != 204 || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry of the resume: %d replayed %q, want 204 replayed", st, h.Get("Idempotent-Replayed"))
	}

	// The marker sent to A by the client itself changes nothing: A logs
	// the client's address, not the one it claims.
	forged := fwdReq{token: tok, header: map[string]string{"X-Govhall-Forwarded-By": "b", "X-Forwarded-For": "203.0.113.9"}}
	if st, body, _ := a.post(t, path("hold"), "", forged); st != 204 {
		t.Fatalf("hold on A with a forged marker: %d %s", st, body)
	}
	if ips := a.accessIPs(path("hold"), 204); len(ips) != 2 || ips[1] != "127.0.0.1" {
		t.Errorf("A logged the holds from %q, want the client's own 127.0.0.1 for the forged marker", ips)
	}

	t.Logf("resume of a call not on hold (does nothing), 20 each: direct on A median %v, through B median %v",
		medianPost(t, a, path("resume"), tok), medianPost(t, b, path("resume"), tok))

	if st, body, _ := b.post(t, path("hangup"), "", fwdReq{token: tok}); st != 204 {
		t.Fatalf("hangup through B: %d %s", st, body)
	}
	waitFor(t, 20*time.Second, "the call ended on A", func() bool {
		var ended bool
		f.db.Get(&ended, `SELECT ended_at IS NOT NULL FROM calls WHERE id = $1`, id)
		return ended
	})
	stA, bodyA, _ = a.post(t, path("hold"), "", fwdReq{token: tok})
	stB, bodyB, _ = b.post(t, path("hold"), "", fwdReq{token: tok})
	if stA != 404 || stB != 404 || bodyB != bodyA {
		t.Errorf("hold after the end: A %d %s, B %d %s; want 404 from both", stA, bodyA, stB, bodyB)
	}
}

// A command on a call whose owner does not answer gets 503 with
// Retry-After; on a call whose owner is dead or restarted, 410.
func TestForwardOwnerUnreachableOrGone(t *testing.T) {
	f := newFixture(t)
	b := startFwdNode(t, f, "b", "127.0.0.3", false, nil)
	tok := f.login("operator1")
	closed, err := net.Listen("tcp", "127.0.0.4:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close()
	f.db.MustExec(`INSERT INTO nodes (node_id, epoch, http_addr, state) VALUES ('c', 3, $1, 'up')`, addr)
	id, err := calls.NewStore(f.db).StartCall(context.Background(), calls.NewCall{SIPCallID: "fwd@c", Caller: "13800138000", Callee: "96128", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	f.db.MustExec(`UPDATE calls SET owner_node = 'c', owner_epoch = 3 WHERE id = $1`, id)
	path := "/api/v1/calls/" + strconv.FormatInt(id, 10) + "/hold"
	st, body, h := b.post(t, path, "", fwdReq{token: tok})
	if st != 503 || h.Get("Retry-After") == "" || !strings.Contains(body, "暂时无法连接") {
		t.Errorf("owner unreachable: %d %s Retry-After %q, want 503 with Retry-After", st, body, h.Get("Retry-After"))
	}
	f.db.MustExec(`UPDATE nodes SET epoch = 4 WHERE node_id = 'c'`)
	if st, body, _ := b.post(t, path, "", fwdReq{token: tok}); st != 410 || !strings.Contains(body, "已经结束") {
		t.Errorf("owner restarted since: %d %s, want 410", st, body)
	}
	f.db.MustExec(`UPDATE nodes SET epoch = 3, state = 'dead' WHERE node_id = 'c'`)
	if st, body, _ := b.post(t, path, "", fwdReq{token: tok}); st != 410 {
		t.Errorf("owner dead: %d %s, want 410", st, body)
	}
	if st, _, _ := b.post(t, path, "", fwdReq{}); st != 401 {
		t.Errorf("no session: %d, want 401 before anything is forwarded", st)
	}
}

// medianPost is the median time of 20 POSTs of path to n, each 204.
func medianPost(t *testing.T, n *fwdNode, path, tok string) time.Duration {
	t.Helper()
	ds := make([]time.Duration, 20)
	for i := range ds {
		start := time.Now()
		if st, body, _ := n.post(t, path, "", fwdReq{token: tok}); st != 204 {
			t.Fatalf("POST %s on %s: %d %s", path, n.id, st, body)
		}
		ds[i] = time.Since(start)
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func accountID(t *testing.T, f *fixture, user string) int64 {
	t.Helper()
	var id int64
	if err := f.db.Get(&id, `SELECT id FROM accounts WHERE username = $1`, user); err != nil {
		t.Fatal(err)
	}
	return id
}

func openHolds(t *testing.T, f *fixture, call int64) int {
	t.Helper()
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM call_holds WHERE call_id = $1 AND ended_at IS NULL`, call); err != nil {
		t.Fatal(err)
	}
	return n
}

package hotline

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/cluster"
	"github.com/govhall/govhall/migrations/pgtest"
)

// twoNodes starts two hotlines, nodes a and b of one database.
func twoNodes(t *testing.T) (db *sqlx.DB, a, b *cluster.Node, ea, eb *env) {
	t.Helper()
	db = pgtest.New(t)
	seedHotline(t, db)
	start := func(id string) (*cluster.Node, *env) {
		n, err := cluster.Start(context.Background(), db, cluster.Config{ID: id, Heartbeat: 100 * time.Millisecond, Log: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close(context.Background()) })
		e := newEnvOn(t, db, t.TempDir(), nationalDay, func(c *Config) { c.Node, c.Domains = n, []string{hotlineDomain} })
		return n, e
	}
	a, ea = start("a")
	b, eb = start("b")
	return db, a, b, ea, eb
}

// sendInvite sends an INVITE to 96128 of Call-ID id and From tag tag and
// returns every response to it up to the final one (3 s at most).
func sendInvite(p *rawPeer, id, tag string) []*sip.Response {
	p.t.Helper()
	ruri := "sip:96128@" + hotlineDomain
	contact := fmt.Sprintf("Contact: <sip:13800138000@%s;transport=%s>\r\nContent-Type: application/sdp\r\n", p.local(), p.network)
	p.send(p.request("INVITE", ruri, "<sip:13800138000@county.example>;tag="+tag, "<"+ruri+">", id, contact, callerSDP))
	var got []*sip.Response
	deadline := time.After(3 * time.Second)
	for {
		select {
		case m := <-p.msgs:
			if res, ok := m.(*sip.Response); ok && callIDOf(res) == id {
				got = append(got, res)
				if !res.IsProvisional() {
					p.finish(res)
					return got
				}
			}
		case <-deadline:
			p.t.Fatalf("INVITE %s: no final answer within 3 s (got %v)", id, statuses(got))
			return nil
		}
	}
}

func codes(rs []*sip.Response) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.StatusCode
	}
	return out
}

// The same INVITE (Call-ID and From tag) reaching a second node, as when
// a proxy fails over from a slow node, is refused 482 after a 100 Trying:
// the call has one owner and one record.
func TestDuplicateInviteOnAnotherNodeLoopDetected(t *testing.T) {
	t.Parallel()
	db, a, _, ea, eb := twoNodes(t)
	id := newCallID("dup")
	pa := newRawPeer(t, "udp", "127.0.0.1", ea.addr)
	pb := newRawPeer(t, "udp", "127.0.0.1", eb.addr)
	first := make(chan []*sip.Response, 1)
	go func() { first <- sendInvite(pa, id, "dup1") }()
	ea.waitFor("a's record of the call", 3*time.Second, func() bool {
		var n int
		db.Get(&n, `SELECT count(*) FROM calls WHERE sip_call_id = $1`, id)
		return n == 1
	})
	second := sendInvite(pb, id, "dup1")
	if got := codes(second); len(got) != 2 || got[0] != 100 || got[1] != 482 {
		t.Fatalf("the duplicate INVITE on node b: %v, want 100 then 482", got)
	}
	if got := codes(<-first); got[0] != 100 || got[len(got)-1] != 200 {
		t.Fatalf("the INVITE on node a: %v, want 100 first and 200", got)
	}
	var rows []struct {
		Owner string `db:"owner_node"`
		Epoch int64  `db:"owner_epoch"`
		Tag   string `db:"from_tag"`
	}
	if err := db.Select(&rows, `SELECT owner_node, owner_epoch, from_tag FROM calls WHERE sip_call_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Owner != "a" || rows[0].Epoch != a.Epoch() || rows[0].Tag != "dup1" {
		t.Fatalf("records of the call: %+v, want one of node a epoch %d", rows, a.Epoch())
	}
	// Another From tag is another dialog: a call of its own.
	if got := codes(sendInvite(pb, id, "dup2")); got[len(got)-1] != 200 {
		t.Fatalf("same Call-ID, new From tag: %v", got)
	}
}

// OPTIONS answers 200 on a healthy node and 503 with Retry-After while it
// drains or is fenced (its lock session lost and the lock taken
// elsewhere), and new INVITEs get 503 too; the other node still takes
// calls.
func TestOptionsAndInviteWhileDrainingOrFenced(t *testing.T) {
	t.Parallel()
	db, a, b, ea, eb := twoNodes(t)
	pa := newRawPeer(t, "udp", "127.0.0.1", ea.addr)
	pb := newRawPeer(t, "udp", "127.0.0.1", eb.addr)
	if got := pa.options(); got != 200 {
		t.Fatalf("OPTIONS to a healthy node: %d", got)
	}
	ctx := context.Background()
	if err := cluster.SetDraining(ctx, db, "a", true); err != nil {
		t.Fatal(err)
	}
	ea.waitFor("a drains", 3*time.Second, func() bool { return a.Accepting() != nil })
	unavailable(t, pa, "draining")
	if why := ea.h.NodeRefusal(); !strings.Contains(why, "govhall drain") {
		t.Fatalf("/readyz's reason while draining: %q", why)
	}
	if got := pb.options(); got != 200 {
		t.Fatalf("OPTIONS to the other node: %d", got)
	}
	if err := cluster.SetDraining(ctx, db, "a", false); err != nil {
		t.Fatal(err)
	}
	ea.waitFor("a undrains", 3*time.Second, func() bool { return a.Accepting() == nil })
	if got := pa.options(); got != 200 {
		t.Fatalf("OPTIONS after the drain was undone: %d", got)
	}
	// Fence b: kill its lock session while the test holds its lock.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	seizeNodeLock(t, db, conn, "b")
	eb.waitFor("b fenced", 3*time.Second, b.Fenced)
	unavailable(t, pb, "fenced")
	if why := eb.h.NodeRefusal(); !strings.Contains(why, "节点锁") || ea.h.NodeRefusal() != "" {
		t.Fatalf("/readyz's reasons: fenced b %q, healthy a %q", why, ea.h.NodeRefusal())
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtext('node:b'))`); err != nil {
		t.Fatal(err)
	}
	// A new epoch: 2, or 3 when a's reaper found b's lock free in the
	// moment between the unlock and b taking it, and marked b dead.
	eb.waitFor("b back under a new epoch", 3*time.Second, func() bool { return !b.Fenced() })
	if got := pb.options(); got != 200 || b.Epoch() < 2 {
		t.Fatalf("b back: OPTIONS %d epoch %d", got, b.Epoch())
	}
}

// seizeNodeLock ends the session holding the lock of node id (as a
// network cut does) and takes the lock on conn, so that the node stays
// fenced. The node takes its lock again within a heartbeat of losing it:
// when it wins the race, its new session is ended too. A blocking
// pg_advisory_lock here waited forever behind the node's new session
// (the hotline package's tests hung until their timeout).
func seizeNodeLock(t *testing.T, db *sqlx.DB, conn *sql.Conn, id string) {
	t.Helper()
	const kill = `SELECT pg_terminate_backend(pid, 5000) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objid::bigint = (hashtext('node:' || $1)::bigint & 4294967295)
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := db.Exec(kill, id); err != nil {
			t.Fatal(err)
		}
		var got bool
		if err := conn.QueryRowContext(context.Background(), `SELECT pg_try_advisory_lock(hashtext('node:' || $1))`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("could not take node %s's lock from it within 10 s", id)
		}
	}
}

// unavailable checks that OPTIONS and a new INVITE get 503 with
// Retry-After.
func unavailable(t *testing.T, p *rawPeer, why string) {
	t.Helper()
	id := newCallID("probe")
	p.send(p.request("OPTIONS", "sip:96128@"+hotlineDomain, "<sip:probe@county.example>;tag=p1", "<sip:96128@"+hotlineDomain+">", id, "", ""))
	if res := p.response(id, "OPTIONS"); res.StatusCode != 503 || res.GetHeader("Retry-After") == nil {
		t.Fatalf("OPTIONS while %s: %d (Retry-After %v)", why, res.StatusCode, res.GetHeader("Retry-After"))
	}
	got := sendInvite(p, newCallID("refused"), "r1")
	if last := got[len(got)-1]; last.StatusCode != 503 || last.GetHeader("Retry-After") == nil {
		t.Fatalf("INVITE while %s: %v", why, codes(got))
	}
}

// A node cut off from the database long enough to be declared dead (its
// lock session lost and its heartbeat stale) finds, when it comes back
// under a new epoch, that the survivor closed its call as node_lost and
// freed its operator: it hangs the call up (BYE) instead of carrying on,
// and the record stays the survivor's.
func TestFencedNodeEndsItsReapedCalls(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	seedHotline(t, db)
	ctx := context.Background()
	start := func(id string, deadAfter time.Duration) *cluster.Node {
		n, err := cluster.Start(ctx, db, cluster.Config{ID: id, Heartbeat: 100 * time.Millisecond, DeadAfter: deadAfter, Log: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close(context.Background()) })
		return n
	}
	a := start("a", 10*time.Second)
	start("b", time.Second)
	ea := newEnvOn(t, db, t.TempDir(), nationalDay, func(c *Config) { c.Node, c.Domains = a, []string{hotlineDomain} })
	p := newRawPeer(t, "udp", "127.0.0.1", ea.addr)
	id, ruri := newCallID("fenced"), "sip:96128@"+hotlineDomain
	contact := fmt.Sprintf("Contact: <sip:13800138000@%s;transport=udp>\r\nContent-Type: application/sdp\r\n", p.local())
	p.send(p.request("INVITE", ruri, "<sip:13800138000@county.example>;tag=f1", "<"+ruri+">", id, contact, callerSDP))
	res := p.response(id, "INVITE")
	if res.StatusCode != 200 {
		t.Fatalf("INVITE: %d", res.StatusCode)
	}
	p.send(p.inDialog(callerDialog(res), "ACK", ""))
	// Cut a off: its lock session goes and the test holds its lock.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	seizeNodeLock(t, db, conn, "a")
	var reason string
	ea.waitFor("b reaps a's call", 10*time.Second, func() bool {
		return db.Get(&reason, `SELECT end_reason FROM calls WHERE sip_call_id = $1 AND ended_at IS NOT NULL`, id) == nil
	})
	if reason != "node_lost" {
		t.Fatalf("a's call closed with %q", reason)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtext('node:a'))`); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(8 * time.Second)
	for bye := false; !bye; {
		select {
		case m := <-p.msgs:
			req, ok := m.(*sip.Request)
			if bye = ok && req.Method == sip.BYE && callIDOf(req) == id; bye {
				p.send([]byte(sip.NewResponseFromRequest(req, 200, "OK", nil).String()))
			}
		case <-deadline:
			t.Fatalf("no BYE from a after it came back (epoch %d, fenced %v)", a.Epoch(), a.Fenced())
		}
	}
	ea.waitFor("a's call handler ends", 5*time.Second, func() bool { return ea.h.ActiveCalls() == 0 })
	if err := db.Get(&reason, `SELECT end_reason FROM calls WHERE sip_call_id = $1`, id); err != nil || reason != "node_lost" {
		t.Fatalf("after a hung up: %q %v, want the reaper's node_lost kept", reason, err)
	}
}

// A node out of RTP ports answers a new call 503 with Retry-After, so that
// the edge proxy tries another node (the call is recorded as refused).
func TestNoRTPPortRetryAfter(t *testing.T) {
	t.Parallel()
	var held [2]*net.UDPConn
	var port int
	for port = 40000 + 2*rand.IntN(5000); ; port += 2 { // a free even/odd pair, then held
		a, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		if err != nil {
			continue
		}
		b, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port + 1})
		if err != nil {
			a.Close()
			continue
		}
		held = [2]*net.UDPConn{a, b}
		break
	}
	defer held[0].Close()
	defer held[1].Close()
	e := newEnv(t, workingMorning, func(c *Config) { c.RTPMin, c.RTPMax, c.Domains = port, port+1, []string{hotlineDomain} })
	got := sendInvite(newRawPeer(t, "udp", "127.0.0.1", e.addr), newCallID("noport"), "np1")
	if last := got[len(got)-1]; last.StatusCode != 503 || last.GetHeader("Retry-After") == nil {
		t.Fatalf("INVITE with no RTP port free: %v (Retry-After %v)", codes(got), last.GetHeader("Retry-After"))
	}
}

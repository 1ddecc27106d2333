package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/events"
	"github.com/govhall/govhall/migrations/pgtest"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/staff"
)

// The console benchmarks: how soon an operator's console shows a call
// (BenchmarkScreenPop) and what many open event streams cost and how fast
// one event reaches them all (BenchmarkSSEStreams). make bench runs them
// with -benchtime 1x; the figures are reported metrics, not ns/op.

const (
	popCalls      = 100 // calls measured by BenchmarkScreenPop
	sseStreamsN   = 500 // streams opened by BenchmarkSSEStreams
	sseOpenAtOnce = 50  // streams connecting at the same time
)

// sseChildFlag makes the test binary the client process of
// BenchmarkSSEStreams: it holds the streams, so that the server's process
// is measured alone. Set by the benchmark, never by hand.
var sseChildFlag = flag.String("sse-child", "", "internal to BenchmarkSSEStreams: base URL,session token,streams")

// benchRig is a govhall HTTP server on a real port with operator1, the
// events hub and, for the screen pop, the 96128 hotline, without the
// browser of consoleRig.
type benchRig struct {
	hub     *events.Hub
	base    string
	hotline *hotline.Hotline
	sipAddr string
}

func newBenchRig(b *testing.B, withHotline bool) *benchRig {
	b.Helper()
	db, ctx, quiet := pgtest.New(b), context.Background(), slog.New(slog.DiscardHandler)
	st := staff.NewStore(db)
	if _, err := st.Create(ctx, staff.NewAccount{Username: "operator1", DisplayName: "话务员 王芳", Password: password,
		Roles: []string{staff.RoleOperator}}); err != nil {
		b.Fatal(err)
	}
	r := &benchRig{hub: events.NewHub(db, "", nil)}
	hctx, cancel := context.WithCancel(ctx)
	hubDone, err := r.hub.Start(hctx, time.Second)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cancel(); <-hubDone })
	deps := server.Deps{Log: quiet, DB: db, Staff: st, Events: r.hub}
	if withHotline {
		r.startHotline(b, db, &deps)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	r.base = "http://" + ln.Addr().String()
	deps.PublicBaseURL = r.base
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- server.New(deps).Serve(sctx, ln) }()
	b.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			b.Errorf("serve: %v", err)
		}
	})
	// Serve never returns when shut down before fasthttp began serving.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if res, err := http.Get(r.base + "/healthz"); err == nil {
			res.Body.Close()
			return r
		}
		if time.Now().After(deadline) {
			b.Fatal("server: /healthz unanswered within 5s")
		}
	}
}

// startHotline wires the hotline as withHotline does: short prompts, call
// events to the consoles, phone 8001 of operator1 with password pw8001.
func (r *benchRig) startHotline(b *testing.B, db *sqlx.DB, deps *server.Deps) {
	h := startTestHotline(b, db, r.hub, openHours{}, []calls.NewSIPAccount{
		{Extension: "8001", Username: "operator1", Kind: calls.KindOperator}})
	r.hotline, r.sipAddr = h, h.SIP().Addr().String()
	deps.Calls = h
}

// benchLogin opens a session through the API and returns its token, which
// is also the console's cookie.
func benchLogin(b *testing.B, base, user string) string {
	b.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	res, err := http.Post(base+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK || out.Token == "" {
		b.Fatalf("login %s: %s %v", user, res.Status, err)
	}
	return out.Token
}

// sseEvent is one event of a stream, or a comment (": connected").
type sseEvent struct {
	Kind, Data, Comment string
	At                  time.Time // when its last line was read
}

// openSSE opens GET /console/events with the session cookie.
func openSSE(client *http.Client, base, token string) (io.ReadCloser, error) {
	req, err := http.NewRequest(http.MethodGet, base+"/console/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Cookie", "govhall_session="+token)
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, fmt.Errorf("console events: %s", res.Status)
	}
	return res.Body, nil
}

// readSSE hands each event and comment of r to on until on returns false
// or the stream ends.
func readSSE(r io.Reader, on func(sseEvent) bool) {
	sc := bufio.NewScanner(r)
	var e sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, ":"):
			if !on(sseEvent{Comment: strings.TrimSpace(line[1:]), At: time.Now()}) {
				return
			}
		case strings.HasPrefix(line, "event: "):
			e.Kind = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			e.Data = line[len("data: "):]
		case line == "" && e.Kind != "":
			e.At = time.Now()
			if !on(e) {
				return
			}
			e = sseEvent{}
		}
	}
}

// percentile returns the nearest-rank q-quantile of sorted values.
func percentile[T int64 | time.Duration](sorted []T, q float64) T {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[max(0, int(math.Ceil(q*float64(len(sorted))))-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchFileLimit lifts the open-files limit to its maximum, for us and the
// processes we start.
func benchFileLimit(b *testing.B) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		b.Fatal(err)
	}
	rl.Cur = rl.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkScreenPop measures the screen pop: from the INVITE arriving at
// the operator's phone to the 'offered' event arriving on the operator's
// console stream, over popCalls calls one after another. The phone is a
// SIP user agent of our own (sipgo) on loopback that registers as 8001
// with digest auth, stamps each INVITE as it reaches its handler, rings
// and answers; the caller is another sipgo agent. Both ends are stamped
// on this process's monotonic clock. The hotline emits 'offered' just
// before it dials, so a pop may arrive before the INVITE: then the figure
// is negative. Reported: p50, p99, min and max in ms.
func BenchmarkScreenPop(b *testing.B) {
	r := newBenchRig(b, true)
	board := &popBoard{calls: map[string]*popCall{}}
	phone := startPopPhone(b, r, board)
	caller := newSIPPeer(b, "caller")
	caller.srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	caller.serve(b)
	watchOffers(b, r.base, benchLogin(b, r.base, "operator1"), board)
	host, port, _ := net.SplitHostPort(r.sipAddr)
	p, _ := strconv.Atoi(port)
	target := sip.Uri{Scheme: "sip", User: "96128", Host: host, Port: p}
	var pops []time.Duration
	for n := range b.N {
		got, err := runPopCalls(caller, target, board, phone, n)
		if err != nil {
			b.Fatal(err)
		}
		pops = append(pops, got...)
	}
	slices.Sort(pops)
	b.ReportMetric(ms(percentile(pops, 0.50)), "p50_ms")
	b.ReportMetric(ms(percentile(pops, 0.99)), "p99_ms")
	b.ReportMetric(ms(pops[0]), "min_ms")
	b.ReportMetric(ms(pops[len(pops)-1]), "max_ms")
	early := len(pops) // pops that came before the INVITE
	if i := slices.IndexFunc(pops, func(d time.Duration) bool { return d >= 0 }); i >= 0 {
		early = i
	}
	b.Logf("screen pop over %d calls: p50 %v p99 %v min %v max %v; %d before the INVITE", len(pops), percentile(pops, 0.5),
		percentile(pops, 0.99), pops[0], pops[len(pops)-1], early)
}

// runPopCalls places popCalls calls one after another and returns their
// screen pops. Each call is hung up once its pop is in: the phone first,
// then the caller, who hears the survey meanwhile.
func runPopCalls(caller *sipPeer, target sip.Uri, board *popBoard, phone *popPhone, round int) ([]time.Duration, error) {
	number := func(i int) string { return fmt.Sprintf("139%04d%04d", round, i) }
	cur, err := caller.dial(target, number(0))
	if err != nil {
		return nil, err
	}
	pops := make([]time.Duration, 0, popCalls)
	for i := range popCalls {
		c, err := board.wait(number(i), 20*time.Second)
		if err != nil {
			return nil, fmt.Errorf("call %d: %w", i, err)
		}
		if want := cur.InviteRequest.CallID().Value(); c.sipCallID != want {
			return nil, fmt.Errorf("call %d: offered has sip_call_id %q, want %q", i, c.sipCallID, want)
		}
		pops = append(pops, c.offered.Sub(c.invited))
		this := cur
		if i+1 < popCalls {
			// Dialled now, the next caller's greeting overlaps this call's
			// end and the operator's one-second wrap-up.
			if cur, err = caller.dial(target, number(i+1)); err != nil {
				return nil, fmt.Errorf("call %d: %w", i+1, err)
			}
		}
		if err := hangUp(phone, c.phone, this); err != nil {
			return nil, fmt.Errorf("call %d: %w", i, err)
		}
	}
	return pops, nil
}

func hangUp(phone *popPhone, op *sipgo.DialogServerSession, caller *sipgo.DialogClientSession) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	defer phone.forget(op)
	if err := op.Bye(ctx); err != nil {
		return fmt.Errorf("phone bye: %w", err)
	}
	defer caller.Close()
	if err := caller.Bye(ctx); err != nil {
		return fmt.Errorf("caller bye: %w", err)
	}
	return nil
}

// popBoard pairs, by caller number, the INVITE at the phone with the
// 'offered' event on the console.
type popBoard struct {
	mu    sync.Mutex
	calls map[string]*popCall
}

type popCall struct {
	invited, offered time.Time
	sipCallID        string
	phone            *sipgo.DialogServerSession // answered
	err              error                      // of answering
	seen             int
	done             chan struct{} // closed when both were seen
}

func (pb *popBoard) mark(caller string, f func(*popCall)) {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	c := pb.get(caller)
	f(c)
	if c.seen++; c.seen == 2 {
		close(c.done)
	}
}

func (pb *popBoard) get(caller string) *popCall {
	c := pb.calls[caller]
	if c == nil {
		c = &popCall{done: make(chan struct{})}
		pb.calls[caller] = c
	}
	return c
}

// wait returns the call of caller once its INVITE was answered at the
// phone and its pop arrived.
func (pb *popBoard) wait(caller string, within time.Duration) (*popCall, error) {
	pb.mu.Lock()
	c := pb.get(caller)
	pb.mu.Unlock()
	select {
	case <-c.done:
	case <-time.After(within):
		pb.mu.Lock()
		defer pb.mu.Unlock()
		return nil, fmt.Errorf("caller %s: after %v the phone was rung: %v, the console told: %v", caller, within,
			!c.invited.IsZero(), !c.offered.IsZero())
	}
	delete(pb.calls, caller)
	return c, c.err
}

// watchOffers reads the operator's console stream and marks each
// 'offered' event on the board.
func watchOffers(b *testing.B, base, token string, board *popBoard) {
	body, err := openSSE(&http.Client{}, base, token)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { body.Close() })
	connected := make(chan struct{})
	go readSSE(body, func(e sseEvent) bool {
		switch {
		case e.Comment == "connected":
			close(connected)
		case e.Kind == hotline.EventOffered:
			var d struct {
				SIPCallID string `json:"sip_call_id"`
				Caller    string `json:"caller"`
			}
			if json.Unmarshal([]byte(e.Data), &d) == nil {
				board.mark(d.Caller, func(c *popCall) { c.offered, c.sipCallID = e.At, d.SIPCallID })
			}
		}
		return true
	})
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		b.Fatal("console stream: not connected within 10s")
	}
}

// sipPeer is a sipgo user agent on a loopback UDP port, with a socket
// that swallows the RTP sent to it.
type sipPeer struct {
	user    string
	srv     *sipgo.Server
	dua     *sipgo.DialogUA
	conn    net.PacketConn
	rtpPort int
}

func newSIPPeer(b *testing.B, user string) *sipPeer {
	b.Helper()
	quiet := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("govhall-bench-" + user))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ua.Close() })
	p := &sipPeer{user: user}
	if p.srv, err = sipgo.NewServer(ua, sipgo.WithServerLogger(quiet)); err != nil {
		b.Fatal(err)
	}
	if p.conn, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientConnectionAddr(p.conn.LocalAddr().String()),
		sipgo.WithClientLogger(quiet))
	if err != nil {
		b.Fatal(err)
	}
	contact := sip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1", Port: p.conn.LocalAddr().(*net.UDPAddr).Port}
	p.dua = &sipgo.DialogUA{Client: cli, ContactHDR: sip.ContactHeader{Address: contact}}
	rtp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rtp.Close() })
	go io.Copy(io.Discard, readerOf{rtp})
	p.rtpPort = rtp.LocalAddr().(*net.UDPAddr).Port
	return p
}

// readerOf reads a packet connection as a stream, for io.Copy.
type readerOf struct{ net.PacketConn }

func (r readerOf) Read(p []byte) (int, error) {
	n, _, err := r.ReadFrom(p)
	return n, err
}

// serve starts answering SIP, once the handlers are set, and returns when
// the client may send from the socket (ServeUDP adds it to the pool).
func (p *sipPeer) serve(b *testing.B) {
	go p.srv.ServeUDP(p.conn)
	b.Cleanup(func() { p.conn.Close() })
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if c, _ := p.srv.TransportLayer().GetConnection("udp", p.conn.LocalAddr().String()); c != nil {
			return
		}
		if time.Now().After(deadline) {
			b.Fatal("sip peer: socket not served within 5s")
		}
	}
}

// sdp describes A-law audio to the peer's RTP sink.
func (p *sipPeer) sdp() []byte {
	return fmt.Appendf(nil, "v=0\r\no=%s 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n",
		p.user, p.rtpPort)
}

// dial calls target as number and returns the answered, acknowledged call.
func (p *sipPeer) dial(target sip.Uri, number string) (*sipgo.DialogClientSession, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: number, Host: "127.0.0.1"}, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	d, err := p.dua.Invite(ctx, target, p.sdp(), from, sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		return nil, fmt.Errorf("invite: %w", err)
	}
	if err := d.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		d.Close()
		return nil, fmt.Errorf("%s: no answer: %w", number, err)
	}
	if err := d.Ack(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("%s: ack: %w", number, err)
	}
	return d, nil
}

// popPhone is operator1's desk phone 8001: it stamps each INVITE on
// arrival, rings, answers and puts the call on the board.
type popPhone struct {
	*sipPeer
	board   *popBoard
	mu      sync.Mutex
	dialogs map[string]*sipgo.DialogServerSession
}

func startPopPhone(b *testing.B, r *benchRig, board *popBoard) *popPhone {
	b.Helper()
	p := &popPhone{sipPeer: newSIPPeer(b, "8001"), board: board, dialogs: map[string]*sipgo.DialogServerSession{}}
	p.srv.OnInvite(p.onInvite)
	p.srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) {
		if d := p.dialog(req); d != nil {
			_ = d.ReadAck(req, tx)
		}
	})
	p.srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if d := p.dialog(req); d != nil {
			_ = d.ReadBye(req, tx)
			return
		}
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
	})
	p.serve(b)
	if err := p.register(r.sipAddr, "pw8001"); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !r.hotline.SIP().Registrar().Registered("8001"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("phone 8001 did not register")
		}
	}
	return p
}

func (p *popPhone) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	at := time.Now()
	d, err := p.dua.ReadInvite(req, tx)
	if err != nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 500, "Server Internal Error", nil))
		return
	}
	p.mu.Lock()
	p.dialogs[d.ID] = d
	p.mu.Unlock()
	err = d.Respond(180, "Ringing", nil)
	if err == nil {
		err = d.RespondSDP(p.sdp()) // returns on the ACK
	}
	p.board.mark(req.From().Address.User, func(c *popCall) { c.invited, c.phone, c.err = at, d, err })
}

func (p *popPhone) dialog(req *sip.Request) *sipgo.DialogServerSession {
	id, err := sip.DialogIDFromRequestUAS(req)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dialogs[id]
}

func (p *popPhone) forget(d *sipgo.DialogServerSession) {
	p.mu.Lock()
	delete(p.dialogs, d.ID)
	p.mu.Unlock()
	d.Close()
}

// register registers the phone at registrar (host:port), answering the
// digest challenge.
func (p *popPhone) register(registrar, password string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	host, port, _ := net.SplitHostPort(registrar)
	n, _ := strconv.Atoi(port)
	aor := sip.Uri{Scheme: "sip", User: p.user, Host: host}
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: host, Port: n})
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: aor})
	req.AppendHeader(sip.HeaderClone(&p.dua.ContactHDR))
	req.AppendHeader(sip.NewHeader("Expires", "3600"))
	res, err := p.dua.Client.Do(ctx, req)
	if err == nil && res.StatusCode == http.StatusUnauthorized {
		res, err = p.dua.Client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: p.user, Password: password})
	}
	if err != nil {
		return fmt.Errorf("register %s: %w", p.user, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("register %s: %s", p.user, res.StartLine())
	}
	return nil
}

// BenchmarkSSEStreams opens sseStreamsN console streams of one session
// (one operator in 500 tabs: the server's work per stream is the same as
// for 500 operators) and measures what they take in the server's process:
// heap in use, goroutine stacks and goroutines (runtime.MemStats after a
// GC) and resident memory (VmRSS), before and after. The streams are held
// by a child process (this test binary again, with -sse-child), so the
// figures are the server's alone; the child's own cost is logged. Then one
// 'queue' event is published to all operators and the time from Publish to
// each stream's receipt is measured on the wall clock the two processes
// share. Reported: KB and goroutines per stream, p50/p99/max fan-out ms.
func BenchmarkSSEStreams(b *testing.B) {
	if *sseChildFlag != "" {
		runSSEChild(b, *sseChildFlag)
		return
	}
	benchFileLimit(b)
	r := newBenchRig(b, false)
	token := benchLogin(b, r.base, "operator1")
	for range b.N {
		subs := r.hub.Subscribers()
		before := readMem()
		child := startSSEChild(b, r.base, token)
		clientBefore, clientAfter := child.ready(b)
		for deadline := time.Now().Add(10 * time.Second); r.hub.Subscribers() < subs+sseStreamsN; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatalf("%d streams subscribed, want %d", r.hub.Subscribers()-subs, sseStreamsN)
			}
		}
		after := readMem()
		sent := time.Now()
		if _, err := r.hub.Publish(context.Background(), "queue", events.Audience{Role: staff.RoleOperator}, map[string]any{"queue_len": 0}); err != nil {
			b.Fatal(err)
		}
		published := time.Since(sent)
		lat := child.receipts(b, sent)
		reportStreams(b, after.minus(before), clientAfter.minus(clientBefore))
		b.ReportMetric(ms(published), "publish_ms")
		b.ReportMetric(ms(percentile(lat, 0.50)), "fanout_p50_ms")
		b.ReportMetric(ms(percentile(lat, 0.99)), "fanout_p99_ms")
		b.ReportMetric(ms(lat[len(lat)-1]), "fanout_max_ms")
		b.Logf("fan-out to %d streams: Publish returned after %v; received p50 %v p99 %v max %v (first %v)", len(lat), published,
			percentile(lat, 0.5), percentile(lat, 0.99), lat[len(lat)-1], lat[0])
	}
}

func reportStreams(b *testing.B, server, client memSnap) {
	per := func(v int64) float64 { return float64(v) / sseStreamsN / 1024 }
	b.ReportMetric(per(server.heap), "heap_KB/stream")
	b.ReportMetric(per(server.stack), "stack_KB/stream")
	b.ReportMetric(per(server.rssKB*1024), "rss_KB/stream")
	b.ReportMetric(float64(server.goroutines)/sseStreamsN, "goroutines/stream")
	b.ReportMetric(per(client.rssKB*1024), "client_rss_KB/stream")
	b.Logf("server process, %d streams: heap in use +%d KB, stacks +%d KB, VmRSS +%d KB, goroutines +%d", sseStreamsN,
		server.heap>>10, server.stack>>10, server.rssKB, server.goroutines)
	b.Logf("client process (net/http), %d streams: heap in use +%d KB, stacks +%d KB, VmRSS +%d KB, goroutines +%d", sseStreamsN,
		client.heap>>10, client.stack>>10, client.rssKB, client.goroutines)
}

// memSnap is what this process holds: bytes of heap in use and of
// goroutine stacks, goroutines, resident KB.
type memSnap struct{ heap, stack, goroutines, rssKB int64 }

func readMem() memSnap {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s := memSnap{heap: int64(m.HeapInuse), stack: int64(m.StackInuse), goroutines: int64(runtime.NumGoroutine())}
	status, _ := os.ReadFile("/proc/self/status")
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			s.rssKB, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return s
}

func (s memSnap) minus(o memSnap) memSnap {
	return memSnap{s.heap - o.heap, s.stack - o.stack, s.goroutines - o.goroutines, s.rssKB - o.rssKB}
}

func (s memSnap) String() string {
	return fmt.Sprintf("%d %d %d %d", s.heap, s.stack, s.goroutines, s.rssKB)
}

// sseChild is the client process of BenchmarkSSEStreams; it speaks in
// stdout lines that start with "sse-child ".
type sseChild struct {
	lines  chan string
	stderr bytes.Buffer
}

func startSSEChild(b *testing.B, base, token string) *sseChild {
	b.Helper()
	c := &sseChild{lines: make(chan string, sseStreamsN+8)}
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkSSEStreams$", "-test.benchtime=1x",
		"-test.timeout=2m", "-sse-child="+base+","+token)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = &c.stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		defer close(c.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "sse-child "); ok {
				c.lines <- rest
			}
		}
	}()
	b.Cleanup(func() {
		cmd.Process.Kill()
		<-read
		cmd.Wait()
	})
	return c
}

func (c *sseChild) next(b *testing.B, within time.Duration) string {
	b.Helper()
	select {
	case line, ok := <-c.lines:
		if !ok {
			b.Fatalf("sse child ended early:\n%s", c.stderr.String())
		}
		return line
	case <-time.After(within):
		b.Fatalf("sse child: nothing within %v:\n%s", within, c.stderr.String())
	}
	return ""
}

// ready waits until the child holds every stream and returns its memory
// before and after opening them.
func (c *sseChild) ready(b *testing.B) (before, after memSnap) {
	line := c.next(b, time.Minute)
	if _, err := fmt.Sscanf(line, "ready %d %d %d %d %d %d %d %d", &before.heap, &before.stack, &before.goroutines, &before.rssKB,
		&after.heap, &after.stack, &after.goroutines, &after.rssKB); err != nil {
		b.Fatalf("sse child: %q: %v", line, err)
	}
	return before, after
}

// receipts returns, sorted, how long after sent each stream had the event.
func (c *sseChild) receipts(b *testing.B, sent time.Time) []time.Duration {
	lat := make([]time.Duration, 0, sseStreamsN)
	for range sseStreamsN {
		var at int64
		if line := c.next(b, 30*time.Second); !strings.HasPrefix(line, "at ") {
			b.Fatalf("sse child: %q", line)
		} else if at, _ = strconv.ParseInt(line[len("at "):], 10, 64); at == 0 {
			b.Fatalf("sse child: %q", line)
		}
		lat = append(lat, time.Duration(at-sent.UnixNano()))
	}
	slices.Sort(lat)
	return lat
}

// runSSEChild is the child's side: open the streams, say so, wait for one
// event on each and print when each had it.
func runSSEChild(b *testing.B, arg string) {
	base, token, _ := strings.Cut(arg, ",")
	benchFileLimit(b)
	before := readMem()
	got := make(chan time.Time, sseStreamsN)
	if err := openStreams(&http.Client{Transport: &http.Transport{}}, base, token, got); err != nil {
		fmt.Printf("sse-child error %v\n", err)
		b.Fatal(err)
	}
	fmt.Printf("sse-child ready %v %v\n", before, readMem())
	ats := make([]time.Time, 0, sseStreamsN)
	for range sseStreamsN {
		select {
		case at := <-got:
			ats = append(ats, at)
		case <-time.After(30 * time.Second):
			b.Fatalf("%d of %d streams had the event", len(ats), sseStreamsN)
		}
	}
	for _, at := range ats {
		fmt.Printf("sse-child at %d\n", at.UnixNano())
	}
}

// openStreams opens sseStreamsN streams, sseOpenAtOnce at a time, each
// counted once the server said ": connected"; each then sends the time
// of its first 'queue' event to got.
func openStreams(client *http.Client, base, token string, got chan<- time.Time) error {
	errs := make(chan error, sseStreamsN)
	sem := make(chan struct{}, sseOpenAtOnce)
	var wg sync.WaitGroup
	for range sseStreamsN {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			body, err := openSSE(client, base, token)
			if err != nil {
				errs <- err
				return
			}
			connected := make(chan struct{})
			go readSSE(body, func(e sseEvent) bool {
				if e.Comment == "connected" {
					close(connected)
				}
				if e.Kind == "queue" {
					got <- e.At
					return false
				}
				return true
			})
			select {
			case <-connected:
			case <-time.After(10 * time.Second):
				errs <- fmt.Errorf("a stream was not connected within 10s")
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

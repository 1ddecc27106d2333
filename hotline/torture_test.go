package hotline

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// tortureCase is one file of testdata/torture (RFC 4475's torture
// messages rewritten with our addresses, plus INVITEs with malformed SDP)
// and the final statuses it must get (in any order: the two messages of
// a TCP stream are served at once); none means the message is dropped
// unanswered.
type tortureCase struct {
	name     string
	udp, tcp []int
	closes   bool   // over TCP the server closes the connection (a stream that cannot be framed)
	mayLose  bool   // over TCP the answer may be lost as the connection closes
	auth     int    // a REGISTER answered 401: the status once it carries 8001's credentials
	reason   string // the reason phrase of its 400, when it names the problem
}

// answered: the same statuses over both transports.
func answered(name string, codes ...int) tortureCase {
	return tortureCase{name: name, udp: codes, tcp: codes}
}

// unreadable: the parser cannot read it; dropped, and over TCP the
// connection is closed.
func unreadable(name string) tortureCase { return tortureCase{name: name, closes: true} }

// unparsable: a request the parser cannot read that still has the Via,
// From, To, Call-ID and CSeq of an answer: 400 naming the problem (RFC
// 3261 §21.4.1), and over TCP the connection is closed.
func unparsable(name, problem string) tortureCase {
	return tortureCase{name: name, udp: []int{400}, tcp: []int{400}, closes: true, reason: "Bad Request: " + problem}
}

// unanswered: a stray response, or a message still waiting for its body.
func unanswered(name string) tortureCase { return tortureCase{name: name} }

var tortureCases = []tortureCase{
	// RFC 4475 §3.1.1: valid messages, however tortuous. wsinv: whitespace,
	// folding, compact forms, unknown headers; intmeth: an unknown method of
	// every token character; esc01: sip:%39%36%31%32%38@… is 96128;
	// escnull: escaped NULs; esc02: % in a method; lwsdisp: no space before
	// <; longreq: long values and 34 Vias (a 3 kB answer over UDP too);
	// dblreq: a REGISTER and more in one datagram, ignored over UDP, over
	// TCP the INVITE that follows; semiuri: ; in a user part; transports:
	// unknown ones in Via; mpart01: a carrier's multipart/mixed body with
	// SDP and binary ISUP; unreason, noreason: stray responses; zeromf:
	// Max-Forwards 0 at its destination; cparam01: a Contact parameter;
	// regaut01: an unknown Authorization scheme.
	answered("wsinv", 200),
	answered("intmeth", 405),
	answered("esc01", 200),
	answered("escnull", 401),
	answered("esc02", 405),
	answered("lwsdisp", 200),
	answered("longreq", 200),
	{name: "dblreq", udp: []int{401}, tcp: []int{401, 404}},
	answered("semiuri", 200),
	answered("transports", 200),
	answered("mpart01", 200),
	unanswered("unreason"),
	unanswered("noreason"),
	answered("zeromf", 200),
	answered("cparam01", 401),
	answered("regaut01", 401),

	// §3.1.2: requests the parser refuses, answered 400 naming what it
	// cannot read: extraneous separators in Via, a negative Content-Length,
	// overlarge numbers, an unterminated quote, <> or whitespace in the
	// Request-URI, two spaces in or trailing the request line, spaces in an
	// addr-spec, a scheme it does not know; clerr (its Content-Length goes
	// past the datagram; over TCP the server waits for the rest); a
	// response with a status beyond 2**32 is dropped.
	unparsable("badinv01", "malformed Via header"),
	{name: "clerr", udp: []int{400}, reason: "Bad Request: body shorter than Content-Length"},
	unparsable("ncl", "malformed Content-Length header"),
	unparsable("scalar02", "malformed CSeq header"),
	unanswered("scalarlg"),
	unparsable("quotbal", "malformed To header"),
	unparsable("ltgtruri", "malformed Request-URI"),
	unparsable("lwsruri", "malformed Request-Line"),
	unparsable("lwsstart", "malformed Request-Line"),
	unparsable("trws", "malformed Request-Line"),
	unparsable("badaspec", "malformed To header"),
	unparsable("novelsc", "malformed Request-URI"),
	unanswered("bcast"), // a stray 200 with a broadcast Via: sent nowhere
	unreadable("bigcode"),

	// §3.1.2 and §3.3: messages that parse but break a rule.
	answered("escruri", 400), // a Route header inside the Request-URI
	answered("baddate", 400), // a Date not in GMT
	answered("insuf", 400),   // no Call-ID, From, To
	answered("unkscm", 416),
	answered("unksm2", 400), // isbn: and name: URIs in a REGISTER
	answered("bext01", 420), // Require of extensions nobody supports
	answered("invut", 415),  // an INVITE body that is not SDP
	answered("badvers", 505),
	answered("mismatch01", 400), // CSeq method is not the request's
	answered("mismatch02", 400),
	answered("multi01", 400),   // two each of CSeq, Call-ID, To, From, Max-Forwards
	answered("badbranch", 400), // a branch of only the magic cookie
	answered("sdp01", 406),     // accepts no SDP in return
	// Two Content-Lengths: answered over UDP; over TCP the stream cannot be
	// framed and the connection closes (RFC 4475 §3.3.9), before or after
	// the 400 of the message read with the last Content-Length.
	{name: "mcl01", udp: []int{400}, tcp: []int{400}, closes: true, mayLose: true},
	// A Contact with ?Route= outside <>: challenged, then refused.
	{name: "regbadct", udp: []int{401}, tcp: []int{401}, auth: 400},

	// INVITEs to 96128 whose SDP is malformed: 488 (415 or 400 for a
	// multipart body without SDP or broken). A 20 kB attribute nobody
	// knows is still SDP.
	answered("sdpjunk", 488),
	answered("sdpnoconn", 488),
	answered("sdpnoaudio", 488),
	answered("sdpport0", 488),
	answered("sdpbigport", 488),
	answered("sdpnegport", 488),
	answered("sdphostname", 488),
	answered("sdpnocodec", 488),
	answered("sdpbadrtpmap", 488),
	answered("sdptruncated", 488),
	answered("sdpnov", 488),
	answered("sdpbinary", 488),
	answered("sdpmanym", 488),
	answered("sdpipv6mix", 488),
	answered("sdplongline", 200),
	answered("sdpmultinosdp", 415),
	answered("sdpmultibroken", 400),
}

// TestTorture sends every torture message over UDP and over TCP to a
// running hotline (one per transport: the files' branches would match the
// other transport's transactions) and checks its answer; after each one
// the hotline still answers an OPTIONS at once, and after each INVITE a
// call to 96128.
func TestTorture(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "torture", "*.sip"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tc := range tortureCases {
		names = append(names, tc.name)
	}
	for _, f := range files {
		if n := strings.TrimSuffix(filepath.Base(f), ".sip"); !slices.Contains(names, n) {
			t.Errorf("testdata/torture/%s.sip has no case", n)
		}
	}
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nationalDay, func(c *Config) { c.Domains = []string{hotlineDomain} })
			for _, tc := range tortureCases {
				t.Run(tc.name, func(t *testing.T) { e.torture(t, network, tc) })
			}
			e.waitFor("every call over", 15*time.Second, func() bool { return e.h.ActiveCalls() == 0 })
			var open int
			if err := e.db.Get(&open, `SELECT count(*) FROM calls WHERE ended_at IS NULL`); err != nil || open != 0 {
				t.Errorf("%d calls left open (%v)", open, err)
			}
		})
	}
}

func (e *env) torture(t *testing.T, network string, tc tortureCase) {
	msg, err := os.ReadFile(filepath.Join("testdata", "torture", tc.name+".sip"))
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	if bytes.Contains(bytes.ReplaceAll(head, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatalf("%s.sip: a line of the head does not end in CRLF", tc.name)
	}
	want := tc.udp
	if network == "tcp" {
		want = tc.tcp
	}
	p := newRawPeer(t, network, "127.0.0.1", e.addr)
	p.send(msg)
	var got []int
	if len(want) == 0 {
		for _, r := range p.finals(1, 300*time.Millisecond) {
			got = append(got, r.code)
		}
	} else {
		for _, r := range p.finals(len(want), 3*time.Second) {
			got = append(got, r.code)
			if tc.reason != "" && r.code == 400 && r.reason != tc.reason {
				t.Errorf("%s over %s: 400 %q, want %q", tc.name, network, r.reason, tc.reason)
			}
			res := r.res
			if res == nil {
				continue
			}
			if res.CSeq().MethodName == "INVITE" {
				p.finish(res)
			}
			if tc.auth != 0 && res.StatusCode == 401 {
				ruri := strings.Fields(firstLine(msg))[1]
				p.send(withAuth(msg, authorization(t, res, "REGISTER", ruri, "8001", "pw8001", 1)))
				if r := p.responses("", 1, 3*time.Second); len(r) != 1 || r[0].StatusCode != tc.auth {
					t.Errorf("%s with 8001's credentials: %v, want %d", tc.name, statuses(r), tc.auth)
				}
			}
		}
	}
	if network == "tcp" && tc.closes {
		select {
		case <-p.closed:
		case <-time.After(3 * time.Second):
			t.Errorf("%s over tcp: the connection stays open", tc.name)
		}
	}
	slices.Sort(got)
	if lost := network == "tcp" && tc.mayLose && len(got) == 0; !lost && !slices.Equal(got, want) {
		t.Errorf("%s over %s: answered %v, want %v", tc.name, network, got, want)
	}
	if slices.Contains(want, 488) {
		e.noCallRecorded(t, msg)
	}
	probe := newRawPeer(t, network, "127.0.0.1", e.addr)
	if code := probe.options(); code != 200 {
		t.Errorf("OPTIONS after %s: %d", tc.name, code)
	}
	if bytes.HasPrefix(msg, []byte("INVITE ")) {
		probe.call96128()
	}
}

// final is a final response: parsed, or only its status line when it
// copies a header of its request that the parser cannot read.
type final struct {
	code   int
	reason string
	res    *sip.Response // nil when unreadable
}

// finals returns the first n final responses the peer gets within.
func (p *rawPeer) finals(n int, within time.Duration) []final {
	var got []final
	deadline := time.After(within)
	for len(got) < n {
		select {
		case m := <-p.msgs:
			if res, ok := m.(*sip.Response); ok && !res.IsProvisional() {
				got = append(got, final{code: res.StatusCode, reason: res.Reason, res: res})
			}
		case l := <-p.bad:
			f := strings.SplitN(l, " ", 3)
			code, _ := strconv.Atoi(f[1])
			if len(f) < 3 {
				f = append(f, "")
			}
			got = append(got, final{code: code, reason: f[2]})
		case <-deadline:
			return got
		}
	}
	return got
}

// noCallRecorded fails t when the INVITE msg, refused for its offer, left
// a row in calls: it was never a call offered to the hotline.
func (e *env) noCallRecorded(t *testing.T, msg []byte) {
	t.Helper()
	var callID string
	for _, l := range strings.Split(string(msg), "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && (strings.EqualFold(k, "Call-ID") || k == "i") {
			callID = strings.TrimSpace(v)
			break
		}
	}
	var n int
	if err := e.db.Get(&n, `SELECT count(*) FROM calls WHERE sip_call_id = $1`, callID); err != nil || n != 0 {
		t.Errorf("INVITE %s refused with 488: %d calls rows (%v), want none", callID, n, err)
	}
}

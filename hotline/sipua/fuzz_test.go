package sipua

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// sipSeeds are requests as phones and the RFC 4475 torture cases send them.
var sipSeeds = []string{
	"REGISTER sip:127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK776;rport\r\nFrom: <sip:8001@govhall>;tag=abc\r\n" +
		"To: <sip:8001@govhall>\r\nCall-ID: c1@test\r\nCSeq: 1 REGISTER\r\nContact: <sip:8001@127.0.0.1:5062>\r\nMax-Forwards: 70\r\nExpires: 60\r\nContent-Length: 0\r\n\r\n",
	"REGISTER sip:govhall SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.2:5060;branch=z9hG4bK1\r\nFrom: <sip:8101@govhall>;tag=x\r\nTo: <sip:8101@govhall>\r\n" +
		"Call-ID: c2\r\nCSeq: 7 REGISTER\r\nContact: <sip:8101@10.0.0.2;transport=tcp>;expires=3600, <sip:8101@10.0.0.3>;expires=0\r\nContent-Length: 0\r\n\r\n",
	"REGISTER sip:govhall SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2\r\nFrom: <sip:8001@govhall>;tag=x\r\nTo: <sip:8001@govhall>\r\n" +
		"Call-ID: c3\r\nCSeq: 2 REGISTER\r\nContact: *\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n",
	"REGISTER sip:govhall SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK3\r\nFrom: <sip:8001@govhall>;tag=x\r\nTo: <sip:8001@govhall>\r\n" +
		"Call-ID: c4\r\nCSeq: 3 REGISTER\r\nContact: <sip:8001@10.0.0.2>\r\nExpires: abc\r\n" +
		`Authorization: Digest username="8001", realm="govhall", nonce="AAAA", uri="sip:govhall", response="00", qop=auth, nc=00000001, cnonce="x"` + "\r\nContent-Length: 0\r\n\r\n",
	"INVITE sip:96128@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKa\r\nFrom: \"王\" <sip:13812345678@10.0.0.9>;tag=1\r\n" +
		"To: <sip:96128@127.0.0.1>\r\nCall-ID: i1\r\nCSeq: 1 INVITE\r\nContact: <sip:13812345678@10.0.0.9>\r\nContent-Type: application/sdp\r\n" +
		"Content-Length: 73\r\n\r\nv=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n",
	"INVITE sip:%39%36128@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKb\r\nFrom: <sip:a@b> ; tag = 98asjd8\r\nTo: <sip:96128@127.0.0.1>\r\n" +
		"Call-ID: i2\r\nCSeq: 1 INVITE\r\nRequire: nothing\r\nDate: Thu, 21 Feb 2002 13:02:03 GMT\r\nContent-Type: multipart/mixed;boundary=unique\r\n" +
		"Content-Length: 80\r\n\r\n--unique\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nm=audio 1 RTP/AVP 0\r\n--unique--\r\n",
	"INFO sip:8001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKc\r\nFrom: <sip:8001@govhall>;tag=1\r\nTo: <sip:96128@127.0.0.1>;tag=2\r\n" +
		"Call-ID: i3\r\nCSeq: 2 INFO\r\nContent-Type: application/dtmf-relay\r\nContent-Length: 24\r\n\r\nSignal=5\r\nDuration=160\r\n",
	"REFER sip:govhall@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKd\r\nFrom: <sip:8001@govhall>;tag=1\r\nTo: <sip:96128@127.0.0.1>;tag=2\r\n" +
		"Call-ID: i4\r\nCSeq: 3 REFER\r\nRefer-To: <sip:mzj@127.0.0.1>\r\nReferred-By: <sip:8001@govhall>\r\nContent-Length: 0\r\n\r\n",
	"REFER sip:govhall@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKe\r\nFrom: <sip:8001@govhall>;tag=1\r\nTo: <sip:96128@127.0.0.1>;tag=2\r\n" +
		"Call-ID: i5\r\nCSeq: 4 REFER\r\nRefer-To: <sip:8101@127.0.0.1?Replaces=abc%40host%3Bto-tag%3D1%3Bfrom-tag%3D2>\r\nContent-Length: 0\r\n\r\n",
	"REFER sip:govhall@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKf\r\nFrom: <sip:8001@govhall>;tag=1\r\nTo: <sip:96128@127.0.0.1>;tag=2\r\n" +
		"Call-ID: i6\r\nCSeq: 5 REFER\r\nRefer-To: sip:+8613812345678@gw.example.cn\r\nContent-Length: 0\r\n\r\n",
	"OPTIONS sip:96128@127.0.0.1 SIP/3.0\r\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:96128@127.0.0.1>\r\nCall-ID: o\r\nCSeq: 9 INVITE\r\n\r\n",
}

func request(b []byte) (*sip.Request, bool) {
	m, err := sip.ParseMessage(b)
	if err != nil {
		return nil, false
	}
	req, ok := m.(*sip.Request)
	return req, ok
}

// refusals are the answers check may give.
var refusals = map[int]bool{400: true, 406: true, 415: true, 416: true, 420: true, 505: true}

// FuzzCheck runs what the parser lets through past the checks every
// request meets before a handler: a refusal is a status of the list with
// a reason that fits on the status line; a request let through
// carries the headers the handlers rely on, passes again, and its user
// (%-decoded) is printable or left as written.
func FuzzCheck(f *testing.F) {
	for _, s := range sipSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		req, ok := request(msg)
		if !ok {
			return
		}
		if r := check(req); r != nil {
			if !refusals[r.code] || r.reason == "" {
				t.Fatalf("check(%q) = %d %q", msg, r.code, r.reason)
			}
			if strings.ContainsAny(r.reason, "\r\n") {
				t.Fatalf("check(%q): reason %q would break the status line", msg, r.reason)
			}
			return
		}
		if req.Via() == nil || req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil {
			t.Fatalf("check let %q through without the headers handlers read", msg)
		}
		if r := check(req); r != nil {
			t.Fatalf("check(%q) passes once, then refuses %d %s", msg, r.code, r.reason)
		}
		if u := userOf(req.Recipient); u != req.Recipient.User && !printable(u) {
			t.Fatalf("userOf(%q) = %q", req.Recipient.User, u)
		}
	})
}

// FuzzRegister sends REGISTERs that passed check to the registrar, as
// they are or signed with the right password for a fresh challenge (the
// fuzzer then varies Contact, Expires and the rest around a valid
// digest). Only a right digest registers — and never twice; a binding
// lasts at most MaxExpires; every refusal is a challenge or a 4xx.
func FuzzRegister(f *testing.F) {
	for _, s := range sipSeeds[:4] {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	creds := fakeCreds{"8001": "secret", "8101": "pw2"}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, msg []byte, sign bool) {
		req, ok := request(msg)
		if !ok || req.Method != sip.REGISTER || check(req) != nil {
			return
		}
		s, _ := New(Config{Realm: "govhall", MaxExpires: time.Hour}, creds)
		r := s.Registrar()
		if sign && req.To() != nil {
			signRegister(t, r, req, creds[req.To().Address.User])
		}
		res := r.register(ctx, req)
		switch res.StatusCode {
		case 200:
			user := req.To().Address.User
			checkDigest(t, req, user, creds)
			for _, b := range r.Bindings(user) {
				if b.Expires.After(time.Now().Add(time.Hour + time.Minute)) {
					t.Fatalf("%q: binding until %s, beyond MaxExpires", msg, b.Expires)
				}
			}
			if again := r.register(ctx, req); again.StatusCode == 200 {
				t.Fatalf("%q: the same credentials registered twice (replay)", msg)
			}
		case 401:
			h := res.GetHeader("WWW-Authenticate")
			if h == nil {
				t.Fatalf("%q: 401 without a challenge", msg)
			}
			if c, err := digest.ParseChallenge(h.Value()); err != nil || c.Realm != "govhall" || c.Nonce == "" {
				t.Fatalf("%q: challenge %q: %v", msg, h.Value(), err)
			}
		case 400, 403, 423:
		default:
			t.Fatalf("REGISTER %q = %d %s", msg, res.StatusCode, res.Reason)
		}
	})
}

// signRegister answers a fresh challenge of r for req as a phone with
// password pw would.
func signRegister(t *testing.T, r *Registrar, req *sip.Request, pw string) {
	chal, err := digest.ParseChallenge(r.challenge(req, false).GetHeader("WWW-Authenticate").Value())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: string(req.Method), URI: req.Recipient.String(),
		Username: req.To().Address.User, Password: pw, Count: 1, Cnonce: "0a4f113b"})
	if err != nil {
		return // a user or URI the digest library will not sign
	}
	req.RemoveHeader("Authorization")
	req.AppendHeader(sip.NewHeader("Authorization", cred.String()))
}

// checkDigest fails t unless req carries the digest of user's password.
func checkDigest(t *testing.T, req *sip.Request, user string, creds fakeCreds) {
	t.Helper()
	h := req.GetHeader("Authorization")
	pw, known := creds[user]
	if h == nil || !known {
		t.Fatalf("registered %q without credentials", user)
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil {
		t.Fatalf("registered %q with credentials %q: %v", user, h.Value(), err)
	}
	chal := &digest.Challenge{Realm: cred.Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, Opaque: cred.Opaque}
	if cred.QOP != "" {
		chal.QOP = []string{cred.QOP}
	}
	want, err := digest.Digest(chal, digest.Options{Method: string(req.Method), URI: cred.URI, Username: user, Password: pw,
		Cnonce: cred.Cnonce, Count: cred.Nc})
	if err != nil || cred.Realm != "govhall" || subtle.ConstantTimeCompare([]byte(want.Response), []byte(cred.Response)) != 1 {
		t.Fatalf("registered %q with a digest that is not of its password: %q", user, h.Value())
	}
}

// FuzzInDialog gives a leg the INFO and REFER requests of its dialog: an
// INFO is answered 200 and hands at most one key of the keypad to the
// digit hook; a REFER is answered 400 without a Refer-To, else 403 here
// (the hook refuses), and the hook only ever sees sip: URIs of our own
// hosts — no transfer to an outside number.
func FuzzInDialog(f *testing.F) {
	for _, s := range sipSeeds[6:10] {
		f.Add([]byte(s))
	}
	srv, _ := New(Config{Addr: "127.0.0.1:5060", Domains: []string{"govhall"}}, fakeCreds{})
	srv.addr = netip.MustParseAddrPort("127.0.0.1:5060")
	refused := errors.New("refused by the test")
	f.Fuzz(func(t *testing.T, msg []byte) {
		req, ok := request(msg)
		if !ok || check(req) != nil {
			return
		}
		o := &Outbound{srv: srv, CallID: "fuzz"}
		var digits []byte
		var targets []sip.Uri
		o.OnDigit(func(k byte) { digits = append(digits, k) })
		o.OnRefer(func(u sip.Uri) error { targets = append(targets, u); return refused })
		tx := &recordTx{}
		switch req.Method {
		case sip.INFO:
			o.info(req, tx)
			if tx.code() != 200 || len(digits) > 1 || (len(digits) == 1 && !strings.ContainsRune("0123456789*#ABCD", rune(digits[0]))) {
				t.Fatalf("INFO %q: %d, digits %q", msg, tx.code(), digits)
			}
		case sip.REFER:
			o.refer(req, tx)
			want := 403
			if req.ReferTo() == nil {
				want = 400
			}
			if tx.code() != want {
				t.Fatalf("REFER %q = %d, want %d", msg, tx.code(), want)
			}
			for _, u := range targets {
				if sc := strings.ToLower(u.Scheme); (sc != "sip" && sc != "sips") || !srv.ours(u.Host) {
					t.Fatalf("REFER %q: the transfer hook was given %s, outside", msg, u.String())
				}
			}
		}
	})
}

// recordTx is a server transaction that keeps the response.
type recordTx struct {
	sip.ServerTransaction
	res *sip.Response
}

func (tx *recordTx) Respond(res *sip.Response) error { tx.res = res; return nil }

func (tx *recordTx) code() int {
	if tx.res == nil {
		return 0
	}
	return tx.res.StatusCode
}

// FuzzParseTarget reads desk phones' and the trunk's sip: URIs: an
// accepted one has a host and UDP or TCP, and its URI written out reads
// back as the same target.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"sip:8001@10.0.0.5:5060", "sip:gw.example.cn:5060;transport=tcp", "sip:[::1]:5070", "sips:a@b", "tel:+8613812345678",
		"sip:@", "sip:gw;transport=TCP;lr", "sip:user:pw@host", "sip:%39%36128@h", "sip:h?Replaces=x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		if tg.URI.Host == "" || (tg.Transport != "UDP" && tg.Transport != "TCP") {
			t.Fatalf("ParseTarget(%q) = %+v", s, tg)
		}
		again, err := ParseTarget(tg.URI.String())
		if err != nil || again.URI.Host != tg.URI.Host || again.URI.User != tg.URI.User || again.URI.Port != tg.URI.Port || again.Transport != tg.Transport {
			t.Fatalf("ParseTarget(%q) = %s (%s), which reads back as %+v, %v", s, tg.URI.String(), tg.Transport, again, err)
		}
	})
}

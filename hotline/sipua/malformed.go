package sipua

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// sipgo's transport layer drops a message its parser refuses (and closes
// a TCP connection), and has no parser-error hook. RFC 3261 §21.4.1 wants
// a 400 whose reason names the problem for a malformed request that still
// has what a response is built from, so the server parses what it reads
// before sipgo does (the UDP read filter, the TCP connection wrapper) and,
// when sipgo would refuse it, answers itself from the raw lines.

// rawHead is the start line and the headers of a message, read line by
// line without understanding their values.
type rawHead struct {
	start   string
	headers [][2]string // name (as written), value; folded lines joined
}

// readHead splits the head of msg (up to the empty line, or all of it)
// into its lines; leading CRLFs are skipped (RFC 3261 §7.5).
func readHead(msg []byte) rawHead {
	msg = bytes.TrimLeft(msg, "\r\n")
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		msg = msg[:i]
	}
	lines := strings.Split(string(msg), "\n")
	h := rawHead{start: strings.TrimRight(lines[0], "\r")}
	for _, l := range lines[1:] {
		l = strings.TrimRight(l, "\r")
		if l != "" && (l[0] == ' ' || l[0] == '\t') && len(h.headers) > 0 {
			h.headers[len(h.headers)-1][1] += " " + strings.TrimSpace(l)
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		h.headers = append(h.headers, [2]string{strings.TrimSpace(name), strings.TrimSpace(value)})
	}
	return h
}

// compact maps the compact forms of the headers a response copies.
var compact = map[string]string{"v": "via", "f": "from", "t": "to", "i": "call-id"}

// get returns the values of the header called name (lower case).
func (h rawHead) get(name string) []string {
	var out []string
	for _, kv := range h.headers {
		n := strings.ToLower(kv[0])
		if c, ok := compact[n]; ok {
			n = c
		}
		if n == name {
			out = append(out, kv[1])
		}
	}
	return out
}

// method returns the request's method, or "" for a response or a start
// line that begins with no token.
func (h rawHead) method() string {
	if strings.HasPrefix(h.start, "SIP/") {
		return ""
	}
	m, _, _ := strings.Cut(strings.TrimLeft(h.start, " \t"), " ")
	for _, r := range m {
		if !isToken(r) {
			return ""
		}
	}
	return m
}

func isToken(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-.!%*_+`'~", r)
}

// answer400 returns the 400 answering msg, which p refused, or nil when
// msg is no request (or an ACK, never answered) or lacks a Via, From, To,
// Call-ID or CSeq to build the answer from.
func answer400(p *sip.Parser, msg []byte, perr error) []byte {
	h := readHead(msg)
	if m := h.method(); m == "" || m == "ACK" {
		return nil
	}
	vias := h.get("via")
	from, to, callID, cseq := h.get("from"), h.get("to"), h.get("call-id"), h.get("cseq")
	if len(vias) == 0 || len(from) == 0 || len(to) == 0 || len(callID) == 0 || len(cseq) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("SIP/2.0 400 Bad Request: " + h.problem(p, perr) + "\r\n")
	for _, v := range vias {
		b.WriteString("Via: " + v + "\r\n")
	}
	toTag := to[0]
	if !strings.Contains(strings.ToLower(toTag), ";tag=") {
		toTag += ";tag=" + randomTag()
	}
	b.WriteString("From: " + from[0] + "\r\nTo: " + toTag + "\r\nCall-ID: " + callID[0] + "\r\nCSeq: " + cseq[0] + "\r\n")
	b.WriteString("Server: govhall-96128\r\nContent-Length: 0\r\n\r\n")
	return []byte(b.String())
}

func randomTag() string {
	var t [6]byte
	_, _ = rand.Read(t[:])
	return hex.EncodeToString(t[:])
}

// problem names what p cannot read: the request line, the Request-URI or
// the first header it refuses on its own (each tried after a sound
// request line), or a body shorter than its Content-Length.
func (h rawHead) problem(p *sip.Parser, perr error) string {
	if errors.Is(perr, sip.ErrParseReadBodyIncomplete) {
		return "body shorter than Content-Length"
	}
	parts := strings.Split(h.start, " ")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] != "SIP/2.0" {
		return "malformed Request-Line"
	}
	var u sip.Uri
	if err := sip.ParseUri(parts[1], &u); err != nil {
		return "malformed Request-URI"
	}
	for _, kv := range h.headers {
		probe := "OPTIONS sip:probe@invalid SIP/2.0\r\n" + kv[0] + ": " + kv[1] + "\r\n\r\n"
		if _, err := p.ParseSIP([]byte(probe)); err != nil && !errors.Is(err, sip.ErrParseReadBodyIncomplete) {
			return "malformed " + printableName(kv[0]) + " header"
		}
	}
	return "message cannot be parsed"
}

// printableName returns a header name fit for a status line: its token
// characters, at most 32 of them.
func printableName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if isToken(r) && b.Len() < 32 {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "a"
	}
	return b.String()
}

// readable reports whether sipgo's parser reads msg (a whole datagram, or
// the message a TCP stream holds); when it does not, the 400 of
// answer400, if any, is written with send, logged and counted.
func (s *Server) readable(msg []byte, send func([]byte) error) bool {
	if len(bytes.Trim(msg, "\r\n")) == 0 {
		return true // a keep-alive
	}
	_, err := s.parser.ParseSIP(msg)
	if err == nil {
		return true
	}
	s.answerUnreadable(msg, err, send)
	return false
}

func (s *Server) answerUnreadable(msg []byte, perr error, send func([]byte) error) {
	res := answer400(s.parser, msg, perr)
	if res == nil {
		return
	}
	h := readHead(msg)
	reason := firstLine(res)
	if err := send(res); err != nil {
		s.log.Warn("sip: 400 to an unreadable request not sent", "err", err)
		return
	}
	s.msgs.add(Sent, sip.RequestMethod(h.method()), 400)
	s.log.Warn("sip: unreadable request answered", "method", h.method(), "status", reason, "parser", perr.Error())
}

func firstLine(b []byte) string {
	l, _, _ := bytes.Cut(b, []byte("\r\n"))
	return string(l)
}

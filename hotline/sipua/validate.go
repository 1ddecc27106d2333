package sipua

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// refusal is the answer to a request that no handler should see.
type refusal struct {
	code   int
	reason string
	hdrs   []sip.Header
}

// singletons are the headers a request carries at most once (RFC 3261
// §7.3.1: only comma-separated lists may repeat).
var singletons = []string{"From", "To", "Call-ID", "CSeq", "Max-Forwards", "Content-Length", "Content-Type", "Expires", "Date"}

// check validates what the parser lets through and RFC 3261 (with the
// torture cases of RFC 4475) forbids: it returns nil for a request to
// serve, else the status to answer with. It also tidies the whitespace
// the parser leaves around header parameters (From: …; tag = x).
func check(req *sip.Request) *refusal {
	if req.SipVersion != "SIP/2.0" {
		return &refusal{code: 505, reason: "Version Not Supported"}
	}
	for _, name := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		if req.GetHeader(name) == nil {
			return badRequest("no " + name + " header")
		}
	}
	for _, name := range singletons {
		if len(req.GetHeaders(name)) > 1 {
			return badRequest("more than one " + name + " header")
		}
	}
	if !strings.EqualFold(string(req.CSeq().MethodName), string(req.Method)) {
		return badRequest("CSeq method is not the request's")
	}
	if b, _ := req.Via().Params.Get("branch"); b == sip.RFC3261BranchMagicCookie {
		return badRequest("Via branch without an identifier")
	}
	tidyParams(req.From().Params)
	tidyParams(req.To().Params)
	if s := strings.ToLower(req.Recipient.Scheme); s != "sip" && s != "sips" {
		return &refusal{code: 416, reason: "Unsupported URI Scheme"}
	}
	if len(req.Recipient.Headers) > 0 {
		return badRequest("headers in the Request-URI")
	}
	if h := req.GetHeader("Date"); h != nil {
		if _, err := http.ParseTime(h.Value()); err != nil || !strings.HasSuffix(h.Value(), "GMT") {
			return badRequest("Date is not an RFC 1123 date in GMT")
		}
	}
	if ext := required(req); len(ext) > 0 && !req.IsAck() && !req.IsCancel() {
		return &refusal{code: 420, reason: "Bad Extension", hdrs: []sip.Header{sip.NewHeader("Unsupported", strings.Join(ext, ", "))}}
	}
	if req.IsInvite() || req.Method == sip.UPDATE {
		return checkOffer(req)
	}
	return nil
}

func badRequest(why string) *refusal { return &refusal{code: 400, reason: "Bad Request: " + why} }

// tidyParams trims the whitespace the parser keeps around parameter names
// and values, so a tag written "; tag = 98asjd8" is the tag 98asjd8.
func tidyParams(ps sip.HeaderParams) {
	for i := range ps {
		ps[i].K = strings.TrimSpace(ps[i].K)
		ps[i].V = strings.TrimSpace(ps[i].V)
	}
}

// required lists the option tags of the request's Require headers (none
// is supported).
func required(req *sip.Request) []string {
	var out []string
	for _, h := range req.GetHeaders("Require") {
		for _, t := range strings.Split(h.Value(), ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// checkOffer refuses an INVITE or UPDATE whose body is not SDP (415) or
// that accepts no SDP in return (406).
func checkOffer(req *sip.Request) *refusal {
	switch _, err := sdpOf(req); {
	case errors.Is(err, errNoSDP):
		return &refusal{code: 415, reason: "Unsupported Media Type", hdrs: []sip.Header{sip.NewHeader("Accept", "application/sdp")}}
	case err != nil:
		return badRequest(err.Error())
	}
	if h := req.GetHeader("Accept"); h != nil && strings.TrimSpace(h.Value()) != "" && !acceptsSDP(h.Value()) {
		return &refusal{code: 406, reason: "Not Acceptable", hdrs: []sip.Header{sip.NewHeader("Accept", "application/sdp")}}
	}
	return nil
}

func acceptsSDP(accept string) bool {
	for _, t := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(t))
		if err == nil && (mt == "application/sdp" || mt == "application/*" || mt == "*/*") {
			return true
		}
	}
	return false
}

// Why a body holds no session description.
var (
	errNoSDP   = errors.New("no application/sdp body")
	errBadBody = errors.New("multipart body does not parse")
)

// sdpOf returns the session description of a request's body (nil for no
// body): the body itself, or the application/sdp part of a
// multipart/mixed body (carriers' SIP-I gateways add ISUP beside the SDP).
// It returns errNoSDP for a body of another type, errBadBody for a broken
// multipart body.
func sdpOf(req *sip.Request) ([]byte, error) {
	body := req.Body()
	if len(body) == 0 {
		return nil, nil
	}
	ct := "application/sdp" // RFC 3261 §20.15: a body without a type is SDP
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	mt, params, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
		return nil, errNoSDP
	case mt == "application/sdp":
		return body, nil
	case mt == "multipart/mixed" && params["boundary"] != "":
		return sdpPart(body, params["boundary"])
	}
	return nil, errNoSDP
}

func sdpPart(body []byte, boundary string) ([]byte, error) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return nil, errNoSDP
		}
		if err != nil {
			return nil, errBadBody
		}
		if mt, _, err := mime.ParseMediaType(p.Header.Get("Content-Type")); err == nil && mt == "application/sdp" {
			b, err := io.ReadAll(p)
			if err != nil {
				return nil, errBadBody
			}
			return b, nil
		}
	}
}

// userOf returns the user part of a URI with its %-escapes decoded (RFC
// 3261 §19.1.4 compares URIs unescaped: sip:%39%36128@… is 96128), or the
// user as written when it does not decode to printable UTF-8.
func userOf(u sip.Uri) string {
	v, err := url.PathUnescape(u.User)
	if err != nil || !printable(v) {
		return u.User
	}
	return v
}

// printable reports whether s is UTF-8 without control characters: what
// may be looked up as an extension.
func printable(s string) bool {
	if !utf8.ValidString(s) || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// checked runs h only for requests that pass check; the others are
// answered here (an ACK never is).
func (s *Server) checked(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		r := check(req)
		if r == nil {
			h(req, tx)
			return
		}
		s.log.Info("sip request refused", "method", string(req.Method), "status", r.code, "reason", r.reason,
			"source", req.Source(), "transport", req.Transport())
		if req.IsAck() {
			return
		}
		res := sip.NewResponseFromRequest(req, r.code, r.reason, nil)
		res.SipVersion = "SIP/2.0"
		for _, h := range r.hdrs {
			res.AppendHeader(h)
		}
		_ = tx.Respond(res)
	}
}

package sipua

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// edges are the SIP edge proxies (Kamailio) in front of the nodes: the only
// senders whose REGISTERs may carry Path (RFC 3327) and the only hosts a
// Path, and so the Route of a request to a phone, may name. Port 0 means
// any port of that address.
type edges []netip.AddrPort

// parseEdges reads "ip" or "ip:port" entries (GOVHALL_SIP_EDGE).
func parseEdges(list []string) (edges, error) {
	var out edges
	for _, e := range list {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if ip, err := netip.ParseAddr(e); err == nil {
			out = append(out, netip.AddrPortFrom(ip.Unmap(), 0))
			continue
		}
		ap, err := netip.ParseAddrPort(e)
		if err != nil {
			return nil, fmt.Errorf("sipua: SIP edge %q must be an IP address, with a port if it matters (10.0.0.5 or 10.0.0.5:5060)", e)
		}
		out = append(out, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
	}
	return out, nil
}

// has reports whether ip:port is an edge (port 0: the address alone).
func (es edges) has(ip netip.Addr, port uint16) bool {
	ip = ip.Unmap()
	for _, e := range es {
		if e.Addr() == ip && (e.Port() == 0 || port == 0 || e.Port() == port) {
			return true
		}
	}
	return false
}

// hasIP reports whether ip is an edge's address.
func (es edges) hasIP(ip netip.Addr) bool { return es.has(ip, 0) }

// source reports whether a request came from an edge.
func (es edges) source(req *sip.Request) bool {
	ap, err := netip.ParseAddrPort(req.Source())
	return err == nil && es.has(ap.Addr(), ap.Port())
}

// uri reports whether u names an edge (a sip: URI whose host is an edge's
// address and whose port, default 5060, is the edge's).
func (es edges) uri(u sip.Uri) bool {
	ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(u.Host, "["), "]"))
	if err != nil || !strings.EqualFold(u.Scheme, "sip") {
		return false
	}
	port := u.Port
	if port == 0 {
		port = 5060
	}
	return es.has(ip, uint16(port))
}

// errPath is a Path a REGISTER may not carry; the registrar answers 403.
type errPath struct{ why string }

func (e *errPath) Error() string { return "sipua: path: " + e.why }

// pathOf returns the Path entries of a REGISTER, topmost first, as they
// will be sent as Route. A Path is accepted only from an edge, and only
// when every entry names an edge: anything else could make govhall send
// requests through hosts of the phone's choosing (an open relay).
func (es edges) pathOf(req *sip.Request) ([]string, error) {
	hs := req.GetHeaders("Path")
	if len(hs) == 0 {
		return nil, nil
	}
	if !es.source(req) {
		return nil, &errPath{"Path from " + req.Source() + ", which is not a SIP edge (GOVHALL_SIP_EDGE)"}
	}
	var out []string
	for _, h := range hs {
		for _, v := range splitList(h.Value()) {
			var u sip.Uri
			params := sip.NewParams()
			if _, err := sip.ParseAddressValue(v, &u, &params); err != nil || !strings.HasPrefix(v, "<") {
				return nil, &errPath{fmt.Sprintf("entry %q is not <sip:URI>", v)}
			}
			if !es.uri(u) {
				return nil, &errPath{fmt.Sprintf("entry %q names no SIP edge", v)}
			}
			out = append(out, v)
		}
	}
	if len(out) > 8 {
		return nil, &errPath{"more than 8 entries"}
	}
	return out, nil
}

// splitList splits a header value at the commas outside <> and quotes.
func splitList(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			depth++
		case c == '>':
			depth--
		case c == ',' && depth == 0:
			out = appendTrimmed(out, v[start:i])
			start = i + 1
		}
	}
	return appendTrimmed(out, v[start:])
}

func appendTrimmed(out []string, s string) []string {
	if s = strings.TrimSpace(s); s != "" {
		out = append(out, s)
	}
	return out
}

// supports reports whether the request lists option tag in Supported.
func supports(req *sip.Request, tag string) bool {
	for _, h := range req.GetHeaders("Supported") {
		for _, t := range strings.Split(h.Value(), ",") {
			if strings.EqualFold(strings.TrimSpace(t), tag) {
				return true
			}
		}
	}
	return false
}

// edgeList shows the edges in a log line.
func (es edges) String() string {
	s := make([]string, len(es))
	for i, e := range es {
		if e.Port() == 0 {
			s[i] = e.Addr().String()
		} else {
			s[i] = e.Addr().String() + ":" + strconv.Itoa(int(e.Port()))
		}
	}
	return strings.Join(s, ",")
}

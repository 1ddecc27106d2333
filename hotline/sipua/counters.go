package sipua

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/emiago/sipgo/sip"
)

// Directions of a MessageCount.
const (
	Received = "received"
	Sent     = "sent"
)

// MessageCount is how many SIP messages of one kind the server handled: a
// request received (Code 0) or a response received or sent, by the method
// of its CSeq and its status code. Methods outside RFC 3261 and its
// extensions are counted as "OTHER", so a peer cannot make up new series.
type MessageCount struct {
	Direction string // Received or Sent
	Method    string
	Code      int // status code of a response; 0 for a request
	N         uint64
}

// messageCounts adds up the SIP messages of a server. Requests are counted
// as the transport layer delivers them (after the flood throttle, before
// any handler), responses received likewise, responses sent when a
// handler sends them. SIP rates are low enough for one mutex.
type messageCounts struct {
	mu      sync.Mutex
	n       map[messageKey]uint64
	dropped atomic.Uint64 // messages the flood throttle dropped
}

type messageKey struct {
	dir, method string
	code        int
}

func newMessageCounts() *messageCounts { return &messageCounts{n: map[messageKey]uint64{}} }

func (m *messageCounts) add(dir string, method sip.RequestMethod, code int) {
	if code != 0 && (code < 100 || code > 699) {
		code = 0
	}
	k := messageKey{dir: dir, method: methodName(method), code: code}
	m.mu.Lock()
	m.n[k]++
	m.mu.Unlock()
}

// received is a sip.MessageHandler of the transport layer.
func (m *messageCounts) received(msg sip.Message) {
	switch msg := msg.(type) {
	case *sip.Request:
		m.add(Received, msg.Method, 0)
	case *sip.Response:
		var method sip.RequestMethod
		if cs := msg.CSeq(); cs != nil {
			method = cs.MethodName
		}
		m.add(Received, method, msg.StatusCode)
	}
}

// snapshot returns the counts in a stable order.
func (m *messageCounts) snapshot() []MessageCount {
	m.mu.Lock()
	out := make([]MessageCount, 0, len(m.n))
	for k, n := range m.n {
		out = append(out, MessageCount{Direction: k.dir, Method: k.method, Code: k.code, N: n})
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Direction != b.Direction {
			return a.Direction < b.Direction
		}
		if a.Method != b.Method {
			return a.Method < b.Method
		}
		return a.Code < b.Code
	})
	return out
}

// methodName returns the method as a constant string, "OTHER" for one this
// server does not know.
func methodName(m sip.RequestMethod) string {
	switch m {
	case sip.INVITE, sip.ACK, sip.CANCEL, sip.BYE, sip.REGISTER, sip.OPTIONS, sip.SUBSCRIBE, sip.NOTIFY,
		sip.REFER, sip.INFO, sip.MESSAGE, sip.PRACK, sip.UPDATE, sip.PUBLISH:
		return string(m)
	}
	return "OTHER"
}

// countingTx is a server transaction whose responses are counted.
type countingTx struct {
	sip.ServerTransaction
	counts *messageCounts
	method sip.RequestMethod
}

// Respond counts res, then sends it.
func (t countingTx) Respond(res *sip.Response) error {
	t.counts.add(Sent, t.method, res.StatusCode)
	return t.ServerTransaction.Respond(res)
}

// counted wraps a request handler so that the responses it sends are counted.
func (s *Server) counted(h func(*sip.Request, sip.ServerTransaction)) func(*sip.Request, sip.ServerTransaction) {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		h(req, countingTx{ServerTransaction: tx, counts: s.msgs, method: req.Method})
	}
}

// Messages returns how many SIP messages the server received and sent, by
// direction, method and status code.
func (s *Server) Messages() []MessageCount { return s.msgs.snapshot() }

// Dropped returns how many messages the flood throttle dropped unread.
func (s *Server) Dropped() uint64 { return s.msgs.dropped.Load() }

// Listening reports whether the server is bound and serving new calls:
// false before Start and once Stop began (draining).
func (s *Server) Listening() bool { return s.started.Load() && !s.draining.Load() }

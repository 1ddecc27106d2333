package sipua

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Defaults of Config.TCPIdle and Config.TCPPerSource.
const (
	defaultTCPIdle      = 3 * time.Minute
	defaultTCPPerSource = 32
)

// errIdle ends a connection that carried no message for Config.TCPIdle.
var errIdle = errors.New("sipua: connection idle")

// listener hands sipgo its TCP (and TLS) connections wrapped in conn,
// at most Config.TCPPerSource open at once from one address: one more is
// closed as soon as it is accepted.
type listener struct {
	net.Listener
	s      *Server
	mu     sync.Mutex
	open   map[netip.Addr]int
	warned atomic.Int64 // unix seconds of the last refusal logged
}

func (s *Server) wrapListener(l net.Listener) *listener {
	return &listener{Listener: l, s: s, open: map[netip.Addr]int{}}
}

// Accept returns the next connection within its source's limit, wrapped.
func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := addrOf(c.RemoteAddr())
		if l.take(ip) {
			w := l.s.wrapConn(c)
			w.release = func() { l.give(ip) }
			return w, nil
		}
		c.Close()
		l.s.msgs.dropped.Add(1)
		if now := time.Now().Unix(); l.warned.Swap(now) < now-10 {
			l.s.log.Warn("sip: connection refused: too many open from its address", "source", ip, "limit", l.s.cfg.TCPPerSource)
		}
	}
}

func (l *listener) take(ip netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip] >= l.s.cfg.TCPPerSource {
		return false
	}
	l.open[ip]++
	return true
}

func (l *listener) give(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

// conn is an accepted SIP connection. It frames what it reads as sipgo
// will, and when a message cannot be parsed it answers 400 (answer400)
// before sipgo drops the message and closes the connection. A connection
// that carries no message (keep-alive CRLFs do not count) for
// Config.TCPIdle ends, unless a phone registered over it or a call came
// in over it and is still up.
type conn struct {
	net.Conn
	s       *Server
	par     *sip.ParserStream
	pending []byte // bytes of the message being framed
	broken  bool   // framing failed: sipgo closes the connection
	last    time.Time
	release func()
	closed  sync.Once
}

func (s *Server) wrapConn(c net.Conn) *conn {
	return &conn{Conn: c, s: s, par: s.parser.NewSIPStream(), last: time.Now(), release: func() {}}
}

// Read reads from the connection and frames what it read; it returns
// errIdle when the connection has been idle too long.
func (c *conn) Read(b []byte) (int, error) {
	for {
		if c.s.cfg.TCPIdle > 0 {
			_ = c.Conn.SetReadDeadline(c.last.Add(c.s.cfg.TCPIdle))
		}
		n, err := c.Conn.Read(b)
		if n > 0 {
			if len(trimCRLF(b[:n])) > 0 {
				c.last = time.Now()
			}
			if !c.broken {
				c.frame(b[:n])
			}
			return n, err
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() || c.s.cfg.TCPIdle <= 0 {
			return n, err
		}
		src := c.RemoteAddr().String()
		if !c.s.reg.registeredOver(src) && !c.s.inCallOver(src) {
			c.s.log.Info("sip: idle connection closed", "source", src, "idle", c.s.cfg.TCPIdle.String())
			return 0, errIdle
		}
		c.last = time.Now()
	}
}

// Close closes the connection, giving its place back to its source.
func (c *conn) Close() error {
	c.closed.Do(c.release)
	return c.Conn.Close()
}

func trimCRLF(b []byte) []byte {
	for len(b) > 0 && (b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}

// registeredOver reports whether a live binding's REGISTER came over the
// stream connection from src (ip:port).
func (r *Registrar) registeredOver(src string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	for _, bs := range r.bindings {
		for _, b := range bs {
			if b.Source == src && sip.IsReliable(b.Transport) && b.Expires.After(now) {
				return true
			}
		}
	}
	return false
}

// inCallOver reports whether a call in progress came in from src.
func (s *Server) inCallOver(src string) bool {
	found := false
	s.dialogs.Range(func(_, v any) bool {
		if in, ok := v.(*Inbound); ok && in.Source == src {
			found = true
		}
		return !found
	})
	return found
}

// frame feeds data to the connection's parser; each message parsed is
// forgotten, and one that fails is answered.
func (c *conn) frame(data []byte) {
	c.pending = append(c.pending, data...)
	if _, err := c.par.Write(data); err != nil {
		return
	}
	for c.par.Buffer().Len() > 0 {
		_, n, err := c.par.ParseNext()
		switch {
		case err == nil:
			c.pending = c.pending[min(n, len(c.pending)):]
		case errors.Is(err, io.ErrUnexpectedEOF):
			return
		default:
			c.broken = true
			if !errors.Is(err, sip.ErrMessageTooLarge) {
				c.s.answerUnreadable(c.pending, err, func(res []byte) error {
					_, err := c.Conn.Write(res)
					return err
				})
			}
			c.pending = nil
			return
		}
	}
}

package sipua

import (
	"errors"
	"io"
	"net"

	"github.com/emiago/sipgo/sip"
)

// listener hands sipgo its TCP (and TLS) connections wrapped in conn.
type listener struct {
	net.Listener
	s *Server
}

// Accept returns the next connection, wrapped.
func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.s.wrapConn(c), nil
}

// conn is an accepted SIP connection. It frames what it reads as sipgo
// will, and when a message cannot be parsed it answers 400 (answer400)
// before sipgo drops the message and closes the connection.
type conn struct {
	net.Conn
	s       *Server
	par     *sip.ParserStream
	pending []byte // bytes of the message being framed
	broken  bool   // framing failed: sipgo closes the connection
}

func (s *Server) wrapConn(c net.Conn) *conn {
	return &conn{Conn: c, s: s, par: s.parser.NewSIPStream()}
}

// Read reads from the connection and frames what it read.
func (c *conn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.broken {
		c.frame(b[:n])
	}
	return n, err
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

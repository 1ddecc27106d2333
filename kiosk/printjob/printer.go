package printjob

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"
)

// DefaultPort is the raw printing port of network printers (JetDirect).
const DefaultPort = "9100"

// Timeouts used when a Client leaves them zero.
const (
	DefaultDialTimeout  = 3 * time.Second
	DefaultWriteTimeout = 30 * time.Second
	DefaultReplyTimeout = 2 * time.Second
)

// Client delivers jobs to network printers and asks them for their status.
// The zero Client uses the default timeouts. A printer serves one
// connection at a time: callers should not send to the same printer from
// two goroutines at once.
type Client struct {
	DialTimeout  time.Duration // connecting
	WriteTimeout time.Duration // handing over a whole job
	ReplyTimeout time.Duration // each status reply
}

// Send delivers job to the printer at addr ("host" or "host:port"; port
// 9100 by default) with the zero Client.
func Send(ctx context.Context, addr string, job []byte) error {
	return Client{}.Send(ctx, addr, job)
}

// Send connects to the printer at addr, writes job and closes the
// connection. It returns nil once the printer's TCP stack accepted every
// byte (ask Status afterwards to learn whether paper ran out). Errors wrap
// ErrNoPrinter for an empty address, ErrUnreachable when the connection is
// refused or fails, ErrTimeout when connecting or writing takes too long,
// or the context's error.
func (c Client) Send(ctx context.Context, addr string, job []byte) error {
	conn, addr, err := c.dial(ctx, addr)
	if err != nil {
		return fmt.Errorf("printjob: send: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	conn.SetWriteDeadline(time.Now().Add(orDefault(c.WriteTimeout, DefaultWriteTimeout)))
	if _, err := conn.Write(job); err != nil {
		return fmt.Errorf("printjob: send %d bytes to %s: %w", len(job), addr, netErr(ctx, err))
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		// A clean FIN tells print servers that the job is complete.
		if err := tc.CloseWrite(); err != nil {
			return fmt.Errorf("printjob: send to %s: finish: %w", addr, netErr(ctx, err))
		}
	}
	return nil
}

// dial connects to addr, adding the default port, and returns the address
// it used.
func (c Client) dial(ctx context.Context, addr string) (net.Conn, string, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return nil, "", ErrNoPrinter
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), DefaultPort)
	}
	d := net.Dialer{Timeout: orDefault(c.DialTimeout, DefaultDialTimeout)}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, addr, fmt.Errorf("connect to %s: %w", addr, netErr(ctx, err))
	}
	return conn, addr, nil
}

// netErr classifies a network error as ErrTimeout or ErrUnreachable,
// keeping the original error in the chain.
func netErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return errors.Join(ctx.Err(), err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%w (connection refused; is it switched on and is port 9100 right?): %w", ErrUnreachable, err)
	}
	return fmt.Errorf("%w: %w", ErrUnreachable, err)
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

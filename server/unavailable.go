package server

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"

	"github.com/lib/pq"
)

// unavailableText is what a client is told while the database cannot be
// reached (restarting, down, the connection lost): nothing is wrong with
// the request, it may be sent again in a moment.
const unavailableText = "系统暂时无法处理，请稍后再试"

// unavailableRetry is the Retry-After of such answers, in seconds.
const unavailableRetry = "5"

// unavailable reports whether err means that the database (or another
// service over the network) cannot be reached right now, rather than a
// fault of the request or the program: a failed dial or a broken
// connection, or PostgreSQL shutting down, starting up or out of
// connections. Such errors are answered 503.
func unavailable(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code.Class() {
		case "08", // connection exception
			"53", // insufficient resources (too many connections)
			"57": // operator intervention: shutdown, starting up, cancelled
			return true
		}
	}
	return false
}

package server

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/lib/pq"

	"github.com/govhall/govhall/kiosk"
)

// TestUnavailable: what a database going away looks like through lib/pq
// (seen in the fault tests of cmd/govhall) is 503; errors of the request
// or of the program are not.
func TestUnavailable(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "unix", Err: &net.AddrError{Err: "no such file or directory"}}
	reset := &net.OpError{Op: "read", Net: "unix", Err: syscall.ECONNRESET}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("queries: begin: %w", dial), true},
		{fmt.Errorf("kiosk: get document 3: %w", reset), true},
		{fmt.Errorf("search: %w", driver.ErrBadConn), true},
		{&pq.Error{Code: "57P01", Message: "terminating connection due to administrator command"}, true},
		{fmt.Errorf("x: %w", &pq.Error{Code: "57P03", Message: "the database system is shutting down"}), true},
		{&pq.Error{Code: "53300", Message: "too many connections"}, true},
		{&pq.Error{Code: "42P01", Message: "relation does not exist"}, false},
		{&pq.Error{Code: "23505", Message: "duplicate key"}, false},
		{fmt.Errorf("%w: bad date", kiosk.ErrInvalid), false},
		{errors.New("boom"), false},
	} {
		if got := unavailable(tc.err); got != tc.want {
			t.Errorf("unavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

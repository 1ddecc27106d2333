package staff

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
)

// SessionLive returns the account of a valid session token, as Session
// does, without counting it as activity (a console's open event stream is
// no sign that someone is at the desk); otherwise ErrNoSession.
func (s *Store) SessionLive(ctx context.Context, token string) (Account, error) {
	sum := sha256.Sum256([]byte(token))
	const q = `SELECT a.id, a.username, a.display_name, a.roles, a.department_id, a.disabled
		FROM sessions s JOIN accounts a ON a.id = s.account_id
		WHERE s.token_hash = $1 AND s.expires_at > now() AND s.idle_until > now() AND NOT a.disabled`
	var a Account
	err := s.db.GetContext(ctx, &a, q, sum[:])
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNoSession
	}
	if err != nil {
		return a, fmt.Errorf("staff: session: %w", err)
	}
	return a, nil
}

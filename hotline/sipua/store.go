package sipua

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Store keeps what every govhall node must see of the registrar in
// PostgreSQL: the phones' bindings (with their Path), the nonce counts
// already used, and the shared nonce key. It is safe for concurrent use.
type Store struct {
	db *sqlx.DB
}

// NewStore returns the registrar's store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

// bindingRow is a row of sip_bindings.
type bindingRow struct {
	Extension string         `db:"extension"`
	Contact   string         `db:"contact"`
	Source    string         `db:"source"`
	Transport string         `db:"transport"`
	Path      pq.StringArray `db:"path"`
	ExpiresAt time.Time      `db:"expires_at"`
	CallID    string         `db:"call_id"`
	CSeq      int64          `db:"cseq"`
	NodeID    string         `db:"node_id"`
}

const selectBindings = `
SELECT extension, contact, source, transport, path, expires_at, call_id, cseq, node_id
  FROM sip_bindings WHERE extension = $1 AND expires_at > now()
 ORDER BY expires_at DESC`

const deleteAllBindings = `DELETE FROM sip_bindings WHERE extension = $1`

const deleteBinding = `DELETE FROM sip_bindings WHERE extension = $1 AND contact_key = $2`

const upsertBinding = `
INSERT INTO sip_bindings (extension, contact_key, contact, source, transport, path, expires_at, call_id, cseq, node_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (extension, contact_key) DO UPDATE SET contact = EXCLUDED.contact, source = EXCLUDED.source,
       transport = EXCLUDED.transport, path = EXCLUDED.path, expires_at = EXCLUDED.expires_at,
       call_id = EXCLUDED.call_id, cseq = EXCLUDED.cseq, node_id = EXCLUDED.node_id, updated_at = now()`

// Bindings returns the live bindings of user, the one expiring last first.
func (s *Store) Bindings(ctx context.Context, user string) ([]Binding, error) {
	var rows []bindingRow
	if err := s.db.SelectContext(ctx, &rows, selectBindings, user); err != nil {
		return nil, fmt.Errorf("sipua: bindings of %s: %w", user, err)
	}
	return bindingsOf(rows), nil
}

// ApplyBindings changes the bindings of user in one transaction: all
// removes every one first, then the contacts in remove go and add are
// written (replacing a binding of the same contact). It returns the live
// bindings of user afterwards, including those other nodes wrote.
func (s *Store) ApplyBindings(ctx context.Context, user string, add []Binding, remove []sip.Uri, all bool) ([]Binding, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sipua: bindings of %s: %w", user, err)
	}
	defer tx.Rollback()
	if all {
		if _, err := tx.ExecContext(ctx, deleteAllBindings, user); err != nil {
			return nil, fmt.Errorf("sipua: drop bindings of %s: %w", user, err)
		}
	}
	for _, u := range remove {
		if _, err := tx.ExecContext(ctx, deleteBinding, user, contactKey(u)); err != nil {
			return nil, fmt.Errorf("sipua: remove binding of %s: %w", user, err)
		}
	}
	for _, b := range add {
		if _, err := tx.ExecContext(ctx, upsertBinding, user, contactKey(b.Contact), b.Contact.String(), b.Source,
			b.Transport, pq.StringArray(nonNil(b.Path)), b.Expires, b.CallID, int64(b.CSeq), b.NodeID); err != nil {
			return nil, fmt.Errorf("sipua: write binding of %s: %w", user, err)
		}
	}
	var rows []bindingRow
	if err := tx.SelectContext(ctx, &rows, selectBindings, user); err != nil {
		return nil, fmt.Errorf("sipua: bindings of %s: %w", user, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sipua: bindings of %s: %w", user, err)
	}
	return bindingsOf(rows), nil
}

const pruneBindings = `DELETE FROM sip_bindings WHERE expires_at <= now()`

const pruneNonces = `DELETE FROM sip_nonce_counts WHERE expires_at <= now()`

// Prune deletes expired bindings and nonce counts and returns how many
// bindings went.
func (s *Store) Prune(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, pruneBindings)
	if err != nil {
		return 0, fmt.Errorf("sipua: prune bindings: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, pruneNonces); err != nil {
		return 0, fmt.Errorf("sipua: prune nonce counts: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// useNonce raises the count of nonce to nc; a row is returned only when
// nc is above the count already used (or the nonce is new).
const useNonce = `
INSERT INTO sip_nonce_counts (nonce, nc, expires_at) VALUES ($1, $2, $3)
ON CONFLICT (nonce) DO UPDATE SET nc = EXCLUDED.nc WHERE sip_nonce_counts.nc < EXCLUDED.nc
RETURNING nc`

// UseNonce records that nonce (valid until expires) was used with count
// nc by a request with a right digest, and reports whether nc is above
// every count used with it before, on any node.
func (s *Store) UseNonce(ctx context.Context, nonce string, nc int, expires time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, useNonce, nonce, nc, expires)
	if err != nil {
		return false, fmt.Errorf("sipua: nonce count: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sipua: nonce count: %w", err)
	}
	return n == 1, nil
}

const insertSecret = `INSERT INTO sip_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`

const selectSecret = `SELECT secret FROM sip_secrets WHERE name = $1`

// SharedKey returns the 32-byte secret called name, creating it at random
// if no node has yet: every node sharing the database gets the same.
func (s *Store) SharedKey(ctx context.Context, name string) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("sipua: secret %s: %w", name, err)
	}
	if _, err := s.db.ExecContext(ctx, insertSecret, name, key); err != nil {
		return nil, fmt.Errorf("sipua: secret %s: %w", name, err)
	}
	var got []byte
	if err := s.db.GetContext(ctx, &got, selectSecret, name); err != nil {
		return nil, fmt.Errorf("sipua: secret %s: %w", name, err)
	}
	return got, nil
}

func bindingsOf(rows []bindingRow) []Binding {
	out := make([]Binding, 0, len(rows))
	for _, r := range rows {
		var u sip.Uri
		if err := sip.ParseUri(r.Contact, &u); err != nil {
			continue // written by ParseUri's own output: cannot happen
		}
		out = append(out, Binding{User: r.Extension, Contact: u, Source: r.Source, Transport: r.Transport,
			Path: []string(r.Path), Expires: r.ExpiresAt, CallID: r.CallID, CSeq: uint32(r.CSeq), NodeID: r.NodeID})
	}
	return out
}

// contactKey is what makes two contacts the same binding (sameContact).
func contactKey(u sip.Uri) string {
	return fmt.Sprintf("%s@%s:%d", u.User, strings.ToLower(u.Host), u.Port)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

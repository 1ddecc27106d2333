package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// IdempotencyStore keeps the answers of POSTs sent with Idempotency-Key
// (table idempotency_keys, migration 0025).
type IdempotencyStore struct{ db *sqlx.DB }

// NewIdempotencyStore returns the store on db.
func NewIdempotencyStore(db *sqlx.DB) *IdempotencyStore { return &IdempotencyStore{db: db} }

// IdempotencyRetention is how long a key is kept.
const IdempotencyRetention = 24 * time.Hour

// idempotencyRecord is a key's row; Status 0 is a request still running.
type idempotencyRecord struct {
	RequestHash []byte `db:"request_hash"`
	Status      int    `db:"status"`
	ContentType string `db:"content_type"`
	Body        []byte `db:"body"`
}

// A new key is inserted as pending; a pending row of the same request
// older than the request timeout (its node died) is taken over. The unique
// key makes two nodes racing on one key see each other.
const (
	claimIdempotencySQL = `
INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
ON CONFLICT (scope, key) DO UPDATE SET created_at = now()
  WHERE idempotency_keys.status = 0 AND idempotency_keys.request_hash = EXCLUDED.request_hash
    AND idempotency_keys.created_at < now() - make_interval(secs => $4)
RETURNING true`
	readIdempotencySQL   = `SELECT request_hash, status, content_type, body FROM idempotency_keys WHERE scope = $1 AND key = $2`
	finishIdempotencySQL = `UPDATE idempotency_keys SET status = $3, content_type = $4, body = $5 WHERE scope = $1 AND key = $2`
	forgetIdempotencySQL = `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status = 0`
	pruneIdempotencySQL  = `DELETE FROM idempotency_keys WHERE created_at < $1`
)

// Begin claims the key for a request: owned is true when the caller is to
// run it; otherwise rec is the key's row (pending or finished).
func (st *IdempotencyStore) Begin(ctx context.Context, scope, key string, hash []byte, timeout time.Duration) (rec idempotencyRecord, owned bool, err error) {
	for attempt := 0; attempt < 3; attempt++ {
		var claimed bool
		err = st.db.QueryRowContext(ctx, claimIdempotencySQL, scope, key, hash, timeout.Seconds()).Scan(&claimed)
		if err == nil {
			return rec, true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return rec, false, fmt.Errorf("claim idempotency key: %w", err)
		}
		err = st.db.GetContext(ctx, &rec, readIdempotencySQL, scope, key)
		if err == nil {
			return rec, false, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return rec, false, fmt.Errorf("read idempotency key: %w", err)
		}
		// Freed between the two statements (a 5xx): claim it again.
	}
	return rec, false, fmt.Errorf("claim idempotency key: freed and taken %d times", 3)
}

// Finish stores the answer of the request that owns the key.
func (st *IdempotencyStore) Finish(ctx context.Context, scope, key string, status int, contentType string, body []byte) error {
	if _, err := st.db.ExecContext(ctx, finishIdempotencySQL, scope, key, status, contentType, body); err != nil {
		return fmt.Errorf("store idempotent answer: %w", err)
	}
	return nil
}

// Forget frees a pending key, so that a retry runs the request again.
func (st *IdempotencyStore) Forget(ctx context.Context, scope, key string) error {
	if _, err := st.db.ExecContext(ctx, forgetIdempotencySQL, scope, key); err != nil {
		return fmt.Errorf("free idempotency key: %w", err)
	}
	return nil
}

// Prune deletes the keys created before before and returns how many.
func (st *IdempotencyStore) Prune(ctx context.Context, before time.Time) (int64, error) {
	res, err := st.db.ExecContext(ctx, pruneIdempotencySQL, before)
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	return res.RowsAffected()
}

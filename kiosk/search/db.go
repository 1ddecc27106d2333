package search

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// txExec is what the store's writes need of a transaction.
type txExec interface {
	sqlx.ExecerContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// inTx runs f in one transaction and commits when it returns nil.
func (s *Store) inTx(ctx context.Context, f func(tx txExec) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("search: begin: %w", err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("search: commit: %w", err)
	}
	return nil
}

// readTx runs f in a read-only transaction whose planner never scans
// documents sequentially (a filtered scan looks cheap to the planner although
// every row would detoast a large tsvector) and uses generic plans for
// prepared statements: the search statement takes longer to plan than to
// run, so each connection plans it once. JIT is off: these queries are short.
func (s *Store) readTx(ctx context.Context, f func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("search: begin: %w", err)
	}
	defer tx.Rollback()
	const settings = `SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true),
		set_config('plan_cache_mode', 'force_generic_plan', true)`
	if _, err := tx.ExecContext(ctx, settings); err != nil {
		return fmt.Errorf("search: planner settings: %w", err)
	}
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("search: commit: %w", err)
	}
	return nil
}

// prepared returns query prepared on the pool; database/sql prepares it
// once on each connection that runs it.
func (s *Store) prepared(ctx context.Context, query string) (*sqlx.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.db.PreparexContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("search: prepare: %w", err)
	}
	s.stmts[query] = st
	return st, nil
}

// getPrepared runs a prepared query for one row inside tx.
func (s *Store) getPrepared(ctx context.Context, tx *sqlx.Tx, dest any, query string, args ...any) error {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return err
	}
	return tx.StmtxContext(ctx, st).GetContext(ctx, dest, args...)
}

// selectPrepared runs a prepared query for rows inside tx.
func (s *Store) selectPrepared(ctx context.Context, tx *sqlx.Tx, dest any, query string, args ...any) error {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return err
	}
	return tx.StmtxContext(ctx, st).SelectContext(ctx, dest, args...)
}

// audit writes one audit_log row in the caller's transaction.
func audit(ctx context.Context, tx sqlx.ExecerContext, a Actor, action string, objID any, detail map[string]any) error {
	js, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("search: audit detail: %w", err)
	}
	const q = `INSERT INTO audit_log (account_id, actor, ip, action, object_type, object_id, detail)
		VALUES (NULLIF($1, 0), $2, $3, $4, 'search', $5, $6)`
	if _, err := tx.ExecContext(ctx, q, a.AccountID, a.Username, a.IP, action, fmt.Sprint(objID), js); err != nil {
		return fmt.Errorf("search: audit %s: %w", action, err)
	}
	return nil
}

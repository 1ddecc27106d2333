package search

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ZeroResult is a query that found nothing: what citizens look for and the
// catalog lacks (or words the synonym table should know).
type ZeroResult struct {
	Query     string    `db:"query" json:"query"`
	Count     int64     `db:"count" json:"count"`
	FirstSeen time.Time `db:"first_seen" json:"first_seen"`
	LastSeen  time.Time `db:"last_seen" json:"last_seen"`
}

const logZeroSQL = `INSERT INTO search_zero_results (qkey, query) VALUES ($1, $2)
	ON CONFLICT (qkey) DO UPDATE SET count = search_zero_results.count + 1, last_seen = now(), query = EXCLUDED.query`

// logZero records a query without results. A failure is logged, not
// returned: the citizen still gets the (empty) answer.
func (s *Store) logZero(ctx context.Context, qkey, query string) {
	if s.noZeroLog {
		return
	}
	shown := strings.Join(strings.Fields(normalizeKeepCase(query)), " ")
	if _, err := s.db.ExecContext(ctx, logZeroSQL, qkey, shown); err != nil {
		s.log.Warn("search: log zero-result query", "err", err)
	}
}

// ZeroResults lists zero-result queries for admins, most recent first or,
// with byCount, most frequent first; it returns the page and the number of
// distinct queries. limit is 1–200.
func (s *Store) ZeroResults(ctx context.Context, limit, offset int, byCount bool) ([]ZeroResult, int, error) {
	if limit < 1 || limit > 200 {
		return nil, 0, fieldErr("limit", "limit must be between 1 and 200")
	}
	if offset < 0 {
		return nil, 0, fieldErr("offset", "offset must not be negative")
	}
	order := `last_seen DESC, qkey`
	if byCount {
		order = `count DESC, last_seen DESC, qkey`
	}
	var out []ZeroResult
	q := `SELECT query, count, first_seen, last_seen FROM search_zero_results ORDER BY ` + order + ` LIMIT $1 OFFSET $2`
	if err := s.db.SelectContext(ctx, &out, q, limit, offset); err != nil {
		return nil, 0, fmt.Errorf("search: list zero-result queries: %w", err)
	}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM search_zero_results`); err != nil {
		return nil, 0, fmt.Errorf("search: count zero-result queries: %w", err)
	}
	return out, total, nil
}

// DismissZeroResult removes a query from the zero-result list once it has
// been dealt with (a document published, a synonym added), audited. It
// fails with ErrNotFound when the query is not listed.
func (s *Store) DismissZeroResult(ctx context.Context, a Actor, query string) error {
	qkey := queryKey(query)
	return s.inTx(ctx, func(tx txExec) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM search_zero_results WHERE qkey = $1`, qkey)
		if err != nil {
			return fmt.Errorf("search: dismiss zero-result query: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: zero-result query %q", ErrNotFound, query)
		}
		return audit(ctx, tx, a, "search.zero_result.dismiss", qkey, map[string]any{"query": query})
	})
}

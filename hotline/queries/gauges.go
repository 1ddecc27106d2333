package queries

import (
	"context"
	"fmt"
	"time"
)

// Gauges are the open work of the queries at a moment, for monitoring.
// Each figure comes from a partial index, so reading them costs the same
// whatever the number of answered queries.
type Gauges struct {
	Open         map[Status]int // open queries by status (every status but Answered, zeros included)
	Overdue      int            // running clocks past their due time
	Unsent       int            // notifications not yet sent
	GivenUp      int            // … of which delivery failed too often to be retried
	OldestUnsent time.Duration  // age of the oldest unsent notification; 0 when none
}

const gaugesOpenSQL = `SELECT status, count(*) AS n FROM queries WHERE status <> 'answered' GROUP BY status`

const gaugesSQL = `SELECT
	(SELECT count(*) FROM query_clocks WHERE closed_at IS NULL AND stopped_at IS NULL AND due_at < $1) AS overdue,
	count(*) AS unsent,
	count(*) FILTER (WHERE attempts >= $2) AS given_up,
	min(created_at) AS oldest
	FROM notification_outbox WHERE sent_at IS NULL`

// Gauges reads the open queries by status, the overdue clocks and the
// unsent notifications.
func (s *Store) Gauges(ctx context.Context) (Gauges, error) {
	g := Gauges{Open: map[Status]int{Accepted: 0, Assigned: 0, ForwardPending: 0}}
	var open []struct {
		Status Status `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &open, gaugesOpenSQL); err != nil {
		return Gauges{}, fmt.Errorf("queries: open queries by status: %w", err)
	}
	for _, o := range open {
		g.Open[o.Status] = o.N
	}
	now := s.now()
	var row struct {
		Overdue int        `db:"overdue"`
		Unsent  int        `db:"unsent"`
		GivenUp int        `db:"given_up"`
		Oldest  *time.Time `db:"oldest"`
	}
	if err := s.db.GetContext(ctx, &row, gaugesSQL, now, maxAttempts); err != nil {
		return Gauges{}, fmt.Errorf("queries: overdue clocks and unsent notifications: %w", err)
	}
	g.Overdue, g.Unsent, g.GivenUp = row.Overdue, row.Unsent, row.GivenUp
	if row.Oldest != nil {
		g.OldestUnsent = max(now.Sub(*row.Oldest), 0)
	}
	return g, nil
}

package migrations

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// State compares the migrations recorded in the database with those
// embedded in this binary.
type State struct {
	Embedded int      // migrations embedded in the binary
	Applied  int      // migrations recorded in schema_migrations
	Pending  []string // embedded but not applied, in order
	Unknown  []int    // applied but not embedded: a newer binary migrated the database
}

// Current reports whether the database is exactly at the binary's migrations.
func (s State) Current() bool { return len(s.Pending) == 0 && len(s.Unknown) == 0 }

// Status reads schema_migrations (none yet: every migration is pending).
func Status(ctx context.Context, db sqlx.QueryerContext) (State, error) {
	ms, err := List()
	if err != nil {
		return State{}, err
	}
	var exists bool
	if err := sqlx.GetContext(ctx, db, &exists, `SELECT to_regclass('schema_migrations') IS NOT NULL`); err != nil {
		return State{}, fmt.Errorf("migrations: status: %w", err)
	}
	var applied []int
	if exists {
		if err := sqlx.SelectContext(ctx, db, &applied, `SELECT version FROM schema_migrations ORDER BY version`); err != nil {
			return State{}, fmt.Errorf("migrations: status: %w", err)
		}
	}
	st := State{Embedded: len(ms), Applied: len(applied)}
	done := map[int]bool{}
	for _, v := range applied {
		done[v] = true
		if v < 1 || v > len(ms) {
			st.Unknown = append(st.Unknown, v)
		}
	}
	for _, m := range ms {
		if !done[m.Version] {
			st.Pending = append(st.Pending, m.Name)
		}
	}
	return st, nil
}

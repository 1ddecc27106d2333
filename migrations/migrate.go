// Package migrations holds the numbered SQL migrations of govhall, embedded in
// the binary, and applies them in order. Each migration runs in its own
// transaction and is recorded in schema_migrations; the whole run holds a
// PostgreSQL advisory lock so that two instances started at once never race.
package migrations

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"

	"github.com/jmoiron/sqlx"
)

//go:embed *.sql
var files embed.FS

// lockKey is the advisory lock id held while migrating ("govhall" in ASCII).
const lockKey = 0x676f7668616c6c

var nameRE = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

// ErrBadName is returned when a migration file is not named NNNN_what.sql or
// the numbers have a gap or a duplicate.
var ErrBadName = errors.New("migrations: bad migration file name or numbering")

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// List returns the embedded migrations in order. It fails with ErrBadName when
// the numbering is not 1, 2, 3 … without gaps.
func List() ([]Migration, error) {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, fmt.Errorf("migrations: read embedded files: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		m := nameRE.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("%w: %s", ErrBadName, e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		body, err := files.ReadFile(e.Name())
		if err != nil {
			return nil, fmt.Errorf("migrations: read %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("%w: %s should be number %04d", ErrBadName, m.Name, i+1)
		}
	}
	return ms, nil
}

// Up applies every migration not yet recorded in schema_migrations and
// returns the names of those it applied. A failing migration is rolled back
// whole and stops the run.
func Up(ctx context.Context, db *sqlx.DB) ([]string, error) {
	ms, err := List()
	if err != nil {
		return nil, err
	}
	conn, err := db.Connx(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return nil, fmt.Errorf("migrations: take lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockKey)

	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY,
		name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`
	if _, err := conn.ExecContext(ctx, create); err != nil {
		return nil, fmt.Errorf("migrations: create schema_migrations: %w", err)
	}
	var applied []string
	for _, m := range ms {
		done, err := apply(ctx, conn, m)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.Name)
		}
	}
	return applied, nil
}

func apply(ctx context.Context, conn *sqlx.Conn, m Migration) (bool, error) {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrations: begin %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.Version); err != nil {
		return false, fmt.Errorf("migrations: check %s: %w", m.Name, err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("migrations: apply %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		return false, fmt.Errorf("migrations: record %s: %w", m.Name, err)
	}
	return true, tx.Commit()
}

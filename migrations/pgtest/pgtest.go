// Package pgtest is the test harness for real PostgreSQL: one private cluster
// per test binary (from the installed server binaries, fsync off), a template
// database migrated once, and a fresh clone of it for every test so that
// tests run in parallel without seeing each other's rows. A missing
// PostgreSQL fails the test; it never turns into a skip.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/migrations"
	"github.com/govhall/govhall/migrations/pgcluster"
)

const template = "govhall_template"

var (
	once    sync.Once
	cluster *pgcluster.Cluster
	tmpDir  string
	initErr error
	seq     atomic.Int64
)

// sharedEnv names the data directory of a running cluster with a migrated
// template. A test binary sets it for the processes it starts, so that a
// fuzzing worker (a child process running the same fuzz target) joins its
// parent's cluster instead of starting one of its own, which would take
// longer than a short fuzzing run lasts.
const sharedEnv = "GOVHALL_PGTEST_DIR"

func setup() {
	ctx := context.Background()
	if dir := os.Getenv(sharedEnv); dir != "" {
		cluster, initErr = pgcluster.Start(ctx, pgcluster.Options{Dir: dir}) // reused, left running
		return
	}
	tmpDir, initErr = os.MkdirTemp("", "govhall-pgtest-")
	if initErr != nil {
		return
	}
	_ = os.Chmod(tmpDir, 0o755)
	cluster, initErr = pgcluster.Start(ctx, pgcluster.Options{Dir: tmpDir + "/pg", NoSync: true})
	if initErr != nil {
		return
	}
	if initErr = cluster.EnsureDatabase(ctx, template); initErr != nil {
		return
	}
	db, err := sqlx.Open("postgres", cluster.URL(template))
	if err != nil {
		initErr = err
		return
	}
	defer db.Close()
	if _, initErr = migrations.Up(ctx, db); initErr == nil {
		initErr = os.Setenv(sharedEnv, cluster.Dir())
	}
}

// Main runs the tests of a package and stops the cluster afterwards. Call it
// from TestMain: `func TestMain(m *testing.M) { pgtest.Main(m) }`.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

// URL returns the connection URL of a new database cloned from the migrated
// template; the database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	name := clone(t)
	t.Cleanup(func() {
		a, err := sqlx.Open("postgres", cluster.URL("postgres"))
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	return cluster.URL(name)
}

// SharedURL is URL for a database that outlives the test that made it, so
// that several benchmarks of one binary can share a large data set; it goes
// with the cluster when Main returns.
func SharedURL(t testing.TB) string {
	t.Helper()
	return cluster.URL(clone(t))
}

func clone(t testing.TB) string {
	t.Helper()
	once.Do(setup)
	if initErr != nil {
		t.Fatalf("pgtest: PostgreSQL is required (make test installs it): %v", initErr)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), seq.Add(1))
	admin, err := sqlx.Open("postgres", cluster.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + template); err != nil {
		t.Fatalf("pgtest: clone template: %v", err)
	}
	return name
}

// New returns an open connection pool to a fresh migrated database, closed
// when the test ends.
func New(t testing.TB) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", URL(t))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(20)
	t.Cleanup(func() { db.Close() })
	return db
}

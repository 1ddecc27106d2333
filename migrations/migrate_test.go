package migrations_test

import (
	"context"
	"sync"
	"testing"

	"github.com/govhall/govhall/migrations"
	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestNumberingHasNoGaps(t *testing.T) {
	ms, err := migrations.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 2 {
		t.Fatalf("got %d migrations, want at least 2", len(ms))
	}
}

// TestUpTwiceConcurrently runs two migrators at once on an already migrated
// database and on a fresh one: the advisory lock serialises them and nothing
// is applied twice.
func TestUpTwiceConcurrently(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	if _, err := db.Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([][]string, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = migrations.Up(ctx, db)
		}()
	}
	wg.Wait()
	ms, _ := migrations.List()
	total := 0
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("migrator %d: %v", i, errs[i])
		}
		total += len(results[i])
	}
	if total != len(ms) {
		t.Fatalf("applied %d migrations in total, want %d", total, len(ms))
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM schema_migrations`); err != nil || n != len(ms) {
		t.Fatalf("schema_migrations has %d rows (%v), want %d", n, err, len(ms))
	}
}

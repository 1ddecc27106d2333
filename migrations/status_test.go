package migrations_test

import (
	"context"
	"testing"

	"github.com/govhall/govhall/migrations"
	"github.com/govhall/govhall/migrations/pgtest"
)

// TestStatus: a migrated database is current; a migration forgotten or one
// unknown to the binary is named.
func TestStatus(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	ms, _ := migrations.List()
	st, err := migrations.Status(ctx, db)
	if err != nil || !st.Current() || st.Applied != len(ms) || st.Embedded != len(ms) {
		t.Fatalf("migrated database: %+v %v", st, err)
	}
	last := ms[len(ms)-1]
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = $1`, last.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_from_the_future.sql')`); err != nil {
		t.Fatal(err)
	}
	st, err = migrations.Status(ctx, db)
	if err != nil || st.Current() || len(st.Pending) != 1 || st.Pending[0] != last.Name || len(st.Unknown) != 1 || st.Unknown[0] != 9999 {
		t.Fatalf("one missing, one unknown: %+v %v", st, err)
	}
	if _, err := db.Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	if st, err = migrations.Status(ctx, db); err != nil || len(st.Pending) != len(ms) || st.Applied != 0 {
		t.Fatalf("empty database: %+v %v", st, err)
	}
}

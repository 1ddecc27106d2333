package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/govhall/govhall/kiosk/synth"
	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// runCmd runs the whole program with args against a test database.
func runCmd(t testing.TB, dbURL string, args ...string) (string, string, error) {
	t.Helper()
	env := map[string]string{"GOVHALL_DATABASE_URL": dbURL, "GOVHALL_DEMO_PASSWORD": "demo-96128", "GOVHALL_LOG_LEVEL": "warn"}
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return out.String(), errb.String(), err
}

func TestDemoIsIdempotentAndImportReportsBadLines(t *testing.T) {
	url := pgtest.URL(t)
	for range 2 {
		out, stderr, err := runCmd(t, url, "demo")
		if err != nil {
			t.Fatalf("demo: %v\n%s", err, stderr)
		}
		for _, user := range []string{"admin", "reviewer1", "operator1", "liaison1", "supervisor1"} {
			if !strings.Contains(out, user) {
				t.Errorf("demo output lacks account %s:\n%s", user, out)
			}
		}
	}
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var open int
	if err := db.Get(&open, `SELECT count(*) FROM review_cases WHERE status = 'open' AND action = 'revise'`); err != nil || open != 1 {
		t.Errorf("after two demos %d revisions wait for review (%v), want the one demo revision", open, err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "docs.jsonl")
	var buf bytes.Buffer
	if err := synth.WriteJSONL(&buf, 7, 5); err != nil {
		t.Fatal(err)
	}
	buf.WriteString(`{"index_no":"BAD/1","title":"x","agency":"沂源县民政局","category":"办事指南","kind":"guide","disclosure":"主动公开","published_at":"2024-02-30"}` + "\n")
	os.WriteFile(file, buf.Bytes(), 0o644)
	_, _, err = runCmd(t, url, "import", "--batch", "4", file)
	if err == nil || !strings.Contains(err.Error(), "line 6, field published_at") {
		t.Fatalf("import error = %v, want line 6, field published_at", err)
	}
	out, _, err := runCmd(t, url, "import", "--batch", "4", "--skip-existing", file)
	if err == nil || !strings.Contains(out, "4 skipped") {
		t.Fatalf("resume: out %q err %v; want the first batch skipped and line 6 still rejected", out, err)
	}
}

func TestUsage(t *testing.T) {
	if _, _, err := runCmd(t, "", "frobnicate"); err == nil {
		t.Fatal("unknown command accepted")
	}
	if _, _, err := runCmd(t, "", "import"); err == nil {
		t.Fatal("import without a file accepted")
	}
}

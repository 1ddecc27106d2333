package kiosk_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/search"
)

// forwardFixture lists its documents before those they are replaced by or
// interpret, as real exports do; with batches of 2 the references point
// into later batches (lines 1, 2), later in the same batch (line 3) and
// into an earlier batch (line 7).
const forwardFixture = "testdata/import/forward.jsonl"

func importFile(t *testing.T, s *kiosk.Store, r io.Reader, skip bool) (kiosk.ImportResult, error) {
	t.Helper()
	return s.Import(context.Background(), sys, r, kiosk.ImportOptions{BatchSize: 2, SkipExisting: skip})
}

// links returns index_no → the index_no it is replaced by or interprets.
func links(t *testing.T, db *sqlx.DB, column string) map[string]string {
	t.Helper()
	var rows []struct {
		From string `db:"from_no"`
		To   string `db:"to_no"`
	}
	err := db.Select(&rows, `SELECT d.index_no AS from_no, t.index_no AS to_no
		FROM documents d JOIN documents t ON t.id = d.`+column)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, r := range rows {
		m[r.From] = r.To
	}
	return m
}

func TestImportResolvesForwardReferences(t *testing.T) {
	s, db := newCatalog(t)
	f, err := os.Open(forwardFixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := importFile(t, s, f, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := (kiosk.ImportResult{Lines: 8, Imported: 7, Batches: 4}); res != want {
		t.Errorf("result %+v, want %+v", res, want)
	}
	wantReplaced := map[string]string{"FW/2019-1": "FW/2024-1", "FW/2020-1": "FW/2024-3"}
	wantInterprets := map[string]string{"FW/2024-2": "FW/2024-1", "FW/2024-4": "FW/2024-3"}
	if got := links(t, db, "replaced_by"); !equalMaps(got, wantReplaced) {
		t.Errorf("replaced_by links %v, want %v", got, wantReplaced)
	}
	if got := links(t, db, "interprets"); !equalMaps(got, wantInterprets) {
		t.Errorf("interprets links %v, want %v", got, wantInterprets)
	}
	var left, linked, imported int
	db.Get(&left, `SELECT count(*) FROM import_references`)
	db.Get(&linked, `SELECT count(*) FROM audit_log WHERE action = 'document.import_link'`)
	db.Get(&imported, `SELECT count(*) FROM audit_log WHERE action = 'document.import'`)
	if left != 0 || linked != 2 || imported != 7 {
		t.Errorf("%d references left, %d link audit records (want 2: the other two resolved in their batch), %d import records (want 7)", left, linked, imported)
	}
	var id int64
	db.Get(&id, `SELECT id FROM documents WHERE index_no = 'FW/2024-1'`)
	p, err := s.PublicByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Interpretations) != 1 || len(p.Replaces) != 1 {
		t.Errorf("the new policy shows %d interpretations and replaces %d documents, want 1 and 1", len(p.Interpretations), len(p.Replaces))
	}
}

// A reader that cannot seek is read once: a reference must name a
// document that exists or comes earlier, as before.
func TestImportForwardReferenceNeedsAFile(t *testing.T) {
	s, db := newCatalog(t)
	b, err := os.ReadFile(forwardFixture)
	if err != nil {
		t.Fatal(err)
	}
	_, err = importFile(t, s, struct{ io.Reader }{bytes.NewReader(b)}, false)
	var le *kiosk.LineError
	var fe *kiosk.FieldError
	if !errors.As(err, &le) || le.Line != 1 || !errors.As(err, &fe) || fe.Field != "replaced_by" {
		t.Fatalf("got %v, want line 1, field replaced_by", err)
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM documents`)
	if n != 0 {
		t.Errorf("%d documents imported, want none (the first batch failed)", n)
	}
}

// An import stopped by a bad line leaves its forward references waiting;
// the run with --skip-existing that completes the file sets them. A
// target removed from the file meanwhile is reported with the line that
// names it.
func TestImportForwardReferencesAcrossResume(t *testing.T) {
	s, db := newCatalog(t)
	b, err := os.ReadFile(forwardFixture)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	bad := append([]string{}, lines...)
	bad[2] = strings.Replace(bad[2], "沂源县民政局", "沂源县民證局", 1) // batch 2 fails
	_, err = importFile(t, s, strings.NewReader(strings.Join(bad, "\n")), false)
	var le *kiosk.LineError
	if !errors.As(err, &le) || le.Line != 3 || le.BatchStart != 3 {
		t.Fatalf("first run: %v, want the agency of line 3", err)
	}
	var waiting int
	db.Get(&waiting, `SELECT count(*) FROM import_references`)
	if waiting != 2 {
		t.Fatalf("%d references waiting after the stop, want 2 (lines 1 and 2)", waiting)
	}

	// Fixed, but without the line of FW/2024-1 (which lines 1 and 2 name).
	fixed := append(append([]string{}, lines[:5]...), lines[6:]...)
	res, err := importFile(t, s, strings.NewReader(strings.Join(fixed, "\n")), true)
	if !errors.As(err, &le) || le.Line != 1 || le.BatchStart != 0 {
		t.Fatalf("resume without the target: %v, want the never-resolved reference of line 1", err)
	}
	var fe *kiosk.FieldError
	if !errors.As(err, &fe) || fe.Field != "replaced_by" || !strings.Contains(err.Error(), "FW/2024-1") ||
		!strings.Contains(err.Error(), "imported without this link") {
		t.Errorf("error %q: want field replaced_by naming FW/2024-1, saying the line was imported", err)
	}
	if res.Skipped != 2 || res.Imported != 4 {
		t.Errorf("resume: %+v, want 2 skipped and 4 imported", res)
	}

	// The whole file completes the links.
	if _, err := importFile(t, s, strings.NewReader(strings.Join(lines, "\n")), true); err != nil {
		t.Fatal(err)
	}
	if got := links(t, db, "replaced_by"); got["FW/2019-1"] != "FW/2024-1" {
		t.Errorf("replaced_by links %v after the complete run", got)
	}
	if got := links(t, db, "interprets"); got["FW/2024-2"] != "FW/2024-1" {
		t.Errorf("interprets links %v after the complete run", got)
	}
	db.Get(&waiting, `SELECT count(*) FROM import_references`)
	if waiting != 0 {
		t.Errorf("%d references still waiting", waiting)
	}
}

// The search columns an import writes with its rows are those Reindex
// computes from the stored documents.
func TestImportSearchColumnsMatchReindex(t *testing.T) {
	s, db := newCatalog(t)
	f, err := os.Open(forwardFixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := importFile(t, s, f, false); err != nil {
		t.Fatal(err)
	}
	type cols struct {
		ID    int64  `db:"id"`
		Title string `db:"search_title"`
		All   string `db:"search_all"`
		Norm  string `db:"search_norm_title"`
	}
	read := func(q sqlx.Queryer) []cols {
		var cs []cols
		if err := sqlx.Select(q, &cs, `SELECT id, search_title::text, search_all::text, search_norm_title FROM documents ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		return cs
	}
	imported := read(db)
	tx := db.MustBegin()
	defer tx.Rollback()
	var ids []int64
	for _, c := range imported {
		ids = append(ids, c.ID)
	}
	if err := search.New(db, nil, search.Options{}).Reindex(context.Background(), tx, ids); err != nil {
		t.Fatal(err)
	}
	reindexed := read(tx)
	for i := range imported {
		if imported[i] != reindexed[i] {
			t.Errorf("document %d: imported columns\n%+v\nreindexed\n%+v", imported[i].ID, imported[i], reindexed[i])
		}
		if imported[i].All == "" {
			t.Errorf("document %d: no search vector", imported[i].ID)
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

package kiosk

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// deferReferences remembers the references of the inserted rows that name
// a line further down the file (migration 0021): they are written empty
// and set by resolveReferences.
func (im *importer) deferReferences(ctx context.Context, tx *sqlx.Tx, rows []importRow, ids []int64) error {
	inserted := make(map[int64]bool, len(ids))
	for _, id := range ids {
		inserted[id] = true
	}
	var docs []int64
	var fields, targets []string
	for _, r := range rows {
		for _, f := range []struct {
			name string
			ref  ref
		}{{"replaced_by", r.replacedBy}, {"interprets", r.interprets}} {
			if f.ref.later != "" && inserted[r.id] {
				docs, fields, targets = append(docs, r.id), append(fields, f.name), append(targets, f.ref.later)
			}
		}
	}
	if len(docs) == 0 {
		return nil
	}
	const q = `INSERT INTO import_references (document_id, field, target)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])`
	if _, err := tx.ExecContext(ctx, q, pq.Array(docs), pq.Array(fields), pq.Array(targets)); err != nil {
		return fmt.Errorf("kiosk: remember forward references: %w", err)
	}
	return nil
}

// linkReferences sets the links whose documents now exist and forgets
// them (also those a person has set meanwhile), auditing each link; %s is
// the column.
const linkReferences = `WITH due AS (
		DELETE FROM import_references p USING documents t
		WHERE p.field = '%[1]s' AND t.index_no = p.target
		RETURNING p.document_id, t.id AS target_id, p.target
	), linked AS (
		UPDATE documents d SET %[1]s = due.target_id, updated_at = now()
		FROM due
		WHERE d.id = due.document_id AND d.%[1]s IS NULL AND d.id <> due.target_id %[2]s
		RETURNING d.id, due.target
	)
	INSERT INTO audit_log (account_id, actor, ip, action, object_type, object_id, detail)
	SELECT NULLIF($1, 0), $2, $3, 'document.import_link', 'document', id::text,
		jsonb_build_object('field', '%[1]s', 'target', target)
	FROM linked`

// unresolvedReferences are the references still waiting among the
// documents of some 索引号.
const unresolvedReferences = `SELECT d.index_no, p.field, p.target
	FROM import_references p JOIN documents d ON d.id = p.document_id
	WHERE d.index_no = ANY($1)`

// resolveReferences sets, in one transaction, the references left for
// later whose documents now exist: this run's, and those of an earlier run
// that a bad line stopped and this one (with --skip-existing) completes.
// After a complete run, a reference of the file's lines that still names
// no document is reported as a *LineError without BatchStart: its document
// was imported without the link.
func (im *importer) resolveReferences(ctx context.Context, complete bool) error {
	tx, err := im.s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("kiosk: resolve forward references: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{fmt.Sprintf(linkReferences, "replaced_by", ""),
		fmt.Sprintf(linkReferences, "interprets", "AND d.kind = 'interpretation'")} {
		if _, err := tx.ExecContext(ctx, q, im.a.AccountID, im.a.Username, im.a.IP); err != nil {
			return fmt.Errorf("kiosk: resolve forward references: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("kiosk: resolve forward references: %w", err)
	}
	if !complete || len(im.refLines) == 0 {
		return nil
	}
	return im.unresolved(ctx)
}

// unresolved reports the first line (in file order) whose reference never
// resolved.
func (im *importer) unresolved(ctx context.Context) error {
	nos := make([]string, 0, len(im.refLines))
	for no := range im.refLines {
		nos = append(nos, no)
	}
	var left []struct {
		IndexNo string `db:"index_no"`
		Field   string `db:"field"`
		Target  string `db:"target"`
	}
	if err := im.s.db.SelectContext(ctx, &left, unresolvedReferences, pq.Array(nos)); err != nil {
		return fmt.Errorf("kiosk: check forward references: %w", err)
	}
	if len(left) == 0 {
		return nil
	}
	line := func(i int) int64 { return im.refLines[left[i].IndexNo] }
	first := 0
	for i := range left { // in file order; on one line replaced_by is checked first
		if line(i) < line(first) || line(i) == line(first) && left[i].Field == "replaced_by" {
			first = i
		}
	}
	l := left[first]
	msg := fmt.Sprintf("没有索引号为 %s 的文件（导入文件中也没有）", l.Target)
	if len(left) > 1 {
		msg += fmt.Sprintf("；另有 %d 处链接同样未能建立", len(left)-1)
	}
	return &LineError{Line: im.refLines[l.IndexNo], Err: &FieldError{Field: l.Field, Msg: msg}}
}

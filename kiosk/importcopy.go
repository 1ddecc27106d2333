package kiosk

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// importStage holds a batch on its way into documents: temporary (not
// written to the WAL), dropped with the transaction. Its long values are
// kept uncompressed (stageStorage), to be compressed once, into documents.
const importStage = `CREATE TEMPORARY TABLE import_rows (
		id bigint, index_no text, code text, doc_number text, doc_number_key text, title text,
		agency_id bigint, category_id bigint, topic text, kind text, written_at date, published_at date,
		validity text, replaced_by bigint, disclosure text, withheld_reason text, interprets bigint,
		body text, state text, doc_type text, search_title text, search_all text, search_norm_title text
	) ON COMMIT DROP`

const stageStorage = `ALTER TABLE import_rows ALTER body SET STORAGE EXTERNAL,
	ALTER search_title SET STORAGE EXTERNAL, ALTER search_all SET STORAGE EXTERNAL`

// copyStage copies a batch into the staging table (text format, as lib/pq
// sends COPY data).
const copyStage = `COPY import_rows (id, index_no, code, doc_number, doc_number_key, title,
		agency_id, category_id, topic, kind, written_at, published_at,
		validity, replaced_by, disclosure, withheld_reason, interprets,
		body, state, doc_type, search_title, search_all, search_norm_title) FROM STDIN`

// insertStaged inserts the staged rows; with ON CONFLICT, a 索引号 another
// import committed meanwhile is left out rather than failing the batch
// (the caller decides whether that is a skip or an error).
const insertStaged = `INSERT INTO documents (id, index_no, code, doc_number, doc_number_key, title,
		agency_id, category_id, topic, kind, written_at, published_at,
		validity, replaced_by, disclosure, withheld_reason, interprets,
		body, state, created_by, doc_type, search_title, search_all, search_norm_title)
	SELECT id, index_no, code, doc_number, doc_number_key, title,
		agency_id, category_id, topic, kind, written_at, published_at,
		validity, replaced_by, disclosure, withheld_reason, interprets,
		body, state, NULLIF($1, 0), COALESCE(NULLIF(doc_type, ''), '其他'),
		search_title::tsvector, search_all::tsvector, search_norm_title
	FROM import_rows ORDER BY id
	ON CONFLICT (index_no) DO NOTHING
	RETURNING id`

// insert writes the rows of a batch: ids and public codes first, then one
// COPY into the staging table and one INSERT … SELECT, the references left
// for later, the audit records and the search index. It returns how many
// rows were inserted.
func (im *importer) insert(ctx context.Context, tx *sqlx.Tx, b *batch, rows []importRow) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	if err := allocate(ctx, tx, rows); err != nil {
		return 0, err
	}
	bi, bulk := im.s.indexer.(BulkIndexer)
	if bulk {
		if err := bi.BeginBulk(ctx, tx); err != nil {
			return 0, fmt.Errorf("kiosk: import batch: %w", err)
		}
	}
	if err := stage(ctx, tx, rows); err != nil {
		return 0, err
	}
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, insertStaged, im.a.AccountID); err != nil {
		return 0, fmt.Errorf("kiosk: insert imported documents: %w", err)
	}
	if err := im.raced(b, rows, ids); err != nil {
		return 0, err
	}
	if err := im.deferReferences(ctx, tx, rows, ids); err != nil {
		return 0, err
	}
	if err := auditImport(ctx, tx, im.a, ids); err != nil {
		return 0, err
	}
	var err error
	switch {
	case bulk:
		err = bi.Written(ctx, tx, ids)
	case im.s.indexer != nil:
		err = im.s.indexer.Reindex(ctx, tx, ids)
	}
	if err != nil {
		return 0, fmt.Errorf("kiosk: index imported documents: %w", err)
	}
	return int64(len(ids)), nil
}

// allocate takes the rows' ids from the sequence, points references inside
// the batch at them and draws public codes no other document has.
func allocate(ctx context.Context, tx *sqlx.Tx, rows []importRow) error {
	var ids []int64
	err := tx.SelectContext(ctx, &ids, `SELECT nextval(pg_get_serial_sequence('documents', 'id')) FROM generate_series(1, $1)`, len(rows))
	if err != nil {
		return fmt.Errorf("kiosk: allocate document ids: %w", err)
	}
	byIndexNo := make(map[string]int64, len(rows))
	for i := range rows {
		rows[i].id = ids[i]
		byIndexNo[rows[i].c.IndexNo] = ids[i]
	}
	for i := range rows {
		for _, r := range []*ref{&rows[i].replacedBy, &rows[i].interprets} {
			if r.inBatch != "" {
				r.id = byIndexNo[r.inBatch]
			}
		}
	}
	return drawCodes(ctx, tx, rows)
}

// drawCodes gives every row a public code that neither another row nor a
// stored document has (a collision is about 1 in 10^6 per batch).
func drawCodes(ctx context.Context, tx *sqlx.Tx, rows []importRow) error {
	used := map[string]bool{}
	todo := make([]int, len(rows))
	for i := range todo {
		todo[i] = i
	}
	for range 5 {
		codes := make([]string, 0, len(todo))
		for _, i := range todo {
			c := newCode()
			for used[c] {
				c = newCode()
			}
			used[c], rows[i].code = true, c
			codes = append(codes, c)
		}
		var taken []string
		if err := tx.SelectContext(ctx, &taken, `SELECT code FROM documents WHERE code = ANY($1)`, pq.Array(codes)); err != nil {
			return fmt.Errorf("kiosk: check public codes: %w", err)
		}
		if len(taken) == 0 {
			return nil
		}
		clash := map[string]bool{}
		for _, c := range taken {
			clash[c] = true
		}
		todo = todo[:0]
		for i := range rows {
			if clash[rows[i].code] {
				todo = append(todo, i)
			}
		}
	}
	return fmt.Errorf("kiosk: import batch: no free public codes")
}

// stage copies the rows into a fresh staging table.
func stage(ctx context.Context, tx *sqlx.Tx, rows []importRow) error {
	for _, q := range []string{importStage, stageStorage} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("kiosk: create import staging table: %w", err)
		}
	}
	st, err := tx.PrepareContext(ctx, copyStage)
	if err != nil {
		return fmt.Errorf("kiosk: copy import batch: %w", err)
	}
	defer st.Close()
	for _, r := range rows {
		c := r.c
		_, err := st.ExecContext(ctx, r.id, c.IndexNo, r.code, c.DocNumber, c.docKey, c.Title,
			r.agency, r.category, c.Topic, c.Kind, c.written, c.published,
			c.Validity, nullID(r.replacedBy.id), c.Disclosure, c.WithheldReason, nullID(r.interprets.id),
			c.Body, c.State, c.DocType, r.cols.Title, r.cols.All, r.cols.NormTitle)
		if err != nil {
			return fmt.Errorf("kiosk: copy import line %d: %w", r.no, err)
		}
	}
	if _, err := st.ExecContext(ctx); err != nil {
		return fmt.Errorf("kiosk: copy import batch: %w", err)
	}
	return nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// raced checks that every row was inserted. A row left out had its 索引号
// committed by another import since the batch was planned: a skip with
// --skip-existing, else the error a line-by-line import would have given.
func (im *importer) raced(b *batch, rows []importRow, ids []int64) error {
	if len(ids) == len(rows) || im.o.SkipExisting {
		return nil
	}
	in := make(map[int64]bool, len(ids))
	for _, id := range ids {
		in[id] = true
	}
	for _, r := range rows {
		if !in[r.id] {
			return &LineError{Line: r.no, BatchStart: b.first,
				Err: fieldErr("index_no", "索引号 %s 已存在；索引号唯一且不能重复使用", r.c.IndexNo)}
		}
	}
	return nil
}

// auditImport records the imported documents in the audit log, in one
// statement.
func auditImport(ctx context.Context, tx *sqlx.Tx, a Actor, ids []int64) error {
	const q = `INSERT INTO audit_log (account_id, actor, ip, action, object_type, object_id, detail)
		SELECT NULLIF($1, 0), $2, $3, 'document.import', 'document', id::text,
			jsonb_build_object('imported', true, 'index_no', index_no, 'state', state, 'note',
				CASE state WHEN 'published' THEN '导入时已发布，审查记录在原系统' ELSE '导入为草稿，发布前须经审查' END)
		FROM documents WHERE id = ANY($4::bigint[]) ORDER BY id`
	if _, err := tx.ExecContext(ctx, q, a.AccountID, a.Username, a.IP, pq.Array(ids)); err != nil {
		return fmt.Errorf("kiosk: audit import: %w", err)
	}
	return nil
}

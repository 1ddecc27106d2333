package kiosk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// resolver turns the names and index numbers of an Input into ids inside a
// transaction (or, for an import, on the pool), caching agencies and
// categories (bulk import resolves the same few thousand times).
type resolver struct {
	tx         sqlx.QueryerContext
	agencies   map[string]int64
	categories map[string]int64
}

func newResolver(tx sqlx.QueryerContext) *resolver {
	return &resolver{tx: tx, agencies: map[string]int64{}, categories: map[string]int64{}}
}

func (r *resolver) agency(ctx context.Context, name string) (int64, error) {
	if id, ok := r.agencies[name]; ok {
		return id, nil
	}
	var id int64
	err := sqlx.GetContext(ctx, r.tx, &id, `SELECT id FROM departments WHERE full_name = $1 OR code = $1 OR name = $1 ORDER BY (full_name = $1) DESC LIMIT 1`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fieldErr("agency", "没有名为 %q 的发文机关，请用已登记部门的全称", name)
	}
	if err != nil {
		return 0, fmt.Errorf("kiosk: resolve agency: %w", err)
	}
	r.agencies[name] = id
	return id, nil
}

func (r *resolver) category(ctx context.Context, path string) (int64, error) {
	if id, ok := r.categories[path]; ok {
		return id, nil
	}
	var ids []int64
	err := sqlx.SelectContext(ctx, r.tx, &ids, `SELECT id FROM categories WHERE path = $1 OR (name = $1 AND NOT EXISTS (SELECT 1 FROM categories WHERE path = $1)) LIMIT 2`, path)
	if err != nil {
		return 0, fmt.Errorf("kiosk: resolve category: %w", err)
	}
	switch len(ids) {
	case 0:
		return 0, fieldErr("category", "没有 %q 这个主题分类，请用目录树中的路径，如 重点领域/社会救助", path)
	case 2:
		return 0, fieldErr("category", "分类名 %q 不止一个，请写完整路径", path)
	}
	r.categories[path] = ids[0]
	return ids[0], nil
}

// document looks up another document by index_no for replaced_by and
// interprets; wantPublished requires it to be published.
func (r *resolver) document(ctx context.Context, field, indexNo string) (*int64, error) {
	if indexNo == "" {
		return nil, nil
	}
	var id int64
	err := sqlx.GetContext(ctx, r.tx, &id, `SELECT id FROM documents WHERE index_no = $1`, indexNo)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fieldErr(field, "没有索引号为“%s”的文件（须已存在，或在同一导入文件中）", indexNo)
	}
	if err != nil {
		return nil, fmt.Errorf("kiosk: resolve %s: %w", field, err)
	}
	return &id, nil
}

// row is the resolved form of an Input, ready to write.
type row struct {
	checked
	agencyID, categoryID   int64
	replacedBy, interprets *int64
}

func (r *resolver) resolve(ctx context.Context, c checked) (row, error) {
	w := row{checked: c}
	var err error
	if w.agencyID, err = r.agency(ctx, c.Agency); err != nil {
		return w, err
	}
	if w.categoryID, err = r.category(ctx, c.Category); err != nil {
		return w, err
	}
	if w.replacedBy, err = r.document(ctx, "replaced_by", c.ReplacedBy); err != nil {
		return w, err
	}
	if w.interprets, err = r.document(ctx, "interprets", c.Interprets); err != nil {
		return w, err
	}
	return w, nil
}

const insertDocument = `INSERT INTO documents (index_no, code, doc_number, doc_number_key, title, agency_id,
		category_id, topic, kind, written_at, published_at, validity, replaced_by, disclosure,
		withheld_reason, interprets, body, state, created_by, doc_type)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, NULLIF($19, 0),
		COALESCE(NULLIF($20, ''), '其他'))
	RETURNING id`

func insertRow(ctx context.Context, tx *sqlx.Tx, w row, createdBy int64) (int64, error) {
	var id int64
	for range 3 { // a code collision (1 in 10^11) is retried with a new code
		err := tx.GetContext(ctx, &id, insertDocument, w.IndexNo, newCode(), w.DocNumber, w.docKey, w.Title,
			w.agencyID, w.categoryID, w.Topic, w.Kind, w.written, w.published, w.Validity, w.replacedBy,
			w.Disclosure, w.WithheldReason, w.interprets, w.Body, w.State, createdBy, w.DocType)
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "23505" && pqErr.Constraint == "documents_code_key" {
			continue
		}
		if errors.As(err, &pqErr) && pqErr.Code == "23505" {
			return 0, fieldErr("index_no", "索引号 %s 已存在；索引号唯一且不能重复使用", w.IndexNo)
		}
		if errors.As(err, &pqErr) && pqErr.Code == "23514" {
			return 0, fieldErr(constraintField(pqErr.Constraint), "不符合目录规则（%s）", pqErr.Constraint)
		}
		if err != nil {
			return 0, fmt.Errorf("kiosk: insert document %s: %w", w.IndexNo, err)
		}
		return id, nil
	}
	return 0, fmt.Errorf("kiosk: insert document %s: no free public code", w.IndexNo)
}

func constraintField(c string) string {
	switch c {
	case "documents_check":
		return "withheld_reason"
	case "documents_check1":
		return "written_at"
	case "documents_check2":
		return "replaced_by"
	case "documents_check3":
		return "interprets"
	}
	return "document"
}

// CreateDraft saves a new document as a draft (whatever in.State says),
// audited. Publication goes through review (Submit).
func (s *Store) CreateDraft(ctx context.Context, a Actor, in Input) (int64, error) {
	in.State = StateDraft
	c, err := s.check(in)
	if err != nil {
		return 0, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("kiosk: create draft: %w", err)
	}
	defer tx.Rollback()
	w, err := newResolver(tx).resolve(ctx, c)
	if err != nil {
		return 0, err
	}
	id, err := insertRow(ctx, tx, w, a.AccountID)
	if err != nil {
		return 0, err
	}
	if err := s.finish(ctx, tx, a, "document.create", id, map[string]any{"index_no": c.IndexNo}); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

// UpdateDraft replaces the fields of a draft. Documents in review or
// published are changed only through review: ErrConflict.
func (s *Store) UpdateDraft(ctx context.Context, a Actor, id int64, in Input) error {
	in.State = StateDraft
	c, err := s.check(in)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("kiosk: update draft: %w", err)
	}
	defer tx.Rollback()
	if _, err := lockState(ctx, tx, id, StateDraft); err != nil {
		return err
	}
	w, err := newResolver(tx).resolve(ctx, c)
	if err != nil {
		return err
	}
	if err := updateRow(ctx, tx, id, w); err != nil {
		return err
	}
	if err := s.finish(ctx, tx, a, "document.update", id, map[string]any{"index_no": c.IndexNo}); err != nil {
		return err
	}
	return tx.Commit()
}

// updateRow writes the fields of a resolved input over document id (its
// state and public code stay).
func updateRow(ctx context.Context, tx *sqlx.Tx, id int64, w row) error {
	const q = `UPDATE documents SET index_no = $2, doc_number = $3, doc_number_key = $4, title = $5,
			agency_id = $6, category_id = $7, topic = $8, kind = $9, written_at = $10, published_at = $11,
			validity = $12, replaced_by = $13, disclosure = $14, withheld_reason = $15, interprets = $16,
			body = $17, doc_type = COALESCE(NULLIF($18, ''), doc_type), updated_at = now()
		WHERE id = $1`
	_, err := tx.ExecContext(ctx, q, id, w.IndexNo, w.DocNumber, w.docKey, w.Title, w.agencyID, w.categoryID,
		w.Topic, w.Kind, w.written, w.published, w.Validity, w.replacedBy, w.Disclosure, w.WithheldReason,
		w.interprets, w.Body, w.DocType)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return fieldErr("index_no", "索引号 %s 已被另一份文件使用", w.IndexNo)
	}
	if errors.As(err, &pqErr) && pqErr.Code == "23514" {
		return fieldErr(constraintField(pqErr.Constraint), "不符合目录规则（%s）", pqErr.Constraint)
	}
	if err != nil {
		return fmt.Errorf("kiosk: update document %d: %w", id, err)
	}
	return nil
}

// finish reindexes a changed document and audits the change.
func (s *Store) finish(ctx context.Context, tx *sqlx.Tx, a Actor, action string, id int64, detail map[string]any) error {
	if s.indexer != nil {
		if err := s.indexer.Reindex(ctx, tx, []int64{id}); err != nil {
			return fmt.Errorf("kiosk: index document %d: %w", id, err)
		}
	}
	return audit(ctx, tx, a, action, "document", id, detail)
}

// lockState locks a document row and checks it is in one of the states.
func lockState(ctx context.Context, tx *sqlx.Tx, id int64, states ...string) (string, error) {
	var st string
	err := tx.GetContext(ctx, &st, `SELECT state FROM documents WHERE id = $1 FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("kiosk: lock document %d: %w", id, err)
	}
	if !oneOf(st, states) {
		return st, fmt.Errorf("%w: 这份文件当前%s，不能这样操作", ErrConflict, StateName(st))
	}
	return st, nil
}

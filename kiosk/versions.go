package kiosk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Version is a frozen copy of a document as it went to one round of
// review: what the reviewers of that round decided on.
type Version struct {
	ID         int64     `db:"id" json:"id"`
	DocumentID int64     `db:"document_id" json:"document_id"`
	Number     int       `db:"number" json:"number"`
	Content    Input     `db:"-" json:"content"`
	Raw        []byte    `db:"content" json:"-"`
	CreatedBy  string    `db:"created_by" json:"created_by"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	CaseID     *int64    `db:"case_id" json:"case_id,omitempty"`
	Action     string    `db:"action" json:"action,omitempty"`
	Status     string    `db:"status" json:"status,omitempty"`
}

// Revision is the pending edit of a published document.
type Revision struct {
	Content   Input     `json:"content"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// inputOf reads a document's current fields in the form staff edit them:
// references by 索引号, the agency by its full name, the category by path.
func inputOf(ctx context.Context, q sqlx.QueryerContext, id int64) (Input, error) {
	var d Document
	err := sqlx.GetContext(ctx, q, &d, staffSelect+`WHERE d.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Input{}, fmt.Errorf("document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Input{}, fmt.Errorf("kiosk: read document %d: %w", id, err)
	}
	in := Input{IndexNo: d.IndexNo, DocNumber: d.DocNumber, Title: d.Title, Agency: d.Agency, Category: d.Category,
		Topic: d.Topic, WrittenAt: d.WrittenAt.String(), PublishedAt: d.PublishedAt.String(), Validity: d.Validity,
		Disclosure: d.Disclosure, WithheldReason: d.WithheldReason, Kind: d.Kind, Body: d.Body}
	for _, ref := range []struct {
		id  *int64
		out *string
	}{{d.ReplacedBy, &in.ReplacedBy}, {d.Interprets, &in.Interprets}} {
		if ref.id == nil {
			continue
		}
		if err := sqlx.GetContext(ctx, q, ref.out, `SELECT index_no FROM documents WHERE id = $1`, *ref.id); err != nil {
			return Input{}, fmt.Errorf("kiosk: referenced document %d: %w", *ref.id, err)
		}
	}
	return in, nil
}

// Content returns what an editor works on: the pending revision of a
// published document, or the document itself.
func (s *Store) Content(ctx context.Context, id int64) (Input, *Revision, error) {
	r, err := s.Revision(ctx, id)
	if err != nil || r != nil {
		if r != nil {
			return r.Content, r, nil
		}
		return Input{}, nil, err
	}
	in, err := inputOf(ctx, s.db, id)
	return in, nil, err
}

// Revision returns the pending revision of a document, or nil.
func (s *Store) Revision(ctx context.Context, id int64) (*Revision, error) {
	var row struct {
		Content   []byte    `db:"content"`
		UpdatedBy string    `db:"updated_by"`
		UpdatedAt time.Time `db:"updated_at"`
	}
	const q = `SELECT r.content, COALESCE(a.username, '') AS updated_by, r.updated_at
		FROM document_revisions r LEFT JOIN accounts a ON a.id = r.updated_by WHERE r.document_id = $1`
	err := s.db.GetContext(ctx, &row, q, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kiosk: revision of %d: %w", id, err)
	}
	r := &Revision{UpdatedBy: row.UpdatedBy, UpdatedAt: row.UpdatedAt}
	if err := json.Unmarshal(row.Content, &r.Content); err != nil {
		return nil, fmt.Errorf("kiosk: revision of %d: %w", id, err)
	}
	return r, nil
}

// Save is what the document form's 保存 does: it replaces the fields of a
// draft, or keeps the edit of a published document as its revision (the
// public page shows the published text until the revision is 审定). A
// document in review cannot change: ErrConflict.
func (s *Store) Save(ctx context.Context, a Actor, id int64, in Input) error {
	st, err := s.state(ctx, id)
	if err != nil {
		return err
	}
	if st == StatePublished {
		return s.SaveRevision(ctx, a, id, in)
	}
	return s.UpdateDraft(ctx, a, id, in)
}

func (s *Store) state(ctx context.Context, id int64) (string, error) {
	var st string
	err := s.db.GetContext(ctx, &st, `SELECT state FROM documents WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("kiosk: document %d: %w", id, err)
	}
	return st, nil
}

// SaveRevision keeps an edit of a published document until it is submitted
// and 审定. Its 索引号 is permanent, and its validity changes only through a
// validity request (RequestValidityChange); while the revision is in review
// it cannot change.
func (s *Store) SaveRevision(ctx context.Context, a Actor, id int64, in Input) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("kiosk: save revision: %w", err)
	}
	defer tx.Rollback()
	if _, err := lockState(ctx, tx, id, StatePublished); err != nil {
		return err
	}
	var open int
	if err := tx.GetContext(ctx, &open, `SELECT count(*) FROM review_cases WHERE document_id = $1 AND status = 'open' AND action = 'revise'`, id); err != nil {
		return fmt.Errorf("kiosk: save revision: %w", err)
	}
	if open > 0 {
		return fmt.Errorf("%w: 这份文件的修订正在审核中，审核结束前不能再改", ErrConflict)
	}
	cur, err := inputOf(ctx, tx, id)
	if err != nil {
		return err
	}
	in, err = s.revised(ctx, tx, cur, in)
	if err != nil {
		return err
	}
	js, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("kiosk: save revision: %w", err)
	}
	const q = `INSERT INTO document_revisions (document_id, content, updated_by) VALUES ($1, $2, NULLIF($3, 0))
		ON CONFLICT (document_id) DO UPDATE SET content = EXCLUDED.content, updated_by = EXCLUDED.updated_by, updated_at = now()`
	if _, err := tx.ExecContext(ctx, q, id, js, a.AccountID); err != nil {
		return fmt.Errorf("kiosk: save revision of %d: %w", id, err)
	}
	if err := audit(ctx, tx, a, "document.revise", "document", id, map[string]any{"index_no": cur.IndexNo}); err != nil {
		return err
	}
	return tx.Commit()
}

// revised checks a revision of the published document cur and returns it
// normalised, with the validity and 发布日期 of cur where the form left
// them out.
func (s *Store) revised(ctx context.Context, tx *sqlx.Tx, cur, in Input) (Input, error) {
	if in.Validity == "" {
		in.Validity = cur.Validity
	}
	if in.ReplacedBy == "" && in.Validity == cur.Validity {
		in.ReplacedBy = cur.ReplacedBy
	}
	if in.PublishedAt == "" {
		in.PublishedAt = cur.PublishedAt
	}
	in.State = StatePublished
	c, err := s.check(in)
	if err != nil {
		return in, err
	}
	switch {
	case c.IndexNo != cur.IndexNo:
		return in, fieldErr("index_no", "索引号一经公开不能更改（原为 %s）", cur.IndexNo)
	case c.Validity != cur.Validity || c.ReplacedBy != cur.ReplacedBy:
		return in, fieldErr("validity", "有效性请用“申请废止或修订”办理，不在修订中更改")
	}
	if _, err := newResolver(tx).resolve(ctx, c); err != nil {
		return in, err
	}
	c.Input.State = ""
	return c.Input, nil
}

// snapshot freezes content as the next version of a document.
func snapshot(ctx context.Context, tx *sqlx.Tx, a Actor, docID int64, content Input) (int64, error) {
	content.State = ""
	js, err := json.Marshal(content)
	if err != nil {
		return 0, fmt.Errorf("kiosk: snapshot: %w", err)
	}
	const q = `INSERT INTO document_versions (document_id, number, content, created_by)
		VALUES ($1, (SELECT COALESCE(max(number), 0) + 1 FROM document_versions WHERE document_id = $1), $2, NULLIF($3, 0))
		RETURNING id`
	var id int64
	if err := tx.GetContext(ctx, &id, q, docID, js, a.AccountID); err != nil {
		return 0, fmt.Errorf("kiosk: snapshot document %d: %w", docID, err)
	}
	return id, nil
}

// Versions lists a document's versions, oldest first, with the review case
// each went to.
func (s *Store) Versions(ctx context.Context, docID int64) ([]Version, error) {
	const q = `SELECT v.id, v.document_id, v.number, v.content, COALESCE(a.username, '') AS created_by, v.created_at,
			rc.id AS case_id, COALESCE(rc.action, '') AS action, COALESCE(rc.status, '') AS status
		FROM document_versions v LEFT JOIN accounts a ON a.id = v.created_by
		LEFT JOIN review_cases rc ON rc.version_id = v.id
		WHERE v.document_id = $1 ORDER BY v.number`
	var vs []Version
	if err := s.db.SelectContext(ctx, &vs, q, docID); err != nil {
		return nil, fmt.Errorf("kiosk: versions of %d: %w", docID, err)
	}
	for i := range vs {
		if err := json.Unmarshal(vs[i].Raw, &vs[i].Content); err != nil {
			return nil, fmt.Errorf("kiosk: version %d: %w", vs[i].ID, err)
		}
		vs[i].Raw = nil
	}
	return vs, nil
}

func (s *Store) version(ctx context.Context, id int64) (Version, error) {
	var v Version
	const q = `SELECT v.id, v.document_id, v.number, v.content, COALESCE(a.username, '') AS created_by, v.created_at
		FROM document_versions v LEFT JOIN accounts a ON a.id = v.created_by WHERE v.id = $1`
	if err := s.db.GetContext(ctx, &v, q, id); err != nil {
		return v, fmt.Errorf("kiosk: version %d: %w", id, err)
	}
	if err := json.Unmarshal(v.Raw, &v.Content); err != nil {
		return v, fmt.Errorf("kiosk: version %d: %w", id, err)
	}
	v.Raw = nil
	return v, nil
}

// Preview returns content as the public page would show it, without
// saving anything: the same checks as saving (a *FieldError for a bad
// field), the agency and category by name, the links to other public
// documents. id is the document's (0 for a new one), for the documents
// that link to it.
func (s *Store) Preview(ctx context.Context, id int64, in Input) (Public, error) {
	if in.State == "" {
		in.State = StatePublished
	}
	if in.PublishedAt == "" {
		in.PublishedAt = time.Now().In(shanghai).Format(dateLayout) // 审定 sets the day
	}
	c, err := s.check(in)
	if err != nil {
		return Public{}, err
	}
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Public{}, fmt.Errorf("kiosk: preview: %w", err)
	}
	defer tx.Rollback()
	w, err := newResolver(tx).resolve(ctx, c)
	if err != nil {
		return Public{}, err
	}
	d := Document{ID: id, IndexNo: w.IndexNo, DocNumber: w.DocNumber, Title: w.Title, AgencyID: w.agencyID,
		CategoryID: w.categoryID, Topic: w.Topic, Kind: w.Kind, WrittenAt: w.written, PublishedAt: w.published,
		Validity: w.Validity, ReplacedBy: w.replacedBy, Disclosure: w.Disclosure, WithheldReason: w.WithheldReason,
		Interprets: w.interprets, Body: w.Body, State: StatePublished}
	if err := tx.GetContext(ctx, &d.Agency, `SELECT full_name FROM departments WHERE id = $1`, w.agencyID); err != nil {
		return Public{}, fmt.Errorf("kiosk: preview agency: %w", err)
	}
	if err := tx.GetContext(ctx, &d.Category, `SELECT path FROM categories WHERE id = $1`, w.categoryID); err != nil {
		return Public{}, fmt.Errorf("kiosk: preview category: %w", err)
	}
	if id == 0 {
		d.ID = -1 // nothing links to a document that does not exist yet
	}
	return s.withLinks(ctx, d)
}

// PreviewValidity returns a published document as its public page will
// show it once a validity change is 审定 (已废止 with the link to its
// replacement, by 索引号).
func (s *Store) PreviewValidity(ctx context.Context, id int64, validity, replacedBy string) (Public, error) {
	if !oneOf(validity, validities) {
		return Public{}, fieldErr("validity", "请选择有效性：有效、废止、失效或已修订")
	}
	p, err := s.PublicByID(ctx, id)
	if err != nil {
		return p, err
	}
	p.Validity, p.ReplacedBy, p.Replacement = validity, nil, nil
	if replacedBy == "" {
		return p, nil
	}
	var rid int64
	err = s.db.GetContext(ctx, &rid, `SELECT id FROM public_documents WHERE index_no = $1`, replacedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fieldErr("replaced_by", "没有索引号为“%s”的已公开文件", replacedBy)
	}
	if err != nil {
		return p, fmt.Errorf("kiosk: preview replacement: %w", err)
	}
	if rid == id {
		return p, fieldErr("replaced_by", "文件不能替代它自己")
	}
	p.ReplacedBy = &rid
	p.Replacement, err = s.link(ctx, &rid)
	return p, err
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

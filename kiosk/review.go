package kiosk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// The three review steps ("先审查后公开"), each by a different reviewer.
var stepNames = map[int]string{1: "初审 (信息员)", 2: "复核 (科室负责人)", 3: "审定 (分管领导)"}

// StepName returns the Chinese name of a review step.
func StepName(step int) string { return stepNames[step] }

// Review decisions.
const (
	Approve = "approve"
	Return  = "return"
)

// Case is a change under review: publishing a draft, or changing the
// validity of a published document (废止/失效/已修订 with its replacement).
type Case struct {
	ID            int64      `db:"id" json:"id"`
	DocumentID    int64      `db:"document_id" json:"document_id"`
	Title         string     `db:"title" json:"title"`
	Action        string     `db:"action" json:"action"`
	NewValidity   *string    `db:"new_validity" json:"new_validity,omitempty"`
	NewReplacedBy *int64     `db:"new_replaced_by" json:"new_replaced_by,omitempty"`
	Reason        string     `db:"reason" json:"reason"`
	Step          int        `db:"step" json:"step"`
	Status        string     `db:"status" json:"status"`
	OpenedBy      *int64     `db:"opened_by" json:"opened_by"`
	OpenedAt      time.Time  `db:"opened_at" json:"opened_at"`
	ClosedAt      *time.Time `db:"closed_at" json:"closed_at,omitempty"`
	Events        []Event    `json:"events"`
}

// Event is one decision on a case.
type Event struct {
	Step     int       `db:"step" json:"step"`
	Decision string    `db:"decision" json:"decision"`
	Reviewer string    `db:"reviewer" json:"reviewer"`
	Comment  string    `db:"comment" json:"comment"`
	At       time.Time `db:"at" json:"at"`
}

// Submit sends a draft to review (step 1, 初审). The document must be
// complete enough to publish.
func (s *Store) Submit(ctx context.Context, a Actor, docID int64) (int64, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("kiosk: submit: %w", err)
	}
	defer tx.Rollback()
	if _, err := lockState(ctx, tx, docID, StateDraft); err != nil {
		return 0, err
	}
	caseID, err := openCase(ctx, tx, a, docID, "publish", nil, nil, "")
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE documents SET state = 'in_review', updated_at = now() WHERE id = $1`, docID); err != nil {
		return 0, fmt.Errorf("kiosk: submit %d: %w", docID, err)
	}
	if err := audit(ctx, tx, a, "review.submit", "document", docID, map[string]any{"case": caseID}); err != nil {
		return 0, err
	}
	return caseID, tx.Commit()
}

func openCase(ctx context.Context, tx *sqlx.Tx, a Actor, docID int64, action string, validity *string, replacedBy *int64, reason string) (int64, error) {
	const q = `INSERT INTO review_cases (document_id, action, new_validity, new_replaced_by, reason, opened_by)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0)) RETURNING id`
	var id int64
	if err := tx.GetContext(ctx, &id, q, docID, action, validity, replacedBy, reason, a.AccountID); err != nil {
		if strings.Contains(err.Error(), "review_cases_one_open") {
			return 0, fmt.Errorf("%w: document %d already has a change under review", ErrConflict, docID)
		}
		return 0, fmt.Errorf("kiosk: open review case: %w", err)
	}
	return id, nil
}

// RequestValidityChange opens a review case that, once 审定, marks a
// published document 废止, 失效 or 已修订 (with its replacement, by 索引号)
// or back to 有效. The reason is required and shown in the history.
func (s *Store) RequestValidityChange(ctx context.Context, a Actor, docID int64, validity, replacedBy, reason string) (int64, error) {
	if !oneOf(validity, validities) {
		return 0, fieldErr("validity", "%q is not one of 有效, 废止, 失效, 已修订", validity)
	}
	if strings.TrimSpace(reason) == "" {
		return 0, fieldErr("reason", "say why the validity changes (e.g. the notice that repeals it)")
	}
	if validity == Valid && replacedBy != "" {
		return 0, fieldErr("replaced_by", "a document in force (有效) has no replacement")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("kiosk: validity change: %w", err)
	}
	defer tx.Rollback()
	if _, err := lockState(ctx, tx, docID, StatePublished); err != nil {
		return 0, err
	}
	rep, err := publishedRef(ctx, tx, docID, replacedBy)
	if err != nil {
		return 0, err
	}
	caseID, err := openCase(ctx, tx, a, docID, "validity", &validity, rep, strings.TrimSpace(reason))
	if err != nil {
		return 0, err
	}
	detail := map[string]any{"case": caseID, "validity": validity, "replaced_by": replacedBy, "reason": reason}
	if err := audit(ctx, tx, a, "review.validity_request", "document", docID, detail); err != nil {
		return 0, err
	}
	return caseID, tx.Commit()
}

// publishedRef resolves the replacing document: it must be published and
// not the document itself.
func publishedRef(ctx context.Context, tx *sqlx.Tx, docID int64, indexNo string) (*int64, error) {
	if indexNo == "" {
		return nil, nil
	}
	var id int64
	err := tx.GetContext(ctx, &id, `SELECT id FROM public_documents WHERE index_no = $1`, indexNo)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fieldErr("replaced_by", "no published document with 索引号 %q", indexNo)
	}
	if err != nil {
		return nil, fmt.Errorf("kiosk: resolve replacement: %w", err)
	}
	if id == docID {
		return nil, fieldErr("replaced_by", "a document cannot replace itself")
	}
	return &id, nil
}

// Decide records a reviewer's decision on the current step of a case.
// Approving step 3 (审定) applies the change; returning needs a comment and
// closes the case (a draft goes back to draft). The reviewer needs the
// reviewer role, may not have opened the case, and may not have decided an
// earlier step of it: ErrForbidden.
func (s *Store) Decide(ctx context.Context, a Actor, caseID int64, decision, comment string) (Case, error) {
	comment = strings.TrimSpace(comment)
	if decision != Approve && decision != Return {
		return Case{}, fieldErr("decision", "%q is not approve or return", decision)
	}
	if decision == Return && comment == "" {
		return Case{}, fieldErr("comment", "say why the document goes back, so the author can fix it")
	}
	if !slices.Contains(a.Roles, "reviewer") {
		return Case{}, fmt.Errorf("%w: only reviewers decide review steps", ErrForbidden)
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Case{}, fmt.Errorf("kiosk: decide: %w", err)
	}
	defer tx.Rollback()
	c, err := lockCase(ctx, tx, caseID)
	if err != nil {
		return c, err
	}
	if err := checkReviewer(ctx, tx, a, c); err != nil {
		return c, err
	}
	if err := recordDecision(ctx, tx, a, c, decision, comment); err != nil {
		return c, err
	}
	if err := s.advance(ctx, tx, a, c, decision); err != nil {
		return c, err
	}
	if err := tx.Commit(); err != nil {
		return c, fmt.Errorf("kiosk: decide: %w", err)
	}
	return s.Case(ctx, caseID)
}

func lockCase(ctx context.Context, tx *sqlx.Tx, caseID int64) (Case, error) {
	var c Case
	const q = `SELECT rc.id, rc.document_id, d.title, rc.action, rc.new_validity, rc.new_replaced_by, rc.reason,
			rc.step, rc.status, rc.opened_by, rc.opened_at, rc.closed_at
		FROM review_cases rc JOIN documents d ON d.id = rc.document_id WHERE rc.id = $1 FOR UPDATE OF rc, d`
	err := tx.GetContext(ctx, &c, q, caseID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("review case %d: %w", caseID, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("kiosk: lock case %d: %w", caseID, err)
	}
	if c.Status != "open" {
		return c, fmt.Errorf("%w: review case %d is already %s", ErrConflict, caseID, c.Status)
	}
	return c, nil
}

func checkReviewer(ctx context.Context, tx *sqlx.Tx, a Actor, c Case) error {
	if c.OpenedBy != nil && *c.OpenedBy == a.AccountID {
		return fmt.Errorf("%w: you opened this case; another reviewer must review it (谁公布谁审查, 不自审)", ErrForbidden)
	}
	var n int
	const q = `SELECT count(*) FROM review_events WHERE case_id = $1 AND account_id = $2`
	if err := tx.GetContext(ctx, &n, q, c.ID, a.AccountID); err != nil {
		return fmt.Errorf("kiosk: check reviewer: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%w: you already decided an earlier step of this case; each step needs a different reviewer", ErrForbidden)
	}
	return nil
}

func recordDecision(ctx context.Context, tx *sqlx.Tx, a Actor, c Case, decision, comment string) error {
	const q = `INSERT INTO review_events (case_id, step, decision, account_id, comment) VALUES ($1, $2, $3, $4, $5)`
	if _, err := tx.ExecContext(ctx, q, c.ID, c.Step, decision, a.AccountID, comment); err != nil {
		return fmt.Errorf("kiosk: record decision: %w", err)
	}
	detail := map[string]any{"case": c.ID, "step": c.Step, "step_name": StepName(c.Step), "decision": decision, "comment": comment}
	return audit(ctx, tx, a, "review."+decision, "document", c.DocumentID, detail)
}

// advance moves the case on after a decision and applies it after step 3.
func (s *Store) advance(ctx context.Context, tx *sqlx.Tx, a Actor, c Case, decision string) error {
	var err error
	switch {
	case decision == Return:
		_, err = tx.ExecContext(ctx, `UPDATE review_cases SET status = 'returned', closed_at = now() WHERE id = $1`, c.ID)
		if err == nil && c.Action == "publish" {
			_, err = tx.ExecContext(ctx, `UPDATE documents SET state = 'draft', updated_at = now() WHERE id = $1`, c.DocumentID)
		}
	case c.Step < 3:
		_, err = tx.ExecContext(ctx, `UPDATE review_cases SET step = step + 1 WHERE id = $1`, c.ID)
	default:
		return s.apply(ctx, tx, a, c)
	}
	if err != nil {
		return fmt.Errorf("kiosk: advance case %d: %w", c.ID, err)
	}
	return nil
}

func (s *Store) apply(ctx context.Context, tx *sqlx.Tx, a Actor, c Case) error {
	q := `UPDATE documents SET state = 'published', published_at = COALESCE(published_at, (now() AT TIME ZONE 'Asia/Shanghai')::date), updated_at = now() WHERE id = $1`
	args := []any{c.DocumentID}
	if c.Action == "validity" {
		q = `UPDATE documents SET validity = $2, replaced_by = $3, updated_at = now() WHERE id = $1`
		args = append(args, *c.NewValidity, c.NewReplacedBy)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("kiosk: apply case %d: %w", c.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE review_cases SET status = 'approved', closed_at = now() WHERE id = $1`, c.ID); err != nil {
		return fmt.Errorf("kiosk: close case %d: %w", c.ID, err)
	}
	return s.finish(ctx, tx, a, "review.applied", c.DocumentID, map[string]any{"case": c.ID, "action": c.Action})
}

// Case returns a review case with its decisions.
func (s *Store) Case(ctx context.Context, id int64) (Case, error) {
	cs, err := s.cases(ctx, `rc.id = $1`, id)
	if err != nil {
		return Case{}, err
	}
	if len(cs) == 0 {
		return Case{}, fmt.Errorf("review case %d: %w", id, ErrNotFound)
	}
	return cs[0], nil
}

// OpenCases lists the cases waiting for a decision, oldest first.
func (s *Store) OpenCases(ctx context.Context) ([]Case, error) {
	return s.cases(ctx, `rc.status = $1`, "open")
}

// History lists every review case of a document, oldest first.
func (s *Store) History(ctx context.Context, docID int64) ([]Case, error) {
	return s.cases(ctx, `rc.document_id = $1`, docID)
}

func (s *Store) cases(ctx context.Context, cond string, arg any) ([]Case, error) {
	q := `SELECT rc.id, rc.document_id, d.title, rc.action, rc.new_validity, rc.new_replaced_by, rc.reason,
			rc.step, rc.status, rc.opened_by, rc.opened_at, rc.closed_at
		FROM review_cases rc JOIN documents d ON d.id = rc.document_id WHERE ` + cond + ` ORDER BY rc.opened_at, rc.id`
	var cs []Case
	if err := s.db.SelectContext(ctx, &cs, q, arg); err != nil {
		return nil, fmt.Errorf("kiosk: list review cases: %w", err)
	}
	for i := range cs {
		const eq = `SELECT e.step, e.decision, a.username AS reviewer, e.comment, e.at
			FROM review_events e JOIN accounts a ON a.id = e.account_id WHERE e.case_id = $1 ORDER BY e.at, e.id`
		cs[i].Events = []Event{}
		if err := s.db.SelectContext(ctx, &cs[i].Events, eq, cs[i].ID); err != nil {
			return nil, fmt.Errorf("kiosk: review events of case %d: %w", cs[i].ID, err)
		}
	}
	return cs, nil
}

package kiosk

import (
	"context"
	"database/sql"
	"encoding/json"
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

var caseStatusNames = map[string]string{"open": "审核中", "returned": "已退回", "approved": "已通过"}

// CaseStatusName returns the Chinese name of a case status.
func CaseStatusName(status string) string { return caseStatusNames[status] }

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
	OpenedByName  string     `db:"opened_by_name" json:"opened_by_name"`
	OpenedAt      time.Time  `db:"opened_at" json:"opened_at"`
	VersionID     *int64     `db:"version_id" json:"version_id,omitempty"`
	ClosedAt      *time.Time `db:"closed_at" json:"closed_at,omitempty"`
	Events        []Event    `json:"events"`
}

// Event is one decision on a case.
type Event struct {
	ReviewerID int64     `db:"account_id" json:"-"`
	Step       int       `db:"step" json:"step"`
	Decision   string    `db:"decision" json:"decision"`
	Reviewer   string    `db:"reviewer" json:"reviewer"`
	Comment    string    `db:"comment" json:"comment"`
	At         time.Time `db:"at" json:"at"`
}

// Submit sends a draft, or the revision of a published document, to
// review (step 1, 初审). What goes to review is frozen as a version: the
// reviewers decide on exactly that text.
func (s *Store) Submit(ctx context.Context, a Actor, docID int64) (int64, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("kiosk: submit: %w", err)
	}
	defer tx.Rollback()
	st, err := lockState(ctx, tx, docID, StateDraft, StatePublished)
	if err != nil {
		return 0, err
	}
	action, content := "publish", Input{}
	if st == StatePublished {
		action = "revise"
		var raw []byte
		err := tx.GetContext(ctx, &raw, `SELECT content FROM document_revisions WHERE document_id = $1`, docID)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("%w: 这份文件已公开，且没有待提交的修订", ErrConflict)
		}
		if err == nil {
			err = json.Unmarshal(raw, &content)
		}
		if err != nil {
			return 0, fmt.Errorf("kiosk: submit revision of %d: %w", docID, err)
		}
	} else if content, err = inputOf(ctx, tx, docID); err != nil {
		return 0, err
	}
	vid, err := snapshot(ctx, tx, a, docID, content)
	if err != nil {
		return 0, err
	}
	caseID, err := openCase(ctx, tx, a, docID, action, nil, nil, "", &vid)
	if err != nil {
		return 0, err
	}
	if st == StateDraft {
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET state = 'in_review', updated_at = now() WHERE id = $1`, docID); err != nil {
			return 0, fmt.Errorf("kiosk: submit %d: %w", docID, err)
		}
	}
	if err := audit(ctx, tx, a, "review.submit", "document", docID, map[string]any{"case": caseID, "action": action}); err != nil {
		return 0, err
	}
	return caseID, tx.Commit()
}

func openCase(ctx context.Context, tx *sqlx.Tx, a Actor, docID int64, action string, validity *string, replacedBy *int64, reason string, version *int64) (int64, error) {
	const q = `INSERT INTO review_cases (document_id, action, new_validity, new_replaced_by, reason, opened_by, version_id)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0), $7) RETURNING id`
	var id int64
	if err := tx.GetContext(ctx, &id, q, docID, action, validity, replacedBy, reason, a.AccountID, version); err != nil {
		if strings.Contains(err.Error(), "review_cases_one_open") {
			return 0, fmt.Errorf("%w: 这份文件已有一项变更在审核中，审核结束后才能再提交", ErrConflict)
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
		return 0, fieldErr("validity", "请选择有效性：有效、废止、失效或已修订（%q 无效）", validity)
	}
	if strings.TrimSpace(reason) == "" {
		return 0, fieldErr("reason", "请写明有效性变更的依据，例如废止它的文件或通知")
	}
	if validity == Valid && replacedBy != "" {
		return 0, fieldErr("replaced_by", "有效的文件没有替代文件；要填替代文件，请选择废止、失效或已修订")
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
	caseID, err := openCase(ctx, tx, a, docID, "validity", &validity, rep, strings.TrimSpace(reason), nil)
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
		return nil, fieldErr("replaced_by", "没有索引号为“%s”的已公开文件", indexNo)
	}
	if err != nil {
		return nil, fmt.Errorf("kiosk: resolve replacement: %w", err)
	}
	if id == docID {
		return nil, fieldErr("replaced_by", "文件不能替代它自己")
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
		return Case{}, fieldErr("decision", "请选择通过或退回（%q 无效）", decision)
	}
	if decision == Return && comment == "" {
		return Case{}, fieldErr("comment", "退回时请写明原因，便于起草人修改")
	}
	if !slices.Contains(a.Roles, "reviewer") {
		return Case{}, fmt.Errorf("%w: 只有审核人可以审核", ErrForbidden)
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
			rc.step, rc.status, rc.opened_by, rc.opened_at, rc.closed_at, rc.version_id
		FROM review_cases rc JOIN documents d ON d.id = rc.document_id WHERE rc.id = $1 FOR UPDATE OF rc, d`
	err := tx.GetContext(ctx, &c, q, caseID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("review case %d: %w", caseID, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("kiosk: lock case %d: %w", caseID, err)
	}
	if c.Status != "open" {
		return c, fmt.Errorf("%w: 这项审核已经结束（%s）", ErrConflict, caseStatusNames[c.Status])
	}
	return c, nil
}

func checkReviewer(ctx context.Context, tx *sqlx.Tx, a Actor, c Case) error {
	var n int
	const q = `SELECT count(*) FROM review_events WHERE case_id = $1 AND account_id = $2`
	if err := tx.GetContext(ctx, &n, q, c.ID, a.AccountID); err != nil {
		return fmt.Errorf("kiosk: check reviewer: %w", err)
	}
	if why := whyNot(c, a.AccountID, n > 0); why != "" {
		return fmt.Errorf("%w: %s", ErrForbidden, why)
	}
	return nil
}

// whyNot says why an account may not decide the current step of a case
// ("" when it may): nobody reviews what they submitted, and each step
// needs a different reviewer (谁公布谁审查, 不自审).
func whyNot(c Case, accountID int64, decidedBefore bool) string {
	switch {
	case c.OpenedBy != nil && *c.OpenedBy == accountID:
		return "这是您提交的，须由其他审核人审核（不自审）"
	case decidedBefore:
		return "您已审核过这份文件的上一步，每一步须由不同的人审核"
	}
	return ""
}

// Waiting is a case in the review queue, with whether the account may
// decide its current step and, if not, why.
type Waiting struct {
	Case
	Mine bool   `json:"mine"`
	Why  string `json:"why,omitempty"`
}

// ReviewQueue lists the open cases oldest first, those the account may
// decide at their current step first.
func (s *Store) ReviewQueue(ctx context.Context, a Actor) ([]Waiting, error) {
	cs, err := s.OpenCases(ctx)
	if err != nil {
		return nil, err
	}
	var mine, others []Waiting
	for _, c := range cs {
		decided := slices.ContainsFunc(c.Events, func(e Event) bool { return e.ReviewerID == a.AccountID })
		w := Waiting{Case: c, Why: whyNot(c, a.AccountID, decided)}
		if w.Mine = w.Why == ""; w.Mine {
			mine = append(mine, w)
		} else {
			others = append(others, w)
		}
	}
	return append(mine, others...), nil
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
	var err error
	switch c.Action {
	case "validity":
		_, err = tx.ExecContext(ctx, `UPDATE documents SET validity = $2, replaced_by = $3, updated_at = now() WHERE id = $1`,
			c.DocumentID, *c.NewValidity, c.NewReplacedBy)
	case "revise":
		err = s.applyRevision(ctx, tx, c)
	default:
		_, err = tx.ExecContext(ctx, `UPDATE documents SET state = 'published', published_at = COALESCE(published_at, (now() AT TIME ZONE 'Asia/Shanghai')::date), updated_at = now() WHERE id = $1`, c.DocumentID)
	}
	if err != nil {
		return fmt.Errorf("kiosk: apply case %d: %w", c.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE review_cases SET status = 'approved', closed_at = now() WHERE id = $1`, c.ID); err != nil {
		return fmt.Errorf("kiosk: close case %d: %w", c.ID, err)
	}
	return s.finish(ctx, tx, a, "review.applied", c.DocumentID, map[string]any{"case": c.ID, "action": c.Action})
}

// applyRevision writes the version a revise case approved over the
// published document and drops the pending revision.
func (s *Store) applyRevision(ctx context.Context, tx *sqlx.Tx, c Case) error {
	var raw []byte
	if err := tx.GetContext(ctx, &raw, `SELECT content FROM document_versions WHERE id = $1`, *c.VersionID); err != nil {
		return err
	}
	var in Input
	if err := json.Unmarshal(raw, &in); err != nil {
		return err
	}
	cur, err := inputOf(ctx, tx, c.DocumentID)
	if err != nil {
		return err
	}
	if in, err = s.revised(ctx, tx, cur, in); err != nil {
		return err
	}
	in.State = StatePublished
	ch, err := s.check(in)
	if err != nil {
		return err
	}
	w, err := newResolver(tx).resolve(ctx, ch)
	if err != nil {
		return err
	}
	if err := updateRow(ctx, tx, c.DocumentID, w); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM document_revisions WHERE document_id = $1`, c.DocumentID)
	return err
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
			rc.step, rc.status, rc.opened_by, COALESCE(o.username, '') AS opened_by_name, rc.opened_at, rc.closed_at, rc.version_id
		FROM review_cases rc JOIN documents d ON d.id = rc.document_id LEFT JOIN accounts o ON o.id = rc.opened_by
		WHERE ` + cond + ` ORDER BY rc.opened_at, rc.id`
	var cs []Case
	if err := s.db.SelectContext(ctx, &cs, q, arg); err != nil {
		return nil, fmt.Errorf("kiosk: list review cases: %w", err)
	}
	for i := range cs {
		const eq = `SELECT e.account_id, e.step, e.decision, a.username AS reviewer, e.comment, e.at
			FROM review_events e JOIN accounts a ON a.id = e.account_id WHERE e.case_id = $1 ORDER BY e.at, e.id`
		cs[i].Events = []Event{}
		if err := s.db.SelectContext(ctx, &cs[i].Events, eq, cs[i].ID); err != nil {
			return nil, fmt.Errorf("kiosk: review events of case %d: %w", cs[i].ID, err)
		}
	}
	return cs, nil
}

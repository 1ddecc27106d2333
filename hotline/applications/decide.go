package applications

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
)

// DecideInput is the decision on an application (办理结果).
type DecideInput struct {
	Decision string `json:"decision"` // a code of Decisions
	Reason   string `json:"reason"`   // one of the decision's Reasons; empty for granted and partial
	// Text is the body of the reply notice: the information provided, or
	// where and how to obtain it, or the explanation of the decision.
	Text string `json:"text"`
	// Withheld says which parts of a partial disclosure are withheld and
	// why (partial only). It is in the notice, never public.
	Withheld string `json:"withheld"`
	// Documents are catalog documents disclosed (published, not withheld);
	// a partly disclosed document is published as a document of its own.
	Documents []int64 `json:"documents"`
}

// Document is a catalog document disclosed by a decision.
type Document struct {
	ID        int64  `db:"id" json:"id"`
	Code      string `db:"code" json:"code"` // its public page is /d/{code}
	Title     string `db:"title" json:"title"`
	DocNumber string `db:"doc_number" json:"doc_number,omitempty"`
}

// checkDecision validates in and returns the decision and reason.
func (in *DecideInput) check() (Decision, Reason, error) {
	in.Decision, in.Reason = strings.TrimSpace(in.Decision), strings.TrimSpace(in.Reason)
	d, r, ok := LookupReason(in.Decision, in.Reason)
	switch {
	case d.Code == "":
		return d, r, fieldErr("decision", "请选择办理结果：予以公开、部分公开、不予公开、无法提供、不予处理或其他处理")
	case !ok && len(d.Reasons) == 0:
		return d, r, fieldErr("reason", "“%s”无需选择理由", DecisionShort(d.Code))
	case !ok && in.Reason == "":
		return d, r, fieldErr("reason", "请选择“%s”的理由", DecisionShort(d.Code))
	case !ok:
		return d, r, fieldErr("reason", "“%s”不是“%s”的理由，请从列表中选择", in.Reason, DecisionShort(d.Code))
	}
	var err error
	if in.Text, err = optional("text", in.Text, MaxText); err != nil {
		return d, r, err
	}
	if in.Withheld, err = optional("withheld", in.Withheld, MaxText); err != nil {
		return d, r, err
	}
	disclosing := d.Code == Granted || d.Code == Partial
	switch {
	case disclosing && in.Text == "" && len(in.Documents) == 0:
		return d, r, fieldErr("text", "请写明提供的信息或获取信息的方式、途径和时间，或选择公开的文件")
	case d.Code == Partial && in.Withheld == "":
		return d, r, fieldErr("withheld", "部分公开须说明不予公开的部分及其理由")
	case d.Code != Partial && in.Withheld != "":
		return d, r, fieldErr("withheld", "只有部分公开需要说明不予公开的部分")
	case !disclosing && len(in.Documents) > 0:
		return d, r, fieldErr("documents", "只有予以公开或部分公开时才附公开的文件")
	case len(in.Documents) > 50:
		return d, r, fieldErr("documents", "最多附50份文件")
	}
	slices.Sort(in.Documents)
	in.Documents = slices.Compact(in.Documents)
	return d, r, nil
}

// documents reads the disclosed documents through the public gate
// (public_documents): each must be published and not withheld.
func documents(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Document, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var ds []Document
	err := sqlx.SelectContext(ctx, q, &ds, `SELECT id, code, title, doc_number FROM public_documents WHERE id = ANY($1) ORDER BY id`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("applications: documents: %w", err)
	}
	for _, id := range ids {
		if !slices.ContainsFunc(ds, func(d Document) bool { return d.ID == id }) {
			return nil, fieldErr("documents", "编号为 %d 的文件不是已发布的公开文件：部分公开的文件请先删去不予公开的内容，作为一份新文件审核发布后再选择", id)
		}
	}
	return ds, nil
}

// Decide records the decision on an application, closes its clock as an
// answer (the query becomes 已答复) and numbers its reply notice
// (答复告知书, see Notice), in one transaction. The reason is required
// exactly when the decision has reasons (LookupReason). Only a liaison of
// the handling department may decide, and not while a third party is
// consulted. The status page shows a summary: the decision, its legal
// basis and the disclosed documents — never the text, the withheld parts
// or anything personal. It fails with a *queries.FieldError naming the
// field, queries.ErrForbidden and queries.ErrConflict.
func (s *Store) Decide(ctx context.Context, a queries.Actor, code string, in DecideInput) error {
	d, _, err := in.check()
	if err != nil {
		return err
	}
	r, p, err := s.prepare(ctx, a, code, "", "作出答复")
	if err != nil {
		return err
	}
	if r.State == "consulting" {
		return checkState(r, "received", "作出答复")
	}
	docs, err := documents(ctx, s.db, in.Documents)
	if err != nil {
		return err
	}
	text, withheld := p.redact(in.Text), p.redact(in.Withheld)
	summary := publicSummary(r.Department, d.Code, in.Reason, docs)
	return s.q.AnswerApplication(ctx, a, code, summary, func(ctx context.Context, tx *sqlx.Tx, ref queries.Ref) error {
		r, err := s.lockState(ctx, tx, code, "", "作出答复")
		if err != nil {
			return err
		}
		if r.State == "consulting" {
			return checkState(r, "received", "作出答复")
		}
		if again, err := documents(ctx, tx, in.Documents); err != nil || len(again) != len(docs) {
			return orConflict(err, "公开的文件刚被撤回，请重新选择")
		}
		on := calendar.DateOf(ref.Now)
		// One number after another per department and year.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(1096, $1::int)`, r.DepartmentID); err != nil {
			return fmt.Errorf("applications: lock notice numbers: %w", err)
		}
		var seq int
		if err := tx.GetContext(ctx, &seq, `SELECT COALESCE(max(notice_seq), 0) + 1 FROM applications
			WHERE department_id = $1 AND notice_year = $2`, r.DepartmentID, on.Year()); err != nil {
			return fmt.Errorf("applications: notice number: %w", err)
		}
		no := fmt.Sprintf("%s依申请公开答复〔%d〕%d号", r.Department, on.Year(), seq)
		const q = `UPDATE applications SET state = 'decided', decision = $2, reason = $3, decision_text = $4, withheld = $5,
				documents = $6, decided_on = $7, decided_at = $8, decided_by = NULLIF($9, 0), notice_year = $10, notice_seq = $11,
				notice_no = $12
			WHERE query_id = $1`
		_, err = tx.ExecContext(ctx, q, r.QueryID, d.Code, in.Reason, text, withheld, pq.Int64Array(append([]int64{}, in.Documents...)), on, ref.Now,
			a.AccountID, on.Year(), seq, no)
		if err != nil {
			return fmt.Errorf("applications: decide %s: %w", r.Code, err)
		}
		return nil
	})
}

func orConflict(err error, msg string) error {
	if err != nil {
		return err
	}
	return conflict("%s", msg)
}

// publicSummary is the answer the public status page shows.
func publicSummary(department, decision, reason string, docs []Document) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s已作出答复：%s（依据%s）。答复告知书按申请时选择的方式送达。", department, DecisionShort(decision), Basis(decision, reason))
	if len(docs) > 0 {
		b.WriteString("公开的文件：")
		for i, d := range docs {
			if i > 0 {
				b.WriteString("；")
			}
			fmt.Fprintf(&b, "《%s》（公开编码 %s）", d.Title, d.Code)
		}
		b.WriteString("。")
	}
	return b.String()
}

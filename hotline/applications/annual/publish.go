package annual

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/kiosk"
)

// Category is where published annual reports are filed in the catalog.
const Category = "政务公开/年度报告"

// Catalog is what publishing needs of the catalog (kiosk.Store): reports
// go through the normal review like every document.
type Catalog interface {
	EnsureCategoryPath(ctx context.Context, a kiosk.Actor, path string) (int64, error)
	CreateDraft(ctx context.Context, a kiosk.Actor, in kiosk.Input) (int64, error)
	Save(ctx context.Context, a kiosk.Actor, id int64, in kiosk.Input) error
	Submit(ctx context.Context, a kiosk.Actor, docID int64) (int64, error)
	Get(ctx context.Context, id int64) (kiosk.Document, error)
}

// Published is the outcome of Publish.
type Published struct {
	DocumentID int64 `json:"document_id"`
	CaseID     int64 `json:"case_id"`
	Revision   bool  `json:"revision"` // the report was published before: this is its revision
}

// Publish computes a report and sends it to review as a catalog document
// (kind other, 主动公开, in 政务公开/年度报告, created if missing): a new
// draft the first time, then the draft again or, once published, a
// revision of it. It refuses a report whose checks fail (a *ChecksError,
// ErrChecksFailed) and one whose document is in review (ErrConflict).
func (s *Store) Publish(ctx context.Context, cat Catalog, a kiosk.Actor, year int, code string) (Published, error) {
	r, err := s.Compute(ctx, year, code)
	if err != nil {
		return Published{}, err
	}
	if !r.Passed() {
		return Published{}, &ChecksError{Failed: r.Failed()}
	}
	in, err := s.input(ctx, r)
	if err != nil {
		return Published{}, err
	}
	if _, err := cat.EnsureCategoryPath(ctx, a, Category); err != nil {
		return Published{}, err
	}
	var out Published
	if r.DocumentID != nil {
		out, err = s.resubmit(ctx, cat, a, *r.DocumentID, in)
	} else {
		out.DocumentID, err = cat.CreateDraft(ctx, a, in)
		if err == nil {
			err = s.linkDocument(ctx, Actor{AccountID: a.AccountID, Username: a.Username, IP: a.IP}, r, out.DocumentID)
		}
	}
	if err != nil {
		return Published{}, err
	}
	if out.CaseID, err = cat.Submit(ctx, a, out.DocumentID); err != nil {
		return Published{}, err
	}
	return out, nil
}

// resubmit saves the report over its document: the draft, or a revision
// of the published document.
func (s *Store) resubmit(ctx context.Context, cat Catalog, a kiosk.Actor, id int64, in kiosk.Input) (Published, error) {
	d, err := cat.Get(ctx, id)
	if err != nil {
		return Published{}, err
	}
	if d.State == kiosk.StateInReview {
		return Published{}, fmt.Errorf("%w: 这份年度报告已在审核中（文件 %d），审核结束后才能再次提交", ErrConflict, id)
	}
	in.IndexNo = d.IndexNo
	if err := cat.Save(ctx, a, id, in); err != nil {
		return Published{}, err
	}
	return Published{DocumentID: id, Revision: d.State == kiosk.StatePublished}, nil
}

// input is the catalog document of a report. The county's report is
// issued by the government office.
func (s *Store) input(ctx context.Context, r *Report) (kiosk.Input, error) {
	agency, key := r.Agency, "county"
	if r.Department != nil {
		key = r.Department.Code
	} else if err := s.db.GetContext(ctx, &agency, `SELECT full_name FROM departments WHERE gov_office ORDER BY id LIMIT 1`); err != nil {
		return kiosk.Input{}, fmt.Errorf("%w: 发布全县年度报告需要先登记县政府办公室（政府办）", ErrConflict)
	}
	return kiosk.Input{
		IndexNo: fmt.Sprintf("ndbg/%d/%s", r.Year, key), Title: r.Title, Agency: agency, Category: Category,
		Topic: "综合政务", WrittenAt: s.now().In(shanghai).Format("2006-01-02"), Disclosure: kiosk.Proactive,
		Kind: kiosk.KindOther, DocType: kiosk.DocTypeOther, Body: Markdown(r),
	}, nil
}

// linkDocument remembers the catalog document of a report.
func (s *Store) linkDocument(ctx context.Context, a Actor, r *Report, docID int64) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		id, err := ensureReport(ctx, tx, r.Year, departmentID(r))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE annual_reports SET document_id = $2 WHERE id = $1`, id, docID); err != nil {
			return fmt.Errorf("annual: link document: %w", err)
		}
		return audit(ctx, tx, a, "annual.publish", id, map[string]any{"year": r.Year, "department": r.Key(), "document": docID})
	})
}

// Markdown is the report as the catalog's body: the sections with their
// prose and, since the public page has no tables, each row of the tables
// as a list item naming every cell. The XLSX and PDF carry the form's
// table layout.
func Markdown(r *Report) string {
	var b strings.Builder
	para := func(text string) {
		for _, p := range paragraphs(text) {
			b.WriteString(p + "\n\n")
		}
	}
	para(r.Preamble)
	b.WriteString("## " + HeadingOverview + "\n\n")
	para(r.Overview.Text)
	b.WriteString("## " + HeadingActive + "\n\n")
	for _, bl := range Blocks2(&r.Active) {
		b.WriteString("### " + bl.Title + "\n\n")
		for _, row := range bl.Rows {
			var cells []string
			for i, v := range row[1:] {
				cells = append(cells, bl.Headers[i+1]+" "+v)
			}
			b.WriteString("- " + row[0] + "：" + strings.Join(cells, "，") + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("## " + HeadingRequests + "\n\n")
	for _, row := range r.Requests.Rows {
		label := row.Label
		if row.Group != "" {
			label = row.Group + " " + label
		}
		var cells []string
		for i, n := range row.Counts {
			cells = append(cells, fmt.Sprintf("%s %d", r.Requests.Columns[i], n))
		}
		b.WriteString("- " + label + "：" + strings.Join(cells, "，") + "\n")
	}
	b.WriteString("\n## " + HeadingAppeals + "\n\n")
	for _, g := range r.Appeals.Groups {
		var cells []string
		for i, n := range g.Counts {
			cells = append(cells, fmt.Sprintf("%s %d", Outcomes4[i], n))
		}
		prefix := g.Label
		if g.Kind != r.Appeals.Groups[0].Kind {
			prefix = Suit4 + "（" + g.Label + "）"
		}
		b.WriteString("- " + prefix + "：" + strings.Join(cells, "，") + "\n")
	}
	b.WriteString("\n## " + HeadingProblems + "\n\n")
	para(r.Problems.Text)
	b.WriteString("## " + HeadingOther + "\n\n")
	para(r.Other.Text)
	for _, n := range r.Notes {
		b.WriteString("注：" + n + "\n\n")
	}
	return strings.TrimSpace(b.String())
}

package annual

import (
	"context"
	"fmt"
)

// 文种 of the catalog that table 二 counts (kiosk.DocTypeRule and
// kiosk.DocTypeNormative).
const (
	docTypeRule      = "规章"
	docTypeNormative = "行政规范性文件"
	valid            = "有效"
)

// catalogDoc is a published 规章 or 行政规范性文件 with what its validity
// history says about the year.
type catalogDoc struct {
	DocType        string  `db:"doc_type"`
	WrittenAt      *string `db:"written_at"`
	PublishedAt    *string `db:"published_at"`
	Validity       string  `db:"validity"`
	AtEnd          *string `db:"at_end"`         // the validity the last change approved by 31 December set
	ChangedLater   bool    `db:"changed_later"`  // a validity change was approved after 31 December
	FirstValidity  *string `db:"first_validity"` // the validity of its first reviewed version
	RepealedInYear bool    `db:"repealed_in_year"`
	History        bool    `db:"history"` // any approved validity change
}

// Validity changes take effect at 审定, when their review case is approved
// (closed_at); dates are Asia/Shanghai.
const catalogQuery = `WITH changes AS (
		SELECT rc.document_id, rc.new_validity, rc.closed_at, (rc.closed_at AT TIME ZONE 'Asia/Shanghai')::date AS on_date, rc.id
		FROM review_cases rc WHERE rc.action = 'validity' AND rc.status = 'approved' AND rc.new_validity IS NOT NULL)
	SELECT d.doc_type, to_char(d.written_at, 'YYYY-MM-DD') AS written_at, to_char(d.published_at, 'YYYY-MM-DD') AS published_at,
		d.validity,
		(SELECT c.new_validity FROM changes c WHERE c.document_id = d.id AND c.on_date <= $2 ORDER BY c.closed_at DESC, c.id DESC LIMIT 1) AS at_end,
		EXISTS (SELECT 1 FROM changes c WHERE c.document_id = d.id AND c.on_date > $2) AS changed_later,
		(SELECT v.content->>'validity' FROM document_versions v WHERE v.document_id = d.id ORDER BY v.number LIMIT 1) AS first_validity,
		EXISTS (SELECT 1 FROM changes c WHERE c.document_id = d.id AND c.on_date BETWEEN $1 AND $2 AND c.new_validity IN ('废止', '失效')) AS repealed_in_year,
		EXISTS (SELECT 1 FROM changes c WHERE c.document_id = d.id) AS history
	FROM documents d
	WHERE d.state = 'published' AND d.doc_type IN ('规章', '行政规范性文件')`

// catalog fills block 第二十条第（一）项 of table 二 from the published
// catalog: 本年制发 by 成文日期, 本年废止 by the date a change to 废止 or
// 失效 was 审定, 现行有效 by the validity on 31 December. Documents that
// came in with the import as 废止/失效 have no dated change: they are not
// counted as repealed in any year, and a note says how many.
func (s *Store) catalog(ctx context.Context, r *Report) error {
	where, args := departmentFilter(r, "d.agency_id", catalogQuery, []any{r.From, r.To})
	var docs []catalogDoc
	if err := s.db.SelectContext(ctx, &docs, where, args...); err != nil {
		return fmt.Errorf("annual: catalog figures of %d: %w", r.Year, err)
	}
	undated, unwritten := 0, 0
	for _, d := range docs {
		c := &r.Active.Normative
		if d.DocType == docTypeRule {
			c = &r.Active.Regulations
		}
		switch {
		case d.WrittenAt == nil:
			unwritten++
		case *d.WrittenAt >= r.From && *d.WrittenAt <= r.To:
			c.Made++
		}
		if d.RepealedInYear {
			c.Repealed++
		}
		if !d.History && d.Validity != valid && d.Validity != "已修订" {
			undated++
		}
		if d.PublishedAt != nil && *d.PublishedAt <= r.To && d.validityAtEnd() == valid {
			c.Valid++
		}
	}
	if undated > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d 件规章或行政规范性文件在导入时即为废止或失效，没有有效性变更记录，无法确定废止日期，未计入任何年度的本年废止件数", undated))
	}
	if unwritten > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d 件规章或行政规范性文件没有成文日期，未计入本年制发件数", unwritten))
	}
	return nil
}

// validityAtEnd is a document's validity on 31 December: what the last
// change approved by then set; without one, its validity now if nothing
// changed since, else the validity it was published with (有效 when no
// reviewed version says otherwise: only published documents change).
func (d catalogDoc) validityAtEnd() string {
	switch {
	case d.AtEnd != nil:
		return *d.AtEnd
	case !d.ChangedLater:
		return d.Validity
	case d.FirstValidity != nil && *d.FirstValidity != "":
		return *d.FirstValidity
	}
	return valid
}

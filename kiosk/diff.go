package kiosk

import (
	"context"
	"fmt"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Diff operations of a Change.
const (
	OpEqual  = "="
	OpInsert = "+"
	OpDelete = "-"
)

// Span is a run of characters that a change kept, inserted or deleted.
type Span struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// Change is one field that differs between two versions of a document,
// compared character by character (Chinese has no spaces between words,
// so a word diff would mark whole sentences).
type Change struct {
	Field string `json:"field"`
	Label string `json:"label"`
	Old   string `json:"old"`
	New   string `json:"new"`
	Spans []Span `json:"spans"`
}

// fieldLabels names the fields of a document as the form and the public
// page do, in the form's order.
var fieldLabels = []struct{ field, label string }{
	{"index_no", "索引号"}, {"doc_number", "文号"}, {"title", "标题"}, {"agency", "发文机关"},
	{"category", "主题分类"}, {"topic", "主题词"}, {"kind", "文件类型"}, {"written_at", "成文日期"},
	{"published_at", "发布日期"}, {"validity", "有效性"}, {"replaced_by", "替代文件（索引号）"},
	{"disclosure", "公开属性"}, {"withheld_reason", "不予公开理由"}, {"interprets", "解读的文件（索引号）"},
	{"body", "正文"},
}

func (in Input) field(name string) string {
	switch name {
	case "index_no":
		return in.IndexNo
	case "doc_number":
		return in.DocNumber
	case "title":
		return in.Title
	case "agency":
		return in.Agency
	case "category":
		return in.Category
	case "topic":
		return in.Topic
	case "kind":
		return KindName(in.Kind)
	case "written_at":
		return in.WrittenAt
	case "published_at":
		return in.PublishedAt
	case "validity":
		return in.Validity
	case "replaced_by":
		return in.ReplacedBy
	case "disclosure":
		return in.Disclosure
	case "withheld_reason":
		return in.WithheldReason
	case "interprets":
		return in.Interprets
	case "body":
		return in.Body
	}
	return ""
}

// Diff compares two versions of a document field by field, character by
// character; fields that did not change are left out.
func Diff(old, cur Input) []Change {
	dmp := diffmatchpatch.New()
	var out []Change
	for _, f := range fieldLabels {
		a, b := old.field(f.field), cur.field(f.field)
		if a == b {
			continue
		}
		ds := dmp.DiffMain(a, b, false)
		ds = dmp.DiffCleanupSemantic(ds)
		c := Change{Field: f.field, Label: f.label, Old: a, New: b}
		for _, d := range ds {
			op := OpEqual
			switch d.Type {
			case diffmatchpatch.DiffInsert:
				op = OpInsert
			case diffmatchpatch.DiffDelete:
				op = OpDelete
			}
			c.Spans = append(c.Spans, Span{Op: op, Text: d.Text})
		}
		out = append(out, c)
	}
	return out
}

// Bases of a comparison.
const (
	AgainstPublished = "published" // the text the public sees now
	AgainstPrevious  = "previous"  // the version of the round before
)

// Comparison is what a reviewer sees of a case: the version under review,
// what it is compared with, and the changes.
type Comparison struct {
	Case     Case     `json:"case"`
	Version  Version  `json:"version"`
	Against  string   `json:"against"`            // AgainstPublished or AgainstPrevious
	Base     *Version `json:"base,omitempty"`     // the previous round; nil when compared with the published text
	Baseline *Input   `json:"baseline,omitempty"` // nil: nothing to compare with (a first draft)
	Changes  []Change `json:"changes"`
	// Published and Previous say which comparisons exist.
	Published, Previous bool
}

// Compare returns the changes a case brings, against the published text
// (a revision) or against the version of the round before (a draft that
// was returned and resubmitted). against may be "" for the default: the
// published text where there is one.
func (s *Store) Compare(ctx context.Context, caseID int64, against string) (Comparison, error) {
	c, err := s.Case(ctx, caseID)
	if err != nil {
		return Comparison{}, err
	}
	cmp := Comparison{Case: c, Changes: []Change{}}
	if c.VersionID == nil {
		return cmp, fmt.Errorf("%w: review case %d has no version to compare (a validity change)", ErrConflict, caseID)
	}
	if cmp.Version, err = s.version(ctx, *c.VersionID); err != nil {
		return cmp, err
	}
	var prevID *int64
	const qp = `SELECT max(version_id) FROM review_cases WHERE document_id = $1 AND version_id < $2 AND action IN ('publish','revise')`
	if err := s.db.GetContext(ctx, &prevID, qp, c.DocumentID, *c.VersionID); err != nil {
		return cmp, fmt.Errorf("kiosk: previous round of case %d: %w", caseID, err)
	}
	cmp.Previous = prevID != nil
	cmp.Published = c.Action == "revise" && c.Status == "open"
	switch {
	case against == AgainstPrevious && !cmp.Previous:
		return cmp, fieldErr("against", "这是第一轮审核，没有上一轮可比")
	case against == AgainstPublished && !cmp.Published:
		return cmp, fieldErr("against", "这份文件还没有公开的版本可比")
	case against == "":
		against = AgainstPrevious
		if cmp.Published {
			against = AgainstPublished
		}
	}
	cmp.Against = against
	switch {
	case against == AgainstPublished:
		in, err := inputOf(ctx, s.db, c.DocumentID)
		if err != nil {
			return cmp, err
		}
		cmp.Baseline = &in
	case cmp.Previous:
		v, err := s.version(ctx, *prevID)
		if err != nil {
			return cmp, err
		}
		cmp.Base, cmp.Baseline = &v, &v.Content
	}
	if cmp.Baseline != nil {
		cmp.Changes = Diff(*cmp.Baseline, cmp.Version.Content)
	}
	return cmp, nil
}

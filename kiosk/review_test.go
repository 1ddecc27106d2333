package kiosk_test

import (
	"context"
	"errors"
	"testing"

	"github.com/govhall/govhall/kiosk"
)

func TestReviewNeedsThreeDifferentReviewers(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	author, r1, r2, r3 := reviewer(t, db, "author"), reviewer(t, db, "r1"), reviewer(t, db, "r2"), reviewer(t, db, "r3")
	in := policy("R/1", "沂源县临时救助实施办法")
	in.PublishedAt = ""
	id, err := s.CreateDraft(ctx, author, in)
	if err != nil {
		t.Fatal(err)
	}
	caseID, err := s.Submit(ctx, author, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublicByID(ctx, id); !errors.Is(err, kiosk.ErrNotFound) {
		t.Fatalf("in-review document is public: %v", err)
	}
	if _, err := s.Decide(ctx, author, caseID, kiosk.Approve, ""); !errors.Is(err, kiosk.ErrForbidden) {
		t.Fatalf("author reviewing own case: err = %v, want ErrForbidden", err)
	}
	if _, err := s.Decide(ctx, r1, caseID, kiosk.Approve, "初审通过"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(ctx, r1, caseID, kiosk.Approve, ""); !errors.Is(err, kiosk.ErrForbidden) {
		t.Fatalf("same reviewer twice: err = %v, want ErrForbidden", err)
	}
	notReviewer := r2
	notReviewer.Roles = []string{"operator"}
	if _, err := s.Decide(ctx, notReviewer, caseID, kiosk.Approve, ""); !errors.Is(err, kiosk.ErrForbidden) {
		t.Fatalf("operator deciding: err = %v, want ErrForbidden", err)
	}
	if _, err := s.Decide(ctx, r2, caseID, kiosk.Approve, "复核通过"); err != nil {
		t.Fatal(err)
	}
	c, err := s.Decide(ctx, r3, caseID, kiosk.Approve, "同意公开")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != "approved" || len(c.Events) != 3 {
		t.Fatalf("case = %+v", c)
	}
	p, err := s.PublicByID(ctx, id)
	if err != nil {
		t.Fatalf("published document not public: %v", err)
	}
	if p.PublishedAt.IsZero() {
		t.Error("publishing did not set the 发布日期")
	}
	var audits int
	db.Get(&audits, `SELECT count(*) FROM audit_log WHERE object_type = 'document' AND object_id = $1::text`, id)
	if audits != 6 { // create, submit, 3 decisions, applied
		t.Errorf("%d audit records for the document, want 6", audits)
	}
}

func TestReturnNeedsCommentAndGoesBackToDraft(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	author, r1, r2 := reviewer(t, db, "author"), reviewer(t, db, "r1"), reviewer(t, db, "r2")
	id, err := s.CreateDraft(ctx, author, policy("R/2", "征求意见稿"))
	if err != nil {
		t.Fatal(err)
	}
	caseID, _ := s.Submit(ctx, author, id)
	s.Decide(ctx, r1, caseID, kiosk.Approve, "")
	var fe *kiosk.FieldError
	if _, err := s.Decide(ctx, r2, caseID, kiosk.Return, " "); !errors.As(err, &fe) || fe.Field != "comment" {
		t.Fatalf("return without comment: err = %v, want a comment field error", err)
	}
	if _, err := s.Decide(ctx, r2, caseID, kiosk.Return, "第三条涉及个人信息，请删除"); err != nil {
		t.Fatal(err)
	}
	d, _ := s.Get(ctx, id)
	if d.State != kiosk.StateDraft {
		t.Fatalf("state after return = %s, want draft", d.State)
	}
	if err := s.UpdateDraft(ctx, author, id, policy("R/2", "征求意见稿（修改）")); err != nil {
		t.Fatalf("editing the returned draft: %v", err)
	}
	if _, err := s.Submit(ctx, author, id); err != nil {
		t.Fatalf("resubmitting: %v", err)
	}
	if err := s.UpdateDraft(ctx, author, id, policy("R/2", "偷偷改")); !errors.Is(err, kiosk.ErrConflict) {
		t.Fatalf("editing a document in review: err = %v, want ErrConflict", err)
	}
}

func TestRepealIsReviewedAndKeepsTheOldDocumentVisible(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	author, r1, r2, r3 := reviewer(t, db, "author"), reviewer(t, db, "r1"), reviewer(t, db, "r2"), reviewer(t, db, "r3")
	newer := policy("V/2", "新办法")
	newer.DocNumber = "沂民发〔2024〕9号"
	if _, err := importLines(t, s, mustJSON(t, policy("V/1", "旧办法")), mustJSON(t, newer)); err != nil {
		t.Fatal(err)
	}
	var oldID int64
	db.Get(&oldID, `SELECT id FROM documents WHERE index_no = 'V/1'`)
	var fe *kiosk.FieldError
	if _, err := s.RequestValidityChange(ctx, author, oldID, "废止", "V/1", "自我替代"); !errors.As(err, &fe) || fe.Field != "replaced_by" {
		t.Fatalf("self replacement: err = %v", err)
	}
	if _, err := s.RequestValidityChange(ctx, author, oldID, "废止", "V/2", ""); !errors.As(err, &fe) || fe.Field != "reason" {
		t.Fatalf("no reason: err = %v", err)
	}
	caseID, err := s.RequestValidityChange(ctx, author, oldID, "废止", "V/2", "沂民发〔2024〕9号 第二十条废止本办法")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RequestValidityChange(ctx, author, oldID, "失效", "", "重复"); !errors.Is(err, kiosk.ErrConflict) {
		t.Fatalf("second open case: err = %v, want ErrConflict", err)
	}
	for _, r := range []kiosk.Actor{r1, r2} {
		if _, err := s.Decide(ctx, r, caseID, kiosk.Approve, ""); err != nil {
			t.Fatal(err)
		}
	}
	if p, _ := s.PublicByID(ctx, oldID); p.Validity != "有效" {
		t.Fatalf("validity changed before 审定: %s", p.Validity)
	}
	if _, err := s.Decide(ctx, r3, caseID, kiosk.Approve, ""); err != nil {
		t.Fatal(err)
	}
	p, err := s.PublicByID(ctx, oldID)
	if err != nil {
		t.Fatalf("repealed document must stay visible: %v", err)
	}
	if p.Validity != "废止" || p.Replacement == nil || p.Replacement.Title != "新办法" {
		t.Fatalf("repealed document = validity %s, replacement %+v", p.Validity, p.Replacement)
	}
}

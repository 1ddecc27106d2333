package kiosk_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/govhall/govhall/kiosk"
)

// approveAll takes a case through its three steps.
func approveAll(t *testing.T, s *kiosk.Store, caseID int64, rs ...kiosk.Actor) {
	t.Helper()
	for _, r := range rs {
		if _, err := s.Decide(context.Background(), r, caseID, kiosk.Approve, ""); err != nil {
			t.Fatal(err)
		}
	}
}

// A published document is changed by a revision: saving it leaves the
// public text alone, the reviewers see the diff against the published
// text, and only 审定 replaces it.
func TestRevisionKeepsThePublicTextUntilApproved(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	author, r1, r2, r3 := reviewer(t, db, "author"), reviewer(t, db, "r1"), reviewer(t, db, "r2"), reviewer(t, db, "r3")
	in := policy("V/1", "沂源县临时救助实施办法")
	in.PublishedAt, in.Body = "", "第一条 为规范临时救助工作，制定本办法。"
	id, err := s.CreateDraft(ctx, author, in)
	if err != nil {
		t.Fatal(err)
	}
	caseID, err := s.Submit(ctx, author, id)
	if err != nil {
		t.Fatal(err)
	}
	approveAll(t, s, caseID, r1, r2, r3)

	if _, err := s.Submit(ctx, author, id); !errors.Is(err, kiosk.ErrConflict) {
		t.Errorf("submitting a published document without a revision: %v", err)
	}
	rev := in
	rev.Body = "第一条 为进一步规范临时救助工作，制定本办法。"
	rev.IndexNo = "V/2"
	var fe *kiosk.FieldError
	if err := s.Save(ctx, author, id, rev); !errors.As(err, &fe) || fe.Field != "index_no" {
		t.Errorf("a revision changing the 索引号: %v", err)
	}
	rev.IndexNo = "V/1"
	rev.Validity = kiosk.Repealed
	if err := s.Save(ctx, author, id, rev); !errors.As(err, &fe) || fe.Field != "validity" {
		t.Errorf("a revision changing the validity: %v", err)
	}
	rev.Validity = ""
	if err := s.Save(ctx, author, id, rev); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.PublicByID(ctx, id); p.Body != in.Body {
		t.Fatalf("a saved revision changed the public text to %q", p.Body)
	}
	caseID, err = s.Submit(ctx, author, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, author, id, rev); !errors.Is(err, kiosk.ErrConflict) {
		t.Errorf("editing a revision in review: %v", err)
	}
	cmp, err := s.Compare(ctx, caseID, "")
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Against != kiosk.AgainstPublished || len(cmp.Changes) != 1 || cmp.Changes[0].Field != "body" {
		t.Fatalf("comparison %+v", cmp)
	}
	var ins []string
	for _, sp := range cmp.Changes[0].Spans {
		if sp.Op == kiosk.OpInsert {
			ins = append(ins, sp.Text)
		}
		if sp.Op == kiosk.OpDelete {
			t.Errorf("deleted %q, nothing was", sp.Text)
		}
	}
	if strings.Join(ins, "") != "进一步" {
		t.Errorf("inserted %q, want 进一步 (per character)", ins)
	}
	if _, err := s.Compare(ctx, caseID, kiosk.AgainstPrevious); err != nil {
		t.Errorf("the first publication is the previous round: %v", err)
	}
	approveAll(t, s, caseID, r1, r2, r3)
	p, err := s.PublicByID(ctx, id)
	if err != nil || p.Body != rev.Body {
		t.Fatalf("after 审定 the public text is %q (%v)", p.Body, err)
	}
	if r, _ := s.Revision(ctx, id); r != nil {
		t.Errorf("the applied revision is still pending")
	}
	vs, err := s.Versions(ctx, id)
	if err != nil || len(vs) != 2 || vs[1].Action != "revise" || vs[1].Status != "approved" || vs[1].CreatedBy != "author" {
		t.Fatalf("versions %+v (%v)", vs, err)
	}
}

// A draft returned and resubmitted is compared with the round before.
func TestResubmittedDraftIsComparedWithThePreviousRound(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	author, r1 := reviewer(t, db, "author"), reviewer(t, db, "r1")
	in := policy("P/1", "关于做好冬季取暖救助的通知")
	in.PublishedAt = ""
	id, err := s.CreateDraft(ctx, author, in)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := s.Submit(ctx, author, id)
	if cmp, err := s.Compare(ctx, first, ""); err != nil || cmp.Baseline != nil || cmp.Previous || cmp.Published {
		t.Fatalf("a first draft has nothing to compare with: %+v %v", cmp, err)
	}
	if _, err := s.Decide(ctx, r1, first, kiosk.Return, ""); err == nil {
		t.Fatal("a return without a comment was accepted")
	}
	if _, err := s.Decide(ctx, r1, first, kiosk.Return, "标题请写全称"); err != nil {
		t.Fatal(err)
	}
	in.Title = "关于做好困难群众冬季取暖救助工作的通知"
	if err := s.Save(ctx, author, id, in); err != nil {
		t.Fatal(err)
	}
	second, err := s.Submit(ctx, author, id)
	if err != nil {
		t.Fatal(err)
	}
	cmp, err := s.Compare(ctx, second, "")
	if err != nil || cmp.Against != kiosk.AgainstPrevious || cmp.Base == nil || cmp.Base.Number != 1 || cmp.Version.Number != 2 {
		t.Fatalf("comparison %+v (%v)", cmp, err)
	}
	if len(cmp.Changes) != 1 || cmp.Changes[0].Field != "title" || cmp.Changes[0].Label != "标题" {
		t.Fatalf("changes %+v", cmp.Changes)
	}
	if _, err := s.Compare(ctx, second, kiosk.AgainstPublished); err == nil {
		t.Error("a draft compared with a published version that does not exist")
	}
	q, err := s.ReviewQueue(ctx, author)
	if err != nil || len(q) != 1 || q[0].Mine || !strings.Contains(q[0].Why, "不自审") {
		t.Errorf("the author's queue %+v (%v)", q, err)
	}
	if q, _ := s.ReviewQueue(ctx, r1); len(q) != 1 || !q[0].Mine || q[0].OpenedByName != "author" {
		t.Errorf("the reviewer's queue %+v", q)
	}
}

// The preview shows unsaved content as the public would see it, with the
// same checks as saving; a validity preview shows the effect of a repeal.
func TestPreview(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	author := reviewer(t, db, "author")
	in := policy("W/1", "沂源县城乡低保实施细则")
	if _, err := s.Preview(ctx, 0, kiosk.Input{IndexNo: "W/9"}); err == nil {
		t.Error("a preview without a title")
	}
	p, err := s.Preview(ctx, 0, in)
	if err != nil || p.Title != in.Title || p.Agency == "" || p.PublishedAt.IsZero() {
		t.Fatalf("preview %+v (%v)", p, err)
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM documents WHERE index_no = 'W/1'`)
	if n != 0 {
		t.Error("the preview saved the document")
	}
	r1, r2, r3 := reviewer(t, db, "r1"), reviewer(t, db, "r2"), reviewer(t, db, "r3")
	var oldID int64
	for _, d := range []kiosk.Input{in, policy("W/2", "沂源县城乡低保实施细则（2026年修订）")} {
		id, err := s.CreateDraft(ctx, author, d)
		if err != nil {
			t.Fatal(err)
		}
		caseID, err := s.Submit(ctx, author, id)
		if err != nil {
			t.Fatal(err)
		}
		approveAll(t, s, caseID, r1, r2, r3)
		if oldID == 0 {
			oldID = id
		}
	}
	v, err := s.PreviewValidity(ctx, oldID, kiosk.Repealed, "W/2")
	if err != nil || v.Validity != kiosk.Repealed || v.Replacement == nil || !strings.Contains(v.Replacement.Title, "2026年修订") {
		t.Fatalf("validity preview %+v (%v)", v, err)
	}
	if _, err := s.PreviewValidity(ctx, oldID, kiosk.Repealed, "W/1"); err == nil {
		t.Error("a document previewed as its own replacement")
	}
	if p, _ := s.PublicByID(ctx, oldID); p.Validity != kiosk.Valid {
		t.Error("the validity preview changed the document")
	}
}

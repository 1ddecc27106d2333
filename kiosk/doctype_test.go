package kiosk_test

import (
	"context"
	"errors"
	"testing"

	"github.com/govhall/govhall/kiosk"
)

// TestDocTypeIsSetThroughInput: the 文种 the annual report counts is part
// of a document's input (form and import alike), defaults to 其他, is kept
// when an edit leaves it empty and refuses values outside the list.
func TestDocTypeIsSetThroughInput(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	author := reviewer(t, db, "author")

	in := policy("MZ/2025-1", "沂源县最低生活保障审核确认办法")
	in.DocType = kiosk.DocTypeNormative
	id, err := s.CreateDraft(ctx, author, in)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Get(ctx, id); d.DocType != kiosk.DocTypeNormative {
		t.Errorf("draft 文种 = %q, want 行政规范性文件", d.DocType)
	}
	in.DocType, in.Title = "", in.Title+"（修改）"
	if err := s.UpdateDraft(ctx, author, id, in); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Get(ctx, id); d.DocType != kiosk.DocTypeNormative {
		t.Errorf("an edit without 文种 changed it to %q", d.DocType)
	}
	in.DocType = kiosk.DocTypeOther
	if err := s.UpdateDraft(ctx, author, id, in); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Get(ctx, id); d.DocType != kiosk.DocTypeOther {
		t.Errorf("文种 set to 其他 reads %q", d.DocType)
	}

	other, err := s.CreateDraft(ctx, author, policy("MZ/2025-2", "沂源县临时救助操作规程"))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Get(ctx, other); d.DocType != kiosk.DocTypeOther {
		t.Errorf("a document without 文种 is %q, want 其他", d.DocType)
	}

	bad := policy("MZ/2025-3", "沂源县某办法")
	bad.DocType = "决定"
	var fe *kiosk.FieldError
	if _, err := s.CreateDraft(ctx, author, bad); !errors.As(err, &fe) || fe.Field != "doc_type" {
		t.Errorf("文种 决定 accepted or wrong error: %v", err)
	}

	line := `{"index_no":"MZ/2025-4","title":"沂源县特困人员认定办法","agency":"沂源县民政局","category":"重点领域/社会救助","kind":"policy","doc_type":"行政规范性文件","disclosure":"主动公开","written_at":"2025-02-01","published_at":"2025-02-03","body":"正文"}`
	if _, err := importLines(t, s, line); err != nil {
		t.Fatal(err)
	}
	var got string
	db.Get(&got, `SELECT doc_type FROM public_documents WHERE index_no = 'MZ/2025-4'`)
	if got != kiosk.DocTypeNormative {
		t.Errorf("imported 文种 = %q through the public view, want 行政规范性文件", got)
	}
}

package kiosk_test

import (
	"context"
	"testing"

	"github.com/govhall/govhall/kiosk"
)

// TestCitations checks that a text citing the repealed 低保 measures by
// title or by 文号 is told they are repealed and what replaced them, and
// that a withheld document is never named.
func TestCitations(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	if _, err := s.LoadDemo(ctx, sys); err != nil {
		t.Fatal(err)
	}
	var withheld string
	db.Get(&withheld, `SELECT title FROM documents WHERE disclosure = '不予公开' LIMIT 1`)
	tests := []struct {
		text        string
		wantCurrent []bool
		wantRepl    string
	}{
		{"依据《沂源县最低生活保障审批管理办法（试行）》，低保标准为每月660元。", []bool{false}, "沂源县最低生活保障审批管理办法"},
		{"见沂民发〔2019〕5号第三条。", []bool{false}, "沂源县最低生活保障审批管理办法"},
		{"按《沂源县最低生活保障审批管理办法》办理，沂民发[2019]5号已废止。", []bool{true, false}, ""},
		{"没有引用任何文件。", nil, ""},
		{"《" + withheld + "》", nil, ""},
	}
	for _, tt := range tests {
		cs, err := s.Citations(ctx, tt.text)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != len(tt.wantCurrent) {
			t.Errorf("%s: %d citations %+v, want %d", tt.text, len(cs), cs, len(tt.wantCurrent))
			continue
		}
		for i, c := range cs {
			if c.Current != tt.wantCurrent[i] {
				t.Errorf("%s: citation %d (%s) current = %v", tt.text, i, c.Document.Title, c.Current)
			}
			if !c.Current && tt.wantRepl != "" && (c.ReplacedBy == nil || c.ReplacedBy.Title != tt.wantRepl || c.Explanation == "") {
				t.Errorf("%s: replacement %+v, explanation %q; want %s", tt.text, c.ReplacedBy, c.Explanation, tt.wantRepl)
			}
		}
	}
	_ = kiosk.Citation{}
}

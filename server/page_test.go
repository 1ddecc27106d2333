package server_test

import (
	"strings"
	"testing"
)

func TestDocumentPageShowsInterpretationAndReplacement(t *testing.T) {
	f := newFixture(t)
	var code, interp string
	f.db.QueryRow(`SELECT p.code, i.title FROM public_documents p JOIN public_documents i ON i.interprets = p.id LIMIT 1`).Scan(&code, &interp)
	st, body := f.do("GET", "/d/"+code, "", "")
	if st != 200 || !strings.Contains(body, "政策解读：") || !strings.Contains(body, interp) {
		t.Fatalf("/d/%s = %d, want the interpretation %q on the page", code, st, interp)
	}
	var old, newTitle string
	f.db.QueryRow(`SELECT o.code, n.title FROM public_documents o JOIN public_documents n ON n.id = o.replaced_by WHERE o.validity = '废止' LIMIT 1`).Scan(&old, &newTitle)
	_, body = f.do("GET", "/d/"+old, "", "")
	if !strings.Contains(body, "本文件已废止") || !strings.Contains(body, newTitle) {
		t.Fatalf("repealed page lacks the mark or the replacement %q", newTitle)
	}
	if st, body := f.do("GET", "/d/zzzzzzzz", "", ""); st != 404 || !strings.Contains(body, "没有找到这份文件") {
		t.Fatalf("unknown code = %d", st)
	}
	if strings.Contains(body, "<script") {
		t.Fatal("script on the page")
	}
}

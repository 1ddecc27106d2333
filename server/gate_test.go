package server_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

type secretDoc struct {
	ID      int64  `db:"id"`
	Code    string `db:"code"`
	Title   string `db:"title"`
	IndexNo string `db:"index_no"`
	State   string `db:"state"`
}

// TestNoPublicEndpointLeaksUnpublishedDocuments walks every GET route that
// answers without a login, with every document id and public code filled
// in, and every listing filter and query, and proves that no withheld
// (不予公开), draft or in-review document — nor its title or 索引号 — is ever
// returned.
func TestNoPublicEndpointLeaksUnpublishedDocuments(t *testing.T) {
	f := newFixture(t)
	tok := f.login("reviewer1")
	if st, body := f.do("POST", "/api/v1/staff/documents", tok, `{"index_no":"REVIEW/2026-1","title":"正在审查中的机密草案","agency":"沂源县民政局","category":"办事指南","kind":"guide","disclosure":"主动公开","body":"审查中"}`); st != 201 {
		t.Fatalf("create draft: %d %s", st, body)
	}
	var reviewID int64
	f.db.Get(&reviewID, `SELECT id FROM documents WHERE index_no = 'REVIEW/2026-1'`)
	if st, body := f.do("POST", "/api/v1/staff/documents/"+strconv.FormatInt(reviewID, 10)+"/submit", tok, ""); st != 201 {
		t.Fatalf("submit: %d %s", st, body)
	}

	var secrets, all []secretDoc
	f.db.Select(&all, `SELECT id, code, title, index_no, state FROM documents ORDER BY id`)
	f.db.Select(&secrets, `SELECT id, code, title, index_no, state FROM documents WHERE state <> 'published' OR disclosure = '不予公开'`)
	states := map[string]bool{}
	for _, s := range secrets {
		states[s.State] = true
	}
	if !states["draft"] || !states["in_review"] || len(secrets) < 3 {
		t.Fatalf("fixture lacks a draft, an in-review and a withheld document: %+v", secrets)
	}
	paths := publicPaths(f, all)
	for _, p := range paths {
		status, body := f.do("GET", p, "", "")
		if status == 401 || status == 303 && strings.HasPrefix(p, "/console/") { // needs a login (the console sends it to the login page)
			continue
		}
		for _, s := range secrets {
			if strings.Contains(body, s.Title) || strings.Contains(body, s.IndexNo) {
				t.Errorf("GET %s (%d) leaks %s document %q", p, status, s.State, s.Title)
			}
			idPath := strings.Contains(p, "/"+strconv.FormatInt(s.ID, 10)) && strings.Contains(p, "/documents/")
			codePath := strings.HasPrefix(p, "/d/"+s.Code)
			if (idPath || codePath) && status != 404 {
				t.Errorf("GET %s = %d for a %s document, want 404", p, status, s.State)
			}
		}
	}
	t.Logf("walked %d public requests", len(paths))
}

// publicPaths expands every GET route with the ids and codes of all
// documents, plus listing filters and queries built from secret metadata.
func publicPaths(f *fixture, docs []secretDoc) []string {
	var paths []string
	for _, r := range f.srv.App().GetRoutes(true) {
		if r.Method != "GET" || strings.Contains(r.Path, "*") {
			continue
		}
		switch {
		case strings.Contains(r.Path, ":id"):
			for _, d := range docs {
				paths = append(paths, strings.ReplaceAll(r.Path, ":id", strconv.FormatInt(d.ID, 10)))
			}
			paths = append(paths, strings.ReplaceAll(r.Path, ":id", "999999"))
		case strings.Contains(r.Path, ":code"):
			for _, d := range docs {
				paths = append(paths, strings.ReplaceAll(r.Path, ":code", d.Code))
			}
		case !strings.Contains(r.Path, ":"):
			paths = append(paths, r.Path)
		}
	}
	var cats, agencies []string
	f.db.Select(&cats, `SELECT path FROM categories`)
	f.db.Select(&agencies, `SELECT full_name FROM departments`)
	for _, d := range docs {
		for _, q := range []string{d.Title, d.IndexNo, string([]rune(d.Title)[:2])} {
			paths = append(paths, "/api/v1/documents?q="+url.QueryEscape(q))
		}
	}
	for _, c := range cats {
		paths = append(paths, "/api/v1/documents?limit=100&category="+url.QueryEscape(c))
	}
	for _, a := range agencies {
		paths = append(paths, "/api/v1/documents?limit=100&agency="+url.QueryEscape(a))
	}
	for y := 2017; y <= 2026; y++ {
		paths = append(paths, "/api/v1/documents?limit=100&year="+strconv.Itoa(y))
	}
	for _, v := range []string{"validity=有效", "validity=废止", "validity=已修订", "kind=policy", "kind=guide", "kind=other", "kind=interpretation"} {
		k, val, _ := strings.Cut(v, "=")
		paths = append(paths, "/api/v1/documents?limit=100&"+k+"="+url.QueryEscape(val))
	}
	for off := 0; off < 60; off += 20 {
		paths = append(paths, "/api/v1/documents?limit=20&offset="+strconv.Itoa(off))
	}
	return paths
}

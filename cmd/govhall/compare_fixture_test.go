package main

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/migrations/pgtest"
)

// The relevance fixtures of kiosk/search (TestRelevanceOnGovTexts: the six
// test documents of kiosk/testdata/govtexts and the citizen-style queries
// that must find the right one first) are read from the test's source, so
// that the comparison follows them as they change.
const (
	relevanceSource = "../../kiosk/search/relevance_test.go"
	govTextsDir     = "../../kiosk/testdata/govtexts"
)

// relSeed is one entry of seedDocs; relCase one query and the key of the
// document that must come first.
type relSeed struct {
	key, file                              string
	titleLines                             []int
	docNumber, agency, category, published string
}

type relCase struct{ q, want string }

// readRelevanceFixtures parses seedDocs and the table of
// TestRelevanceOnGovTexts out of relevance_test.go.
func readRelevanceFixtures() ([]relSeed, []relCase, error) {
	f, err := parser.ParseFile(token.NewFileSet(), relevanceSource, nil, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("relevance fixtures: %w", err)
	}
	var seeds []relSeed
	var cases []relCase
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			if len(n.Names) == 1 && n.Names[0].Name == "seedDocs" && len(n.Values) == 1 {
				seeds = parseSeeds(n.Values[0])
			}
		case *ast.FuncDecl:
			if n.Name.Name == "TestRelevanceOnGovTexts" {
				cases = parseCases(n.Body)
			}
			return n.Name.Name == "TestRelevanceOnGovTexts"
		}
		return true
	})
	if len(seeds) == 0 || len(cases) == 0 {
		return nil, nil, fmt.Errorf("relevance fixtures: %s has no seedDocs or TestRelevanceOnGovTexts table (%d, %d)",
			relevanceSource, len(seeds), len(cases))
	}
	return seeds, cases, nil
}

// literals returns the string literals and []int literal of a composite
// literal's elements, in order.
func literals(e ast.Expr) ([]string, []int) {
	var strs []string
	var ints []int
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil, nil
	}
	for _, el := range lit.Elts {
		switch el := el.(type) {
		case *ast.BasicLit:
			if s, err := strconv.Unquote(el.Value); err == nil {
				strs = append(strs, s)
			}
		case *ast.CompositeLit:
			for _, x := range el.Elts {
				if b, ok := x.(*ast.BasicLit); ok {
					v, _ := strconv.Atoi(b.Value)
					ints = append(ints, v)
				}
			}
		}
	}
	return strs, ints
}

func parseSeeds(e ast.Expr) []relSeed {
	var out []relSeed
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil
	}
	for _, el := range lit.Elts {
		s, lines := literals(el)
		if len(s) == 6 {
			out = append(out, relSeed{key: s[0], file: s[1], titleLines: lines, docNumber: s[2], agency: s[3],
				category: s[4], published: s[5]})
		}
	}
	return out
}

func parseCases(body *ast.BlockStmt) []relCase {
	var out []relCase
	ast.Inspect(body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return true
		}
		if id, ok := as.Lhs[0].(*ast.Ident); !ok || id.Name != "tests" {
			return true
		}
		if lit, ok := as.Rhs[0].(*ast.CompositeLit); ok {
			for _, el := range lit.Elts {
				if s, _ := literals(el); len(s) == 2 {
					out = append(out, relCase{q: s[0], want: s[1]})
				}
			}
		}
		return false
	})
	return out
}

var bookmarkRE = regexp.MustCompile(`\[bookmark: [^\]]*\]`)

// seedTitle joins the chosen non-empty top lines of a text, as
// kiosk/search's seedTitle does.
func seedTitle(text string, lines []int) string {
	var nonEmpty, parts []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(bookmarkRE.ReplaceAllString(l, "")); l != "" {
			nonEmpty = append(nonEmpty, l)
		}
	}
	for _, i := range lines {
		if i < len(nonEmpty) {
			parts = append(parts, nonEmpty[i])
		}
	}
	return strings.Join(strings.Fields(strings.Join(parts, "")), "")
}

// relFixture is a fresh catalog holding the fixture documents.
type relFixture struct {
	url   string
	db    *sqlx.DB
	ids   map[string]int64
	cases []relCase
}

// The departments and categories of kiosk/search's newFixture.
var (
	relAgencies   = [][3]string{{"mzj", "县民政局", "沂源县民政局"}, {"ybj", "县医疗保障局", "沂源县医疗保障局"}, {"swj", "县税务局", "国家税务总局沂源县税务局"}, {"zfb", "县政府办公室", "沂源县人民政府办公室"}, {"gjj", "公积金中心", "淄博市住房公积金管理中心沂源分中心"}, {"cl", "县残联", "沂源县残疾人联合会"}}
	relCategories = []string{"政策法规", "重点领域", "办事指南", "工作报告"}
)

const relInsertDoc = `INSERT INTO documents (index_no, code, doc_number, doc_number_key, title, agency_id, category_id,
		kind, published_at, validity, disclosure, body, state)
	VALUES ($1, $2, $3, $4, $5, $6, $7, 'policy', $8::date, '有效', '主动公开', $9, 'published')
	RETURNING id`

// newRelFixture files the fixture documents into a new database and
// indexes them for govhall's search, as kiosk/search's fixture does.
func newRelFixture(tb testing.TB) *relFixture {
	seeds, cases, err := readRelevanceFixtures()
	if err != nil {
		tb.Fatal(err)
	}
	f := &relFixture{url: pgtest.URL(tb), ids: map[string]int64{}, cases: cases}
	if f.db, err = sqlx.Open("postgres", f.url); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.db.Close() })
	ctx := context.Background()
	agencies, categories := map[string]int64{}, map[string]int64{}
	for _, a := range relAgencies {
		var id int64
		mustDo(tb, f.db.Get(&id, `INSERT INTO departments (code, name, full_name) VALUES ($1, $2, $3) RETURNING id`, a[0], a[1], a[2]))
		agencies[a[0]] = id
	}
	for _, c := range relCategories {
		var id int64
		mustDo(tb, f.db.Get(&id, `INSERT INTO categories (name, path) VALUES ($1, $1) RETURNING id`, c))
		categories[c] = id
	}
	store := search.New(f.db, nil, search.Options{})
	for i, s := range seeds {
		body, err := os.ReadFile(filepath.Join(govTextsDir, s.file))
		mustDo(tb, err)
		key, err := search.DocNumberKey(s.docNumber)
		mustDo(tb, err)
		tx := f.db.MustBegin()
		var id int64
		mustDo(tb, tx.GetContext(ctx, &id, relInsertDoc, fmt.Sprintf("REL-%04d", i), fmt.Sprintf("r%09d", i), s.docNumber, key,
			seedTitle(string(body), s.titleLines), agencies[s.agency], categories[s.category], s.published, string(body)))
		mustDo(tb, store.Reindex(ctx, tx, []int64{id}))
		mustDo(tb, tx.Commit())
		f.ids[s.key] = id
	}
	for _, c := range cases {
		if f.ids[c.want] == 0 {
			tb.Fatalf("relevance case %q wants %q, which is not among seedDocs", c.q, c.want)
		}
	}
	return f
}

func mustDo(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

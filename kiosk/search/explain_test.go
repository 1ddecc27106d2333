package search

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
)

// seqScanRE finds a sequential scan of the documents table in a plan.
var seqScanRE = regexp.MustCompile(`Seq Scan on documents`)

// explainSearch returns the plan of the search SQL for a query (and of the
// relaxed form, when there is one), as Search would run it.
func explainSearch(ctx context.Context, s *Store, req Request, analyze bool) (string, error) {
	req, err := req.check()
	if err != nil {
		return "", err
	}
	syn, err := s.synonyms(ctx)
	if err != nil {
		return "", err
	}
	p := buildPlan(req.Q, syn, s.an)
	plans := []plan{p}
	if rp, ok := relax(p); ok {
		plans = append(plans, rp)
	}
	var out strings.Builder
	for _, p := range plans {
		text, err := explain(ctx, s, searchSQL, analyze, s.args(p, req)...)
		if err != nil {
			return "", err
		}
		out.WriteString(text)
	}
	return out.String(), nil
}

// explain runs EXPLAIN in the same read transaction settings as searches.
func explain(ctx context.Context, s *Store, query string, analyze bool, args ...any) (string, error) {
	prefix := "EXPLAIN (COSTS OFF) "
	if analyze {
		prefix = "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) "
	}
	var lines []string
	err := s.readTx(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &lines, prefix+query, args...)
	})
	return strings.Join(lines, "\n") + "\n", err
}

// explainSuggest returns the plans of the suggestion queries for a prefix.
func explainSuggest(ctx context.Context, s *Store, prefix string) (string, error) {
	c := compact(prefix)
	var tsq string
	if pinyinRE.MatchString(c) {
		tsq = pinyinQuery(c)
	} else {
		tsq = phraseQuery(c)
	}
	return explain(ctx, s, suggestTitlesSQL, false, tsq, c, 8)
}

// shapeQueries cover every query shape and path through the search SQL.
var shapeQueries = []Request{
	{}, {Q: "税"}, {Q: "低保"}, {Q: "最低生活保障"}, {Q: "低保怎么申请"}, {Q: "住房公积金 无人机"},
	{Q: "沂政办发〔2019〕5号"}, {Q: "[2019]5"}, {Q: "沂政办发〔2019〕"}, {Q: "TEST-0001"}, {Q: "db"}, {Q: "zuidishenghuo"},
	{Q: "低保", Category: "重点领域", Agency: "mzj", Year: 2023, Validity: "有效", Kind: "policy"},
	{Category: "政策法规", Year: 2020},
}

// TestNoSequentialScan checks every query shape plans without scanning the
// documents table sequentially (the benchmark repeats this on 100 000
// documents with statistics).
func TestNoSequentialScan(t *testing.T) {
	c := newCorpus(t)
	ctx := context.Background()
	_, err := c.db.Exec(`ANALYZE`)
	must(t, err)
	for _, r := range shapeQueries {
		plan, err := explainSearch(ctx, c.s, r, false)
		must(t, err)
		if seqScanRE.MatchString(plan) {
			t.Errorf("search %+v scans documents sequentially:\n%s", r, plan)
		}
	}
	for _, p := range []string{"低", "关于调整", "db", "zuidi"} {
		plan, err := explainSuggest(ctx, c.s, p)
		must(t, err)
		if seqScanRE.MatchString(plan) {
			t.Errorf("suggest %q scans documents sequentially:\n%s", p, plan)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/jmoiron/sqlx"
)

// The peers of the search comparison (compare_test.go) index the public
// documents as govhall searches them: title, body, 文号 and the agency's
// names, with facets on category, agency, year, kind and validity.

// peerDoc is one public document as the peers read it from the catalog.
type peerDoc struct {
	ID        int64  `db:"id"`
	Title     string `db:"title"`
	Body      string `db:"body"`
	DocNumber string `db:"doc_number"`
	Agency    string `db:"agency"`
	AgencyAll string `db:"agency_all"` // short and full name, for matching
	Category  string `db:"category"`
	Kind      string `db:"kind"`
	Validity  string `db:"validity"`
	Published string `db:"published"` // YYYY-MM-DD or ""
}

// peerDocsSQL reads every public document with its agency and category,
// through the same gate (public_documents) as govhall's search.
const peerDocsSQL = `SELECT d.id, d.title, d.body, COALESCE(d.doc_number, '') AS doc_number,
		COALESCE(a.name, '') AS agency, COALESCE(a.name || ' ' || a.full_name, '') AS agency_all,
		COALESCE(c.path, '') AS category, d.kind, d.validity,
		COALESCE(to_char(d.published_at, 'YYYY-MM-DD'), '') AS published
	FROM public_documents d LEFT JOIN departments a ON a.id = d.agency_id LEFT JOIN categories c ON c.id = d.category_id
	ORDER BY d.id`

// eachPeerDoc streams the public documents to f, one row at a time.
func eachPeerDoc(ctx context.Context, db *sqlx.DB, f func(peerDoc) error) error {
	rows, err := db.QueryxContext(ctx, peerDocsSQL)
	if err != nil {
		return fmt.Errorf("read public documents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d peerDoc
		if err := rows.StructScan(&d); err != nil {
			return fmt.Errorf("read public documents: %w", err)
		}
		if err := f(d); err != nil {
			return err
		}
	}
	return rows.Err()
}

// bleveDoc is what Bleve indexes: text is everything a query must match
// (title, 文号, agency, body), title and doc_number again to boost them.
type bleveDoc struct {
	Text      string `json:"text"`
	Title     string `json:"title"`
	DocNumber string `json:"doc_number"`
	Agency    string `json:"agency"`
	Category  string `json:"category"`
	Kind      string `json:"kind"`
	Validity  string `json:"validity"`
	Year      string `json:"year"`
	Published string `json:"published"`
}

// bleveMapping analyses text, title and doc_number with Bleve's CJK
// analyzer (Unicode words, width folding, lower case, CJK bigrams); the
// facet fields are keywords; title, 文号, agency and date are stored for
// the result list. The body is indexed (in text) but not stored.
func bleveMapping() *mapping.IndexMappingImpl {
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = cjk.AnalyzerName
		f.Store = store
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		return f
	}
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.IncludeInAll = false
		f.DocValues = true
		return f
	}
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("text", text(false))
	dm.AddFieldMappingsAt("title", text(true))
	dm.AddFieldMappingsAt("doc_number", text(true))
	for _, name := range []string{"category", "kind", "validity", "year"} {
		dm.AddFieldMappingsAt(name, kw(false))
	}
	dm.AddFieldMappingsAt("agency", kw(true))
	dm.AddFieldMappingsAt("published", kw(true))
	im := bleve.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = cjk.AnalyzerName
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false
	return im
}

func toBleveDoc(d peerDoc) bleveDoc {
	year := ""
	if len(d.Published) >= 4 {
		year = d.Published[:4]
	}
	return bleveDoc{Text: d.Title + "\n" + d.DocNumber + "\n" + d.AgencyAll + "\n" + d.Body, Title: d.Title,
		DocNumber: d.DocNumber, Agency: d.Agency, Category: d.Category, Kind: d.Kind, Validity: d.Validity,
		Year: year, Published: d.Published}
}

// buildBleve indexes the catalog's public documents in a scorch index in
// dir, in batches of 500, and returns it with the number indexed.
func buildBleve(ctx context.Context, db *sqlx.DB, dir string) (bleve.Index, int, error) {
	// unsafe_batch: a batch returns once it is in memory, not on disk; the
	// index is a throw-away copy, and fsyncs would only slow its build.
	idx, err := bleve.NewUsing(filepath.Join(dir, "bleve"), bleveMapping(), scorch.Name, scorch.Name,
		map[string]any{"unsafe_batch": true})
	if err != nil {
		return nil, 0, fmt.Errorf("create bleve index: %w", err)
	}
	n := 0
	batch := idx.NewBatch()
	flush := func() error {
		if err := idx.Batch(batch); err != nil {
			return fmt.Errorf("bleve batch: %w", err)
		}
		batch.Reset()
		return nil
	}
	err = eachPeerDoc(ctx, db, func(d peerDoc) error {
		if err := batch.Index(strconv.FormatInt(d.ID, 10), toBleveDoc(d)); err != nil {
			return fmt.Errorf("bleve document %d: %w", d.ID, err)
		}
		if n++; batch.Size() == 500 {
			return flush()
		}
		return nil
	})
	if err == nil && batch.Size() > 0 {
		err = flush()
	}
	if err != nil {
		idx.Close()
		return nil, 0, err
	}
	return idx, n, nil
}

// peerRequest is a search as the govhall API takes it: q, the filters the
// benchmark uses and the page size.
type peerRequest struct {
	q, kind, validity string
	year, limit       int
	bare              bool // Bleve only: no facets, ranked by score alone (to measure what they cost)
}

func parsePeerRequest(r *http.Request) (peerRequest, error) {
	v := r.URL.Query()
	pr := peerRequest{q: strings.TrimSpace(v.Get("q")), kind: v.Get("kind"), validity: v.Get("validity"), limit: 20}
	if pr.q == "" {
		return pr, fmt.Errorf("q: type something to search for")
	}
	var err error
	if s := v.Get("year"); s != "" {
		if pr.year, err = strconv.Atoi(s); err != nil {
			return pr, fmt.Errorf("year: %q is not a year", s)
		}
	}
	if s := v.Get("limit"); s != "" {
		if pr.limit, err = strconv.Atoi(s); err != nil || pr.limit < 1 || pr.limit > 100 {
			return pr, fmt.Errorf("limit: %q is not between 1 and 100", s)
		}
	}
	return pr, nil
}

// peerHit and peerResult are the JSON the peers answer with: the fields of
// govhall's result list that they can fill in.
type peerHit struct {
	ID          int64  `json:"id" db:"id"`
	Title       string `json:"title" db:"title"`
	DocNumber   string `json:"doc_number" db:"doc_number"`
	Agency      string `json:"agency" db:"agency"`
	PublishedAt string `json:"published_at" db:"published_at"`
}

type peerResult struct {
	Total  int                       `json:"total"`
	Items  []peerHit                 `json:"items"`
	Facets map[string]map[string]int `json:"facets,omitempty"`
}

// bleveQuery wants every piece of q (split at spaces) somewhere in the
// document's text, all bigrams of it (relaxed: any, when and is false),
// and raises documents whose title (×5) or 文号 (×3) matches it too, as
// govhall ranks title matches above body matches.
func bleveQuery(pr peerRequest, and bool) query.Query {
	must := bleve.NewConjunctionQuery()
	should := bleve.NewDisjunctionQuery()
	for _, piece := range strings.Fields(pr.q) {
		m := bleve.NewMatchQuery(piece)
		m.SetField("text")
		if and {
			m.SetOperator(query.MatchQueryOperatorAnd)
		}
		must.AddQuery(m)
		for field, boost := range map[string]float64{"title": 5, "doc_number": 3} {
			s := bleve.NewMatchQuery(piece)
			s.SetField(field)
			s.SetBoost(boost)
			should.AddQuery(s)
		}
	}
	for field, value := range map[string]string{"kind": pr.kind, "validity": pr.validity, "year": yearString(pr.year)} {
		if value != "" {
			t := bleve.NewTermQuery(value)
			t.SetField(field)
			must.AddQuery(t)
		}
	}
	b := bleve.NewBooleanQuery()
	b.AddMust(must)
	b.AddShould(should)
	return b
}

func yearString(y int) string {
	if y == 0 {
		return ""
	}
	return strconv.Itoa(y)
}

// bleveSearch runs the query with every word required and, if nothing has
// them all, with any (as govhall relaxes), newest first among equal scores.
func bleveSearch(ctx context.Context, idx bleve.Index, pr peerRequest) (peerResult, error) {
	var res *bleve.SearchResult
	for _, and := range []bool{true, false} {
		req := bleve.NewSearchRequestOptions(bleveQuery(pr, and), pr.limit, 0, false)
		req.Fields = []string{"title", "doc_number", "agency", "published"}
		if !pr.bare {
			req.SortBy([]string{"-_score", "-published"})
			for _, f := range []string{"category", "agency", "year", "kind", "validity"} {
				req.AddFacet(f, bleve.NewFacetRequest(f, 10))
			}
		}
		var err error
		if res, err = idx.SearchInContext(ctx, req); err != nil {
			return peerResult{}, fmt.Errorf("bleve search %q: %w", pr.q, err)
		}
		if res.Total > 0 {
			break
		}
	}
	out := peerResult{Total: int(res.Total), Items: []peerHit{}, Facets: map[string]map[string]int{}}
	for _, h := range res.Hits {
		id, _ := strconv.ParseInt(h.ID, 10, 64)
		str := func(k string) string { s, _ := h.Fields[k].(string); return s }
		out.Items = append(out.Items, peerHit{ID: id, Title: str("title"), DocNumber: str("doc_number"),
			Agency: str("agency"), PublishedAt: str("published")})
	}
	for name, f := range res.Facets {
		m := map[string]int{}
		if f.Terms != nil {
			for _, t := range f.Terms.Terms() {
				m[t.Term] = t.Count
			}
		}
		out.Facets[name] = m
	}
	return out, nil
}

// peerHandler serves GET /api/v1/documents?q= with search, as JSON.
func peerHandler(search func(context.Context, peerRequest) (peerResult, error)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/documents", func(w http.ResponseWriter, r *http.Request) {
		pr, err := parsePeerRequest(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		res, err := search(r.Context(), pr)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(res)
	})
	return mux
}

// servePeer serves h on a free loopback port until the test ends.
func servePeer(tb testing.TB, h http.Handler) string {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	ln, err := listenLoopback()
	if err != nil {
		tb.Fatal(err)
	}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

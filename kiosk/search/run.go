package search

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Request is a public search: GET /api/v1/documents?q=&category=&agency=&year=&validity=&kind=&limit=&offset=.
// Zero values do not filter.
type Request struct {
	Q        string
	Category string // category path; includes sub-categories
	Agency   string // department code, name or full name
	Year     int    // year published
	Validity string // 有效 | 废止 | 失效 | 已修订
	Kind     string // policy | interpretation | guide | other
	Limit    int    // 1–100, default 20
	Offset   int    // 0–10000
	// Place is where the search was made, for the demand report: a
	// terminal's place type (服务大厅, 图书馆, 档案馆), "" for the web.
	Place string
	// NoLog marks a staff member trying a query: it is counted neither in
	// the demand report nor in the zero-result list.
	NoLog bool
}

// Result is one page of a search.
type Result struct {
	// Total counts the matching documents. When TotalExact is false the
	// candidate caps were reached and Total (and the facet counts) are lower
	// bounds: show "1000+" and invite the user to narrow the search.
	Total      int      `json:"total"`
	TotalExact bool     `json:"total_exact"`
	Items      []Hit    `json:"items"`
	Facets     Facets   `json:"facets"`
	Shape      string   `json:"shape"`              // ShapeText, ShapeDocNumber, ShapePinyin or ShapeBrowse
	Relaxed    bool     `json:"relaxed"`            // no document had every word; these have some
	Expanded   []string `json:"expanded,omitempty"` // synonyms and keywords searched too
}

// Hit is one result. Snippet is plain text (never HTML): an excerpt around
// the first hit in the body, empty for documents only disclosed on request;
// Highlights are [start, end) rune offsets of query words within it.
type Hit struct {
	ID           int64        `json:"id"`
	IndexNo      string       `json:"index_no"`
	Code         string       `json:"code"`
	DocNumber    string       `json:"doc_number"`
	Title        string       `json:"title"`
	Agency       string       `json:"agency"`
	AgencyCode   string       `json:"agency_code"`
	Category     string       `json:"category"`
	CategoryPath string       `json:"category_path"`
	PublishedAt  string       `json:"published_at"` // YYYY-MM-DD or ""
	Validity     string       `json:"validity"`
	Kind         string       `json:"kind"`
	Snippet      string       `json:"snippet"`
	Highlights   [][2]int     `json:"highlights"`
	ReplacedBy   *Replacement `json:"replaced_by"`
	// Match says why the document is here: exact (文号, 索引号 or the whole
	// title), title (contains the query), title_words, metadata or body.
	Match string `json:"match"`

	Exact      bool    `json:"-"`
	Tier       float64 `json:"-"`
	Popularity float64 `json:"-"`
}

// Replacement is the public document that replaced a repealed one.
type Replacement struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	DocNumber string `json:"doc_number"`
	Code      string `json:"code"`
}

// Facets are counts of the matching documents by filter value.
type Facets struct {
	Category []FacetValue `json:"category"`
	Agency   []FacetValue `json:"agency"`
	Year     []FacetValue `json:"year"`
	Kind     []FacetValue `json:"kind"`
	Validity []FacetValue `json:"validity"`
}

// FacetValue is one value of a facet: Value goes back into the request
// (category path, agency code, year, kind, validity), Label is shown.
type FacetValue struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

var kindLabels = map[string]string{"policy": "政策文件", "interpretation": "政策解读", "guide": "办事指南", "other": "其他"}

var validities = map[string]bool{"有效": true, "废止": true, "失效": true, "已修订": true}

// check validates a request and fills in defaults.
func (r Request) check() (Request, error) {
	switch {
	case !validText(r.Q):
		return r, fieldErr("q", "查询内容不是有效的文字")
	case utf8.RuneCountInString(r.Q) > MaxQueryRunes:
		return r, fieldErr("q", "查询内容不能超过%d个字", MaxQueryRunes)
	case r.Limit < 0 || r.Limit > 100:
		return r, fieldErr("limit", "每页条数须在 1 到 100 之间")
	case r.Offset < 0 || r.Offset > 10000:
		return r, fieldErr("offset", "offset 须在 0 到 10000 之间")
	case r.Year != 0 && (r.Year < 1949 || r.Year > 2100):
		return r, fieldErr("year", "年份 %d 不正确，请填写四位数年份，如 2024", r.Year)
	case r.Validity != "" && !validities[r.Validity]:
		return r, fieldErr("validity", "有效性只能是 有效、废止、失效 或 已修订")
	case r.Kind != "" && kindLabels[r.Kind] == "":
		return r, fieldErr("kind", "类型只能是 policy、interpretation、guide 或 other")
	case utf8.RuneCountInString(r.Place) > 20 || !validText(r.Place):
		return r, fieldErr("place", "场所类型不正确")
	}
	if r.Limit == 0 {
		r.Limit = 20
	}
	return r, nil
}

func (r Request) filtered() bool {
	return r.Category != "" || r.Agency != "" || r.Year != 0 || r.Validity != "" || r.Kind != ""
}

// Search runs a public search. Only documents of public_documents are ever
// read. A query that finds nothing with all its words is retried with any of
// them (Result.Relaxed); one that still finds nothing, without filters, is
// logged for the zero-result report. Documents pinned to the query (pins.go)
// come first when no filter is set. Typed searches are counted for the
// demand report (demand.go) unless req.NoLog. It fails with a FieldError
// for a bad request.
func (s *Store) Search(ctx context.Context, req Request) (Result, error) {
	req, err := req.check()
	if err != nil {
		return Result{}, err
	}
	qkey := queryKey(req.Q)
	var pinned []int64
	if qkey != "" && !req.filtered() {
		if pinned, err = s.pinsFor(ctx, qkey); err != nil {
			return Result{}, err
		}
	}
	var res Result
	if len(pinned) > 0 {
		res, err = s.pinnedPage(ctx, req, qkey, pinned)
	} else {
		res, err = s.page(ctx, req, qkey)
	}
	if err != nil {
		return Result{}, err
	}
	zero := res.Total == 0 && res.Shape != ShapeBrowse && !req.filtered()
	if zero && !req.NoLog {
		s.logZero(ctx, qkey, req.Q)
	}
	if res.Shape != ShapeBrowse {
		s.countSearch(req, qkey, zero)
	}
	return res, nil
}

// page answers a checked request from the cache or by searching.
func (s *Store) page(ctx context.Context, req Request, qkey string) (Result, error) {
	key := req.cacheKey()
	res, ok, err := s.cachedResult(ctx, key)
	if err != nil {
		return Result{}, err
	}
	if o := s.opts.Observer; o != nil {
		o.SearchCached(ok)
	}
	if !ok {
		// Concurrent misses of one key (a popular query whose entry just
		// expired) share one search.
		v, err, _ := s.flight.Do(key, func() (any, error) {
			gen, clickGen := s.cache.generation(qkey)
			res, err := s.search(ctx, req)
			if err == nil {
				s.cache.put(key, qkey, gen, clickGen, res)
			}
			return res, err
		})
		if err != nil {
			return Result{}, err
		}
		res = v.(Result)
		res.Items = slices.Clone(res.Items)
	}
	return res, nil
}

func (s *Store) search(ctx context.Context, req Request) (Result, error) {
	syn, err := s.synonyms(ctx)
	if err != nil {
		return Result{}, err
	}
	p := buildPlan(req.Q, syn, s.an)
	res, err := s.run(ctx, p, req)
	if err != nil || res.Total > 0 {
		return res, err
	}
	if rp, ok := relax(p); ok {
		return s.run(ctx, rp, req)
	}
	return res, nil
}

// cachedResult returns a cached result whose documents are all still
// public (a copy: callers may change it).
func (s *Store) cachedResult(ctx context.Context, key string) (Result, bool, error) {
	v, ok := s.cache.get(key)
	if !ok {
		return Result{}, false, nil
	}
	res := v.(Result)
	public, err := s.stillPublic(ctx, resultIDs(res))
	if err != nil || !public {
		return Result{}, false, err
	}
	res.Items = slices.Clone(res.Items)
	return res, true, nil
}

// cacheKey identifies a request: the query as normalised for search (case,
// width and runs of spaces do not matter) and everything else.
func (r Request) cacheKey() string {
	return fmt.Sprintf("s|%s|%s|%s|%d|%s|%s|%d|%d", strings.Join(strings.Fields(normalize(r.Q)), " "),
		r.Category, r.Agency, r.Year, r.Validity, r.Kind, r.Limit, r.Offset)
}

// raw is the row searchSQL returns.
type raw struct {
	Total  int    `db:"total"`
	Capped bool   `db:"capped"`
	Items  []byte `db:"items"`
	Facets []byte `db:"facets"`
}

// run answers a plan from the in-memory index when it is live, otherwise
// with the search statement.
func (s *Store) run(ctx context.Context, p plan, req Request) (Result, error) {
	start := time.Now()
	if st := s.mem.live(); st != nil {
		res, err := s.memSearch(ctx, st, p, req)
		s.observe(EngineMemory, start)
		if err != nil {
			return Result{}, fmt.Errorf("search: query %q: %w", req.Q, err)
		}
		return res, nil
	}
	defer s.observe(EngineSQL, start)
	return s.runSQL(ctx, p, req)
}

func (s *Store) runSQL(ctx context.Context, p plan, req Request) (Result, error) {
	var row raw
	err := s.readTx(ctx, func(tx *sqlx.Tx) error {
		return s.getPrepared(ctx, tx, &row, searchSQL, s.args(p, req)...)
	})
	if err != nil {
		return Result{}, fmt.Errorf("search: query %q: %w", req.Q, err)
	}
	res := Result{Total: row.Total, TotalExact: !row.Capped, Shape: p.shape, Relaxed: p.relaxed, Expanded: p.expanded}
	if err := json.Unmarshal(row.Items, &res.Items); err != nil {
		return Result{}, fmt.Errorf("search: decode items: %w", err)
	}
	if err := json.Unmarshal(row.Facets, &res.Facets); err != nil {
		return Result{}, fmt.Errorf("search: decode facets: %w", err)
	}
	for i := range res.Facets.Kind {
		res.Facets.Kind[i].Label = kindLabels[res.Facets.Kind[i].Value]
	}
	words := snippetWords(p)
	for i := range res.Items {
		finishHit(&res.Items[i], words)
	}
	return res, nil
}

func (s *Store) args(p plan, req Request) []any {
	return []any{tsq(p.titleQ), tsq(p.allQ), tsq(p.titleAQ), anyOf(p.phrases), p.exact, // $1–$5
		p.docKey, p.yearNum, p.docPrefix, pq.Array(p.indexNos), p.qkey, // $6–$10
		s.opts.TitleCap, s.opts.MatchCap, req.Category, req.Agency, req.Year, // $11–$15
		req.Validity, req.Kind, p.shape == ShapeBrowse, req.Limit, req.Offset, // $16–$20
		anyOf(snippetWords(p)), s.opts.HalfLife.Seconds(), tsqArray(p.wordQs), likeEscape(req.Category) + "/%", // $21–$24
		anyOf(p.altPhrases), tsq(p.phraseQ), p.shape == ShapePinyin} // $25–$27
}

// tsq passes a tsquery, NULL for none (an empty tsquery would draw a notice).
func tsq(q string) any {
	if q == "" {
		return nil
	}
	return q
}

func tsqArray(qs []string) any {
	if len(qs) == 0 {
		return nil
	}
	return pq.Array(qs)
}

// anyOf is a PostgreSQL regular expression matching any of the strings
// literally, "" for none.
func anyOf(ss []string) string {
	quoted := make([]string, 0, len(ss))
	for _, w := range ss {
		if w != "" {
			quoted = append(quoted, regexp.QuoteMeta(w))
		}
	}
	return strings.Join(quoted, "|")
}

// snippetWords are the texts whose first occurrence the excerpt is cut
// around, longest first so that highlights prefer whole terms.
func snippetWords(p plan) []string {
	seen := map[string]bool{}
	var out []string
	for _, g := range p.groups {
		for _, w := range g.words {
			if w != "" && !seen[w] && !(len(p.groups) > 1 && g.stop) {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	sortByLength(out)
	return out
}

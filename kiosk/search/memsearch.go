package search

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lib/pq"
)

// memMeta are the departments and categories documents are filed under.
type memMeta struct {
	agencies   []agencyMeta
	agencyPos  map[int64]int32
	categories []categoryMeta
	catPos     map[int64]int32
}

type agencyMeta struct {
	ID       int64  `db:"id"`
	Code     string `db:"code"`
	Name     string `db:"name"`
	FullName string `db:"full_name"`
}

type categoryMeta struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
	Path string `db:"path"`
}

var (
	validityNames = []string{"有效", "废止", "失效", "已修订"}
	kindNames     = []string{"policy", "interpretation", "guide", "other"}
)

func namePos(names []string, v string) uint8 {
	if i := slices.Index(names, v); i >= 0 {
		return uint8(i)
	}
	return uint8(len(names)) // unknown values count under no facet value
}

// memState is one consistent view: a base index, the base documents that
// changed since it was built (dead), and an overlay index holding the new
// versions of changed and added documents.
type memState struct {
	base    *memIndex
	dead    bitmap
	overlay *memIndex
	meta    *memMeta
}

// memFilter is a request's filters resolved against the metadata.
type memFilter struct {
	on         bool
	categories []bool // by category position
	agencies   []bool
	year       int
	validity   string
	kind       string
}

func (st *memState) filter(req Request) memFilter {
	f := memFilter{on: req.filtered(), year: req.Year, validity: req.Validity, kind: req.Kind}
	if req.Category != "" {
		f.categories = make([]bool, len(st.meta.categories))
		for i, c := range st.meta.categories {
			f.categories[i] = c.Path == req.Category || strings.HasPrefix(c.Path, req.Category+"/")
		}
	}
	if req.Agency != "" {
		f.agencies = make([]bool, len(st.meta.agencies))
		for i, a := range st.meta.agencies {
			f.agencies[i] = a.Code == req.Agency || a.Name == req.Agency || a.FullName == req.Agency
		}
	}
	return f
}

func (f *memFilter) keep(d *memDoc) bool {
	if !f.on {
		return true
	}
	return (f.categories == nil || f.categories[d.categoryPos]) && (f.agencies == nil || f.agencies[d.agencyPos]) &&
		(f.year == 0 || d.year == f.year) && (f.validity == "" || d.validity == f.validity) &&
		(f.kind == "" || d.kind == f.kind)
}

// memQuery is a plan's tsqueries parsed once for both indexes.
type memQuery struct {
	p                          plan
	title, all, titleA, phrase *tsNode
	words                      []*tsNode
	pop                        map[int64]float64
}

func parsePlan(p plan, pop map[int64]float64) (*memQuery, error) {
	q := &memQuery{p: p, pop: pop}
	var err error
	for _, x := range []struct {
		dst **tsNode
		src string
	}{{&q.title, p.titleQ}, {&q.all, p.allQ}, {&q.titleA, p.titleAQ}, {&q.phrase, p.phraseQ}} {
		if *x.dst, err = parseTSQuery(x.src); err != nil {
			return nil, err
		}
	}
	for _, w := range p.wordQs {
		n, err := parseTSQuery(w)
		if err != nil {
			return nil, err
		}
		q.words = append(q.words, n)
	}
	return q, nil
}

// memCand is a candidate with its ranking key.
type memCand struct {
	d          *memDoc
	exact      bool
	tier       float64 // the title tier, at least 1 for a 文号 sibling
	popularity float64
	score      float64
}

// candBefore is the ranking of the search statement: exact matches, then
// current documents, then the score, then recency.
func candBefore(a, b *memCand) bool {
	if a.exact != b.exact {
		return a.exact
	}
	if a.d.current != b.d.current {
		return a.d.current
	}
	if a.score != b.score {
		return a.score > b.score
	}
	return rankBefore(a.d, b.d)
}

// memMatches is what one index contributes to a search.
type memMatches struct {
	explicit []memCand // scored candidates
	half     []memCand // the first of the others with the phrase bonus only, in rank order
	zero     []memCand // the first of the rest, in rank order
	total    int
}

// match finds the candidates of one index. dead masks out changed base
// documents (nil: none); every candidate is scored explicitly when all is
// true (the small overlay), otherwise only those with more than the phrase
// bonus, and of the others only the first k are kept.
func (x *memIndex) match(q *memQuery, f *memFilter, dead bitmap, explicitAll bool, k int, fc *facetCounts) memMatches {
	p := q.p
	n := len(x.docs)
	T := x.eval(q.title, fieldTitle)
	A := x.eval(q.all, fieldAll)
	PH := x.eval(q.phrase, fieldAll)
	dn, exact := newBitmap(n), newBitmap(n)
	x.docNumberMatches(p, dn, exact)
	cand := newBitmap(n)
	cand.or(T)
	cand.or(A)
	cand.or(PH)
	cand.or(dn)
	if p.shape == ShapeBrowse {
		for i := range cand {
			cand[i] = ^uint64(0)
		}
		if r := n % 64; r != 0 {
			cand[len(cand)-1] = 1<<r - 1
		}
	}
	scored := newBitmap(n) // candidates whose score needs computing
	scored.or(T)
	scored.or(dn)
	if p.exact != "" {
		for _, i := range x.normTitle[p.exact] {
			exact.set(i)
			scored.set(i)
		}
	}
	for id := range q.pop {
		if i, ok := x.byID[id]; ok && (A.has(i) || T.has(i) || dn.has(i)) {
			cand.set(i)
			scored.set(i)
		}
	}
	if dead != nil {
		cand.andNot(dead)
	}
	var TA bitmap
	var W []bitmap
	if len(q.words) > 0 || q.titleA != nil {
		TA = x.eval(q.titleA, fieldTitle)
		for _, w := range q.words {
			W = append(W, x.eval(w, fieldTitle))
		}
	}
	var m memMatches
	cand.each(func(i uint32) bool {
		d := &x.docs[i]
		if !f.keep(d) {
			return true
		}
		m.total++
		fc.add(d)
		c := memCand{d: d}
		inPH := PH.has(i)
		if !explicitAll && !scored.has(i) {
			switch {
			case inPH && len(m.half) < k:
				c.score = 0.5
				m.half = append(m.half, c)
			case !inPH && len(m.zero) < k:
				m.zero = append(m.zero, c)
			}
			return true
		}
		c.exact = exact.has(i)
		if scored.has(i) { // others (overlay documents matching the text only) have no title tier, as in the base
			c.tier = titleTier(p, d, T.has(i), TA != nil && TA.has(i))
		}
		if dn.has(i) {
			c.tier = max(c.tier, 1)
		}
		words := 0.0
		for _, w := range W {
			if w.has(i) {
				words += 0.5
			}
		}
		c.popularity = popularity(q.pop[d.id])
		c.score = c.tier + words + c.popularity
		if inPH {
			c.score += 0.5
		}
		m.explicit = append(m.explicit, c)
		return true
	})
	return m
}

// titleTier is the title tier of the search statement: 3 the title contains
// the query, 2.5 a synonym's form of it, 2 all words in the title, 1 in the
// title's metadata.
func titleTier(p plan, d *memDoc, inT, inTA bool) float64 {
	switch {
	case containsAny(d.normTitle, p.phrases):
		return 3
	case containsAny(d.normTitle, p.altPhrases):
		return 2.5
	case inTA:
		return 2
	case inT:
		return 1
	}
	return 0
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if x != "" && strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// docNumberMatches sets the 文号 and 索引号 matches (dn) and those among
// them that are exact.
func (x *memIndex) docNumberMatches(p plan, dn, exact bitmap) {
	set := func(ids []uint32, isExact bool) {
		for _, i := range ids {
			dn.set(i)
			if isExact {
				exact.set(i)
			}
		}
	}
	if p.docKey != "" {
		set(x.docKey[p.docKey], true)
	}
	if p.yearNum != "" {
		set(x.yearNum[p.yearNum], p.docKey == "")
	}
	if p.docPrefix != "" {
		for _, k := range prefixRange(x.docKeys, p.docPrefix) {
			set(x.docKey[k], true)
		}
	}
	for _, no := range p.indexNos {
		if i, ok := x.indexNo[no]; ok {
			set([]uint32{i}, true)
		}
	}
}

// facetCounts count candidates by facet value.
type facetCounts struct {
	category, agency []int
	year             map[int]int
	kind, validity   []int
}

func newFacetCounts(meta *memMeta) *facetCounts {
	return &facetCounts{category: make([]int, len(meta.categories)), agency: make([]int, len(meta.agencies)),
		year: map[int]int{}, kind: make([]int, len(kindNames)+1), validity: make([]int, len(validityNames)+1)}
}

func (fc *facetCounts) add(d *memDoc) {
	fc.category[d.categoryPos]++
	fc.agency[d.agencyPos]++
	if d.published != "" {
		fc.year[d.year]++
	}
	fc.kind[d.kindPos]++
	fc.validity[d.validityPos]++
}

func (fc *facetCounts) facets(meta *memMeta) Facets {
	f := Facets{Category: []FacetValue{}, Agency: []FacetValue{}, Year: []FacetValue{}, Kind: []FacetValue{}, Validity: []FacetValue{}}
	for i, n := range fc.category {
		if n > 0 {
			c := meta.categories[i]
			f.Category = append(f.Category, FacetValue{Value: c.Path, Label: c.Name, Count: n})
		}
	}
	slices.SortFunc(f.Category, func(a, b FacetValue) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Value, b.Value)) })
	for i, n := range fc.agency {
		if n > 0 {
			a := meta.agencies[i]
			f.Agency = append(f.Agency, FacetValue{Value: a.Code, Label: a.Name, Count: n})
		}
	}
	slices.SortFunc(f.Agency, func(a, b FacetValue) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Label, b.Label)) })
	for y, n := range fc.year {
		s := strconv.Itoa(y)
		f.Year = append(f.Year, FacetValue{Value: s, Label: s, Count: n})
	}
	slices.SortFunc(f.Year, func(a, b FacetValue) int { return strings.Compare(b.Value, a.Value) })
	named := func(counts []int, names []string) []FacetValue {
		out := []FacetValue{}
		for i, n := range counts[:len(names)] {
			if n > 0 {
				out = append(out, FacetValue{Value: names[i], Label: names[i], Count: n})
			}
		}
		slices.SortFunc(out, func(a, b FacetValue) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Value, b.Value)) })
		return out
	}
	f.Kind, f.Validity = named(fc.kind, kindNames), named(fc.validity, validityNames)
	return f
}

// memSearch runs a plan on the in-memory state: every match is a
// candidate, ranked as the search statement ranks them; the page is then
// read from public_documents for excerpts and replacements.
func (s *Store) memSearch(ctx context.Context, st *memState, p plan, req Request) (Result, error) {
	pop, err := s.popularity(ctx, p.qkey)
	if err != nil {
		return Result{}, err
	}
	q, err := parsePlan(p, pop)
	if err != nil {
		return Result{}, err
	}
	f := st.filter(req)
	fc := newFacetCounts(st.meta)
	k := req.Offset + req.Limit
	base := st.base.match(q, &f, st.dead, false, k, fc)
	all := base.explicit
	total := base.total
	if st.overlay != nil {
		over := st.overlay.match(q, &f, nil, true, k, fc)
		all = append(all, over.explicit...)
		total += over.total
	}
	slices.SortFunc(all, func(a, b memCand) int {
		switch {
		case candBefore(&a, &b):
			return -1
		case candBefore(&b, &a):
			return 1
		}
		return 0
	})
	page := mergeTop(k, all, base.half, base.zero)
	page = page[min(req.Offset, len(page)):]
	res := Result{Total: total, TotalExact: true, Shape: p.shape, Relaxed: p.relaxed, Expanded: p.expanded,
		Facets: fc.facets(st.meta)}
	if res.Items, err = s.memPage(ctx, st, page, snippetWords(p)); err != nil {
		return Result{}, err
	}
	for i := range res.Facets.Kind {
		res.Facets.Kind[i].Label = kindLabels[res.Facets.Kind[i].Value]
	}
	return res, nil
}

// mergeTop merges ranked streams into the first k.
func mergeTop(k int, streams ...[]memCand) []memCand {
	out := make([]memCand, 0, k)
	idx := make([]int, len(streams))
	for len(out) < k {
		best := -1
		for s, xs := range streams {
			if idx[s] < len(xs) && (best < 0 || candBefore(&xs[idx[s]], &streams[best][idx[best]])) {
				best = s
			}
		}
		if best < 0 {
			break
		}
		out = append(out, streams[best][idx[best]])
		idx[best]++
	}
	return out
}

func popularity(score float64) float64 {
	if score <= 0 {
		return 0
	}
	return min(3.5, math.Log1p(score))
}

// pageRow is the part of a hit read from public_documents.
type pageRow struct {
	ID        int64  `db:"id"`
	Snippet   string `db:"snippet"`
	RepID     int64  `db:"rep_id"`
	RepTitle  string `db:"rep_title"`
	RepNumber string `db:"rep_doc_number"`
	RepCode   string `db:"rep_code"`
}

// memPageSQL reads the excerpts of a page (as pageSQL cuts them) and what
// replaced its repealed documents, from public_documents only: a document
// withheld a moment ago is not in the answer and leaves the page.
const memPageSQL = `SELECT d.id,
		CASE WHEN d.disclosure <> '主动公开' THEN ''
			WHEN $2 = '' THEN left(d.body, 110)
			ELSE substr(d.body, greatest(1, regexp_instr(d.body, $2) - 24), 110) END AS snippet,
		coalesce(rep.id, 0) AS rep_id, coalesce(rep.title, '') AS rep_title,
		coalesce(rep.doc_number, '') AS rep_doc_number, coalesce(rep.code, '') AS rep_code
	FROM public_documents d LEFT JOIN public_documents rep ON rep.id = d.replaced_by
	WHERE d.id = ANY($1)`

func (s *Store) memPage(ctx context.Context, st *memState, page []memCand, words []string) ([]Hit, error) {
	hits := []Hit{}
	if len(page) == 0 {
		return hits, nil
	}
	ids := make([]int64, len(page))
	for i, c := range page {
		ids[i] = c.d.id
	}
	var rows []pageRow
	stmt, err := s.prepared(ctx, memPageSQL)
	if err != nil {
		return nil, err
	}
	if err := stmt.SelectContext(ctx, &rows, pq.Array(ids), anyOf(words)); err != nil {
		return nil, fmt.Errorf("search: read page: %w", err)
	}
	byID := make(map[int64]*pageRow, len(rows))
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
	}
	for _, c := range page {
		r, ok := byID[c.d.id]
		if !ok {
			continue // no longer public
		}
		d := c.d
		a, cat := st.meta.agencies[d.agencyPos], st.meta.categories[d.categoryPos]
		h := Hit{ID: d.id, IndexNo: d.indexNo, Code: d.code, DocNumber: d.docNumber, Title: d.title,
			Agency: a.Name, AgencyCode: a.Code, Category: cat.Name, CategoryPath: cat.Path,
			PublishedAt: d.published, Validity: d.validity, Kind: d.kind, Snippet: r.Snippet,
			Exact: c.exact, Tier: c.tier, Popularity: c.popularity}
		if r.RepID != 0 {
			h.ReplacedBy = &Replacement{ID: r.RepID, Title: r.RepTitle, DocNumber: r.RepNumber, Code: r.RepCode}
		}
		finishHit(&h, words)
		hits = append(hits, h)
	}
	return hits, nil
}

// popSQL is the pop part of the search statement: the 50 documents opened
// or printed most for a query, with their decayed scores.
const popSQL = `SELECT doc_id, score * exp(-ln(2) * extract(epoch FROM now() - updated_at) / $2) AS score
	FROM search_click_scores WHERE qkey = $1 ORDER BY 2 DESC LIMIT 50`

// popularity returns the decayed click scores of a query's documents,
// cached like results (a click through this store drops them).
func (s *Store) popularity(ctx context.Context, qkey string) (map[int64]float64, error) {
	if qkey == "" {
		return nil, nil
	}
	key := "pop|" + qkey
	if v, ok := s.cache.get(key); ok {
		return v.(map[int64]float64), nil
	}
	gen, clickGen := s.cache.generation(qkey)
	var rows []struct {
		DocID int64   `db:"doc_id"`
		Score float64 `db:"score"`
	}
	stmt, err := s.prepared(ctx, popSQL)
	if err != nil {
		return nil, err
	}
	if err := stmt.SelectContext(ctx, &rows, qkey, s.opts.HalfLife.Seconds()); err != nil {
		return nil, fmt.Errorf("search: read click scores: %w", err)
	}
	pop := make(map[int64]float64, len(rows))
	for _, r := range rows {
		pop[r.DocID] = r.Score
	}
	s.cache.put(key, qkey, gen, clickGen, pop)
	return pop, nil
}

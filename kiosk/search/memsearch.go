package search

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

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

// memQuery is a plan's tsqueries parsed once for both indexes.
type memQuery struct {
	p                          plan
	title, all, titleA, phrase *tsNode
	words                      []*tsNode
	pop                        map[int64]float64
	phrases, altPhrases        []phraseGate
}

// phraseGate is a text the compact title must contain for tier 3 (or 2.5)
// and its character pairs (its character, for one): only titles with all of
// them are compared, and for one or two characters they decide alone.
type phraseGate struct {
	text   string
	grams  []string
	decide bool
}

func phraseGates(texts []string) []phraseGate {
	var out []phraseGate
	for _, t := range texts {
		if t != "" {
			grams := titleGrams(t)
			out = append(out, phraseGate{text: t, grams: grams, decide: utf8.RuneCountInString(t) <= 2})
		}
	}
	return out
}

// titleGrams are the character pairs of a compact title (its character when
// it has one), any characters, spaces and quotes being gone already.
func titleGrams(t string) []string {
	rs := []rune(t)
	if len(rs) == 1 {
		return []string{t}
	}
	var out []string
	for i := 1; i < len(rs); i++ {
		out = append(out, string(rs[i-1:i+1]))
	}
	return out
}

func parsePlan(p plan, pop map[int64]float64) (*memQuery, error) {
	q := &memQuery{p: p, pop: pop, phrases: phraseGates(p.phrases), altPhrases: phraseGates(p.altPhrases)}
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

// bucketKey is a ranking class: candidates of one class rank among
// themselves as the index numbers them (rankBefore), so the first k of each
// class, collected in index order, are all a page needs.
type bucketKey struct {
	exact, current bool
	score          float64
}

// buckets collect ranked candidates by class, at most k each (overlay
// documents always: they are merged into index order at the end).
type buckets struct {
	k       int
	classes []bucket // few: looked up by a linear scan
}

type bucket struct {
	key      bucketKey
	cands    []memCand
	unsorted bool
}

func newBuckets(k int) *buckets { return &buckets{k: k} }

func (b *buckets) add(c memCand, overlay bool) {
	key := bucketKey{c.exact, c.d.current, c.score}
	for i := range b.classes {
		if cl := &b.classes[i]; cl.key == key {
			if len(cl.cands) < b.k || overlay {
				cl.cands = append(cl.cands, c)
				cl.unsorted = cl.unsorted || overlay
			}
			return
		}
	}
	b.classes = append(b.classes, bucket{key: key, cands: []memCand{c}, unsorted: overlay})
}

// top returns the first k candidates in ranking order.
func (b *buckets) top() []memCand {
	slices.SortFunc(b.classes, func(x, y bucket) int {
		a, c := x.key, y.key
		switch {
		case a.exact != c.exact:
			return boolFirst(a.exact)
		case a.current != c.current:
			return boolFirst(a.current)
		}
		return cmp.Compare(c.score, a.score)
	})
	var out []memCand
	for _, cl := range b.classes {
		xs := cl.cands
		if cl.unsorted {
			slices.SortStableFunc(xs, func(a, b memCand) int { return boolFirst(rankBefore(a.d, b.d)) })
		}
		out = append(out, xs[:min(len(xs), b.k)]...)
		if len(out) >= b.k {
			return out[:b.k]
		}
	}
	return out
}

func boolFirst(a bool) int {
	if a {
		return -1
	}
	return 1
}

// match adds the candidates of one index to the buckets and the facet
// counts and returns how many there are. dead masks out base documents that
// changed (nil: none). Candidates with a title tier, a 文号 match or
// clicks are scored one by one; of the rest, which score 0.5 (every
// character pair as typed) or 0, only the first k in index order are taken.
func (x *memIndex) match(q *memQuery, f *memFilter, dead bitmap, overlay bool, b *buckets, fc *facetCounts) int {
	p := q.p
	n := len(x.docs)
	a := newArena(n)
	defer a.release()
	T := x.eval(a, q.title, fieldTitle)
	A := x.eval(a, q.all, fieldAll)
	PH := x.eval(a, q.phrase, fieldAll)
	dn, exact := a.get(), a.get()
	x.docNumberMatches(p, dn, exact)
	cand := a.get()
	cand.or(T)
	cand.or(A)
	cand.or(PH)
	cand.or(dn)
	if p.shape == ShapeBrowse {
		cand.fill(n)
	}
	scored := a.get()
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
	if f.on {
		cand.and(x.filterMask(a, f))
	}
	total := cand.count()
	fc.count(x, cand, total)
	scored.and(cand)
	var TA bitmap
	var W []bitmap
	if q.titleA != nil || len(q.words) > 0 {
		TA = x.eval(a, q.titleA, fieldTitle)
		for _, w := range q.words {
			W = append(W, x.eval(a, w, fieldTitle))
		}
	}
	t3, t25 := x.titleTest(a, q.phrases, scored), x.titleTest(a, q.altPhrases, scored)
	score := func(i uint32) memCand {
		d := &x.docs[i]
		c := memCand{d: d, exact: exact.has(i)}
		switch {
		case t3.has(x, i):
			c.tier = 3
		case t25.has(x, i):
			c.tier = 2.5
		case TA != nil && TA.has(i):
			c.tier = 2
		case T.has(i):
			c.tier = 1
		}
		if c.tier < 1 && dn.has(i) {
			c.tier = 1
		}
		if q.pop != nil {
			c.popularity = popularity(q.pop[d.id])
		}
		c.score = c.tier + c.popularity
		for _, w := range W {
			if w.has(i) {
				c.score += 0.5
			}
		}
		if PH.has(i) {
			c.score += 0.5
		}
		return c
	}
	if overlay || len(W) > 0 { // few documents, or word counts: one by one
		scored.each(func(i uint32) bool {
			b.add(score(i), overlay)
			return true
		})
	} else {
		T1 := a.get()
		T1.or(T)
		T1.or(dn)
		x.rankClasses(a, q, b, scored, score, t3.any, t25.any, TA, T1, exact, PH)
	}
	rest := cand
	rest.andNot(scored)
	half := a.get()
	half.or(rest)
	half.and(PH)
	rest.andNot(PH)
	for _, part := range []struct {
		bits  bitmap
		score float64
	}{{half, 0.5}, {rest, 0}} {
		taken := 0
		part.bits.each(func(i uint32) bool {
			b.add(memCand{d: &x.docs[i], score: part.score}, overlay)
			taken++
			return overlay || taken < b.k
		})
	}
	return total
}

// rankClasses adds the scored candidates class by class instead of one by
// one: without clicks and word counts a candidate's score is its tier (3, 2.5,
// 2, or 1 for a title or 文号 match) plus 0.5 for the characters as typed,
// so each score is the union of a few bitmaps, and of each only the first k
// current and first k other documents are taken. Clicked documents, few,
// are scored one by one. t3 and t25 may hold documents of a lower tier
// (titleTest.any): scoring finds them as they are taken and moves them to
// their class (a class holding k documents ranks above all the classes
// they could move to, so the ones never taken cannot matter).
func (x *memIndex) rankClasses(a *arena, q *memQuery, b *buckets, scored bitmap, score func(uint32) memCand,
	t3, t25, TA, T1, exact, PH bitmap) {
	rest := a.get() // scored, but for the clicked documents
	rest.or(scored)
	for id := range q.pop {
		if i, ok := x.byID[id]; ok && rest.has(i) {
			b.add(score(i), false)
			rest[i/64] &^= 1 << (i % 64)
		}
	}
	scored = rest
	type class struct {
		exact bool
		score float64
		bits  bitmap
	}
	var classes []class
	add := func(ex bool, sc float64, part bitmap) {
		for i := range classes {
			if classes[i].exact == ex && classes[i].score == sc {
				classes[i].bits.or(part)
				return
			}
		}
		bits := a.get()
		bits.or(part)
		classes = append(classes, class{ex, sc, bits})
	}
	taken, tier, part := a.get(), a.get(), a.get()
	for t, tb := range []bitmap{t3, t25, TA, T1, scored} {
		if tb == nil || !tier.takeFrom(tb, scored, taken) {
			continue
		}
		value := []float64{3, 2.5, 2, 1, 0}[t]
		for _, ph := range []bool{true, false} {
			for _, ex := range []bool{true, false} {
				if !part.maskOf(tier, PH, ph, exact, ex) {
					continue // an empty class ranks nothing
				}
				if ph {
					add(ex, value+0.5, part)
				} else {
					add(ex, value, part)
				}
			}
		}
	}
	for _, c := range classes {
		for _, from := range []int{0, x.current} {
			end := len(x.docs)
			if from == 0 {
				end = x.current
			}
			n := 0
			c.bits.eachFrom(uint32(from), func(i uint32) bool {
				if int(i) >= end || n >= b.k {
					return false
				}
				if sc := score(i); sc.score != c.score || sc.exact != c.exact {
					b.add(sc, true) // a lower tier than its pairs suggested
				} else {
					b.add(sc, false)
					n++
				}
				return true
			})
		}
	}
}

// titleTest tells whether a compact title contains one of some texts (the
// title tiers 3 and 2.5 of the search statement). any is the documents that
// may: those with every character pair of a text; has compares the title
// itself unless the pairs decide. Candidates are compared only as ranking
// reaches them, so a text in a third of all titles costs a page's worth of
// comparisons, not a third of the catalog's.
type titleTest struct {
	gates []phraseGate
	bits  []bitmap
	any   bitmap
}

func (x *memIndex) titleTest(a *arena, gates []phraseGate, within bitmap) *titleTest {
	t := &titleTest{gates: gates, any: a.get()}
	for _, g := range gates {
		gate := a.get()
		gate.or(within)
		m := a.get()
		for _, l := range g.grams {
			clear(m)
			x.titleGrams.lookup(l, m)
			gate.and(m)
		}
		t.bits = append(t.bits, gate)
		t.any.or(gate)
	}
	return t
}

func (t *titleTest) has(x *memIndex, i uint32) bool {
	if !t.any.has(i) {
		return false
	}
	for k, g := range t.gates {
		if t.bits[k].has(i) && (g.decide || strings.Contains(x.docs[i].normTitle, g.text)) {
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

// count adds the candidates of one index: document by document (their
// facets side by side) when they are few, otherwise by intersecting the
// per-value bitmaps.
func (fc *facetCounts) count(x *memIndex, cand bitmap, total int) {
	if total*4 < len(cand)*x.facetValues() { // a candidate costs about four words of a bitmap

		var lastYear uint16
		yearCount := 0
		for wi, w := range cand {
			for ; w != 0; w &= w - 1 {
				d := &x.facets[wi*64+bits.TrailingZeros64(w)]
				fc.category[d.category]++
				fc.agency[d.agency]++
				fc.kind[d.kind]++
				fc.validity[d.validity]++
				if d.year != lastYear { // documents are numbered by date: years come in runs
					if yearCount > 0 {
						fc.year[int(lastYear)] += yearCount
					}
					lastYear, yearCount = d.year, 0
				}
				yearCount++
			}
		}
		if lastYear != 0 && yearCount > 0 {
			fc.year[int(lastYear)] += yearCount
		}
		delete(fc.year, 0)
		return
	}
	for pos, bits := range x.byCategory {
		fc.category[pos] += cand.countAnd(bits)
	}
	for pos, bits := range x.byAgency {
		fc.agency[pos] += cand.countAnd(bits)
	}
	for y, bits := range x.byYear {
		fc.year[y] += cand.countAnd(bits)
	}
	for pos, bits := range x.byKind {
		fc.kind[pos] += cand.countAnd(bits)
	}
	for pos, bits := range x.byValidity {
		fc.validity[pos] += cand.countAnd(bits)
	}
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
		if n == 0 {
			continue
		}
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
	b := newBuckets(req.Offset + req.Limit)
	total := st.base.match(q, &f, st.dead, false, b, fc)
	if st.overlay != nil {
		total += st.overlay.match(q, &f, nil, true, b, fc)
	}
	page := b.top()
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

// memPageSQL reads the excerpts of a page and what replaced its repealed
// documents, from public_documents only: a document withheld a moment ago
// is not in the answer and leaves the page. The excerpt is pageSQL's (110
// characters from 24 before the first occurrence of any of the words $2,
// none for documents disclosed only on request), found with strpos, which
// costs a fraction of the regular expression.
const memPageSQL = `SELECT d.id,
		CASE WHEN d.disclosure <> '主动公开' THEN ''
			ELSE substr(d.body, greatest(1, coalesce((SELECT min(p) FROM unnest($2::text[]) w,
				LATERAL strpos(d.body, w) p WHERE p > 0), 1) - 24), 110) END AS snippet,
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
	if err := stmt.SelectContext(ctx, &rows, pq.Array(ids), pq.Array(nonEmpty(words))); err != nil {
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
	if clicked, err := s.clicks.has(ctx, s, qkey); err != nil || !clicked {
		return nil, err
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

// clickedKeys is the set of queries with click scores, so that a query
// nobody clicked a result of (most of the long tail) costs no database
// round trip. It is read again after the synonym TTL; clicks through this
// store join it at once.
type clickedKeys struct {
	mu     sync.Mutex
	keys   map[string]bool
	loaded time.Time
}

func (c *clickedKeys) has(ctx context.Context, s *Store, qkey string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil || time.Since(c.loaded) > s.opts.SynonymTTL {
		var keys []string
		if err := s.db.SelectContext(ctx, &keys, `SELECT DISTINCT qkey FROM search_click_scores`); err != nil {
			return false, fmt.Errorf("search: read clicked queries: %w", err)
		}
		c.keys = make(map[string]bool, len(keys))
		for _, k := range keys {
			c.keys[k] = true
		}
		c.loaded = time.Now()
	}
	return c.keys[qkey], nil
}

func (c *clickedKeys) add(qkey string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys != nil {
		c.keys[qkey] = true
	}
}

func nonEmpty(ss []string) []string {
	out := []string{}
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

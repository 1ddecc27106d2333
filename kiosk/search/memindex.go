package search

import (
	"slices"
	"sort"
	"strings"
)

// The in-memory index answers searches without PostgreSQL: it holds the
// public documents' metadata and the lexemes of their stored search vectors
// (search_title, search_all), so it finds what the SQL statement finds, but
// every match instead of capped candidate sets, in well under a millisecond.
// PostgreSQL stays the source of truth: the index is loaded from
// public_documents, follows every change through LISTEN/NOTIFY (memsync.go),
// and the page of every search is re-read from public_documents for its
// excerpts, which drops anything no longer public.

// memDoc is what the index keeps of a public document.
type memDoc struct {
	id                       int64
	indexNo, code, docNumber string
	docKey, yearNum          string // doc_number_key and its year|number
	title, normTitle         string
	published                string // YYYY-MM-DD, "" when unknown
	year                     int
	validity, kind           string
	titleVector, allVector   string // tsvector text, kept for overlay documents only
	agencyPos, categoryPos   int32  // positions in memMeta
	validityPos, kindPos     uint8
	current                  bool // validity 有效
}

// rankBefore is the order of documents that score alike: current first,
// then newest (unknown dates last), then the higher id.
func rankBefore(a, b *memDoc) bool {
	if a.current != b.current {
		return a.current
	}
	if a.published != b.published {
		if a.published == "" || b.published == "" {
			return b.published == ""
		}
		return a.published > b.published
	}
	return a.id > b.id
}

// memIndex is an immutable set of documents numbered 0…n-1 in rankBefore
// order, with their postings.
type memIndex struct {
	docs      []memDoc
	current   int // docs[:current] are current (有效), docs[current:] are not
	byID      map[int64]uint32
	all       postings
	title     postings    // any weight
	titleA    postings    // weight A: the title itself
	build     *memBuilder // while building; seal packs it into the postings
	py        postings    // the titles' pinyin and initials lexemes: few distinct ones, many documents each
	docKey    map[string][]uint32
	yearNum   map[string][]uint32
	docKeys   []string
	indexNo   map[string]uint32
	normTitle map[string][]uint32
	// titleGrams are the character pairs (and the character of one-character
	// titles) of the compact titles: the title tiers compare only titles
	// that have every pair of the query.
	titleGrams postings

	// Documents by facet value, for filters and facet counts.
	byCategory, byAgency []bitmap // by position in memMeta; nil for none
	byYear               map[int]bitmap
	byKind, byValidity   []bitmap
	// facets are the documents' facet values side by side, for counting a
	// few candidates without touching their memDocs.
	facets []docFacets
}

// docFacets are a document's facet values: positions in memMeta, the
// year published (0: unknown) and the positions of kind and validity.
type docFacets struct {
	category, agency int32
	year             uint16
	kind, validity   uint8
}

// memBuilder is what an index collects before seal.
type memBuilder struct {
	all, title, titleA, titleGrams, py postingBuilder
}

// newMemIndex numbers docs in rank order; their vectors are added with
// addVectors, then seal finishes the index.
func newMemIndex(docs []memDoc) *memIndex {
	slices.SortFunc(docs, func(a, b memDoc) int {
		switch {
		case rankBefore(&a, &b):
			return -1
		case rankBefore(&b, &a):
			return 1
		}
		return 0
	})
	x := &memIndex{docs: docs, byID: make(map[int64]uint32, len(docs)),
		build: &memBuilder{all: postingBuilder{}, title: postingBuilder{}, titleA: postingBuilder{}, titleGrams: postingBuilder{},
			py: postingBuilder{}},
		docKey: map[string][]uint32{}, yearNum: map[string][]uint32{}, indexNo: make(map[string]uint32, len(docs)),
		normTitle: make(map[string][]uint32, len(docs))}
	for i := range docs {
		d, n := &docs[i], uint32(i)
		if d.current {
			x.current = i + 1
		}
		x.byID[d.id] = n
		x.indexNo[d.indexNo] = n
		for _, g := range titleGramSet(d.normTitle) {
			x.build.titleGrams.add(g, n)
		}
		x.normTitle[d.normTitle] = append(x.normTitle[d.normTitle], n)
		if d.docKey != "" {
			x.docKey[d.docKey] = append(x.docKey[d.docKey], n)
			x.yearNum[d.yearNum] = append(x.yearNum[d.yearNum], n)
		}
	}
	for k := range x.docKey {
		x.docKeys = append(x.docKeys, k)
	}
	sort.Strings(x.docKeys)
	x.facetBitmaps()
	return x
}

func (x *memIndex) facetBitmaps() {
	n := len(x.docs)
	x.byYear = map[int]bitmap{}
	x.byKind, x.byValidity = make([]bitmap, len(kindNames)+1), make([]bitmap, len(validityNames)+1)
	get := func(bs *[]bitmap, pos int) bitmap {
		for len(*bs) <= pos {
			*bs = append(*bs, nil)
		}
		if (*bs)[pos] == nil {
			(*bs)[pos] = newBitmap(n)
		}
		return (*bs)[pos]
	}
	x.facets = make([]docFacets, n)
	for i := range x.docs {
		d, u := &x.docs[i], uint32(i)
		x.facets[i] = docFacets{category: d.categoryPos, agency: d.agencyPos, kind: d.kindPos, validity: d.validityPos}
		if d.published != "" {
			x.facets[i].year = uint16(d.year)
		}
		get(&x.byCategory, int(d.categoryPos)).set(u)
		get(&x.byAgency, int(d.agencyPos)).set(u)
		get(&x.byKind, int(d.kindPos)).set(u)
		get(&x.byValidity, int(d.validityPos)).set(u)
		if d.published != "" {
			if x.byYear[d.year] == nil {
				x.byYear[d.year] = newBitmap(n)
			}
			x.byYear[d.year].set(u)
		}
	}
}

// facetValues is the number of per-value bitmaps.
func (x *memIndex) facetValues() int {
	return len(x.byCategory) + len(x.byAgency) + len(x.byYear) + len(x.byKind) + len(x.byValidity)
}

// filterMask is the documents a request's filters keep.
func (x *memIndex) filterMask(a *arena, f *memFilter) bitmap {
	n := len(x.docs)
	m := a.get()
	m.fill(n)
	any := func(bs []bitmap, want []bool) {
		if want == nil {
			return
		}
		u := a.get()
		for pos, ok := range want {
			if ok && pos < len(bs) && bs[pos] != nil {
				u.or(bs[pos])
			}
		}
		m.and(u)
	}
	one := func(b bitmap) {
		if b == nil {
			clear(m)
		} else {
			m.and(b)
		}
	}
	any(x.byCategory, f.categories)
	any(x.byAgency, f.agencies)
	if f.year != 0 {
		one(x.byYear[f.year])
	}
	if f.validity != "" {
		one(x.byValidity[namePos(validityNames, f.validity)])
	}
	if f.kind != "" {
		one(x.byKind[namePos(kindNames, f.kind)])
	}
	return m
}

// addVectors adds the lexemes of document n from the text form of its
// search_title and search_all columns. Documents may come in any order,
// each once.
func (x *memIndex) addVectors(n uint32, title, all string) {
	x.build.addVectorsPart(n, title, all, 0, 1)
}

// addVectorsPart is addVectors for the lexemes of lexemePart part.
func (b *memBuilder) addVectorsPart(n uint32, title, all string, part, parts int) {
	eachLexeme(title, func(l string, weightA bool) {
		switch {
		case l == "" || l[0] == '#': // time buckets of the SQL search
		case parts > 1 && lexemePart(l, parts) != part:
		case isPinyinLexeme(l):
			b.py.add(l, n)
		default:
			b.title.add(l, n)
			if weightA {
				b.titleA.add(l, n)
			}
		}
	})
	eachLexeme(all, func(l string, _ bool) {
		if l != "" && l[0] != '#' && (parts == 1 || lexemePart(l, parts) == part) {
			b.all.add(l, n)
		}
	})
}

// seal packs what addVectors collected; the index is read-only afterwards.
func (x *memIndex) seal() *memIndex {
	n, b := len(x.docs), x.build
	x.all, x.title, x.titleA = b.all.seal(n), b.title.seal(n), b.titleA.seal(n)
	x.titleGrams = b.titleGrams.seal(n)
	x.py = b.py.seal(n)
	x.build = nil
	return x
}

// eachLexeme calls f for every lexeme of a tsvector's text output
// ('a':1A,2 'b' …), with whether any of its positions has weight A.
func eachLexeme(v string, f func(lex string, weightA bool)) {
	for i := 0; i < len(v); {
		if v[i] != '\'' {
			i++
			continue
		}
		lex, next, ok := readQuoted(v, i)
		if !ok {
			return
		}
		i = next
		weightA := false
		for i < len(v) && v[i] != ' ' {
			weightA = weightA || v[i] == 'A'
			i++
		}
		f(lex, weightA)
	}
}

// prefixRange returns the keys of a sorted slice that start with p.
func prefixRange(keys []string, p string) []string {
	lo := sort.SearchStrings(keys, p)
	hi := lo
	for hi < len(keys) && strings.HasPrefix(keys[hi], p) {
		hi++
	}
	return keys[lo:hi]
}

// field is which vector a query is matched against.
type field int

const (
	fieldAll field = iota
	fieldTitle
)

// eval returns the documents matching a query on a field; nil matches none.
func (x *memIndex) eval(a *arena, q *tsNode, f field) bitmap {
	out := a.get()
	if q != nil {
		x.evalInto(a, q, f, out)
	}
	return out
}

func (x *memIndex) evalInto(a *arena, q *tsNode, f field, out bitmap) {
	switch q.op {
	case 'l':
		x.lexemeInto(q, f, out)
	case '|':
		for _, k := range q.kids {
			x.evalInto(a, k, f, out)
		}
	case '&': // out may hold an earlier alternative's documents
		acc, tmp := a.get(), a.get()
		x.evalInto(a, q.kids[0], f, acc)
		for _, k := range q.kids[1:] {
			clear(tmp)
			x.evalInto(a, k, f, tmp)
			acc.and(tmp)
		}
		out.or(acc)
	}
}

func (x *memIndex) lexemeInto(q *tsNode, f field, out bitmap) {
	m := &x.all
	if f == fieldTitle {
		m = &x.title
		if q.weightA {
			m = &x.titleA
		}
	}
	if !q.prefix && isPinyinLexeme(q.lex) {
		if f == fieldTitle {
			x.py.lookup(q.lex, out)
		}
		return
	}
	if !q.prefix {
		m.lookup(q.lex, out)
		return
	}
	lo, hi := m.prefix(q.lex)
	for i := lo; i < hi; i++ {
		m.addTo(i, out)
	}
	if f == fieldTitle {
		lo, hi := x.py.prefix(q.lex)
		for i := lo; i < hi; i++ {
			x.py.addTo(i, out)
		}
	}
}

// isPinyinLexeme reports whether l is a title's pinyin or initials lexeme.
func isPinyinLexeme(l string) bool { return strings.HasPrefix(l, "p:") || strings.HasPrefix(l, "i:") }

// titleGramSet is titleGrams without repeats, plus every single character
// (one-character queries look those up).
func titleGramSet(t string) []string {
	seen := map[string]bool{}
	var out []string
	rs := []rune(t)
	for i := range rs {
		for _, g := range []string{string(rs[i : i+1]), string(rs[max(0, i-1) : i+1])} {
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	return out
}

// packedKeys are sorted keys packed into one string, each with a number:
// a million separate strings would be a million pointers for the garbage
// collector to follow every cycle.
type packedKeys struct {
	blob string
	ends []uint32 // key i is blob[ends[i-1]:ends[i]]
	docs []uint32
}

func (k *packedKeys) len() int { return len(k.ends) }

func (k *packedKeys) key(i int) string {
	start := uint32(0)
	if i > 0 {
		start = k.ends[i-1]
	}
	return k.blob[start:k.ends[i]]
}

// search returns the first position whose key is not less than p.
func (k *packedKeys) search(p string) int {
	return sort.Search(k.len(), func(i int) bool { return k.key(i) >= p })
}

package search

import (
	"cmp"
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
	id                         int64
	indexNo, code, docNumber   string
	docKey, yearNum            string // doc_number_key and its year|number
	title, normTitle           string
	agencyID, categoryID       int64
	published                  string // YYYY-MM-DD, "" when unknown
	year                       int
	validity, kind, disclosure string
	replacedBy                 int64
	titleVector, allVector     string // tsvector text, kept for overlay documents only
	agencyPos, categoryPos     int32  // positions in memMeta
	validityPos, kindPos       uint8
	current                    bool // validity 有效
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

// pyEntry is one pinyin lexeme of a title ("p:dibao…", "i:db…").
type pyEntry struct {
	key string
	doc uint32
}

// memIndex is an immutable set of documents numbered 0…n-1 in rankBefore
// order, with their postings.
type memIndex struct {
	docs      []memDoc
	byID      map[int64]uint32
	all       map[string]*posting
	allKeys   []string
	title     map[string]*posting // any weight
	titleA    map[string]*posting // weight A: the title itself
	titleKeys []string
	py        []pyEntry
	docKey    map[string][]uint32
	yearNum   map[string][]uint32
	docKeys   []string
	indexNo   map[string]uint32
	normTitle map[string][]uint32
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
		all: map[string]*posting{}, title: map[string]*posting{}, titleA: map[string]*posting{},
		docKey: map[string][]uint32{}, yearNum: map[string][]uint32{}, indexNo: make(map[string]uint32, len(docs)),
		normTitle: make(map[string][]uint32, len(docs))}
	for i := range docs {
		d, n := &docs[i], uint32(i)
		x.byID[d.id] = n
		x.indexNo[d.indexNo] = n
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
	return x
}

// addVectors adds the lexemes of document n from the text form of its
// search_title and search_all columns. Documents may come in any order,
// each once.
func (x *memIndex) addVectors(n uint32, title, all string) {
	eachLexeme(title, func(l string, weightA bool) {
		switch {
		case l == "" || l[0] == '#': // time buckets of the SQL search
		case isPinyinLexeme(l):
			x.py = append(x.py, pyEntry{key: strings.Clone(l), doc: n})
		default:
			addPosting(x.title, l, n)
			if weightA {
				addPosting(x.titleA, l, n)
			}
		}
	})
	eachLexeme(all, func(l string, _ bool) {
		if l != "" && l[0] != '#' {
			addPosting(x.all, l, n)
		}
	})
}

func addPosting(m map[string]*posting, l string, n uint32) {
	p, ok := m[l]
	if !ok {
		p = &posting{}
		m[strings.Clone(l)] = p
	}
	p.list = append(p.list, n)
}

// seal sorts what addVectors collected; the index is read-only afterwards.
func (x *memIndex) seal() *memIndex {
	n := len(x.docs)
	finish := func(m map[string]*posting) []string {
		keys := make([]string, 0, len(m))
		for k, p := range m {
			keys = append(keys, k)
			slices.Sort(p.list)
			p.list = slices.Clip(p.list)
			p.seal(n)
		}
		sort.Strings(keys)
		return keys
	}
	x.allKeys, x.titleKeys = finish(x.all), finish(x.title)
	finish(x.titleA)
	slices.SortFunc(x.py, func(a, b pyEntry) int { return cmp.Or(strings.Compare(a.key, b.key), cmp.Compare(a.doc, b.doc)) })
	x.py = slices.Clip(x.py)
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
func (x *memIndex) eval(q *tsNode, f field) bitmap {
	out := newBitmap(len(x.docs))
	if q != nil {
		x.evalInto(q, f, out)
	}
	return out
}

func (x *memIndex) evalInto(q *tsNode, f field, out bitmap) {
	switch q.op {
	case 'l':
		x.lexemeInto(q, f, out)
	case '|':
		for _, k := range q.kids {
			x.evalInto(k, f, out)
		}
	case '&': // out may hold an earlier alternative's documents
		acc, tmp := newBitmap(len(x.docs)), newBitmap(len(x.docs))
		x.evalInto(q.kids[0], f, acc)
		for _, k := range q.kids[1:] {
			clear(tmp)
			x.evalInto(k, f, tmp)
			acc.and(tmp)
		}
		out.or(acc)
	}
}

func (x *memIndex) lexemeInto(q *tsNode, f field, out bitmap) {
	m, keys := x.all, x.allKeys
	if f == fieldTitle {
		m, keys = x.title, x.titleKeys
		if q.weightA {
			m = x.titleA
		}
	}
	if !q.prefix && isPinyinLexeme(q.lex) {
		if f == fieldTitle {
			i := sort.Search(len(x.py), func(i int) bool { return x.py[i].key >= q.lex })
			for ; i < len(x.py) && x.py[i].key == q.lex; i++ {
				out.set(x.py[i].doc)
			}
		}
		return
	}
	if !q.prefix {
		if p := m[q.lex]; p != nil {
			p.addTo(out)
		}
		return
	}
	for _, k := range prefixRange(keys, q.lex) {
		if p := m[k]; p != nil {
			p.addTo(out)
		}
	}
	if f == fieldTitle {
		lo := sort.Search(len(x.py), func(i int) bool { return x.py[i].key >= q.lex })
		for i := lo; i < len(x.py) && strings.HasPrefix(x.py[i].key, q.lex); i++ {
			out.set(x.py[i].doc)
		}
	}
}

// isPinyinLexeme reports whether l is a title's pinyin or initials lexeme.
func isPinyinLexeme(l string) bool { return strings.HasPrefix(l, "p:") || strings.HasPrefix(l, "i:") }

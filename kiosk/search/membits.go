package search

import (
	"fmt"
	"math/bits"
	"strings"
	"sync"
)

// bitmap is a set of dense document numbers of one memIndex.
type bitmap []uint64

func newBitmap(n int) bitmap { return make(bitmap, (n+63)/64) }

// arena hands out cleared bitmaps of one index's size for one search and
// takes them all back at its end: a search needs a dozen 12 kB bitmaps on
// 100 000 documents, and pooling them keeps the garbage collector, which
// must scan the whole index heap each cycle, from running often.
type arena struct {
	used []*bitmap
	pool *sync.Pool
}

var arenaPools sync.Map // words → *sync.Pool of *bitmap

func newArena(n int) *arena {
	words := (n + 63) / 64
	p, _ := arenaPools.LoadOrStore(words, &sync.Pool{New: func() any { b := make(bitmap, words); return &b }})
	return &arena{pool: p.(*sync.Pool)}
}

// get returns a cleared bitmap that lives until release.
func (a *arena) get() bitmap {
	b := a.pool.Get().(*bitmap)
	clear(*b)
	a.used = append(a.used, b)
	return *b
}

func (a *arena) release() {
	for _, b := range a.used {
		a.pool.Put(b)
	}
	a.used = nil
}

func (b bitmap) set(i uint32)      { b[i/64] |= 1 << (i % 64) }
func (b bitmap) has(i uint32) bool { return b[i/64]&(1<<(i%64)) != 0 }

func (b bitmap) and(o bitmap) {
	for i := range b {
		b[i] &= o[i]
	}
}

func (b bitmap) or(o bitmap) {
	for i := range b {
		b[i] |= o[i]
	}
}

func (b bitmap) andNot(o bitmap) {
	for i := range b {
		b[i] &^= o[i]
	}
}

// takeFrom sets b to the members of tb in scored but not yet in taken, adds
// them to taken and reports whether there are any; one pass instead of four.
func (b bitmap) takeFrom(tb, scored, taken bitmap) bool {
	var any uint64
	for i := range b {
		w := tb[i] & scored[i] &^ taken[i]
		b[i] = w
		taken[i] |= w
		any |= w
	}
	return any != 0
}

// maskOf sets b to the members of a that are in p (not in p when !inP) and
// in e (not in e when !inE), and reports whether there are any.
func (b bitmap) maskOf(a, p bitmap, inP bool, e bitmap, inE bool) bool {
	var flipP, flipE uint64
	if !inP {
		flipP = ^uint64(0)
	}
	if !inE {
		flipE = ^uint64(0)
	}
	var any uint64
	for i := range b {
		w := a[i] & (p[i] ^ flipP) & (e[i] ^ flipE)
		b[i] = w
		any |= w
	}
	return any != 0
}

// fill sets the first n members.
func (b bitmap) fill(n int) {
	for i := range b {
		b[i] = ^uint64(0)
	}
	if r := n % 64; r != 0 {
		b[len(b)-1] = 1<<r - 1
	}
}

// countAnd counts the members of b that are in o too.
func (b bitmap) countAnd(o bitmap) int {
	if o == nil {
		return 0
	}
	n := 0
	for i, w := range b {
		n += bits.OnesCount64(w & o[i])
	}
	return n
}

// eachFrom is each starting at member position from.
func (b bitmap) eachFrom(from uint32, f func(uint32) bool) {
	for wi := int(from / 64); wi < len(b); wi++ {
		w := b[wi]
		if wi == int(from/64) {
			w &^= 1<<(from%64) - 1
		}
		for w != 0 {
			i := uint32(wi*64 + bits.TrailingZeros64(w))
			if !f(i) {
				return
			}
			w &= w - 1
		}
	}
}

func (b bitmap) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// each calls f for every member in ascending order until f returns false.
func (b bitmap) each(f func(uint32) bool) {
	for wi, w := range b {
		for w != 0 {
			i := uint32(wi*64 + bits.TrailingZeros64(w))
			if !f(i) {
				return
			}
			w &= w - 1
		}
	}
}

// tsNode is a parsed tsquery as the plans write them: lexemes (with an
// optional :A weight and :* prefix) combined with & and |.
type tsNode struct {
	op      byte // 'l' lexeme, '&' and, '|' or
	lex     string
	weightA bool
	prefix  bool
	kids    []*tsNode
}

// parseTSQuery reads the subset of tsquery syntax buildPlan produces. An
// empty string is a nil query (the part is off).
func parseTSQuery(q string) (*tsNode, error) {
	if strings.TrimSpace(q) == "" {
		return nil, nil
	}
	p := &tsParser{s: q}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.skip(); p.i != len(p.s) {
		return nil, fmt.Errorf("search: tsquery %q: unexpected %q at %d", q, p.s[p.i:], p.i)
	}
	return n, nil
}

type tsParser struct {
	s string
	i int
}

func (p *tsParser) skip() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *tsParser) peek() byte {
	p.skip()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *tsParser) or() (*tsNode, error) { return p.list('|', p.and) }

func (p *tsParser) and() (*tsNode, error) { return p.list('&', p.factor) }

func (p *tsParser) list(op byte, next func() (*tsNode, error)) (*tsNode, error) {
	first, err := next()
	if err != nil {
		return nil, err
	}
	n := &tsNode{op: op, kids: []*tsNode{first}}
	for p.peek() == op {
		p.i++
		k, err := next()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, k)
	}
	if len(n.kids) == 1 {
		return first, nil
	}
	return n, nil
}

func (p *tsParser) factor() (*tsNode, error) {
	switch p.peek() {
	case '(':
		p.i++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, fmt.Errorf("search: tsquery %q: missing ) at %d", p.s, p.i)
		}
		p.i++
		return n, nil
	case '\'':
		return p.lexeme()
	}
	return nil, fmt.Errorf("search: tsquery %q: unexpected input at %d", p.s, p.i)
}

func (p *tsParser) lexeme() (*tsNode, error) {
	lex, next, ok := readQuoted(p.s, p.i)
	if !ok {
		return nil, fmt.Errorf("search: tsquery %q: unterminated lexeme at %d", p.s, p.i)
	}
	p.i = next
	n := &tsNode{op: 'l', lex: lex}
	if p.i < len(p.s) && p.s[p.i] == ':' {
		p.i++
		for p.i < len(p.s) && strings.IndexByte("ABCD*", p.s[p.i]) >= 0 {
			n.weightA = n.weightA || p.s[p.i] == 'A'
			n.prefix = n.prefix || p.s[p.i] == '*'
			p.i++
		}
	}
	return n, nil
}

// readQuoted reads a lexeme quoted as quoteLexeme and PostgreSQL's tsvector
// output write it ('it”s', back-slashes doubled) starting at s[i] == '\”.
// It returns the lexeme and the index after the closing quote.
func readQuoted(s string, i int) (string, int, bool) {
	start := i + 1
	plain := true
	for j := start; j < len(s); j++ {
		switch s[j] {
		case '\\':
			plain = false
			j++
		case '\'':
			if j+1 < len(s) && s[j+1] == '\'' {
				plain = false
				j++
				continue
			}
			if plain {
				return s[start:j], j + 1, true
			}
			return unquote(s[start:j]), j + 1, true
		}
	}
	return "", 0, false
}

func unquote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
		case s[i] == '\'' && i+1 < len(s) && s[i+1] == '\'':
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

package search

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalize folds width and case: NFKC, then lower case. Index and queries
// go through it alike. The ideographs of the basic CJK block are their own
// form and normalisation boundaries on either side (TestBasicHanIsStable),
// so they are copied and only the text between them goes through NFKC:
// most of a Chinese document is not looked up at all.
func normalize(s string) string {
	var b strings.Builder
	piece := 0 // start of the text not yet normalised
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !basicHan(r) {
			i += n
			continue
		}
		if piece == 0 && b.Len() == 0 {
			b.Grow(len(s))
		}
		if piece < i {
			b.WriteString(normalizePiece(s[piece:i]))
		}
		b.WriteString(s[i : i+n])
		i += n
		piece = i
	}
	if b.Len() == 0 {
		return normalizePiece(s)
	}
	if piece < len(s) {
		b.WriteString(normalizePiece(s[piece:]))
	}
	return b.String()
}

// normalizePiece is normalize without the shortcut. A lone symbol of the
// CJK punctuation or full-width blocks (，（２…), the usual piece between
// two runs of Chinese, is looked up in symbolForms.
func normalizePiece(s string) string {
	if r, n := utf8.DecodeRuneInString(s); n == len(s) && n == 3 {
		if f, ok := symbolForm(r); ok {
			return f
		}
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.ToLower(norm.NFKC.String(s))
		}
	}
	return s // ASCII without capitals is its own form
}

// symbolForms are the normalised forms of the CJK symbols and punctuation
// (U+3000–U+303F) and the half- and full-width forms (U+FF00–U+FFEF),
// computed by NFKC itself.
var symbolForms = func() (t [2][0x100]string) {
	for i := range 0x100 {
		for b, base := range []rune{0x3000, 0xFF00} {
			s := string(base + rune(i))
			t[b][i] = strings.ToLower(norm.NFKC.String(s))
		}
	}
	return t
}()

func symbolForm(r rune) (string, bool) {
	switch {
	case r >= 0x3000 && r <= 0x303F:
		return symbolForms[0][r-0x3000], true
	case r >= 0xFF00 && r <= 0xFFEF:
		return symbolForms[1][r-0xFF00], true
	}
	return "", false
}

// basicHan reports whether r is in the basic block of CJK unified
// ideographs (U+4E00–U+9FFF), where nearly all Chinese text is.
func basicHan(r rune) bool { return r >= 0x4E00 && r <= 0x9FFF }

// validText reports whether s is UTF-8 without control characters other
// than white space (a NUL cannot even be stored in PostgreSQL text).
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// normalizeKeepCase folds width only (索引号 are compared case-blind by
// trying the upper-case form too).
func normalizeKeepCase(s string) string { return norm.NFKC.String(s) }

// transparent are quotes and title marks that do not break a run of Han
// characters: “三公”经费 reads as 三公经费, 《条例》 as 条例.
func transparent(r rune) bool {
	switch r {
	case '“', '”', '‘', '’', '"', '\'', '《', '》', '〈', '〉', '「', '」', '『', '』', '·':
		return true
	}
	return false
}

func isHan(r rune) bool { return basicHan(r) || r >= 0x2E80 && unicode.Is(unicode.Han, r) }

func isAlnum(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r)) && !isHan(r)
}

// compact is the normalised form used for exact and contains comparisons of
// titles and for query keys: no spaces, no quotes or title marks.
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || transparent(r) || !utf8.ValidRune(r) || unicode.IsControl(r) {
			return -1
		}
		return r
	}, normalize(s))
}

// segment is a run of Han characters or an alphanumeric token of a
// normalised text.
type segment struct {
	text string
	han  bool
}

// segments splits normalised text into Han runs and alphanumeric tokens;
// everything else separates them. The segments are pieces of s, except a
// Han run that had a quote or title mark dropped from inside.
func segments(s string) []segment { return appendSegments(nil, s) }

// appendSegments appends the segments of s to out.
func appendSegments(out []segment, s string) []segment {
	start := -1     // where the current segment began; -1: none yet
	var kept []byte // the current Han run without the marks dropped, once one is
	curHan := false // what the last letter was (a mark after a Han run is skipped)
	end := func(i int) {
		if start < 0 {
			return
		}
		text := s[start:i]
		if kept != nil {
			text = string(kept)
		}
		out = append(out, segment{text: text, han: curHan})
		start, kept = -1, nil
	}
	for i, r := range s {
		switch {
		case isHan(r):
			if !curHan {
				end(i)
			}
			curHan = true
			if start < 0 {
				start = i
			} else if kept != nil {
				kept = utf8.AppendRune(kept, r)
			}
		case isAlnum(r):
			if curHan {
				end(i)
			}
			curHan = false
			if start < 0 {
				start = i
			}
		case curHan && transparent(r):
			if start >= 0 && kept == nil {
				kept = []byte(s[start:i])
			}
		default:
			end(i)
		}
	}
	end(len(s))
	return out
}

// maxToken caps alphanumeric tokens (a tsvector lexeme may be 2 KB).
const maxToken = 64

// lexemeSet collects the lexemes of a text: unigrams and bigrams of Han runs
// (kept as rune pairs until the end, which is cheaper than strings) and
// alphanumeric tokens.
type lexemeSet struct {
	han    gramSet
	tokens map[string]struct{}
	segs   []segment // scratch of add
}

func newLexemeSet(sizeHint int) *lexemeSet {
	return &lexemeSet{han: newGramSet(sizeHint), tokens: map[string]struct{}{}}
}

// lexemeSets are reused: a document's set is a few tens of kilobytes, and
// an import analyses thousands a second.
var lexemeSets sync.Pool

// getLexemeSet returns an empty set from the pool; putLexemeSet returns it.
func getLexemeSet(sizeHint int) *lexemeSet {
	l, ok := lexemeSets.Get().(*lexemeSet)
	if !ok {
		return newLexemeSet(sizeHint)
	}
	l.han.reset()
	clear(l.tokens)
	return l
}

func putLexemeSet(l *lexemeSet) {
	clear(l.segs) // let go of the text
	lexemeSets.Put(l)
}

// add adds the lexemes of raw (not yet normalised) text.
func (l *lexemeSet) add(raw string) {
	l.segs = appendSegments(l.segs[:0], normalize(raw))
	for _, seg := range l.segs {
		if !seg.han {
			l.tokens[truncate(seg.text, maxToken)] = struct{}{}
			continue
		}
		var prev rune
		for _, r := range seg.text {
			l.han.add(uint64(r))
			if prev != 0 {
				l.han.add(uint64(prev)<<32 | uint64(r))
			}
			prev = r
		}
	}
}

// each calls f with every lexeme.
func (l *lexemeSet) each(f func(string)) {
	var buf [8]byte
	l.han.each(func(k uint64) {
		f(string(gramBytes(buf[:0], k)))
	})
	for t := range l.tokens {
		f(t)
	}
}

// writeQuoted writes every lexeme as quoted tsvector input, each followed
// by a space, without making a string of each.
func (l *lexemeSet) writeQuoted(b *strings.Builder) {
	l.han.each(func(k uint64) {
		b.WriteByte('\'') // Han characters need no escapes
		if hi := rune(k >> 32); hi != 0 {
			b.WriteRune(hi)
		}
		b.WriteRune(rune(k & 0xffffffff))
		b.WriteString("' ")
	})
	for t := range l.tokens {
		b.WriteString(quoteLexeme(t))
		b.WriteByte(' ')
	}
}

// gramBytes appends the UTF-8 of a unigram or bigram.
func gramBytes(b []byte, k uint64) []byte {
	if hi := rune(k >> 32); hi != 0 {
		b = utf8.AppendRune(b, hi)
	}
	return utf8.AppendRune(b, rune(k&0xffffffff))
}

// gramSet is a set of unigrams and bigrams as rune pairs (the first rune in
// the high half, 0 for a unigram): open addressing in a power-of-two table
// at most half full. A document adds a few thousand; a Go map takes
// several times longer.
type gramSet struct {
	slots []uint64 // 0: empty (no gram is 0)
	n     int
}

func newGramSet(sizeHint int) gramSet {
	size := 16
	for size < 2*sizeHint {
		size *= 2
	}
	return gramSet{slots: make([]uint64, size)}
}

func (s *gramSet) add(k uint64) {
	if 2*(s.n+1) > len(s.slots) {
		old := s.slots
		s.slots, s.n = make([]uint64, 2*len(old)), 0
		for _, k := range old {
			if k != 0 {
				s.add(k)
			}
		}
	}
	mask := uint64(len(s.slots) - 1)
	for i := (k * 0x9E3779B97F4A7C15) >> 32 & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = k
			s.n++
			return
		case k:
			return
		}
	}
}

func (s *gramSet) len() int { return s.n }

func (s *gramSet) has(k uint64) bool {
	mask := uint64(len(s.slots) - 1)
	for i := (k * 0x9E3779B97F4A7C15) >> 32 & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			return false
		case k:
			return true
		}
	}
}

func (s *gramSet) reset() {
	clear(s.slots)
	s.n = 0
}

func (s *gramSet) each(f func(uint64)) {
	for _, k := range s.slots {
		if k != 0 {
			f(k)
		}
	}
}

// hanGrams returns the lexemes a Han word must all have to match: its single
// character, or its bigrams.
func hanGrams(word string) []string {
	rs := []rune(word)
	if len(rs) == 1 {
		return []string{word}
	}
	out := make([]string, 0, len(rs)-1)
	seen := map[string]bool{}
	for i := 1; i < len(rs); i++ {
		g := string(rs[i-1 : i+1])
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// quoteLexeme quotes a lexeme for tsvector and tsquery input.
func quoteLexeme(l string) string {
	if strings.ContainsAny(l, `'\`) {
		l = strings.ReplaceAll(strings.ReplaceAll(l, `\`, `\\`), `'`, `''`)
	}
	return "'" + l + "'"
}

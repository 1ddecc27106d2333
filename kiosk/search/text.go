package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalize folds width and case: NFKC, then lower case. Index and queries
// go through it alike.
func normalize(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}

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

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

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
// everything else separates them.
func segments(s string) []segment {
	var out []segment
	var cur strings.Builder
	curHan := false
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, segment{text: cur.String(), han: curHan})
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case isHan(r):
			if !curHan {
				flush()
			}
			curHan = true
			cur.WriteRune(r)
		case isAlnum(r):
			if curHan {
				flush()
			}
			curHan = false
			cur.WriteRune(r)
		case curHan && transparent(r):
		default:
			flush()
		}
	}
	flush()
	return out
}

// maxToken caps alphanumeric tokens (a tsvector lexeme may be 2 KB).
const maxToken = 64

// lexemeSet collects the lexemes of a text: unigrams and bigrams of Han runs
// (kept as rune pairs until the end, which is cheaper than strings) and
// alphanumeric tokens.
type lexemeSet struct {
	han    map[uint64]struct{}
	tokens map[string]struct{}
}

func newLexemeSet(sizeHint int) *lexemeSet {
	return &lexemeSet{han: make(map[uint64]struct{}, sizeHint), tokens: map[string]struct{}{}}
}

// add adds the lexemes of raw (not yet normalised) text.
func (l *lexemeSet) add(raw string) {
	for _, seg := range segments(normalize(raw)) {
		if !seg.han {
			l.tokens[truncate(seg.text, maxToken)] = struct{}{}
			continue
		}
		var prev rune
		for _, r := range seg.text {
			l.han[uint64(r)] = struct{}{}
			if prev != 0 {
				l.han[uint64(prev)<<32|uint64(r)] = struct{}{}
			}
			prev = r
		}
	}
}

// each calls f with every lexeme.
func (l *lexemeSet) each(f func(string)) {
	var buf [8]byte
	for k := range l.han {
		n := 0
		if hi := rune(k >> 32); hi != 0 {
			n = utf8.EncodeRune(buf[:], hi)
		}
		n += utf8.EncodeRune(buf[n:], rune(k&0xffffffff))
		f(string(buf[:n]))
	}
	for t := range l.tokens {
		f(t)
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

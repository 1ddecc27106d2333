package search

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalizeSlow is what normalize computes, the long way.
func normalizeSlow(s string) string { return strings.ToLower(norm.NFKC.String(s)) }

// TestBasicHanIsStable: normalize copies the basic CJK ideographs and
// normalises the text between them apart; that is exact because each is
// its own NFKC form and lower case and nothing combines with it on either
// side.
func TestBasicHanIsStable(t *testing.T) {
	for r := rune(0x4E00); r <= 0x9FFF; r++ {
		s := string(r)
		p := norm.NFKC.PropertiesString(s)
		if normalizeSlow(s) != s || !p.BoundaryBefore() || !p.BoundaryAfter() || !isHan(r) {
			t.Fatalf("U+%04X: NFKC %q, boundary before %v, after %v", r, normalizeSlow(s), p.BoundaryBefore(), p.BoundaryAfter())
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, s := range []string{"", "abc", "ABC 沂政办发〔2019〕5号", "（２０１９）５号", "最低生活保障ＤＢ", "社\u0301保", "e\u0301低保",
		"低保\u3099", "豈更车", "\u1100\u1161\u11a8低", "ǅ低ǈ", "低\xff保", "ﬁ低ﬂ", "①低②", "Ⅻ低"} {
		if got, want := normalize(s), normalizeSlow(s); got != want {
			t.Errorf("normalize(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"ABC 沂政办发〔2019〕5号", "社\u0301保", "低保\u3099Ａ", "\u1100低\u1161", "ǅ低", "低\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := normalize(s), normalizeSlow(s); got != want {
			t.Fatalf("normalize(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestLexemeSet: the lexemes of a text are its Han unigrams and bigrams
// and its alphanumeric tokens, each once, however many times it occurs.
func TestLexemeSet(t *testing.T) {
	l := newLexemeSet(0)
	l.add("最低生活保障，最低生活 DB2024 db2024")
	for i := 0; i < 300; i++ { // grows the table several times
		l.add(string(rune(0x4E00 + i)))
	}
	var got []string
	l.each(func(s string) { got = append(got, s) })
	var b strings.Builder
	l.writeQuoted(&b)
	quoted := b.String()
	slices.Sort(got)
	want := []string{"db2024", "低", "低生", "保", "保障", "最", "最低", "活", "活保", "生", "生活", "障"}
	for i := 0; i < 300; i++ {
		if r := rune(0x4E00 + i); !strings.ContainsRune("最低生活保障", r) {
			want = append(want, string(r))
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("lexemes %q, want %q", got, want)
	}
	if n := strings.Count(quoted, "' "); n != len(want) || !strings.Contains(quoted, "'最低' ") || !utf8.ValidString(quoted) {
		t.Errorf("quoted lexemes %q: %d, want %d", quoted, n, len(want))
	}
}

// segmentsSlow is what segments computes, a rune at a time.
func segmentsSlow(s string) []segment {
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

func FuzzSegments(f *testing.F) {
	for _, s := range []string{"“三公”经费 db2024，低保", "《条例》a“低", "a“低”保b", "低，“保", "\xff低“\xfe保"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := segments(s), segmentsSlow(s); !slices.Equal(got, want) {
			t.Fatalf("segments(%q) = %+v, want %+v", s, got, want)
		}
	})
}

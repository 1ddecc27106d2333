package search

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// snippetRunes is the longest excerpt shown.
const snippetRunes = 80

// finishHit cleans the excerpt the database cut, marks the query words in
// it and names the match.
func finishHit(h *Hit, words []string) {
	h.Snippet = cleanSnippet(h.Snippet)
	h.Highlights = highlights(h.Snippet, words)
	switch {
	case h.Exact:
		h.Match = "exact"
	case h.Tier >= 2.5:
		h.Match = "title"
	case h.Tier == 2:
		h.Match = "title_words"
	case h.Tier == 1:
		h.Match = "metadata"
	default:
		h.Match = "body"
	}
}

// UnmarshalJSON reads a hit from the search SQL, which also carries the
// ranking fields the JSON of a Hit leaves out.
func (h *Hit) UnmarshalJSON(b []byte) error {
	type plain Hit
	var v struct {
		plain
		Exact      bool    `json:"exact"`
		Tier       float64 `json:"tier"`
		Popularity float64 `json:"popularity"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*h = Hit(v.plain)
	h.Exact, h.Tier, h.Popularity = v.Exact, v.Tier, v.Popularity
	return nil
}

// cleanSnippet turns a cut of the body into one line of plain text: control
// characters and Markdown emphasis and heading marks go, whitespace collapses, and it is
// cut to snippetRunes with an ellipsis. One pass, one allocation: it runs
// for every hit of every page.
func cleanSnippet(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len("…"))
	n, space := 0, false
	for _, r := range s {
		switch {
		case r == utf8.RuneError, r == '#', r == '*', r == '`':
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = n > 0
			continue
		}
		if space {
			if n == snippetRunes {
				b.WriteString("…")
				return b.String()
			}
			b.WriteByte(' ')
			n, space = n+1, false
		}
		if n == snippetRunes {
			b.WriteString("…")
			return b.String()
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// highlights finds the query words in a snippet: [start, end) rune offsets,
// sorted, not overlapping, touching ones merged.
func highlights(snippet string, words []string) [][2]int {
	low := []rune(snippet)
	for i, r := range low {
		low[i] = unicode.ToLower(r)
	}
	taken := make([]bool, len(low))
	var out [][2]int
	for _, w := range words {
		if !utf8.ValidString(w) { // the snippet's runes never spell it
			continue
		}
		wr := []rune(w)
		for i := 0; i+len(wr) <= len(low) && len(wr) > 0; i++ {
			if slices.Equal(low[i:i+len(wr)], wr) && !anyTaken(taken[i:i+len(wr)]) {
				for j := i; j < i+len(wr); j++ {
					taken[j] = true
				}
				out = append(out, [2]int{i, i + len(wr)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return mergeAdjacent(out)
}

// mergeAdjacent joins ranges that touch: 汇算 + 清缴 mark 汇算清缴.
func mergeAdjacent(rs [][2]int) [][2]int {
	out := [][2]int{}
	for _, r := range rs {
		if n := len(out); n > 0 && out[n-1][1] == r[0] {
			out[n-1][1] = r[1]
			continue
		}
		out = append(out, r)
	}
	return out
}

func anyTaken(t []bool) bool {
	for _, b := range t {
		if b {
			return true
		}
	}
	return false
}

func sortByLength(ws []string) {
	sort.SliceStable(ws, func(i, j int) bool { return utf8.RuneCountInString(ws[i]) > utf8.RuneCountInString(ws[j]) })
}

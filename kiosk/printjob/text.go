package printjob

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/unicode/norm"
)

// cleanText prepares one field for paper: Unicode NFC, line breaks and tabs
// as spaces, control and format characters, private-use code points,
// combining marks and variation selectors dropped, runs of spaces collapsed.
// Invalid UTF-8 becomes U+FFFD, which prints as a box.
func cleanText(s string) []rune {
	s = norm.NFC.String(s)
	out := make([]rune, 0, utf8.RuneCountInString(s))
	space := true // drops leading spaces
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' || r == ' ':
			if !space {
				out = append(out, ' ')
				space = true
			}
		case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Mn, unicode.Me):
			// Dropped: they either move the print head or have no width.
		default:
			out = append(out, r)
			space = false
		}
	}
	if len(out) > 0 && out[len(out)-1] == ' ' {
		out = out[:len(out)-1]
	}
	return out
}

// runeCols is how many 12-dot columns a character takes on paper: one for
// ASCII, two for everything else (the printer's double-byte font is 24 dots
// wide, and raster cells follow the same grid).
func runeCols(r rune) int {
	if r < utf8.RuneSelf {
		return 1
	}
	return 2
}

func textCols(rs []rune) int {
	n := 0
	for _, r := range rs {
		n += runeCols(r)
	}
	return n
}

// charset encodes text for one printer. It is not safe for concurrent use.
type charset struct {
	enc    *encoding.Encoder
	gbk    *encoding.Encoder
	extA   bool // GB18030 fonts also hold CJK Extension A (4-byte codes)
	buf    [8]byte
	srcBuf [utf8.UTFMax]byte
}

func newCharset(name string) *charset {
	cs := &charset{gbk: simplifiedchinese.GBK.NewEncoder()}
	if name == "gb18030" {
		cs.enc, cs.extA = simplifiedchinese.GB18030.NewEncoder(), true
	} else {
		cs.enc = simplifiedchinese.GBK.NewEncoder()
	}
	return cs
}

// encode returns the printer's bytes for r, or false when the printer's
// font lacks r and it must be drawn as raster. The bytes are only valid
// until the next call.
func (cs *charset) encode(r rune) ([]byte, bool) {
	if r >= 0x20 && r < 0x7F {
		cs.buf[0] = byte(r)
		return cs.buf[:1], true
	}
	isExtA := r >= 0x3400 && r <= 0x4DBF
	if isExtA && !cs.extA {
		return nil, false
	}
	if !isExtA {
		// The font of a GBK or GB18030 printer covers the GBK repertoire in
		// two-byte codes; single-byte codes above 0x7F (such as GBK's €)
		// and GB18030's four-byte codes are not in it.
		if b, ok := cs.transform(cs.gbk, r); !ok || len(b) != 2 {
			return nil, false
		}
	}
	return cs.transform(cs.enc, r)
}

func (cs *charset) transform(e *encoding.Encoder, r rune) ([]byte, bool) {
	n := utf8.EncodeRune(cs.srcBuf[:], r)
	e.Reset()
	nDst, _, err := e.Transform(cs.buf[:], cs.srcBuf[:n], true)
	if err != nil {
		return nil, false
	}
	return cs.buf[:nDst], true
}

// native reports whether every character of rs can be printed with the
// printer's font.
func (cs *charset) native(rs []rune) bool {
	for _, r := range rs {
		if _, ok := cs.encode(r); !ok {
			return false
		}
	}
	return true
}

// Characters that may not begin a line (避头) and may not end one (避尾).
const (
	noLineStart = "，。、；：？！）》」』】〕〉”’…—%,.;:?!)]}"
	noLineEnd   = "（《「『【〔〈“‘([{"
)

// wrap breaks rs into lines of at most first columns for the first line and
// rest for the others, keeping Chinese punctuation off line starts and ends
// and Latin words together where a space allows.
func wrap(rs []rune, first, rest int) [][]rune {
	var lines [][]rune
	limit := first
	for len(rs) > 0 {
		end := fitCols(rs, limit)
		if end < len(rs) {
			end = adjustBreak(rs, end)
		}
		line := rs[:end]
		for len(line) > 0 && line[len(line)-1] == ' ' {
			line = line[:len(line)-1]
		}
		lines = append(lines, line)
		rs = rs[end:]
		for len(rs) > 0 && rs[0] == ' ' {
			rs = rs[1:]
		}
		limit = rest
	}
	return lines
}

// fitCols returns how many runes of rs fit in limit columns (at least one,
// so that wrapping always advances).
func fitCols(rs []rune, limit int) int {
	cols := 0
	for i, r := range rs {
		cols += runeCols(r)
		if cols > limit {
			return max(i, 1)
		}
	}
	return len(rs)
}

// adjustBreak moves a break at end earlier when it would split a Latin word
// or put forbidden punctuation at a line's edge; it never empties the line.
func adjustBreak(rs []rune, end int) int {
	if isWordRune(rs[end]) && isWordRune(rs[end-1]) {
		if i := wordBreak(rs[:end]); i > 0 {
			return i
		}
	}
	if end > 1 && strings.ContainsRune(noLineStart, rs[end]) {
		end--
	}
	if end > 1 && strings.ContainsRune(noLineEnd, rs[end-1]) {
		end--
	}
	return end
}

// wordBreak returns where to end a line that would otherwise split the
// Latin word (or URL) at the end of rs: after the last space, else after
// the last / ? & = - within the word itself; 0 when there is no such place.
func wordBreak(rs []rune) int {
	for i := len(rs) - 1; i > 0; i-- {
		switch {
		case rs[i] == ' ':
			return i + 1
		case rs[i] >= utf8.RuneSelf:
			return 0 // the word starts after a Chinese character
		case strings.ContainsRune("/?&=-", rs[i]) && i < len(rs)-1:
			return i + 1
		}
	}
	return 0
}

func isWordRune(r rune) bool {
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

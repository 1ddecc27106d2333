package printjob

import (
	"strings"
	"testing"
)

func TestCleanText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"  关于\t印发\r\n通知  ", "关于 印发 通知"},
		{"a\x1b@b\x00c\x7fd", "a@bcd"},
		{"e\u0301", "é"},                         // NFC
		{"文\u200b件\u202e号\ufe0f", "文件号"},         // zero width, bidi override, variation selector
		{"私\ue000用", "私用"},                       // private use
		{"bad\xffutf8", "bad\ufffdutf8"},         // prints as a box
		{"𠀀😀", "𠀀😀"},                             // kept: drawn as raster
		{"\u3000全角空格\u3000", "\u3000全角空格\u3000"}, // U+3000 is a character, not a control
	}
	for _, c := range cases {
		if got := string(cleanText(c.in)); got != c.want {
			t.Errorf("cleanText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWrap(t *testing.T) {
	cases := []struct {
		in          string
		first, rest int
		want        string
	}{
		// 16 Chinese characters fill a 58 mm line.
		{strings.Repeat("政", 20), 32, 32, strings.Repeat("政", 16) + "|" + strings.Repeat("政", 4)},
		// A comma never starts a line: the character before it moves down.
		{strings.Repeat("政", 16) + "，公开", 32, 32, strings.Repeat("政", 15) + "|政，公开"},
		// An opening bracket never ends a line.
		{strings.Repeat("政", 15) + "《条例》", 32, 32, strings.Repeat("政", 15) + "|《条例》"},
		// Latin words break at spaces, URLs after a slash.
		{"see the public page of this document", 16, 16, "see the public|page of this|document"},
		{"https://zwgk.example.gov.cn/d/k7Qm2xPa", 32, 32, "https://zwgk.example.gov.cn/d/|k7Qm2xPa"},
		// Hanging indent: later lines are narrower.
		{"文号：" + strings.Repeat("号", 15), 32, 26, "文号：" + strings.Repeat("号", 13) + "|" + "号号"},
		// A mix of widths never overflows.
		{"a中b文c字d", 5, 5, "a中b|文c字|d"},
		// A line too narrow for one character still advances.
		{"中文", 1, 1, "中|文"},
	}
	for _, c := range cases {
		var parts []string
		for _, l := range wrap([]rune(c.in), c.first, c.rest) {
			parts = append(parts, string(l))
		}
		if got := strings.Join(parts, "|"); got != c.want {
			t.Errorf("wrap(%q, %d, %d) = %q, want %q", c.in, c.first, c.rest, got, c.want)
		}
	}
}

func TestCharset(t *testing.T) {
	cases := []struct {
		enc  string
		r    rune
		want string // hex bytes, or "" when the printer's font lacks r
	}{
		{"gbk", 'A', "41"},
		{"gbk", '中', "d6d0"},
		{"gbk", '〔', "a1b2"},
		{"gbk", '€', ""}, // a single byte 0x80 in GBK, not in printer fonts
		{"gbk", '㐀', ""},
		{"gbk", '𠀀', ""},
		{"gbk", '😀', ""},
		{"gb18030", '中', "d6d0"},
		{"gb18030", '㐀', "8139ee39"}, // Extension A: four bytes, in GB18030 fonts
		{"gb18030", '𠀀', ""},
		{"gb18030", '\u00a0', ""},
	}
	for _, c := range cases {
		b, ok := newCharset(c.enc).encode(c.r)
		got := ""
		if ok {
			got = sprintHex(b)
		}
		if got != c.want {
			t.Errorf("%s encode %q = %q (ok %v), want %q", c.enc, c.r, got, ok, c.want)
		}
	}
}

func sprintHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

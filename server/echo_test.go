package server

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestClipQuoted: a value quoted with %q or in “” is cut to 80 characters
// on a character boundary with "…"; short ones and the words around them
// stay as they are.
func TestClipQuoted(t *testing.T) {
	long, han := strings.Repeat("x", 500), strings.Repeat("字", 300)
	for _, tc := range []struct{ in, want string }{
		{fmt.Sprintf("年份 %q 不正确", "abc"), `年份 "abc" 不正确`},
		{fmt.Sprintf("年份 %q 不正确，请填写四位数年份", long), `年份 "` + long[:80] + `…" 不正确，请填写四位数年份`},
		{fmt.Sprintf("没有 %q 这个主题分类", han), `没有 "` + han[:80*3] + `…" 这个主题分类`},
		{"文号“" + han + "”无法识别", "文号“" + han[:80*3] + "…”无法识别"},
		{fmt.Sprintf("%q and %q", long, "\x00"), `"` + long[:80] + `…" and "\x00"`},
		{`an "unterminated ` + long, `an "unterminated ` + long},
	} {
		got := clipQuoted(tc.in)
		if got != tc.want {
			t.Errorf("clipQuoted(%.40q…) = %.200q, want %.200q", tc.in, got, tc.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("clipQuoted(%.40q…) is not UTF-8", tc.in)
		}
	}
}

// A 400 of the API quotes at most 80 characters of a long bad value.
func TestLongBadValueClipped(t *testing.T) {
	s := &Server{}
	_, msg, _ := s.classify(clientErr(400, "年份 %q 不正确，请填写四位数年份，如 2024", strings.Repeat("9", 5000)))
	if len(msg) > 200 || !strings.Contains(msg, "…") {
		t.Errorf("message of %d bytes: %.300s", len(msg), msg)
	}
}

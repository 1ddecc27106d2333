package queries

import (
	"strings"
	"testing"

	"golang.org/x/text/width"
)

// FuzzRedact masks what citizens write for the public status page: after
// Redact no mainland mobile number and no identity card number is left
// readable — in ASCII or full-width digits, with or without separators —
// except a department's public number passed to keep, and the asker's
// name is gone.
func FuzzRedact(f *testing.F) {
	for _, s := range [][3]string{
		{"我是张三，电话13812345678，想问低保怎么申请", "张三", "13812345678"},
		{"请回电 138-1234-5678 或 0533-3241001", "", ""},
		{"身份证370323199001011234，手机１３８１２３４５６７８", "李四", ""},
		{"联系民政局 0533-3241001", "王五", "0533 3241001"},
		{"欧阳修 欧阳修 13912345678x", "欧阳修", "139 1234 5678"},
		{"", "", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	keep := "0533-3241001"
	f.Fuzz(func(t *testing.T, text, name, phone string) {
		out := Redact(text, name, phone, keep)
		plain := strings.ReplaceAll(strings.ReplaceAll(width.Fold.String(out), keep, ""), "\u3000", " ")
		for _, re := range []*regexpMatcher{{"mobile", mobileRE.MatchString}, {"identity card", idNumberRE.MatchString}} {
			if re.match(plain) {
				t.Fatalf("Redact(%q, %q, %q) = %q: a %s number is left", text, name, phone, out, re.what)
			}
		}
		if n := strings.TrimSpace(name); len([]rune(n)) >= 2 && strings.Contains(text, n) && strings.Contains(out, n) && MaskName(n) != n {
			t.Fatalf("Redact(%q, %q, %q) = %q: the name is left", text, name, phone, out)
		}
	})
}

type regexpMatcher struct {
	what  string
	match func(string) bool
}

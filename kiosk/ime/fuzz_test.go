package ime

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCandidates types anything on the kiosk's keyboard: Candidates
// refuses what is not pinyin with ErrInput, and otherwise answers at most
// the limit of Chinese words, each replacing a part of the letters typed;
// Normalize is idempotent. The table holds the domain words and every
// character but not gse's dictionary, which takes a fuzzing worker (an
// instrumented binary) longer to load than a short run lasts.
func FuzzCandidates(f *testing.F) {
	m := &IME{build: func() *table { return newTableFrom(nil) }}
	for _, s := range []string{"zhangsan", "zs", "zhangs", "Di Bao", "xi'an", "xi’an", "dibao", "", "a", "v", "lv", "nv",
		"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "qwrtp", "张三", "zhang3", "ZHANG"} {
		f.Add(s, 0, false, false)
	}
	f.Add("zhang", 1000, true, true)
	f.Add("wang", -5, true, false)
	f.Fuzz(func(t *testing.T, q string, limit int, name, first bool) {
		cs, err := m.Candidates(q, Options{Name: name, First: first, Limit: limit})
		if err != nil {
			if !errors.Is(err, ErrInput) {
				t.Fatalf("Candidates(%q) error %v is not ErrInput", q, err)
			}
			return
		}
		n, err := Normalize(q)
		if err != nil {
			t.Fatalf("Candidates(%q) accepted what Normalize refuses: %v", q, err)
		}
		if again, err := Normalize(n); err != nil || again != n || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz") != "" {
			t.Fatalf("Normalize(%q) = %q, again %q, %v", q, n, again, err)
		}
		want := limit
		if want <= 0 {
			want = 60
		}
		if len(cs) > min(want, MaxLimit) {
			t.Fatalf("Candidates(%q, limit %d): %d candidates", q, limit, len(cs))
		}
		for _, c := range cs {
			if c.Len < 1 || c.Len > len(n) || c.Text == "" || utf8.RuneCountInString(c.Text) > c.Len || strings.IndexFunc(c.Text, func(r rune) bool { return !isHan(r) }) >= 0 {
				t.Fatalf("Candidates(%q): candidate %+v for %q", q, c, n)
			}
		}
	})
}

package search

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// FuzzPlan analyses the queries a search accepts as the in-memory engine
// answers them: every plan, and its relaxed form, parses as the tsquery
// text that engine reads (else such a search fails there); the plan's
// shape follows from the query, and the normalised forms are stable.
func FuzzPlan(f *testing.F) {
	for _, s := range []string{"低保", "税", "DB", "zuidishenghuo", "沂政办发〔2019〕5号", "[2019]5", "'", `\`, "a'b\\c",
		"!&|()<->:*", "低保 & 医保", "2019年", "沂政办发〔2019〕", "TEST-0001", "ｄｂ", "%_", "号号号", "低保怎么申请", "最低 生活 保障",
		"残疾人两项补贴标准", "《关于调整低保标准的通知》", "A:*", "2019年5号", "（2019）5号", "ⅫⅫ", "ﬃ", "\u3000低保\u3000"} {
		f.Add(s)
	}
	// A small dictionary: gse's own takes a fuzzing worker longer to load
	// than a short run lasts, and segmentation only decides the groups.
	an := newAnalyzer()
	an.once.Do(func() {
		seg := &gse.Segmenter{SkipLog: true}
		var dict strings.Builder
		for _, w := range append(domainWords, "标准", "申请", "调整", "通知", "生活", "保障") {
			dict.WriteString(w + " 20000 n\n")
		}
		if err := seg.LoadDictStr(dict.String()); err != nil {
			f.Fatal(err)
		}
		an.seg = seg
	})
	syn := testSynonyms()
	f.Fuzz(func(t *testing.T, q string) {
		if !validText(q) || utf8.RuneCountInString(q) > MaxQueryRunes {
			return // refused by Request.check
		}
		p := buildPlan(q, syn, an)
		if _, err := parsePlan(p, nil); err != nil {
			t.Fatalf("buildPlan(%q): the in-memory engine cannot read the plan: %v\n%+v", q, err, p)
		}
		if r, ok := relax(p); ok {
			if _, err := parsePlan(r, nil); err != nil {
				t.Fatalf("relax(buildPlan(%q)): %v\n%+v", q, err, r)
			}
		}
		c := compact(q)
		switch {
		case (p.shape == ShapeBrowse) != (c == ""):
			t.Fatalf("buildPlan(%q) has shape %s, compact form %q", q, p.shape, c)
		case compact(c) != c || normalize(normalize(q)) != normalize(q):
			t.Fatalf("normalising %q is not idempotent: %q, %q", q, compact(c), normalize(normalize(q)))
		case p.shape != ShapeBrowse && (p.qkey == "" || !utf8.ValidString(p.qkey)):
			t.Fatalf("buildPlan(%q) has query key %q", q, p.qkey)
		}
	})
}

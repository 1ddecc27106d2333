package search

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestPinyinOverrides(t *testing.T) {
	py := newPinyinSpeller()
	tests := []struct{ in, full, initials string }{
		{"银行", "yinhang", "yh"},
		{"重庆", "chongqing", "cq"},
		{"行政", "xingzheng", "xz"},
		{"长者", "zhangzhe", "zz"},
		{"单位", "danwei", "dw"},
		{"还款", "huankuan", "hk"},
		{"调整", "tiaozheng", "tz"},
		{"长期", "changqi", "cq"},
		{"低保", "dibao", "db"},
		{"医保", "yibao", "yb"},
		{"最低生活保障", "zuidishenghuobaozhang", "zdshbz"},
		{"农村商业银行", "nongcunshangyeyinhang", "ncsyyh"},
		{"2019年重庆", "nianchongqing", "ncq"},
	}
	for _, tt := range tests {
		full, ini := py.spell(tt.in)
		if full != tt.full || ini != tt.initials {
			t.Errorf("spell(%q) = %q, %q; want %q, %q", tt.in, full, ini, tt.full, tt.initials)
		}
	}
	for phrase, syl := range pinyinOverrides {
		if n := len(strings.Fields(syl)); n != utf8.RuneCountInString(phrase) {
			t.Errorf("override %q has %d syllables for %d characters", phrase, n, utf8.RuneCountInString(phrase))
		}
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		in   string
		want []segment
	}{
		{"“三公”经费", []segment{{"三公经费", true}}},
		{"2019年沂源县", []segment{{"2019", false}, {"年沂源县", true}}},
		{"沂政办发〔2019〕5号", []segment{{"沂政办发", true}, {"2019", false}, {"5", false}, {"号", true}}},
		{"ＰＰＰ项目 gdp", []segment{{"ppp", false}, {"项目", true}, {"gdp", false}}},
		{"《条例》解读", []segment{{"条例解读", true}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, segments(normalize(tt.in)), cmp.AllowUnexported(segment{})); diff != "" {
			t.Errorf("segments(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestLexemes(t *testing.T) {
	set := newLexemeSet(8)
	set.add("低保标准 2019年")
	var got []string
	set.each(func(l string) { got = append(got, l) })
	slices.Sort(got)
	want := []string{"2019", "低", "低保", "保", "保标", "年", "标", "标准", "准"}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lexemes (-want +got):\n%s", diff)
	}
}

func testSynonyms() *synonymSet {
	return newSynonymSet([]Synonym{
		{Term: "低保", Synonym: "最低生活保障"},
		{Term: "医保", Synonym: "医疗保险"},
		{Term: "残疾人两项补贴", Synonym: "困难残疾人生活补贴"},
	}, newPinyinSpeller())
}

func TestBuildPlan(t *testing.T) {
	syn, an := testSynonyms(), testAnalyzer()
	tests := []struct {
		q                          string
		shape                      string
		groups                     int
		docKey, yearNum, docPrefix string
		expanded                   []string
	}{
		{q: "", shape: ShapeBrowse},
		{q: "  ", shape: ShapeBrowse},
		{q: "税", shape: ShapeText, groups: 1},
		{q: "低保", shape: ShapeText, groups: 1, expanded: []string{"最低生活保障"}},
		{q: "低保怎么申请", shape: ShapeText, groups: 2, expanded: []string{"最低生活保障"}},
		{q: "最低保障", shape: ShapeText, groups: 2},
		{q: "DB", shape: ShapePinyin, groups: 1, expanded: []string{"低保", "最低生活保障"}},
		{q: "zuidishenghuo", shape: ShapePinyin, groups: 1, expanded: []string{"最低生活保障", "低保"}},
		{q: "xyz", shape: ShapePinyin},
		{q: "沂政办发〔2019〕5号", shape: ShapeDocNumber, groups: 5, docKey: "沂政办发|2019|5", yearNum: "2019|5"},
		{q: "[2019]5", shape: ShapeDocNumber, yearNum: "2019|5"},
		{q: "2019年5号", shape: ShapeDocNumber, yearNum: "2019|5"},
		{q: "沂政办发〔2019〕", shape: ShapeDocNumber, groups: 3, docPrefix: "沂政办发|2019|"},
		{q: "2019 5", shape: ShapeText, groups: 2, yearNum: "2019|5"},
		{q: "2019 05", shape: ShapeText, groups: 2, yearNum: "2019|5"},
		{q: "2019  5", shape: ShapeText, groups: 2, yearNum: "2019|5"},
		{q: "2019", shape: ShapeText, groups: 1},
		{q: "2019 0", shape: ShapeText, groups: 2},
		{q: "1234 5", shape: ShapeText, groups: 2},
		{q: "96128 5", shape: ShapeText, groups: 2},
		{q: "2019 5 3", shape: ShapeText, groups: 3},
	}
	for _, tt := range tests {
		p := buildPlan(tt.q, syn, an)
		if p.shape != tt.shape || len(p.groups) != tt.groups || p.docKey != tt.docKey || p.yearNum != tt.yearNum ||
			p.docPrefix != tt.docPrefix || !slices.Equal(p.expanded, tt.expanded) {
			t.Errorf("buildPlan(%q) = shape %s, %d groups, key %q, yearNum %q, prefix %q, expanded %q; want %s, %d, %q, %q, %q, %q",
				tt.q, p.shape, len(p.groups), p.docKey, p.yearNum, p.docPrefix, p.expanded,
				tt.shape, tt.groups, tt.docKey, tt.yearNum, tt.docPrefix, tt.expanded)
		}
	}
}

func TestQueryKeySharedAcrossBracketStyles(t *testing.T) {
	want := queryKey("沂政办发〔2019〕5号")
	for _, q := range []string{"沂政办发[2019]5号", "沂政办发（2019）第5号", " 沂政办发2019年5号 "} {
		if got := queryKey(q); got != want {
			t.Errorf("queryKey(%q) = %q, want %q", q, got, want)
		}
	}
	for _, q := range []string{"[2019]5号", "2019 5", "2019 05", " 2019  5 "} {
		if got := queryKey(q); got != "wh:|2019|5" {
			t.Errorf("queryKey(%q) = %q, want wh:|2019|5", q, got)
		}
	}
	if got := queryKey("2019"); got != "2019" {
		t.Errorf("queryKey(2019) = %q", got)
	}
	if got := queryKey(" 低保 "); got != "低保" {
		t.Errorf("queryKey(低保) = %q", got)
	}
}

func TestSnippetAndHighlights(t *testing.T) {
	h := Hit{Snippet: "## 一、<b>低保</b>\n\n  申请 *条件*：最低生活保障", Tier: 3}
	finishHit(&h, []string{"最低生活保障", "低保"})
	if h.Snippet != "一、<b>低保</b> 申请 条件：最低生活保障" {
		t.Errorf("snippet = %q", h.Snippet)
	}
	want := [][2]int{{5, 7}, {18, 24}}
	if diff := cmp.Diff(want, h.Highlights); diff != "" {
		t.Errorf("highlights (-want +got):\n%s", diff)
	}
	if h.Match != "title" {
		t.Errorf("match = %q", h.Match)
	}
}

// FuzzSearchQuery feeds arbitrary queries through the planner and the real
// search SQL: no query may fail (other than a FieldError for length or
// encoding), and none may ever return a document that is not public.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"低保", "税", "DB", "zuidishenghuo", "沂政办发〔2019〕5号", "[2019]5", "'", `\`, "a'b\\c",
		"!&|()<->:*", "低保 & 医保", "2019年", "沂政办发〔2019〕", "TEST-0001", "内部名单", "ｄｂ", "%_", "\x00", "号号号"} {
		f.Add(s)
	}
	fx := newFixture(f)
	public := fx.add(doc{Title: "关于调整城乡低保标准的通知", DocNumber: "沂政办发〔2019〕5号", Body: "低保 税 医保"})
	secret := []int64{
		fx.add(doc{Title: "低保内部名单", DocNumber: "沂政办发〔2019〕6号", Body: "低保 税 医保", Disclosure: "不予公开"}),
		fx.add(doc{Title: "低保草稿", DocNumber: "沂政办发〔2019〕7号", Body: "低保 税 医保", State: "draft"}),
	}
	f.Fuzz(func(t *testing.T, q string) {
		res, err := fx.s.Search(context.Background(), Request{Q: q})
		if errors.Is(err, ErrInvalid) {
			return
		}
		if err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
		for _, id := range ids(res) {
			if slices.Contains(secret, id) {
				t.Fatalf("Search(%q) returned non-public document %d", q, id)
			}
		}
		if res.Total < len(res.Items) || (len(res.Items) > 0 && res.Items[0].ID != public) {
			t.Fatalf("Search(%q): total %d, items %v", q, res.Total, ids(res))
		}
		if _, err := fx.s.Suggest(context.Background(), q, 5); err != nil {
			t.Fatalf("Suggest(%q): %v", q, err)
		}
	})
}

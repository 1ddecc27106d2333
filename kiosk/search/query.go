package search

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Shapes of a query, as Result.Shape reports them.
const (
	ShapeBrowse    = "browse"    // no query: filters only, newest first
	ShapeText      = "text"      // Chinese (or other) text
	ShapeDocNumber = "docnumber" // a 文号, whole or typed so far
	ShapePinyin    = "pinyin"    // A–Z only: full pinyin or initials
)

// MaxQueryRunes is the longest query accepted.
const MaxQueryRunes = 100

// stopWords are dropped from a query when other words remain: the question
// words citizens type around what they look for (低保怎么申请).
var stopWords = map[string]bool{
	"的": true, "了": true, "和": true, "与": true, "及": true, "或": true, "在": true, "是": true,
	"吗": true, "呢": true, "啊": true, "吧": true, "么": true, "怎么": true, "怎样": true, "如何": true,
	"什么": true, "哪里": true, "哪儿": true, "哪些": true, "哪个": true, "请问": true, "我": true,
	"我们": true, "你": true, "您": true, "要": true, "想": true, "能": true, "可以": true, "需要": true,
	"应该": true, "去": true, "找": true, "查": true, "查询": true, "一下": true, "关于": true, "有关": true,
}

var pinyinRE = regexp.MustCompile(`^[a-z]{1,60}$`)

// group is one required unit of a query: it matches when any alternative
// does, and an alternative matches when all its lexemes are present.
type group struct {
	alts  [][]string // lexemes of each alternative
	words []string   // the text of each alternative
	stop  bool
}

func wordGroup(w string, han bool) group {
	lx := []string{w}
	if han {
		lx = hanGrams(w)
	}
	return group{alts: [][]string{lx}, words: []string{w}, stop: stopWords[w]}
}

// synGroup is a term with its synonyms as alternatives.
func synGroup(terms ...string) group {
	var g group
	seen := map[string]bool{}
	for _, t := range terms {
		if seen[t] {
			continue
		}
		seen[t] = true
		var lx []string
		for _, seg := range segments(t) {
			if seg.han {
				lx = append(lx, hanGrams(seg.text)...)
			} else {
				lx = append(lx, seg.text)
			}
		}
		if len(lx) > 0 {
			g.alts, g.words = append(g.alts, lx), append(g.words, t)
		}
	}
	return g
}

// tsquery renders the group; weight is "" or a label such as ":A".
// Alternatives implied by a shorter one are left out (城乡低保 by 低保).
func (g group) tsquery(weight string) string {
	parts := make([]string, 0, len(g.alts))
	for i, lx := range g.alts {
		if impliedByOther(g.alts, i) {
			continue
		}
		q := make([]string, len(lx))
		for i, l := range lx {
			q[i] = quoteLexeme(l) + weight
		}
		parts = append(parts, "("+strings.Join(q, " & ")+")")
	}
	return "(" + strings.Join(parts, " | ") + ")"
}

// impliedByOther reports whether another alternative needs a subset of the
// lexemes of alts[i] (the first of two equal ones is kept).
func impliedByOther(alts [][]string, i int) bool {
	for j, other := range alts {
		if j != i && subset(other, alts[i]) && (len(other) < len(alts[i]) || j < i) {
			return true
		}
	}
	return false
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func joinGroups(gs []group, weight, op string) string {
	parts := make([]string, 0, len(gs))
	for _, g := range gs {
		if len(g.alts) > 0 {
			parts = append(parts, g.tsquery(weight))
		}
	}
	return strings.Join(parts, op)
}

// plan is a query turned into what the search SQL needs. Empty strings
// switch parts off.
type plan struct {
	shape      string
	qkey       string   // normalised query: clicks and logs are kept per qkey
	titleQ     string   // tsquery over search_title: candidates and tier 1
	allQ       string   // tsquery over search_all: does a document match at all
	titleAQ    string   // tsquery over title-weighted lexemes: tier 2
	phraseQ    string   // tsquery of the query's runs as typed (words adjacent): a boost
	phrases    []string // compact title containing one of these: tier 3
	altPhrases []string // … or one of these synonym forms: tier 2.5
	exact      string   // compact title equal to this: exact tier
	indexNos   []string // 索引号 equal to one of these: exact tier
	docKey     string   // doc_number_key equal: exact tier
	yearNum    string   // year|number equal: exact when docKey is empty
	docPrefix  string   // doc_number_key prefix "agency|year|" (文号 typed so far)
	groups     []group
	wordQs     []string // relaxed only: per-group title queries to count
	expanded   []string // synonyms and keywords the query was widened with
	relaxed    bool
}

// queryKey is the normalised form clicks and logs are kept under: the 文号
// key for a 文号 in any bracket style or typed on the digit keyboard ("2019 5"
// is "wh:|2019|5", like [2019]5号), the compact text otherwise.
func queryKey(q string) string {
	if d, ok := docNumberQuery(q); ok {
		return "wh:" + d.key()
	}
	if d, ok := digitDocNumber(q); ok {
		return "wh:" + d.key()
	}
	return truncate(compact(q), 300)
}

// docNumberQuery reads q as a 文号: complete, or an agency prefix and a
// bracketed year typed so far (沂政办发〔2019〕).
func docNumberQuery(q string) (docNumber, bool) {
	d, ok := parseDocNumber(q)
	if !ok {
		return d, false
	}
	if d.Number == "" && (d.Prefix == "" || !strings.ContainsAny(normalize(q), "[(〔【〖{<")) {
		return d, false
	}
	return d, true
}

// buildPlan analyses a query.
func buildPlan(q string, syn *synonymSet, an *analyzer) plan {
	c := compact(q)
	switch {
	case c == "":
		return plan{shape: ShapeBrowse}
	case pinyinRE.MatchString(c):
		return pinyinPlan(c, syn)
	}
	if d, ok := docNumberQuery(q); ok {
		return docNumberPlan(q, d, syn, an)
	}
	return textPlan(q, syn, an)
}

func textPlan(q string, syn *synonymSet, an *analyzer) plan {
	c := compact(q)
	p := plan{shape: ShapeText, qkey: queryKey(q), exact: c}
	p.groups = queryGroups(q, syn, an)
	p.allQ = joinGroups(p.groups, "", " & ")
	p.titleQ = p.allQ
	p.titleAQ = joinGroups(p.groups, ":A", " & ")
	if ph := phraseQuery(q); ph != p.allQ && len(p.groups) > 1 {
		p.phraseQ = ph
	}
	p.phrases = []string{c}
	for _, g := range p.groups {
		if len(g.words) < 2 {
			continue
		}
		for _, alt := range g.words[1:] {
			p.expanded = append(p.expanded, alt)
			if len(p.altPhrases) < 8 {
				p.altPhrases = append(p.altPhrases, strings.Replace(c, g.words[0], alt, 1))
			}
		}
	}
	nfkc := strings.TrimSpace(normalizeKeepCase(q))
	p.indexNos = []string{nfkc, strings.ToUpper(nfkc)}
	if d, ok := digitDocNumber(q); ok { // "2019 5": the 文号 first, the numbers as text after
		p.yearNum = d.Year + "|" + d.Number
	}
	return p
}

func pinyinPlan(c string, syn *synonymSet) plan {
	p := plan{shape: ShapePinyin, qkey: c}
	py := pinyinQuery(c)
	p.titleQ = py + " | " + quoteLexeme(c) + ":*"
	p.allQ = quoteLexeme(c)
	p.titleAQ = py
	kws := syn.pinyinKeywords(c, 6)
	if len(kws) == 0 {
		return p
	}
	var alts []string
	for _, k := range kws {
		alts = append(alts, syn.alts[k]...)
	}
	g := synGroup(append(slices.Clone(kws), alts...)...)
	p.groups = []group{g}
	p.titleQ += " | " + g.tsquery("")
	p.allQ += " | " + g.tsquery("")
	p.titleAQ += " | " + g.tsquery(":A")
	p.phrases, p.altPhrases = kws, alts
	p.expanded = g.words
	return p
}

// pinyinQuery matches title pinyin and initials lexemes by prefix. They
// exist in titles only, so no weight is needed (a weight would make every
// hit a heap recheck).
func pinyinQuery(c string) string {
	return quoteLexeme("p:"+truncate(c, maxPinyin)) + ":* | " + quoteLexeme("i:"+truncate(c, maxInitials)) + ":*"
}

func docNumberPlan(q string, d docNumber, syn *synonymSet, an *analyzer) plan {
	p := plan{}
	if d.Prefix != "" { // 沂政办发〔2019〕5号 also finds documents that cite it
		p = textPlan(q, syn, an)
		p.phrases, p.altPhrases, p.expanded = nil, nil, nil
	}
	p.shape, p.qkey = ShapeDocNumber, "wh:"+d.key()
	switch {
	case d.Number == "":
		p.docPrefix = d.Prefix + "|" + d.Year + "|"
	case d.Prefix != "":
		p.docKey = d.key()
		if d.Year != "" {
			p.yearNum = d.Year + "|" + d.Number
		}
	default:
		p.yearNum = d.Year + "|" + d.Number
	}
	return p
}

// phraseQuery requires the character pairs of each run as typed, across
// word boundaries: 五公开 needs 五公 and 公开, where its words alone only
// need 五 and 公开 somewhere.
func phraseQuery(q string) string {
	var gs []group
	for _, seg := range segments(normalize(q)) {
		gs = append(gs, wordGroup(truncate(seg.text, maxToken), seg.han))
	}
	return joinGroups(gs, "", " & ")
}

// relax turns a text plan whose words were all required into one where any
// word matches, ranked by how many match the title. It reports false when
// there is nothing to relax.
func relax(p plan) (plan, bool) {
	if p.shape != ShapeText || len(p.groups) < 2 {
		return p, false
	}
	p.allQ = joinGroups(p.groups, "", " | ")
	p.titleQ = p.allQ
	p.titleAQ = joinGroups(p.groups, ":A", " | ")
	p.wordQs = nil
	for _, g := range p.groups {
		p.wordQs = append(p.wordQs, g.tsquery(":A"))
	}
	p.phrases, p.altPhrases, p.phraseQ, p.relaxed = nil, nil, "", true
	return p, true
}

// queryGroups splits a text query into required groups: synonym terms (on
// word boundaries) with their alternatives, words of the segmentation as
// character grams, alphanumeric tokens as they are. Stop words are dropped
// when other words remain.
func queryGroups(q string, syn *synonymSet, an *analyzer) []group {
	var gs []group
	for _, seg := range segments(normalize(q)) {
		if !seg.han {
			gs = append(gs, wordGroup(truncate(seg.text, maxToken), false))
			continue
		}
		gs = append(gs, hanGroups(an.words(seg.text), syn)...)
	}
	return dedupe(dropStops(gs))
}

// hanGroups matches synonym terms on word boundaries, longest first.
func hanGroups(words []string, syn *synonymSet) []group {
	var gs []group
	for i := 0; i < len(words); {
		n, term := termAt(words[i:], syn)
		if n > 0 {
			gs = append(gs, synGroup(append([]string{term}, syn.alts[term]...)...))
			i += n
			continue
		}
		gs = append(gs, wordGroup(words[i], true))
		i++
	}
	return gs
}

// termAt finds the longest synonym term made of the first words.
func termAt(words []string, syn *synonymSet) (int, string) {
	best, text := 0, ""
	for n := 1; n <= len(words); n++ {
		text += words[n-1]
		if utf8.RuneCountInString(text) > syn.maxRunes {
			break
		}
		if _, ok := syn.alts[text]; ok {
			best = n
		}
	}
	if best == 0 {
		return 0, ""
	}
	return best, strings.Join(words[:best], "")
}

func dropStops(gs []group) []group {
	var kept []group
	for _, g := range gs {
		if !g.stop {
			kept = append(kept, g)
		}
	}
	if len(kept) == 0 {
		return gs
	}
	return kept
}

func dedupe(gs []group) []group {
	seen := map[string]bool{}
	var out []group
	for _, g := range gs {
		k := strings.Join(g.words, "|")
		if !seen[k] {
			seen[k] = true
			out = append(out, g)
		}
	}
	return out
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

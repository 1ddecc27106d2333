// Package ime is the kiosk's pinyin input: a citizen types pinyin on the
// on-screen letter keyboard, in full or by initials (zhangsan, zs, zhangs),
// and gets Chinese candidates — words and single characters — that each
// cover a part of what was typed, most frequent first. Kiosks have no
// system input method; this is how they write a name or describe the
// information they want.
//
// Words and their frequencies come from gse's embedded dictionary of
// simplified Chinese, readings from go-pinyin (every reading of a single
// character, the common readings of a word's characters). Characters that
// go-pinyin knows and the dictionary lacks are added at the end of their
// syllable's list, so that a rare character of a name can still be found.
// The table is built once, lazily, on the first request (about a second);
// after that lookups only read it and are safe for concurrent use.
package ime

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/go-ego/gse"
	pinyin "github.com/mozillazg/go-pinyin"
)

// MaxLetters bounds what one lookup parses; a kiosk sends the letters not
// yet turned into characters, which stay short.
const MaxLetters = 32

// MaxLimit bounds the candidates of one answer.
const MaxLimit = 200

// ErrInput is returned for a query that is not pinyin letters.
var ErrInput = errors.New("ime: input")

// Candidate is one choice: Text replaces the first Len letters of the
// (normalised) query.
type Candidate struct {
	Text string `json:"text"`
	Len  int    `json:"len"`
}

// Options shape a lookup.
type Options struct {
	// Name: the field is a person's name. First: nothing has been written
	// in it yet, so the first character is a surname (common surnames
	// first, compound surnames and whole names among the words); otherwise
	// characters common in given names come first.
	Name, First bool
	// Limit is the number of candidates (default 60, at most MaxLimit).
	Limit int
}

// Normalize lowercases q and drops spaces and apostrophes (syllable
// separators some people type); anything else that is not a letter a–z is
// ErrInput, as is more than MaxLetters letters.
func Normalize(q string) (string, error) {
	var b strings.Builder
	for _, r := range q {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(unicode.ToLower(r))
		case r == ' ' || r == '\'' || r == '’':
		default:
			return "", fmt.Errorf("%w: 只能输入拼音字母", ErrInput)
		}
	}
	if b.Len() > MaxLetters {
		return "", fmt.Errorf("%w: 拼音太长了，请先选字，最多 %d 个字母", ErrInput, MaxLetters)
	}
	return b.String(), nil
}

// IME answers lookups from the table, building it on first use, and
// caches recent answers.
type IME struct {
	once  sync.Once
	t     *table
	build func() *table

	mu    sync.Mutex
	cache map[cacheKey][]Candidate
}

type cacheKey struct {
	q           string
	name, first bool
	limit       int
}

// cacheMax is how many answers are kept; the cache is emptied when full
// (lookups are cheap; the cache only spares the common prefixes).
const cacheMax = 8192

var std = &IME{build: buildTable}

// Default returns the process's input method (one table per process).
func Default() *IME { return std }

// Warm builds the table now instead of on the first lookup.
func (m *IME) Warm() { m.table() }

func (m *IME) table() *table {
	m.once.Do(func() { m.t = m.build() })
	return m.t
}

// Candidates returns the candidates for q (normalised with Normalize).
func (m *IME) Candidates(q string, o Options) ([]Candidate, error) {
	q, err := Normalize(q)
	if err != nil {
		return nil, err
	}
	if o.Limit <= 0 {
		o.Limit = 60
	}
	o.Limit = min(o.Limit, MaxLimit)
	if !o.Name {
		o.First = false
	}
	if q == "" {
		return []Candidate{}, nil
	}
	key := cacheKey{q, o.Name, o.First, o.Limit}
	m.mu.Lock()
	if c, ok := m.cache[key]; ok {
		m.mu.Unlock()
		return c, nil
	}
	m.mu.Unlock()
	c := m.table().lookup(q, o)
	m.mu.Lock()
	if m.cache == nil || len(m.cache) >= cacheMax {
		m.cache = map[cacheKey][]Candidate{}
	}
	m.cache[key] = c
	m.mu.Unlock()
	return c, nil
}

// word is a dictionary entry.
type word struct {
	text  string
	freq  float32
	runes uint8
	name  bool // tagged as a person's name (nr) in the dictionary
	alt   bool // a single character's rare reading (才 zai): no name bonus
}

// reading is one way to read a word: its syllables in the pool.
type reading struct {
	word int32
	off  int32 // first syllable in table.pool
}

// table is the lookup structure: readings grouped by the first letters of
// their syllables ("zs" for 张三), most frequent first within a group.
type table struct {
	syllables []string          // by id
	sylID     map[string]uint16 // syllable → id
	pool      []uint16          // syllable ids of all readings
	words     []word
	byInitial map[string][]reading
	surname   map[string]int // surname → rank (0 = most common)
	givenName map[string]bool
}

// domainWords are the words citizens write in applications that the
// dictionary lacks or ranks low.
var domainWords = []string{
	"低保", "医保", "社保", "社保卡", "医保卡", "公积金", "最低生活保障", "特困人员", "临时救助",
	"政府信息公开", "信息公开", "依申请公开", "主动公开", "公开申请", "办事指南", "三公经费",
	"养老金", "失业金", "残疾人", "补贴", "护理补贴", "生活补贴", "高龄津贴", "创业补贴", "公租房",
	"廉租房", "拆迁", "征收", "补偿", "安置", "宅基地", "不动产", "营业执照", "退役军人", "文号",
	"批复", "会议纪要", "实施方案", "实施细则", "管理办法", "通知", "名单", "标准", "预算", "决算",
	"沂源", "沂源县", "民政局", "医疗保障局", "人社局", "住建局", "财政局", "教体局", "卫健局",
}

// wordReadingsMax bounds the readings of a word whose characters have
// several: the first reading of each and a few combinations of the others.
const wordReadingsMax = 4

// polyphones are the characters whose second reading (in go-pinyin's
// order) is common: it is as good as the first, and words combine both.
const polyphones = "长行重还乐调给会都便差传着角朝率参大应供处省教藏厦了得地的和数为种" +
	"干发分量几空难好少背奇降解校尽薄血只曾区仇查盛翟朴缪覃尉召单盖沈华"

// excludedSyllables are readings nobody types for a character (嗯 n, 呣 m):
// as syllables they would make the parser cut zhangs into zha-n-g-s.
var excludedSyllables = map[string]bool{"n": true, "m": true, "ng": true, "hm": true, "hng": true}

func buildTable() *table {
	seg := &gse.Segmenter{SkipLog: true, NotLoadHMM: true}
	// The embedded dictionary cannot fail to load; an error would leave an
	// empty dictionary and only go-pinyin's characters below.
	_ = seg.LoadDictEmbed("zh_s")
	var tokens []gse.Token
	if seg.Dict != nil {
		tokens = seg.Dict.Tokens
	}
	return newTableFrom(tokens)
}

// newTableFrom builds the table from dictionary tokens, the domain words
// and go-pinyin's characters.
func newTableFrom(tokens []gse.Token) *table {
	t := newTable()
	args := pinyin.NewArgs()
	args.Style = pinyin.Normal
	args.Heteronym = true
	// go-pinyin converts readings with regular expressions: one call per
	// character, not per occurrence.
	cache := map[rune][]string{}
	readings := func(r rune) []string {
		if out, ok := cache[r]; ok {
			return out
		}
		var out []string
		for _, s := range pinyin.SinglePinyin(r, args) {
			if !excludedSyllables[s] && !contains(out, s) {
				out = append(out, s)
			}
		}
		cache[r] = out
		return out
	}
	type entry struct {
		text string
		freq float64
		name bool
		per  [][]string
	}
	var entries []entry
	seen := map[string]bool{}
	// A single character's frequency in gse is a flat 2; how often it is
	// used is the sum of the frequencies of the words it is in.
	charFreq := map[rune]float64{}
	add := func(text string, freq float64, name bool) {
		if seen[text] {
			return
		}
		rs := []rune(text)
		if len(rs) == 0 || len(rs) > 8 {
			return
		}
		per := make([][]string, len(rs))
		for i, r := range rs {
			if !isHan(r) {
				return
			}
			if per[i] = readings(r); len(per[i]) == 0 {
				return
			}
		}
		seen[text] = true
		if len(rs) > 1 {
			for _, r := range rs {
				charFreq[r] += freq
			}
		}
		entries = append(entries, entry{text, freq, name, per})
	}
	for _, w := range domainWords {
		add(w, 20000, false)
	}
	for i := range tokens {
		tok := &tokens[i]
		add(tok.Text(), tok.Freq(), tok.Pos() == "nr")
	}
	// Characters the dictionary lacks, for names: the basic CJK block.
	for r := rune(0x4E00); r <= 0x9FA5; r++ {
		add(string(r), 0, false)
	}
	for _, e := range entries {
		if rs := []rune(e.text); len(rs) == 1 {
			e.freq = charFreq[rs[0]]
		}
		t.addWord(e.text, e.freq, e.name, e.per)
	}
	t.sort()
	return t
}

func newTable() *table {
	t := &table{sylID: map[string]uint16{}, byInitial: map[string][]reading{},
		surname: map[string]int{}, givenName: map[string]bool{}}
	for i, s := range surnames {
		if _, ok := t.surname[s]; !ok {
			t.surname[s] = i
		}
	}
	for _, r := range givenNameChars {
		t.givenName[string(r)] = true
	}
	return t
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

func (t *table) syllable(s string) uint16 {
	if id, ok := t.sylID[s]; ok {
		return id
	}
	id := uint16(len(t.syllables))
	t.syllables = append(t.syllables, s)
	t.sylID[s] = id
	return id
}

// addWord adds a word with the readings of its characters. A single
// character has all its readings: the first, the second of a common
// polyphone and a surname's own reading (单 shan) at its full frequency,
// the others (才 zai, 方 wang) at a thousandth and without the bonuses
// of names. A word has the first reading of each
// character and, for the common polyphones, combinations with their
// second reading (银行 yinhang, 长期 changqi), at most wordReadingsMax.
func (t *table) addWord(text string, freq float64, name bool, per [][]string) {
	if len(per) == 1 {
		r := []rune(text)[0]
		for i, s := range per[0] {
			common := i == 0 || i == 1 && strings.ContainsRune(polyphones, r) || surnameReadings[text] == s
			f := freq
			if !common {
				f = freq / 1000
			}
			w := t.addEntry(text, f, name, 1)
			t.words[w].alt = !common
			t.addSyllables(w, []string{s})
		}
		return
	}
	rs := []rune(text)
	for i := range per {
		n := 1
		if strings.ContainsRune(polyphones, rs[i]) {
			n = 2
		}
		per[i] = per[i][:min(len(per[i]), n)]
	}
	w := t.addEntry(text, freq, name, len(per))
	idx := make([]int, len(per))
	syl := make([]string, len(per))
	for n := 0; n < wordReadingsMax; n++ {
		for i, choice := range idx {
			syl[i] = per[i][choice]
		}
		t.addSyllables(w, syl)
		// Next combination, the last character's readings varying first.
		i := len(idx) - 1
		for ; i >= 0; i-- {
			if idx[i]+1 < len(per[i]) {
				idx[i]++
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			break
		}
	}
}

func (t *table) addEntry(text string, freq float64, name bool, runes int) int32 {
	w := int32(len(t.words))
	t.words = append(t.words, word{text: text, freq: float32(freq), runes: uint8(runes), name: name})
	return w
}

func (t *table) addSyllables(w int32, syl []string) {
	off := int32(len(t.pool))
	key := make([]byte, len(syl))
	for i, s := range syl {
		t.pool = append(t.pool, t.syllable(s))
		key[i] = s[0]
	}
	t.byInitial[string(key)] = append(t.byInitial[string(key)], reading{word: w, off: off})
}

// sort orders every group by frequency, then by the dictionary's order.
func (t *table) sort() {
	for _, rs := range t.byInitial {
		sort.SliceStable(rs, func(i, j int) bool { return t.words[rs[i].word].freq > t.words[rs[j].word].freq })
	}
}

// token is a piece of the typed letters: a whole syllable, or the start
// of one (an initial such as z, zh, or a syllable being typed).
type token struct {
	text string
	full bool
}

// matches reports whether syllable s is what the token stands for. A
// whole lu, nu, lue or nue also stands for lü, nü… (lv, nv in go-pinyin),
// which many people type with a u.
func (k token) matches(s string) bool {
	if k.full {
		if s == k.text {
			return true
		}
		if strings.ContainsRune(s, 'v') && (strings.HasPrefix(k.text, "lu") || strings.HasPrefix(k.text, "nu")) {
			return strings.ReplaceAll(s, "v", "u") == k.text
		}
		return false
	}
	return strings.HasPrefix(s, k.text)
}

// parses cuts q into tokens: every cut with the fewest pieces (a partial
// syllable counts as one and a half), and those within half a piece of
// it, at most maxParses of them.
func (t *table) parses(q string) [][]token {
	const maxParses = 6
	n := len(q)
	// best[i] is the lowest cost of cutting q[i:].
	const inf = 1 << 30
	best := make([]int, n+1)
	for i := n - 1; i >= 0; i-- {
		best[i] = inf
		for j := i + 1; j <= n; j++ {
			if best[j] == inf {
				continue
			}
			if c := t.pieceCost(q[i:j]); c < inf && c+best[j] < best[i] {
				best[i] = c + best[j]
			}
		}
	}
	if best[0] == inf {
		return nil
	}
	var out [][]token
	var walk func(i, spent int, acc []token)
	walk = func(i, spent int, acc []token) {
		if len(out) >= maxParses {
			return
		}
		if i == n {
			out = append(out, append([]token(nil), acc...))
			return
		}
		for j := n; j > i; j-- {
			c := t.pieceCost(q[i:j])
			if c == inf || best[j] == inf || spent+c+best[j] > best[0]+1 {
				continue
			}
			walk(j, spent+c, append(acc, token{text: q[i:j], full: t.isSyllable(q[i:j])}))
		}
	}
	walk(0, 0, nil)
	return out
}

// pieceCost is 2 for a whole syllable, 3 for the start of one, else inf.
func (t *table) pieceCost(s string) int {
	if t.isSyllable(s) {
		return 2
	}
	if t.isPrefix(s) {
		return 3
	}
	return 1 << 30
}

func (t *table) isSyllable(s string) bool {
	if _, ok := t.sylID[s]; ok {
		return true
	}
	// lu, nu … are syllables anyway; lue and nue stand for lüe, nüe.
	return s == "lue" || s == "nue"
}

func (t *table) isPrefix(s string) bool {
	if len(s) > 6 {
		return false
	}
	for _, syl := range t.syllables {
		if strings.HasPrefix(syl, s) {
			return true
		}
	}
	return false
}

// lookup finds the candidates of normalised q: words covering all of it
// first, then words covering less of it, then single characters for its
// first syllable; within each, the best scores first (frequency, with the
// name options' preferences).
func (t *table) lookup(q string, o Options) []Candidate {
	type candidate struct {
		text  string
		len   int
		score float64
	}
	best := map[string]int{} // text → index in out
	var all []candidate
	for _, p := range t.parses(q) {
		at := 0
		ends := make([]int, len(p))
		for i, k := range p {
			at += len(k.text)
			ends[i] = at
		}
		for k := len(p); k >= 1; k-- {
			key := make([]byte, k)
			for i := 0; i < k; i++ {
				key[i] = p[i].text[0]
			}
			var found []candidate
			for _, r := range t.byInitial[string(key)] {
				if t.readingMatches(r, p[:k]) {
					w := t.words[r.word]
					found = append(found, candidate{w.text, ends[k-1], t.score(w, o)})
				}
			}
			sort.SliceStable(found, func(i, j int) bool { return found[i].score > found[j].score })
			// A name is mostly written character by character: a few
			// whole names, then the characters.
			perK := 24
			if o.Name {
				perK = 4
			}
			if k == 1 {
				perK = o.Limit
			}
			for _, c := range found[:min(len(found), perK)] {
				if i, ok := best[c.text]; ok {
					if c.len > all[i].len || c.len == all[i].len && c.score > all[i].score {
						all[i] = c
					}
					continue
				}
				best[c.text] = len(all)
				all = append(all, c)
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].len != all[j].len {
			return all[i].len > all[j].len
		}
		return all[i].score > all[j].score
	})
	out := make([]Candidate, 0, min(len(all), o.Limit))
	for _, c := range all[:min(len(all), o.Limit)] {
		out = append(out, Candidate{Text: c.text, Len: c.len})
	}
	return out
}

func (t *table) readingMatches(r reading, toks []token) bool {
	for i, k := range toks {
		if !k.matches(t.syllables[t.pool[int(r.off)+i]]) {
			return false
		}
	}
	return true
}

// score is a word's rank: its frequency, raised for names. The bonuses
// put common surnames (and compound surnames and names) before everything
// else of the same length, and characters used in given names before the
// others.
func (t *table) score(w word, o Options) float64 {
	s := float64(w.freq)
	if !o.Name || w.alt {
		return s
	}
	if o.First {
		if rank, ok := t.surname[w.text]; ok {
			return 1e9 - float64(rank)
		}
		if w.name {
			return 1e8 + s
		}
		return s
	}
	if w.runes == 1 && t.givenName[w.text] {
		return 1e8 + s
	}
	if w.name {
		return 1e7 + s
	}
	return s
}

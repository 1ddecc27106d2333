package search

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// domainWords are added to the segmentation dictionary so citizens' words
// stay whole (低保 is not 低/保, 一件事 not 一件/事).
var domainWords = []string{
	"低保", "医保", "社保", "社保卡", "医保卡", "公积金", "一件事", "一件事一次办", "两项补贴",
	"残疾人两项补贴", "特困", "公租房", "经适房", "个税", "新农合", "养老金", "失业金",
	"政务公开", "信息公开", "依申请公开", "主动公开", "不予公开", "办事指南", "三公经费",
	"最低生活保障", "临时救助", "特困人员", "困难群众", "退役军人", "不动产", "营业执照",
}

// analyzer segments Chinese and spells pinyin. The dictionary is loaded once,
// lazily; after that Cut only reads it and is safe for concurrent use.
type analyzer struct {
	once sync.Once
	seg  *gse.Segmenter
	py   *pinyinSpeller
}

func newAnalyzer() *analyzer { return &analyzer{py: newPinyinSpeller()} }

func (a *analyzer) segmenter() *gse.Segmenter {
	a.once.Do(func() {
		seg := &gse.Segmenter{SkipLog: true}
		// The embedded simplified-Chinese dictionary cannot fail to load; an
		// error would leave an empty dictionary, which still cuts (per
		// character), so search degrades instead of failing.
		_ = seg.LoadDictEmbed("zh_s")
		for _, w := range domainWords {
			_ = seg.AddToken(w, 20000, "n")
		}
		a.seg = seg
	})
	return a.seg
}

// words cuts a Han run into words (precise mode, with HMM for unknown
// words); the words concatenate back to run.
func (a *analyzer) words(run string) []string {
	ws := a.segmenter().Cut(run, true)
	if strings.Join(ws, "") != run {
		return splitRunes(run)
	}
	return ws
}

func splitRunes(s string) []string {
	out := make([]string, 0, utf8.RuneCountInString(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

// wordStarts returns the rune offsets in run where a word begins: every word
// of the precise cut and every dictionary word inside a longer one (医疗保险
// also starts 保险), so pinyin typed from any of them matches.
func (a *analyzer) wordStarts(run string) []int {
	seg := a.segmenter()
	var starts []int
	off := 0
	for _, w := range a.words(run) {
		rs := []rune(w)
		starts = append(starts, off)
		for i := 1; i+1 < len(rs); i++ {
			if inDict(seg, rs[i:]) {
				starts = append(starts, off+i)
			}
		}
		off += len(rs)
	}
	return starts
}

// inDict reports whether some dictionary word of two or more characters
// starts rs.
func inDict(seg *gse.Segmenter, rs []rune) bool {
	for n := 2; n <= len(rs); n++ {
		if _, _, ok := seg.Find(string(rs[:n])); ok {
			return true
		}
	}
	return false
}

package search

import (
	"strings"
	"sync"

	pinyin "github.com/mozillazg/go-pinyin"
)

// pinyinOverrides are phrase readings go-pinyin gets wrong: it reads
// character by character with each character's first reading (银行 →
// yinxing, 重庆 → zhongqing, 长期 → zhangqi). One syllable per character.
var pinyinOverrides = map[string]string{
	"银行": "yin hang", "行业": "hang ye", "行长": "hang zhang", "各行各业": "ge hang ge ye", "同行": "tong hang",
	"重庆": "chong qing", "重新": "chong xin", "重复": "chong fu", "重建": "chong jian", "重组": "chong zu",
	"重阳": "chong yang", "重申": "chong shen", "还款": "huan kuan", "归还": "gui huan", "偿还": "chang huan",
	"还贷": "huan dai", "退还": "tui huan", "返还": "fan huan", "调整": "tiao zheng", "协调": "xie tiao",
	"调解": "tiao jie", "调节": "tiao jie", "调控": "tiao kong", "空调": "kong tiao", "调剂": "tiao ji",
	"调休": "tiao xiu", "调和": "tiao he", "调处": "tiao chu", "供给": "gong ji", "给予": "ji yu",
	"补给": "bu ji", "自给": "zi ji", "给付": "ji fu", "会计": "kuai ji", "都市": "du shi", "首都": "shou du",
	"成都": "cheng du", "都江堰": "du jiang yan", "厦门": "xia men", "西藏": "xi zang", "六安": "lu an",
	"便宜": "pian yi", "仔细": "zi xi", "出差": "chu chai", "传记": "zhuan ji", "模样": "mu yang",
	"角色": "jue se", "着重": "zhuo zhong", "着力": "zhuo li", "着眼": "zhuo yan", "着手": "zhuo shou",
	"长期": "chang qi", "长效": "chang xiao", "长远": "chang yuan", "延长": "yan chang", "长江": "chang jiang",
	"长沙": "chang sha", "长春": "chang chun", "长度": "chang du", "长途": "chang tu", "长久": "chang jiu",
	"长征": "chang zheng", "长三角": "chang san jiao", "专长": "zhuan chang", "特长": "te chang",
	"擅长": "shan chang", "漫长": "man chang", "长城": "chang cheng", "长者": "zhang zhe",
	"音乐": "yin yue", "乐山": "le shan", "率先": "shuai xian", "关卡": "guan qia", "单于": "chan yu",
	"朝阳": "chao yang", "单位": "dan wei", "行政": "xing zheng", "教育": "jiao yu", "省份": "sheng fen",
	"处长": "chu zhang", "参差": "cen ci", "人参": "ren shen", "蚌埠": "beng bu", "大夫": "dai fu",
	"提供": "ti gong", "应当": "ying dang", "相应": "xiang ying", "适应": "shi ying", "供应": "gong ying",
}

// pinyinSpeller spells Han text in toneless pinyin, phrase overrides first.
type pinyinSpeller struct {
	args      pinyin.Args
	overrides map[string][]string
	maxLen    int

	basicOnce sync.Once
	basic     []string // the reading of each basic ideograph (U+4E00–U+9FFF), on first use
}

func newPinyinSpeller() *pinyinSpeller {
	p := &pinyinSpeller{args: pinyin.NewArgs(), overrides: map[string][]string{}}
	p.args.Style = pinyin.Normal
	p.args.Heteronym = false
	for phrase, syl := range pinyinOverrides {
		rs := []rune(phrase)
		p.overrides[phrase] = strings.Fields(syl)
		p.maxLen = max(p.maxLen, len(rs))
	}
	return p
}

// syllables returns one syllable per rune of a Han run; a rune without a
// reading gives "".
func (p *pinyinSpeller) syllables(run []rune) []string {
	out := make([]string, len(run))
	for i := 0; i < len(run); {
		if n, syl := p.override(run[i:]); n > 0 {
			copy(out[i:], syl)
			i += n
			continue
		}
		out[i] = p.reading(run[i])
		i++
	}
	return out
}

// reading is the first reading of one character, "" without one.
func (p *pinyinSpeller) reading(r rune) string {
	if basicHan(r) {
		p.basicOnce.Do(func() {
			p.basic = make([]string, 0x9FFF-0x4E00+1)
			for i := range p.basic {
				p.basic[i] = p.lookup(0x4E00 + rune(i))
			}
		})
		return p.basic[r-0x4E00]
	}
	return p.lookup(r)
}

func (p *pinyinSpeller) lookup(r rune) string {
	if s := pinyin.SinglePinyin(r, p.args); len(s) > 0 {
		return s[0]
	}
	return ""
}

// override finds the longest override phrase starting rs.
func (p *pinyinSpeller) override(rs []rune) (int, []string) {
	for n := min(p.maxLen, len(rs)); n >= 2; n-- {
		if syl, ok := p.overrides[string(rs[:n])]; ok {
			return n, syl
		}
	}
	return 0, nil
}

// spell returns the full pinyin and the initials of a Han string:
// 最低生活保障 → "zuidishenghuobaozhang", "zdshbz".
func (p *pinyinSpeller) spell(s string) (full, initials string) {
	var f, i strings.Builder
	for _, seg := range segments(normalize(s)) {
		if !seg.han {
			continue
		}
		for _, syl := range p.syllables([]rune(seg.text)) {
			if syl != "" {
				f.WriteString(syl)
				i.WriteByte(syl[0])
			}
		}
	}
	return f.String(), i.String()
}

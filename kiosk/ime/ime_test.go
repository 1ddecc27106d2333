package ime

import (
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// texts returns the candidates' texts.
func texts(cs []Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Text
	}
	return out
}

func lookup(t *testing.T, q string, o Options) []Candidate {
	t.Helper()
	cs, err := Default().Candidates(q, o)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return cs
}

// position is where text is among the candidates, or -1.
func position(cs []Candidate, text string) int {
	return slices.IndexFunc(cs, func(c Candidate) bool { return c.Text == text })
}

func TestTableLoad(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	Default().Warm()
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	tb := Default().table()
	t.Logf("table: %d words, %d syllables, %d readings' syllables, built in %s, heap +%d MiB",
		len(tb.words), len(tb.syllables), len(tb.pool), took.Round(time.Millisecond), (int64(after.HeapAlloc)-int64(before.HeapAlloc))>>20)
	if len(tb.words) < 100000 {
		t.Errorf("only %d words: the dictionary did not load", len(tb.words))
	}
}

func TestSingleSyllable(t *testing.T) {
	cs := lookup(t, "zhang", Options{})
	if p := position(cs, "张"); p < 0 || p > 3 {
		t.Errorf("zhang: 张 at %d, want among the first four: %v", p, texts(cs)[:min(10, len(cs))])
	}
	for _, c := range cs {
		if c.Len != 5 {
			t.Errorf("zhang: %s covers %d letters, want 5", c.Text, c.Len)
		}
	}
	if p := position(cs, "长"); p < 0 {
		t.Errorf("zhang: 长 (a second reading) missing")
	}
}

func TestNameSurnamesFirst(t *testing.T) {
	cs := lookup(t, "zhang", Options{Name: true, First: true})
	if len(cs) == 0 || cs[0].Text != "张" {
		t.Fatalf("zhang for a name: %v, want 张 first", texts(cs)[:min(10, len(cs))])
	}
	if p := position(cs, "章"); p < 0 || p > 3 {
		t.Errorf("zhang for a name: 章 (a surname) at %d", p)
	}
	cs = lookup(t, "wang", Options{Name: true, First: true})
	if cs[0].Text != "王" {
		t.Errorf("wang for a name: %v, want 王 first", texts(cs)[:5])
	}
	cs = lookup(t, "ouyang", Options{Name: true, First: true})
	if cs[0].Text != "欧阳" {
		t.Errorf("ouyang for a name: %v, want 欧阳 first", texts(cs)[:5])
	}
	cs = lookup(t, "lu", Options{Name: true, First: true})
	if p := position(cs, "吕"); p < 0 || p > 8 {
		t.Errorf("lu for a name: 吕 (lü typed as lu) at %d: %v", p, texts(cs)[:10])
	}
	cs = lookup(t, "lv", Options{Name: true, First: true})
	if cs[0].Text != "吕" {
		t.Errorf("lv for a name: %v, want 吕 first", texts(cs)[:5])
	}
}

func TestFullPinyinName(t *testing.T) {
	for _, o := range []Options{{}, {Name: true, First: true}} {
		cs := lookup(t, "zhangsan", o)
		whole := position(cs, "张三")
		if whole >= 0 {
			if cs[whole].Len != 8 {
				t.Errorf("zhangsan: 张三 covers %d letters, want 8", cs[whole].Len)
			}
		}
		zhang := position(cs, "张")
		if whole < 0 && zhang < 0 {
			t.Fatalf("zhangsan %+v: neither 张三 nor 张: %v", o, texts(cs))
		}
		if zhang >= 0 && cs[zhang].Len != 5 {
			t.Errorf("zhangsan: 张 covers %d letters, want 5 (zhang)", cs[zhang].Len)
		}
		if o.Name && whole != 0 {
			t.Errorf("zhangsan for a name: %v, want 张三 first", texts(cs)[:5])
		}
	}
	// What is left after 张 is taken: san, a given name's character.
	cs := lookup(t, "san", Options{Name: true})
	if p := position(cs, "三"); p < 0 || p > 3 {
		t.Errorf("san after the surname: 三 at %d: %v", p, texts(cs)[:8])
	}
}

func TestInitials(t *testing.T) {
	cs := lookup(t, "zs", Options{Name: true, First: true})
	if p := position(cs, "张三"); p < 0 || p > 20 {
		t.Errorf("zs for a name: 张三 at %d: %v", p, texts(cs)[:min(20, len(cs))])
	}
	if cs[0].Len != 2 {
		t.Errorf("zs: first candidate %s covers %d letters, want 2", cs[0].Text, cs[0].Len)
	}
	if p := position(cs, "张"); p < 0 || cs[p].Len != 1 {
		t.Errorf("zs: 张 missing or not covering the z alone: %v", cs)
	}
	cs = lookup(t, "zhangs", Options{Name: true, First: true})
	if p := position(cs, "张三"); p < 0 || cs[p].Len != 6 {
		t.Errorf("zhangs: 张三 covering all six letters missing: %v", texts(cs)[:10])
	}
	cs = lookup(t, "db", Options{})
	if p := position(cs, "低保"); p < 0 || p > 5 {
		t.Errorf("db: 低保 at %d: %v", p, texts(cs)[:10])
	}
}

func TestWords(t *testing.T) {
	for q, want := range map[string]string{
		"dibao": "低保", "zuidishenghuobaozhang": "最低生活保障", "shenqing": "申请",
		"zhengfuxinxigongkai": "政府信息公开", "yinhang": "银行", "changqi": "长期", "buchang": "补偿",
	} {
		cs := lookup(t, q, Options{})
		if p := position(cs, want); p < 0 || p > 2 || cs[p].Len != len(q) {
			t.Errorf("%s: %s at %d, want among the first three covering it all: %v", q, want, p, texts(cs)[:min(8, len(cs))])
		}
	}
	// Several syllables: words for the start, then characters of the first.
	cs := lookup(t, "dibaojin", Options{})
	if p := position(cs, "低保金"); p != 0 {
		if q := position(cs, "低保"); q < 0 || cs[q].Len != 5 {
			t.Errorf("dibaojin: neither 低保金 first nor 低保 for dibao: %v", texts(cs)[:8])
		}
	}
	if p := position(cs, "低"); p < 0 || cs[p].Len != 2 {
		t.Errorf("dibaojin: 低 for di missing: %v", texts(cs))
	}
	// Ambiguous cuts: fangan is fang-an (方案) and fan-gan (反感).
	cs = lookup(t, "fangan", Options{})
	for _, w := range []string{"方案", "反感"} {
		if position(cs, w) < 0 {
			t.Errorf("fangan: %s missing: %v", w, texts(cs)[:10])
		}
	}
}

func TestRareNameCharacter(t *testing.T) {
	// 堃 (kun) is not in the dictionary but in names.
	cs := lookup(t, "kun", Options{Name: true, Limit: MaxLimit})
	if position(cs, "堃") < 0 {
		t.Errorf("kun: 堃 missing from %d candidates", len(cs))
	}
}

func TestNormalize(t *testing.T) {
	if q, err := Normalize("Zhang San'"); err != nil || q != "zhangsan" {
		t.Errorf("Normalize = %q, %v", q, err)
	}
	for _, bad := range []string{"张", "zh1", strings.Repeat("a", MaxLetters+1), "<b>"} {
		if _, err := Normalize(bad); !errors.Is(err, ErrInput) {
			t.Errorf("Normalize(%q) = %v, want ErrInput", bad, err)
		}
	}
	cs, err := Default().Candidates("", Options{})
	if err != nil || len(cs) != 0 {
		t.Errorf("empty query: %v, %v", cs, err)
	}
	if cs := lookup(t, "vvvv", Options{}); len(cs) != 0 {
		t.Errorf("vvvv (no syllable): %v", texts(cs))
	}
}

func TestLimit(t *testing.T) {
	if cs := lookup(t, "yi", Options{Limit: 5}); len(cs) != 5 {
		t.Errorf("limit 5 gave %d", len(cs))
	}
	if cs := lookup(t, "yi", Options{Limit: 10000}); len(cs) > MaxLimit {
		t.Errorf("limit above the maximum gave %d", len(cs))
	}
}

func BenchmarkLookup(b *testing.B) {
	Default().Warm()
	qs := []string{"zhangsan", "zs", "dibao", "zuidishenghuobaozhang", "yi", "shenqinggongkai", "x"}
	for i := 0; b.Loop(); i++ {
		Default().table().lookup(qs[i%len(qs)], Options{Limit: 60})
	}
}

func TestRareReadingsLast(t *testing.T) {
	// 方 is also read wang in old texts: no surname bonus for that.
	cs := lookup(t, "wang", Options{Name: true, First: true})
	if p := position(cs, "方"); p >= 0 && p < 10 {
		t.Errorf("wang for a name: 方 (an old reading) at %d: %v", p, texts(cs)[:12])
	}
	// 单 as a surname is shan.
	cs = lookup(t, "shan", Options{Name: true, First: true})
	if p := position(cs, "单"); p < 0 || p > 3 {
		t.Errorf("shan for a name: 单 at %d: %v", p, texts(cs)[:8])
	}
}

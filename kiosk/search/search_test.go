package search

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// corpus is a small catalog with the situations search must get right.
type corpus struct {
	*fixture
	dibao, oldRules, newRules, yibaoGuide, tax, gjj, disabled, bank, chongqing, interp, onRequest int64
	secret                                                                                        []int64
}

func newCorpus(t *testing.T) *corpus {
	f := newFixture(t)
	c := &corpus{fixture: f}
	c.dibao = f.add(doc{Title: "关于调整城乡低保标准的通知", DocNumber: "沂民发〔2023〕12号", Agency: "mzj",
		Category: "重点领域/社会救助", Topic: "社会救助", Published: "2023-05-10",
		Body: "各镇人民政府：为保障困难群众基本生活，经县政府同意，现将城乡最低生活保障标准调整如下。"})
	c.newRules = f.add(doc{Title: "沂源县最低生活保障审核确认实施细则", DocNumber: "沂政办发〔2024〕8号",
		Category: "重点领域/社会救助", Published: "2024-02-01", Body: "第一条 为规范最低生活保障审核确认工作，制定本细则。"})
	c.oldRules = f.add(doc{Title: "沂源县最低生活保障审核确认办法", DocNumber: "沂政办发〔2019〕5号",
		Category: "重点领域/社会救助", Published: "2019-03-01", Validity: "废止", ReplacedBy: c.newRules,
		Body: "第一条 为做好最低生活保障审核确认工作，制定本办法。"})
	c.yibaoGuide = f.add(doc{Title: "城乡居民基本医疗保险报销指南", Agency: "ybj", Category: "办事指南", Kind: "guide",
		Published: "2023-09-01", Body: "参保人员在定点医疗机构就医，符合规定的医疗费用由医保基金按比例报销。"})
	c.tax = f.add(doc{Title: "关于做好2023年度个人所得税综合所得汇算清缴工作的通知", DocNumber: "沂税发〔2023〕3号",
		Agency: "swj", Published: "2024-03-01", Body: "纳税人应当在规定期限内办理汇算清缴。"})
	c.gjj = f.add(doc{Title: "住房公积金提取管理办法", DocNumber: "淄公积金发[2022]7号", Agency: "gjj",
		Published: "2022-06-01", Body: "职工购买、建造、翻建自住住房的，可以提取住房公积金账户内的存储余额。"})
	c.disabled = f.add(doc{Title: "关于做好困难残疾人生活补贴和重度残疾人护理补贴工作的通知", Agency: "cl",
		Category: "重点领域/社会救助", Published: "2021-04-01", Body: "困难残疾人生活补贴对象为低保家庭中的残疾人。"})
	c.bank = f.add(doc{Title: "关于农村商业银行代发惠民补贴资金的通知", Published: "2020-01-01", Body: "各代发银行应当及时足额发放。"})
	c.chongqing = f.add(doc{Title: "赴重庆市学习考察政务公开工作的报告", Category: "工作报告", Kind: "other",
		Published: "2019-11-01", Body: "考察组一行赴重庆市学习政务公开标准化规范化经验。"})
	c.interp = f.add(doc{Title: "《关于调整城乡低保标准的通知》政策解读", Agency: "mzj", Kind: "interpretation",
		Category: "重点领域/社会救助", Published: "2023-05-11", Body: "一、调整背景。二、低保标准提高的幅度。"})
	c.onRequest = f.add(doc{Title: "低保家庭入户调查工作规程", Agency: "mzj", Disclosure: "依申请公开",
		Published: "2022-08-01", Body: "入户调查须核对机密字样甲乙丙的存款信息。"})
	secretBody := "低保 医保 税 最低生活保障 医疗保险 公积金 沂政办发〔2019〕5号 重庆 银行"
	c.secret = []int64{
		f.add(doc{Title: "低保对象名单（内部）医保税", DocNumber: "沂政办发〔2019〕6号", Disclosure: "不予公开", Body: secretBody}),
		f.add(doc{Title: "低保资金审计草稿医保税", DocNumber: "沂政办发〔2019〕7号", State: "draft", Body: secretBody}),
		f.add(doc{Title: "医保基金监管送审稿低保税", DocNumber: "沂政办发〔2019〕9号", State: "in_review", Body: secretBody}),
		f.add(doc{Title: "低保公示（不公开）", DocNumber: "沂政办发〔2019〕10号", State: "in_review", Disclosure: "不予公开", Body: secretBody}),
	}
	return c
}

func TestSearchFindsFirst(t *testing.T) {
	c := newCorpus(t)
	tests := []struct {
		name, q string
		first   int64
		or      int64 // an equally good first result, or 0
	}{
		{"one character", "税", c.tax, 0},
		{"two characters", "低保", c.dibao, c.interp},
		{"two characters via synonym", "医保", c.yibaoGuide, 0},
		{"long query", "城乡居民基本医疗保险报销", c.yibaoGuide, 0},
		{"citizen question", "低保标准怎么调整", c.dibao, c.interp},
		{"full 文号", "沂政办发〔2019〕5号", c.oldRules, 0},
		{"文号 square brackets", "沂政办发[2019]5号", c.oldRules, 0},
		{"文号 round brackets, no agency", "（2019）5号", c.oldRules, 0},
		{"文号 with 年", "2019年5号", c.oldRules, 0},
		{"文号 bare", "[2019]5", c.oldRules, 0},
		{"文号 嘉政 style", "淄公积金发〔2022〕7号", c.gjj, 0},
		{"文号 typed so far", "沂政办发〔2024〕", c.newRules, 0},
		{"索引号", "TEST-0003", c.oldRules, 0},
		{"initials of a keyword", "DB", c.dibao, c.interp},
		{"initials via synonym", "YB", c.yibaoGuide, 0},
		{"initials from a title word", "dbbz", c.dibao, c.interp},
		{"initials from a word inside a title", "hmbt", c.bank, 0},
		{"full pinyin of a keyword", "zuidishenghuo", c.newRules, 0},
		{"full pinyin with phrase override", "yinhang", c.bank, 0},
		{"full pinyin 重庆", "chongqing", c.chongqing, 0},
		{"initials 重庆", "cq", c.chongqing, 0},
		{"synonym to the official term", "公积金", c.gjj, 0},
		{"abbreviation of two subsidies", "残疾人两项补贴", c.disabled, 0},
		{"exact title", "住房公积金提取管理办法", c.gjj, 0},
		{"title marks ignored", "“关于调整城乡低保标准的通知”", c.dibao, 0},
		{"full width letters", "ＤＢ", c.dibao, c.interp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.search(tt.q)
			if len(res.Items) == 0 || (res.Items[0].ID != tt.first && res.Items[0].ID != tt.or) {
				t.Fatalf("search %q: got %v, want %d first", tt.q, titles(res), tt.first)
			}
		})
	}
}

func TestSearchWrongPinyinReadingMisses(t *testing.T) {
	c := newCorpus(t)
	if res := c.search("yinxing"); contains(res, c.bank) {
		t.Errorf("yinxing (character-by-character reading of 银行) found the bank notice: %v", titles(res))
	}
}

func TestSearchDocNumberIsExactTier(t *testing.T) {
	c := newCorpus(t)
	res := c.search("沂政办发〔2019〕5号")
	if res.Shape != ShapeDocNumber || res.Items[0].Match != "exact" {
		t.Fatalf("shape %s, first match %q", res.Shape, res.Items[0].Match)
	}
}

func TestSearchRepealedAfterCurrent(t *testing.T) {
	c := newCorpus(t)
	res := c.search("最低生活保障审核确认")
	got := ids(res)
	iNew, iOld := slices.Index(got, c.newRules), slices.Index(got, c.oldRules)
	if iNew < 0 || iOld < 0 || iNew > iOld {
		t.Fatalf("current at %d, repealed at %d: %v", iNew, iOld, titles(res))
	}
	old := res.Items[iOld]
	if old.ReplacedBy == nil || old.ReplacedBy.ID != c.newRules || old.ReplacedBy.DocNumber != "沂政办发〔2024〕8号" {
		t.Fatalf("repealed result carries %+v", old.ReplacedBy)
	}
	if res.Items[iNew].ReplacedBy != nil {
		t.Fatalf("current result carries a replacement")
	}
}

func TestSearchOnRequestBodyIsNotSearchable(t *testing.T) {
	c := newCorpus(t)
	if res := c.search("机密字样甲乙丙"); res.Total != 0 {
		t.Fatalf("body of a 依申请公开 document is searchable: %v", titles(res))
	}
	res := c.search("入户调查工作规程")
	if !contains(res, c.onRequest) {
		t.Fatalf("title of a 依申请公开 document not found: %v", titles(res))
	}
	for _, h := range res.Items {
		if h.ID == c.onRequest && h.Snippet != "" {
			t.Fatalf("snippet of a 依申请公开 document: %q", h.Snippet)
		}
	}
}

func TestSearchSnippet(t *testing.T) {
	c := newCorpus(t)
	res := c.search("汇算清缴")
	h := res.Items[0]
	if h.ID != c.tax || h.Snippet != "纳税人应当在规定期限内办理汇算清缴。" {
		t.Fatalf("first %d snippet %q", h.ID, h.Snippet)
	}
	if len(h.Highlights) != 1 || h.Highlights[0] != [2]int{13, 17} {
		t.Fatalf("highlights %v", h.Highlights)
	}
}

func TestSearchRelaxed(t *testing.T) {
	c := newCorpus(t)
	res := c.search("住房公积金 无人机")
	if !res.Relaxed || !contains(res, c.gjj) {
		t.Fatalf("relaxed %v, got %v", res.Relaxed, titles(res))
	}
}

func TestSearchValidation(t *testing.T) {
	c := newCorpus(t)
	for _, r := range []Request{
		{Q: strings.Repeat("低", MaxQueryRunes+1)}, {Q: "\xff"}, {Q: "低保\x00"}, {Q: "〔\x00"}, {Limit: 101}, {Limit: -1}, {Offset: -1},
		{Offset: 10001}, {Year: 1800}, {Validity: "作废"}, {Kind: "law"},
	} {
		_, err := c.s.Search(context.Background(), r)
		var fe *FieldError
		if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
			t.Errorf("Search(%+v) = %v, want a FieldError", r, err)
		}
	}
}

package annual

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Sections staff write.
const (
	SectionOverview = "overview"      // 一、总体情况
	SectionProblems = "problems"      // 五、存在的主要问题及改进情况
	SectionOther    = "other_matters" // 六、其他需要报告的事项
)

// Sections lists the prose sections in the report's order.
var Sections = []string{SectionOverview, SectionProblems, SectionOther}

const preamble = "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）要求编制。报告所列数据统计期限自{年度}年1月1日起至{年度}年12月31日止。"

// ProblemsPrompt is the default of section 五: a request to staff, which
// a warning names until it is replaced.
const ProblemsPrompt = "（请写明本年度政府信息公开工作存在的主要问题、上年度问题的整改情况和下一步改进措施。）"

var defaults = map[string]string{
	SectionOverview: "{年度}年，{机关}深入贯彻《条例》，坚持“以公开为常态、不公开为例外”，依法做好政府信息公开工作。" +
		"全年制发行政规范性文件{制发规范性文件}件，废止{废止规范性文件}件，年底现行有效{现行有效规范性文件}件。" +
		"本年新收政府信息公开申请{新收申请}件，上年结转{上年结转}件，办结{办结}件（其中予以公开{予以公开}件、部分公开{部分公开}件），结转下年度继续办理{结转下年}件。" +
		"因政府信息公开被申请行政复议{行政复议}件，被提起行政诉讼{行政诉讼}件。",
	SectionProblems: ProblemsPrompt,
	SectionOther:    "{信息处理费情况}。",
}

// Default returns the generated text of a prose section ("" for an
// unknown section).
func Default(section string) string { return defaults[section] }

var placeholderRE = regexp.MustCompile(`\{([^{}\s]{1,20})\}`)

// figures are the values of the placeholders staff may write in prose.
func figures(r *Report) map[string]string {
	n := func(code string, col int) string { return strconv.Itoa(r.Requests.Row(code).Counts[col]) }
	suits := 0
	for _, g := range r.Appeals.Groups[1:] {
		suits += g.Counts[TotalCol4]
	}
	fee := "本年度未收取信息处理费"
	if r.Fees.Applications > 0 {
		fee = fmt.Sprintf("本年度共收取信息处理费%s元（%d件申请）", r.Fees.Yuan, r.Fees.Applications)
	}
	return map[string]string{
		"年度": strconv.Itoa(r.Year), "机关": r.Agency,
		"新收申请": n(RowNew, TotalCol3), "上年结转": n(RowCarriedIn, TotalCol3), "办结": n(RowTotal, TotalCol3),
		"结转下年": n(RowCarriedOut, TotalCol3), "予以公开": n("granted", TotalCol3), "部分公开": n("partial", TotalCol3),
		"行政复议": strconv.Itoa(r.Appeals.Groups[0].Counts[TotalCol4]), "行政诉讼": strconv.Itoa(suits),
		"制发规范性文件": strconv.Itoa(r.Active.Normative.Made), "废止规范性文件": strconv.Itoa(r.Active.Normative.Repealed),
		"现行有效规范性文件": strconv.Itoa(r.Active.Normative.Valid),
		"信息处理费":     r.Fees.Yuan, "信息处理费情况": fee,
	}
}

// Placeholders lists the names staff may write in braces, such as {新收申请}.
func Placeholders() []string {
	r := &Report{Requests: Table3{Rows: Layout3()}, Appeals: Table4{Groups: Layout4()}}
	var names []string
	for k := range figures(r) {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// fill replaces the placeholders of a text with the report's figures and
// returns the names it did not know (left as written).
func fill(text string, figs map[string]string) (string, []string) {
	var unknown []string
	out := placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		name := m[1 : len(m)-1]
		if v, ok := figs[name]; ok {
			return v
		}
		unknown = append(unknown, m)
		return m
	})
	return out, unknown
}

// checkProse refuses a section text with an unknown placeholder or one
// longer than 20,000 characters.
func checkProse(section, text string) error {
	if _, ok := defaults[section]; !ok {
		return fieldErr("section", "没有 %q 这一部分；可填写的是 overview（一）、problems（五）、other_matters（六）", section)
	}
	if len([]rune(text)) > 20000 {
		return fieldErr("text", "文字超过 20000 字")
	}
	r := &Report{Requests: Table3{Rows: Layout3()}, Appeals: Table4{Groups: Layout4()}}
	if _, unknown := fill(text, figures(r)); len(unknown) > 0 {
		return fieldErr("text", "不认识的数字占位符 %s；可用的有 {%s}", strings.Join(unknown, "、"), strings.Join(Placeholders(), "}、{"))
	}
	return nil
}

// prose fills a section from its saved template (nil: the default).
func prose(saved *string, section string, figs map[string]string) Prose {
	p := Prose{Template: defaults[section], Default: saved == nil}
	if saved != nil {
		p.Template = *saved
	}
	p.Text, _ = fill(p.Template, figs)
	return p
}

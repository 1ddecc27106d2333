// Package synth generates synthetic catalog documents shaped like real ones
// (titles, 文号, 索引号, agencies, categories, 1–3 thousand characters of
// Chinese body) as import lines, for benchmarks of import and search. The
// output is deterministic for a seed.
package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

// Agency is a department the generated documents are issued by.
type Agency struct {
	FullName, Abbrev, OrgCode string
}

// Agencies match the demo departments (kiosk/demodata/departments.json).
var Agencies = []Agency{
	{"沂源县人民政府办公室", "沂政办", "11370323004347001X"},
	{"沂源县发展和改革局", "沂发改", "11370323004347002X"},
	{"沂源县教育和体育局", "沂教体", "11370323004347003X"},
	{"沂源县民政局", "沂民", "11370323004347004X"},
	{"沂源县财政局", "沂财", "11370323004347005X"},
	{"沂源县人力资源和社会保障局", "沂人社", "11370323004347006X"},
	{"沂源县住房和城乡建设局", "沂建", "11370323004347007X"},
	{"沂源县医疗保障局", "沂医保", "11370323004347008X"},
	{"沂源县卫生健康局", "沂卫健", "11370323004347009X"},
	{"沂源县市场监督管理局", "沂市监", "11370323004347011X"},
}

// Categories match the demo category tree.
var Categories = []string{"政策法规/规范性文件", "规划计划", "办事指南", "重点领域/社会救助", "重点领域/就业创业",
	"重点领域/教育", "重点领域/医疗卫生", "重点领域/住房保障", "重点领域/生态环境", "政务公开/工作方案"}

var (
	subjects = []string{"最低生活保障", "特困人员救助供养", "临时救助", "城乡居民基本医疗保险", "门诊慢特病", "住房公积金",
		"公共租赁住房", "创业担保贷款", "义务教育招生", "学前教育资助", "残疾人两项补贴", "高龄津贴", "农村危房改造",
		"扬尘污染防治", "政务公开", "食品安全监管", "职业技能培训", "养老服务补贴", "医疗救助", "退役军人优待",
		"小微企业扶持", "农村饮水安全", "校园安全", "城乡环境整治", "行政审批服务", "营商环境优化"}
	docTypes = []string{"实施办法", "管理办法", "实施细则", "工作方案", "实施意见", "暂行规定", "操作规程", "工作要点"}
	phrases  = []string{"为进一步规范", "根据有关法律法规", "结合我县实际", "切实保障困难群众基本生活", "各镇人民政府、街道办事处",
		"县直各有关部门", "认真贯彻落实", "加强组织领导", "明确责任分工", "严格审核审批", "实行动态管理", "做到应保尽保",
		"申请人应当如实提供", "家庭经济状况", "经办机构应当在", "个工作日内作出决定", "对不符合条件的", "书面告知申请人并说明理由",
		"资金实行专户管理", "专款专用", "任何单位和个人不得截留挤占", "接受社会监督", "本办法自印发之日起施行",
		"由县民政局负责解释", "医疗费用报销比例", "参保缴费", "待遇享受", "公积金提取", "贷款额度", "补贴标准",
		"每人每月", "元", "按照规定程序", "公开公示", "信息化建设", "数据共享", "首问负责制", "限时办结制", "群众满意度",
		"政府信息公开", "主动公开", "依申请公开", "96128政务信息专线", "服务大厅", "窗口受理", "一次办好", "一网通办"}
)

// Doc is one generated import line (the fields of the import format).
type Doc struct {
	IndexNo     string `json:"index_no"`
	DocNumber   string `json:"doc_number"`
	Title       string `json:"title"`
	Agency      string `json:"agency"`
	Category    string `json:"category"`
	Topic       string `json:"topic"`
	WrittenAt   string `json:"written_at"`
	PublishedAt string `json:"published_at"`
	Validity    string `json:"validity"`
	Disclosure  string `json:"disclosure"`
	Kind        string `json:"kind"`
	Body        string `json:"body"`
	State       string `json:"state"`
}

// Generate returns document i of a corpus with the given seed.
func Generate(seed uint64, i int) Doc {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	a := Agencies[r.IntN(len(Agencies))]
	subj := subjects[r.IntN(len(subjects))]
	year := 2012 + r.IntN(15)
	month, day := 1+r.IntN(12), 1+r.IntN(28)
	d := Doc{
		IndexNo:     fmt.Sprintf("%s/%d-%06d", a.OrgCode, year, i),
		DocNumber:   fmt.Sprintf("%s发〔%d〕%d号", a.Abbrev, year, 1+i%997),
		Title:       fmt.Sprintf("关于印发《沂源县%s%s》的通知", subj, docTypes[r.IntN(len(docTypes))]),
		Agency:      a.FullName,
		Category:    Categories[r.IntN(len(Categories))],
		Topic:       subj,
		WrittenAt:   fmt.Sprintf("%d-%02d-%02d", year, month, day),
		PublishedAt: fmt.Sprintf("%d-%02d-%02d", year, month, min(day+2, 28)),
		Validity:    "有效",
		Disclosure:  "主动公开",
		Kind:        "policy",
		State:       "published",
	}
	if r.IntN(10) == 0 {
		d.Validity = "失效"
	}
	d.Body = body(r, subj, 1000+r.IntN(2000))
	return d
}

func body(r *rand.Rand, subj string, n int) string {
	var b strings.Builder
	article := 1
	for b.Len() < n*3 { // ~3 bytes per character
		fmt.Fprintf(&b, "第%d条 ", article)
		for k := range 3 + r.IntN(5) {
			if k > 0 {
				b.WriteString("，")
			}
			b.WriteString(phrases[r.IntN(len(phrases))])
			if r.IntN(4) == 0 {
				b.WriteString(subj)
			}
		}
		b.WriteString("。\n")
		article++
	}
	return b.String()
}

// WriteJSONL writes n generated documents as import lines to w.
func WriteJSONL(w io.Writer, seed uint64, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range n {
		if err := enc.Encode(Generate(seed, i)); err != nil {
			return fmt.Errorf("synth: line %d: %w", i+1, err)
		}
	}
	return bw.Flush()
}

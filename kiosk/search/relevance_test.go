package search

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// seedDir holds the project's own test documents (kiosk/testdata/govtexts,
// shared with the catalog's import test), invented in the style of real
// 政务公开 texts; the benchmark generator draws its vocabulary from them too.
const seedDir = "../testdata/govtexts"

// seedDoc says how a text becomes a document: its title is made of the
// given non-empty lines from the top.
type seedDoc struct {
	key        string
	file       string
	titleLines []int
	docNumber  string
	agency     string
	category   string
	published  string
}

var seedDocs = []seedDoc{
	{"plan", "01_qingya_work_points_2021.txt", []int{0, 1, 2}, "青政办发〔2021〕7号", "zfb", "政策法规", "2021-03-05"},
	{"report", "02_qingya_natural_resources_report_2020.txt", []int{0, 1}, "", "zfb", "工作报告", "2021-01-26"},
	{"town", "03_heming_town_grassroots_plan_2021.txt", []int{0, 1}, "鹤政发【2021】5号", "zfb", "政策法规", "2021-04-12"},
	{"medical", "04_qingya_resident_medical_insurance_2022.txt", []int{0, 1}, "青医保发[2021]12号", "ybj", "政策法规", "2021-09-06"},
	{"hotline", "05_bailuwan_96128_measures_2020.txt", []int{0}, "白政办发（2020）21号", "zfb", "政策法规", "2020-11-16"},
	{"guide", "06_qingya_disclosure_guide_2021.txt", []int{0, 1}, "", "zfb", "办事指南", "2021-01-08"},
}

var bookmarkRE = regexp.MustCompile(`\[bookmark: [^\]]*\]`)

// seedTitle joins the chosen top lines of a text.
func seedTitle(text string, lines []int) string {
	var nonEmpty []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(bookmarkRE.ReplaceAllString(l, "")); l != "" {
			nonEmpty = append(nonEmpty, l)
		}
	}
	var parts []string
	for _, i := range lines {
		parts = append(parts, nonEmpty[i])
	}
	return strings.Join(strings.Fields(strings.Join(parts, "")), "")
}

// TestRelevanceOnGovTexts imports the test documents and checks that
// citizen-style queries find the right one first.
func TestRelevanceOnGovTexts(t *testing.T) {
	f := newFixture(t)
	ids := map[string]int64{}
	for _, s := range seedDocs {
		body, err := os.ReadFile(filepath.Join(seedDir, s.file))
		must(t, err)
		ids[s.key] = f.add(doc{Title: seedTitle(string(body), s.titleLines), DocNumber: s.docNumber, Agency: s.agency,
			Published: s.published, Category: s.category, Body: string(body)})
	}
	// Ranking puts a title match above a body match and otherwise prefers
	// the newer document, so a query that matches only bodies is won by the
	// newest document that mentions it however often another one does. The
	// title and 文号 queries below must beat newer documents that mention
	// them in passing (the work points are cited by the town plan and the
	// guide, 96128 turns up in the work points and the guide).
	tests := []struct{ q, want string }{
		{"2021年青崖县政务公开工作要点", "plan"},
		{"政务公开要点", "plan"},
		{"青政办发[2021]7号", "plan"},
		{"青政办发〔2021〕7号", "plan"},
		{"[2021]7号", "plan"},
		{"自然资源局年度报告", "report"},
		{"信息公开年报", "report"},
		{"房产证", "report"},
		{"征地", "report"},
		{"鹤鸣镇政务公开", "town"},
		{"heming", "town"},
		{"hmz", "town"},
		{"村务公开", "town"},
		{"三务公开", "town"},
		{"鹤政发(2021)5号", "town"},
		{"城乡居民医保", "medical"},
		{"青医保发〔2021〕12号", "medical"},
		{"医保一年交多少钱", "medical"},
		{"缴费标准", "medical"},
		{"96128", "hotline"},
		{"blws", "hotline"},
		{"bailuwan", "hotline"},
		{"政务信息查询专线", "hotline"},
		{"白政办发〔2020〕21号", "hotline"},
		{"打96128能转到哪个部门", "hotline"},
		{"呼叫中心", "hotline"},
		{"限时办结", "hotline"},
		{"信息公开指南", "guide"},
		{"信息公开申请表怎么填", "guide"},
		// 文号 typed on the digit keyboard: year, spaces, 序号.
		{"2021 7", "plan"},
		{"2021 07", "plan"},
		{"2021  5", "town"},
		{"2021 12", "medical"},
		{"2020 21", "hotline"},
	}
	for _, tt := range tests {
		res := f.search(tt.q)
		if len(res.Items) == 0 || res.Items[0].ID != ids[tt.want] {
			t.Errorf("%q: got %v, want %s first", tt.q, titles(res), tt.want)
		}
	}
}

// TestRelevanceDigitKeyboardDocNumber checks 文号 typed the way the kiosk's
// digit keyboard can (digits and spaces): the document with that year and
// 序号 comes first, above newer documents whose titles hold the same
// numbers and above its neighbours 15号 and 〔2015〕19号; a lone number is
// still searched as text.
func TestRelevanceDigitKeyboardDocNumber(t *testing.T) {
	f := newFixture(t)
	want := f.add(doc{Title: "沂源县人民政府办公室关于印发城乡低保工作规程的通知", DocNumber: "沂政办发〔2019〕5号",
		Published: "2019-03-01", Body: "各镇人民政府，县政府各部门：现将工作规程印发给你们。"})
	f.add(doc{Title: "2019年第5期政务信息", Published: "2023-05-05", Body: "2019年5月政务信息汇编。"})
	f.add(doc{Title: "关于2019年度5项民生实事完成情况的报告", Published: "2022-01-10", Body: "2019年5项实事。"})
	f.add(doc{Title: "沂源县人民政府办公室关于做好防汛工作的通知", DocNumber: "沂政办发〔2019〕15号", Published: "2019-06-01"})
	f.add(doc{Title: "沂源县民政局关于临时救助的通知", DocNumber: "沂民发〔2015〕19号", Agency: "mzj", Published: "2015-06-01"})
	year := f.add(doc{Title: "沂源县2019年政府信息公开工作年度报告", Published: "2020-01-20", Category: "工作报告"})
	for _, q := range []string{"2019 5", "2019 05", "2019  5", " 2019 5 ", "２０１９　５"} {
		res := f.search(q)
		if len(res.Items) == 0 || res.Items[0].ID != want || res.Items[0].Match != "exact" {
			t.Errorf("%q: got %v, want 沂政办发〔2019〕5号 first and exact", q, titles(res))
		}
	}
	res := f.search("2019")
	if len(res.Items) == 0 || res.Items[0].Match == "exact" || !contains(res, year) {
		t.Errorf("2019: got %v, want text matches without an exact tier", titles(res))
	}
	if res := f.search("2019 16"); len(res.Items) > 0 && res.Items[0].Match == "exact" {
		t.Errorf("2019 16: got %v first as exact, but no such 文号 exists", titles(res)[0])
	}
}

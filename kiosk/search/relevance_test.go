package search

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// seedDir holds real Chinese government texts shared by the project.
const seedDir = "../../../shared/seeds"

// seedDoc says how a seed becomes a document: its title is made of the
// given non-empty lines from the top.
type seedDoc struct {
	file       string
	titleLines []int
	agency     string
	published  string
}

var seedDocs = []seedDoc{
	{"000_f6bb64baac50f8b3.txt", []int{0, 1}, "zfb", "2019-03-01"},
	{"001_8d8c5a5d76a56a31.txt", []int{0}, "zfb", "2017-08-21"},
	{"002_d17521c746d5f58e.txt", []int{0, 1, 2}, "zfb", "2019-07-29"},
	{"003_339903df3184246e.txt", []int{0, 1}, "zfb", "2018-01-20"},
	{"004_f03d9d70b61e6819.txt", []int{1}, "zfb", "2024-04-26"},
}

var bookmarkRE = regexp.MustCompile(`\[bookmark: [^\]]*\]`)

// seedTitle joins the chosen top lines of a seed text.
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

// TestRelevanceOnSeeds imports the seed texts and checks that citizen-style
// queries find the right one first.
func TestRelevanceOnSeeds(t *testing.T) {
	f := newFixture(t)
	ids := map[string]int64{}
	for _, s := range seedDocs {
		body, err := os.ReadFile(filepath.Join(seedDir, s.file))
		must(t, err)
		ids[s.file[:3]] = f.add(doc{Title: seedTitle(string(body), s.titleLines), Agency: s.agency,
			Published: s.published, Category: "工作报告", Body: string(body)})
	}
	tests := []struct{ q, want string }{
		{"融媒体中心政务公开", "000"},
		{"融媒体", "000"},
		{"嘉峪关 文广新局", "001"},
		{"文广新局政务公开实施方案", "001"},
		{"五公开", "001"},
		{"嘉政办发[2017]104号", "001"},
		{"嘉政办发〔2017〕104号", "001"},
		{"jygs", "001"},
		{"沂源县2019年政务公开工作方案", "002"},
		{"国办发〔2019〕14号", "002"},
		{"双随机", "002"},
		{"机构改革", "002"},
		{"广播电视局年度报告", "003"},
		{"信息公开年报", "003"},
		{"张店", "003"},
		{"zhangdian", "003"},
		{"信息公开管理办法", "004"},
		{"96128", "004"},
		{"政务信息电话专线", "004"},
		{"打96128电话怎么转接部门", "004"},
		{"限时办结", "004"},
		{"呼叫中心", "004"},
		{"查询码", "004"},
	}
	for _, tt := range tests {
		res := f.search(tt.q)
		if len(res.Items) == 0 || res.Items[0].ID != ids[tt.want] {
			t.Errorf("%q: got %v, want seed %s first", tt.q, titles(res), tt.want)
		}
	}
}

package search

import (
	"fmt"
	"testing"
)

// TestMemRankingClasses compares both engines on pages smaller than the
// ranking classes, where the in-memory search takes only the first few of
// each class and compares titles only as it takes them: many titles contain
// the query, some have all its character pairs without containing it, some
// are repealed, and the dates interleave them.
func TestMemRankingClasses(t *testing.T) {
	f := newFixture(t)
	for i := range 80 {
		d := doc{Published: fmt.Sprintf("20%02d-%02d-01", 10+i%13, 1+i%12), Agency: "zfb",
			Body: fmt.Sprintf("第%d号文件，关于沂源县政务公开的安排。", i)}
		switch i % 4 {
		case 0, 1:
			d.Title = fmt.Sprintf("关于印发《沂源县第%d项管理办法》的通知", i)
		case 2: // every pair of 印发沂源, but not the text itself
			d.Title = fmt.Sprintf("转发《沂源县第%d项规定》并印发《沂水县细则》", i)
		default:
			d.Title = fmt.Sprintf("沂源县第%d项工作方案", i)
		}
		if i%5 == 0 {
			d.Validity = "废止"
		}
		f.add(d)
	}
	for _, q := range []string{"印发《沂源", "印发沂源", "沂源县", "沂源", "印发", "管理办法", "关于印发 沂源县"} {
		for _, off := range []int{0, 3, 9, 30, 57} {
			f.searchReq(Request{Q: q, Limit: 3, Offset: off})
		}
		f.searchReq(Request{Q: q, Limit: 3, Validity: "废止"})
	}
}

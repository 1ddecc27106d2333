package annual

import "strconv"

// Cell3 is a row of table 三 as the form lays it out: which label cells
// it starts and how far they span. Every renderer lays the table out from
// Cells3, so the merged cells are the same in HTML, XLSX and PDF.
type Cell3 struct {
	Row
	// SectionSpan > 0 on the first result row: the cell
	// 三、本年度办理结果 starts here and spans that many rows.
	SectionSpan int
	// GroupSpan > 0 on the first reason of a decision: the decision's
	// cell starts here and spans that many rows.
	GroupSpan int
	// LabelCols is how many of the three label columns the row's own
	// label spans: 3 for 一, 二 and 四; 2 for （一）, （二） and （七）; 1
	// for a reason.
	LabelCols int
}

// Cells3 lays out the rows of table 三.
func Cells3(t *Table3) []Cell3 {
	results, groups := 0, map[string]int{}
	for _, r := range t.Rows {
		if r.Result {
			results++
		}
		if r.Group != "" {
			groups[r.Group]++
		}
	}
	var out []Cell3
	seenResult, seenGroup := false, map[string]bool{}
	for _, r := range t.Rows {
		c := Cell3{Row: r, LabelCols: 3}
		if r.Result {
			c.LabelCols = 2
			if !seenResult {
				c.SectionSpan, seenResult = results, true
			}
		}
		if r.Group != "" {
			c.LabelCols = 1
			if !seenGroup[r.Group] {
				c.GroupSpan, seenGroup[r.Group] = groups[r.Group], true
			}
		}
		out = append(out, c)
	}
	return out
}

// Block2 is one block of table 二 as the form lays it out.
type Block2 struct {
	Title   string     // 第二十条第（一）项
	Headers []string   // 信息内容, …
	Rows    [][]string // label, values
}

// Blocks2 returns table 二 as its four blocks of text cells: the title
// row, the header row and the data rows.
func Blocks2(t *Table2) []Block2 {
	n := strconv.Itoa
	return []Block2{
		{Title: "第二十条第（一）项", Headers: []string{"信息内容", "本年制发件数", "本年废止件数", "现行有效件数"},
			Rows: [][]string{
				{"规章", n(t.Regulations.Made), n(t.Regulations.Repealed), n(t.Regulations.Valid)},
				{"行政规范性文件", n(t.Normative.Made), n(t.Normative.Repealed), n(t.Normative.Valid)},
			}},
		{Title: "第二十条第（五）项", Headers: []string{"信息内容", "本年处理决定数量"},
			Rows: [][]string{{"行政许可", t.Permission.Value}}},
		{Title: "第二十条第（六）项", Headers: []string{"信息内容", "本年处理决定数量"},
			Rows: [][]string{{"行政处罚", t.Penalty.Value}, {"行政强制", t.Compulsion.Value}}},
		{Title: "第二十条第（八）项", Headers: []string{"信息内容", "本年收费金额（单位：万元）"},
			Rows: [][]string{{"行政事业性收费", t.Fee.Value}}},
	}
}

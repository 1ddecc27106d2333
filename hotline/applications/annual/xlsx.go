package annual

import (
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// Sheet names of the XLSX workbook.
const (
	SheetReport = "报告"
	SheetTable2 = "表二"
	SheetTable3 = "表三"
	SheetTable4 = "表四"
)

// xlsx is a workbook being written, with its two cell styles.
type xlsx struct {
	f            *excelize.File
	label, count int
	err          error
}

// RenderXLSX writes the report as a workbook: the text (sheet 报告) and
// tables 二, 三 and 四 on sheets of their own with the form's merged
// header and label cells (table 三: A1:C3 the note, D1:J1 申请人情况,
// D2:D3 自然人, E2:I2 法人或其他组织, J2:J3 总计).
func RenderXLSX(w io.Writer, r *Report) error {
	x := &xlsx{f: excelize.NewFile()}
	defer x.f.Close()
	x.styles()
	x.report(r)
	x.table2(r)
	x.table3(r)
	x.table4(r)
	if x.err != nil {
		return fmt.Errorf("annual: render xlsx: %w", x.err)
	}
	x.f.SetActiveSheet(0)
	if _, err := x.f.WriteTo(w); err != nil {
		return fmt.Errorf("annual: write xlsx: %w", err)
	}
	return nil
}

func (x *xlsx) styles() {
	border := []excelize.Border{{Type: "left", Style: 1, Color: "000000"}, {Type: "right", Style: 1, Color: "000000"},
		{Type: "top", Style: 1, Color: "000000"}, {Type: "bottom", Style: 1, Color: "000000"}}
	font := &excelize.Font{Family: "SimSun", Size: 10}
	x.label, x.err = x.f.NewStyle(&excelize.Style{Border: border, Font: font,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if x.err == nil {
		x.count, x.err = x.f.NewStyle(&excelize.Style{Border: border, Font: font,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	}
}

// set writes a value into a cell (column col from 1, row from 1).
func (x *xlsx) set(sheet string, col, row int, v any, style int) {
	if x.err != nil {
		return
	}
	cell, err := excelize.CoordinatesToCellName(col, row)
	if err == nil {
		err = x.f.SetCellValue(sheet, cell, v)
	}
	if err == nil {
		err = x.f.SetCellStyle(sheet, cell, cell, style)
	}
	x.err = err
}

// merge merges the rectangle (c1, r1)–(c2, r2) and styles every cell in it
// (the borders of a merged cell are those of its cells).
func (x *xlsx) merge(sheet string, c1, r1, c2, r2 int, v any) {
	x.set(sheet, c1, r1, v, x.label)
	if x.err != nil {
		return
	}
	a, _ := excelize.CoordinatesToCellName(c1, r1)
	b, _ := excelize.CoordinatesToCellName(c2, r2)
	if x.err = x.f.SetCellStyle(sheet, a, b, x.label); x.err == nil && (c1 != c2 || r1 != r2) {
		x.err = x.f.MergeCell(sheet, a, b)
	}
}

func (x *xlsx) sheet(name string, widths map[string]float64) {
	if x.err != nil {
		return
	}
	if name == SheetReport {
		x.err = x.f.SetSheetName("Sheet1", name)
	} else {
		_, x.err = x.f.NewSheet(name)
	}
	for cols, w := range widths {
		if x.err == nil {
			x.err = x.f.SetColWidth(name, cols[:1], cols[len(cols)-1:], w)
		}
	}
}

// report writes the title, the prose and the notes, one paragraph a row.
func (x *xlsx) report(r *Report) {
	x.sheet(SheetReport, map[string]float64{"AA": 100})
	row := 1
	put := func(text string) {
		for _, p := range paragraphs(text) {
			if x.err == nil {
				x.err = x.f.SetCellValue(SheetReport, "A"+strconv.Itoa(row), p)
			}
			row++
		}
	}
	put(r.Title)
	put(r.Preamble)
	for i, h := range Headings {
		put(h)
		switch i {
		case 0:
			put(r.Overview.Text)
		case 1, 2, 3:
			put(fmt.Sprintf("（见工作表“表%s”）", []string{"二", "三", "四"}[i-1]))
		case 4:
			put(r.Problems.Text)
		case 5:
			put(r.Other.Text)
		}
	}
	for _, n := range r.Notes {
		put("注：" + n)
	}
}

// table2 writes the four blocks of table 二 one under the other.
func (x *xlsx) table2(r *Report) {
	x.sheet(SheetTable2, map[string]float64{"AA": 22, "BD": 26})
	row := 1
	for _, b := range Blocks2(&r.Active) {
		x.merge(SheetTable2, 1, row, len(b.Headers), row, b.Title)
		for i, h := range b.Headers {
			x.set(SheetTable2, i+1, row+1, h, x.label)
		}
		row += 2
		for _, cells := range b.Rows {
			x.set(SheetTable2, 1, row, cells[0], x.label)
			for i, v := range cells[1:] {
				x.set(SheetTable2, i+2, row, number(v), x.count)
			}
			row++
		}
		row++
	}
}

// number is a figure as Excel should store it: a number, or the text as
// it is when it is not one.
func number(v string) any {
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f
	}
	return v
}

// table3 writes table 三 from A1 with the form's merges.
func (x *xlsx) table3(r *Report) {
	const s = SheetTable3
	x.sheet(s, map[string]float64{"AA": 12, "BB": 14, "CC": 34, "DJ": 10})
	x.merge(s, 1, 1, 3, 3, Note3)
	x.merge(s, 4, 1, 10, 1, Applicants3)
	x.merge(s, 4, 2, 4, 3, Natural3)
	x.merge(s, 5, 2, 9, 2, Orgs3)
	x.merge(s, 10, 2, 10, 3, Total3)
	for i, c := range r.Requests.Columns[1:TotalCol3] {
		x.set(s, 5+i, 3, c, x.label)
	}
	for i, c := range Cells3(&r.Requests) {
		row := 4 + i
		if c.SectionSpan > 0 {
			x.merge(s, 1, row, 1, row+c.SectionSpan-1, Results3)
		}
		if c.GroupSpan > 0 {
			x.merge(s, 2, row, 2, row+c.GroupSpan-1, c.Group)
		}
		x.merge(s, 4-c.LabelCols, row, 3, row, c.Label)
		for col, n := range c.Counts {
			x.set(s, 4+col, row, n, x.count)
		}
	}
}

// table4 writes table 四: 行政复议 A1:E2, 行政诉讼 F1:O1 with its two kinds
// below, the outcomes in row 3 and the 15 numbers in row 4.
func (x *xlsx) table4(r *Report) {
	const s = SheetTable4
	x.sheet(s, map[string]float64{"AO": 9})
	x.merge(s, 1, 1, 5, 2, Review4)
	x.merge(s, 6, 1, 15, 1, Suit4)
	x.merge(s, 6, 2, 10, 2, SuitDirect4)
	x.merge(s, 11, 2, 15, 2, SuitAfter4)
	for g, group := range r.Appeals.Groups {
		for i, o := range Outcomes4 {
			x.set(s, 1+g*Columns4+i, 3, o, x.label)
			x.set(s, 1+g*Columns4+i, 4, group.Counts[i], x.count)
		}
	}
}

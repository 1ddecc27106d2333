package stats

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"
	"github.com/xuri/excelize/v2"
)

// Header is the lines above the tables, as the page shows them.
func (r *Report) Header() [][2]string {
	h := [][2]string{{"报表", r.Title}, {"统计周期", fmt.Sprintf("%s（%s 至 %s，含最后一天）", r.PeriodLabel, r.Period.First, r.Period.Last)}}
	if r.DepartmentName != "" {
		h = append(h, [2]string{"部门", r.DepartmentName})
	} else {
		h = append(h, [2]string{"范围", "全线"})
	}
	h = append(h, [2]string{"工作日历版本", r.CalendarVersion})
	for _, n := range r.CalendarNotes {
		h = append(h, [2]string{"工作日历", n})
	}
	if len(r.ClockVersions) > 0 {
		h = append(h, [2]string{"时限登记时的日历版本", strings.Join(r.ClockVersions, "；")})
	}
	h = append(h, [2]string{"生成时间", ts(r.GeneratedAt)})
	for _, n := range r.Notes {
		h = append(h, [2]string{"说明", n})
	}
	return h
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvWriter writes UTF-8 with a BOM and CRLF line ends, as Excel opens it.
type csvWriter struct {
	w *csv.Writer
}

func newCSV(w io.Writer) (*csvWriter, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvWriter{w: cw}, nil
}

func (c *csvWriter) row(cells ...string) {
	out := make([]string, len(cells))
	for i, s := range cells {
		out[i] = csvSafe(s)
	}
	c.w.Write(out)
}

func (c *csvWriter) flush() error {
	c.w.Flush()
	return c.w.Error()
}

// CellTexts returns the texts of a table's header and rows.
func (t *Table) CellTexts() [][]string {
	out := [][]string{t.Head}
	for _, r := range t.Rows {
		row := make([]string, len(r.Cells))
		for i, c := range r.Cells {
			row[i] = c.Text
		}
		out = append(out, row)
	}
	return out
}

// WriteCSV writes the report (or only the table named, when table is not
// ""): the header lines, then each table's title, note, head and rows.
func (r *Report) WriteCSV(w io.Writer, table string) error {
	c, err := newCSV(w)
	if err != nil {
		return err
	}
	if table == "" {
		for _, h := range r.Header() {
			c.row(h[0], h[1])
		}
		c.row()
	}
	for _, t := range r.Tables {
		if table != "" && t.ID != table {
			continue
		}
		c.row(t.Title)
		if t.Note != "" && table == "" {
			c.row(t.Note)
		}
		for _, cells := range t.CellTexts() {
			c.row(cells...)
		}
		if table == "" {
			c.row()
		}
	}
	return c.flush()
}

// WriteCSV writes the list: its title line, head and rows.
func (l *List) WriteCSV(w io.Writer) error {
	c, err := newCSV(w)
	if err != nil {
		return err
	}
	c.row(l.Title, fmt.Sprintf("共 %d 条", len(l.Rows)))
	c.row(l.Head...)
	for _, r := range l.Rows {
		c.row(r.Cells...)
	}
	return c.flush()
}

// xlsxValue writes whole numbers as numbers, everything else as the text
// shown.
func xlsxValue(c Cell) any {
	if c.Num {
		if n, err := strconv.Atoi(c.Text); err == nil {
			return n
		}
	}
	return c.Text
}

func cellName(col, row int) string {
	n, _ := excelize.CoordinatesToCellName(col, row)
	return n
}

// WriteXLSX writes the report on one sheet with the streaming writer.
func (r *Report) WriteXLSX(w io.Writer) error {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "统计报表"
	x.SetSheetName("Sheet1", sheet)
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	head, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"ECEEF1"}}})
	flag, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "A11B1B"}})
	sw.SetColWidth(1, 1, 28)
	sw.SetColWidth(2, 12, 16)
	row := 1
	put := func(style int, vals ...any) error {
		cells := make([]any, len(vals))
		for i, v := range vals {
			cells[i] = excelize.Cell{StyleID: style, Value: v}
		}
		err := sw.SetRow(cellName(1, row), cells)
		row++
		return err
	}
	for _, h := range r.Header() {
		if err := put(0, h[0], h[1]); err != nil {
			return err
		}
	}
	row++
	for _, t := range r.Tables {
		if err := put(bold, t.Title); err != nil {
			return err
		}
		if t.Note != "" {
			if err := put(0, t.Note); err != nil {
				return err
			}
		}
		hs := make([]any, len(t.Head))
		for i, h := range t.Head {
			hs[i] = h
		}
		if err := put(head, hs...); err != nil {
			return err
		}
		for _, tr := range t.Rows {
			vals := make([]any, len(tr.Cells))
			for i, c := range tr.Cells {
				vals[i] = xlsxValue(c)
			}
			style := 0
			if tr.Flag != "" {
				style = flag
			}
			if err := put(style, vals...); err != nil {
				return err
			}
		}
		row++
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return x.Write(w)
}

// WriteXLSX writes the list with the streaming writer (lists may be long).
func (l *List) WriteXLSX(w io.Writer) error {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "明细"
	x.SetSheetName("Sheet1", sheet)
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	sw.SetColWidth(1, len(l.Head), 18)
	row := 1
	put := func(vals []string) error {
		cells := make([]any, len(vals))
		for i, v := range vals {
			cells[i] = v
		}
		err := sw.SetRow(cellName(1, row), cells)
		row++
		return err
	}
	if err := put([]string{l.Title, fmt.Sprintf("共 %d 条", len(l.Rows))}); err != nil {
		return err
	}
	if err := put(l.Head); err != nil {
		return err
	}
	for _, r := range l.Rows {
		if err := put(r.Cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return x.Write(w)
}

// FontPath is where Debian's fonts-arphic-gbsn00lp puts AR PL SungtiL GB,
// the TrueType font of the PDF reports.
const FontPath = "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf"

// ErrNoFont means the PDF font is not installed.
var ErrNoFont = errors.New("stats: the PDF font is missing")

// LoadFont reads the PDF font from path (FontPath when "").
func LoadFont(path string) ([]byte, error) {
	if path == "" {
		path = FontPath
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s not found; install the Debian package fonts-arphic-gbsn00lp (make deps-run)", ErrNoFont, path)
	}
	if err != nil {
		return nil, fmt.Errorf("stats: read PDF font %s: %w", path, err)
	}
	return b, nil
}

// PDF page geometry in millimetres (A4 landscape).
const (
	pdfW, pdfH   = 297.0, 210.0
	pdfMargin    = 12.0
	pdfBodyW     = pdfW - 2*pdfMargin
	pdfBottom    = pdfH - 14.0
	pdfLine      = 4.6
	pdfFontSize  = 9.0
	pdfTitleSize = 15.0
)

// WritePDF writes the report as an A4 landscape PDF in the font given.
func (r *Report) WritePDF(w io.Writer, font []byte) error {
	p := fpdf.New("L", "mm", "A4", "")
	p.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	p.SetAutoPageBreak(false, 0)
	p.AddUTF8FontFromBytes("song", "", font)
	p.SetTitle(r.Title+" "+r.PeriodLabel, true)
	p.SetCreator("govhall", true)
	p.SetFooterFunc(func() {
		p.SetY(-10)
		p.SetFont("song", "", 8)
		p.CellFormat(0, 4, fmt.Sprintf("%s · %s · 第 %d 页", r.Title, r.PeriodLabel, p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	p.SetFont("song", "", pdfTitleSize)
	p.MultiCell(pdfBodyW, 8, r.Title+" · "+r.PeriodLabel, "", "C", false)
	p.SetFont("song", "", pdfFontSize)
	for _, h := range r.Header() {
		p.MultiCell(pdfBodyW, pdfLine, h[0]+"："+h[1], "", "L", false)
	}
	for _, t := range r.Tables {
		pdfTable(p, &t)
	}
	if err := p.Output(w); err != nil {
		return fmt.Errorf("stats: render pdf: %w", err)
	}
	return nil
}

// pdfTable draws a table with wrapped cells, its head repeated on each page.
func pdfTable(p *fpdf.Fpdf, t *Table) {
	rows := t.CellTexts()
	widths := pdfWidths(p, rows)
	need := func(h float64) {
		if p.GetY()+h > pdfBottom {
			p.AddPage()
		}
	}
	need(3 * pdfLine * 2)
	p.Ln(2)
	p.SetFont("song", "", 11)
	p.MultiCell(pdfBodyW, 6, t.Title, "", "L", false)
	p.SetFont("song", "", pdfFontSize)
	if t.Note != "" {
		p.MultiCell(pdfBodyW, pdfLine, t.Note, "", "L", false)
	}
	drawRow := func(cells []string, fill bool) {
		h := 0.0
		for i, c := range cells {
			if n := float64(len(p.SplitText(c, widths[i]-1.6))); n*pdfLine > h {
				h = n * pdfLine
			}
		}
		if h == 0 {
			h = pdfLine
		}
		h += 1.2
		if p.GetY()+h > pdfBottom {
			p.AddPage()
			if !fill {
				drawHead(p, rows[0], widths)
			}
		}
		x, y := pdfMargin, p.GetY()
		for i, c := range cells {
			if fill {
				p.SetFillColor(236, 238, 241)
			}
			p.Rect(x, y, widths[i], h, map[bool]string{true: "FD", false: "D"}[fill])
			p.SetXY(x+0.8, y+0.6)
			p.MultiCell(widths[i]-1.6, pdfLine, c, "", "L", false)
			x += widths[i]
		}
		p.SetXY(pdfMargin, y+h)
	}
	drawRow(rows[0], true)
	for _, r := range rows[1:] {
		for len(r) < len(widths) {
			r = append(r, "")
		}
		drawRow(r, false)
	}
}

func drawHead(p *fpdf.Fpdf, head []string, widths []float64) {
	x, y := pdfMargin, p.GetY()
	h := pdfLine + 1.2
	for i, c := range head {
		n := float64(len(p.SplitText(c, widths[i]-1.6)))
		if n*pdfLine+1.2 > h {
			h = n*pdfLine + 1.2
		}
	}
	for i, c := range head {
		p.SetFillColor(236, 238, 241)
		p.Rect(x, y, widths[i], h, "FD")
		p.SetXY(x+0.8, y+0.6)
		p.MultiCell(widths[i]-1.6, pdfLine, c, "", "L", false)
		x += widths[i]
	}
	p.SetXY(pdfMargin, y+h)
}

// pdfWidths shares the body width among the columns by their longest
// text, each at least 14 mm.
func pdfWidths(p *fpdf.Fpdf, rows [][]string) []float64 {
	n := len(rows[0])
	want := make([]float64, n)
	for _, r := range rows {
		for i := 0; i < n && i < len(r); i++ {
			if w := p.GetStringWidth(r[i]) + 3; w > want[i] {
				want[i] = w
			}
		}
	}
	total := 0.0
	for i := range want {
		if want[i] < 14 {
			want[i] = 14
		}
		if want[i] > 90 {
			want[i] = 90
		}
		total += want[i]
	}
	for i := range want {
		want[i] *= pdfBodyW / total
	}
	return want
}

// Bytes renders the report in a format: csv, xlsx or pdf (font needed).
func (r *Report) Bytes(format string, font []byte) ([]byte, error) {
	var b bytes.Buffer
	var err error
	switch format {
	case "csv":
		err = r.WriteCSV(&b, "")
	case "xlsx":
		err = r.WriteXLSX(&b)
	case "pdf":
		err = r.WritePDF(&b, font)
	default:
		return nil, fieldErr("format", "格式应为 csv、xlsx 或 pdf")
	}
	return b.Bytes(), err
}

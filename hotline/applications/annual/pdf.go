package annual

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/go-pdf/fpdf"
)

// FontPath is where Debian's fonts-arphic-gbsn00lp puts AR PL SungtiL GB, a
// TrueType font with every glyph of the form (“ ” （） … included; Droid
// Sans Fallback lacks the quotes and the ellipsis, and fpdf takes no .ttc
// collections such as Noto CJK).
const FontPath = "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf"

// ErrNoFont means the PDF font is not installed.
var ErrNoFont = errors.New("annual: the PDF font is missing")

// LoadFont reads the PDF font from path (FontPath when ""); a missing file
// is ErrNoFont with the package to install.
func LoadFont(path string) ([]byte, error) {
	if path == "" {
		path = FontPath
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s not found; install the Debian package fonts-arphic-gbsn00lp (apt-get install fonts-arphic-gbsn00lp, or make deps-run)", ErrNoFont, path)
	}
	if err != nil {
		return nil, fmt.Errorf("annual: read PDF font %s: %w", path, err)
	}
	return b, nil
}

// Page geometry in millimetres (A4 portrait).
const (
	pageW, pageH     = 210.0, 297.0
	marginX, marginY = 18.0, 20.0
	bodyW            = pageW - 2*marginX
	bottom           = pageH - 18.0
	pad              = 0.8
	mmPerPt          = 25.4 / 72
)

// pdfw draws a report on an fpdf document in one embedded font.
type pdfw struct {
	p *fpdf.Fpdf
}

// RenderPDF writes the report as an A4 PDF in the font given (the bytes of
// a TrueType file, see LoadFont), with the tables' merged cells drawn as
// in the form and long labels wrapped.
func RenderPDF(w io.Writer, r *Report, font []byte) error {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(marginX, marginY, marginX)
	p.SetAutoPageBreak(true, pageH-bottom)
	p.AddUTF8FontFromBytes("song", "", font)
	p.SetTitle(r.Title, true)
	p.SetCreator("govhall", true)
	p.SetFont("song", "", 12)
	d := &pdfw{p: p}
	p.SetFooterFunc(func() {
		p.SetY(-12)
		d.font(9)
		p.CellFormat(0, 5, fmt.Sprintf("— %d —", p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	d.document(r)
	if err := p.Output(w); err != nil {
		return fmt.Errorf("annual: render pdf: %w", err)
	}
	return nil
}

func (d *pdfw) font(size float64) { d.p.SetFont("song", "", size) }

func lineHeight(size float64) float64 { return size * mmPerPt * 1.45 }

func (d *pdfw) document(r *Report) {
	d.font(17)
	d.lines(d.wrap(r.Title, bodyW), 17, "C")
	d.p.Ln(3)
	d.prose(r.Preamble)
	d.heading(HeadingOverview)
	d.prose(r.Overview.Text)
	d.heading(HeadingActive)
	d.table2(&r.Active)
	heights, total := d.heights3(&r.Requests)
	d.room(total + lineHeight(13)*2 + 3) // the heading stays with its table
	d.heading(HeadingRequests)
	d.table3(&r.Requests, heights, total)
	d.heading(HeadingAppeals)
	d.table4(&r.Appeals)
	d.heading(HeadingProblems)
	d.prose(r.Problems.Text)
	d.heading(HeadingOther)
	d.prose(r.Other.Text)
	for _, n := range r.Notes {
		d.font(9)
		d.lines(d.wrap("注："+n, bodyW), 9, "L")
	}
}

func (d *pdfw) heading(text string) {
	d.p.Ln(2)
	d.room(lineHeight(13) * 3)
	d.font(13)
	d.lines([]string{text}, 13, "L")
	d.p.Ln(1)
}

// prose writes paragraphs indented by two characters.
func (d *pdfw) prose(text string) {
	d.font(12)
	for _, para := range paragraphs(text) {
		d.lines(d.wrap("\u3000\u3000"+para, bodyW), 12, "L")
	}
}

// lines writes lines at the left margin (page breaks are automatic).
func (d *pdfw) lines(ls []string, size float64, align string) {
	for _, l := range ls {
		d.p.SetX(marginX)
		d.p.CellFormat(bodyW, lineHeight(size), l, "", 1, align, false, 0, "")
	}
}

// closing marks may not begin a line (避头): they stay with the line
// before, even a little past its end.
const closing = "，。、；：？！）》」』”’…％,.;:?!)"

// wrap breaks text into lines no wider than width in the current font,
// at any character (Chinese needs no spaces). fpdf's own MultiCell and
// SplitText drop the character at a break between Chinese characters.
func (d *pdfw) wrap(text string, width float64) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		var line []rune
		for _, c := range para {
			if len(line) > 0 && d.p.GetStringWidth(string(append(line, c))) > width && !strings.ContainsRune(closing, c) {
				out = append(out, string(line))
				line = line[:0]
			}
			line = append(line, c)
		}
		out = append(out, string(line))
	}
	return out
}

// room starts a new page unless h millimetres are left on this one.
func (d *pdfw) room(h float64) {
	if d.p.GetY()+h > bottom {
		d.p.AddPage()
	}
}

// box draws a bordered cell with its text wrapped and centred in it.
func (d *pdfw) box(x, y, w, h float64, text string, size float64, align string) {
	d.p.Rect(x, y, w, h, "D")
	d.font(size)
	ls := d.wrap(text, w-2*pad)
	lh := lineHeight(size) * 0.85
	top := y + (h-lh*float64(len(ls)))/2
	for i, l := range ls {
		d.p.SetXY(x+pad, top+lh*float64(i))
		d.p.CellFormat(w-2*pad, lh, l, "", 0, align, false, 0, "")
	}
}

// boxHeight is the height a box of width w needs for text.
func (d *pdfw) boxHeight(text string, w, size float64) float64 {
	d.font(size)
	return float64(len(d.wrap(text, w-2*pad)))*lineHeight(size)*0.85 + 2*pad
}

// grid draws a table of rows without merged cells at the current line.
func (d *pdfw) grid(widths []float64, rows [][]string, size float64) {
	for _, row := range rows {
		h := 7.0
		for i, c := range row {
			h = max(h, d.boxHeight(c, widths[i], size))
		}
		d.room(h)
		x, y := marginX, d.p.GetY()
		for i, c := range row {
			align := "C"
			d.box(x, y, widths[i], h, c, size, align)
			x += widths[i]
		}
		d.p.SetXY(marginX, y+h)
	}
}

// table2 draws the four blocks of table 二.
func (d *pdfw) table2(t *Table2) {
	d.p.SetAutoPageBreak(false, 0)
	defer d.p.SetAutoPageBreak(true, pageH-bottom)
	for _, b := range Blocks2(t) {
		widths := []float64{bodyW / 2, bodyW / 2}
		if len(b.Headers) == 4 {
			widths = []float64{bodyW - 3*38, 38, 38, 38}
		}
		d.room(7 * float64(len(b.Rows)+2))
		y := d.p.GetY()
		d.box(marginX, y, bodyW, 7, b.Title, 10, "C")
		d.p.SetXY(marginX, y+7)
		d.grid(widths, append([][]string{b.Headers}, b.Rows...), 10)
		d.p.Ln(2)
	}
}

// Column widths of table 三: the three label columns, then the seven
// numbers.
var widths3 = []float64{16, 24, 43}

const numW3 = (bodyW - 83) / Columns3

// heights3 returns the heights of table 三's rows and of the whole table
// with its header.
func (d *pdfw) heights3(t *Table3) ([]float64, float64) {
	cells := Cells3(t)
	heights := make([]float64, len(cells))
	total := 28.0
	for i, c := range cells {
		w := widths3[2]
		if c.LabelCols > 1 {
			w += widths3[1]
		}
		if c.LabelCols > 2 {
			w += widths3[0]
		}
		heights[i] = max(6.5, d.boxHeight(c.Label, w, 8.5))
		total += heights[i]
	}
	return heights, total
}

// table3 draws table 三 on one page with the form's merges.
func (d *pdfw) table3(t *Table3, heights []float64, total float64) {
	d.p.SetAutoPageBreak(false, 0)
	defer d.p.SetAutoPageBreak(true, pageH-bottom)
	cells := Cells3(t)
	d.room(total)
	x0, y := marginX, d.p.GetY()
	labelW := widths3[0] + widths3[1] + widths3[2]
	nx := func(col int) float64 { return x0 + labelW + float64(col)*numW3 }
	d.box(x0, y, labelW, 28, Note3, 9, "C")
	d.box(nx(0), y, numW3*Columns3, 8, Applicants3, 9, "C")
	d.box(nx(0), y+8, numW3, 20, Natural3, 8.5, "C")
	d.box(nx(1), y+8, numW3*5, 8, Orgs3, 9, "C")
	d.box(nx(TotalCol3), y+8, numW3, 20, Total3, 8.5, "C")
	for i, c := range t.Columns[1:TotalCol3] {
		d.box(nx(1+i), y+16, numW3, 12, c, 8.5, "C")
	}
	y += 28
	for i, c := range cells {
		if c.SectionSpan > 0 {
			d.box(x0, y, widths3[0], sum(heights[i:i+c.SectionSpan]), Results3, 9, "C")
		}
		if c.GroupSpan > 0 {
			d.box(x0+widths3[0], y, widths3[1], sum(heights[i:i+c.GroupSpan]), c.Group, 8.5, "C")
		}
		w := labelW
		for k := 0; k < 3-c.LabelCols; k++ {
			w -= widths3[k]
		}
		d.box(x0+labelW-w, y, w, heights[i], c.Label, 8.5, "L")
		for col, n := range c.Counts {
			d.box(nx(col), y, numW3, heights[i], fmt.Sprint(n), 9, "C")
		}
		y += heights[i]
	}
	d.p.SetXY(marginX, y+2)
}

func sum(hs []float64) float64 {
	t := 0.0
	for _, h := range hs {
		t += h
	}
	return t
}

// table4 draws table 四: 15 columns under their two header rows.
func (d *pdfw) table4(t *Table4) {
	d.p.SetAutoPageBreak(false, 0)
	defer d.p.SetAutoPageBreak(true, pageH-bottom)
	w := bodyW / 15
	d.room(8 + 8 + 12 + 8)
	x, y := marginX, d.p.GetY()
	d.box(x, y, 5*w, 16, Review4, 10, "C")
	d.box(x+5*w, y, 10*w, 8, Suit4, 10, "C")
	d.box(x+5*w, y+8, 5*w, 8, SuitDirect4, 9, "C")
	d.box(x+10*w, y+8, 5*w, 8, SuitAfter4, 9, "C")
	for g, group := range t.Groups {
		for i, o := range Outcomes4 {
			cx := x + float64(g*Columns4+i)*w
			d.box(cx, y+16, w, 12, o, 8, "C")
			d.box(cx, y+28, w, 8, fmt.Sprint(group.Counts[i]), 9, "C")
		}
	}
	d.p.SetXY(marginX, y+38)
}

package printjob

import "fmt"

// slipJob lays one slip out on paper.
type slipJob struct {
	p     Profile
	w     escpos
	cs    *charset
	paint *painter
}

// style of a printed line.
type style struct {
	center bool
	bold   bool
}

// Line budgets per field: a slip stays a slip even for absurd input.
const (
	titleLines  = 6
	fieldLines  = 3
	footerLines = 2
)

func (j *slipJob) header(s Slip) {
	j.para("", "政府信息公开 · 文件查阅凭条", style{center: true, bold: true}, 1)
	j.rule()
	j.para("", trimmed(s.Title), style{bold: true}, titleLines)
}

func (j *slipJob) fields(s Slip) {
	j.para("文号：", trimmed(s.DocNumber), style{}, fieldLines)
	j.para("索引号：", trimmed(s.IndexNo), style{}, fieldLines)
	j.para("发布机构：", trimmed(s.Agency), style{}, fieldLines)
	if !s.PublishedAt.IsZero() {
		j.para("发布日期：", chineseDate(s.PublishedAt), style{}, 1)
	}
}

// validity prints 有效性 as of the print date and, for a document no longer
// in force, what replaced it.
func (j *slipJob) validity(s Slip) {
	asOf := chineseDate(chinaTime(s.PrintedAt))
	inForce := s.Validity == ValidityInForce
	j.para("有效性：", s.Validity+"（截至"+asOf+"）", style{bold: !inForce}, fieldLines)
	if inForce {
		return
	}
	label := "替代文件："
	if s.Validity == ValidityAmended {
		label = "修订后文件："
	}
	if t := trimmed(s.ReplacedByTitle); t != "" {
		j.para(label, "《"+t+"》"+trimmed(s.ReplacedByDocNumber), style{}, titleLines)
	} else {
		j.para(label, trimmed(s.ReplacedByDocNumber), style{}, fieldLines)
	}
	if s.ReplacedByURL != "" {
		j.para("", s.ReplacedByURL, style{}, fieldLines)
	}
}

func (j *slipJob) footer(s Slip) {
	j.para("", s.URL, style{center: true}, fieldLines)
	j.rule()
	j.para("打印时间：", chinaTime(s.PrintedAt).Format("2006-01-02 15:04"), style{}, 1)
	j.para("打印地点：", trimmed(s.Place), style{}, footerLines)
	j.para("", "本凭条仅供查阅参考，内容以正式公布的文件为准。", style{}, footerLines)
}

// rule prints a dashed line across the paper.
func (j *slipJob) rule() {
	rs := make([]rune, j.p.Columns())
	for i := range rs {
		rs[i] = '-'
	}
	j.line(rs, style{})
}

// para prints label and value wrapped to the paper, continuation lines
// indented under the value, cut to maxLines with an ellipsis. An empty value
// prints nothing.
func (j *slipJob) para(label, value string, st style, maxLines int) {
	v := cleanText(value)
	if len(v) == 0 {
		return
	}
	l := cleanText(label)
	cols := j.p.Columns()
	indent := textCols(l)
	if indent > cols/2 {
		indent = 0
	}
	lines := wrap(append(l, v...), cols, cols-indent)
	lines = limitLines(lines, maxLines, cols-indent)
	for i, rs := range lines {
		if i > 0 && indent > 0 {
			rs = append(spaces(indent), rs...)
		}
		j.line(rs, st)
	}
}

// limitLines keeps at most n lines, ending the last kept one with "…".
func limitLines(lines [][]rune, n, width int) [][]rune {
	if len(lines) <= n {
		return lines
	}
	lines = lines[:n]
	last := lines[n-1]
	for len(last) > 0 && textCols(last)+runeCols('…') > width {
		last = last[:len(last)-1]
	}
	lines[n-1] = append(last[:len(last):len(last)], '…')
	return lines
}

func spaces(n int) []rune {
	rs := make([]rune, n)
	for i := range rs {
		rs[i] = ' '
	}
	return rs
}

// line prints one laid-out line: as text when the printer's font has every
// character, else as a raster image of the whole line.
func (j *slipJob) line(rs []rune, st style) {
	if j.cs.native(rs) {
		j.w.align(st.center)
		j.w.emphasis(st.bold)
		for _, r := range rs {
			b, _ := j.cs.encode(r)
			j.w.b.Write(b)
		}
		j.w.b.WriteByte(lf)
		return
	}
	bm := newBitmap(j.p.WidthDots, j.p.LineDots)
	x := 0
	if st.center {
		x = (j.p.WidthDots - textCols(rs)*cellDots) / 2
	}
	for _, r := range rs {
		cw := runeCols(r) * cellDots
		j.paint.draw(bm, x, 0, r, cw)
		x += cw
	}
	if st.bold {
		bm.embolden()
	}
	j.w.raster(bm, j.p.RasterBandRows)
}

// qr prints the QR code of url, centred, natively or as raster as the
// profile says, with at least the 4-module quiet zone around it.
func (j *slipJob) qr(url string) error {
	j.para("", "手机扫码查看全文", style{center: true}, 1)
	return j.qrCode(url)
}

// qrCode prints the QR code of url without a caption.
func (j *slipJob) qrCode(url string) error {
	level, levelByte := qrLevels(j.p.QRLevel)
	mods, err := qrModules(url, level)
	if err != nil {
		return err
	}
	n := len(mods)
	size := min(j.p.QRModuleDots, j.p.WidthDots/n)
	if size < 1 || (size < 3 && size < j.p.QRModuleDots) {
		return fmt.Errorf("%w: %d modules at %d dots each on %d dots of paper; use a shorter URL",
			ErrQRTooLarge, n, j.p.QRModuleDots, j.p.WidthDots)
	}
	if j.p.NativeQR {
		// GS ( k draws no quiet zone of its own: feed it above and below.
		j.w.align(true)
		j.w.feedDots(quietZone * size)
		j.w.nativeQR(url, size, levelByte)
		j.w.feedDots(quietZone * size)
		return nil
	}
	bm := newBitmap(j.p.WidthDots, n*size)
	x0 := (j.p.WidthDots - n*size) / 2
	for y, row := range mods {
		for x, dark := range row {
			if dark {
				bm.fillRect(x0+x*size, y*size, size, size)
			}
		}
	}
	j.w.raster(bm, j.p.RasterBandRows)
	return nil
}

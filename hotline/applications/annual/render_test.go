package annual_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/govhall/govhall/hotline/applications/annual"
)

// TestXLSXHasTheFormsMergesAndLabels reads the workbook back: table 三's
// merged header and label cells, its labels and figures; table 四's
// header; table 二's blocks.
func TestXLSXHasTheFormsMergesAndLabels(t *testing.T) {
	w := newWorld(t)
	r := compute(t, w, 2025, "")
	var buf bytes.Buffer
	if err := annual.RenderXLSX(&buf, r); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{annual.SheetReport, annual.SheetTable2, annual.SheetTable3, annual.SheetTable4}) {
		t.Errorf("sheets = %q", got)
	}
	merges := func(sheet string) map[string]string {
		ms, err := f.GetMergeCells(sheet)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, m := range ms {
			out[m.GetStartAxis()+":"+m.GetEndAxis()] = m.GetCellValue()
		}
		return out
	}
	m3 := merges(annual.SheetTable3)
	for rng, want := range map[string]string{
		"A1:C3": annual.Note3, "D1:J1": "申请人情况", "D2:D3": "自然人", "E2:I2": "法人或其他组织", "J2:J3": "总计",
		"A4:C4": "一、本年新收政府信息公开申请数量", "A5:C5": "二、上年结转政府信息公开申请数量",
		"A6:A27": "三、本年度办理结果", "B6:C6": "（一）予以公开", "B7:C7": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
		"B8:B15": "（三）不予公开", "B16:B18": "（四）无法提供", "B19:B23": "（五）不予处理", "B24:B26": "（六）其他处理",
		"B27:C27": "（七）总计", "A28:C28": "四、结转下年度继续办理",
	} {
		if got, ok := m3[rng]; !ok || got != want {
			t.Errorf("表三 %s merged %v with %q, want %q", rng, ok, got, want)
		}
	}
	if len(m3) != 16 {
		t.Errorf("表三 has %d merged ranges, want 16: %v", len(m3), m3)
	}
	cells := map[string]string{"E3": "商业企业", "F3": "科研机构", "G3": "社会公益组织", "H3": "法律服务机构", "I3": "其他",
		"C10": "3.危及“三安全一稳定”", "C24": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
		"D4": "31", "J4": "47", "D5": "3", "J27": "47", "E8": "0", "J28": "4"}
	for cell, want := range cells {
		if got, _ := f.GetCellValue(annual.SheetTable3, cell); got != want {
			t.Errorf("表三 %s = %q, want %q", cell, got, want)
		}
	}
	m4 := merges(annual.SheetTable4)
	for rng, want := range map[string]string{"A1:E2": "行政复议", "F1:O1": "行政诉讼", "F2:J2": "未经复议直接起诉", "K2:O2": "复议后起诉"} {
		if m4[rng] != want {
			t.Errorf("表四 %s = %q, want %q", rng, m4[rng], want)
		}
	}
	row3, _ := f.GetRows(annual.SheetTable4)
	if got := strings.Join(row3[2], " "); got != strings.Repeat("结果维持 结果纠正 其他结果 尚未审结 总计 ", 3)[:len(got)] || len(row3[2]) != 15 {
		t.Errorf("表四 row 3 = %q", row3[2])
	}
	if got := strings.Join(row3[3], " "); got != "1 1 0 1 3 0 0 1 1 2 1 0 0 0 1" {
		t.Errorf("表四 figures = %q", got)
	}
	rows2, _ := f.GetRows(annual.SheetTable2)
	if rows2[0][0] != "第二十条第（一）项" || strings.Join(rows2[1], "|") != "信息内容|本年制发件数|本年废止件数|现行有效件数" || rows2[2][0] != "规章" {
		t.Errorf("表二 begins %q", rows2[:3])
	}
}

// pdfText renders the report as PDF and returns its text as pdftotext
// (poppler-utils, a test package of the Makefile) extracts it.
func pdfText(t *testing.T, r *annual.Report) (string, []byte) {
	t.Helper()
	font, err := annual.LoadFont("")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := annual.RenderPDF(&buf, r, font); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (make test installs poppler-utils): %v", err)
	}
	return string(out), buf.Bytes()
}

// TestPDFHasEveryGlyphOfTheForm: the PDF's text holds the labels with
// their full-width parentheses and curly quotes, nothing lost at line
// breaks, and the font is embedded as a subset.
func TestPDFHasEveryGlyphOfTheForm(t *testing.T) {
	w := newWorld(t)
	if err := w.store.SaveText(t.Context(), staffer, 2025, "", annual.SectionProblems, "一是政策解读形式较单一……二是查询终端适老化功能有待完善。"); err != nil {
		t.Fatal(err)
	}
	r := compute(t, w, 2025, "")
	text, raw := pdfText(t, r)
	flat := strings.Join(strings.Fields(text), "")
	for _, want := range []string{"危及“三安全一稳定”", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
		"申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "沂源县人民政府2025年政府信息公开工作年度报告",
		"一、总体情况", "六、其他需要报告的事项", "本年度共收取信息处理费50.00元（1件申请）。", "第二十条第（八）项",
		"本年收费金额（单位：万元）", "一是政策解读形式较单一……二是查询终端适老化功能有待完善。", "复议后起诉"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	if !strings.Contains(text, "3.危及“三安全一稳定”") {
		t.Errorf("the label 3.危及“三安全一稳定” is not on one line:\n%s", text)
	}
	if len(raw) > 400<<10 {
		t.Errorf("the PDF is %d KiB: the font is not subset", len(raw)>>10)
	}
}

// TestHTMLHasTheFormsTables: one page with the six headings and the
// tables' merged cells, ready to print on A4.
func TestHTMLHasTheFormsTables(t *testing.T) {
	w := newWorld(t)
	r := compute(t, w, 2025, "mzj")
	var buf bytes.Buffer
	if err := annual.RenderHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range append(annual.Headings, "@page { size: A4", "<h1>沂源县民政局2025年政府信息公开工作年度报告</h1>",
		`<th colspan="3" rowspan="3" class="note">`+annual.Note3, `<th rowspan="22" class="label" scope="rowgroup">三、本年度办理结果</th>`,
		`<th rowspan="8" class="label" scope="rowgroup">（三）不予公开</th>`, "3.危及“三安全一稳定”",
		`<td data-row="total" data-col="total">30</td>`, `<th colspan="5" rowspan="2" scope="colgroup">行政复议</th>`,
		"本年度未收取信息处理费。") {
		if !strings.Contains(page, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
}

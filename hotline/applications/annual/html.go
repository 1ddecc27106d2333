package annual

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
)

//go:embed templates/report.html
var templateFiles embed.FS

var templates = template.Must(template.New("report").Funcs(template.FuncMap{
	"paragraphs": paragraphs,
	"blocks2":    func(t Table2) []Block2 { return Blocks2(&t) },
	"cells3":     func(t Table3) []Cell3 { return Cells3(&t) },
	"column":     func(i int) string { return ColumnCodes[i] },
	"outcomes4":  func() []string { return Outcomes4 },
	"note3":      func() string { return Note3 },
}).ParseFS(templateFiles, "templates/report.html"))

// paragraphs splits prose into its non-empty lines.
func paragraphs(text string) []string {
	var ps []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			ps = append(ps, l)
		}
	}
	return ps
}

// RenderHTML writes the report as one print-ready HTML page (A4, the
// tables with the form's merged cells).
func RenderHTML(w io.Writer, r *Report) error {
	if err := templates.ExecuteTemplate(w, "document", r); err != nil {
		return fmt.Errorf("annual: render html: %w", err)
	}
	return nil
}

// TableHTML returns table 二, 三 or 四 (n = 2, 3, 4) of a report as an HTML
// table, the same markup the page of RenderHTML holds; cells of table 三
// carry data-row and data-col (a Row code, a ColumnCodes entry), those of
// table 四 data-kind and data-outcome.
func TableHTML(r *Report, n int) (template.HTML, error) {
	if n < 2 || n > 4 {
		return "", fmt.Errorf("annual: no table %d", n)
	}
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, fmt.Sprintf("table%d", n), r); err != nil {
		return "", fmt.Errorf("annual: render table %d: %w", n, err)
	}
	return template.HTML(b.String()), nil
}

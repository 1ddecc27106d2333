package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/govhall/govhall/hotline/applications/annual"
)

const reportUsage = `usage: govhall report annual YEAR [--department CODE] [--format html|xlsx|pdf] [--out FILE]

  YEAR          the year reported on (1 January to 31 December, Asia/Shanghai)
  --department  the department's code (e.g. mzj); without it, the whole county
  --format      html (default, print-ready A4), xlsx (the tables with the
                form's merged cells) or pdf (needs fonts-arphic-gbsn00lp)
  --out         the file to write; without it, standard output
  --font        the TrueType font of the PDF (default: Debian's gbsn00lp.ttf)

Writes the 政府信息公开工作年度报告 in the national format of 国办公开办函〔2021〕30号
and prints any failing consistency check or missing entry on stderr. A report
whose checks fail is still written (to find the error), never published.
`

// reportArgs is the parsed command line of `report annual`.
type reportArgs struct {
	year               int
	department, format string
	out, font          string
	help               bool
	positional         []string
}

// parseReportArgs reads flags and positional arguments in any order.
func parseReportArgs(args []string, stderr io.Writer) (reportArgs, error) {
	var a reportArgs
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&a.department, "department", "", "department code")
	fs.StringVar(&a.format, "format", "html", "html, xlsx or pdf")
	fs.StringVar(&a.out, "out", "", "output file")
	fs.StringVar(&a.font, "font", "", "TrueType font of the PDF")
	fs.BoolVar(&a.help, "help", false, "show this help")
	fs.Usage = func() {}
	for {
		if err := fs.Parse(args); err != nil {
			return a, fmt.Errorf("%w: report: %v", errUsage, err)
		}
		if fs.NArg() == 0 {
			break
		}
		a.positional = append(a.positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if a.help {
		return a, nil
	}
	if len(a.positional) != 2 || a.positional[0] != "annual" {
		return a, fmt.Errorf("%w: report needs: annual YEAR", errUsage)
	}
	y, err := strconv.Atoi(a.positional[1])
	if err != nil || y < annual.MinYear || y > annual.MaxYear {
		return a, fmt.Errorf("%w: report annual: YEAR %q is not a year between %d and %d", errUsage, a.positional[1], annual.MinYear, annual.MaxYear)
	}
	a.year = y
	switch a.format {
	case "html", "xlsx", "pdf":
	default:
		return a, fmt.Errorf("%w: report annual: --format %q is not html, xlsx or pdf", errUsage, a.format)
	}
	return a, nil
}

// report is `govhall report annual YEAR [--department CODE] [--format F] [--out FILE]`.
func (p *program) report(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "hotline" { // report_hotline.go
		return p.reportHotline(ctx, args[1:])
	}
	a, err := parseReportArgs(args, p.stderr)
	if a.help {
		fmt.Fprint(p.stdout, reportUsage)
		return nil
	}
	if err != nil {
		return err
	}
	var font []byte
	if a.format == "pdf" {
		if font, err = annual.LoadFont(a.font); err != nil {
			return err
		}
	}
	db, closeDB, err := p.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	r, err := annual.NewStore(db).Compute(ctx, a.year, a.department)
	if err != nil {
		return fmt.Errorf("report annual %d: %w", a.year, err)
	}
	var buf bytes.Buffer
	switch a.format {
	case "xlsx":
		err = annual.RenderXLSX(&buf, r)
	case "pdf":
		err = annual.RenderPDF(&buf, r, font)
	default:
		err = annual.RenderHTML(&buf, r)
	}
	if err != nil {
		return err
	}
	if err := p.writeReport(a.out, buf.Bytes()); err != nil {
		return err
	}
	p.reportProblems(r)
	return nil
}

func (p *program) writeReport(path string, b []byte) error {
	if path == "" {
		_, err := p.stdout.Write(b)
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("report annual: %w", err)
	}
	return nil
}

// reportProblems prints the failing checks, the warnings and the notes of
// a report on stderr.
func (p *program) reportProblems(r *annual.Report) {
	for _, c := range r.Failed() {
		fmt.Fprintf(p.stderr, "check failed: %s: %s\n", c.Name, c.Detail)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(p.stderr, "warning: %s\n", w)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(p.stderr, "note: %s\n", n)
	}
}

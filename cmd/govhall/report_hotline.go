package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/stats"
)

const reportHotlineUsage = `usage: govhall report hotline --from YYYY-MM-DD --to YYYY-MM-DD [--department CODE] [--format csv|xlsx|pdf] [--out FILE]

  --from, --to  the first and last day of the period (both included, Asia/Shanghai);
                a whole month or year is named as such
  --department  the department's code (e.g. mzj); without it, the whole line
  --format      csv (default: UTF-8 with BOM, CRLF, for Excel), xlsx or pdf
                (needs fonts-arphic-gbsn00lp)
  --out         the file to write; without it, standard output
  --font        the TrueType font of the PDF (default: Debian's gbsn00lp.ttf)

Writes the 96128 hotline and query statistics of the period: every
indicator with its formula, the daily 15-second rate (days under 95%
flagged), the weekly trend, calls per hour against operators staffed, the
departments' responsiveness league, breakdowns and the top questions.
`

// reportHotline is `govhall report hotline …`.
func (p *program) reportHotline(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("report hotline", flag.ContinueOnError)
	fs.SetOutput(p.stderr)
	from := fs.String("from", "", "first day")
	to := fs.String("to", "", "last day")
	dep := fs.String("department", "", "department code")
	format := fs.String("format", "csv", "csv, xlsx or pdf")
	out := fs.String("out", "", "output file")
	fontPath := fs.String("font", "", "TrueType font of the PDF")
	help := fs.Bool("help", false, "show this help")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: report hotline: %v", errUsage, err)
	}
	if *help {
		fmt.Fprint(p.stdout, reportHotlineUsage)
		return nil
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: report hotline: unexpected %q", errUsage, fs.Arg(0))
	}
	period, err := hotlinePeriod(*from, *to)
	if err != nil {
		return err
	}
	switch *format {
	case "csv", "xlsx", "pdf":
	default:
		return fmt.Errorf("%w: report hotline: --format %q is not csv, xlsx or pdf", errUsage, *format)
	}
	var font []byte
	if *format == "pdf" {
		if font, err = stats.LoadFont(*fontPath); err != nil {
			return err
		}
	}
	db, closeDB, err := p.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	svc, err := p.services(ctx, db)
	if err != nil {
		return err
	}
	dims := stats.MonthlyDims
	if *dep != "" {
		dims = stats.MonthlyDeptDims
	}
	r, err := stats.NewStore(db, svc.calendar, stats.Options{}).Compute(ctx, period, *dep, dims...)
	if err != nil {
		return fmt.Errorf("report hotline: %w", err)
	}
	b, err := r.Bytes(*format, font)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = bytes.NewReader(b).WriteTo(p.stdout)
		return err
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return fmt.Errorf("report hotline: %w", err)
	}
	fmt.Fprintf(p.stderr, "report hotline: %s, %s, calendar %s → %s\n", r.PeriodLabel, or(r.DepartmentName, "全线"), r.CalendarVersion, *out)
	return nil
}

// hotlinePeriod reads --from and --to; a whole month or year is named so.
func hotlinePeriod(from, to string) (stats.Period, error) {
	if from == "" || to == "" {
		return stats.Period{}, fmt.Errorf("%w: report hotline needs --from and --to", errUsage)
	}
	first, err := calendar.ParseDate(from)
	if err != nil {
		return stats.Period{}, fmt.Errorf("%w: report hotline: --from: %v", errUsage, err)
	}
	last, err := calendar.ParseDate(to)
	if err != nil {
		return stats.Period{}, fmt.Errorf("%w: report hotline: --to: %v", errUsage, err)
	}
	p, err := stats.ParsePeriod(stats.Custom, from, to, first.At(0))
	if err != nil {
		return stats.Period{}, fmt.Errorf("%w: report hotline: %v", errUsage, err)
	}
	for _, kind := range []string{stats.Month, stats.Quarter, stats.Year} {
		if q, _ := stats.PeriodOf(kind, first); q.First == first && q.Last == last {
			return q, nil
		}
	}
	return p, nil
}

// runHotlineReports keeps the monthly reports (月报) of the line and of
// every department once a month has ended: at start and then hourly, into
// hotline_reports and GOVHALL_DATA_DIR/reports/hotline/YYYY-MM/. Without
// the PDF font the reports are kept without their PDF.
func (p *program) runHotlineReports(ctx context.Context, svc *services) {
	font, err := stats.LoadFont("")
	if err != nil {
		p.log.Warn("monthly hotline reports without PDF", "err", err)
		font = nil
	}
	st := stats.NewStore(svc.db, svc.calendar, stats.Options{})
	dir := filepath.Join(p.cfg.DataDir, "reports", "hotline")
	keep := func(ctx context.Context) error {
		n, err := st.RunMonthly(ctx, font, dir)
		if n > 0 {
			p.log.Info("monthly hotline reports kept", "reports", n, "dir", dir)
		}
		return err
	}
	if err := keep(ctx); err != nil && ctx.Err() == nil {
		p.log.Warn("monthly hotline reports failed", "err", err)
	}
	p.every(ctx, time.Hour, "monthly hotline reports failed", keep)
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/govhall/govhall/kiosk"
)

// importFile is `govhall import [--batch N] [--skip-existing] FILE.jsonl`.
func (p *program) importFile(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(p.stderr)
	batch := fs.Int("batch", 1000, "lines per transaction")
	skip := fs.Bool("skip-existing", false, "skip lines whose 索引号 already exists (resume after a failed batch)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: import needs exactly one FILE.jsonl", errUsage)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("import: %w", err)
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
	return p.runImport(ctx, svc.catalog, f, st.Size(), *batch, *skip)
}

// importMemoryLimit is the heap an import aims to stay under (unless
// GOMEMLIMIT says otherwise): the segmentation dictionary takes about
// 130 MiB of it and the batches in flight about 60; without a limit the
// collector lets the heap grow to twice what is live.
const importMemoryLimit = 250 << 20

func (p *program) runImport(ctx context.Context, cat *kiosk.Store, r io.Reader, size int64, batch int, skip bool) error {
	if prev := debug.SetMemoryLimit(-1); prev == math.MaxInt64 {
		debug.SetMemoryLimit(importMemoryLimit)
		defer debug.SetMemoryLimit(prev)
	}
	bar := progressBar(p.stderr, size)
	start := time.Now()
	opts := kiosk.ImportOptions{BatchSize: batch, SkipExisting: skip, Progress: func(lines, read int64) {
		if bar != nil {
			bar.Set64(read)
		}
	}}
	res, err := cat.Import(ctx, kiosk.Actor{Username: "govhall import"}, r, opts)
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(p.stderr)
	}
	dur := time.Since(start)
	fmt.Fprintf(p.stdout, "imported %d documents (%d skipped, %d lines, %d batches) in %.1fs: %.0f documents/s, peak RSS %.0f MiB\n",
		res.Imported, res.Skipped, res.Lines, res.Batches, dur.Seconds(), float64(res.Imported)/dur.Seconds(), peakRSSMiB())
	var le *kiosk.LineError
	if errors.As(err, &le) && le.BatchStart == 0 {
		return fmt.Errorf("import done, but a link is missing: %v; add the document it names and rerun with --skip-existing", le)
	}
	if errors.As(err, &le) {
		return fmt.Errorf("import stopped: %v; fix the line and rerun with --skip-existing to continue", le)
	}
	return err
}

// progressBar returns a byte progress bar when w is a terminal, else nil.
func progressBar(w io.Writer, size int64) *progressbar.ProgressBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(size, progressbar.OptionSetWriter(w), progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription("importing"), progressbar.OptionThrottle(200*time.Millisecond))
}

// peakRSSMiB is the peak resident memory of this process so far.
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}

// Command benchsummary reads the `go test -bench` output that `make bench`
// leaves in bench-results/, holds its figures against the targets of issue
// #16 and writes a Markdown table of them (figure, measured, target, met?)
// headed by the date (UTC), the machine (CPU, cores, memory, OS, read from
// /proc and /etc/os-release where it runs) and the files it was made from
// with the time each was written, to DIR/summary.md and to stdout.
//
//	benchsummary [-dir bench-results] [-out FILE] [-readme README.md]
//
// With -readme it also replaces the block between the lines
// <!-- bench-summary:start --> and <!-- bench-summary:end --> of that file
// with the table. A figure whose file or benchmark is missing is "not
// measured"; a result line that cannot be read stops it with the file and
// line, before anything is written.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	err := run(os.Args[1:], time.Now(), "/", os.Stdout, os.Stderr)
	var usage usageError
	switch {
	case errors.Is(err, flag.ErrHelp), errors.As(err, &usage): // run printed the usage
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run is the whole program: now is the date the table is headed with,
// root is where /proc and /etc are read from ("/" but in tests). A command
// line it cannot understand is a usageError, printed with the usage to
// stderr. Bad input or a README without markers stops it before it writes.
func run(args []string, now time.Time, root string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("benchsummary", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dir := fl.String("dir", "bench-results", "directory of the go test -bench output files")
	out := fl.String("out", "", "where the table is written (default DIR/summary.md)")
	readme := fl.String("readme", "", "README whose bench-summary block is replaced by the table")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fl.NArg() > 0 {
		err := fmt.Errorf("unexpected arguments %q", fl.Args())
		fmt.Fprintln(stderr, err)
		fl.Usage()
		return usageError{err}
	}
	if *out == "" {
		*out = filepath.Join(*dir, "summary.md")
	}
	figs := figures()
	byFile, written, err := readResults(*dir, figs)
	if err != nil {
		return err
	}
	table := render(now, machine(root), *dir, figs, byFile, written)
	var text string
	if *readme != "" {
		if text, err = readmeWith(*readme, table); err != nil {
			return err
		}
	}
	if err := writeFile(*out, []byte(table)); err != nil {
		return err
	}
	if _, err := io.WriteString(stdout, table); err != nil {
		return fmt.Errorf("benchsummary: %w", err)
	}
	if *readme != "" {
		return writeFile(*readme, []byte(text))
	}
	return nil
}

// usageError is a command line that could not be understood; run has
// printed it with the usage (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return "benchsummary: " + e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// readResults parses the files the figures are read from, and tells when
// each was last written; a file that is not there is left out of both.
func readResults(dir string, figs []figure) (map[string][]result, map[string]time.Time, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, nil, fmt.Errorf("benchsummary: -dir %s is not a directory", dir)
	}
	byFile, written := map[string][]result{}, map[string]time.Time{}
	for _, name := range files(figs) {
		path := filepath.Join(dir, name)
		rs, err := parseFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		fi, err := os.Stat(path)
		if err != nil {
			return nil, nil, fmt.Errorf("benchsummary: %w", err)
		}
		byFile[name], written[name] = rs, fi.ModTime()
	}
	return byFile, written, nil
}

// files are the files the figures name, in order, each once.
func files(figs []figure) []string {
	var out []string
	for _, f := range figs {
		if f.file != "" && !contains(out, f.file) {
			out = append(out, f.file)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// readmeWith returns the README at path with table between its markers.
func readmeWith(path, table string) (string, error) {
	old, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("benchsummary: %w", err)
	}
	text, err := replaceBlock(string(old), table)
	if err != nil {
		return "", fmt.Errorf("%w (%s)", err, path)
	}
	return text, nil
}

// render writes the summary: date, machine and files (with the time each
// was written), a count, the table.
func render(now time.Time, mach, dir string, figs []figure, byFile map[string][]result, written map[string]time.Time) string {
	var found, missing []string
	for _, name := range files(figs) {
		if _, ok := byFile[name]; ok {
			found = append(found, fmt.Sprintf("%s (written %s)", name, utc(written[name])))
		} else {
			missing = append(missing, name)
		}
	}
	rows := evaluate(figs, byFile)
	count := map[state]int{}
	for _, r := range rows {
		count[r.state]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Summary of %s; machine: %s.\n", utc(now), mach)
	fmt.Fprintf(&b, "Made from %s/: %s", filepath.ToSlash(dir), list(found))
	if len(missing) > 0 {
		fmt.Fprintf(&b, "; not found: %s (their figures are not measured)", list(missing))
	}
	fmt.Fprintf(&b, ". Targets met: %d; not met: %d; not measured: %d.\n\n", count[met], count[notMet], count[notMeasured])
	b.WriteString("| figure | measured | target | met? |\n| --- | --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(r.what), cell(r.measured), cell(r.target), r.state)
	}
	return b.String()
}

func utc(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") + " UTC" }

func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// cell keeps a table cell from ending early at a "|".
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

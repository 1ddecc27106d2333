package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/govhall/govhall/kiosk/synth"
	"github.com/govhall/govhall/migrations/pgtest"
)

// benchDocs is the size of the generated catalog for the benchmarks.
const benchDocs = 100_000

var importLine = regexp.MustCompile(`imported (\d+) documents .* in ([\d.]+)s: (\d+) documents/s, peak RSS (\d+) MiB`)

// BenchmarkImport100k imports 100 000 generated documents (1–3 thousand
// characters of Chinese body each) with `govhall import` into a fresh
// database and reports documents per second and the process's peak RSS.
// Run with -benchtime=1x: one iteration is the whole import.
func BenchmarkImport100k(b *testing.B) {
	file := filepath.Join(b.TempDir(), "docs.jsonl")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := synth.WriteJSONL(f, 1, benchDocs); err != nil {
		b.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(file)
	for range b.N {
		url := pgtest.URL(b)
		if _, stderr, err := runCmd(b, url, "demo"); err != nil {
			b.Fatalf("demo: %v %s", err, stderr)
		}
		b.ResetTimer()
		out, stderr, err := runCmd(b, url, "import", file)
		b.StopTimer()
		if err != nil {
			b.Fatalf("import: %v\n%s", err, stderr)
		}
		m := importLine.FindStringSubmatch(out)
		if m == nil || m[1] != strconv.Itoa(benchDocs) {
			b.Fatalf("import output: %q", out)
		}
		rate, _ := strconv.ParseFloat(m[3], 64)
		rss, _ := strconv.ParseFloat(m[4], 64)
		b.ReportMetric(rate, "docs/s")
		b.ReportMetric(rss, "peakRSS-MiB")
		b.Logf("%s (file %.0f MiB)", out, float64(st.Size())/(1<<20))
	}
}

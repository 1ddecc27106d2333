package main

import (
	"strings"
	"testing"
)

// states writes the figures' states in order, one letter each: y met, n
// not met, - not measured.
func states(rows []row) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteByte(map[state]byte{met: 'y', notMet: 'n', notMeasured: '-'}[r.state])
	}
	return b.String()
}

// The figures in order: import rate, import RSS, tail p99, tail req/s, hot
// p99, heap per document, index load, vs Bleve hot, vs Bleve tail,
// relevance, set-up rate, concurrent calls, failed calls, RTP lost, relay
// jitter (never measured), relay allocations.
func TestFigures(t *testing.T) {
	tests := []struct {
		dir, want string
	}{
		{"testdata/met", "yyyyyyyyyyyyyy-y"},
		{"testdata/notmet", "nynnnnnnnnnnnn-n"},
		{"testdata/sample", "-------yyy------"},
		// import skipped, no index benchmark, the cps=200 result cut by
		// log lines (read: 201.3 calls/s), no concurrent runs, no micro.txt
		{"testdata/partial", "--yyy-----y-yy--"},
		{t.TempDir(), "----------------"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			byFile, _, err := readResults(tt.dir, figures())
			if err != nil {
				t.Fatal(err)
			}
			rows := evaluate(figures(), byFile)
			if got := states(rows); got != tt.want {
				t.Errorf("states %s, want %s", got, tt.want)
				for _, r := range rows {
					t.Logf("%-12s %s: %s", r.state, r.what, r.measured)
				}
			}
		})
	}
}

// Each figure's limit, just inside and just outside it.
func TestFigureLimits(t *testing.T) {
	importRate := figures()[0]
	tests := []struct {
		name, line string
		want       state
	}{
		{"at the limit", "BenchmarkImport100k-2 \t1\t1 ns/op\t5000 docs/s", met},
		{"just under", "BenchmarkImport100k-2 \t1\t1 ns/op\t4999 docs/s", notMet},
		{"other metric only", "BenchmarkImport100k-2 \t1\t1 ns/op\t263 peakRSS-MiB", notMeasured},
		{"other benchmark", "BenchmarkImport10k-2 \t1\t1 ns/op\t9000 docs/s", notMeasured},
		{"last of -count 2 wins", "BenchmarkImport100k-2 \t1\t1 ns/op\t6000 docs/s\nBenchmarkImport100k-2 \t1\t1 ns/op\t4000 docs/s", notMet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := parse(strings.NewReader(tt.line), "catalog.txt")
			if err != nil {
				t.Fatal(err)
			}
			rows := evaluate([]figure{importRate}, map[string][]result{catalogFile: rs})
			if rows[0].state != tt.want {
				t.Errorf("%s (%s), want %s", rows[0].state, rows[0].measured, tt.want)
			}
		})
	}
}

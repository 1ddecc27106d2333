package main

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    *result // nil: not a result line
		wantErr string
	}{
		{name: "benchmem", line: "BenchmarkRelayPacket-2   \t  553736\t      4469 ns/op\t       0 B/op\t       0 allocs/op",
			want: &result{name: "BenchmarkRelayPacket", iters: 553736,
				metrics: map[string]float64{"ns/op": 4469, "B/op": 0, "allocs/op": 0}}},
		{name: "custom metrics, sub-benchmark", line: "BenchmarkCallRate/cps=200-2 \t 1\t25123456789 ns/op\t 201.3 calls/s\t 0 failed",
			want: &result{name: "BenchmarkCallRate/cps=200", iters: 1,
				metrics: map[string]float64{"ns/op": 25123456789, "calls/s": 201.3, "failed": 0}}},
		{name: "GOMAXPROCS 1: no suffix", line: "BenchmarkDue \t 1000\t 1234 ns/op",
			want: &result{name: "BenchmarkDue", iters: 1000, metrics: map[string]float64{"ns/op": 1234}}},
		{name: "name alone, before its logs", line: "BenchmarkCompareSearch"},
		{name: "failed benchmark", line: "BenchmarkHTTPSearch-2 \t--- FAIL: BenchmarkHTTPSearch-2"},
		{name: "stderr after the name", line: "BenchmarkCallRate/cps=50-2 \ttime=2026-12-03T10:00:01Z level=WARN msg=x"},
		{name: "log line", line: "    compare_test.go:238: govhall  hot      5087.2       3.5      41.2    102017       0"},
		{name: "bench block", line: "--- BENCH: BenchmarkImport100k-2"},
		{name: "header", line: "pkg: github.com/govhall/govhall/cmd/govhall"},
		{name: "pass", line: "ok  \tgithub.com/govhall/govhall/cmd/govhall\t1714.842s"},
		{name: "cut after a value", line: "BenchmarkHTTPSearch-2 \t 1\t 95123456789 ns/op\t 1.900", wantErr: "value/unit pairs"},
		{name: "iterations only", line: "BenchmarkHTTPSearch-2 \t 1", wantErr: "value/unit pairs"},
		{name: "value not a number", line: "BenchmarkHTTPSearch-2 \t 1\t 95 ns/op\t 1,9 p99-ms", wantErr: `value "1,9" of "p99-ms"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := parseLine(tt.line)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ok != (tt.want != nil) {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tt.want != nil, got)
			}
			if tt.want != nil && (got.name != tt.want.name || got.iters != tt.want.iters || !maps.Equal(got.metrics, tt.want.metrics)) {
				t.Errorf("got %+v, want %+v", got, *tt.want)
			}
		})
	}
}

// Result lines cut by what a benchmark wrote to stderr while it ran.
func TestParseCut(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // name and iterations of each result
	}{
		{name: "cut by two log lines",
			text: "BenchmarkCallRate/cps=200-2 \ttime=T level=WARN msg=a\ntime=T level=WARN msg=b\n       1\t25 ns/op\t201.3 calls/s\n",
			want: []string{"BenchmarkCallRate/cps=200 1"}},
		{name: "next result complete",
			text: "BenchmarkA-2 \tmsg=a\nBenchmarkB-2 \t 3\t 5 ns/op\n       4\t25 ns/op\n",
			want: []string{"BenchmarkB 3"}},
		{name: "failed, log lines with numbers",
			text: "BenchmarkA-2 \t--- FAIL: BenchmarkA-2\n    a_test.go:9: 3 of 4\n12 calls 3\n",
			want: nil},
		{name: "pairs that do not read: not a continuation",
			text: "BenchmarkA-2 \tmsg=a\n       1\t25 ns/op\t 7\n",
			want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := parse(strings.NewReader(tt.text), "hotline.txt")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, fmt.Sprintf("%s %d", r.name, r.iters))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// The compare.txt of a real `make bench` run (2026-12-03), -v output with
// the engines' tables logged between the result lines.
func TestParseCompareSample(t *testing.T) {
	rs, err := parseFile("testdata/sample/compare.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].name != "BenchmarkCompareSearch" || rs[1].name != "BenchmarkCompareRelevance" {
		t.Fatalf("got %d results %+v, want BenchmarkCompareSearch and BenchmarkCompareRelevance", len(rs), rs)
	}
	if rs[0].line != 28 || rs[1].line != 70 {
		t.Errorf("lines %d, %d, want 28, 70", rs[0].line, rs[1].line)
	}
	want := map[string]float64{"govhall-hot-req/s": 5087, "bleve-hot-req/s": 18.09, "govhall-hot-p99-ms": 41.18,
		"bleve-tail-p99-ms": 6366, "pg_trgm-tail-req/s": 3.028, "ns/op": 1708361252836}
	for unit, v := range want {
		if got := rs[0].metrics[unit]; got != v {
			t.Errorf("%s = %v, want %v", unit, got, v)
		}
	}
	if len(rs[0].metrics) != 19 || len(rs[1].metrics) != 7 {
		t.Errorf("%d and %d metrics, want 19 and 7", len(rs[0].metrics), len(rs[1].metrics))
	}
}

func TestParseErrors(t *testing.T) {
	_, err := parseFile("testdata/malformed/catalog.txt")
	if err == nil || !strings.Contains(err.Error(), "testdata/malformed/catalog.txt:6: benchmark line") {
		t.Errorf("err = %v, want one naming testdata/malformed/catalog.txt:6", err)
	}
	if !errors.Is(err, errPairs) {
		t.Errorf("err = %v, want errPairs", err)
	}
	_, err = parseFile("testdata/nothere/catalog.txt")
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: err = %v", err)
	}
}

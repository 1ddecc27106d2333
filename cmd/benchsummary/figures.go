package main

import (
	"fmt"
	"strconv"
	"strings"
)

// The bench-results files the figures are read from, as `make bench`
// names them.
const (
	catalogFile = "catalog.txt" // ./cmd/govhall and ./kiosk/search
	compareFile = "compare.txt" // BenchmarkCompare* in ./cmd/govhall
	hotlineFile = "hotline.txt" // ./hotline: sipp load
	microFile   = "micro.txt"   // -benchmem of ./hotline/media and others
)

// state is whether a figure meets its target.
type state int

const (
	notMeasured state = iota // no result line reports it
	met
	notMet
)

// String is the word the table shows.
func (s state) String() string {
	switch s {
	case met:
		return "yes"
	case notMet:
		return "no"
	}
	return "not measured"
}

// figure is one target of issue #16 and how to read it from results.
type figure struct {
	what   string // the figure, with the benchmark and metric it comes from
	target string // as issue #16 states it
	file   string // the bench-results file; "" when no benchmark reports it
	// check returns the measured value as the table shows it and whether
	// it meets the target; found is false when the results lack it.
	check func(rs []result) (measured string, ok, found bool)
}

// row is a figure's line in the table.
type row struct {
	what, measured, target string
	state                  state
}

// evaluate checks every figure against the results read per file (a file
// missing from the map was not found: its figures are not measured).
func evaluate(figs []figure, byFile map[string][]result) []row {
	var rows []row
	for _, f := range figs {
		r := row{what: f.what, measured: "—", target: f.target}
		if rs, ok := byFile[f.file]; ok && f.check != nil {
			if m, ok, found := f.check(rs); found {
				r.measured, r.state = m, notMet
				if ok {
					r.state = met
				}
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// figures are the targets of issue #16 ("How to report"), each mapped to
// the benchmark metric that measures it.
func figures() []figure {
	return []figure{
		bound("import rate, 100 000 documents with search indexing (`BenchmarkImport100k` docs/s)", "≥ 5 000 documents/s",
			catalogFile, "BenchmarkImport100k", "docs/s", "documents/s", 5000, atLeast),
		bound("import peak RSS (`BenchmarkImport100k` peakRSS-MiB)", "≤ 300 MiB",
			catalogFile, "BenchmarkImport100k", "peakRSS-MiB", "MiB", 300, atMost),
		bound("long tail (cache misses) p99, 100 000 docs, 32 clients (`BenchmarkHTTPSearch` tail-p99-ms)", "≤ 30 ms",
			catalogFile, "BenchmarkHTTPSearch", "tail-p99-ms", "ms", 30, atMost),
		bound("long tail throughput, same run (`BenchmarkHTTPSearch` tail-req/s)", "≥ 1 500 req/s",
			catalogFile, "BenchmarkHTTPSearch", "tail-req/s", "req/s", 1500, atLeast),
		bound("hot mix p99, 100 000 docs, 32 clients (`BenchmarkHTTPSearch` search-p99-ms)", "≤ 10 ms",
			catalogFile, "BenchmarkHTTPSearch", "search-p99-ms", "ms", 10, atMost),
		bound("index memory per document (`BenchmarkIndexLoad` heap-B/doc)", "≤ 1.5 KiB (1 536 B)",
			catalogFile, "BenchmarkIndexLoad", "heap-B/doc", "B", 1536, atMost),
		indexLoad(),
		versusBleve("hot"),
		versusBleve("tail"),
		relevance(),
		setupRate(),
		concurrentCalls(),
		total("failed calls, all hotline runs (`BenchmarkCallRate`, `BenchmarkConcurrentCalls` failed)", "0", "failed"),
		total("RTP packets lost by the relay, all hotline runs (rtp_lost)", "0", "rtp_lost"),
		{what: "relay jitter p99 (no benchmark reports it)", target: "≤ 5 ms"},
		bound("allocations per RTP packet on the relay path (`BenchmarkRelayPacket` allocs/op)", "0",
			microFile, "BenchmarkRelayPacket", "allocs/op", "allocs/op", 0, atMost),
	}
}

func atLeast(v, limit float64) bool { return v >= limit }
func atMost(v, limit float64) bool  { return v <= limit }

// bound is a figure read from one metric of one benchmark, held against a
// limit by cmp.
func bound(what, target, file, bench, metric, unit string, limit float64, cmp func(v, limit float64) bool) figure {
	return figure{what: what, target: target, file: file, check: func(rs []result) (string, bool, bool) {
		v, found := value(rs, bench, metric)
		return num(v) + " " + unit, cmp(v, limit), found
	}}
}

// indexLoad is the load time of the in-memory index, with the number of
// documents it held (the target is for 100 000).
func indexLoad() figure {
	return figure{what: "index load (`BenchmarkIndexLoad` load-s, docs)", target: "≤ 5 s for 100 000 documents",
		file: catalogFile, check: func(rs []result) (string, bool, bool) {
			s, found := value(rs, "BenchmarkIndexLoad", "load-s")
			docs, _ := value(rs, "BenchmarkIndexLoad", "docs")
			return fmt.Sprintf("%s s (%s documents)", num(s), num(docs)), s <= 5, found
		}}
}

// versusBleve is govhall's throughput over Bleve's on one mix of
// BenchmarkCompareSearch, at a lower p99.
func versusBleve(mix string) figure {
	what := fmt.Sprintf("govhall vs Bleve, %s mix (`BenchmarkCompareSearch` *-%s-req/s, *-%[2]s-p99-ms)", mix, mix)
	return figure{what: what, target: "≥ 3× Bleve's req/s at a lower p99", file: compareFile,
		check: func(rs []result) (string, bool, bool) {
			const bench = "BenchmarkCompareSearch"
			g, ok1 := value(rs, bench, "govhall-"+mix+"-req/s")
			b, ok2 := value(rs, bench, "bleve-"+mix+"-req/s")
			gp, ok3 := value(rs, bench, "govhall-"+mix+"-p99-ms")
			bp, ok4 := value(rs, bench, "bleve-"+mix+"-p99-ms")
			m := fmt.Sprintf("%.1f× (%s vs %s req/s), p99 %s vs %s ms", g/b, num(g), num(b), num(gp), num(bp))
			return m, g >= 3*b && gp < bp, ok1 && ok2 && ok3 && ok4
		}}
}

// relevance compares the relevance fixtures' passes and mean reciprocal
// rank of govhall and Bleve (BenchmarkCompareRelevance).
func relevance() figure {
	return figure{what: "relevance on the fixtures (`BenchmarkCompareRelevance` *-pass, *-MRR)",
		target: "at least as good as Bleve's", file: compareFile,
		check: func(rs []result) (string, bool, bool) {
			const bench = "BenchmarkCompareRelevance"
			gp, ok1 := value(rs, bench, "govhall-pass")
			bp, ok2 := value(rs, bench, "bleve-pass")
			gm, ok3 := value(rs, bench, "govhall-MRR")
			bm, ok4 := value(rs, bench, "bleve-MRR")
			m := fmt.Sprintf("wanted document first: govhall %s, Bleve %s; MRR %s vs %s", num(gp), num(bp), num(gm), num(bm))
			return m, gp >= bp && gm >= bm, ok1 && ok2 && ok3 && ok4
		}}
}

// setupRate is the highest completed call rate of the BenchmarkCallRate
// runs (failures are their own figure).
func setupRate() figure {
	return figure{what: "hotline call set-up rate, best run (`BenchmarkCallRate` calls/s)", target: "≥ 200 calls/s",
		file: hotlineFile, check: func(rs []result) (string, bool, bool) {
			best, found := 0.0, false
			for _, r := range runs(rs, "BenchmarkCallRate") {
				if v, ok := r.metrics["calls/s"]; ok && (!found || v > best) {
					best, found = v, true
				}
			}
			return num(best) + " calls/s", best >= 200, found
		}}
}

// concurrentCalls is the highest peak of concurrent calls of the
// BenchmarkConcurrentCalls runs, every call of that run recorded.
func concurrentCalls() figure {
	return figure{what: "concurrent recorded calls, best run (`BenchmarkConcurrentCalls` peak_calls, not_recorded)",
		target: "≥ 1 000, all recorded", file: hotlineFile, check: func(rs []result) (string, bool, bool) {
			var best *result
			for _, r := range runs(rs, "BenchmarkConcurrentCalls") {
				if v, ok := r.metrics["peak_calls"]; ok && (best == nil || v > best.metrics["peak_calls"]) {
					best = &r
				}
			}
			if best == nil {
				return "", false, false
			}
			peak, lost := best.metrics["peak_calls"], best.metrics["not_recorded"]
			_, found := best.metrics["not_recorded"]
			return fmt.Sprintf("%s at once, %s not recorded", num(peak), num(lost)), peak >= 1000 && lost == 0, found
		}}
}

// total sums a metric over every run of the two hotline load benchmarks;
// the target is none at all.
func total(what, target, metric string) figure {
	return figure{what: what, target: target, file: hotlineFile, check: func(rs []result) (string, bool, bool) {
		sum, n := 0.0, 0
		for _, r := range append(runs(rs, "BenchmarkCallRate"), runs(rs, "BenchmarkConcurrentCalls")...) {
			if v, ok := r.metrics[metric]; ok {
				sum, n = sum+v, n+1
			}
		}
		return fmt.Sprintf("%s in %d runs", num(sum), n), sum == 0, n > 0
	}}
}

// value is metric of the last result of the benchmark named bench (the
// last, should go test -count have run it more than once).
func value(rs []result, bench, metric string) (float64, bool) {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].name == bench {
			v, ok := rs[i].metrics[metric]
			return v, ok
		}
	}
	return 0, false
}

// runs are the results of the benchmark named bench and of its
// sub-benchmarks (bench/…).
func runs(rs []result, bench string) []result {
	var out []result
	for _, r := range rs {
		if r.name == bench || strings.HasPrefix(r.name, bench+"/") {
			out = append(out, r)
		}
	}
	return out
}

// num writes v as go test printed it.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// result is one benchmark result line of `go test -bench` output.
type result struct {
	// name is the benchmark's name without the GOMAXPROCS suffix:
	// "BenchmarkCallRate/cps=200", not "BenchmarkCallRate/cps=200-2".
	name    string
	iters   int64
	metrics map[string]float64 // unit → value: "ns/op", "allocs/op", "docs/s", …
	line    int                // where it was read, for messages
}

// procsSuffix is the "-N" that go test appends to a benchmark's name when
// GOMAXPROCS is not 1.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// parseFile reads the benchmark results of one `go test -bench` output
// file. A file that does not exist gives os.ErrNotExist (wrapped); a
// result line that cannot be read gives an error naming the file and line.
func parseFile(path string) ([]result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("benchsummary: %w", err)
	}
	defer f.Close()
	return parse(f, path)
}

// parse reads result lines from r: a name starting with "Benchmark", the
// iteration count, then value and unit pairs. Every other line (go test's
// headers, b.Log output, PASS/ok, a name printed alone before its logs, a
// name followed by "--- FAIL") is skipped. A line that has a name and an
// iteration count but whose pairs do not read is an error naming file and
// line.
//
// go test prints a benchmark's name, runs it, then prints the rest of the
// line; what the benchmark writes to stderr meanwhile (the hotline's
// warnings) comes after the name, and the iteration count and pairs on a
// line of their own. Such a line is read as the result of the name cut
// last.
func parse(r io.Reader, file string) ([]result, error) {
	var out []result
	pending := "" // the name of a result line cut by other output
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		res, ok, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("benchsummary: %s:%d: %w", file, n, err)
		}
		if !ok && pending != "" {
			res, ok, _ = parseLine(pending + "\t" + line) // not a continuation if it does not read
		}
		switch {
		case ok:
			res.line, pending = n, ""
			out = append(out, res)
		case strings.HasPrefix(line, "Benchmark"):
			pending = strings.Fields(line)[0]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("benchsummary: read %s: %w", file, err)
	}
	return out, nil
}

// errPairs is returned for a result line whose fields after the iteration
// count are not value and unit pairs.
var errPairs = errors.New("benchmark line: the fields after the iteration count are not value/unit pairs")

// parseLine reads one line; ok is false for a line that is not a result.
func parseLine(line string) (res result, ok bool, err error) {
	if !strings.HasPrefix(line, "Benchmark") {
		return result{}, false, nil
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return result{}, false, nil
	}
	iters, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return result{}, false, nil // "--- FAIL: …" or a log line after the name
	}
	pairs := f[2:]
	if len(pairs) == 0 || len(pairs)%2 != 0 {
		return result{}, false, fmt.Errorf("%w: %q", errPairs, line)
	}
	res = result{name: procsSuffix.ReplaceAllString(f[0], ""), iters: iters, metrics: map[string]float64{}}
	for i := 0; i < len(pairs); i += 2 {
		v, err := strconv.ParseFloat(pairs[i], 64)
		if err != nil {
			return result{}, false, fmt.Errorf("benchmark %s: value %q of %q is not a number", f[0], pairs[i], pairs[i+1])
		}
		res.metrics[pairs[i+1]] = v
	}
	return res, true, nil
}

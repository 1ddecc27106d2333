package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// machine describes where the benchmarks ran, read from /proc and /etc
// under root ("/" on the machine itself). A file that cannot be read
// leaves its part "unknown": the summary is still worth writing.
func machine(root string) string {
	cpu, cores := "unknown CPU", 0
	for _, kv := range keyValues(filepath.Join(root, "proc/cpuinfo"), ":") {
		switch kv[0] {
		case "model name":
			if cpu == "unknown CPU" { // every core repeats it
				cpu = kv[1]
			}
		case "processor":
			cores++
		}
	}
	mem := "unknown memory"
	for _, kv := range keyValues(filepath.Join(root, "proc/meminfo"), ":") {
		if kb, err := strconv.ParseFloat(strings.TrimSuffix(kv[1], " kB"), 64); kv[0] == "MemTotal" && err == nil {
			mem = fmt.Sprintf("%.1f GiB memory", kb/(1<<20))
		}
	}
	osName := "unknown OS"
	for _, kv := range keyValues(filepath.Join(root, "etc/os-release"), "=") {
		if kv[0] == "PRETTY_NAME" {
			osName = strings.Trim(kv[1], `"`)
		}
	}
	return fmt.Sprintf("%s, %d cores, %s, %s", cpu, cores, mem, osName)
}

// keyValues reads the lines "key SEP value" of a file, both trimmed; nil
// when the file cannot be read.
func keyValues(path, sep string) [][2]string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), sep); ok {
			out = append(out, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
		}
	}
	return out
}

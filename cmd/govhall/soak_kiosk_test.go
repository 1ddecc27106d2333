//go:build soak

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// soakKioskClients is the kiosk load's concurrency: a hall full of kiosks
// and the phones that scanned their QR codes.
const soakKioskClients = 32

// kioskResult is what the kiosk load measured.
type kioskResult struct {
	mix      map[string]int // paths of each kind in the drawn list
	Requests int            `json:"requests"`
	Duration int64          `json:"duration_us"`
	Connect  int            `json:"connect"`
	Read     int            `json:"read"`
	Write    int            `json:"write"`
	Timeout  int            `json:"timeout"`
	P50      float64        `json:"p50_us"`
	P90      float64        `json:"p90_us"`
	P99      float64        `json:"p99_us"`
	Max      float64        `json:"max_us"`
	Statuses map[string]int `json:"statuses"`
}

func (k *kioskResult) rps() float64 { return float64(k.Requests) / (float64(k.Duration) / 1e6) }

// errors counts socket errors and every answer that is not 2xx (the load
// holds no deliberate 404s: every path names something that exists).
func (k *kioskResult) errors() int {
	n := k.Connect + k.Read + k.Write + k.Timeout
	for st, c := range k.Statuses {
		if !strings.HasPrefix(st, "2") {
			n += c
		}
	}
	return n
}

func (k *kioskResult) check(t *testing.T) {
	if n := k.errors(); n != 0 || k.Requests == 0 {
		t.Errorf("kiosk load: %d errors in %d requests (statuses %v; connect %d, read %d, write %d, timeout %d)",
			n, k.Requests, k.Statuses, k.Connect, k.Read, k.Write, k.Timeout)
	}
}

// kioskLoad runs wrk for dur with soakKioskClients connections over the
// mixed kiosk paths.
func (s *soakServer) kioskLoad(t *testing.T, dur time.Duration) *kioskResult {
	paths, mix := s.kioskPaths(t)
	list := filepath.Join(t.TempDir(), "paths.txt")
	if err := os.WriteFile(list, []byte(strings.Join(paths, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "soak", "kiosk.lua"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Fatalf("wrk is required (Debian package wrk, installed by make soak): %v", err)
	}
	out, err := exec.Command("wrk", "-t", "2", "-c", fmt.Sprint(soakKioskClients), "-d", fmt.Sprintf("%ds", int(dur.Seconds())),
		"--timeout", "10s", "-s", script, "http://"+s.httpAddr, "--", list).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`SOAK_WRK (\{.*\})`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("wrk printed no SOAK_WRK line:\n%s", out)
	}
	r := &kioskResult{mix: mix}
	if err := json.Unmarshal(m[1], r); err != nil {
		t.Fatalf("wrk's SOAK_WRK line: %v\n%s", err, out)
	}
	return r
}

// kioskPaths draws the kiosk mix from the demo catalog: searches (the
// benchmark's mix of query shapes) half of the time, a document's JSON, its
// public page /d/{code}, its QR code, and 查询码 lookups of queries
// submitted here, in the proportions 10:4:2:2:2.
func (s *soakServer) kioskPaths(t *testing.T) ([]string, map[string]int) {
	var docs []struct {
		ID   int64  `db:"id"`
		Code string `db:"code"`
	}
	if err := s.db.Select(&docs, `SELECT id, code FROM public_documents ORDER BY id`); err != nil || len(docs) == 0 {
		t.Fatalf("public documents of the demo: %v (%d)", err, len(docs))
	}
	codes := s.submitQueries(t, 50)
	mix := map[string]int{}
	var paths []string
	add := func(kind, p string, times int) {
		for range times {
			paths = append(paths, p)
			mix[kind]++
		}
	}
	for _, q := range searchMix {
		add("search", searchPath(q), 10*len(docs)*len(codes)/len(searchMix))
	}
	for _, d := range docs {
		add("document", fmt.Sprintf("/api/v1/documents/%d", d.ID), 4*len(codes))
		add("page", "/d/"+d.Code, 2*len(codes))
		add("qr", fmt.Sprintf("/api/v1/documents/%d/qr.png", d.ID), 2*len(codes))
	}
	for _, c := range codes {
		add("lookup", "/api/v1/queries/"+c, 2*len(docs))
	}
	seen := map[string]bool{}
	for i, p := range paths {
		if !seen[p] {
			seen[p] = true
			if st, body := s.getAs(p, fmt.Sprintf("192.168.%d.%d", i%250, i/250%250+1)); st != http.StatusOK {
				t.Fatalf("GET %s before the load: %d %s", p, st, soakTail(string(body), 300))
			}
		}
	}
	return paths, mix
}

// submitQueries submits n queries as citizens, each from an address of
// its own behind the proxy, and returns their 查询码.
func (s *soakServer) submitQueries(t *testing.T, n int) []string {
	var codes []string
	for i := range n {
		body, _ := json.Marshal(map[string]string{"channel": "web", "question": fmt.Sprintf("浸泡测试：低保申请第%d问", i+1),
			"name": "测试", "phone": "13800138000"})
		req, _ := http.NewRequest(http.MethodPost, "http://"+s.httpAddr+"/api/v1/queries", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("172.16.%d.%d", i/250, i%250+1))
		res, err := soakClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Code  string `json:"code"`
			Error string `json:"error"`
		}
		json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated || out.Code == "" {
			t.Fatalf("POST /api/v1/queries: %d %+v", res.StatusCode, out)
		}
		codes = append(codes, out.Code)
	}
	return codes
}

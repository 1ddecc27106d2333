package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"github.com/govhall/govhall/hotline/stats/statstest"
	"github.com/govhall/govhall/migrations/pgtest"
)

// TestReportHotlineWritesEachFormat runs `govhall report hotline` on the
// statistics' hand-built scenario in CSV, XLSX and PDF, for the line and
// one department.
func TestReportHotlineWritesEachFormat(t *testing.T) {
	url := pgtest.URL(t)
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := statstest.Load(context.Background(), db, "x"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, format := range []string{"csv", "xlsx", "pdf"} {
		out := filepath.Join(dir, "hotline."+format)
		_, stderr, err := runCmd(t, url, "report", "hotline", "--from", "2025-01-31", "--to", "2025-02-08", "--format", format, "--out", out)
		if err != nil {
			t.Fatalf("%s: %v\n%s", format, err, stderr)
		}
		if !strings.Contains(stderr, "2025-01-31至2025-02-08, 全线, calendar 2025.1") {
			t.Errorf("stderr %q", stderr)
		}
		b, _ := os.ReadFile(out)
		switch format {
		case "csv":
			if !strings.HasPrefix(string(b), "\ufeff") || !strings.Contains(string(b), "话务接通率,62.50%,接通 N 5,进入队列 O − S 8,") {
				t.Errorf("CSV lacks 话务接通率 62.50%%: %.300q", b)
			}
		case "xlsx":
			x, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := x.GetRows("统计报表")
			ok := false
			for _, r := range rows {
				ok = ok || (len(r) > 1 && r[0] == "按时办结率" && r[1] == "40.00%")
			}
			if !ok {
				t.Error("XLSX lacks 按时办结率 40.00%")
			}
		case "pdf":
			txt, err := exec.Command("pdftotext", "-enc", "UTF-8", out, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext (make test installs poppler-utils): %v", err)
			}
			if !strings.Contains(string(txt), "部门服务电话响应性") || !strings.Contains(string(txt), "62.50%") {
				t.Errorf("the PDF's text lacks the figures: %.300q", txt)
			}
		}
	}
	stdout, _, err := runCmd(t, url, "report", "hotline", "--from", "2025-02-01", "--to", "2025-02-28", "--department", "rsj")
	if err != nil || !strings.Contains(stdout, "2025年2月") || !strings.Contains(stdout, "县人力资源和社会保障局") || strings.Contains(stdout, "话务接通率") {
		t.Errorf("rsj's February on stdout: %v %.300q", err, stdout)
	}
	for _, bad := range [][]string{{"report", "hotline", "--from", "2025-02-01"}, {"report", "hotline", "--from", "2025-02-08", "--to", "2025-02-01"},
		{"report", "hotline", "--from", "2025-02-01", "--to", "2025-02-02", "--format", "doc"}} {
		if _, _, err := runCmd(t, url, bad...); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", bad, err)
		}
	}
	if _, _, err := runCmd(t, url, "report", "hotline", "--from", "2025-02-01", "--to", "2025-02-02", "--department", "nope"); err == nil {
		t.Error("an unknown department gave a report")
	}
}

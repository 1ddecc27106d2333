package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"github.com/govhall/govhall/migrations/pgtest"
)

// TestReportAnnualWritesEachFormat runs `govhall report annual` for HTML,
// XLSX and PDF on a database with a few applications.
func TestReportAnnualWritesEachFormat(t *testing.T) {
	url := pgtest.URL(t)
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.MustExec(`INSERT INTO departments (code, name, full_name, gov_office) VALUES ('zfb', '县政府办公室', '沂源县人民政府办公室', true), ('mzj', '县民政局', '沂源县民政局', false)`)
	for i, a := range []struct{ dept, received, decided, decision, reason string }{
		{"mzj", "2025-03-02", "2025-03-20", "denied", "three_security"},
		{"mzj", "2025-12-20", "", "", ""},
		{"zfb", "2025-05-06", "2025-05-30", "granted", ""},
	} {
		code := 3100000000 + i
		db.MustExec(`INSERT INTO queries (code, channel, kind, question, status, department_id, segment_started_at, accepted_at)
			SELECT $1, 'window', 'application', '申请', 'accepted', id, now(), now() FROM departments WHERE code = $2`, code, a.dept)
		db.MustExec(`INSERT INTO applications (query_id, department_id, channel, received_on, applicant_type, applicant_masked, applicant_enc,
				information, delivery, pickup, state, decision, reason, decided_on)
			SELECT q.id, q.department_id, 'window', $2, 'natural', '李*', '\x00', '申请', 'paper', 'window',
				CASE WHEN $3 = '' THEN 'received' ELSE 'decided' END, NULLIF($3, ''), $4, NULLIF($5, '')::date
			FROM queries q WHERE q.code = $1`, code, a.received, a.decision, a.reason, a.decided)
	}
	dir := t.TempDir()
	for _, format := range []string{"html", "xlsx", "pdf"} {
		out := filepath.Join(dir, "report."+format)
		_, stderr, err := runCmd(t, url, "report", "annual", "2025", "--department", "mzj", "--format", format, "--out", out)
		if err != nil {
			t.Fatalf("%s: %v\n%s", format, err, stderr)
		}
		if !strings.Contains(stderr, "warning: 五、存在的主要问题及改进情况尚未填写") {
			t.Errorf("%s: stderr does not warn of the unwritten 五: %q", format, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		checkReportFile(t, format, out, b)
	}
	stdout, _, err := runCmd(t, url, "report", "annual", "2025")
	if err != nil || !strings.Contains(stdout, "<h1>沂源县人民政府2025年政府信息公开工作年度报告</h1>") {
		t.Errorf("the county's HTML on stdout: %v %.200q", err, stdout)
	}
	for _, bad := range [][]string{{"report", "annual", "25"}, {"report", "annual", "2025", "--format", "doc"}, {"report", "yearly", "2025"}} {
		if _, _, err := runCmd(t, url, bad...); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", bad, err)
		}
	}
	if _, _, err := runCmd(t, url, "report", "annual", "2025", "--department", "nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown department: %v", err)
	}
}

func checkReportFile(t *testing.T, format, path string, b []byte) {
	t.Helper()
	switch format {
	case "html":
		if !strings.Contains(string(b), "3.危及“三安全一稳定”") || !strings.Contains(string(b), `<td data-row="carried_out" data-col="natural">1</td>`) {
			t.Errorf("the HTML lacks table 三's figures")
		}
	case "xlsx":
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if v, _ := f.GetCellValue("表三", "D10"); v != "1" {
			t.Errorf("XLSX 表三 D10 (危及“三安全一稳定”, 自然人) = %q, want 1", v)
		}
	case "pdf":
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext (make test installs poppler-utils): %v", err)
		}
		if !bytes.HasPrefix(b, []byte("%PDF-")) || !strings.Contains(string(out), "危及“三安全一稳定”") {
			t.Errorf("the PDF's text lacks 危及“三安全一稳定”")
		}
	}
}

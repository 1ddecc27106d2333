package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"
)

// addApplications records applications of 2025 straight in the tables
// (the applications desk is another package's): department code,
// received, decided ("" open), applicant type, decision, reason.
func addApplications(t *testing.T, db *sqlx.DB, apps ...[6]string) []string {
	t.Helper()
	var codes []string
	for i, a := range apps {
		code := fmt.Sprint(3200000000 + i)
		db.MustExec(`INSERT INTO queries (code, channel, kind, question, status, department_id, segment_started_at, accepted_at)
			SELECT $1, 'window', 'application', '申请公开低保资金发放明细', 'accepted', id, now(), now() FROM departments WHERE code = $2`, code, a[0])
		db.MustExec(`INSERT INTO applications (query_id, department_id, channel, received_on, applicant_type, applicant_masked, applicant_enc,
				information, delivery, pickup, state, decision, reason, decided_on)
			SELECT q.id, q.department_id, 'window', $2, $3, '王*', '\x00', '2025年低保资金发放明细', 'paper', 'window',
				CASE WHEN $4 = '' THEN 'received' ELSE 'decided' END, NULLIF($5, ''), $6, NULLIF($4, '')::date
			FROM queries q WHERE q.code = $1`, code, a[1], a[3], a[2], a[4], a[5])
		codes = append(codes, code)
	}
	return codes
}

var reportApps = [][6]string{
	{"mzj", "2025-03-02", "2025-03-20", "natural", "denied", "three_security"},
	{"mzj", "2025-04-02", "2025-04-20", "natural", "denied", "three_security"},
	{"mzj", "2025-05-06", "2025-05-30", "commercial", "granted", ""},
	{"mzj", "2025-12-20", "2026-01-10", "natural", "granted", ""},
	{"zfb", "2025-06-01", "2025-06-20", "legal_service", "partial", ""},
}

// TestAnnualReportAPI: roles, the formats, the cells, the prose and
// entries, and publishing through review (refused while in review).
func TestAnnualReportAPI(t *testing.T) {
	f := newFixture(t)
	codes := addApplications(t, f.db, reportApps...)
	base := "/api/v1/staff/reports/annual/2025"
	for _, tt := range []struct {
		method, path, user string
		want               int
	}{
		{"GET", base, "", 401}, {"GET", base, "operator1", 403}, {"GET", base, "liaison1", 403},
		{"GET", base, "supervisor1", 200}, {"GET", base, "reviewer1", 200}, {"GET", base, "admin1", 200},
		{"PUT", base + "/texts/problems", "supervisor1", 403}, {"POST", base + "/publish", "supervisor1", 403},
		{"GET", "/api/v1/staff/reports/annual/1999", "reviewer1", 400}, {"GET", base + "?department=nope", "reviewer1", 404},
		{"GET", base + "?format=doc", "reviewer1", 400},
	} {
		tok := ""
		if tt.user != "" {
			tok = f.login(tt.user)
		}
		if got, body := f.do(tt.method, tt.path, tok, ""); got != tt.want {
			t.Errorf("%s %s as %q = %d %s, want %d", tt.method, tt.path, tt.user, got, body, tt.want)
		}
	}
	tok := f.login("reviewer1")
	st, body := f.do("GET", base+"?department=mzj", tok, "")
	var r struct {
		Title    string
		Requests struct {
			Rows []struct {
				Code, Label string
				Counts      []int
			}
		}
		Checks []struct{ OK bool }
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || st != 200 {
		t.Fatalf("report JSON = %d %v", st, err)
	}
	if r.Title != "沂源县民政局2025年政府信息公开工作年度报告" || r.Requests.Rows[6].Label != "3.危及“三安全一稳定”" || r.Requests.Rows[6].Counts[0] != 2 {
		t.Errorf("report = %q, row 6 %+v", r.Title, r.Requests.Rows[6])
	}
	st, body = f.do("GET", base+"/cells?department=mzj&row=carried_out&column=natural", tok, "")
	if st != 200 || !strings.Contains(body, `"total":1`) || !strings.Contains(body, codes[3]) {
		t.Errorf("cell 四/自然人 = %d %s, want application %s", st, body, codes[3])
	}
	if st, body := f.do("GET", base+"/cells?row=nope&column=total", tok, ""); st != 400 || !strings.Contains(body, `"field":"row"`) {
		t.Errorf("unknown row = %d %s", st, body)
	}

	if st, body := f.do("PUT", base+"/texts/problems?department=mzj", tok, `{"text":"一是解读形式单一；本年新收{新收申请}件。"}`); st != 200 || !strings.Contains(body, "本年新收4件。") {
		t.Errorf("save 五 = %d %.300s", st, body)
	}
	if st, body := f.do("PUT", base+"/texts/problems?department=mzj", tok, `{"text":"{未知}"}`); st != 400 || !strings.Contains(body, `"field":"text"`) {
		t.Errorf("unknown placeholder = %d %s", st, body)
	}
	if st, body := f.do("PUT", base+"/entries/fee?department=mzj", tok, `{"value":1.25,"reason":"非税收入系统"}`); st != 200 || !strings.Contains(body, `"value":"1.25"`) {
		t.Errorf("entry as a number = %d %.300s", st, body)
	}
	if st, body := f.do("PUT", base+"/entries/penalty?department=mzj", tok, `{"value":"2.5","reason":"x"}`); st != 400 || !strings.Contains(body, `"field":"value"`) {
		t.Errorf("a fractional penalty = %d %s", st, body)
	}

	for _, format := range []struct{ name, ctype, begins string }{
		{"html", "text/html", "<!doctype html>"}, {"xlsx", "spreadsheetml", "PK"}, {"pdf", "application/pdf", "%PDF-"},
	} {
		res := f.raw("GET", base+"?department=mzj&format="+format.name, tok)
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), format.ctype) || !bytes.HasPrefix(b, []byte(format.begins)) {
			t.Errorf("format %s = %d %s %.20q", format.name, res.StatusCode, res.Header.Get("Content-Type"), b)
		}
		if format.name == "xlsx" {
			if !strings.Contains(res.Header.Get("Content-Disposition"), `filename="annual-report-2025-mzj.xlsx"`) {
				t.Errorf("download named %q", res.Header.Get("Content-Disposition"))
			}
			x, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := x.GetCellValue("表三", "D10"); v != "2" {
				t.Errorf("XLSX 表三 D10 = %q, want 2", v)
			}
		}
	}

	st, body = f.do("POST", base+"/publish?department=mzj", tok, "")
	if st != 201 || !strings.Contains(body, `"case_id"`) {
		t.Fatalf("publish = %d %s", st, body)
	}
	var state, category string
	f.db.Get(&state, `SELECT state FROM documents WHERE index_no = 'ndbg/2025/mzj'`)
	f.db.Get(&category, `SELECT c.path FROM documents d JOIN categories c ON c.id = d.category_id WHERE d.index_no = 'ndbg/2025/mzj'`)
	if state != "in_review" || category != "政务公开/年度报告" {
		t.Errorf("published report is %q in %q", state, category)
	}
	if st, body := f.do("POST", base+"/publish?department=mzj", tok, ""); st != 409 || !strings.Contains(body, "已在审核中") {
		t.Errorf("publish again = %d %s", st, body)
	}
	f.db.MustExec(`UPDATE applications SET reason = 'bogus' WHERE query_id = (SELECT id FROM queries WHERE code = $1)`, codes[0])
	if st, body := f.do("POST", base+"/publish", tok, ""); st != 409 || !strings.Contains(body, "报告未通过校验，不能发布") {
		t.Errorf("publish a failing report = %d %s", st, body)
	}
}

// raw sends a request and returns the response.
func (f *fixture) raw(method, path, token string) *http.Response {
	f.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

// TestAnnualReportDeskInChromium: a reviewer opens the report of 2025 for
// 县民政局, sees the checks pass, asks which applications are behind a
// number of table 三, writes section 五 and a figure of table 二, and
// publishes it to review; a supervisor reads it without the forms.
func TestAnnualReportDeskInChromium(t *testing.T) {
	r := newConsoleRig(t)
	codes := addApplications(t, r.db, reportApps...)
	r.login("reviewer1")
	if got := r.textOf(".shell-nav"); !strings.Contains(got, "年度报告") {
		t.Errorf("the reviewer's menu %q lacks 年度报告", got)
	}
	r.do("the desk", chromedp.Navigate(r.base+"/console/reports/annual?year=2025&department=mzj"), chromedp.WaitVisible(chromedp.CSS("#table3 button.cell")))
	if got := r.textOf("#checks-title"); !strings.Contains(got, "全部通过") {
		t.Errorf("checks say %q", got)
	}
	r.check("annual report desk")
	sel := `#table3 td[data-row="denied.three_security"][data-col="natural"] button`
	r.do("which ones?", chromedp.Click(chromedp.CSS(sel)), waitJS(`document.querySelectorAll('#cell-list tbody tr').length === 2`, 10*time.Second))
	r.do("the list in view", chromedp.ScrollIntoView(chromedp.CSS("#cell-list")))
	r.shot("annual-report-cell-list")
	list := r.textOf("#cell-list")
	for _, want := range []string{"3.危及“三安全一稳定” · 自然人：2 件", codes[0], codes[1], "（三）不予公开 3.危及“三安全一稳定”"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list behind the cell lacks %q: %q", want, list)
		}
	}
	if strings.Contains(list, codes[2]) {
		t.Errorf("the list holds %s, a commercial 予以公开", codes[2])
	}
	r.do("write 五", chromedp.SetValue(chromedp.CSS("#t-problems"), "一是政策解读形式较单一，本年依申请公开{新收申请}件。"),
		markPage(), chromedp.Click(chromedp.CSS(`#form-problems button[type="submit"]`)), reloaded(),
		waitJS(`(document.getElementById('text-problems')?.textContent || '').includes('本年依申请公开4件')`, 10*time.Second))
	r.do("a figure of table 二", chromedp.Click(chromedp.CSS("details.entries summary")),
		chromedp.SetValue(chromedp.CSS("#e-permission-value"), "86"), chromedp.SetValue(chromedp.CSS("#e-permission-reason"), "审批系统导出"),
		markPage(), chromedp.Click(chromedp.CSS(`#entry-permission button[type="submit"]`)), reloaded(),
		waitJS(`[...document.querySelectorAll('table.t2 th')].some(th => th.textContent === '行政许可' && th.nextElementSibling.textContent === '86')`, 10*time.Second))
	r.do("publish", chromedp.Click(chromedp.CSS(`#publish-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#publish-form .form-ok")))
	if got := r.textOf("#publish-form .form-ok"); !strings.Contains(got, "已提交初审") {
		t.Errorf("after publishing: %q", got)
	}
	r.do("the 文种 in the document form", chromedp.Navigate(r.base+"/console/documents/new"), chromedp.WaitVisible(chromedp.CSS("#f-doc_type")))
	if got := eval[string](r, `[...document.querySelectorAll('#f-doc_type option')].map(o => o.value).join(',')`); got != "其他,行政规范性文件,规章" {
		t.Errorf("the document form offers 文种 %q", got)
	}
	r.pageErrors()
	r.logout()
	r.login("supervisor1")
	r.do("read only", chromedp.Navigate(r.base+"/console/reports/annual?year=2025&department=mzj"), chromedp.WaitVisible(chromedp.CSS("#table3 button.cell")))
	if n := eval[int](r, `document.querySelectorAll('#publish-form, form[data-api]').length`); n != 0 {
		t.Errorf("a supervisor sees %d forms", n)
	}
	r.pageErrors()
}

// markPage marks the page, so that reloaded can tell when a form's
// data-then="reload" has brought a new one.
func markPage() chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`document.body.dataset.marked = '1'`)
}

func reloaded() chromedp.Action[chromedp.Void] {
	return chromedp.WaitReady(chromedp.CSS(`body[data-page="report-annual"]:not([data-marked])`))
}

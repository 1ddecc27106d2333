package server_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/govhall/govhall/hotline/applications"
)

// TestApplyFormInChromium: a citizen applies on the web with the keyboard
// and a normal input method (typed text arrives as characters), mistypes
// the ID number, sees the error next to that field with the focus on it,
// corrects it, gets the 查询码 and due date and follows the link to the
// status page. Every page passes axe-core.
func TestApplyFormInChromium(t *testing.T) {
	k := newApplyRig(t)
	k.do("open the form", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(k.base+"/apply"),
		chromedp.WaitVisible(chromedp.CSS("#apply-form")))
	axeCheck(t, k.tab, "web form")
	if eval[bool](k, `!document.getElementById('field-credit_code').closest('fieldset').hidden`) {
		t.Errorf("the organisation's fields show before an applicant type is chosen")
	}
	bad := applyID[:17] + "5"
	k.do("fill the form by keyboard",
		chromedp.Click(chromedp.CSS(`input[name="applicant_type"][value="natural"]`)),
		chromedp.WaitVisible(chromedp.CSS("#id_number")),
		chromedp.SendKeys(chromedp.CSS("#name"), "张三"),
		chromedp.SetValue(chromedp.CSS("#id_type"), "resident_id"),
		chromedp.SendKeys(chromedp.CSS("#id_number"), bad),
		chromedp.SendKeys(chromedp.CSS("#phone"), applyPhone),
		chromedp.SetValue(chromedp.CSS("#department"), "mzj"),
		chromedp.SendKeys(chromedp.CSS("#information"), "2024年城乡低保资金发放名单"),
		chromedp.Click(chromedp.CSS(`input[name="delivery"][value="electronic"]`)),
		chromedp.Click(chromedp.CSS(`input[name="pickup"][value="online"]`)))
	if eval[bool](k, `document.getElementById('credit_code').checkVisibility()`) {
		t.Errorf("a natural person is asked for a 统一社会信用代码")
	}
	k.do("submit with Enter", chromedp.SendKeys(chromedp.CSS("#phone"), "\r"), chromedp.WaitVisible(chromedp.CSS("#err-id_number")))
	if got := k.textOf("#err-id_number"); !strings.Contains(got, "校验位") {
		t.Errorf("the ID number's error = %q", got)
	}
	if got := eval[string](k, `document.activeElement.id`); got != "id_number" {
		t.Errorf("focus after the error is on %q, want id_number", got)
	}
	if got := eval[string](k, `document.getElementById('id_number').getAttribute('aria-invalid')`); got != "true" {
		t.Errorf("id_number aria-invalid = %q", got)
	}
	axeCheck(t, k.tab, "web form with a field error")
	k.shot("web-form-error")
	k.do("correct the last digit and submit", chromedp.SendKeys(chromedp.CSS("#id_number"), "\b4"),
		chromedp.Click(chromedp.CSS("#apply-submit")), chromedp.WaitVisible(chromedp.CSS("#apply-done")))
	code := strings.ReplaceAll(k.textOf("#done-code"), " ", "")
	if !regexp.MustCompile(`^\d{10}$`).MatchString(code) {
		t.Fatalf("查询码 = %q", code)
	}
	if got := k.textOf("#done-due"); !regexp.MustCompile(`^\d{4}年\d{1,2}月\d{1,2}日前`).MatchString(got) {
		t.Errorf("due date = %q", got)
	}
	if got := k.textOf("#done-department"); got != "县民政局" {
		t.Errorf("department = %q", got)
	}
	var channel string
	if err := k.db.Get(&channel, `SELECT a.channel FROM applications a JOIN queries q ON q.id = a.query_id WHERE q.code = $1`, code); err != nil || channel != "web" {
		t.Errorf("stored channel = %q, %v", channel, err)
	}
	if n := keyedAnswers(t, k.db, "/api/v1/applications ip:%", code); n != 1 {
		t.Errorf("the form's application was not sent with an Idempotency-Key (%d stored answers hold %s)", n, code)
	}
	axeCheck(t, k.tab, "web form submitted")
	k.shot("web-form-done")
	k.do("check the progress", chromedp.Click(chromedp.CSS("#done-status")), chromedp.WaitVisible(chromedp.CSS("#status")))
	status := k.textOf("#status")
	if !strings.Contains(status, code) || !strings.Contains(status, "县民政局") || strings.Contains(status, "张三") || strings.Contains(status, applyPhone) {
		t.Errorf("status page = %q", status)
	}
	axeCheck(t, k.tab, "status page")
	k.shot("web-status")
	k.pageErrors()
}

// TestApplyFormWithoutScript posts the form as a browser without
// JavaScript does: the page comes back with the error next to its field
// and the values kept, then with the 查询码.
func TestApplyFormWithoutScript(t *testing.T) {
	k := newApplyRig(t)
	form := url.Values{"channel": {"web"}, "applicant_type": {applications.Commercial}, "name": {"沂源科技有限公司"},
		"credit_code": {applyCredit[:17] + "4"}, "contact_person": {"李四"}, "phone": {"0533-3241304"},
		"id_type": {"resident_id"}, "id_number": {"ignored for an organisation"},
		"department": {"ybj"}, "information": {"2024年度定点医药机构检查情况报告"}, "delivery": {"paper"}, "pickup": {"post"}, "address": {""}}
	post := func() (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", k.base+"/apply", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", k.base)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	st, body := post()
	if st != 400 || !regexp.MustCompile(`id="err-credit_code">错误：[^<]*校验位`).MatchString(body) || !strings.Contains(body, `value="沂源科技有限公司"`) {
		t.Fatalf("a wrong credit code: %d, error next to the field and values kept? %s", st, body[:min(len(body), 400)])
	}
	form.Set("credit_code", applyCredit)
	st, body = post()
	if st != 400 || !regexp.MustCompile(`id="err-address">错误：[^<]*地址`).MatchString(body) {
		t.Fatalf("post without an address: %d", st)
	}
	form.Set("address", "沂源县历山街道胜利路12号")
	st, body = post()
	m := regexp.MustCompile(`id="done-code">(\d{10})<`).FindStringSubmatch(body)
	if st != 201 || m == nil {
		t.Fatalf("a correct application: %d %s", st, body[:min(len(body), 400)])
	}
	var idNumber string
	k.db.Get(&idNumber, `SELECT a.credit_code FROM applications a JOIN queries q ON q.id = a.query_id WHERE q.code = $1`, m[1])
	if idNumber != applyCredit {
		t.Errorf("stored credit code = %q", idNumber)
	}
	req, _ := http.NewRequest("POST", k.base+"/apply", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://elsewhere.example")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Errorf("a post from another site: %d", res.StatusCode)
	}
}

package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/calendar"
)

// TestConsoleApplyEntryInChromium: a liaison of 民政局 types in a letter
// received yesterday (the clock starts that day), sees a refused field
// next to the field, gets the 查询码 for the applicant; an operator
// enters an application made at the window; a reviewer may not open the
// page. Every screen passes axe-core.
func TestConsoleApplyEntryInChromium(t *testing.T) {
	var as *applications.Store
	r := newConsoleRig(t, withApplications(&as))
	r.login("liaison1")
	r.do("open 登记申请", chromedp.Navigate(r.base+"/console/applications/new"), chromedp.WaitVisible(chromedp.CSS("#entry-form")))
	if got := eval[string](r, `document.getElementById('e-department').value`); got != "mzj" {
		t.Errorf("the liaison's department is not chosen first: %q", got)
	}
	if !eval[bool](r, `[...document.querySelectorAll('.shell-nav a')].some((a) => a.getAttribute('href') === '/console/applications/new')`) {
		t.Errorf("登记申请 is not in the menu")
	}
	r.check("apply entry")
	yesterday := time.Now().In(calendar.Location()).AddDate(0, 0, -1).Format("2006-01-02")
	r.do("a letter", chromedp.SetValue(chromedp.CSS("#e-channel"), "post"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('e-channel').dispatchEvent(new Event('change', { bubbles: true }))`),
		chromedp.WaitVisible(chromedp.CSS("#e-received")),
		chromedp.SetValue(chromedp.CSS("#e-received"), yesterday),
		chromedp.SendKeys(chromedp.CSS("#e-name"), "王五"),
		chromedp.SendKeys(chromedp.CSS("#e-idnumber"), applyID),
		chromedp.SendKeys(chromedp.CSS("#e-phone"), applyPhone),
		chromedp.SendKeys(chromedp.CSS("#e-information"), "2024年临时救助资金发放情况"),
		chromedp.SetValue(chromedp.CSS("#e-delivery"), "post"),
		chromedp.SetValue(chromedp.CSS("#e-pickup"), "post"),
		chromedp.Click(chromedp.CSS("#entry-submit")), chromedp.WaitVisible(chromedp.CSS("#e-address-error")))
	if got := r.textOf("#e-address-error"); !strings.Contains(got, "地址") {
		t.Errorf("the address error = %q", got)
	}
	r.check("apply entry with a field error")
	r.do("add the address", chromedp.SendKeys(chromedp.CSS("#e-address"), "沂源县南麻街道新华路8号"),
		chromedp.Click(chromedp.CSS("#entry-submit")), chromedp.WaitVisible(chromedp.CSS("#entry-result")))
	code := strings.ReplaceAll(r.textOf("#entry-code"), " ", "")
	if !regexp.MustCompile(`^\d{10}$`).MatchString(code) {
		t.Fatalf("查询码 = %q", code)
	}
	var row struct {
		Channel  string    `db:"channel"`
		Received time.Time `db:"received_on"`
		Type     string    `db:"applicant_type"`
	}
	if err := r.db.Get(&row, `SELECT a.channel, a.received_on, a.applicant_type FROM applications a JOIN queries q ON q.id = a.query_id WHERE q.code = $1`, code); err != nil {
		t.Fatal(err)
	}
	if row.Channel != "post" || row.Received.Format("2006-01-02") != yesterday || row.Type != "natural" {
		t.Errorf("stored letter = %+v, want post received %s", row, yesterday)
	}
	if n := keyedAnswers(t, r.db, "/api/v1/staff/applications session:%", code); n != 1 {
		t.Errorf("the console's write was not sent with an Idempotency-Key (%d stored answers hold %s)", n, code)
	}
	if got := eval[string](r, `document.getElementById('entry-open').getAttribute('href')`); got != "/console/applications/"+code {
		t.Errorf("the link to the application = %q", got)
	}
	r.check("apply entry done")
	r.logout()

	r.login("operator1")
	r.do("the operator enters a window application", chromedp.Navigate(r.base+"/console/applications/new"), chromedp.WaitVisible(chromedp.CSS("#entry-form")),
		chromedp.SetValue(chromedp.CSS("#e-type"), applications.Research),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('e-type').dispatchEvent(new Event('change', { bubbles: true }))`),
		chromedp.WaitVisible(chromedp.CSS("#e-credit")),
		chromedp.SendKeys(chromedp.CSS("#e-name"), "沂源县农业科学研究所"),
		chromedp.SendKeys(chromedp.CSS("#e-credit"), applyCredit),
		chromedp.SendKeys(chromedp.CSS("#e-contact"), "赵六"),
		chromedp.SendKeys(chromedp.CSS("#e-phone"), "0533-3241001"),
		chromedp.SetValue(chromedp.CSS("#e-department"), "zfb"),
		chromedp.SendKeys(chromedp.CSS("#e-information"), "2024年政府工作报告重点任务分工"),
		chromedp.SetValue(chromedp.CSS("#e-delivery"), "paper"),
		chromedp.SetValue(chromedp.CSS("#e-pickup"), "window"),
		chromedp.Click(chromedp.CSS("#entry-submit")), chromedp.WaitVisible(chromedp.CSS("#entry-result")))
	code = strings.ReplaceAll(r.textOf("#entry-code"), " ", "")
	var channel, typ string
	r.db.QueryRow(`SELECT a.channel, a.applicant_type FROM applications a JOIN queries q ON q.id = a.query_id WHERE q.code = $1`, code).Scan(&channel, &typ)
	if channel != "window" || typ != applications.Research {
		t.Errorf("the window application is stored as %s/%s", channel, typ)
	}
	r.logout()

	r.login("reviewer1")
	var status int
	r.do("a reviewer", chromedp.Navigate(r.base+"/console/applications/new"), chromedp.WaitReady(chromedp.CSS("body")))
	status = eval[int](r, `performance.getEntriesByType('navigation')[0].responseStatus`)
	if status != http.StatusForbidden {
		t.Errorf("a reviewer opening 登记申请: %d, want 403", status)
	}
	r.pageErrors()
}

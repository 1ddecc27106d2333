package server_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/server"
)

// withApplications wires 依申请公开 into the console rig and hands out its
// store.
func withApplications(out **applications.Store) rigOption {
	return func(r *consoleRig, d *server.Deps) {
		keys, err := applications.NewKeys(bytes.Repeat([]byte{9}, 32))
		if err != nil {
			r.t.Fatal(err)
		}
		*out = applications.NewStore(r.db, r.queries, d.Calendar, keys, applications.Options{})
		d.Applications = *out
	}
}

// TestApplicationConsoleInChromium walks a liaison of 民政局 through an
// application: the list by working days left, the record with the
// applicant in full, a 补正 refused without text then sent, the correction
// received, the decision form offering exactly the reasons of the chosen
// decision, a decision refused without its text then made, and the reply
// notice opened, checked and printed on A4; a supervisor sees the
// applicant masked; every screen passes axe-core.
func TestApplicationConsoleInChromium(t *testing.T) {
	var as *applications.Store
	r := newConsoleRig(t, withApplications(&as))
	ctx := context.Background()
	citizen := queries.Citizen("127.0.0.1")
	first, err := as.Submit(ctx, citizen, applications.NewApplication{Department: "mzj", Channel: "web", ApplicantType: applications.Natural,
		Name: "张三丰", IDType: "resident_id", IDNumber: "370323199001011234", Phone: "13812345678", Address: "沂源县历山街道健康路1号",
		Information: "2024年本县城乡低保资金的发放情况", Delivery: "paper", Pickup: "window"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := as.Submit(ctx, citizen, applications.NewApplication{Department: "mzj", Channel: "kiosk", ApplicantType: applications.Research,
		Name: "山东某某社会研究院", CreditCode: "91350100M000100Y43", ContactPerson: "李四", Phone: "0533-3240000",
		Information: "近三年养老机构补贴的统计数据", Delivery: "electronic", Pickup: "online"})
	if err != nil {
		t.Fatal(err)
	}
	var doc int64
	var docTitle string
	if err := r.db.QueryRow(`SELECT id, title FROM public_documents WHERE disclosure = '主动公开' ORDER BY id LIMIT 1`).Scan(&doc, &docTitle); err != nil {
		t.Fatal(err)
	}

	r.login("liaison1")
	r.do("open 依申请公开 from the home page", chromedp.Click(chromedp.CSS(`.cards a[href="/console/applications"]`)), chromedp.WaitVisible(chromedp.CSS("#applications")))
	rows := eval[[]string](r, `[...document.querySelectorAll('#applications tbody tr')].map((tr) => tr.dataset.code)`)
	if strings.Join(rows, ",") != first.Code+","+second.Code {
		t.Errorf("the list shows %v, want %s then %s", rows, first.Code, second.Code)
	}
	if got := r.textOf(fmt.Sprintf(`tr[data-code="%s"] .light`, first.Code)); !strings.Contains(got, "个工作日") && !strings.Contains(got, "今天") {
		t.Errorf("the light says %q, want the working days left", got)
	}
	if got := r.textOf(fmt.Sprintf(`tr[data-code="%s"]`, first.Code)); !strings.Contains(got, "张**") || strings.Contains(got, "张三丰") {
		t.Errorf("the list row shows %q: the applicant masked", got)
	}
	r.check("applications list")

	r.do("open the first", chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/console/applications/%s"]`, first.Code))), chromedp.WaitVisible(chromedp.CSS("#missing")))
	if got := r.textOf("#applicant"); !strings.Contains(got, "张三丰") || !strings.Contains(got, "370323199001011234") || !strings.Contains(got, "13812345678") {
		t.Errorf("the handling liaison does not see the applicant in full: %q", got)
	}
	r.check("application record")
	r.do("补正 without text", chromedp.Click(chromedp.CSS(`form[data-api$="/correction"] button`)), chromedp.WaitVisible(chromedp.CSS("#missing-error")))
	if got := r.textOf("#missing-error"); got == "" || strings.HasPrefix(got, "missing") {
		t.Errorf("the error next to the field says %q", got)
	}
	r.check("correction error")
	r.do("补正", chromedp.SendKeys(chromedp.CSS("#missing"), "请写明所需信息的年份范围和所在乡镇"),
		chromedp.Click(chromedp.CSS(`form[data-api$="/correction"] button`)), chromedp.WaitVisible(chromedp.CSS(`.page-head[data-state="correction"]`)))
	if got := r.textOf("#clock"); !strings.Contains(got, "补正") {
		t.Errorf("the clock says %q while waiting for the correction", got)
	}
	r.do("the correction arrives", chromedp.Click(chromedp.CSS(`form[data-api$="/corrected"] button`)), chromedp.WaitVisible(chromedp.CSS(`.page-head[data-state="received"]`)))
	if got := r.textOf("#corrections"); !strings.Contains(got, "重新计算") {
		t.Errorf("the corrections say %q", got)
	}

	choose := func(code string) {
		r.t.Helper()
		r.do("choose "+code, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('decision'); s.value = `+jsq(code)+`; s.dispatchEvent(new Event('change')); })()`))
	}
	offered := func() string {
		r.t.Helper()
		if eval[bool](r, `document.getElementById('reason-field').hidden`) {
			return ""
		}
		return strings.Join(eval[[]string](r, `[...document.getElementById('reason').options].filter((o) => o.value && !o.hidden && !o.disabled).map((o) => o.value)`), ",")
	}
	for _, d := range applications.Decisions {
		choose(d.Code)
		var want []string
		for _, reason := range d.Reasons {
			want = append(want, reason.Code)
		}
		if got := offered(); got != strings.Join(want, ",") {
			t.Errorf("%s offers the reasons %q, want %q", d.Code, got, strings.Join(want, ","))
		}
		withheld := !eval[bool](r, `document.getElementById('withheld-field').hidden`)
		if withheld != (d.Code == applications.Partial) {
			t.Errorf("%s: the withheld parts field shown = %v", d.Code, withheld)
		}
	}
	choose(applications.Denied)
	r.check("decision form")
	choose(applications.Granted)
	r.do("decide without text", chromedp.Click(chromedp.CSS(`#decide button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#decision-text-error")))
	r.do("decide", chromedp.SendKeys(chromedp.CSS("#decision-text"), "2024年城乡低保资金发放情况见所附文件。"),
		chromedp.SendKeys(chromedp.CSS("#documents"), fmt.Sprint(doc)),
		chromedp.Click(chromedp.CSS(`#decide button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`.page-head[data-state="decided"]`)))
	var state, status string
	r.db.QueryRow(`SELECT a.state, q.status FROM applications a JOIN queries q ON q.id = a.query_id WHERE q.code = $1`, first.Code).Scan(&state, &status)
	if state != "decided" || status != string(queries.Answered) {
		t.Errorf("after deciding on the page: %s / %s", state, status)
	}
	r.check("decided application")

	r.do("open the notice", chromedp.Click(chromedp.CSS("#notice-link")), chromedp.WaitVisible(chromedp.CSS(".sheet")))
	notice := r.textOf(".sheet")
	for _, want := range []string{"政府信息公开申请答复告知书", "县民政局依申请公开答复〔", "张三丰：", "予以公开", "第三十六条第（二）项",
		"2024年城乡低保资金发放情况见所附文件。", docTitle, "/d/", "六十日内", "六个月内", "沂源县民政局", "补正"} {
		if !strings.Contains(notice, want) {
			t.Errorf("the notice lacks %q:\n%s", want, notice)
		}
	}
	if font := eval[string](r, `getComputedStyle(document.querySelector('.sheet')).fontFamily`); !strings.Contains(font, "Noto Serif CJK SC") {
		t.Errorf("the notice's fonts are %q", font)
	}
	r.check("reply notice")
	pdf, err := chromedp.Run(r.tab, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: ptrTo(true)})
		return res.Data, err
	})
	if err != nil {
		t.Fatal(err)
	}
	pages := regexp.MustCompile(`/Type\s*/Page\b`).FindAll(pdf, -1)
	a4 := regexp.MustCompile(`/MediaBox\s*\[0 0 59[45](\.\d+)? 84[12](\.\d+)?\]`).Match(pdf)
	if len(pages) != 1 || !a4 {
		os.WriteFile(filepath.Join(artifactsDir(t, "console-e2e"), "notice.pdf"), pdf, 0o644)
		t.Errorf("the printed notice has %d pages, A4 %v (want one A4 page)", len(pages), a4)
	}
	r.do("back to the application", chromedp.Click(chromedp.CSS(`.notice-tools a`)), chromedp.WaitVisible(chromedp.CSS("#applicant")))
	r.logout()

	r.login("supervisor1")
	r.do("a supervisor opens the application", chromedp.Navigate(r.base+"/console/applications/"+first.Code), chromedp.WaitVisible(chromedp.CSS("#applicant")))
	if got := r.textOf("#applicant"); strings.Contains(got, "张三丰") || strings.Contains(got, "13812345678") || !strings.Contains(got, "张**") {
		t.Errorf("a supervisor sees %q: the applicant masked", got)
	}
	r.check("supervisor application")
	r.do("the supervisor's notice", chromedp.Navigate(r.base+"/console/applications/"+first.Code+"/notice"), chromedp.WaitVisible(chromedp.CSS(".sheet")))
	if got := r.textOf(".sheet"); strings.Contains(got, "张三丰") {
		t.Errorf("a supervisor's notice names the applicant")
	}
	r.check("supervisor notice")
	r.do("back", chromedp.Click(chromedp.CSS(`.notice-tools a`)), chromedp.WaitVisible(chromedp.CSS("#applicant")))
	r.logout()

	r.login("operator1")
	r.do("an operator may not open the list", chromedp.Navigate(r.base+"/console/applications"), chromedp.WaitVisible(chromedp.CSS(".notice-bad")))
	r.pageErrors()
	_ = time.Second
}

func ptrTo[T any](v T) *T { return &v }

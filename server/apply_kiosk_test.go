package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/ime"
	"github.com/govhall/govhall/kiosk/printjob"
	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/migrations/pgtest"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/staff"
)

// The applicants of these tests: a valid 居民身份证 and 统一社会信用代码.
const (
	applyID     = "370323199001011234"
	applyPhone  = "13812345678"
	applyCredit = "91350100M000100Y43"
)

// newApplyRig is the kiosk rig (kiosk_browser_test.go) with tracked
// queries and applications, so that a citizen can apply and check the
// 查询码. The pinyin table is built before the browser starts: in the
// test process the server is this process.
func newApplyRig(t *testing.T) *kioskRig {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the kiosk tests need headless Chromium at %s (make test installs it): %v", chromiumPath, err)
	}
	db := pgtest.New(t)
	ctx := context.Background()
	idx := search.New(db, nil, search.Options{})
	catalog := kiosk.NewStore(db, idx, search.DocNumberKey)
	if _, err := catalog.LoadDemo(ctx, kiosk.Actor{Username: "test"}); err != nil {
		t.Fatal(err)
	}
	printer := newFakePrinter(t)
	term, token, err := catalog.RegisterTerminal(ctx, kiosk.Actor{Username: "test"}, kiosk.NewTerminal{
		Name: "县政务服务中心一楼查询机", PlaceType: "服务大厅", PrinterAddr: printer.ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(ctx, db, hours)
	if err != nil {
		t.Fatal(err)
	}
	qs := queries.NewStore(db, cal, nil, queries.Options{})
	keys, err := applications.NewKeys(make([]byte, applications.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &kioskRig{t: t, db: db, base: "http://" + ln.Addr().String(), token: token, termID: term.ID, printer: printer}
	speaker := kiosk.NewSpeaker(2)
	if !speaker.Available() {
		t.Fatal("the kiosk tests need espeak-ng for read-aloud (make test installs it)")
	}
	srv := server.New(server.Deps{Log: slog.New(slog.DiscardHandler), DB: db, Staff: staff.NewStore(db), Catalog: catalog,
		Calendar: cal, Search: idx, Queries: qs, Applications: applications.NewStore(db, qs, cal, keys, applications.Options{}),
		PublicBaseURL: k.base, KioskIdle: 12 * time.Second, Speech: speaker,
		Printer: kiosk.NewPrinter(printjob.NewBuilder(nil), printjob.Client{}, k.base)})
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	k.stop = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	t.Cleanup(k.stop)
	ime.Default().Warm()
	k.browser = newBrowser(t, "kiosk-apply")
	return k
}

// newApplyKioskRig is newApplyRig with the kiosk page open.
func newApplyKioskRig(t *testing.T) *kioskRig {
	t.Helper()
	k := newApplyRig(t)
	k.do("open the kiosk", k.landscape(), chromedp.Navigate(k.base+"/kiosk/?terminal="+k.token),
		chromedp.WaitVisible(chromedp.CSS(".tile-cat")),
		waitJS(`document.getElementById('place').textContent !== ''`, 10*time.Second))
	return k
}

// step waits for the application's screen id.
func (k *kioskRig) step(id string) chromedp.Action[chromedp.Void] {
	return waitJS(`document.querySelector('.apply-flow')?.dataset.step === `+jsq(id), 10*time.Second)
}

// keys taps the keys of text, one after another, inside scope.
func (k *kioskRig) keys(scope, text string) chromedp.Action[chromedp.Void] {
	var taps []chromedp.Action[chromedp.Void]
	for _, r := range text {
		taps = append(taps, tap(scope+` [data-key=`+jsq(string(r))+`]`))
	}
	return chromedp.Steps(taps...)
}

// pick waits for a candidate of the pinyin input and taps it.
func (k *kioskRig) pick(field, text string) chromedp.Action[chromedp.Void] {
	sel := `#` + field + `-cands [data-cand=` + jsq(text) + `]`
	return chromedp.Steps(chromedp.WaitVisible(chromedp.CSS(sel)), tap(sel))
}

// shown is the text of an input's display, spaces removed.
func (k *kioskRig) shown(field string) string {
	k.t.Helper()
	if !eval[bool](k, `!!document.getElementById(`+jsq(field+"-display")+`)`) {
		k.shot("failed")
		k.t.Fatalf("no field %s on the screen (%s)", field, eval[string](k, `document.querySelector('.apply-flow')?.dataset.step || document.body.dataset.view`))
	}
	return strings.ReplaceAll(eval[string](k, `document.getElementById(`+jsq(field+"-display")+`).querySelector('.ime-text').textContent`), " ", "")
}

// coveredJS lists the touch targets on screen that something else covers
// at their centre (a sticky bar over a key would take its touch).
const coveredJS = `(() => { ` + visibleJS + `
  const m = document.getElementById('main').getBoundingClientRect();
  const inside = (r, x, y) => y >= r.top && y <= r.bottom && x >= r.left && x <= r.right;
  // Scrolled out of sight (of main or of a box that scrolls) is not covered.
  const shown = (b, x, y) => {
    for (let e = b.parentElement; e; e = e.parentElement) {
      if (getComputedStyle(e).overflowY !== 'visible' && !inside(e.getBoundingClientRect(), x, y)) return false;
      if (e.id === 'main') return true;
    }
    return true;
  };
  return [...document.querySelectorAll('#main button')].filter(visible).filter((b) => {
    const r = b.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (!inside(m, x, y) || !shown(b, x, y)) return false;
    const at = document.elementFromPoint(x, y);
    return !(at && b.contains(at));
  }).map((b) => (b.id || b.dataset.key || b.dataset.cand || b.className) + ' "' + b.innerText.trim().slice(0, 12) + '"');
})()`

// checkApply checks a screen of the application: checkScreen, and no
// touch target covered by another in landscape and portrait.
func (k *kioskRig) checkApply(name string) {
	k.t.Helper()
	k.checkScreen(name)
	for _, o := range []struct {
		name string
		turn chromedp.Action[chromedp.Void]
	}{{"portrait", k.portrait()}, {"landscape", k.landscape()}} {
		k.do(o.name, o.turn, waitJS(`document.readyState === 'complete'`, 5*time.Second))
		for _, b := range eval[[]string](k, coveredJS) {
			k.t.Errorf("%s (%s): a touch target is covered: %s", name, o.name, b)
		}
	}
}

// checkBothModes checks the screen (both orientations) as it is and with
// elder mode switched the other way, then switches it back.
func (k *kioskRig) checkBothModes(name string) {
	k.t.Helper()
	elder := eval[bool](k, `document.documentElement.classList.contains('elder')`)
	mode := map[bool]string{true: " (elder)", false: ""}
	k.checkApply(name + mode[elder])
	k.do("elder mode switched", tap("#nav-elder"), waitJS(`document.documentElement.classList.contains('elder') === `+map[bool]string{true: "false", false: "true"}[elder], 5*time.Second))
	k.checkApply(name + mode[!elder])
	k.do("elder mode back", tap("#nav-elder"), waitJS(`document.documentElement.classList.contains('elder') === `+map[bool]string{true: "true", false: "false"}[elder], 5*time.Second))
}

// progress is the screen's 第 N 步，共 M 步.
func (k *kioskRig) progress() string { return k.textOf("#apply-progress") }

// TestKioskApplication: an elderly citizen applies at the kiosk in elder
// mode, writes the name with the pinyin keyboard, gets a 查询码, prints
// the receipt and checks the code on 查询办理进度; then a second citizen
// starts, walks away, and the idle reset forgets everything.
func TestKioskApplication(t *testing.T) {
	k := newApplyKioskRig(t)
	k.do("elder mode", tap("#nav-elder"), waitJS(`document.documentElement.classList.contains('elder')`, 5*time.Second))
	k.do("the home tile 申请公开", chromedp.WaitVisible(chromedp.CSS("#home-apply")), tap("#home-apply"), k.step("who"))
	if got := k.progress(); !strings.HasPrefix(got, "第 1 步，共 ") {
		k.t.Errorf("first step says %q", got)
	}
	k.checkBothModes("apply: who")
	k.shot("elder-apply-who")
	k.do("a person applies", tap(`[data-choice="natural"]`), k.step("name"))
	if got := k.progress(); !strings.HasPrefix(got, "第 2 步，共 ") {
		k.t.Errorf("the name step says %q", got)
	}

	// The name: ZHANGSAN, then 张 for zhang; san stays and 三 is offered.
	k.do("type ZHANGSAN", k.keys("#name", "ZHANGSAN"), chromedp.WaitVisible(chromedp.CSS(`#name-cands [data-cand="张三"]`)))
	if got := k.textOf("#name-pinyin"); got != "拼音：zhangsan" {
		k.t.Errorf("pinyin line = %q", got)
	}
	if first := eval[string](k, `document.querySelector('#name-cands .ime-cand').textContent`); first != "张三" {
		k.t.Errorf("first candidate for zhangsan in a name = %q, want 张三", first)
	}
	k.checkApply("apply: name with candidates (elder)")
	k.shot("elder-apply-name")
	k.do("take 张 alone", k.pick("name", "张"), waitJS(`document.getElementById('name-pinyin').textContent === '拼音：san'`, 5*time.Second),
		k.pick("name", "三"), waitJS(`document.getElementById('name-pinyin').textContent === ''`, 5*time.Second))
	if got := k.shown("name"); got != "张三" {
		k.t.Fatalf("the name reads %q after 张 and 三, want 张三", got)
	}
	k.do("backspace and the initials ZS", tap(`#name [data-key="BACK"]`), tap(`#name [data-key="BACK"]`),
		waitJS(`document.querySelector('#name-display .ime-text').textContent === ''`, 5*time.Second),
		k.keys("#name", "ZS"), k.pick("name", "张三"))
	if got := k.shown("name"); got != "张三" {
		k.t.Fatalf("the name reads %q after ZS → 张三", got)
	}
	k.do("next: the ID type", tap("#apply-next"), k.step("idtype"))
	k.checkBothModes("apply: ID type")
	k.do("居民身份证", tap(`[data-choice="resident_id"]`), k.step("idnumber"), chromedp.WaitVisible(chromedp.CSS(`#idnumber [data-key="X"]`)))
	k.do("an ID too short", k.keys("#idnumber", "3703"), tap("#apply-next"), chromedp.WaitVisible(chromedp.CSS("#apply-error")))
	if got := k.textOf("#apply-error"); !strings.Contains(got, "18位") {
		k.t.Errorf("a short ID number says %q", got)
	}
	k.do("the whole ID", tap(`#idnumber [data-key="CLEAR"]`), k.keys("#idnumber", applyID))
	if got := k.shown("idnumber"); got != applyID {
		k.t.Errorf("ID display = %q", got)
	}
	k.checkBothModes("apply: ID number pad")
	k.shot("elder-apply-id")
	k.do("the phone", tap("#apply-next"), k.step("phone"), k.keys("#phone", applyPhone))
	k.checkApply("apply: phone (elder)")
	k.do("next: the department", tap("#apply-next"), k.step("department"))
	k.checkApply("apply: department (elder)")
	k.shot("elder-apply-department")
	k.do("民政局", tap(`[data-choice="mzj"]`), k.step("information"))
	k.do("DIBAO → 低保, then MINGDAN → 名单", k.keys("#information", "DIBAO"), k.pick("information", "低保"),
		k.keys("#information", "MINGDAN"), k.pick("information", "名单"))
	if got := k.shown("information"); got != "低保名单" {
		k.t.Errorf("information = %q, want 低保名单", got)
	}
	k.checkApply("apply: information (elder)")
	k.do("paper, at the window", tap("#apply-next"), k.step("delivery"))
	k.checkApply("apply: delivery (elder)")
	k.do("纸质", tap(`[data-choice="paper"]`), k.step("pickup"))
	k.checkApply("apply: pickup (elder)")
	k.do("by post", tap(`[data-choice="post"]`), k.step("address"), k.keys("#address", "YIYUANXIAN"), k.pick("address", "沂源县"),
		k.keys("#address", "12"), tap(`#address [data-key="号"]`))
	if got := k.shown("address"); got != "沂源县12号" {
		k.t.Errorf("address = %q", got)
	}
	k.checkBothModes("apply: address")
	k.do("confirm", tap("#apply-next"), k.step("confirm"))

	// The confirmation masks what a person behind could read.
	review := k.textOf("#apply-review")
	for _, want := range []string{"自然人", "张*", "370***********1234", "138****5678", "县民政局", "低保名单", "纸质", "邮寄", "沂源县12号"} {
		if !strings.Contains(review, want) {
			k.t.Errorf("the confirmation lacks %q:\n%s", want, review)
		}
	}
	for _, leak := range []string{"张三", applyID, applyPhone} {
		if strings.Contains(review, leak) {
			k.t.Errorf("the confirmation shows %q unmasked", leak)
		}
	}
	spoken := eval[string](k, `[...document.querySelectorAll('#main [data-speak]')].map((e) => e.innerText).join('。')`)
	if !strings.Contains(spoken, "第 ") || !strings.Contains(spoken, "张*") || strings.Contains(spoken, "张三") {
		k.t.Errorf("what 朗读 reads on the confirmation: %q", spoken)
	}
	k.checkApply("apply: confirm (elder)")
	k.shot("elder-apply-confirm")
	k.readAloud()

	k.do("submit", tap("#apply-next"), k.step("done"), chromedp.WaitVisible(chromedp.CSS("#apply-code")))
	code := strings.ReplaceAll(k.textOf("#apply-code"), " ", "")
	if !regexp.MustCompile(`^\d{10}$`).MatchString(code) {
		k.t.Fatalf("查询码 on screen = %q", code)
	}
	if px := eval[float64](k, `parseFloat(getComputedStyle(document.getElementById('apply-code')).fontSize)`); px < 80 {
		k.t.Errorf("the 查询码 is %.0f px high, want very large digits", px)
	}
	if got := k.textOf("#apply-due"); !regexp.MustCompile(`^\d{4}年\d{1,2}月\d{1,2}日前$`).MatchString(got) {
		k.t.Errorf("due date = %q", got)
	}
	var row struct {
		Channel string `db:"channel"`
		Type    string `db:"applicant_type"`
		Masked  string `db:"applicant_masked"`
		Info    string `db:"information"`
	}
	if err := k.db.Get(&row, `SELECT a.channel, a.applicant_type, a.applicant_masked, a.information FROM applications a
		JOIN queries q ON q.id = a.query_id WHERE q.code = $1`, code); err != nil {
		k.t.Fatalf("the application %s: %v", code, err)
	}
	if row.Channel != "kiosk" || row.Type != "natural" || row.Masked != "张*" || row.Info != "低保名单" {
		k.t.Errorf("stored application = %+v", row)
	}
	if n := keyedAnswers(k.t, k.db, "/api/v1/applications terminal:%", code); n != 1 {
		k.t.Errorf("the kiosk's application was not sent with an Idempotency-Key (%d stored answers hold %s)", n, code)
	}
	if eval[bool](k, `document.getElementById('main').innerText.includes('张三') || document.getElementById('main').innerText.includes('`+applyPhone+`')`) {
		k.t.Errorf("the 查询码 screen shows personal data")
	}
	k.checkBothModes("apply: 查询码")
	k.shot("elder-apply-done")
	k.do("portrait 查询码", k.portrait(), chromedp.WaitVisible(chromedp.CSS("#apply-code")))
	k.shot("portrait-elder-apply-done")
	k.do("landscape", k.landscape())

	k.do("打印回执", tap("#apply-receipt"), chromedp.WaitVisible(chromedp.CSS("#dialog")))
	if got := k.textOf("#dialog-title"); got != "正在打印回执" {
		k.t.Errorf("receipt print answered %q: %s", got, k.textOf("#dialog-text"))
	}
	k.printer.mu.Lock()
	jobs := len(k.printer.jobs)
	var job string
	if jobs > 0 {
		job = string(k.printer.jobs[jobs-1])
	}
	k.printer.mu.Unlock()
	if grouped := code[:4] + " " + code[4:8] + " " + code[8:]; jobs != 1 || !strings.Contains(job, grouped) {
		k.t.Errorf("the printer got %d jobs; the receipt carries the 查询码 %s: %v", jobs, grouped, strings.Contains(job, grouped))
	}
	k.do("close", tap("#dialog-close"), chromedp.WaitNotVisible(chromedp.CSS("#dialog")))

	k.do("查询办理进度", tap("#apply-status"), chromedp.WaitVisible(chromedp.CSS("#query-status")))
	status := k.textOf("#query-status")
	if !strings.Contains(status, code) || !strings.Contains(status, "县民政局") || !(strings.Contains(status, "办理中") || strings.Contains(status, "已受理")) {
		k.t.Errorf("查询办理进度 for %s shows %q, want the application accepted by 县民政局", code, status)
	}
	if got := k.textOf("#code-display"); strings.ReplaceAll(got, " ", "") != code {
		k.t.Errorf("the code pad shows %q", got)
	}
	k.checkBothModes("apply: status of the 查询码")

	k.idleForgetsApplication()
	k.pageErrors()
}

// idleForgetsApplication starts an application, leaves it half done and
// lets the idle reset come: nothing typed may stay on screen, in memory
// reachable from the page, in the resource timings or in storage.
func (k *kioskRig) idleForgetsApplication() {
	k.do("a second citizen starts", tap("#nav-home"), chromedp.WaitVisible(chromedp.CSS("#home-apply")), tap("#home-apply"), k.step("who"),
		tap(`[data-choice="natural"]`), k.step("name"))
	k.do("types a name", k.keys("#name", "WANGFANG"), k.pick("name", "王"), k.pick("name", "芳"))
	k.do("and an ID number", tap("#apply-next"), k.step("idtype"), tap(`[data-choice="resident_id"]`), k.step("idnumber"), k.keys("#idnumber", "110101"))
	k.do("the idle reset", waitJS(`!document.getElementById('idle').hidden`, 30*time.Second),
		waitJS(`document.getElementById('idle').hidden && document.body.dataset.view === 'home'`, 30*time.Second))
	if got := eval[int](k, `sessionStorage.length`); got != 0 {
		k.t.Errorf("sessionStorage holds %d items after the reset", got)
	}
	stored := eval[string](k, `JSON.stringify(Object.entries(localStorage))`)
	for _, leak := range []string{"王芳", "wangfang", "110101"} {
		if strings.Contains(stored, leak) {
			k.t.Errorf("localStorage keeps %q: %s", leak, stored)
		}
	}
	if n := eval[int](k, `performance.getEntriesByType('resource').filter((e) => e.name.includes('q=wang') || e.name.includes('q=fang')).length`); n != 0 {
		k.t.Errorf("the resource timings keep %d lookups of the pinyin typed", n)
	}
	if strings.Contains(eval[string](k, `document.body.innerText`), "王芳") {
		k.t.Errorf("the screen still shows the name")
	}
	k.do("start again", tap("#home-apply"), k.step("who"))
	if eval[bool](k, `!!document.querySelector('.apply-choice.is-chosen')`) {
		k.t.Errorf("the new application has an answer chosen already")
	}
	k.do("the name is empty", tap(`[data-choice="natural"]`), k.step("name"))
	if got := k.shown("name"); got != "" {
		k.t.Errorf("the name field after the reset holds %q", got)
	}
}

// TestKioskApplicationFromDocument: from a 依申请公开 document, an
// enterprise applies for it: the department and the information come
// pre-filled; a mistyped 统一社会信用代码 comes back from the server on
// its own screen; the corrected application is accepted.
func TestKioskApplicationFromDocument(t *testing.T) {
	k := newApplyKioskRig(t)
	var id int64
	if err := k.db.Get(&id, `SELECT id FROM public_documents WHERE disclosure = '依申请公开' ORDER BY id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	card := fmt.Sprintf(`article.result[data-id="%d"] .result-open`, id)
	k.do("find the 医保 report", tap(`[data-hot="医保"]`), chromedp.WaitVisible(chromedp.CSS(card)), tap(card),
		chromedp.WaitVisible(chromedp.CSS("#apply-doc")))
	if got := k.textOf(".doc-text"); !strings.Contains(got, "依申请公开") {
		k.t.Errorf("the document says %q", got)
	}
	k.checkBothModes("document with 申请获取这份文件")
	k.do("申请获取这份文件", tap("#apply-doc"), k.step("who"), tap(`[data-choice="org"]`), k.step("orgtype"))
	k.checkBothModes("apply: organisation type")
	k.do("商业企业", tap(`[data-choice="commercial"]`), k.step("name"))
	if eval[bool](k, `!!document.getElementById('name-mode')`) == false {
		k.t.Errorf("an organisation's name has no way to type letters")
	}
	k.do("the enterprise's name", k.keys("#name", "YIYUAN"), k.pick("name", "沂源"), k.keys("#name", "KEJI"), k.pick("name", "科技"),
		k.keys("#name", "GONGSI"), k.pick("name", "公司"))
	if got := k.shown("name"); got != "沂源科技公司" {
		k.t.Errorf("organisation name = %q", got)
	}
	k.checkApply("apply: an organisation's name")
	bad := applyCredit[:17] + "4"
	k.do("a 统一社会信用代码 with a wrong check character", tap("#apply-next"), k.step("credit"), k.keys("#credit", bad))
	k.checkBothModes("apply: credit code keyboard")
	k.do("the contact person", tap("#apply-next"), k.step("contact"), k.keys("#contact", "LISI"), k.pick("contact", "李四"))
	k.checkBothModes("apply: contact person")
	k.do("the phone", tap("#apply-next"), k.step("phone"), k.keys("#phone", "05333241304"))
	k.checkApply("apply: phone")
	k.do("the department", tap("#apply-next"), k.step("department"))
	k.checkApply("apply: department pre-chosen")
	if got := eval[string](k, `document.querySelector('.apply-choice.is-chosen')?.dataset.choice || ''`); got != "ybj" {
		k.t.Errorf("the department chosen for the 医保局's document = %q, want ybj", got)
	}
	k.do("the information is pre-filled", tap("#apply-next"), k.step("information"))
	if got := k.shown("information"); !strings.Contains(got, "《沂源县医疗保障局2024年度定点医药机构医保基金监督检查情况报告》") ||
		!strings.Contains(got, "索引号：11370323MB28567431/2025-00003") {
		k.t.Errorf("information = %q, want the document's title and 索引号", got)
	}
	k.checkApply("apply: information pre-filled")
	k.do("delivery", tap("#apply-next"), k.step("delivery"))
	k.checkApply("apply: delivery")
	k.do("electronic, by e-mail", tap(`[data-choice="electronic"]`), k.step("pickup"))
	k.checkApply("apply: pickup")
	k.do("e-mail", tap(`[data-choice="email"]`), k.step("email"), k.keys("#email", "LISI"), tap(`#email [data-key="@163.com"]`))
	if got := k.shown("email"); got != "lisi@163.com" {
		k.t.Errorf("e-mail = %q", got)
	}
	k.checkBothModes("apply: e-mail keyboard")
	k.do("confirm", tap("#apply-next"), k.step("confirm"))
	review := k.textOf("#apply-review")
	for _, want := range []string{"法人或其他组织（商业企业）", "沂源科技公司", "李*", "053****1304", "县医疗保障局", "l***@163.com"} {
		if !strings.Contains(review, want) {
			k.t.Errorf("the confirmation lacks %q:\n%s", want, review)
		}
	}
	k.checkApply("apply: confirm an organisation")
	k.do("submit: the server refuses the code", tap("#apply-next"), k.step("credit"), chromedp.WaitVisible(chromedp.CSS("#apply-error")))
	if got := k.textOf("#apply-error"); !strings.Contains(got, "校验位") {
		k.t.Errorf("the credit code step says %q, want the server's 校验位 message", got)
	}
	k.checkBothModes("apply: a field refused by the server")
	k.shot("apply-credit-refused")
	k.do("correct the last character, back to the confirmation", tap(`#credit [data-key="BACK"]`), k.keys("#credit", "3"),
		tap("#apply-next"), k.step("confirm"), tap("#apply-next"), k.step("done"))
	code := strings.ReplaceAll(k.textOf("#apply-code"), " ", "")
	var row struct {
		Type   string `db:"applicant_type"`
		Credit string `db:"credit_code"`
		Dep    string `db:"code"`
	}
	if err := k.db.Get(&row, `SELECT a.applicant_type, a.credit_code, d.code FROM applications a JOIN queries q ON q.id = a.query_id
		JOIN departments d ON d.id = a.department_id WHERE q.code = $1`, code); err != nil {
		k.t.Fatal(err)
	}
	if row.Type != "commercial" || row.Credit != applyCredit || row.Dep != "ybj" {
		k.t.Errorf("stored application = %+v", row)
	}
	k.do("返回 after submitting leaves the application", tap("#nav-back"), chromedp.WaitVisible(chromedp.CSS("#apply-doc")))
	k.pageErrors()
}

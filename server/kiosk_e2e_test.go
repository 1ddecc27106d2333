package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/printjob"
	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/migrations/pgtest"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/staff"
)

const chromiumPath = "/usr/bin/chromium"

// kioskRig is a govhall server on a real port with the demo catalog and a
// registered terminal, and a headless Chromium tab showing its kiosk page.
type kioskRig struct {
	t       *testing.T
	db      *sqlx.DB
	base    string
	token   string
	termID  int64
	printer *fakePrinter
	stop    func()
	tab     context.Context
	art     string

	mu     sync.Mutex
	errors []string // JavaScript exceptions and console errors
}

func newKioskRig(t *testing.T) *kioskRig {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the kiosk tests need headless Chromium at %s (make test installs it, or .ci/install-deps chromium fonts-noto-cjk): %v", chromiumPath, err)
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &kioskRig{t: t, db: db, base: "http://" + ln.Addr().String(), token: token, termID: term.ID, printer: printer, art: artifactsDir(t)}
	srv := server.New(server.Deps{Log: slog.New(slog.DiscardHandler), DB: db, Staff: staff.NewStore(db), Catalog: catalog,
		Search: idx, PublicBaseURL: k.base, KioskIdle: 12 * time.Second,
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
	k.tab = k.startChromium()
	return k
}

func artifactsDir(t *testing.T) string {
	dir := os.Getenv("GOVHALL_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "kiosk-e2e")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (k *kioskRig) startChromium() context.Context {
	profile := k.t.TempDir()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.UserDataDir(profile), chromedp.WindowSize(1920, 1080),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true), chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true), chromedp.Flag("lang", "zh-CN"))
	tab, cancelTab := chromedp.NewContext(actx)
	k.t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if err := chromedp.Do(tab); err != nil {
		k.t.Fatalf("start Chromium: %v", err)
	}
	err := chromedp.Listen(tab, func(ev any) {
		var msg string
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = "exception: " + e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type != runtime.ConsoleAPICalledTypeError {
				return
			}
			msg = "console.error:"
			for _, a := range e.Args {
				msg += " " + string(a.Value) + a.Description
			}
		default:
			return
		}
		k.mu.Lock()
		k.errors = append(k.errors, msg)
		k.mu.Unlock()
	})
	if err != nil {
		k.t.Fatal(err)
	}
	return tab
}

// do runs browser actions with a time limit; on failure it saves a
// screenshot of what the kiosk showed.
func (k *kioskRig) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(k.tab, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		k.shot("failed")
		k.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](k *kioskRig, expr string) T {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(k.tab, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		k.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS waits until a JavaScript expression is truthy.
func waitJS(expr string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout))
}

// tap touches an element the way a finger does (touch events, then click).
func tap(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Tap(chromedp.CSS(sel))
}

// jsq quotes a string for JavaScript.
func jsq(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// textOf waits for an element and returns its text.
func (k *kioskRig) textOf(sel string) string {
	k.t.Helper()
	k.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	return eval[string](k, `document.querySelector(`+jsq(sel)+`).innerText`)
}

func (k *kioskRig) landscape() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(1920, 1080, chromedp.EmulateTouch, chromedp.EmulateLandscape)
}

func (k *kioskRig) portrait() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(1080, 1920, chromedp.EmulateTouch, chromedp.EmulatePortrait)
}

// shot saves a screenshot of the viewport as NAME.png in the artifacts dir.
func (k *kioskRig) shot(name string) {
	ctx, cancel := context.WithTimeout(k.tab, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		k.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(k.art, name+".png"), png, 0o644); err != nil {
		k.t.Errorf("screenshot %s: %v", name, err)
	}
}

func (k *kioskRig) docID(indexNo string) int64 {
	k.t.Helper()
	var id int64
	if err := k.db.Get(&id, `SELECT id FROM documents WHERE index_no = $1`, indexNo); err != nil {
		k.t.Fatalf("document %s: %v", indexNo, err)
	}
	return id
}

// waitEvent waits until the terminal has recorded an event of kind (with
// this query, when query is not empty).
func (k *kioskRig) waitEvent(kind, query string) {
	k.t.Helper()
	k.waitRows(fmt.Sprintf("a %s event (query %q)", kind, query),
		`SELECT count(*) FROM terminal_events WHERE terminal_id = $1 AND kind = $2 AND ($3 = '' OR query = $3)`, k.termID, kind, query)
}

// waitRows waits until a count query (the kiosk's requests are
// asynchronous) is positive.
func (k *kioskRig) waitRows(what, countSQL string, args ...any) {
	k.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		if err := k.db.Get(&n, countSQL, args...); err != nil {
			k.t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("the kiosk never recorded %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkScreen checks what every screen must satisfy: touch targets of at
// least 60×60 px, text contrast of at least 4.5:1, and in elder mode no
// text under 24 px.
func (k *kioskRig) checkScreen(name string) {
	k.t.Helper()
	for _, b := range eval[[]string](k, smallTargetsJS) {
		k.t.Errorf("%s: touch target smaller than 60×60: %s", name, b)
	}
	for _, c := range eval[[]string](k, lowContrastJS) {
		k.t.Errorf("%s: contrast below 4.5:1: %s", name, c)
	}
	if eval[bool](k, `document.documentElement.classList.contains('elder')`) {
		for _, s := range eval[[]string](k, smallTextJS) {
			k.t.Errorf("%s (elder mode): text under 24px: %s", name, s)
		}
	}
}

const visibleJS = `const visible = (el) => el.checkVisibility({ checkVisibilityCSS: true, checkOpacity: true });`

const smallTargetsJS = `(() => { ` + visibleJS + `
  return [...document.querySelectorAll('button, a[href], input, select, [role="button"]')].filter(visible)
    .map((el) => [el, el.getBoundingClientRect()]).filter(([, r]) => r.width < 60 || r.height < 60)
    .map(([el, r]) => (el.id || el.className) + ' "' + (el.innerText || el.value || '').trim().slice(0, 24) + '" ' + Math.round(r.width) + '×' + Math.round(r.height));
})()`

const lowContrastJS = `(() => { ` + visibleJS + `
  const rgba = (c) => (c.match(/[\d.]+/g) || [0, 0, 0, 0]).map(Number).concat([1]).slice(0, 4);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const bgOf = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor); if (c[3] > 0.5) return c; } return [255, 255, 255, 1]; };
  const out = []; const seen = new Set();
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const el = walk.currentNode.parentElement;
    if (!walk.currentNode.textContent.trim() || seen.has(el) || !visible(el)) continue;
    seen.add(el);
    const a = lum(rgba(getComputedStyle(el).color)), b = lum(bgOf(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) out.push('"' + el.textContent.trim().slice(0, 20) + '" ' + ratio.toFixed(2));
  }
  return out;
})()`

const smallTextJS = `(() => { ` + visibleJS + `
  const out = []; const seen = new Set();
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const el = walk.currentNode.parentElement;
    if (!walk.currentNode.textContent.trim() || seen.has(el) || !visible(el)) continue;
    seen.add(el);
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < 24) out.push('"' + el.textContent.trim().slice(0, 20) + '" ' + px + 'px');
  }
  return out;
})()`

// TestKioskInChromium drives the kiosk page in headless Chromium by touch,
// as a citizen would, in landscape and portrait.
func TestKioskInChromium(t *testing.T) {
	start := time.Now()
	k := newKioskRig(t)
	t.Logf("screenshots in %s", k.art)
	k.openWithToken()
	k.searchWithKeyboard()
	k.hotTopicAndCategory()
	k.documentWithInterpretation()
	k.repealedDocument()
	k.notFoundAndHelp()
	k.queryCode()
	k.elderMode()
	k.printSlip()
	k.idleReset()
	k.offline()
	k.mu.Lock()
	for _, e := range k.errors {
		t.Errorf("page error: %s", e)
	}
	k.mu.Unlock()
	t.Logf("kiosk e2e took %s", time.Since(start).Round(time.Millisecond))
}

func (k *kioskRig) openWithToken() {
	k.do("open the kiosk", k.landscape(), chromedp.Navigate(k.base+"/kiosk/?terminal="+k.token),
		chromedp.WaitVisible(chromedp.CSS(".tile-cat")),
		waitJS(`document.getElementById('place').textContent !== ''`, 10*time.Second),
		waitJS(`navigator.serviceWorker.controller !== null`, 15*time.Second))
	if got := eval[string](k, `location.href`); got != k.base+"/kiosk/" {
		k.t.Errorf("address after opening = %s, want the token stripped: %s/kiosk/", got, k.base)
	}
	if got := eval[string](k, `localStorage.getItem('govhall.kiosk.terminal')`); got != k.token {
		k.t.Errorf("stored terminal token = %q, want the one from the address", got)
	}
	if got := k.textOf("#place"); got != "县政务服务中心一楼查询机" {
		k.t.Errorf("terminal name shown = %q", got)
	}
	for _, hot := range []string{"低保", "医保", "社保", "公积金", "入学", "残疾人补贴", "高龄津贴", "创业补贴"} {
		if !eval[bool](k, `!!document.querySelector('[data-hot=`+jsq(hot)+`]')`) {
			k.t.Errorf("home has no hot topic %s", hot)
		}
	}
	k.checkScreen("home")
	k.shot("landscape-home")
	k.do("portrait home", k.portrait(), chromedp.WaitVisible(chromedp.CSS(".tile-cat")))
	k.checkScreen("home portrait")
	k.shot("portrait-home")
	k.do("back to landscape", k.landscape())
}

func (k *kioskRig) searchWithKeyboard() {
	k.do("type DB on the on-screen keyboard", tap("#home-search"), tap(`[data-key="D"]`), tap(`[data-key="B"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-candidate="低保"]`)))
	if got := eval[string](k, `document.getElementById('search-input').value`); got != "DB" {
		k.t.Errorf("search field after tapping D, B = %q, want DB", got)
	}
	k.checkScreen("search")
	k.shot("landscape-search")
	k.do("portrait search", k.portrait(), chromedp.WaitVisible(chromedp.CSS(".keyboard")))
	k.checkScreen("search portrait")
	k.shot("portrait-search")
	k.do("search DB", k.landscape(), tap(`[data-key="ENTER"]`), chromedp.WaitVisible(chromedp.CSS("#results .result")))
	if got := k.textOf(".page-title"); !strings.Contains(got, "DB") {
		k.t.Errorf("results heading = %q, want it to name the search DB", got)
	}
	if got := k.textOf("#results .result-title"); !strings.Contains(got, "低保") && !strings.Contains(got, "最低生活保障") {
		k.t.Errorf("first result for DB = %q, want a 低保 (最低生活保障) document", got)
	}
	k.waitEvent("search", "DB")
	k.do("back to the keyboard, take the candidate 低保", tap("#nav-back"), chromedp.WaitVisible(chromedp.CSS(`[data-candidate="低保"]`)))
	if got := eval[string](k, `document.getElementById('search-input').value`); got != "DB" {
		k.t.Errorf("search field after going back = %q, want DB kept", got)
	}
	k.do("tap the candidate", tap(`[data-candidate="低保"]`), waitJS(`document.querySelector('.page-title')?.innerText.includes('低保')`, 10*time.Second))
	k.waitEvent("search", "低保")
	k.checkScreen("results")
	k.shot("landscape-results")
}

func (k *kioskRig) hotTopicAndCategory() {
	k.do("tap the hot topic 医保", tap("#nav-home"), tap(`[data-hot="医保"]`),
		waitJS(`document.querySelector('.page-title')?.innerText.includes('医保')`, 10*time.Second))
	k.waitEvent("search", "医保")
	k.do("tap the category tile 重点领域", tap("#nav-home"), tap(`[data-category="重点领域"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-remove="category"]`)),
		tap(`[data-facet="category"][data-value="重点领域/社会救助"]`),
		waitJS(`document.querySelector('[data-remove="category"]')?.innerText.includes('社会救助')`, 10*time.Second))
	var want int
	err := k.db.Get(&want, `SELECT count(*) FROM public_documents d JOIN categories c ON c.id = d.category_id WHERE c.path = '重点领域/社会救助'`)
	if err != nil {
		k.t.Fatal(err)
	}
	if got := eval[int](k, `document.querySelectorAll('#results .result').length`); got != want {
		k.t.Errorf("社会救助 lists %d documents, want %d", got, want)
	}
}

func (k *kioskRig) documentWithInterpretation() {
	policy := k.docID("113703230042401047/2024-00002")
	k.do("open the 低保 policy", tap(fmt.Sprintf(`article.result[data-id="%d"] .result-open`, policy)),
		waitJS(`document.querySelector('.side-doc-title')?.innerText.includes('政策解读')`, 10*time.Second))
	k.waitEvent("view", "")
	sideBySide := `(() => { const b = document.querySelector('.doc-body').getBoundingClientRect(), s = document.querySelector('#doc-side').getBoundingClientRect();
		return s.left >= b.right - 1 && Math.abs(s.top - b.top) < 2; })()`
	if !eval[bool](k, sideBySide) {
		k.t.Errorf("landscape: the interpretation is not beside the text")
	}
	k.checkScreen("document")
	k.shot("landscape-document")
	k.do("portrait document", k.portrait(), chromedp.WaitVisible(chromedp.CSS("#doc-side")))
	stacked := `(() => { const b = document.querySelector('.doc-body').getBoundingClientRect(), s = document.querySelector('#doc-side').getBoundingClientRect();
		return s.top >= b.bottom - 1; })()`
	if !eval[bool](k, stacked) {
		k.t.Errorf("portrait: the interpretation is not below the text")
	}
	k.checkScreen("document portrait")
	k.shot("portrait-document")
	qr := eval[bool](k, `(() => { const f = document.getElementById('qr'); return !f || f.hidden || f.querySelector('img').naturalWidth > 0; })()`)
	if !qr {
		k.t.Errorf("the QR image is shown broken instead of hidden")
	}
	k.do("landscape again", k.landscape())
}

func (k *kioskRig) repealedDocument() {
	old, current := k.docID("113703230042401047/2019-00001"), k.docID("113703230042401047/2024-00002")
	card := fmt.Sprintf(`article.result[data-id="%d"]`, old)
	k.do("back to the list", tap("#nav-back"), chromedp.WaitVisible(chromedp.CSS(card)))
	badge := eval[string](k, `(() => { const b = document.querySelector(`+jsq(card+" .badge-bad")+`); return b && b.querySelector('svg') ? b.innerText : ''; })()`)
	if badge != "已废止" {
		k.t.Errorf("repealed result badge = %q, want 已废止 with an icon", badge)
	}
	if got := k.textOf(card + " .replacement"); !strings.Contains(got, "已被《沂源县最低生活保障审批管理办法》") {
		k.t.Errorf("repealed result link = %q, want 已被《沂源县最低生活保障审批管理办法》…替代", got)
	}
	k.do("open the repealed document", tap(card+" .result-open"), chromedp.WaitVisible(chromedp.CSS("#validity-notice")))
	if got := k.textOf("#validity-notice"); !strings.Contains(got, "已废止") || !strings.Contains(got, "替代") {
		k.t.Errorf("repealed document notice = %q", got)
	}
	k.shot("landscape-repealed")
	k.do("follow the replacement link", tap("#validity-notice .replacement"),
		waitJS(fmt.Sprintf(`document.querySelector('.doc-view')?.dataset.id === '%d'`, current), 10*time.Second))
}

func (k *kioskRig) notFoundAndHelp() {
	k.do("a category with no documents", tap("#nav-home"), tap(`[data-category="人事信息"]`), chromedp.WaitVisible(chromedp.CSS("#notfound")))
	if got := k.textOf("#notfound"); !strings.Contains(got, "96128") || !strings.Contains(got, "申请") {
		k.t.Errorf("nothing found page = %q, want the way to 依申请公开 and 96128", got)
	}
	k.checkScreen("not found")
	k.do("找不到？", tap("#nav-help"), chromedp.WaitVisible(chromedp.CSS(".apply")))
	k.checkScreen("help")
}

// unknownCode is a well-formed 查询码 (nine digits and a Damm check digit)
// that no query has.
const unknownCode = "1234567894"

func (k *kioskRig) queryCode() {
	keys := []chromedp.Action[chromedp.Void]{tap("#nav-code")}
	for _, d := range unknownCode[:9] + "9" {
		keys = append(keys, tap(`.numpad [data-key="`+string(d)+`"]`))
	}
	keys = append(keys, tap(`.numpad [data-key="BACK"]`), tap(`.numpad [data-key="4"]`))
	k.do("enter a 查询码 on the pad", keys...)
	if got := k.textOf("#code-display"); got != "1234 5678 94" {
		k.t.Errorf("code display = %q, want 1234 5678 94", got)
	}
	k.checkScreen("query code")
	k.do("portrait code", k.portrait(), chromedp.WaitVisible(chromedp.CSS(".numpad")))
	k.shot("portrait-code")
	k.do("check it", k.landscape(), tap("#code-submit"), waitJS(`document.querySelector('#code-result [role="alert"]')`, 10*time.Second))
	if got := k.textOf("#code-result"); !strings.Contains(got, "未找到该查询码") {
		k.t.Errorf("unknown code answer = %q, want 未找到该查询码", got)
	}
	k.waitEvent("query_check", "")
	var leaked int
	k.db.Get(&leaked, `SELECT count(*) FROM terminal_events WHERE query LIKE '%5678%'`)
	if leaked > 0 {
		k.t.Errorf("the 查询码 was stored in the usage statistics")
	}
}

func (k *kioskRig) elderMode() {
	k.do("elder mode on", tap("#nav-elder"), waitJS(`document.documentElement.classList.contains('elder')`, 5*time.Second))
	if got := k.textOf("#elder-state"); got != "开" {
		k.t.Errorf("elder toggle says %q, want 开 (not colour only)", got)
	}
	if px := eval[float64](k, `parseFloat(getComputedStyle(document.body).fontSize)`); px < 24 {
		k.t.Errorf("elder mode body font-size = %.1fpx, want ≥ 24", px)
	}
	k.checkScreen("elder code")
	k.do("elder home", tap("#nav-home"), chromedp.WaitVisible(chromedp.CSS(".tile-cat")))
	k.checkScreen("elder home")
	k.shot("landscape-elder-home")
	k.do("elder search", tap("#nav-search"), chromedp.WaitVisible(chromedp.CSS(".keyboard")))
	k.checkScreen("elder search")
	k.do("elder results", tap(`[data-candidate="低保"]`), chromedp.WaitVisible(chromedp.CSS("#results .result")))
	k.checkScreen("elder results")
	k.do("elder document", tap("#results .result-open"), chromedp.WaitVisible(chromedp.CSS(".doc-text")))
	if px := eval[float64](k, `parseFloat(getComputedStyle(document.querySelector('.doc-text')).fontSize)`); px < 24 {
		k.t.Errorf("elder mode document text = %.1fpx, want ≥ 24", px)
	}
	k.checkScreen("elder document")
	k.do("portrait elder document", k.portrait(), chromedp.WaitVisible(chromedp.CSS(".doc-text")))
	k.checkScreen("elder document portrait")
	k.shot("portrait-elder-document")
	if !eval[bool](k, `!document.getElementById('nav-speak').hidden`) {
		k.t.Errorf("the read-aloud button is hidden although Chromium has speechSynthesis")
	}
	k.do("landscape", k.landscape())
}

func (k *kioskRig) printSlip() {
	k.do("print", chromedp.WaitVisible(chromedp.CSS("#print")), tap("#print"), chromedp.WaitVisible(chromedp.CSS("#dialog")))
	if got := k.textOf("#dialog-title"); got != "正在打印" {
		k.t.Errorf("print answered %q: %s", got, k.textOf("#dialog-text"))
	}
	k.printer.mu.Lock()
	jobs := len(k.printer.jobs)
	k.printer.paperOut = true
	k.printer.mu.Unlock()
	if jobs != 1 {
		k.t.Errorf("the printer received %d jobs, want 1", jobs)
	}
	k.waitEvent("print", "")
	k.waitRows("the print of a search result for the search to learn from", `SELECT count(*) FROM search_clicks WHERE action = 'print'`)
	k.do("print without paper", tap("#dialog-close"), chromedp.WaitNotVisible(chromedp.CSS("#dialog")),
		tap("#print"), chromedp.WaitVisible(chromedp.CSS("#dialog")))
	if got := k.textOf("#dialog-title") + k.textOf("#dialog-text"); !strings.Contains(got, "打印没有成功") || !strings.Contains(got, "缺纸") {
		k.t.Errorf("print without paper said %q", got)
	}
	k.do("the button follows the printer", tap("#dialog-close"),
		waitJS(`document.getElementById('print')?.disabled && document.getElementById('print-area').innerText.includes('打印机暂不可用')`, 10*time.Second))
	k.shot("landscape-elder-no-paper")
}

func (k *kioskRig) idleReset() {
	k.do("use the kiosk, then leave it", tap("#nav-home"), chromedp.WaitVisible(chromedp.CSS("#viewed-title")),
		tap("#nav-search"), tap(`[data-key="CLEAR"]`), tap(`[data-key="G"]`), tap(`[data-key="J"]`),
		waitJS(`document.getElementById('search-input').value === 'GJ'`, 5*time.Second))
	if !eval[bool](k, `document.documentElement.classList.contains('elder')`) {
		k.t.Fatalf("elder mode went off before the idle reset")
	}
	k.do("the countdown shows", waitJS(`!document.getElementById('idle').hidden`, 15*time.Second))
	if got := k.textOf("#idle"); !strings.Contains(got, "即将返回首页") {
		k.t.Errorf("idle warning = %q", got)
	}
	if n := eval[int](k, `Number(document.getElementById('idle-count').textContent)`); n < 1 || n > 10 {
		k.t.Errorf("idle countdown shows %d", n)
	}
	k.shot("landscape-idle-countdown")
	k.do("back home", waitJS(`document.getElementById('idle').hidden && document.body.dataset.view === 'home'`, 15*time.Second))
	if eval[bool](k, `document.documentElement.classList.contains('elder') || !!document.getElementById('viewed-title')`) {
		k.t.Errorf("idle reset kept elder mode or the list of viewed documents")
	}
	if got := eval[string](k, `location.href`); got != k.base+"/kiosk/" {
		k.t.Errorf("address after the reset = %s", got)
	}
	k.waitEvent("idle_reset", "")
	k.do("the search field is empty again", tap("#nav-search"), chromedp.WaitVisible(chromedp.CSS("#search-input")))
	if got := eval[string](k, `document.getElementById('search-input').value`); got != "" {
		k.t.Errorf("search field after the idle reset = %q, want empty", got)
	}
}

func (k *kioskRig) offline() {
	doc := k.docID("113703230042401047/2024-00002")
	k.do("view a document while online", tap("#nav-home"), tap(`[data-category="重点领域"]`),
		tap(fmt.Sprintf(`article.result[data-id="%d"] .result-open`, doc)), chromedp.WaitVisible(chromedp.CSS(".doc-text")))
	k.stop()
	k.do("reload with the server gone", chromedp.Navigate(k.base+"/kiosk/"), chromedp.WaitVisible(chromedp.CSS(".tile-cat")),
		waitJS(`!document.getElementById('offline').hidden && document.getElementById('offline-text').textContent.includes('显示的是')`, 15*time.Second))
	if got := k.textOf("#offline-text"); !strings.HasPrefix(got, "网络已断开，显示的是 ") || !strings.HasSuffix(got, " 的内容") {
		k.t.Errorf("offline banner = %q", got)
	}
	k.shot("landscape-offline")
	k.do("open a saved document offline", tap(`.home-offline .chip-doc`),
		chromedp.WaitVisible(chromedp.CSS(".doc-text")))
	if got := k.textOf("#doc-title"); got == "" {
		k.t.Errorf("the saved document has no title offline")
	}
	k.shot("landscape-offline-document")
}

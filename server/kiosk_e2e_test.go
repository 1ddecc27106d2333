package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestKioskInChromium drives the kiosk page in headless Chromium by touch,
// as a citizen would, in landscape and portrait.
func TestKioskInChromium(t *testing.T) {
	start := time.Now()
	k := newKioskRig(t, true)
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
	k.pageErrors()
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
	if eval[bool](k, `!!document.querySelector('[data-category="人事信息"]')`) {
		k.t.Errorf("home shows a tile for 人事信息, a category with no public documents")
	}
	if eval[bool](k, `document.getElementById('nav-back').checkVisibility({ checkVisibilityCSS: true })`) {
		k.t.Errorf("home offers 返回, which leads nowhere there")
	}
	k.checkScreen("home")
	k.shot("landscape-home")
	k.do("portrait home", k.portrait(), chromedp.WaitVisible(chromedp.CSS(".tile-cat")))
	k.shot("portrait-home")
	k.do("back to landscape", k.landscape())
}

func (k *kioskRig) searchWithKeyboard() {
	k.do("type DB on the on-screen keyboard", tap("#home-search"), tap(`[data-key="D"]`), tap(`[data-key="B"]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-candidate="低保"]`)))
	if got := eval[string](k, `document.getElementById('search-input').value`); got != "DB" {
		k.t.Errorf("search field after tapping D, B = %q, want DB", got)
	}
	if !eval[bool](k, `document.getElementById('nav-back').checkVisibility({ checkVisibilityCSS: true })`) {
		k.t.Errorf("the search screen does not offer 返回")
	}
	k.checkScreen("search")
	k.shot("landscape-search")
	k.do("portrait search", k.portrait(), chromedp.WaitVisible(chromedp.CSS(".keyboard")))
	k.shot("portrait-search")
	k.do("search DB", k.landscape(), tap(`[data-key="ENTER"]`), chromedp.WaitVisible(chromedp.CSS("#results .result")))
	if got := k.textOf(".page-title"); !strings.Contains(got, "DB") {
		k.t.Errorf("results heading = %q, want it to name the search DB", got)
	}
	if got := k.textOf("#results .result-title"); !strings.Contains(got, "低保") && !strings.Contains(got, "最低生活保障") {
		k.t.Errorf("first result for DB = %q, want a 低保 (最低生活保障) document", got)
	}
	k.waitEvent("search", "DB")
	k.waitDB("the search counted for the terminal's place", `SELECT count(*) > 0 FROM search_demand WHERE place = '服务大厅' AND query ILIKE 'db'`, 15*time.Second)
	k.do("back to the keyboard, take the candidate 低保", tap("#nav-back"), chromedp.WaitVisible(chromedp.CSS(`[data-candidate="低保"]`)))
	if got := eval[string](k, `document.getElementById('search-input').value`); got != "DB" {
		k.t.Errorf("search field after going back = %q, want DB kept", got)
	}
	k.do("tap the candidate", tap(`[data-candidate="低保"]`), waitJS(`document.querySelector('.page-title')?.innerText.includes('低保')`, 10*time.Second))
	k.waitEvent("search", "低保")
	k.checkScreen("results")
	k.shot("landscape-results")
	k.resultsFirstInPortrait("results")
}

// resultsFirstInPortrait checks that in portrait the first result shows on
// the first screen, the filters waiting behind one 筛选 button.
func (k *kioskRig) resultsFirstInPortrait(name string) {
	k.do(name+": portrait", k.portrait(), chromedp.WaitVisible(chromedp.CSS("#results .result")))
	firstOnScreen := `(() => { const r = document.querySelector('#results .result').getBoundingClientRect(),
		m = document.getElementById('main').getBoundingClientRect(); return r.top >= m.top && r.top + 80 <= m.bottom; })()`
	if !eval[bool](k, firstOnScreen) {
		k.t.Errorf("%s, portrait: the first result is not on the first screen", name)
	}
	if eval[bool](k, `document.getElementById('facets').checkVisibility()`) {
		k.t.Errorf("%s, portrait: the filters show before the results", name)
	}
	k.do(name+": open the filters", tap("#filter-toggle"), chromedp.WaitVisible(chromedp.CSS("#facets")))
	if got := eval[string](k, `document.getElementById('filter-toggle').getAttribute('aria-expanded')`); got != "true" {
		k.t.Errorf("%s: 筛选 button aria-expanded = %q after opening", name, got)
	}
	k.checkLayout(name + " (portrait, filters open)")
	k.shot("portrait-" + strings.ReplaceAll(name, " ", "-") + "-filters")
	k.do(name+": close the filters", tap("#filter-toggle"), chromedp.WaitNotVisible(chromedp.CSS("#facets")), k.landscape())
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
	k.pageThrough("#body-pager", "#doc-body")
	k.do("portrait document", k.portrait(), chromedp.WaitVisible(chromedp.CSS("#doc-side")))
	stacked := `(() => { const b = document.querySelector('.doc-body').getBoundingClientRect(), s = document.querySelector('#doc-side').getBoundingClientRect();
		return s.top >= b.bottom - 1; })()`
	if !eval[bool](k, stacked) {
		k.t.Errorf("portrait: the interpretation is not below the text")
	}
	k.do("portrait: the text box loses its own page buttons (the page scrolls)",
		waitJS(`!document.getElementById('body-pager').checkVisibility()`, 5*time.Second))
	k.pageThrough("#page-pager", "#main")
	k.shot("portrait-document")
	qr := fmt.Sprintf(`(() => { const f = document.getElementById('qr'), img = f && f.querySelector('img');
		return !!img && !f.hidden && img.complete && img.naturalWidth > 0 && new URL(img.src).pathname === '/api/v1/documents/%d/qr.svg'; })()`, policy)
	k.do("the QR code of the document shows", waitJS(qr, 10*time.Second))
	k.do("landscape again", k.landscape())
}

// pageThrough checks the page buttons of a scrolling box: they show where
// the reader is, and 下一页 / 上一页 turn the box a page on and back.
func (k *kioskRig) pageThrough(pagerSel, boxSel string) {
	k.t.Helper()
	k.do("page buttons "+pagerSel, chromedp.WaitVisible(chromedp.CSS(pagerSel)))
	if got := k.textOf(pagerSel + " .pager-pos"); !strings.HasPrefix(got, "第 1 / ") {
		k.t.Errorf("%s says %q at the top, want 第 1 / N 页", pagerSel, got)
	}
	top := `document.querySelector(` + jsq(boxSel) + `).scrollTop`
	k.do("下一页", tap(pagerSel+" .btn-primary"), waitJS(top+` > 100`, 5*time.Second),
		waitJS(`document.querySelector(`+jsq(pagerSel+" .pager-pos")+`).textContent.startsWith('第 2 / ')`, 5*time.Second))
	k.do("上一页", tap(pagerSel+" .btn-secondary"), waitJS(top+` < 2`, 5*time.Second))
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
	k.do("a search that finds nothing", tap("#nav-search"), tap(`[data-key="CLEAR"]`), tap(`[data-key="X"]`), tap(`[data-key="Q"]`),
		tap(`[data-key="X"]`), tap(`[data-key="Q"]`), tap(`[data-key="X"]`), tap(`[data-key="Q"]`), tap(`[data-key="ENTER"]`),
		chromedp.WaitVisible(chromedp.CSS("#notfound")))
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
	k.do("clear the last search", tap("#search-clear"), chromedp.WaitVisible(chromedp.CSS(`[data-candidate="低保"]`)))
	k.checkScreen("elder search")
	k.do("elder results", tap(`[data-candidate="低保"]`), chromedp.WaitVisible(chromedp.CSS("#results .result")))
	k.checkScreen("elder results")
	k.resultsFirstInPortrait("elder results")
	k.do("elder document", tap("#results .result-open"), chromedp.WaitVisible(chromedp.CSS(".doc-text")))
	if px := eval[float64](k, `parseFloat(getComputedStyle(document.querySelector('.doc-text')).fontSize)`); px < 24 {
		k.t.Errorf("elder mode document text = %.1fpx, want ≥ 24", px)
	}
	k.checkScreen("elder document")
	k.do("portrait elder document", k.portrait(), chromedp.WaitVisible(chromedp.CSS(".doc-text")))
	k.shot("portrait-elder-document")
	k.do("landscape", k.landscape())
	k.readAloud()
}

// readAloud taps 朗读: Debian's Chromium has no Mandarin voice, so the
// server speaks (espeak-ng) and the page plays what it sends.
func (k *kioskRig) readAloud() {
	if !eval[bool](k, `!document.getElementById('nav-speak').hidden`) {
		k.t.Errorf("朗读 is hidden although the server can speak")
		return
	}
	spoken := `performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/v1/terminals/speech') && e.responseStatus === 200).length`
	k.do("朗读", tap("#nav-speak"), waitJS(spoken+` > 0`, 15*time.Second))
	if got := k.textOf("#speak-label"); got != "停止朗读" && eval[int](k, spoken) == 0 {
		k.t.Errorf("after tapping 朗读 the button says %q", got)
	}
	k.do("stop reading", waitJS(`document.getElementById('speak-label').textContent === '停止朗读' ? (document.getElementById('nav-speak').click(), true) : true`, 5*time.Second),
		waitJS(`document.getElementById('speak-label').textContent === '朗读'`, 5*time.Second))
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
	k.plainForCitizens("print without paper", k.textOf("#dialog-text"))
	k.do("the button follows the printer", tap("#dialog-close"),
		waitJS(`document.getElementById('print')?.disabled && document.getElementById('print-area').innerText.includes('打印机暂不可用')`, 10*time.Second))
	k.plainForCitizens("print area without paper", k.textOf("#print-area"))
	k.shot("landscape-elder-no-paper")
}

// plainForCitizens checks a message shown to citizens: no doubled full
// stops, no printer address, no advice meant for staff, and the QR code
// offered instead.
func (k *kioskRig) plainForCitizens(what, msg string) {
	k.t.Helper()
	for _, bad := range []string{"。。", "127.0.0.1", "网线", "热敏纸卷", "请检查"} {
		if strings.Contains(msg, bad) {
			k.t.Errorf("%s: %q contains %q", what, msg, bad)
		}
	}
	if !strings.Contains(msg, "二维码") {
		k.t.Errorf("%s: %q does not offer the QR code", what, msg)
	}
}

func (k *kioskRig) idleReset() {
	k.do("use the kiosk, then leave it", tap("#nav-home"), chromedp.WaitVisible(chromedp.CSS("#viewed-title")),
		tap("#nav-search"), tap(`[data-key="CLEAR"]`), tap(`[data-key="G"]`), tap(`[data-key="J"]`),
		waitJS(`document.getElementById('search-input').value === 'GJ'`, 5*time.Second))
	if !eval[bool](k, `document.documentElement.classList.contains('elder')`) {
		k.t.Fatalf("elder mode went off before the idle reset")
	}
	k.do("the countdown shows", waitJS(`!document.getElementById('idle').hidden`, 30*time.Second))
	if got := k.textOf("#idle"); !strings.Contains(got, "即将返回首页") {
		k.t.Errorf("idle warning = %q", got)
	}
	if n := eval[int](k, `Number(document.getElementById('idle-count').textContent)`); n < 1 || n > 10 {
		k.t.Errorf("idle countdown shows %d", n)
	}
	k.shot("landscape-idle-countdown")
	k.do("back home", waitJS(`document.getElementById('idle').hidden && document.body.dataset.view === 'home'`, 30*time.Second))
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
	if !eval[bool](k, `!document.getElementById('print') || document.getElementById('print').disabled`) {
		k.t.Errorf("print is offered while offline")
	}
	k.shot("landscape-offline-document")
}

// waitDB polls a boolean query until it is true.
func (k *kioskRig) waitDB(what, q string, within time.Duration) {
	k.t.Helper()
	deadline := time.Now().Add(within)
	for {
		var ok bool
		if err := k.db.Get(&ok, q); err != nil {
			k.t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/printjob"
	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/migrations/pgtest"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/staff"
)

// The browser rig of the kiosk tests (kiosk_e2e_test.go): a server on a
// real port, headless Chromium, touch helpers and the checks every screen
// must pass.

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
	*browser
}

// newKioskRig starts the rig; speech says whether the server reads aloud
// (espeak-ng) for a browser without a Mandarin voice.
func newKioskRig(t *testing.T, speech bool) *kioskRig {
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
	k := &kioskRig{t: t, db: db, base: "http://" + ln.Addr().String(), token: token, termID: term.ID, printer: printer}
	var speaker *kiosk.Speaker
	if speech {
		speaker = kiosk.NewSpeaker(2)
		if !speaker.Available() {
			t.Fatal("the kiosk tests need espeak-ng for read-aloud (make test installs it)")
		}
	}
	srv := server.New(server.Deps{Log: slog.New(slog.DiscardHandler), DB: db, Staff: staff.NewStore(db), Catalog: catalog,
		Search: idx, PublicBaseURL: k.base, KioskIdle: 12 * time.Second, Speech: speaker,
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
	k.browser = newBrowser(t, "kiosk-e2e")
	return k
}

func (k *kioskRig) landscape() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(1920, 1080, chromedp.EmulateTouch, chromedp.EmulateLandscape)
}

func (k *kioskRig) portrait() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(1080, 1920, chromedp.EmulateTouch, chromedp.EmulatePortrait)
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

// checkScreen checks the screen in landscape and in portrait, then turns
// back to the orientation it was in.
func (k *kioskRig) checkScreen(name string) {
	k.t.Helper()
	// The checks take seconds that a citizen would spend touching the
	// screen; they must not run into the idle reset.
	defer eval[bool](k, `document.dispatchEvent(new Event('pointerdown')) || true`)
	eval[bool](k, `document.dispatchEvent(new Event('pointerdown')) || true`)
	portrait := eval[bool](k, `matchMedia('(orientation: portrait)').matches`)
	k.checkLayout(name + map[bool]string{true: " (portrait)", false: " (landscape)"}[portrait])
	other, back := k.portrait(), k.landscape()
	if portrait {
		other, back = back, other
	}
	k.do("turn the screen", other, waitJS(`document.readyState === 'complete'`, 5*time.Second))
	k.checkLayout(name + map[bool]string{true: " (landscape)", false: " (portrait)"}[portrait])
	k.do("turn the screen back", back, waitJS(`document.readyState === 'complete'`, 5*time.Second))
}

// checkLayout checks what every screen must satisfy: touch targets of at
// least 60×60 px, text contrast of at least 4.5:1, in elder mode no text
// under 24 px, and no critical or serious WCAG 2.1 AA violation (axe-core).
func (k *kioskRig) checkLayout(name string) {
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
	// Pinch zoom stays off on purpose: a kiosk's layout is fixed to its
	// screen, and elder mode enlarges everything instead.
	axeCheck(k.t, k.tab, name, "meta-viewport")
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

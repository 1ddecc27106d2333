package server_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDocumentPageInChromium: under its CSP (no inline style) the public
// page of a document is still styled, by its own stylesheet, and passes
// axe; so is the page of a code that is not public.
func TestDocumentPageInChromium(t *testing.T) {
	f := newFixture(t)
	base := f.listen()
	var code string
	if err := f.db.QueryRow(`SELECT code FROM public_documents WHERE validity <> '有效' LIMIT 1`).Scan(&code); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, "document-page")
	b.do("open a repealed document's page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/d/"+code),
		chromedp.WaitVisible(chromedp.CSS("main h1")))
	// 46rem of the root's 16 px: the stylesheet applied.
	if got := eval[string](b, `getComputedStyle(document.querySelector('main')).maxWidth`); got != "736px" {
		t.Errorf("main's max-width = %q, want 736px from document.css", got)
	}
	if got := eval[string](b, `getComputedStyle(document.querySelector('.status.void')).color`); got != "rgb(164, 0, 0)" {
		t.Errorf("the repealed mark's colour = %q, want the stylesheet's rgb(164, 0, 0)", got)
	}
	axeCheck(t, b.tab, "document page")
	b.do("open an unknown code", chromedp.Navigate(base+"/d/zzzzzzzz"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if got := eval[string](b, `getComputedStyle(document.body).fontSize`); got != "20px" {
		t.Errorf("the not-found page's text = %q, want 20px from document.css", got)
	}
	b.pageErrors()
}

package server_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govhall/govhall/hotline/stats/statstest"
)

// fetchText fetches a URL from the page (with its cookies) and returns the
// body as text, a BOM kept.
func fetchText(r *consoleRig, url string) string {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.tab, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+jsq(url)+`).then((res) => res.ok ? res.arrayBuffer() : Promise.reject(res.status)).then((b) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(b))`, chromedp.EvalAwaitPromise))
	if err != nil {
		r.t.Fatalf("fetch %s: %v", url, err)
	}
	return v
}

func parseCSV(t *testing.T, s string) [][]string {
	t.Helper()
	if !strings.HasPrefix(s, "\ufeff") {
		t.Errorf("the CSV has no BOM: %.40q", s)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(s, "\ufeff")))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		for i, c := range rec {
			if strings.HasPrefix(c, "'") {
				rec[i] = c[1:]
			}
		}
	}
	return recs
}

// tableTexts reads a table of the page as rows of cell texts.
const tableTexts = `[...document.querySelectorAll(%s + ' tr')].map((tr) => [...tr.cells].map((td) => td.textContent.trim()))`

// TestConsoleStats: a supervisor opens the statistics of the hand-built
// scenario, finds the figures worked out by hand, the days under 95%
// flagged and the charts drawn, downloads a table's CSV and compares it
// with the page, drills into the short abandons and compares their list
// with its CSV; axe checks both pages.
func TestConsoleStats(t *testing.T) {
	r := newConsoleRig(t)
	sc, err := statstest.Load(context.Background(), r.db, "x")
	if err != nil {
		t.Fatal(err)
	}
	r.login("supervisor1")
	r.do("open the statistics", chromedp.Navigate(r.base+"/console/stats?period=custom&from=2025-01-31&to=2025-02-08&dim=department"),
		chromedp.WaitVisible(chromedp.CSS("#t-hotline")), waitJS(`document.getElementById('charts').dataset.drawn === '3'`, 20*time.Second),
		waitJS(`document.querySelectorAll('#chart-hourly svg, #chart-weekly svg, #chart-league svg').length === 3`, 10*time.Second))
	r.check("stats page")
	page := eval[[][]string](r, strings.Replace(tableTexts, "%s", jsq("#t-hotline"), 1))
	figs := map[string]string{}
	for _, row := range page[1:] {
		figs[row[0]] = row[1]
	}
	for k, w := range map[string]string{"来电量": "13", "话务接通率": "62.50%", "15秒接通率": "50.00%", "放弃率": "12.50%", "短时放弃 S": "1",
		"平均处理时长": "196.0 秒", "15秒接通率未达标天数": "2 天（2025-02-05、2025-02-07）"} {
		if figs[k] != w {
			t.Errorf("page %s = %q, want %q", k, figs[k], w)
		}
	}
	if n := eval[int](r, `document.querySelectorAll('#t-daily tr.flag').length`); n != 2 {
		t.Errorf("%d days flagged under 95%%, want 2", n)
	}
	if got := r.textOf("#t-dim-department"); !strings.Contains(got, "县民政局") {
		t.Errorf("the department breakdown: %q", got)
	}
	// The table's CSV is the table on the page.
	href := eval[string](r, `document.getElementById('t-hotline').closest('section').querySelector('.stats-downloads a').href`)
	recs := parseCSV(t, fetchText(r, href))
	if recs[0][0] != "话务" {
		t.Fatalf("CSV starts %v", recs[0])
	}
	if len(recs)-1 != len(page) {
		t.Fatalf("CSV has %d rows, the page %d", len(recs)-1, len(page))
	}
	for i, row := range page {
		if strings.Join(recs[i+1], "|") != strings.Join(row, "|") {
			t.Errorf("CSV row %v, page %v", recs[i+1], row)
		}
	}
	// Which ones? The short abandons: c3 alone.
	r.do("which short abandons?", chromedp.Click(chromedp.CSS(`#t-hotline tr:nth-child(9) td:nth-child(2) a`)),
		chromedp.WaitVisible(chromedp.CSS("#stats-list")))
	if got := r.textOf("h1"); got != "短时放弃 S" {
		t.Errorf("list title %q", got)
	}
	calls := eval[[]string](r, `[...document.querySelectorAll('#stats-list tbody tr')].map((tr) => tr.dataset.call)`)
	if len(calls) != 1 || calls[0] != itoa(sc.Calls["c3"]) {
		t.Errorf("short abandons listed %v, want c3 (%d)", calls, sc.Calls["c3"])
	}
	r.check("stats list")
	list := eval[[][]string](r, strings.Replace(tableTexts, "%s", jsq("#stats-list"), 1))
	lh := eval[string](r, `document.querySelector('.stats-downloads a').href`)
	lrecs := parseCSV(t, fetchText(r, lh))
	if len(lrecs) != len(list)+1 || strings.Join(lrecs[1], "|") != strings.Join(list[0], "|") || strings.Join(lrecs[2], "|") != strings.Join(list[1], "|") {
		t.Errorf("list CSV %v, page %v", lrecs, list)
	}
	// The answered calls of the 调休 Saturday, from the daily table: c6 and c12 (across midnight).
	r.do("back", chromedp.NavigateBack(), chromedp.WaitVisible(chromedp.CSS("#t-daily")))
	r.do("answered on 02-08", chromedp.Click(chromedp.CSS(`#t-daily tr:last-child td:nth-child(6) a`)), chromedp.WaitVisible(chromedp.CSS("#stats-list")))
	calls = eval[[]string](r, `[...document.querySelectorAll('#stats-list tbody tr')].map((tr) => tr.dataset.call)`)
	if strings.Join(calls, ",") != itoa(sc.Calls["c6"])+","+itoa(sc.Calls["c12"]) {
		t.Errorf("answered on 02-08: %v", calls)
	}
	r.pageErrors()
	// Exports answer in their formats; an operator may not open the page.
	for _, f := range []string{"xlsx", "pdf"} {
		if b := fetchText(r, r.base+"/console/stats/export."+f+"?period=month&from=2025-02-01"); len(b) < 1000 {
			t.Errorf("%s export of %d bytes", f, len(b))
		}
	}
	r.logout()
	r.login("operator1")
	ctx, cancel := context.WithTimeout(r.tab, 10*time.Second)
	defer cancel()
	st, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/console/stats').then((res) => res.status)`, chromedp.EvalAwaitPromise))
	if err != nil || st != http.StatusForbidden {
		t.Errorf("an operator opens the statistics: %d %v", st, err)
	}
}

package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govhall/govhall/hotline/queries"
)

// TestLiaisonDeskInChromium walks the liaison's desk as 民政局's liaison
// would: log in, see the department's queries by working days left, sign
// one, answer it with a field error first, ask to forward another, and see
// a new query arrive live; then 政府办's liaison approves the forward.
func TestLiaisonDeskInChromium(t *testing.T) {
	r := newConsoleRig(t)
	first := r.create(queries.NewQuery{Channel: "phone", Question: "城乡低保的申请条件是什么", Department: "mzj", Name: "张三", Phone: "13800001111"})
	second := r.create(queries.NewQuery{Channel: "window", Question: "临时救助需要哪些材料", Department: "mzj"})
	other := r.create(queries.NewQuery{Channel: "phone", Question: "医保报销比例", Department: "ybj"})

	r.do("a page without a session goes to the login", chromedp.Navigate(r.base+"/console/liaison"),
		waitJS(`location.pathname === '/console/login' && new URLSearchParams(location.search).get('next') === '/console/liaison'`, 10*time.Second))
	r.check("login")
	r.do("wrong password", chromedp.SendKeys(chromedp.CSS("#username"), "liaison1"), chromedp.SendKeys(chromedp.CSS("#password"), "wrong-password"),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS("#password-error")))
	if got := r.textOf("#password-error"); got != "用户名或密码错误" {
		t.Errorf("wrong password says %q next to the field", got)
	}
	if got := eval[string](r, `document.getElementById('password').getAttribute('aria-invalid')`); got != "true" {
		t.Errorf("the password field is not marked invalid: %q", got)
	}
	r.check("login error")

	r.login("liaison1")
	// A liaison has several pages (the desk, 依申请公开): the home page offers them.
	if got := eval[string](r, `[...document.querySelectorAll('.cards a')].map((a) => a.getAttribute('href')).join(',')`); !strings.HasPrefix(got, "/console/liaison,/console/applications") {
		t.Fatalf("liaison1's home page offers %q, want the desk and 依申请公开 first", got)
	}
	r.do("open the desk", chromedp.Click(chromedp.CSS(`.cards a[href="/console/liaison"]`)), chromedp.WaitVisible(chromedp.CSS("#desk")))
	r.do("the live stream connects", waitJS(`document.getElementById('live').dataset.state === 'open'`, 10*time.Second))
	rows := eval[[]string](r, `[...document.querySelectorAll('#desk tbody tr')].map((tr) => tr.dataset.code)`)
	if len(rows) != 2 || strings.Contains(strings.Join(rows, ","), other) {
		t.Errorf("the desk lists %v, want %s and %s of 民政局 only", rows, first, second)
	}
	if got := r.textOf(fmt.Sprintf(`tr[data-code="%s"] .light`, first)); !strings.Contains(got, "个工作日") && !strings.Contains(got, "今天") {
		t.Errorf("the light of %s says %q, want the working days left", first, got)
	}
	r.check("liaison desk")

	r.do("sign "+first, chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-code="%s"] button`, first))),
		chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`tr[data-code="%s"][data-signed="true"]`, first))))
	var signed bool
	r.db.Get(&signed, `SELECT signed_at IS NOT NULL FROM query_clocks c JOIN queries q ON q.id = c.query_id WHERE q.code = $1 AND c.closed_at IS NULL`, first)
	if !signed {
		t.Errorf("签收 on the page did not sign %s", first)
	}

	r.do("open the query", chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/console/liaison/queries/%s"]`, first))),
		chromedp.WaitVisible(chromedp.CSS("#answer")))
	if got := r.textOf(".meta"); !strings.Contains(got, "张三") || !strings.Contains(got, "13800001111") {
		t.Errorf("the liaison does not see the asker's name and phone: %q", got)
	}
	r.check("query record")
	r.do("answer without text", chromedp.Click(chromedp.CSS(`form[data-api$="/answer"] button`)), chromedp.WaitVisible(chromedp.CSS("#answer-error")))
	if got := r.textOf("#answer-error"); got == "" || strings.HasPrefix(got, "answer:") {
		t.Errorf("empty answer error next to the field = %q", got)
	}
	r.do("answer", chromedp.SendKeys(chromedp.CSS("#answer"), "城乡低保申请条件：户籍在本县，家庭人均收入低于低保标准，家庭财产符合规定。"),
		chromedp.Click(chromedp.CSS(`form[data-api$="/answer"] button`)), chromedp.WaitReady(chromedp.CSS(`.page-head[data-status="answered"]`)))
	var status string
	r.db.Get(&status, `SELECT status FROM queries WHERE code = $1`, first)
	if status != string(queries.Answered) {
		t.Errorf("after answering on the page the query is %s", status)
	}

	r.do("back to the desk, open the second", chromedp.Navigate(r.base+"/console/liaison/queries/"+second), chromedp.WaitVisible(chromedp.CSS("#fwd-reason")))
	r.do("ask to forward", chromedp.SendKeys(chromedp.CSS("#fwd-reason"), "临时救助由乡镇受理，本局不掌握该申请人材料"),
		chromedp.Click(chromedp.CSS(`form[data-api$="/forward"] button`)), chromedp.WaitReady(chromedp.CSS(`.page-head[data-status="forward_pending"]`)))

	r.do("the desk, live", chromedp.Navigate(r.base+"/console/liaison"), waitJS(`document.getElementById('live').dataset.state === 'open'`, 10*time.Second))
	if got := r.textOf(fmt.Sprintf(`tr[data-code="%s"] .light`, second)); got != "转办待政府办审批" {
		t.Errorf("a forward awaiting approval shows %q", got)
	}
	third := r.create(queries.NewQuery{Channel: "phone", Question: "高龄津贴什么时候发", Department: "mzj"})
	r.do("a new query arrives live", waitJS(`!!document.getElementById('new-work')`, 15*time.Second))
	r.do("refresh", chromedp.Click(chromedp.CSS("#new-work a")), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`tr[data-code="%s"]`, third))))
	r.logout()

	r.login("liaison5")
	r.do("政府办 sees the forward", chromedp.Navigate(r.base+"/console/liaison"), chromedp.WaitVisible(chromedp.CSS("#approvals")))
	r.check("government office desk")
	row := `#approvals tr:has(a[href="/console/liaison/queries/` + second + `"])`
	r.do("reject without a note", chromedp.Click(chromedp.CSS(row+` button[value="false"]`)), chromedp.WaitVisible(chromedp.CSS(row+" .field-error, "+row+" .form-error")))
	r.do("approve", chromedp.Click(chromedp.CSS(row+` button[value="true"]`)), chromedp.WaitNotPresent(chromedp.CSS(row)))
	var pending int
	r.db.Get(&pending, `SELECT count(*) FROM query_approvals a JOIN queries q ON q.id = a.query_id WHERE q.code = $1 AND a.status = 'pending'`, second)
	if pending != 0 {
		t.Errorf("the forward of %s is still pending after approval on the page", second)
	}
	r.logout()

	r.login("operator1")
	r.do("an operator may not open the liaison desk", chromedp.Navigate(r.base+"/console/liaison"), chromedp.WaitVisible(chromedp.CSS(".notice-bad")))
	if got := r.textOf(".shell-nav"); strings.Contains(got, "联络员工作台") {
		t.Errorf("the operator's menu offers the liaison desk: %q", got)
	}
	r.check("forbidden page")
	r.pageErrors()
	_ = context.Background()
}

// TestConsoleStreamAcrossRestart checks the live stream's promises: two
// tabs of one account each get every event, and after the server restarts
// the tabs reconnect by themselves and are sent what was published while
// they were cut off (Last-Event-ID), once.
func TestConsoleStreamAcrossRestart(t *testing.T) {
	r := newConsoleRig(t)
	r.login("liaison1")
	r.do("the first tab is live", waitJS(`document.getElementById('live').dataset.state === 'open'`, 10*time.Second))
	second, cancel := chromedp.NewContext(r.tab)
	defer cancel()
	if err := chromedp.Do(second, chromedp.Navigate(r.base+"/console/liaison"),
		waitJS(`document.getElementById('live').dataset.state === 'open'`, 10*time.Second)); err != nil {
		t.Fatalf("second tab: %v", err)
	}
	count := `(window.seen = window.seen || 0, document.addEventListener('live:query_assigned', () => window.seen++), true)`
	for _, tab := range []context.Context{r.tab, second} {
		if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](count)); err != nil {
			t.Fatal(err)
		}
	}
	r.create(queries.NewQuery{Channel: "phone", Question: "五保供养怎么申请", Department: "mzj"})
	for i, tab := range []context.Context{r.tab, second} {
		ctx, c := context.WithTimeout(tab, 15*time.Second)
		if err := chromedp.Do(ctx, waitJS(`window.seen === 1`, 15*time.Second)); err != nil {
			t.Errorf("tab %d did not get the event: %v", i+1, err)
		}
		c()
	}
	r.restart(func() {
		r.do("the stream is lost", waitJS(`document.getElementById('live').dataset.state === 'lost'`, 10*time.Second))
		r.create(queries.NewQuery{Channel: "phone", Question: "孤儿基本生活费标准", Department: "mzj"})
		time.Sleep(300 * time.Millisecond) // the notification is delivered while nobody listens
	})
	r.do("reconnected with what was missed, once", waitJS(`document.getElementById('live').dataset.state === 'open'`, 15*time.Second),
		waitJS(`window.seen === 2`, 10*time.Second))
	time.Sleep(time.Second)
	if n := eval[int](r, `window.seen`); n != 2 {
		t.Errorf("after the restart the tab saw %d query events, want 2 (the missed one replayed once)", n)
	}
	r.pageErrors()
}

package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govhall/govhall/server/staff"
)

// reviewCommentSecret is the text of a return comment; it must never reach
// a public endpoint.
const reviewCommentSecret = "内部意见：请补充取暖补贴标准（仅工作人员可见）"

// TestCatalogDeskInChromium walks the reviewers' pages as the people of
// the 政务公开 office would: 信息员 writer1 writes a draft (a field error
// first, the 文号 from its parts, the live preview), submits it; reviewer1
// returns it with a comment; writer1 fixes it and resubmits; reviewer1,
// reviewer2 and reviewer3 approve it step by step with the per-character
// diff against the previous round; the public page and search show it and
// no comment reaches a public endpoint. Then a revision of the published
// document (the public text stays until 审定) and a repeal of an older
// document with the new one as its replacement.
func TestCatalogDeskInChromium(t *testing.T) {
	r := newConsoleRig(t)
	ctx := context.Background()
	st := staff.NewStore(r.db)
	for _, a := range []struct{ name, display string }{{"writer1", "信息员 陈晨"}, {"reviewer2", "科室负责人 李强"}, {"reviewer3", "分管领导 张建国"}} {
		if _, err := st.Create(ctx, staff.NewAccount{Username: a.name, DisplayName: a.display, Password: password, Roles: []string{staff.RoleReviewer}}); err != nil {
			t.Fatal(err)
		}
	}
	var agency, category string
	r.db.Get(&agency, `SELECT full_name FROM departments WHERE code = 'mzj'`)
	r.db.Get(&category, `SELECT path FROM categories WHERE path LIKE '%/%' ORDER BY path LIMIT 1`)

	r.login("writer1")
	if got := r.textOf(".shell-nav"); !strings.Contains(got, "文件编写") || !strings.Contains(got, "审核") || strings.Contains(got, "机构与账号") || strings.Contains(got, "话务台") {
		t.Errorf("a reviewer's menu is %q", got)
	}
	r.do("the list", chromedp.Navigate(r.base+"/console/documents"), chromedp.WaitVisible(chromedp.CSS("#documents")))
	r.check("catalog list")
	r.do("new document", chromedp.Click(chromedp.CSS(`a[href="/console/documents/new"]`)), chromedp.WaitVisible(chromedp.CSS("#doc-form")))
	r.do("save without a title", chromedp.SendKeys(chromedp.CSS("#f-index_no"), "TEST-2026-001"),
		chromedp.Click(chromedp.CSS(`#doc-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#f-title-error")))
	if got := r.textOf("#f-title-error"); got != "请填写标题" {
		t.Errorf("an empty title says %q next to the field", got)
	}
	if got := eval[string](r, `document.getElementById('doc-preview').contentDocument.body.innerText`); !strings.Contains(got, "还不能预览") {
		t.Errorf("the preview of a form without a title shows %q", got)
	}
	r.do("the 文号 from its parts", chromedp.SendKeys(chromedp.CSS("#f-dn-prefix"), "沂民发"),
		chromedp.SendKeys(chromedp.CSS("#f-dn-year"), "2026"), chromedp.SendKeys(chromedp.CSS("#f-dn-number"), "12"))
	if got := eval[string](r, `document.getElementById('f-doc_number').value`); got != "沂民发〔2026〕12号" {
		t.Errorf("the 文号 composed of its parts is %q", got)
	}
	title := "关于做好困难群众冬季取暖救助工作的通知"
	body := "# 一、救助对象\n城乡低保对象和特困人员。\n\n# 二、救助标准\n每户每年发放取暖补贴。"
	r.do("fill in the form", chromedp.SendKeys(chromedp.CSS("#f-title"), title),
		setValue("#f-agency", agency), setValue("#f-category", category),
		chromedp.SendKeys(chromedp.CSS("#f-body"), body),
		waitJS(`(document.getElementById('doc-preview').contentDocument?.body?.innerText || '').includes('每户每年发放取暖补贴')`, 10*time.Second))
	preview := eval[string](r, `document.getElementById('doc-preview').contentDocument.body.innerText`)
	for _, want := range []string{title, "沂民发〔2026〕12号", agency, "救助标准", "✔ 有效"} {
		if !strings.Contains(preview, want) {
			t.Errorf("the live preview lacks %q: %q", want, preview)
		}
	}
	if got := eval[string](r, `document.getElementById('doc-preview').contentDocument.querySelector('.body h2')?.textContent || ''`); got != "一、救助对象" {
		t.Errorf("the preview renders the body's heading as %q (not as the public page would)", got)
	}
	r.check("document form")
	r.do("save the draft", chromedp.Click(chromedp.CSS(`#doc-form button[type="submit"]`)))
	r.do("the saved draft", chromedp.WaitVisible(chromedp.CSS("#submit-form")))
	var id int64
	var code string
	r.db.Get(&id, `SELECT id FROM documents WHERE index_no = 'TEST-2026-001'`)
	r.db.Get(&code, `SELECT code FROM documents WHERE id = $1`, id)
	if got := eval[string](r, `location.pathname`); got != fmt.Sprintf("/console/documents/%d", id) {
		t.Fatalf("after saving the page is %s", got)
	}
	r.check("draft")
	r.do("submit", chromedp.Click(chromedp.CSS(`#submit-form button`)), chromedp.WaitVisible(chromedp.CSS("#open-case")))
	var caseID int64
	r.db.Get(&caseID, `SELECT id FROM review_cases WHERE document_id = $1 AND status = 'open'`, id)
	r.do("my own case in the queue", chromedp.Navigate(r.base+"/console/reviews"), chromedp.WaitVisible(chromedp.CSS("#review-queue")))
	if got := r.textOf(fmt.Sprintf(`tr[data-case="%d"]`, caseID)); !strings.Contains(got, "不自审") {
		t.Errorf("the writer's own case in the queue says %q", got)
	}
	r.logout()

	r.login("reviewer1")
	r.do("the queue", chromedp.Navigate(r.base+"/console/reviews"), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`tr[data-case="%d"][data-mine="true"]`, caseID))))
	if got := r.textOf(fmt.Sprintf(`tr[data-case="%d"]`, caseID)); !strings.Contains(got, "writer1") || !strings.Contains(got, "初审") || !strings.Contains(got, "待我审核") {
		t.Errorf("the queue row says %q, want who submitted it, the step and that it waits for me", got)
	}
	r.check("review queue")
	r.do("open the case", chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/console/reviews/%d"]`, caseID))), chromedp.WaitVisible(chromedp.CSS("#decide")))
	if got := r.textOf("#diff-none"); !strings.Contains(got, "首次提交") {
		t.Errorf("a first submission's diff panel says %q", got)
	}
	r.do("return without a comment", chromedp.Click(chromedp.CSS(`#decide button[value="return"]`)), chromedp.WaitVisible(chromedp.CSS("#comment-error")))
	r.do("return with a comment", chromedp.SendKeys(chromedp.CSS("#comment"), reviewCommentSecret),
		chromedp.Click(chromedp.CSS(`#decide button[value="return"]`)))
	r.do("back to the queue", chromedp.WaitReady(chromedp.CSS(`body[data-page="review-queue"]`)))
	r.logout()

	r.login("writer1")
	r.do("the returned draft", chromedp.Navigate(fmt.Sprintf("%s/console/documents/%d", r.base, id)), chromedp.WaitVisible(chromedp.CSS("#history")))
	if got := r.textOf("#history"); !strings.Contains(got, reviewCommentSecret) || !strings.Contains(got, "退回") {
		t.Errorf("the history does not show the return and its comment: %q", got)
	}
	r.do("fix it", chromedp.Navigate(fmt.Sprintf("%s/console/documents/%d/edit", r.base, id)), chromedp.WaitVisible(chromedp.CSS("#f-body")),
		setValue("#f-body", strings.NewReplacer("城乡低保对象和特困人员", "城乡低保对象、特困人员和低保边缘家庭", "发放取暖补贴。", "发放取暖补贴800元，12月底前发放到户。").Replace(body)),
		chromedp.Click(chromedp.CSS(`#doc-form button[type="submit"]`)), waitJS(`document.getElementById('save-state').textContent.includes('已保存')`, 10*time.Second))
	r.do("resubmit", chromedp.Navigate(fmt.Sprintf("%s/console/documents/%d", r.base, id)), chromedp.WaitVisible(chromedp.CSS("#submit-form")),
		chromedp.Click(chromedp.CSS(`#submit-form button`)), chromedp.WaitVisible(chromedp.CSS("#open-case")))
	r.db.Get(&caseID, `SELECT id FROM review_cases WHERE document_id = $1 AND status = 'open'`, id)
	r.logout()

	r.login("reviewer1")
	r.do("the diff against the previous round", chromedp.Navigate(fmt.Sprintf("%s/console/reviews/%d", r.base, caseID)), chromedp.WaitVisible(chromedp.CSS("#diff")))
	if got := eval[string](r, `[...document.querySelectorAll('#diff [data-field="body"] ins')].map((e) => e.lastChild.textContent).join('|')`); !strings.Contains(got, "800元") {
		t.Errorf("the body's diff marks %q as inserted, want the added sentence", got)
	}
	if got := eval[int](r, `document.querySelectorAll('#diff [data-field="title"]').length`); got != 0 {
		t.Errorf("the unchanged title is in the diff")
	}
	if got := eval[string](r, `document.querySelector('iframe.preview-frame').contentDocument.body.innerText`); !strings.Contains(got, "800元") {
		t.Errorf("the case's preview does not show the version under review: %q", got)
	}
	r.check("review case with diff")
	r.approve(caseID)
	r.logout()
	r.login("reviewer1")
	r.do("step 2 is for someone else", chromedp.Navigate(fmt.Sprintf("%s/console/reviews/%d", r.base, caseID)), chromedp.WaitVisible(chromedp.CSS("#not-mine")))
	r.logout()
	for _, u := range []string{"reviewer2", "reviewer3"} {
		r.login(u)
		r.do("open", chromedp.Navigate(fmt.Sprintf("%s/console/reviews/%d", r.base, caseID)), chromedp.WaitVisible(chromedp.CSS("#decide")))
		r.approve(caseID)
		r.logout()
	}
	var state string
	r.db.Get(&state, `SELECT state FROM documents WHERE id = $1`, id)
	if state != "published" {
		t.Fatalf("after three approvals the document is %s", state)
	}
	page := get(t, r.base+"/d/"+code)
	if !strings.Contains(page, title) || !strings.Contains(page, "800元") {
		t.Errorf("the public page does not show the published document")
	}
	if res := get(t, r.base+"/api/v1/documents?q="+url.QueryEscape("取暖救助")); !strings.Contains(res, "TEST-2026-001") {
		t.Errorf("search does not find the published document: %.300s", res)
	}
	noComment := func(when string) {
		t.Helper()
		for _, p := range []string{"/d/" + code, fmt.Sprintf("/api/v1/documents/%d", id), "/api/v1/documents?q=" + url.QueryEscape("取暖"),
			"/api/v1/documents?q=" + url.QueryEscape("补充取暖补贴标准"), "/api/v1/documents", "/api/v1/search/suggest?q=" + url.QueryEscape("取暖"),
			"/kiosk/", "/api/v1/categories"} {
			if b := get(t, r.base+p); strings.Contains(b, "内部意见") || strings.Contains(b, "补充取暖补贴标准") {
				t.Errorf("%s: the review comment reaches the public at %s", when, p)
			}
		}
	}
	noComment("published")
	if b := r.staffGet("reviewer1", fmt.Sprintf("/api/v1/staff/documents/%d", id)); !strings.Contains(b, reviewCommentSecret) {
		t.Errorf("the staff API does not carry the comment, so the public check above proves nothing")
	}

	// A revision: the public page keeps the published title until 审定.
	r.login("writer1")
	newTitle := "关于做好困难群众冬季取暖救助工作的补充通知"
	r.do("revise", chromedp.Navigate(fmt.Sprintf("%s/console/documents/%d/edit", r.base, id)), chromedp.WaitVisible(chromedp.CSS("#f-title")),
		setValue("#f-title", newTitle), chromedp.Click(chromedp.CSS(`#doc-form button[type="submit"]`)),
		waitJS(`document.getElementById('save-state').textContent.includes('已保存')`, 10*time.Second))
	if page := get(t, r.base+"/d/"+code); !strings.Contains(page, "<h1>"+title+"</h1>") {
		t.Errorf("a saved revision changed the public page before review")
	}
	r.do("submit the revision", chromedp.Navigate(fmt.Sprintf("%s/console/documents/%d", r.base, id)), chromedp.WaitVisible(chromedp.CSS("#revision-note")),
		chromedp.Click(chromedp.CSS(`#submit-form button`)), chromedp.WaitVisible(chromedp.CSS("#open-case")))
	r.db.Get(&caseID, `SELECT id FROM review_cases WHERE document_id = $1 AND status = 'open'`, id)
	r.logout()
	for i, u := range []string{"reviewer1", "reviewer2", "reviewer3"} {
		r.login(u)
		r.do("open", chromedp.Navigate(fmt.Sprintf("%s/console/reviews/%d", r.base, caseID)), chromedp.WaitVisible(chromedp.CSS("#decide")))
		if i == 0 {
			if got := eval[string](r, `document.querySelector('.tab[aria-current="page"]').textContent`); got != "与已公开版本比对" {
				t.Errorf("a revision is compared by default with %q", got)
			}
			if got := eval[string](r, `[...document.querySelectorAll('#diff [data-field="title"] ins')].map((e) => e.lastChild.textContent).join('')`); got != "补充" {
				t.Errorf("the title's diff inserts %q, want 补充", got)
			}
		}
		r.approve(caseID)
		r.logout()
	}
	if page := get(t, r.base+"/d/"+code); !strings.Contains(page, "<h1>"+newTitle+"</h1>") {
		t.Errorf("the approved revision is not on the public page")
	}

	// A repeal: an older document points to the new one.
	var oldID int64
	var oldCode, oldTitle string
	r.db.QueryRow(`SELECT id, code, title FROM public_documents WHERE validity = '有效' AND id <> $1 AND kind = 'policy' ORDER BY id LIMIT 1`, id).Scan(&oldID, &oldCode, &oldTitle)
	r.login("writer1")
	r.do("the validity form", chromedp.Navigate(fmt.Sprintf("%s/console/documents/%d", r.base, oldID)), chromedp.WaitVisible(chromedp.CSS("#validity-form")),
		setValue("#v-validity", "废止"), chromedp.SendKeys(chromedp.CSS("#v-replaced_by"), "TEST-2026-001"),
		waitJS(`!!document.getElementById('validity-preview').contentDocument?.querySelector('.status a')`, 10*time.Second))
	if got := r.textOf("#validity-effect"); !strings.Contains(got, "本文件已废止") || !strings.Contains(got, "TEST-2026-001") {
		t.Errorf("the effect of the repeal reads %q", got)
	}
	if got := eval[string](r, `document.getElementById('validity-preview').contentDocument.querySelector('.status a')?.textContent || ''`); !strings.Contains(got, newTitle) {
		t.Errorf("the previewed old page links to %q, want the new document", got)
	}
	r.check("validity change")
	r.do("a repeal needs its reason", chromedp.Click(chromedp.CSS(`#validity-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#v-reason-error")))
	r.do("submit the repeal", chromedp.SendKeys(chromedp.CSS("#v-reason"), "已由沂民发〔2026〕12号替代"),
		chromedp.Click(chromedp.CSS(`#validity-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#open-case")))
	r.db.Get(&caseID, `SELECT id FROM review_cases WHERE document_id = $1 AND status = 'open'`, oldID)
	r.logout()
	for i, u := range []string{"reviewer1", "reviewer2", "reviewer3"} {
		r.login(u)
		r.do("open", chromedp.Navigate(fmt.Sprintf("%s/console/reviews/%d", r.base, caseID)), chromedp.WaitVisible(chromedp.CSS("#decide")))
		if i == 0 {
			if got := r.textOf("#validity-effect"); !strings.Contains(got, "本文件已废止") || !strings.Contains(got, newTitle) {
				t.Errorf("the reviewer reads the effect as %q", got)
			}
		}
		r.approve(caseID)
		r.logout()
	}
	if page := get(t, r.base+"/d/"+oldCode); !strings.Contains(page, "本文件已废止") || !strings.Contains(page, "/d/"+code) {
		t.Errorf("the repealed page does not say so and link to its replacement")
	}
	noComment("after the revision and the repeal")

	// Other roles: no menu entry, 403.
	r.login("liaison1")
	if got := r.textOf(".shell-nav"); strings.Contains(got, "文件编写") || strings.Contains(got, "审核") {
		t.Errorf("the liaison's menu offers the reviewers' pages: %q", got)
	}
	for _, p := range []string{"/console/documents", "/console/documents/new", fmt.Sprintf("/console/reviews/%d", caseID)} {
		r.do("forbidden "+p, chromedp.Navigate(r.base+p), chromedp.WaitVisible(chromedp.CSS(".notice-bad")))
	}
	r.logout()
	r.pageErrors()
}

// approve decides the case's current step with 通过 and waits for the queue.
func (r *consoleRig) approve(caseID int64) {
	r.t.Helper()
	r.do("approve", chromedp.Click(chromedp.CSS(`#decide button[value="approve"]`)))
	r.do("back to the queue", chromedp.WaitReady(chromedp.CSS(`body[data-page="review-queue"]`)))
}

// setValue sets a form control's value as a person choosing it would:
// with the input and change events.
func setValue(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => { const el = document.querySelector(` + jsq(sel) + `); el.value = ` + jsq(v) +
		`; el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); })()`)
}

// get fetches a public URL without any session.
func get(t *testing.T, u string) string {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// staffGet fetches a staff API path with a bearer session of user.
func (r *consoleRig) staffGet(user, path string) string {
	r.t.Helper()
	tok, _, _, err := staff.NewStore(r.db).Login(context.Background(), user, password, "127.0.0.1")
	if err != nil {
		r.t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", r.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

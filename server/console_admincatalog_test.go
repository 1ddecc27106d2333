package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
)

// catalogPages are the admin's catalog and search pages.
var catalogPages = []string{"/console/admin/catalog", "/console/admin/catalog/categories", "/console/admin/catalog/synonyms",
	"/console/admin/catalog/demand", "/console/admin/catalog/calendar"}

// catalogAPIs are the admin-only endpoints of those pages.
var catalogAPIs = []struct{ method, path string }{
	{"GET", "/api/v1/staff/categories/tree"}, {"POST", "/api/v1/staff/categories/tree"},
	{"PUT", "/api/v1/staff/categories/tree/order"}, {"POST", "/api/v1/staff/categories/1/merge"},
	{"PATCH", "/api/v1/staff/categories/1"}, {"DELETE", "/api/v1/staff/categories/1"},
	{"GET", "/api/v1/staff/search/synonyms"}, {"POST", "/api/v1/staff/search/synonyms"}, {"DELETE", "/api/v1/staff/search/synonyms/1"},
	{"GET", "/api/v1/staff/search/demand"}, {"GET", "/api/v1/staff/search/try?q=低保"},
	{"GET", "/api/v1/staff/search/pins"}, {"POST", "/api/v1/staff/search/pins"}, {"DELETE", "/api/v1/staff/search/pins/1"},
	{"POST", "/api/v1/staff/calendar/preview"}, {"POST", "/api/v1/staff/calendar/notices"},
}

// TestAdminCatalogForbidden checks that reviewers and operators get 403 on
// the catalog pages, their endpoints and the audit log, and that their
// menu offers neither; supervisors read the audit log and nothing else
// here. A refused request changes nothing.
func TestAdminCatalogForbidden(t *testing.T) {
	f := newFixture(t)
	for _, user := range []string{"reviewer1", "operator1"} {
		tok := f.login(user)
		for _, p := range append(catalogPages, "/console/admin/audit") {
			body := f.page(p, tok)
			if !strings.Contains(body, "无权访问") {
				t.Errorf("%s on %s: no 403 page: %.200s", user, p, body)
			}
			if strings.Contains(body, `href="/console/admin/catalog"`) || strings.Contains(body, `href="/console/admin/audit"`) {
				t.Errorf("%s's menu on %s offers 目录与检索 or 审计日志", user, p)
			}
		}
		req := httptest.NewRequest("GET", "/console/admin/catalog/demand", nil)
		req.AddCookie(&http.Cookie{Name: "govhall_session", Value: tok})
		if res, _ := f.srv.App().Test(req, -1); res.StatusCode != 403 {
			t.Errorf("%s: demand page = %d, want 403", user, res.StatusCode)
		}
		for _, e := range append(catalogAPIs, struct{ method, path string }{"GET", "/api/v1/staff/audit"}) {
			if st, body := f.do(e.method, e.path, tok, `{}`); st != 403 {
				t.Errorf("%s %s %s = %d %s, want 403", user, e.method, e.path, st, body)
			}
		}
	}
	var n int
	f.db.Get(&n, `SELECT count(*) FROM audit_log WHERE actor IN ('reviewer1', 'operator1') AND action NOT IN ('login', 'logout')`)
	if n != 0 {
		t.Errorf("refused requests changed something (%d audit entries)", n)
	}
	sup := f.login("supervisor1")
	if body := f.page("/console/admin/audit", sup); !strings.Contains(body, "<h1>审计日志</h1>") || strings.Contains(body, `href="/console/admin/catalog"`) {
		t.Errorf("supervisor's audit page: %.300s", body)
	}
	if st, body := f.do("GET", "/api/v1/staff/audit?actor=reviewer1", sup, ""); st != 200 || !strings.Contains(body, `"action":"login"`) {
		t.Errorf("supervisor's audit API = %d %.300s", st, body)
	}
	for _, p := range catalogPages {
		if body := f.page(p, sup); !strings.Contains(body, "无权访问") {
			t.Errorf("supervisor on %s: no 403 page", p)
		}
	}
	if st, _ := f.do("POST", "/api/v1/staff/categories/tree", sup, `{"name":"x"}`); st != 403 {
		t.Errorf("supervisor adding a category = %d, want 403", st)
	}
}

// TestAdminCatalogAPI drives the endpoints as an admin: searches of a
// library's kiosk and of the web counted per place, a staff trial not
// counted; a pin answering a zero-result query at once; the tree ordered
// and a category merged with field errors in Chinese; a notice previewed
// without writing; the audit log filtered, newest first.
func TestAdminCatalogAPI(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.login("admin1")
	_, libToken, err := f.catalog.RegisterTerminal(ctx, kiosk.Actor{Username: "test"}, kiosk.NewTerminal{Name: "县图书馆查询机", PlaceType: "图书馆"})
	if err != nil {
		t.Fatal(err)
	}
	search := func(q, token string) int {
		t.Helper()
		st, body := f.terminalDo("GET", "/api/v1/documents?q="+url.QueryEscape(q), token, "")
		var out struct{ Total int }
		if json.Unmarshal([]byte(body), &out); st != 200 {
			t.Fatalf("search %q = %d %s", q, st, body)
		}
		return out.Total
	}
	if n := search("五保户", libToken); n != 0 {
		t.Fatalf("五保户 finds %d documents before any synonym", n)
	}
	search("五保户", libToken)
	search("五保户", "")
	search("扬尘", libToken)
	if st, _ := f.do("GET", "/api/v1/staff/search/try?q="+url.QueryEscape("五保户"), admin, ""); st != 200 {
		t.Fatalf("try = %d", st)
	}
	demand := func(query string) (int, []map[string]any) {
		t.Helper()
		st, body := f.do("GET", "/api/v1/staff/search/demand?"+query, admin, "")
		var out struct {
			Total int
			Items []map[string]any
		}
		if json.Unmarshal([]byte(body), &out); st != 200 {
			t.Fatalf("demand %s = %d %s", query, st, body)
		}
		return out.Total, out.Items
	}
	if n, items := demand("kind=zero&place=" + url.QueryEscape("图书馆")); n != 1 || items[0]["query"] != "五保户" || items[0]["searches"] != 2.0 || items[0]["zero"] != 2.0 {
		t.Errorf("zero-result queries at libraries = %d %v, want 五保户 searched twice (the trial not counted)", n, items)
	}
	if n, items := demand("place=web"); n != 1 || items[0]["searches"] != 1.0 {
		t.Errorf("zero-result queries on the web = %d %v, want 五保户 once", n, items)
	}
	if n, _ := demand("place=" + url.QueryEscape("档案馆")); n != 0 {
		t.Errorf("archives have %d zero-result queries, want none", n)
	}
	if st, body := f.do("GET", "/api/v1/staff/search/demand?kind=often", admin, ""); st != 400 || !strings.Contains(body, `"field":"kind"`) {
		t.Errorf("bad kind = %d %s", st, body)
	}

	var tekun int64
	f.db.Get(&tekun, `SELECT id FROM documents WHERE title = '沂源县特困人员救助供养实施细则'`)
	if st, body := f.do("POST", "/api/v1/staff/search/pins", admin, fmt.Sprintf(`{"query":"五保户","document_id":%d}`, tekun)); st != 201 {
		t.Fatalf("pin = %d %s", st, body)
	}
	if st, body := f.do("POST", "/api/v1/staff/search/pins", admin, fmt.Sprintf(`{"query":"五保户","document_id":%d}`, tekun)); st != 409 {
		t.Errorf("pinning twice = %d %s, want 409", st, body)
	}
	var withheld int64
	f.db.Get(&withheld, `SELECT id FROM documents WHERE disclosure = '不予公开' LIMIT 1`)
	if st, body := f.do("POST", "/api/v1/staff/search/pins", admin, fmt.Sprintf(`{"query":"五保户","document_id":%d}`, withheld)); st != 400 || !strings.Contains(body, `"field":"document_id"`) {
		t.Errorf("pinning a withheld document = %d %s, want 400 on document_id", st, body)
	}
	st, body := f.do("GET", "/api/v1/documents?q="+url.QueryEscape("五保户"), "", "")
	var res struct {
		Total int
		Items []struct {
			ID    int64
			Match string
		}
	}
	json.Unmarshal([]byte(body), &res)
	if st != 200 || res.Total != 1 || res.Items[0].ID != tekun || res.Items[0].Match != "pinned" {
		t.Errorf("五保户 after the pin = %d %s", st, body)
	}
	if _, items := demand("place=" + url.QueryEscape("图书馆")); len(items) != 1 || items[0]["pins"] != 1.0 {
		t.Errorf("the demand list does not show the pin: %v", items)
	}

	// The tree: order, add, merge.
	st, body = f.do("GET", "/api/v1/staff/categories/tree", admin, "")
	var tree struct{ Items []kiosk.CategoryNode }
	if json.Unmarshal([]byte(body), &tree); st != 200 || len(tree.Items) == 0 {
		t.Fatalf("tree = %d %s", st, body)
	}
	ids := make([]int64, len(tree.Items))
	for i, c := range tree.Items {
		ids[len(ids)-1-i] = c.ID
	}
	order, _ := json.Marshal(map[string]any{"parent_id": 0, "ids": ids})
	if st, body := f.do("PUT", "/api/v1/staff/categories/tree/order", admin, string(order)); st != 204 {
		t.Fatalf("reverse the top level = %d %s", st, body)
	}
	short, _ := json.Marshal(map[string]any{"parent_id": 0, "ids": ids[1:]})
	if st, body := f.do("PUT", "/api/v1/staff/categories/tree/order", admin, string(short)); st != 409 || !strings.Contains(body, "刷新") {
		t.Errorf("an order missing a sibling = %d %s, want 409", st, body)
	}
	_, body = f.do("GET", "/api/v1/categories", "", "")
	var public struct{ Items []kiosk.Category }
	json.Unmarshal([]byte(body), &public)
	for _, c := range public.Items {
		if c.ID == ids[0] && c.Position != 0 {
			t.Errorf("the public tree gives %s position %d, want 0", c.Path, c.Position)
		}
	}
	if st, body := f.do("POST", "/api/v1/staff/categories/tree", admin, `{"parent_id":0,"name":"重点领域"}`); st != 400 || !strings.Contains(body, `"field":"name"`) || !strings.Contains(body, "已有分类") {
		t.Errorf("a taken name = %d %s", st, body)
	}
	var root, eco int64
	f.db.Get(&root, `SELECT id FROM categories WHERE path = '重点领域'`)
	f.db.Get(&eco, `SELECT id FROM categories WHERE path = '重点领域/生态环境'`)
	st, body = f.do("POST", "/api/v1/staff/categories/tree", admin, fmt.Sprintf(`{"parent_id":%d,"name":"环境保护"}`, root))
	var env kiosk.Category
	if json.Unmarshal([]byte(body), &env); st != 201 || env.Path != "重点领域/环境保护" {
		t.Fatalf("add = %d %s", st, body)
	}
	if st, body := f.do("POST", fmt.Sprintf("/api/v1/staff/categories/%d/merge", root), admin, fmt.Sprintf(`{"into":%d}`, env.ID)); st != 400 || !strings.Contains(body, `"field":"into"`) {
		t.Errorf("merge into its own sub-category = %d %s", st, body)
	}
	if st, body := f.do("POST", fmt.Sprintf("/api/v1/staff/categories/%d/merge", eco), admin, fmt.Sprintf(`{"into":%d}`, env.ID)); st != 200 || !strings.Contains(body, `"documents":1`) {
		t.Fatalf("merge = %d %s", st, body)
	}
	st, body = f.do("GET", "/api/v1/documents?q="+url.QueryEscape("扬尘")+"&category="+url.QueryEscape("重点领域/环境保护"), "", "")
	if st != 200 || !strings.Contains(body, "扬尘污染防治管理办法") || !strings.Contains(body, `"category":"重点领域/环境保护"`) {
		t.Errorf("search after the merge = %d %.300s", st, body)
	}

	// A notice previewed writes nothing; its errors name the field.
	notice := `{"year":2027,"title":"国务院办公厅关于2027年部分节假日安排的通知","published_on":"2026-11-10","days":[{"date":"2027-01-01","kind":"holiday","name":"元旦"},{"date":"2027-01-02","kind":"rest_swap","name":"元旦"}]}`
	if st, body := f.do("POST", "/api/v1/staff/calendar/preview", admin, notice); st != 400 || !strings.Contains(body, `"field":"days[1]"`) || !strings.Contains(body, "周六") {
		t.Errorf("preview of a bad notice = %d %s", st, body)
	}
	good := strings.Replace(notice, `,{"date":"2027-01-02","kind":"rest_swap","name":"元旦"}`, "", 1)
	if st, body := f.do("POST", "/api/v1/staff/calendar/preview", admin, good); st != 200 || !strings.Contains(body, `"changed":true`) {
		t.Errorf("preview = %d %s", st, body)
	}
	var notices int
	f.db.Get(&notices, `SELECT count(*) FROM calendar_notices WHERE year = 2027`)
	if notices != 0 {
		t.Errorf("the preview stored the notice")
	}

	// The audit log.
	st, body = f.do("GET", "/api/v1/staff/audit?actor=admin1&action=category.", admin, "")
	var log struct {
		Total int
		Items []struct{ Action string }
	}
	json.Unmarshal([]byte(body), &log)
	if st != 200 || log.Total != 3 || log.Items[0].Action != "category.merge" || log.Items[2].Action != "category.reorder" {
		t.Errorf("category actions of admin1 = %d %s, want merge, add, reorder", st, body)
	}
	if st, body := f.do("GET", "/api/v1/staff/audit?from=2026-12-05&to=2026-12-01", admin, ""); st != 400 || !strings.Contains(body, `"field":"to"`) {
		t.Errorf("to before from = %d %s", st, body)
	}
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	st, body = f.do("GET", "/api/v1/staff/audit?object_type=search&from="+today+"&to="+today, admin, "")
	if st != 200 || !strings.Contains(body, `"search.pin.add"`) {
		t.Errorf("today's search actions = %d %.300s", st, body)
	}
}

// TestAdminCatalogInChromium walks the section as admin1: the tree
// reordered with the keyboard and by dragging and a category merged; a
// query citizens searched in vain at a library answered with a synonym
// from the demand list, the page showing the hits and the kiosk search
// finding the document; next year's notice previewed with the number of
// open clocks it re-dates, then saved; the audit log filtered. axe-core
// checks every page.
func TestAdminCatalogInChromium(t *testing.T) {
	r := newConsoleRig(t)
	ctx := context.Background()
	r.deps.Calendar.AddRebaser(r.queries)
	// Two 依申请公开 queries (20 working days) run into the year without a
	// notice yet; an ordinary one (5) may not.
	for _, q := range []struct{ question, kind string }{{"城乡低保的申请条件是什么", "application"},
		{"临时救助需要哪些材料", "application"}, {"高龄津贴什么时候发", ""}} {
		r.create(queries.NewQuery{Channel: "window", Question: q.question, Department: "mzj", Kind: q.kind})
	}
	_, libToken, err := r.deps.Catalog.RegisterTerminal(ctx, kiosk.Actor{Username: "test"}, kiosk.NewTerminal{Name: "县图书馆查询机", PlaceType: "图书馆"})
	if err != nil {
		t.Fatal(err)
	}
	kioskSearch := func(q string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", r.base+"/api/v1/documents?q="+url.QueryEscape(q), nil)
		req.Header.Set("X-Terminal-Token", libToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			Total int
			Items []struct{ Title string }
		}
		json.NewDecoder(res.Body).Decode(&out)
		titles := ""
		for _, it := range out.Items {
			titles += it.Title + "\n"
		}
		return out.Total, titles
	}
	if n, _ := kioskSearch("五保户"); n != 0 {
		t.Fatalf("五保户 finds %d documents before the synonym", n)
	}

	r.login("admin1")
	r.do("the section", chromedp.Navigate(r.base+"/console/admin/catalog"), chromedp.WaitVisible(chromedp.CSS(".catalog-tabs")))
	if got := r.textOf(".catalog-tabs"); !strings.Contains(got, "目录分类") || !strings.Contains(got, "调休通知") {
		t.Errorf("the tabs read %q", got)
	}
	r.check("catalog section")

	// The tree: 下移 with the keyboard, then a drag.
	r.do("the tree", chromedp.Click(chromedp.CSS(`.catalog-tabs a[href$="/categories"]`)), chromedp.WaitVisible(chromedp.CSS("#cat-tree")))
	roots := func() []string {
		return eval[[]string](r, `[...document.querySelectorAll('#cat-tree > ol > li')].map((li) => li.dataset.name)`)
	}
	dbRoots := func() []string {
		var names []string
		r.db.Select(&names, `SELECT name FROM categories WHERE parent_id IS NULL ORDER BY position, id`)
		return names
	}
	before := roots()
	r.do("下移 the first with Enter", chromedp.Focus(chromedp.CSS(`#cat-tree > ol > li:first-child > .cat-row [data-move="down"]`)),
		chromedp.KeyEvent("\r"), waitJS(`document.body.dataset.saved === '1'`, 10*time.Second))
	want := append([]string{before[1], before[0]}, before[2:]...)
	if got := dbRoots(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("after 下移 the top level is %v, want %v", got, want)
	}
	if got := r.textOf("#tree-status"); !strings.Contains(got, before[0]) || !strings.Contains(got, "第 2 个") {
		t.Errorf("the move is announced as %q", got)
	}
	if got := eval[string](r, `document.activeElement.dataset.move + ' ' + document.activeElement.closest('li').dataset.name`); got != "down "+before[0] {
		t.Errorf("focus after 下移 is on %q", got)
	}
	r.do("drag the last onto the first", chromedp.Evaluate[chromedp.Void](`(() => {
		const items = [...document.querySelectorAll('#cat-tree > ol > li')];
		const src = items[items.length - 1].querySelector('.cat-row'), dst = items[0].querySelector('.cat-row');
		const dt = new DataTransfer();
		const box = dst.getBoundingClientRect();
		const at = { bubbles: true, cancelable: true, dataTransfer: dt, clientX: box.left + 5, clientY: box.top + 2 };
		src.dispatchEvent(new DragEvent('dragstart', at));
		dst.dispatchEvent(new DragEvent('dragover', at));
		dst.dispatchEvent(new DragEvent('drop', at));
		src.dispatchEvent(new DragEvent('dragend', at));
	})()`), waitJS(`document.body.dataset.saved === '2'`, 10*time.Second))
	if got := dbRoots(); got[0] != want[len(want)-1] || got[1] != want[0] {
		t.Errorf("after dragging %s to the top the order is %v", want[len(want)-1], got)
	}
	r.check("category tree")

	// Merge 生态环境 into a new 环境保护.
	var root int64
	r.db.Get(&root, `SELECT id FROM categories WHERE path = '重点领域'`)
	r.do("add 环境保护", chromedp.SetValue(chromedp.CSS("#add-parent"), fmt.Sprint(root)), chromedp.SendKeys(chromedp.CSS("#add-name"), "环境保护"),
		chromedp.Click(chromedp.CSS(`#add-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`li.cat[data-name="环境保护"]`)))
	var eco, env int64
	r.db.Get(&eco, `SELECT id FROM categories WHERE path = '重点领域/生态环境'`)
	r.db.Get(&env, `SELECT id FROM categories WHERE path = '重点领域/环境保护'`)
	r.do("merge into itself", chromedp.SetValue(chromedp.CSS("#merge-from"), fmt.Sprint(eco)), chromedp.SetValue(chromedp.CSS("#merge-into"), fmt.Sprint(eco)),
		chromedp.Click(chromedp.CSS(`#merge-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#merge-into-error")))
	if got := r.textOf("#merge-into-error"); !strings.Contains(got, "不能合并到它自己") {
		t.Errorf("merging into itself says %q next to the field", got)
	}
	r.do("merge", chromedp.SetValue(chromedp.CSS("#merge-into"), fmt.Sprint(env)),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('merge-into').dispatchEvent(new Event('change'))`))
	if got := r.textOf("#merge-summary"); !strings.Contains(got, "1 份文件") {
		t.Errorf("the merge is described as %q", got)
	}
	r.do("merge", chromedp.Click(chromedp.CSS(`#merge-form button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`li.cat[data-name="生态环境"]`)))
	if got := r.textOf("#tree-status"); !strings.Contains(got, "移动了 1 份文件") {
		t.Errorf("after the merge the page says %q", got)
	}
	if got := r.textOf(`li.cat[data-name="环境保护"] .cat-count`); !strings.Contains(got, "公开 1 份") {
		t.Errorf("环境保护 counts %q after the merge", got)
	}
	r.do("rename it", chromedp.Click(chromedp.CSS(`li.cat[data-name="环境保护"] > .cat-row summary`)),
		chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#rename-%d", env)), "生态环境保护"),
		chromedp.Click(chromedp.CSS(`li.cat[data-name="环境保护"] > .cat-row form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`li.cat[data-name="生态环境保护"]`)))
	var audited int
	r.db.Get(&audited, `SELECT count(*) FROM audit_log WHERE action = 'category.merge' AND actor = 'admin1' AND object_id = $1`, fmt.Sprint(eco))
	if audited != 1 {
		t.Errorf("%d audit entries for the merge", audited)
	}

	// The demand loop: a library's zero-result query answered with a synonym.
	r.do("demand at libraries", chromedp.Navigate(r.base+"/console/admin/catalog/demand"), chromedp.WaitVisible(chromedp.CSS("#place")),
		chromedp.SetValue(chromedp.CSS("#place"), "图书馆"), chromedp.Click(chromedp.CSS(`#place-filter button`)),
		chromedp.WaitVisible(chromedp.CSS(`li.demand[data-query="五保户"]`)))
	row := `li.demand[data-query="五保户"]`
	if got := r.textOf(row + " .demand-stats"); !strings.Contains(got, "检索 1 次") || !strings.Contains(got, "图书馆") {
		t.Errorf("五保户 reads %q", got)
	}
	r.check("demand list")
	r.do("open its actions", chromedp.Click(chromedp.CSS(row+" summary")), chromedp.WaitVisible(chromedp.CSS(row+` input[name="synonym"]`)))
	r.do("a synonym", chromedp.SendKeys(chromedp.CSS(row+` input[name="synonym"]`), "特困人员"),
		chromedp.Click(chromedp.CSS(row+` form[data-try] button[type="submit"]`)),
		waitJS(`Number(document.querySelector('`+row+` .try-result').dataset.total) > 0`, 15*time.Second))
	if got := r.textOf(row + " .try-result"); !strings.Contains(got, "沂源县特困人员救助供养实施细则") {
		t.Errorf("after the synonym the page shows %q", got)
	}
	r.check("demand answered")
	if n, titles := kioskSearch("五保户"); n == 0 || !strings.Contains(titles, "沂源县特困人员救助供养实施细则") {
		t.Errorf("the kiosk search for 五保户 after the synonym finds %d: %s", n, titles)
	}

	r.do("the low-click list", chromedp.Click(chromedp.CSS(`.demand-filters a[href*="low_click"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.demand-filters a[aria-current="page"][href*="low_click"]`)))
	r.check("demand low-click list")

	// Synonyms and pins: the new pair listed; a document pinned to 老年证.
	r.do("synonyms", chromedp.Click(chromedp.CSS(`.catalog-tabs a[href$="/synonyms"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#synonyms tr[data-term="五保户"][data-synonym="特困人员"]`)))
	r.do("find a document to pin", chromedp.SendKeys(chromedp.CSS("#pin-query"), "老年证"), chromedp.SendKeys(chromedp.CSS("#pin-find"), "高龄津贴申领"),
		chromedp.Click(chromedp.CSS(`form[data-find] button`)), chromedp.WaitVisible(chromedp.CSS(`.pin-hits button[data-pin]`)))
	r.check("synonyms and pins")
	r.do("pin it", chromedp.Click(chromedp.CSS(`.pin-hits li:first-child button[data-pin]`)),
		chromedp.WaitVisible(chromedp.CSS(`#pins tr[data-query="老年证"]`)))
	if got := r.textOf("#synonyms-status"); !strings.Contains(got, "置顶到“老年证”") {
		t.Errorf("after pinning the page says %q", got)
	}
	if n, titles := kioskSearch("老年证"); n == 0 || !strings.HasPrefix(titles, "高龄津贴申领办事指南") {
		t.Errorf("the kiosk search for 老年证 after the pin finds %d: %s", n, titles)
	}

	// Next year's notice: a field error, the preview, then the save.
	var open int
	r.db.Get(&open, `SELECT count(*) FROM query_clocks WHERE closed_at IS NULL AND provisional`)
	if open == 0 {
		t.Fatal("no provisional open clock to re-date")
	}
	var next int
	r.db.Get(&next, `SELECT max(year) + 1 FROM calendar_notices`)
	r.do("calendar", chromedp.Navigate(r.base+"/console/admin/catalog/calendar"), chromedp.WaitVisible(chromedp.CSS("#notice-form")))
	if got := eval[string](r, `document.getElementById('n-year').value`); got != fmt.Sprint(max(next, time.Now().Year()+1)) {
		t.Errorf("the form offers year %s, want %d", got, next)
	}
	setDay := func(i int, date, kind, name string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const tr = document.querySelectorAll('#days tbody tr')[%d];
			tr.querySelector('[data-day="date"]').value = %q;
			tr.querySelector('[data-day="kind"]').value = %q;
			tr.querySelector('[data-day="name"]').value = %q;
			tr.querySelector('[data-day="name"]').dispatchEvent(new Event('input', { bubbles: true }));
		})()`, i, date, kind, name))
	}
	saturday := time.Date(next, 1, 1, 0, 0, 0, 0, time.UTC)
	for saturday.Weekday() != time.Saturday {
		saturday = saturday.AddDate(0, 0, 1)
	}
	r.do("fill the notice", chromedp.SetValue(chromedp.CSS("#n-year"), fmt.Sprint(next)),
		chromedp.SetValue(chromedp.CSS("#n-title"), fmt.Sprintf("国务院办公厅关于%d年部分节假日安排的通知", next)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById('n-published').value = '%d-11-10'`, next-1)),
		setDay(0, fmt.Sprintf("%d-01-01", next), "holiday", "元旦"), chromedp.Click(chromedp.CSS("#add-day")),
		setDay(1, saturday.Format(time.DateOnly), "rest_swap", "元旦"),
		chromedp.Click(chromedp.CSS("#preview-btn")), chromedp.WaitVisible(chromedp.CSS("#day-1-date-error")))
	if got := r.textOf("#day-1-date-error"); !strings.Contains(got, "周六") {
		t.Errorf("a rest swap on a Saturday says %q next to the row", got)
	}
	r.check("calendar error")
	r.do("fix and preview", chromedp.Click(chromedp.CSS(`#days tbody tr:nth-child(2) [data-remove]`)),
		chromedp.Click(chromedp.CSS("#preview-btn")), waitJS(`document.getElementById('preview').dataset.rebased !== undefined`, 10*time.Second))
	if got := eval[string](r, `document.getElementById('preview').dataset.rebased`); got != fmt.Sprint(open) {
		t.Errorf("the preview counts %s clocks, want %d", got, open)
	}
	if got := r.textOf("#preview"); !strings.Contains(got, fmt.Sprintf("%d 张办理中的查询单", open)) {
		t.Errorf("the preview says %q", got)
	}
	var stored int
	r.db.Get(&stored, `SELECT count(*) FROM calendar_notices WHERE year = 2027`)
	if stored != 0 {
		t.Fatal("the preview stored the notice")
	}
	r.check("calendar preview")
	r.do("save", chromedp.Click(chromedp.CSS("#save-btn")), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`article.notice-year[data-year="%d"]`, next))))
	if got := r.textOf("#calendar-status"); !strings.Contains(got, fmt.Sprintf("%d 张", open)) {
		t.Errorf("after saving the page says %q", got)
	}
	var rebased int
	r.db.Get(&rebased, `SELECT (detail->>'rebased')::int FROM audit_log WHERE action = 'calendar.notice.add' AND actor = 'admin1'`)
	if rebased != open {
		t.Errorf("saving re-dated %d clocks, the preview said %d", rebased, open)
	}

	// The audit log: what admin1 did to categories, newest first.
	r.do("audit", chromedp.Navigate(r.base+"/console/admin/audit"), chromedp.WaitVisible(chromedp.CSS("#f-actor")),
		chromedp.SendKeys(chromedp.CSS("#f-actor"), "admin1"), chromedp.SendKeys(chromedp.CSS("#f-action"), "category."),
		chromedp.Click(chromedp.CSS(`.audit-filter button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`#audit[data-filter="admin1|category."]`)))
	actions := eval[[]string](r, `[...document.querySelectorAll('#audit tbody tr')].map((tr) => tr.dataset.action)`)
	if strings.Join(actions, ",") != "category.rename,category.merge,category.add,category.reorder,category.reorder" {
		t.Errorf("admin1's category actions = %v", actions)
	}
	if got := r.textOf(`#audit tbody tr:nth-child(2)`); !strings.Contains(got, "合并分类") || !strings.Contains(got, "重点领域/生态环境") || !strings.Contains(got, "重点领域/环境保护") {
		t.Errorf("the merge reads %q", got)
	}
	r.check("audit log")
	r.do("a bad range", chromedp.Navigate(r.base+"/console/admin/audit?from=2026-12-05&to=2026-12-01"), chromedp.WaitVisible(chromedp.CSS("#to-error")))
	if got := r.textOf("#to-error"); !strings.Contains(got, "不能早于") {
		t.Errorf("a range ending before it starts says %q", got)
	}
	r.check("audit filter error")
	r.pageErrors()
}

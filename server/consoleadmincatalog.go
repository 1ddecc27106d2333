package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/server/staff"
)

// adminCatalogRoutes registers the admin's pages for the catalog and
// search: category tree, synonyms, the demand loop, calendar notices
// (/console/admin/catalog/...) and the audit log (/console/admin/audit),
// with the JSON endpoints the pages post to. Each endpoint calls one domain
// function, the same one its page reads with.
func (s *Server) adminCatalogRoutes() {
	a := s.app
	page := s.consoleAuth(staff.RoleAdmin)
	a.Get(consolePrefix+"admin/catalog", page, s.adminCatalogHome)
	a.Get(consolePrefix+"admin/catalog/categories", page, s.adminCategoriesPage)
	a.Get(consolePrefix+"admin/catalog/synonyms", page, s.adminSynonymsPage)
	a.Get(consolePrefix+"admin/catalog/demand", page, s.adminDemandPage)
	a.Get(consolePrefix+"admin/catalog/calendar", page, s.adminCalendarPage)
	a.Get(consolePrefix+"admin/audit", s.consoleAuth(staff.RoleAdmin, staff.RoleSupervisor), s.adminAuditPage)

	admin := s.requireRole(staff.RoleAdmin)
	st := a.Group("/api/v1/staff")
	st.Get("/categories/tree", admin, s.categoryTree)
	st.Post("/categories/tree", admin, s.addCategory)
	st.Put("/categories/tree/order", admin, s.reorderCategories)
	st.Post("/categories/:id/merge", admin, s.mergeCategory)
	st.Get("/search/demand", admin, s.searchDemand)
	st.Get("/search/try", admin, s.trySearch)
	st.Get("/search/pins", admin, s.searchPins)
	st.Post("/search/pins", admin, s.addPin)
	st.Delete("/search/pins/:id", admin, s.deletePin)
	st.Post("/calendar/preview", admin, s.previewNotice)
	st.Get("/audit", s.requireRole(staff.RoleSupervisor), s.auditLog)
}

// adminCatalogEndpoints document the pages and endpoints above.
var adminCatalogEndpoints = []endpoint{
	{"GET", "/console/admin/catalog", "console", "The catalog and search section: tabs for the category tree, synonyms and pins, the demand loop and the calendar notices", "admin"},
	{"GET", "/console/admin/catalog/categories", "console", "The category tree with document counts: reorder (drag and drop or 上移/下移), rename, add, merge, delete", "admin"},
	{"GET", "/console/admin/catalog/synonyms", "console", "The synonym table and the pinned documents per query", "admin"},
	{"GET", "/console/admin/catalog/demand", "console", "What citizens searched for in the last 30 days (kind=zero|low_click, place=服务大厅|图书馆|档案馆|web): add a synonym or pin a document in one step and see the query's hits", "admin"},
	{"GET", "/console/admin/catalog/calendar", "console", "The State Council holiday notices; add next year's with a preview of the open query clocks it re-dates", "admin"},
	{"GET", "/console/admin/audit", "console", "The audit log: filter by who (actor), what (action prefix, object_type, object_id) and when (from, to: dates), newest first, paged", "admin, supervisor"},
	{"GET", "/api/v1/staff/categories/tree", "admin", "The category tree in the admins' order, each node with its public and total document counts and its children", "admin"},
	{"POST", "/api/v1/staff/categories/tree", "admin", "Add a category {parent_id (0: top level), name} after its siblings", "admin"},
	{"PUT", "/api/v1/staff/categories/tree/order", "admin", "Order the sub-categories of a parent {parent_id (0: top level), ids: every sibling once}", "admin"},
	{"POST", "/api/v1/staff/categories/{id}/merge", "admin", "Merge a category {into}: its documents and sub-categories move, it is deleted; one transaction, reindexed, audited", "admin"},
	{"GET", "/api/v1/staff/search/demand", "admin", "Queries of the last days (days, default 30) that found nothing (kind=zero) or whose results nobody opened (kind=low_click), per place (place), with the synonyms and pins they have", "admin"},
	{"GET", "/api/v1/staff/search/try", "admin", "Run a public search as a citizen would (q, limit) without counting it in the demand report or the zero-result list", "admin"},
	{"GET", "/api/v1/staff/search/pins", "admin", "Documents pinned to queries (phrase overrides)", "admin"},
	{"POST", "/api/v1/staff/search/pins", "admin", "Pin a public document to a query {query, document_id}: shown first for it at once", "admin"},
	{"DELETE", "/api/v1/staff/search/pins/{id}", "admin", "Remove a pin", "admin"},
	{"POST", "/api/v1/staff/calendar/preview", "calendar", "What saving a notice would do, writing nothing {notice as for POST /api/v1/staff/calendar/notices, replace} → {changed, range, rebased: open clocks re-dated}", "admin"},
	{"GET", "/api/v1/staff/audit", "admin", "The audit log filtered (actor, action prefix, object_type, object_id, from, to: dates, limit, offset) → {total, items}; secrets in details hidden", "admin, supervisor"},
}

func init() { endpoints = append(endpoints, adminCatalogEndpoints...) }

// catalogTab is a tab of the catalog section.
type catalogTab struct {
	Path, Label string
	Current     bool
}

var catalogTabs = []catalogTab{
	{Path: consolePrefix + "admin/catalog/categories", Label: "目录分类"},
	{Path: consolePrefix + "admin/catalog/synonyms", Label: "同义词与置顶"},
	{Path: consolePrefix + "admin/catalog/demand", Label: "群众检索需求"},
	{Path: consolePrefix + "admin/catalog/calendar", Label: "调休通知"},
}

func tabsFor(path string) []catalogTab {
	out := make([]catalogTab, len(catalogTabs))
	for i, t := range catalogTabs {
		t.Current = t.Path == path
		out[i] = t
	}
	return out
}

// catalogAssets are the section's own script and stylesheet.
var catalogAssets = []string{"admin-catalog.css", "admin-catalog.js"}

// adminPageErr shows a domain error a person can act on as a page.
func (s *Server) adminPageErr(c *fiber.Ctx, err error) error {
	status, msg, _ := s.classify(searchErr(err))
	if status >= 500 {
		return err
	}
	c.Status(status)
	return s.render(c, "error", "无法打开", map[string]string{"Title": "无法打开这个页面", "Message": msg})
}

// ---- the section page ----

// adminCatalogHome is GET /console/admin/catalog: the tabs with a figure each.
func (s *Server) adminCatalogHome(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tree, err := s.deps.Catalog.CategoryTree(ctx)
	if err != nil {
		return err
	}
	syns, err := s.deps.Search.Synonyms(ctx)
	if err != nil {
		return err
	}
	pins, err := s.deps.Search.Pins(ctx)
	if err != nil {
		return err
	}
	_, zero, err := s.deps.Search.Demand(ctx, search.DemandFilter{Kind: search.DemandZero, Limit: 1})
	if err != nil {
		return err
	}
	n := 0
	var count func([]*kiosk.CategoryNode)
	count = func(ns []*kiosk.CategoryNode) {
		for _, x := range ns {
			n++
			count(x.Children)
		}
	}
	count(tree)
	data := map[string]any{"Tabs": tabsFor(""), "Categories": n, "Synonyms": len(syns), "Pins": len(pins), "Zero": zero}
	if s.deps.Calendar != nil {
		ns := s.deps.Calendar.Calendar().Notices()
		if len(ns) > 0 {
			data["LastYear"] = ns[len(ns)-1].Year
		}
	}
	return s.render(c, "admin-catalog", "目录与检索", data, catalogAssets...)
}

// ---- category tree ----

// catOption is a category in a select, indented by depth.
type catOption struct {
	ID              int64
	Label, Path     string
	Count, Total    int
	Children, Depth int
}

func flatten(ns []*kiosk.CategoryNode, out []catOption) []catOption {
	for _, n := range ns {
		out = append(out, catOption{ID: n.ID, Label: strings.Repeat("　", n.Depth) + n.Name, Path: n.Path,
			Count: n.Count, Total: n.Total, Children: len(n.Children), Depth: n.Depth})
		out = flatten(n.Children, out)
	}
	return out
}

// adminCategoriesPage is GET /console/admin/catalog/categories.
func (s *Server) adminCategoriesPage(c *fiber.Ctx) error {
	tree, err := s.deps.Catalog.CategoryTree(c.UserContext())
	if err != nil {
		return err
	}
	data := map[string]any{"Tabs": tabsFor(c.Path()), "Tree": tree, "Options": flatten(tree, nil)}
	return s.render(c, "admin-catalog-categories", "目录分类", data, catalogAssets...)
}

// categoryTree is GET /api/v1/staff/categories/tree.
func (s *Server) categoryTree(c *fiber.Ctx) error {
	tree, err := s.deps.Catalog.CategoryTree(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": tree})
}

// addCategory is POST /api/v1/staff/categories/tree {"parent_id","name"}.
func (s *Server) addCategory(c *fiber.Ctx) error {
	var in struct {
		ParentID int64  `json:"parent_id"`
		Name     string `json:"name"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	cat, err := s.deps.Catalog.AddCategory(c.UserContext(), actor(c), in.ParentID, in.Name)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(cat)
}

// reorderCategories is PUT /api/v1/staff/categories/tree/order {"parent_id","ids"}.
func (s *Server) reorderCategories(c *fiber.Ctx) error {
	var in struct {
		ParentID int64   `json:"parent_id"`
		IDs      []int64 `json:"ids"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := s.deps.Catalog.ReorderCategories(c.UserContext(), actor(c), in.ParentID, in.IDs); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// mergeCategory is POST /api/v1/staff/categories/{id}/merge {"into"}.
func (s *Server) mergeCategory(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Into int64 `json:"into"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Into == 0 {
		return &apiError{status: http.StatusBadRequest, msg: "请选择要合并到的分类", field: "into"}
	}
	m, err := s.deps.Catalog.MergeCategory(c.UserContext(), actor(c), id, in.Into)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

// ---- synonyms and pins ----

// adminSynonymsPage is GET /console/admin/catalog/synonyms.
func (s *Server) adminSynonymsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	syns, err := s.deps.Search.Synonyms(ctx)
	if err != nil {
		return err
	}
	sort.SliceStable(syns, func(i, j int) bool { return syns[i].ID > syns[j].ID }) // newest first
	pins, err := s.deps.Search.Pins(ctx)
	if err != nil {
		return err
	}
	data := map[string]any{"Tabs": tabsFor(c.Path()), "Synonyms": syns, "Pins": pins, "MaxPins": search.MaxPins}
	return s.render(c, "admin-catalog-synonyms", "同义词与置顶", data, catalogAssets...)
}

// trySearch is GET /api/v1/staff/search/try?q=&limit=: the public search,
// not counted.
func (s *Server) trySearch(c *fiber.Ctx) error {
	res, err := s.deps.Search.Search(c.UserContext(), search.Request{Q: c.Query("q"), Limit: clampQuery(c, "limit", 5, 20), NoLog: true})
	if err != nil {
		return searchErr(err)
	}
	items := make([]searchItem, 0, len(res.Items))
	for _, h := range res.Items {
		items = append(items, s.searchItem(h))
	}
	return c.JSON(fiber.Map{"total": res.Total, "total_exact": res.TotalExact, "items": items, "relaxed": res.Relaxed, "expanded": res.Expanded})
}

// searchPins is GET /api/v1/staff/search/pins.
func (s *Server) searchPins(c *fiber.Ctx) error {
	pins, err := s.deps.Search.Pins(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": pins})
}

// addPin is POST /api/v1/staff/search/pins {"query","document_id"}.
func (s *Server) addPin(c *fiber.Ctx) error {
	var in struct {
		Query      string `json:"query"`
		DocumentID int64  `json:"document_id"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.deps.Search.AddPin(c.UserContext(), searchActor(c), in.Query, in.DocumentID)
	if err != nil {
		return searchErr(err)
	}
	return c.Status(http.StatusCreated).JSON(p)
}

// deletePin is DELETE /api/v1/staff/search/pins/{id}.
func (s *Server) deletePin(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Search.DeletePin(c.UserContext(), searchActor(c), id); err != nil {
		return searchErr(err)
	}
	return c.SendStatus(http.StatusNoContent)
}

// ---- the demand loop ----

// demandPlaces are the place filter's choices.
var demandPlaces = []struct{ Value, Label string }{
	{"", "全部场所"}, {"服务大厅", "服务大厅"}, {"图书馆", "图书馆"}, {"档案馆", "档案馆"}, {search.PlaceWeb, "网站及其他"},
}

// placeLabel names a place of a demand item.
func placeLabel(p string) string {
	if p == "" {
		return "网站及其他"
	}
	return p
}

func demandFilter(c *fiber.Ctx) search.DemandFilter {
	days, _ := strconv.Atoi(c.Query("days"))
	return search.DemandFilter{Kind: c.Query("kind"), Place: c.Query("place"), Days: days,
		Limit: clampQuery(c, "limit", 50, 200), Offset: clampQuery(c, "offset", 0, 100000)}
}

// demandRow is a demand item as the page shows it.
type demandRow struct {
	search.DemandItem
	N          int
	PlaceNames string
}

// adminDemandPage is GET /console/admin/catalog/demand?kind=&place=.
func (s *Server) adminDemandPage(c *fiber.Ctx) error {
	f := demandFilter(c)
	items, total, err := s.deps.Search.Demand(c.UserContext(), f)
	if err != nil {
		return s.adminPageErr(c, err)
	}
	rows := make([]demandRow, len(items))
	for i, it := range items {
		names := make([]string, len(it.Places))
		for j, p := range it.Places {
			names[j] = placeLabel(p)
		}
		rows[i] = demandRow{DemandItem: it, N: i + 1, PlaceNames: strings.Join(names, "、")}
	}
	kind := f.Kind
	if kind == "" {
		kind = search.DemandZero
	}
	link := func(k string) string {
		v := url.Values{"kind": {k}}
		if f.Place != "" {
			v.Set("place", f.Place)
		}
		return consolePrefix + "admin/catalog/demand?" + v.Encode()
	}
	data := map[string]any{"Tabs": tabsFor(c.Path()), "Items": rows, "Total": total, "Kind": kind, "Place": f.Place,
		"Places": demandPlaces, "ZeroLink": link(search.DemandZero), "LowLink": link(search.DemandLowClick), "MaxPins": search.MaxPins}
	return s.render(c, "admin-catalog-demand", "群众检索需求", data, catalogAssets...)
}

// searchDemand is GET /api/v1/staff/search/demand.
func (s *Server) searchDemand(c *fiber.Ctx) error {
	items, total, err := s.deps.Search.Demand(c.UserContext(), demandFilter(c))
	if err != nil {
		return searchErr(err)
	}
	if items == nil {
		items = []search.DemandItem{}
	}
	return c.JSON(fiber.Map{"total": total, "items": items})
}

// ---- calendar notices ----

var noticeKindLabels = map[calendar.Kind]string{calendar.Holiday: "放假", calendar.RestSwap: "调休休息", calendar.WorkSwap: "调休上班"}

// noticeDay is a day of a notice as the page shows it.
type noticeDay struct {
	Date, Weekday, Kind, KindLabel, Name string
}

// noticeView is a notice as the page shows it.
type noticeView struct {
	calendar.Notice
	Rows                      []noticeDay
	Holidays, Rests, WorkDays int
}

// adminCalendarPage is GET /console/admin/catalog/calendar.
func (s *Server) adminCalendarPage(c *fiber.Ctx) error {
	if s.deps.Calendar == nil {
		return clientErr(http.StatusNotFound, "本系统没有启用工作日历")
	}
	weekdays := [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}
	var views []noticeView
	next := time.Now().In(shanghai).Year() + 1
	for _, n := range s.deps.Calendar.Calendar().Notices() {
		v := noticeView{Notice: n}
		for _, d := range n.Days {
			v.Rows = append(v.Rows, noticeDay{Date: d.Date.String(), Weekday: weekdays[d.Date.Weekday()], Kind: string(d.Kind),
				KindLabel: noticeKindLabels[d.Kind], Name: d.Name})
			switch d.Kind {
			case calendar.Holiday:
				v.Holidays++
			case calendar.RestSwap:
				v.Rests++
			case calendar.WorkSwap:
				v.WorkDays++
			}
		}
		views = append(views, v)
		if n.Year >= next {
			next = n.Year + 1
		}
	}
	sort.Slice(views, func(i, j int) bool { return views[i].Year > views[j].Year }) // newest first
	data := map[string]any{"Tabs": tabsFor(c.Path()), "Notices": views, "Next": next,
		"Title": fmt.Sprintf("国务院办公厅关于%d年部分节假日安排的通知", next),
		"Kinds": []struct{ Value, Label string }{{"holiday", "放假"}, {"rest_swap", "调休休息"}, {"work_swap", "调休上班"}}}
	return s.render(c, "admin-catalog-calendar", "调休通知", data, catalogAssets...)
}

// previewNotice is POST /api/v1/staff/calendar/preview {notice…, "replace"}.
func (s *Server) previewNotice(c *fiber.Ctx) error {
	if s.deps.Calendar == nil {
		return clientErr(http.StatusNotFound, "本系统没有启用工作日历")
	}
	var in struct {
		calendar.Notice
		Replace bool `json:"replace"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	ch, err := s.deps.Calendar.Preview(c.UserContext(), in.Notice, in.Replace)
	if err != nil {
		return noticeErr(err, in.Year)
	}
	return c.JSON(ch)
}

// ---- the audit log ----

func auditFilter(c *fiber.Ctx) staff.AuditFilter {
	return staff.AuditFilter{Actor: c.Query("actor"), Action: c.Query("action"), ObjectType: c.Query("object_type"),
		ObjectID: c.Query("object_id"), From: c.Query("from"), To: c.Query("to"),
		Limit: clampQuery(c, "limit", 50, 200), Offset: clampQuery(c, "offset", 0, 100000)}
}

func auditErr(err error) error {
	var fe *staff.AuditFieldError
	if errors.As(err, &fe) {
		return &apiError{status: http.StatusBadRequest, msg: fe.Msg, field: fe.Field}
	}
	return err
}

// auditLog is GET /api/v1/staff/audit.
func (s *Server) auditLog(c *fiber.Ctx) error {
	es, total, err := s.deps.Staff.AuditLog(c.UserContext(), auditFilter(c))
	if err != nil {
		return auditErr(err)
	}
	return c.JSON(fiber.Map{"total": total, "items": es})
}

// auditActions name the actions of the audit log in Chinese; an action
// not listed shows its code.
var auditActions = map[string]string{
	"login": "登录", "login.failed": "登录失败", "logout": "退出",
	"category.add": "新增分类", "category.ensure": "新增分类路径", "category.rename": "分类改名",
	"category.reorder": "调整分类顺序", "category.merge": "合并分类", "category.delete": "删除分类",
	"search.synonym.add": "新增同义词", "search.synonym.delete": "删除同义词",
	"search.pin.add": "检索词置顶文件", "search.pin.delete": "取消置顶",
	"search.zero_result.dismiss": "移出零结果列表",
	"calendar.notice.add":        "录入调休通知", "calendar.notice.replace": "更正调休通知",
	"document.create": "新建文件", "document.update": "修改文件", "document.import": "导入文件",
	"review.submit": "提交审核", "review.validity_request": "申请变更有效性", "review.approve": "审核通过", "review.return": "审核退回",
	"terminal.register": "登记终端", "department.save": "保存部门",
	"call.recording.access": "调听通话录音", "call.voicemail.access": "收听语音留言",
	"pause_reason_add": "新增示忙原因", "pause_reason_disable": "停用示忙原因",
}

// auditObjects name the object types.
var auditObjects = map[string]string{
	"category": "分类", "search": "检索", "calendar_notice": "调休通知", "account": "账号", "document": "文件",
	"terminal": "终端", "department": "部门", "call": "来电", "knowledge": "知识库", "pause_reason": "示忙原因", "query": "查询单",
}

// auditKeys name the keys of details.
var auditKeys = map[string]string{
	"path": "路径", "from": "原", "to": "改为", "into": "合并到", "into_id": "目标分类编号", "documents": "移动的文件数",
	"children": "移动的下级分类数", "order": "顺序", "term": "词语", "synonym": "同义词", "query": "检索词",
	"document_id": "文件编号", "title": "标题", "doc_number": "文号", "published_on": "发布日期", "version": "版本",
	"days": "日期数", "changed": "改变了工作日", "rebased": "重新计算时限的查询单", "changed_from": "影响起始日",
	"changed_to": "影响截止日", "name": "名称", "place_type": "场所类型", "code": "代码", "full_name": "全称",
	"index_no": "索引号", "case": "审核编号", "note": "意见", "reason": "理由", "sha256": "文件校验值",
}

// auditRow is an entry as the page shows it.
type auditRow struct {
	staff.Entry
	ActionLabel, ObjectLabel string
	Details                  []auditDetail
}

type auditDetail struct{ Key, Label, Value string }

// readable turns a detail value into text.
func readable(v any) string {
	switch t := v.(type) {
	case nil:
		return "（无）"
	case string:
		return t
	case bool:
		if t {
			return "是"
		}
		return "否"
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = readable(x)
		}
		return strings.Join(parts, " → ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func auditRows(es []staff.Entry) []auditRow {
	rows := make([]auditRow, len(es))
	for i, e := range es {
		r := auditRow{Entry: e, ActionLabel: auditActions[e.Action], ObjectLabel: auditObjects[e.ObjectType]}
		var d map[string]any
		if json.Unmarshal(e.Detail, &d) == nil {
			keys := make([]string, 0, len(d))
			for k := range d {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				r.Details = append(r.Details, auditDetail{Key: k, Label: auditKeys[k], Value: readable(d[k])})
			}
		}
		rows[i] = r
	}
	return rows
}

// adminAuditPage is GET /console/admin/audit?actor=&action=&object_type=&object_id=&from=&to=&offset=.
func (s *Server) adminAuditPage(c *fiber.Ctx) error {
	f := auditFilter(c)
	data := map[string]any{"Filter": f, "Actions": auditActionPrefixes(), "Error": "", "Field": ""}
	es, total, err := s.deps.Staff.AuditLog(c.UserContext(), f)
	var fe *staff.AuditFieldError
	switch {
	case errors.As(err, &fe):
		c.Status(http.StatusBadRequest)
		data["Error"], data["Field"] = fe.Msg, fe.Field
	case err != nil:
		return err
	default:
		data["Items"], data["Total"] = auditRows(es), total
		limit := f.Limit
		if limit == 0 {
			limit = 50
		}
		data["First"], data["Last"] = f.Offset+1, f.Offset+len(es)
		q := url.Values{}
		for k, v := range map[string]string{"actor": f.Actor, "action": f.Action, "object_type": f.ObjectType,
			"object_id": f.ObjectID, "from": f.From, "to": f.To} {
			if v != "" {
				q.Set(k, v)
			}
		}
		page := func(off int) string {
			v := url.Values{}
			for k, x := range q {
				v[k] = x
			}
			if off > 0 {
				v.Set("offset", strconv.Itoa(off))
			}
			return consolePrefix + "admin/audit?" + v.Encode()
		}
		if f.Offset > 0 {
			data["Prev"] = page(max(0, f.Offset-limit))
		}
		if f.Offset+len(es) < total {
			data["Next"] = page(f.Offset + limit)
		}
	}
	return s.render(c, "admin-audit", "审计日志", data, catalogAssets...)
}

// auditActionPrefixes are the suggestions of the action filter: every
// action named and the groups before their dots.
func auditActionPrefixes() []auditDetail {
	seen := map[string]bool{}
	var out []auditDetail
	for code, label := range auditActions {
		if i := strings.Index(code, "."); i > 0 && !seen[code[:i+1]] {
			seen[code[:i+1]] = true
			out = append(out, auditDetail{Key: code[:i+1], Label: "所有 " + code[:i+1] + " 操作"})
		}
		out = append(out, auditDetail{Key: code, Label: label})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

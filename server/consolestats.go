package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/stats"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/server/staff"
)

// statsDesk is the supervisors' statistics (/console/stats): the figures
// of a period with their formulas, the records behind each figure, charts,
// exports and the kept monthly reports.
type statsDesk struct {
	s     *Server
	store *stats.Store

	fontOnce sync.Once
	font     []byte
	fontErr  error
}

// statsRoutes registers the statistics pages (routes.go calls it).
func (s *Server) statsRoutes() {
	if s.console == nil || s.deps.Calendar == nil || s.deps.DB == nil {
		return
	}
	d := &statsDesk{s: s, store: stats.NewStore(s.deps.DB, s.deps.Calendar, stats.Options{})}
	auth := s.consoleAuth(staff.RoleSupervisor)
	a := s.app
	a.Get(consolePrefix+"stats", auth, d.page)
	a.Get(consolePrefix+"stats/list", auth, d.list)
	a.Get(consolePrefix+"stats/list.:format", auth, d.listExport)
	a.Get(consolePrefix+"stats/export.:format", auth, d.export)
	a.Get(consolePrefix+"stats/reports", auth, d.reports)
	a.Get(consolePrefix+"stats/reports/:id.:format", auth, d.keptFile)
	a.Post(consolePrefix+"stats/settings", s.consoleAuth(staff.RoleAdmin), d.saveSettings)
}

// statsQuery is the period, scope and breakdown of a request.
type statsQuery struct {
	Kind, From, To, Department, Dim string
	Period                          stats.Period
}

// values are the query's URL parameters.
func (q statsQuery) values() url.Values {
	v := url.Values{}
	v.Set("period", q.Period.Kind)
	v.Set("from", q.Period.First.String())
	if q.Period.Kind == stats.Custom {
		v.Set("to", q.Period.Last.String())
	}
	if q.Department != "" {
		v.Set("department", q.Department)
	}
	if q.Dim != "" {
		v.Set("dim", q.Dim)
	}
	return v
}

func parseStatsQuery(c *fiber.Ctx) (statsQuery, error) {
	q := statsQuery{Kind: c.Query("period", stats.Month), From: c.Query("from"), To: c.Query("to"), Department: c.Query("department"), Dim: c.Query("dim")}
	var err error
	q.Period, err = stats.ParsePeriod(q.Kind, q.From, q.To, time.Now())
	if q.From == "" && err == nil {
		q.From = q.Period.First.String()
	}
	if q.To == "" && err == nil {
		q.To = q.Period.Last.String()
	}
	ok := false
	for _, d := range stats.Dimensions {
		ok = ok || d.Key == q.Dim
	}
	if !ok {
		q.Dim = ""
	}
	return q, err
}

// statsCell is a cell as the page shows it.
type statsCell struct {
	Text, Href string
	Num        bool
}

type statsRow struct {
	Cells []statsCell
	Flag  string
}

type statsTable struct {
	stats.Table
	HRows []statsRow
	CSV   string
}

// statsPage is what /console/stats shows.
type statsPage struct {
	Q           statsQuery
	Kinds       []struct{ Key, Label string }
	Dims        []struct{ Key, Label string }
	Departments []kiosk.Department
	Report      *stats.Report
	Header      [][2]string
	Tables      []statsTable
	Charts      string
	Export      string            // the query string of the exports
	Exports     map[string]string // csv, xlsx, pdf → URL
	Error       string
	Field       string
	CanEdit     bool
	Settings    stats.Settings
	DailyPct    float64
	Saved       bool
}

// href links a cell's set to its list.
func (q statsQuery) href(set string, fl stats.Filter) string {
	v := q.values()
	v.Set("set", set)
	for k, vs := range fl.Values() {
		v[k] = vs
	}
	return consolePrefix + "stats/list?" + v.Encode()
}

func (d *statsDesk) page(c *fiber.Ctx) error {
	q, err := parseStatsQuery(c)
	p := statsPage{Q: q, Kinds: stats.PeriodKinds, Dims: stats.Dimensions, Saved: c.Query("saved") == "1"}
	acct := account(c)
	p.CanEdit = acct.Has(staff.RoleAdmin)
	if p.Departments, _ = d.s.deps.Catalog.Departments(c.UserContext()); p.Departments == nil {
		p.Departments = []kiosk.Department{}
	}
	p.Settings, _ = d.store.Settings(c.UserContext())
	p.DailyPct = 100 * p.Settings.DailyTarget
	if err != nil {
		p.Error, p.Field = statsErr(err)
		c.Status(http.StatusBadRequest)
		return d.s.render(c, "stats", "话务与查询单统计", p, "stats.js", "stats.css")
	}
	var dims []string
	if q.Dim != "" {
		dims = append(dims, q.Dim)
	}
	r, err := d.store.Compute(c.UserContext(), q.Period, q.Department, dims...)
	if err != nil {
		if errors.Is(err, stats.ErrNotFound) {
			p.Error, p.Field = "没有这个部门", "department"
			c.Status(http.StatusBadRequest)
			return d.s.render(c, "stats", "话务与查询单统计", p, "stats.js", "stats.css")
		}
		return err
	}
	p.Report, p.Header, p.Export = r, r.Header(), q.values().Encode()
	p.Exports = map[string]string{}
	for f := range statsTypes {
		p.Exports[f] = consolePrefix + "stats/export." + f + "?" + p.Export
	}
	for _, t := range r.Tables {
		st := statsTable{Table: t}
		v := q.values()
		v.Set("table", t.ID)
		st.CSV = consolePrefix + "stats/export.csv?" + v.Encode()
		for _, row := range t.Rows {
			hr := statsRow{Flag: row.Flag}
			for _, cell := range row.Cells {
				hc := statsCell{Text: cell.Text, Num: cell.Num}
				if cell.Set != "" {
					hc.Href = q.href(cell.Set, cell.Filter)
				}
				hr.Cells = append(hr.Cells, hc)
			}
			st.HRows = append(st.HRows, hr)
		}
		p.Tables = append(p.Tables, st)
	}
	b, _ := json.Marshal(r.Charts)
	p.Charts = string(b)
	return d.s.render(c, "stats", "话务与查询单统计", p, "stats.js", "stats.css")
}

func statsErr(err error) (string, string) {
	var fe *stats.FieldError
	if errors.As(err, &fe) {
		return fe.Msg, fe.Field
	}
	return err.Error(), ""
}

// statsList is what /console/stats/list shows.
type statsList struct {
	Q      statsQuery
	List   *stats.List
	Report *stats.Report
	Back   string
	CSV    string
	XLSX   string
}

func (d *statsDesk) loadList(c *fiber.Ctx) (statsQuery, *stats.List, *stats.Report, error) {
	q, err := parseStatsQuery(c)
	if err != nil {
		msg, _ := statsErr(err)
		return q, nil, nil, clientErr(http.StatusBadRequest, "%s", msg)
	}
	set := c.Query("set")
	if stats.SetByKey(set) == nil {
		return q, nil, nil, clientErr(http.StatusBadRequest, "没有这个统计项")
	}
	r, err := d.store.Compute(c.UserContext(), q.Period, q.Department)
	if errors.Is(err, stats.ErrNotFound) {
		return q, nil, nil, clientErr(http.StatusBadRequest, "没有这个部门")
	}
	if err != nil {
		return q, nil, nil, err
	}
	l, err := r.List(set, stats.ParseFilter(func(k string) string { return c.Query(k) }))
	return q, l, r, err
}

func (d *statsDesk) list(c *fiber.Ctx) error {
	q, l, r, err := d.loadList(c)
	if err != nil {
		return err
	}
	v := url.Values{}
	for k, vs := range c.Queries() {
		v.Set(k, vs)
	}
	return d.s.render(c, "stats-list", l.Title+" · 明细", statsList{Q: q, List: l, Report: r, Back: consolePrefix + "stats?" + q.values().Encode(),
		CSV: consolePrefix + "stats/list.csv?" + v.Encode(), XLSX: consolePrefix + "stats/list.xlsx?" + v.Encode()}, "stats.css")
}

// download sends a file as an attachment named ascii (and utf8 for
// browsers that read filename*).
func download(c *fiber.Ctx, ctype, ascii, utf8 string, b []byte) error {
	c.Set("Content-Type", ctype)
	c.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(utf8)))
	c.Set("Cache-Control", "no-store")
	return c.Send(b)
}

var statsTypes = map[string]string{
	"csv":  "text/csv; charset=utf-8",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"pdf":  "application/pdf",
}

func (d *statsDesk) listExport(c *fiber.Ctx) error {
	format := c.Params("format")
	if format != "csv" && format != "xlsx" {
		return fiber.ErrNotFound
	}
	q, l, _, err := d.loadList(c)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if format == "csv" {
		err = l.WriteCSV(&b)
	} else {
		err = l.WriteXLSX(&b)
	}
	if err != nil {
		return err
	}
	name := fmt.Sprintf("96128-%s-%s.%s", q.Period.Slug(), l.Set, format)
	return download(c, statsTypes[format], name, l.Title+"明细-"+q.Period.Slug()+"."+format, b.Bytes())
}

func (d *statsDesk) fontBytes() ([]byte, error) {
	d.fontOnce.Do(func() { d.font, d.fontErr = stats.LoadFont("") })
	return d.font, d.fontErr
}

func (d *statsDesk) export(c *fiber.Ctx) error {
	format := c.Params("format")
	if statsTypes[format] == "" {
		return fiber.ErrNotFound
	}
	q, err := parseStatsQuery(c)
	if err != nil {
		msg, _ := statsErr(err)
		return clientErr(http.StatusBadRequest, "%s", msg)
	}
	var dims []string
	if q.Dim != "" {
		dims = append(dims, q.Dim)
	}
	r, err := d.store.Compute(c.UserContext(), q.Period, q.Department, dims...)
	if errors.Is(err, stats.ErrNotFound) {
		return clientErr(http.StatusBadRequest, "没有这个部门")
	}
	if err != nil {
		return err
	}
	var b bytes.Buffer
	switch format {
	case "csv":
		if t := c.Query("table"); t != "" && r.Table(t) == nil {
			return clientErr(http.StatusBadRequest, "没有这个表")
		}
		err = r.WriteCSV(&b, c.Query("table"))
	case "xlsx":
		err = r.WriteXLSX(&b)
	case "pdf":
		font, ferr := d.fontBytes()
		if ferr != nil {
			return clientErr(http.StatusServiceUnavailable, "服务器缺少 PDF 字体（fonts-arphic-gbsn00lp），请下载 XLSX 或 CSV")
		}
		err = r.WritePDF(&b, font)
	}
	if err != nil {
		return err
	}
	name := stats.FileName(q.Period, q.Department, format)
	return download(c, statsTypes[format], name, r.Title+"-"+r.PeriodLabel+"."+format, b.Bytes())
}

func (d *statsDesk) reports(c *fiber.Ctx) error {
	ks, err := d.store.Kept(c.UserContext(), 200)
	if err != nil {
		return err
	}
	return d.s.render(c, "stats-reports", "月报", map[string]any{"Kept": ks}, "stats.css")
}

func (d *statsDesk) keptFile(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	format := c.Params("format")
	if err != nil || statsTypes[format] == "" {
		return fiber.ErrNotFound
	}
	k, b, err := d.store.KeptFile(c.UserContext(), id, format)
	if errors.Is(err, stats.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	p := k.Period()
	name := stats.FileName(p, k.Department, format)
	title := "96128热线月报-" + k.Label()
	if k.DepartmentName != "" {
		title += "-" + k.DepartmentName
	}
	return download(c, statsTypes[format], name, title+"."+format, b)
}

// saveSettings is POST /console/stats/settings (a form with csrf): the
// thresholds, admins only; back to the page.
func (d *statsDesk) saveSettings(c *fiber.Ctx) error {
	if err := checkCSRF(c); err != nil {
		return err
	}
	secs := func(k string) time.Duration {
		n, _ := strconv.Atoi(c.FormValue(k))
		return time.Duration(n) * time.Second
	}
	min, _ := strconv.Atoi(c.FormValue("satisfied_min"))
	pct, _ := strconv.ParseFloat(c.FormValue("daily_target"), 64)
	st := stats.Settings{ShortAbandon: secs("short_abandon"), AnswerTarget: secs("answer_target"), DailyTarget: pct / 100,
		SatisfiedMin: min, LiaisonRing: secs("liaison_ring"), MaxWait: secs("max_wait")}
	acct := account(c)
	if err := d.store.SaveSettings(c.UserContext(), stats.Actor{AccountID: acct.ID, Username: acct.Username, IP: clientIP(c)}, st); err != nil {
		var fe *stats.FieldError
		if errors.As(err, &fe) {
			return d.s.consoleMessage(c, http.StatusBadRequest, "设置有误", fe.Msg, consolePrefix+"stats")
		}
		return err
	}
	back := consolePrefix + "stats?saved=1"
	if r := c.FormValue("back"); r != "" {
		back = consolePrefix + "stats?" + r + "&saved=1"
	}
	return c.Redirect(back, http.StatusSeeOther)
}

// statsEndpoints document the statistics' pages in /api/v1/openapi.json.
var statsEndpoints = []endpoint{
	{"GET", "/console/stats", "console", "Hotline and query statistics of a period (period=day|week|month|quarter|year|custom, from, to, department, dim): every figure with its formula, linked to its records; charts; exports", "supervisor, admin"},
	{"GET", "/console/stats/list", "console", "The records behind a figure (set=, the period's parameters, f_operator/f_department/f_liaison/f_channel/f_category/f_topic/f_day/f_score)", "supervisor, admin"},
	{"GET", "/console/stats/list.{format}", "console", "format csv or xlsx: those records as CSV (UTF-8 with BOM, CRLF) or XLSX (streamed)", "supervisor, admin"},
	{"GET", "/console/stats/export.{format}", "console", "format csv, xlsx or pdf: the statistics as shown, as CSV (table= for one table), XLSX or PDF", "supervisor, admin"},
	{"GET", "/console/stats/reports", "console", "The kept monthly reports (月报) of the line and of each department", "supervisor, admin"},
	{"GET", "/console/stats/reports/{id}.{format}", "console", "format csv, xlsx or pdf: a kept monthly report's file", "supervisor, admin"},
	{"POST", "/console/stats/settings", "console", "The thresholds (form: short_abandon, answer_target, daily_target %, satisfied_min, liaison_ring, max_wait; csrf) → back to the page", "admin"},
}

func init() { endpoints = append(endpoints, statsEndpoints...) }

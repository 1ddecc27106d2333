package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/applications/annual"
	"github.com/govhall/govhall/server/staff"
)

// reportCSP is the policy of a report rendered as a page of its own: its
// inline stylesheet, nothing else.
const reportCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'; form-action 'none'; base-uri 'none'"

// reportDesk serves the annual report (政府信息公开工作年度报告) to staff:
// the API, the downloads and the console page.
type reportDesk struct {
	s     *Server
	store *annual.Store

	fontOnce sync.Once
	font     []byte
	fontErr  error
}

// reportRoutes registers the annual report's API under /api/v1/staff and
// its console page. Admins, reviewers and supervisors read it; admins and
// reviewers write its text and entries and publish it.
func (s *Server) reportRoutes(v1 fiber.Router) {
	d := &reportDesk{s: s, store: annual.NewStore(s.deps.DB)}
	read := s.requireRole(staff.RoleReviewer, staff.RoleSupervisor)
	write := s.requireRole(staff.RoleReviewer)
	g := v1.Group("/staff/reports/annual")
	g.Get("/:year", read, d.get)
	g.Get("/:year/cells", read, d.cell)
	g.Put("/:year/texts/:section", write, d.saveText)
	g.Put("/:year/entries/:item", write, d.saveEntry)
	g.Delete("/:year/entries/:item", write, d.clearEntry)
	g.Post("/:year/publish", write, d.publish)
	if s.console != nil {
		s.app.Get(consolePrefix+"reports/annual", s.consoleAuth(staff.RoleReviewer, staff.RoleSupervisor), d.page)
	}
}

// year reads the :year parameter.
func year(c *fiber.Ctx) (int, error) {
	y, err := strconv.Atoi(c.Params("year"))
	if err != nil || y < annual.MinYear || y > annual.MaxYear {
		return 0, &apiError{status: http.StatusBadRequest, field: "year",
			msg: fmt.Sprintf("year: 年度应为 %d–%d 之间的四位数字", annual.MinYear, annual.MaxYear)}
	}
	return y, nil
}

// reportErr turns the annual package's errors into what the client sees.
func reportErr(err error) error {
	var fe *annual.FieldError
	var ce *annual.ChecksError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return &apiError{status: http.StatusBadRequest, msg: fe.Error(), field: fe.Field}
	case errors.As(err, &ce):
		return &apiError{status: http.StatusConflict, msg: ce.Error()}
	case errors.Is(err, annual.ErrNotFound):
		return clientErr(http.StatusNotFound, "%s", publicText(err, annual.ErrNotFound))
	case errors.Is(err, annual.ErrConflict):
		return clientErr(http.StatusConflict, "%s", publicText(err, annual.ErrConflict))
	case errors.Is(err, annual.ErrNoFont):
		return fmt.Errorf("%w (PDF 暂时无法生成)", err)
	}
	return err
}

func (d *reportDesk) compute(c *fiber.Ctx) (*annual.Report, error) {
	y, err := year(c)
	if err != nil {
		return nil, err
	}
	r, err := d.store.Compute(c.UserContext(), y, c.Query("department"))
	return r, reportErr(err)
}

// get is GET /api/v1/staff/reports/annual/{year}?department=&format=:
// the report as JSON (default), or as an HTML page, an XLSX workbook or a
// PDF to download.
func (d *reportDesk) get(c *fiber.Ctx) error {
	format := c.Query("format", "json")
	if !oneOfStrings(format, "json", "html", "xlsx", "pdf") {
		return &apiError{status: http.StatusBadRequest, field: "format", msg: "format: 格式应为 json、html、xlsx 或 pdf"}
	}
	r, err := d.compute(c)
	if err != nil {
		return err
	}
	if format == "json" {
		return c.JSON(r)
	}
	var b bytes.Buffer
	switch format {
	case "html":
		err = annual.RenderHTML(&b, r)
		c.Set("Content-Security-Policy", reportCSP)
		c.Set("X-Frame-Options", "SAMEORIGIN")
		c.Type("html", "utf-8")
	case "xlsx":
		err = annual.RenderXLSX(&b, r)
		c.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		attachment(c, r, "xlsx")
	case "pdf":
		err = d.pdf(&b, r)
		c.Set("Content-Type", "application/pdf")
		attachment(c, r, "pdf")
	}
	if err != nil {
		return reportErr(err)
	}
	c.Set("Cache-Control", "no-store")
	return c.Send(b.Bytes())
}

// attachment names the download after the report's title.
func attachment(c *fiber.Ctx, r *annual.Report, ext string) {
	key := r.Key()
	if key == "" {
		key = "county"
	}
	ascii := fmt.Sprintf("annual-report-%d-%s.%s", r.Year, key, ext)
	c.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(r.Title+"."+ext)))
}

// pdf renders with the font loaded once (5 MB, read on first use).
func (d *reportDesk) pdf(b *bytes.Buffer, r *annual.Report) error {
	d.fontOnce.Do(func() { d.font, d.fontErr = annual.LoadFont("") })
	if d.fontErr != nil {
		return d.fontErr
	}
	return annual.RenderPDF(b, r, d.font)
}

// cell is GET /api/v1/staff/reports/annual/{year}/cells?department=&row=&column=:
// the applications counted in one cell of table 三.
func (d *reportDesk) cell(c *fiber.Ctx) error {
	y, err := year(c)
	if err != nil {
		return err
	}
	apps, err := d.store.Cell(c.UserContext(), y, c.Query("department"), c.Query("row"), c.Query("column"))
	if err != nil {
		return reportErr(err)
	}
	return c.JSON(fiber.Map{"total": len(apps), "items": apps})
}

func reportActor(c *fiber.Ctx) annual.Actor {
	a := account(c)
	return annual.Actor{AccountID: a.ID, Username: a.Username, IP: clientIP(c)}
}

// saveText is PUT /api/v1/staff/reports/annual/{year}/texts/{section}?department=
// {text}: the prose of 一 (overview), 五 (problems) or 六 (other_matters);
// an empty text restores the generated one.
func (d *reportDesk) saveText(c *fiber.Ctx) error {
	y, err := year(c)
	if err != nil {
		return err
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	err = d.store.SaveText(c.UserContext(), reportActor(c), y, c.Query("department"), c.Params("section"), in.Text)
	if err != nil {
		return reportErr(err)
	}
	return d.get(c)
}

// saveEntry is PUT /api/v1/staff/reports/annual/{year}/entries/{item}?department=
// {value, reason}: a figure of table 二 from another system (permission,
// penalty, compulsion: a whole number; fee: 万元).
func (d *reportDesk) saveEntry(c *fiber.Ctx) error {
	y, err := year(c)
	if err != nil {
		return err
	}
	var in struct {
		Value  json.RawMessage `json:"value"`
		Reason string          `json:"reason"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	value := strings.Trim(string(in.Value), `"`)
	err = d.store.SaveEntry(c.UserContext(), reportActor(c), y, c.Query("department"), c.Params("item"), value, in.Reason)
	if err != nil {
		return reportErr(err)
	}
	return d.get(c)
}

// clearEntry is DELETE /api/v1/staff/reports/annual/{year}/entries/{item}?department=.
func (d *reportDesk) clearEntry(c *fiber.Ctx) error {
	y, err := year(c)
	if err != nil {
		return err
	}
	if err := d.store.ClearEntry(c.UserContext(), reportActor(c), y, c.Query("department"), c.Params("item")); err != nil {
		return reportErr(err)
	}
	return d.get(c)
}

// publish is POST /api/v1/staff/reports/annual/{year}/publish?department=:
// the report as a catalog draft (or a revision) submitted to 初审; 409
// when a check fails or it is already in review.
func (d *reportDesk) publish(c *fiber.Ctx) error {
	y, err := year(c)
	if err != nil {
		return err
	}
	p, err := d.store.Publish(c.UserContext(), d.s.deps.Catalog, actor(c), y, c.Query("department"))
	if err != nil {
		return reportErr(err)
	}
	return c.Status(http.StatusCreated).JSON(p)
}

func oneOfStrings(s string, set ...string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// reportEndpoints document the annual report in /api/v1/openapi.json.
var reportEndpoints = []endpoint{
	{"GET", "/api/v1/staff/reports/annual/{year}", "reports", "The 政府信息公开工作年度报告 of a year (department=CODE, else the county): format=json (the one structure every output renders: tables 二, 三, 四, prose, checks, warnings, notes), html (print-ready A4), xlsx (the form's merged cells), pdf", "reviewer, supervisor, admin"},
	{"GET", "/api/v1/staff/reports/annual/{year}/cells", "reports", "The applications counted in one cell of table 三 (department, row: a row code such as new|granted|denied.third_party|total|carried_out, column: an applicant type or total)", "reviewer, supervisor, admin"},
	{"PUT", "/api/v1/staff/reports/annual/{year}/texts/{section}", "reports", "Save the prose of section overview (一), problems (五) or other_matters (六) {text} with {placeholders} for figures; empty restores the generated text", "reviewer, admin"},
	{"PUT", "/api/v1/staff/reports/annual/{year}/entries/{item}", "reports", "Set a figure of table 二 from another system: permission, penalty, compulsion (whole numbers) or fee (万元) {value, reason}", "reviewer, admin"},
	{"DELETE", "/api/v1/staff/reports/annual/{year}/entries/{item}", "reports", "Clear a figure of table 二 (0, or for the county the sum of its departments')", "reviewer, admin"},
	{"POST", "/api/v1/staff/reports/annual/{year}/publish", "reports", "Publish the report as a catalog document (政务公开/年度报告, kind other) through the normal review: 201 {document_id, case_id, revision}; 409 when a check fails or it is in review", "reviewer, admin"},
	{"GET", "/console/reports/annual", "console", "The annual report desk: year and department, the checks, the tables with the applications behind each cell of table 三, prose and table 二's entries to edit, downloads, publishing", "reviewer, supervisor, admin"},
}

func init() { endpoints = append(endpoints, reportEndpoints...) }

package server

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/server/staff"
)

// applicationConsoleRoutes are the liaison's pages of 依申请公开.
func (s *Server) applicationConsoleRoutes() {
	a := s.app
	viewers := s.consoleAuth(staff.RoleLiaison, staff.RoleSupervisor)
	a.Get(consolePrefix+"applications", viewers, s.applicationsPage)
	a.Get(consolePrefix+"applications/:code", s.consoleAuth(staff.RoleLiaison, staff.RoleSupervisor, staff.RoleReviewer, staff.RoleOperator), s.applicationPage)
	a.Get(consolePrefix+"applications/:code/notice", s.consoleAuth(staff.RoleLiaison, staff.RoleSupervisor, staff.RoleReviewer, staff.RoleOperator), s.applicationNoticePage)
}

// applicationConsoleEndpoints document the pages in /api/v1/openapi.json.
var applicationConsoleEndpoints = []endpoint{
	{"GET", "/console/applications", "console", "The department's applications for government information by working days left (state=open|decided|all; department= for supervisors and admins)", "liaison, supervisor, admin"},
	{"GET", "/console/applications/{code}", "console", "An application with the liaison's actions as forms: 补正, correction received, third-party consultation, extension, decision (the reasons of the chosen decision only), fee, delivery, cases", "liaison, supervisor, reviewer, operator, admin"},
	{"GET", "/console/applications/{code}/notice", "console", "The reply notice (答复告知书) as a print-ready A4 page", "liaison, supervisor, reviewer, operator, admin"},
}

func init() { endpoints = append(endpoints, applicationConsoleEndpoints...) }

// applicationsData is what the list page shows.
type applicationsData struct {
	Department  string
	Code        string
	Departments []kiosk.Department // for supervisors and admins, who pick one
	State       string
	Items       []applications.Item
	Counts      map[string]int
}

// applicationsPage is GET /console/applications[?state=&department=].
func (s *Server) applicationsPage(c *fiber.Ctx) error {
	ctx, a := c.UserContext(), queryActor(c)
	d := applicationsData{State: c.Query("state", "open"), Code: c.Query("department"),
		Counts: map[string]int{"red": 0, "amber": 0, "stopped": 0}}
	if !account(c).Has(staff.RoleLiaison) {
		ds, err := s.deps.Catalog.Departments(ctx)
		if err != nil {
			return err
		}
		d.Departments = ds
		if d.Code == "" && len(ds) > 0 {
			d.Code = ds[0].Code
		}
	}
	items, err := s.deps.Applications.List(ctx, a, applications.ListFilter{Department: d.Code, State: d.State})
	if err != nil {
		return s.consoleErr(c, err)
	}
	d.Items = items
	for _, it := range items {
		d.Counts[it.Clock.Light]++
	}
	d.Department = s.departmentName(c, d.Code)
	return s.render(c, "applications", "依申请公开", d, "applications.css")
}

// applicationData is what an application's page shows.
type applicationData struct {
	App       applications.View
	Decisions []applications.Decision
	Opinions  []applications.Label
	CaseKinds []applications.Label
	Outcomes  []applications.Label
	Pickups   []applications.Label
	Today     string
	CanRecord bool // fee, delivery
	CanCases  bool
	Extended  bool
}

// applicationPage is GET /console/applications/{code}.
func (s *Server) applicationPage(c *fiber.Ctx) error {
	v, err := s.deps.Applications.Get(c.UserContext(), queryActor(c), c.Params("code"))
	if err != nil {
		return s.consoleErr(c, err)
	}
	acct := account(c)
	d := applicationData{App: v, Decisions: applications.Decisions, Opinions: applications.Opinions, CaseKinds: applications.CaseKinds,
		Outcomes: applications.Outcomes, Pickups: applications.Pickups, Today: calendar.DateOf(time.Now()).String(),
		CanRecord: v.CanHandle || acct.Has(staff.RoleAdmin), Extended: v.Clock.Limit == calendar.ApplicationExtended}
	d.CanCases = d.CanRecord || acct.Has(staff.RoleSupervisor)
	return s.render(c, "application", "政府信息公开申请 "+v.Code, d, "applications.js", "applications.css")
}

// applicationNoticePage is GET /console/applications/{code}/notice: the
// reply notice alone on an A4 page, to print and seal.
func (s *Server) applicationNoticePage(c *fiber.Ctx) error {
	n, err := s.deps.Applications.Notice(c.UserContext(), queryActor(c), c.Params("code"))
	if err != nil {
		return s.consoleErr(c, err)
	}
	t, ok := s.console.pages["application-notice"]
	if !ok {
		return clientErr(http.StatusNotFound, "没有答复告知书的模板")
	}
	c.Set("Content-Security-Policy", consoleCSP)
	c.Type("html", "utf-8")
	return t.ExecuteTemplate(c.Response().BodyWriter(), "notice", map[string]any{"N": s.noticeLinks(n), "V": s.console.version,
		"Back": consolePrefix + "applications/" + n.Code})
}

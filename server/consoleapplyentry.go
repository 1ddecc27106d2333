package server

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/server/staff"
)

// The entry of applications made on paper: at the window (channel window)
// or received by post (channel post, with the day the letter arrived), typed
// in by a liaison, an operator or an admin and posted to
// POST /api/v1/staff/applications, which decides every rule.

// applyEntryRoutes registers the page (called at the end of consoleRoutes).
func (s *Server) applyEntryRoutes() {
	s.app.Get(consolePrefix+"applications/new", s.consoleAuth(staff.RoleLiaison, staff.RoleOperator), s.applyEntryPage)
}

var applyEntryEndpoints = []endpoint{
	{"GET", "/console/applications/new", "console", "Enter an application made at the window or received by post (the form of POST /api/v1/staff/applications; errors next to their field; the 查询码 and due date to give the applicant, with a printable receipt)", "liaison, operator, admin"},
}

func init() {
	endpoints = append(endpoints, applyEntryEndpoints...)
	consoleMenu = append(consoleMenu, menuItem{Path: consolePrefix + "applications/new", Label: "登记申请",
		Help: "录入当面提交或信函寄来的政府信息公开申请，给申请人查询码", Roles: []string{staff.RoleLiaison, staff.RoleOperator}})
}

// applyEntryData is what the page shows.
type applyEntryData struct {
	Departments                                            []kiosk.Department
	Department                                             string // the account's own, chosen first
	Today, Earliest                                        string // bounds of the letter's date
	ApplicantTypes, IDTypes, Deliveries, Pickups, Channels []applications.Label
	StatusBase                                             string
}

// applyEntryPage is GET /console/applications/new.
func (s *Server) applyEntryPage(c *fiber.Ctx) error {
	deps, err := s.deps.Catalog.Departments(c.UserContext())
	if err != nil {
		return err
	}
	d := applyEntryData{Departments: deps, ApplicantTypes: entryApplicantTypes(), IDTypes: applications.IDTypes,
		Deliveries: applications.Deliveries, Pickups: applications.Pickups, Channels: applications.Channels[2:],
		StatusBase: s.deps.PublicBaseURL}
	if acct := account(c); acct.DepartmentID.Valid {
		for _, dep := range deps {
			if dep.ID == acct.DepartmentID.Int64 {
				d.Department = dep.Code
			}
		}
	}
	now := time.Now().In(shanghai)
	d.Today = now.Format("2006-01-02")
	d.Earliest = now.AddDate(-1, 0, 0).Format("2006-01-02")
	return s.render(c, "apply-entry", "登记政府信息公开申请", d, "apply-entry.js", "apply-entry.css")
}

// entryApplicantTypes names the applicant types as the paper form does.
func entryApplicantTypes() []applications.Label {
	out := make([]applications.Label, len(applications.ApplicantTypes))
	for i, l := range applications.ApplicantTypes {
		out[i] = l
		if l.Code != applications.Natural {
			out[i].Text = "法人或其他组织：" + l.Text
		}
	}
	return out
}

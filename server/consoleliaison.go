package server

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/server/staff"
)

// liaisonDeskData is what the liaison's desk shows.
type liaisonDeskData struct {
	Department  string
	Departments []kiosk.Department // for supervisors and admins, who pick one
	Items       []queries.DeskItem
	Counts      map[string]int
	Approvals   []queries.Approval
	Phone       *calls.SIPAccount // the liaison's phone, when the hotline runs
}

// liaisonDesk is GET /console/liaison[?department=CODE]: the department's
// open queries by working days left, and what waits for the account's
// approval.
func (s *Server) liaisonDesk(c *fiber.Ctx) error {
	if s.deps.Queries == nil {
		return clientErr(http.StatusNotFound, "本系统没有启用查询单")
	}
	ctx, a := c.UserContext(), queryActor(c)
	d := liaisonDeskData{Counts: map[string]int{"unsigned": 0, "red": 0, "amber": 0, "stopped": 0, "pending": 0}}
	dept := c.Query("department")
	if !account(c).Has(staff.RoleLiaison) {
		ds, err := s.deps.Catalog.Departments(ctx)
		if err != nil {
			return err
		}
		d.Departments = ds
		if dept == "" && len(ds) > 0 {
			dept = ds[0].Code
		}
	}
	items, err := s.deps.Queries.Desk(ctx, a, dept)
	if err != nil {
		return s.consoleErr(c, err)
	}
	d.Items = items
	for _, it := range items {
		d.Counts[it.Light]++
		if !it.Signed {
			d.Counts["unsigned"]++
		}
		if it.Pending != "" {
			d.Counts["pending"]++
		}
		d.Department = it.Department
	}
	if d.Department == "" {
		d.Department = s.departmentName(c, dept)
	}
	if d.Approvals, err = s.deps.Queries.Approvals(ctx, a, true, 100); err != nil && !errors.Is(err, queries.ErrForbidden) {
		return err
	}
	if s.desk != nil && account(c).Has(staff.RoleLiaison) {
		phones, err := s.desk.Store().SIPAccounts(ctx, calls.KindLiaison, account(c).DepartmentID.Int64)
		if err != nil {
			return err
		}
		for i := range phones {
			if phones[i].AccountID == account(c).ID {
				d.Phone = &phones[i]
			}
		}
	}
	return s.render(c, "liaison", "联络员工作台", d, "desk.js")
}

// departmentName names the account's department, or the one asked for.
func (s *Server) departmentName(c *fiber.Ctx, code string) string {
	ds, err := s.deps.Catalog.Departments(c.UserContext())
	if err != nil {
		return ""
	}
	own := account(c).DepartmentID.Int64
	for _, d := range ds {
		if d.Code == code || (code == "" && d.ID == own) {
			return d.Name
		}
	}
	return ""
}

// liaisonQuery is GET /console/liaison/queries/{code}: the full record
// with the liaison's actions.
func (s *Server) liaisonQuery(c *fiber.Ctx) error {
	v, err := s.deps.Queries.Staff(c.UserContext(), queryActor(c), c.Params("code"))
	if err != nil {
		return s.consoleErr(c, err)
	}
	data := map[string]any{"Query": v}
	acct := account(c)
	for _, cl := range v.Clocks {
		if cl.Open && !cl.Complaint {
			data["Stopped"] = cl.Stopped
			data["CanAct"] = acct.Has(staff.RoleLiaison) && cl.DepartmentID.Int64 == acct.DepartmentID.Int64
			data["Signed"] = cl.Signed
		}
	}
	return s.render(c, "query", "查询单 "+v.Code, data, "desk.js")
}

// consoleErr shows a domain error a person can act on as a page; anything
// else goes to the error handler.
func (s *Server) consoleErr(c *fiber.Ctx, err error) error {
	status, msg, _ := s.classify(queryErr(err))
	if status >= 500 {
		return err
	}
	c.Status(status)
	return s.render(c, "error", "无法打开", map[string]string{"Title": "无法打开这个页面", "Message": msg})
}

// signQuery is POST /api/v1/staff/queries/{code}/sign: 签收.
func (s *Server) signQuery(c *fiber.Ctx) error {
	return s.done(c, s.deps.Queries.Sign(c.UserContext(), queryActor(c), c.Params("code")))
}

// queryDesk is GET /api/v1/staff/desk?department=: the liaison's desk.
func (s *Server) queryDesk(c *fiber.Ctx) error {
	items, err := s.deps.Queries.Desk(c.UserContext(), queryActor(c), c.Query("department"))
	if err != nil {
		return queryErr(err)
	}
	return c.JSON(fiber.Map{"items": items})
}

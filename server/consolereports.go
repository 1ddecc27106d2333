package server

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/applications/annual"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/server/staff"
)

// reportPage is what the annual report's console page shows.
type reportPage struct {
	Year         int
	Department   string
	Departments  []kiosk.Department
	Report       *annual.Report
	Tables       map[string]template.HTML // "2", "3", "4"
	Entries      []annual.Entry
	Prose        []proseSection
	CanWrite     bool
	Query        string // ?department=… for the API's URLs
	Placeholders []string
}

// proseSection is a section staff edit, with its heading.
type proseSection struct {
	Heading, Section string
	Prose            annual.Prose
}

// page is GET /console/reports/annual?year=&department=: the report of a
// year with its checks, its tables (a click on a number of table 三 lists
// the applications behind it), the forms for the prose and table 二's
// entries, the downloads and publishing.
func (d *reportDesk) page(c *fiber.Ctx) error {
	y := time.Now().In(shanghai).Year() - 1
	if q := c.Query("year"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < annual.MinYear || n > annual.MaxYear {
			return d.s.consoleMessage(c, http.StatusBadRequest, "年度有误", "年度应为 2008–2100 之间的四位数字。", "/console/reports/annual")
		}
		y = n
	}
	p := reportPage{Year: y, Department: c.Query("department"), Placeholders: annual.Placeholders()}
	acct := account(c)
	p.CanWrite = acct.Has(staff.RoleReviewer) || acct.Has(staff.RoleAdmin)
	var err error
	if p.Departments, err = d.s.deps.Catalog.Departments(c.UserContext()); err != nil {
		return err
	}
	p.Report, err = d.store.Compute(c.UserContext(), y, p.Department)
	if err != nil {
		return reportErr(err)
	}
	p.Query = "?department=" + p.Department
	p.Tables = map[string]template.HTML{}
	for _, n := range []int{2, 3, 4} {
		if p.Tables[strconv.Itoa(n)], err = annual.TableHTML(p.Report, n); err != nil {
			return err
		}
	}
	a := p.Report.Active
	p.Entries = []annual.Entry{a.Permission, a.Penalty, a.Compulsion, a.Fee}
	p.Prose = []proseSection{{annual.HeadingOverview, annual.SectionOverview, p.Report.Overview},
		{annual.HeadingProblems, annual.SectionProblems, p.Report.Problems}, {annual.HeadingOther, annual.SectionOther, p.Report.Other}}
	return d.s.render(c, "report-annual", "年度报告", p, "report-annual.css", "report-annual.js")
}

package server

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/server/console"
	"github.com/govhall/govhall/server/staff"
)

// consolePrefix is where the staff consoles live.
const consolePrefix = "/console/"

// consoleCSP keeps the console pages to their own server: no inline
// script, no framing, forms only to govhall.
const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// menuItem is a console page in the shell's menu.
type menuItem struct {
	Path, Label, Help string
	Roles             []string
	Current           bool
}

// consoleMenu lists every console page with the roles that may open it
// (admins may open all).
var consoleMenu = []menuItem{
	{Path: "/console/operator", Label: "话务台", Help: "接听 96128 来电，查资料，转接部门，登记查询单", Roles: []string{staff.RoleOperator}},
	{Path: "/console/liaison", Label: "联络员工作台", Help: "本部门的查询单：签收、答复、延期、转办；转接来的电话", Roles: []string{staff.RoleLiaison}},
	{Path: "/console/applications", Label: "依申请公开", Help: "本部门的政府信息公开申请：补正、征求第三方意见、延期、答复告知书", Roles: []string{staff.RoleLiaison, staff.RoleSupervisor}},
	{Path: "/console/documents", Label: "文件编写", Help: "起草、修改政府信息，提交审核，申请废止或修订", Roles: []string{staff.RoleReviewer}},
	{Path: "/console/reviews", Label: "审核", Help: "等待我审核的文件：逐字比对、通过或退回", Roles: []string{staff.RoleReviewer}},
	{Path: "/console/reports/annual", Label: "年度报告", Help: "政府信息公开工作年度报告：核对数据与校验，填写文字和表二数字，下载，提交审核发布", Roles: []string{staff.RoleReviewer, staff.RoleSupervisor}},
	{Path: "/console/admin/org", Label: "机构与账号", Help: "部门、工作人员账号、话机、终端、提示音、示忙原因与小结代码", Roles: []string{staff.RoleAdmin}},
	{Path: "/console/admin/catalog", Label: "目录与检索", Help: "目录分类、同义词、零结果检索词、调休通知", Roles: []string{staff.RoleAdmin}},
	{Path: "/console/supervisor", Label: "实时监控", Help: "排队与话务员状态、今日接通率、放弃来电回拨、回访、通话质检", Roles: []string{staff.RoleSupervisor}},
	{Path: "/console/stats", Label: "统计报表", Help: "话务与查询单统计：接通率、放弃率、转接质量、部门响应性、按时办结率、满意度，明细、图表、导出和月报", Roles: []string{staff.RoleSupervisor}},
	{Path: "/console/admin/audit", Label: "审计日志", Help: "谁在何时做了什么，按人、操作、时间筛选", Roles: []string{staff.RoleAdmin, staff.RoleSupervisor}},
}

// shell is what the layout shows around every page.
type shell struct {
	Title, Page, CSRF, V string
	User                 staff.Account
	Menu                 []menuItem
	Scripts, Styles      []string
	Data                 any
}

// consoleUI is the parsed console: templates and static files.
type consoleUI struct {
	pages   console.Pages
	version string
	static  fs.FS
}

func loadConsole() (*consoleUI, error) {
	funcs := console.Funcs(shanghai)
	funcs["stepName"] = kiosk.StepName
	funcs["caseStatus"] = kiosk.CaseStatusName
	funcs["steps"] = func() []int { return []int{1, 2, 3} }
	ps, err := console.Load(funcs)
	if err != nil {
		return nil, err
	}
	return &consoleUI{pages: ps, version: console.Version(), static: console.Static()}, nil
}

// consoleRoutes registers the console's pages, login and static files.
func (s *Server) consoleRoutes() {
	ui, err := loadConsole()
	if err != nil {
		// The templates are embedded: a parse error is a build defect that
		// the console tests catch; the API keeps working without pages.
		s.log.Error("console templates", "err", err)
		return
	}
	s.console = ui
	a := s.app
	a.Get(consolePrefix+"static/v/:version/*", s.consoleAsset)
	a.Get(consolePrefix+"login", s.consoleLoginPage)
	a.Post(consolePrefix+"login", s.consoleLogin)
	a.Post(consolePrefix+"logout", s.consoleLogout)
	a.Get(consolePrefix, s.consoleAuth(), s.consoleHome)
	a.Get(consolePrefix+"liaison", s.consoleAuth(staff.RoleLiaison, staff.RoleSupervisor), s.liaisonDesk)
	a.Get(consolePrefix+"liaison/queries/:code", s.consoleAuth(staff.RoleLiaison, staff.RoleSupervisor, staff.RoleOperator), s.liaisonQuery)
	if s.deps.Events != nil {
		a.Get(consolePrefix+"events", s.consoleAuth(), s.consoleEvents)
	}
	s.catalogDeskRoutes()
	s.adminOrgRoutes()
	s.adminCatalogRoutes()
	s.applyEntryRoutes()
}

// consoleAuth admits a request with a valid session cookie whose account
// holds one of roles (any staff role when none are given; admins always).
// A page asked for without a session is sent to the login page; one the
// role may not open answers 403 with the shell, so the menu still works.
func (s *Server) consoleAuth(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Set("Content-Security-Policy", consoleCSP)
		c.Set("Cache-Control", "no-store")
		tok := c.Cookies(sessionCookie)
		acct, err := s.deps.Staff.Session(c.UserContext(), tok)
		if tok == "" || errors.Is(err, staff.ErrNoSession) {
			if c.Path() == consolePrefix+"events" {
				return clientErr(http.StatusUnauthorized, "请先登录")
			}
			return c.Redirect(consolePrefix+"login?next="+url.QueryEscape(string(c.Request().URI().RequestURI())), http.StatusSeeOther)
		}
		if err != nil {
			return err
		}
		c.Locals("account", acct)
		if len(roles) > 0 && !acct.Has(roles...) && !acct.Has(staff.RoleAdmin) {
			c.Status(http.StatusForbidden)
			return s.render(c, "error", "无权访问", map[string]string{"Title": "无权访问这个页面",
				"Message": "您的账号没有打开这个页面的角色。请从上方菜单选择您的工作页面。"})
		}
		return c.Next()
	}
}

// render executes a page inside the shell. assets are the page's own
// ES modules (.js) and stylesheets (.css) under the console's static files.
func (s *Server) render(c *fiber.Ctx, page, title string, data any, assets ...string) error {
	t, ok := s.console.pages[page]
	if !ok {
		return fmt.Errorf("console: no page %s", page)
	}
	acct := account(c)
	sh := shell{Title: title, Page: page, V: s.console.version, User: acct, Data: data}
	for _, a := range assets {
		if strings.HasSuffix(a, ".css") {
			sh.Styles = append(sh.Styles, a)
		} else {
			sh.Scripts = append(sh.Scripts, a)
		}
	}
	if tok := c.Cookies(sessionCookie); tok != "" && acct.ID != 0 {
		sh.CSRF = csrfToken(tok)
	}
	for _, m := range consoleMenu {
		if acct.Has(m.Roles...) || acct.Has(staff.RoleAdmin) {
			m.Current = strings.HasPrefix(c.Path(), m.Path)
			sh.Menu = append(sh.Menu, m)
		}
	}
	if acct.DisplayName == "" {
		sh.User.DisplayName = acct.Username
	}
	c.Set("Content-Security-Policy", consoleCSP)
	c.Type("html", "utf-8")
	return t.ExecuteTemplate(c.Response().BodyWriter(), "layout.html", sh)
}

// consoleHome is GET /console/: the role's page, or the list of pages.
func (s *Server) consoleHome(c *fiber.Ctx) error {
	acct := account(c)
	var mine []menuItem
	for _, m := range consoleMenu {
		if acct.Has(m.Roles...) || acct.Has(staff.RoleAdmin) {
			mine = append(mine, m)
		}
	}
	if len(mine) == 1 {
		return c.Redirect(mine[0].Path, http.StatusSeeOther)
	}
	return s.render(c, "home", "工作台", nil)
}

// loginForm is what the login page shows again after a failed attempt.
type loginForm struct {
	Next, Username, Error, Field string
}

// consoleLoginPage is GET /console/login.
func (s *Server) consoleLoginPage(c *fiber.Ctx) error {
	return s.render(c, "login", "登录", loginForm{Next: safeNext(c.Query("next"))})
}

// safeNext keeps a post-login redirect inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, consolePrefix) || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return consolePrefix
	}
	return next
}

// consoleLogin is POST /console/login (a plain form): the same login as
// POST /api/v1/session, with the errors shown next to the field.
func (s *Server) consoleLogin(c *fiber.Ctx) error {
	f := loginForm{Next: safeNext(c.FormValue("next")), Username: strings.TrimSpace(c.FormValue("username"))}
	password := c.FormValue("password")
	if !sameOrigin(c) {
		return clientErr(http.StatusForbidden, "登录请求来自其他网站，已拒绝")
	}
	switch {
	case f.Username == "":
		f.Error, f.Field = "请输入用户名", "username"
	case password == "":
		f.Error, f.Field = "请输入密码", "password"
	}
	if f.Error == "" {
		token, _, wait, err := s.deps.Staff.Login(c.UserContext(), f.Username, password, clientIP(c))
		switch {
		case errors.Is(err, staff.ErrThrottled):
			c.Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
			f.Error = fmt.Sprintf("登录失败次数过多，请 %d 分钟后再试", int(wait.Minutes())+1)
		case errors.Is(err, staff.ErrBadCredentials):
			time.Sleep(300 * time.Millisecond) // as the API: slows down guessing
			f.Error, f.Field = "用户名或密码错误", "password"
		case err != nil:
			return err
		default:
			s.setSessionCookie(c, token)
			return c.Redirect(f.Next, http.StatusSeeOther)
		}
	}
	c.Status(http.StatusUnauthorized)
	return s.render(c, "login", "登录", f)
}

// setSessionCookie gives the browser its session: HttpOnly, SameSite
// Strict, Secure when the request came over HTTPS (directly or through a
// trusted proxy) or the public address is https.
func (s *Server) setSessionCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: token, Path: "/", HTTPOnly: true,
		SameSite: "Strict", Secure: overHTTPS(c) || strings.HasPrefix(s.deps.PublicBaseURL, "https://"),
		Expires: time.Now().Add(staff.SessionTTL)})
}

// consoleLogout is POST /console/logout (a plain form with the csrf field).
func (s *Server) consoleLogout(c *fiber.Ctx) error {
	if err := checkCSRF(c); err != nil {
		return err
	}
	if tok := c.Cookies(sessionCookie); tok != "" {
		if acct, err := s.deps.Staff.Session(c.UserContext(), tok); err == nil {
			s.deps.Staff.Record(c.UserContext(), staff.Actor{AccountID: acct.ID, Username: acct.Username, IP: clientIP(c)}, "logout", "account", acct.Username, nil)
		}
		if err := s.deps.Staff.Logout(c.UserContext(), tok); err != nil {
			return err
		}
	}
	c.ClearCookie(sessionCookie)
	return c.Redirect(consolePrefix+"login", http.StatusSeeOther)
}

// consoleAsset is GET /console/static/v/{version}/{path}.
func (s *Server) consoleAsset(c *fiber.Ctx) error {
	p := c.Params("*")
	b, err := fs.ReadFile(s.console.static, p)
	if err != nil {
		return fiber.ErrNotFound
	}
	if c.Params("version") == s.console.version {
		c.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Set("Cache-Control", "no-cache")
	}
	c.Set("Content-Type", contentType(p))
	return c.Send(b)
}

// consoleEndpoints document the console's pages in /api/v1/openapi.json.
var consoleEndpoints = []endpoint{
	{"GET", "/console/", "console", "The staff consoles: the account's page, or the list of its pages (cookie session; without one: the login page)", "any staff role"},
	{"GET", "/console/login", "console", "The login form of every staff role", ""},
	{"POST", "/console/login", "console", "Log in (form: username, password, next) → the session cookie (HttpOnly, SameSite=Strict) and a redirect; errors shown next to the field", ""},
	{"POST", "/console/logout", "console", "Log out (form field csrf)", "any staff role"},
	{"GET", "/console/static/v/{version}/*", "console", "The consoles' stylesheet and scripts, cached for a year under their version", ""},
	{"GET", "/console/events", "console", "The account's live events as Server-Sent Events (id = console event id; Last-Event-ID replays what a reconnecting tab missed; heartbeat every 15 s)", "any staff role"},
	{"GET", "/console/liaison", "console", "The liaison's desk: the department's open queries by working days left, approvals waiting for the account (department= for supervisors)", "liaison, supervisor, admin"},
	{"GET", "/console/liaison/queries/{code}", "console", "A query's full record with the liaison's actions (签收, answer, extension, forward, 补正, notes)", "liaison, supervisor, operator, admin"},
}

func init() { endpoints = append(endpoints, consoleEndpoints...) }

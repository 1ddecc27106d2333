package server

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/printjob"
	"github.com/govhall/govhall/server/staff"
)

// The admin's pages for the organisation (机构与账号, /console/admin/org/…):
// departments with their liaisons' ring order, staff accounts and roles,
// SIP phones, kiosk terminals, the hotline's prompts, pause reasons and
// wrap-up codes. Every change goes through a JSON endpoint that calls one
// domain function (the pages post to it from the browser), and every
// change is in the audit log. Secrets (passwords, SIP passwords, terminal
// tokens) are answered once by the endpoint that makes them and never
// shown again.

// OrgHotline is what the organisation pages need of the hotline
// (*hotline.Hotline implements it).
type OrgHotline interface {
	Store() *calls.Store
	Realm() string
	Registered(a calls.SIPAccount) bool
	PromptFiles() ([]hotline.PromptFile, error)
	PromptPath(name string) (string, error)
	ReplacePrompt(name string, wav []byte) (hotline.PromptFile, error)
	RestorePrompt(ctx context.Context, name string) (hotline.PromptFile, error)
	RegeneratePhone(ctx context.Context, by calls.Actor, id int64) (calls.Phone, string, error)
	RemovePhone(ctx context.Context, by calls.Actor, id int64) (calls.Phone, error)
}

// orgEndpoints document the organisation pages and their API.
var orgEndpoints = []endpoint{
	{"GET", "/console/admin/org", "console", "The admin's organisation section: counts and links to departments, accounts, phones, terminals, prompts, pause reasons and wrap-up codes", "admin"},
	{"GET", "/console/admin/org/departments", "console", "Departments with phone, office hours, ring strategy and liaison phones", "admin"},
	{"GET", "/console/admin/org/departments/{code}", "console", "Edit a department: names, phone, office hours; its liaisons' ring order or ring-all", "admin"},
	{"GET", "/console/admin/org/accounts", "console", "Staff accounts with roles, department, status, open sessions, last login; create one", "admin"},
	{"GET", "/console/admin/org/accounts/{id}", "console", "One account: edit roles and department, reset the password (shown once), disable or enable", "admin"},
	{"GET", "/console/admin/org/phones", "console", "SIP phones with kind, account, department and registration; add one (password shown once), new credentials, remove", "admin"},
	{"GET", "/console/admin/org/terminals", "console", "Kiosk terminals online or offline with printer state; register (token shown once), edit, revoke, new token", "admin"},
	{"GET", "/console/admin/org/prompts", "console", "The hotline's prompts: listen, upload a WAV to replace one, restore the default", "admin"},
	{"GET", "/console/admin/org/codes", "console", "Pause reasons and wrap-up codes: add, disable", "admin"},
	{"GET", "/api/v1/staff/accounts", "staff", "Staff accounts {items: [{id, username, display_name, roles, disabled, department, department_name, created_at, last_login, sessions}]} (never a password hash)", "admin"},
	{"POST", "/api/v1/staff/accounts", "staff", "Create an account {username, display_name, roles, department?, password?} → 201 {account, password}: the password typed or generated, answered this once", "admin"},
	{"PUT", "/api/v1/staff/accounts/{id}", "staff", "Change an account's {display_name, roles, department}; not one's own admin role, never the last admin (409)", "admin"},
	{"PUT", "/api/v1/staff/accounts/{id}/disabled", "staff", "Disable or enable an account {disabled: bool}; disabling ends its sessions at once; not oneself, not the last admin (409)", "admin"},
	{"POST", "/api/v1/staff/accounts/{id}/password", "staff", "Reset the password {password?} → {password}, typed or generated, answered this once; the account's other sessions end", "admin"},
	{"PUT", "/api/v1/staff/departments/{code}/ring", "hotline", "How transfers ring the department's liaisons {ring_strategy: order|all, extensions: [first … last]} → 204", "admin"},
	{"GET", "/api/v1/staff/phones", "hotline", "SIP phones {items: [{id, extension, kind, username, display_name, department, department_name, ring_order, away, registered}]}", "admin"},
	{"POST", "/api/v1/staff/phones", "hotline", "Add a phone {extension, kind: operator|liaison, username?, department?} → 201 {phone, password, realm}: the generated SIP password, answered this once (only HA1 is stored)", "admin"},
	{"POST", "/api/v1/staff/phones/{id}/credentials", "hotline", "New generated SIP password for a phone → {phone, password, realm}, answered this once", "admin"},
	{"DELETE", "/api/v1/staff/phones/{id}", "hotline", "Remove a phone → 204", "admin"},
	{"PUT", "/api/v1/staff/terminals/{id}", "kiosk", "Change a terminal's {place_type, printer_profile}", "admin"},
	{"DELETE", "/api/v1/staff/terminals/{id}", "kiosk", "Revoke a terminal's token: the kiosk is refused from its next request → the terminal", "admin"},
	{"POST", "/api/v1/staff/terminals/{id}/token", "kiosk", "A new device token for a terminal (enables a revoked one; the old token stops) → {terminal, token, kiosk_url}, answered this once", "admin"},
	{"GET", "/api/v1/staff/prompts", "hotline", "The hotline's prompts {items: [{name, text, custom, duration, size, modified, problem?}]}", "admin"},
	{"GET", "/api/v1/staff/prompts/{name}", "hotline", "A prompt's WAV file (8 kHz mono), to listen to", "admin"},
	{"PUT", "/api/v1/staff/prompts/{name}", "hotline", "Replace a prompt: the body is a 16-bit PCM 8000 Hz mono WAV of 0.2 s to 2 min; the next call plays it → the prompt; 400 on field wav otherwise", "admin"},
	{"DELETE", "/api/v1/staff/prompts/{name}", "hotline", "Restore a prompt's synthesised default → the prompt", "admin"},
	{"POST", "/api/v1/staff/wrapup-codes", "hotline", "Add a wrap-up code {label, code?} (code made up when empty) → 201", "admin"},
	{"DELETE", "/api/v1/staff/wrapup-codes/{id}", "hotline", "Take a wrap-up code off the list → 204", "admin"},
}

func init() { endpoints = append(endpoints, orgEndpoints...) }

const orgPrefix = consolePrefix + "admin/org"

// adminOrgRoutes registers the admin's pages for the organisation:
// departments, staff accounts, SIP phones, terminals, prompts, pause
// reasons and wrap-up codes (/console/admin/org/...).
func (s *Server) adminOrgRoutes() {
	a, v1 := s.app, s.app.Group("/api/v1/staff")
	page, admin := s.consoleAuth(staff.RoleAdmin), s.requireRole(staff.RoleAdmin)
	a.Get(orgPrefix, page, s.orgHome)
	a.Get(orgPrefix+"/departments", page, s.orgDepartments)
	a.Get(orgPrefix+"/departments/:code", page, s.orgDepartment)
	a.Get(orgPrefix+"/accounts", page, s.orgAccounts)
	a.Get(orgPrefix+"/accounts/:id", page, s.orgAccount)
	a.Get(orgPrefix+"/phones", page, s.orgPhones)
	a.Get(orgPrefix+"/terminals", page, s.orgTerminals)
	a.Get(orgPrefix+"/prompts", page, s.orgPrompts)
	a.Get(orgPrefix+"/codes", page, s.orgCodes)

	v1.Get("/accounts", admin, s.listAccounts)
	v1.Post("/accounts", admin, s.createAccount)
	v1.Put("/accounts/:id", admin, s.updateAccount)
	v1.Put("/accounts/:id/disabled", admin, s.disableAccount)
	v1.Post("/accounts/:id/password", admin, s.resetPassword)
	v1.Put("/terminals/:id", admin, s.updateTerminal)
	v1.Delete("/terminals/:id", admin, s.revokeTerminal)
	v1.Post("/terminals/:id/token", admin, s.reissueTerminalToken)
	if _, ok := s.orgHotline(); !ok {
		return
	}
	v1.Put("/departments/:code/ring", admin, s.setRing)
	v1.Get("/phones", admin, s.listPhones)
	v1.Post("/phones", admin, s.createPhone)
	v1.Post("/phones/:id/credentials", admin, s.regeneratePhone)
	v1.Delete("/phones/:id", admin, s.removePhone)
	v1.Get("/prompts", admin, s.listPrompts)
	v1.Get("/prompts/:name", admin, s.promptAudio)
	v1.Put("/prompts/:name", admin, s.replacePrompt)
	v1.Delete("/prompts/:name", admin, s.restorePrompt)
	v1.Post("/wrapup-codes", admin, s.addWrapUpCode)
	v1.Delete("/wrapup-codes/:id", admin, s.disableWrapUpCode)
}

// orgHotline returns the hotline when it runs.
func (s *Server) orgHotline() (OrgHotline, bool) {
	if s.deps.Calls == nil {
		return nil, false
	}
	h, ok := s.deps.Calls.(OrgHotline)
	return h, ok
}

// orgErr turns the refusals of the organisation's domain functions into
// answers with the field at fault; anything else goes on to handleError.
func orgErr(err error) error {
	var sf *staff.FieldError
	var cf *calls.FieldError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &sf):
		return &apiError{status: http.StatusBadRequest, msg: sf.Msg, field: sf.Field}
	case errors.As(err, &cf):
		return &apiError{status: http.StatusBadRequest, msg: cf.Msg, field: cf.Field}
	case errors.Is(err, staff.ErrRefused):
		return clientErr(http.StatusConflict, "%s", strings.TrimPrefix(err.Error(), staff.ErrRefused.Error()+": "))
	case errors.Is(err, hotline.ErrBadPrompt):
		return &apiError{status: http.StatusBadRequest, msg: strings.TrimPrefix(err.Error(), hotline.ErrBadPrompt.Error()+": "), field: "wav"}
	case errors.Is(err, hotline.ErrNoPrompt):
		return clientErr(http.StatusNotFound, "没有这个提示音")
	case errors.Is(err, calls.ErrNotFound):
		return clientErr(http.StatusNotFound, "没有找到您要的内容")
	}
	return err
}

// ---- pages ----

// orgTab is an entry of the section's sub-navigation.
type orgTab struct {
	Path, Label string
	Current     bool
}

var orgTabs = []orgTab{
	{Path: orgPrefix, Label: "概览"},
	{Path: orgPrefix + "/departments", Label: "部门"},
	{Path: orgPrefix + "/accounts", Label: "工作人员账号"},
	{Path: orgPrefix + "/phones", Label: "话机"},
	{Path: orgPrefix + "/terminals", Label: "查询终端"},
	{Path: orgPrefix + "/prompts", Label: "提示音"},
	{Path: orgPrefix + "/codes", Label: "示忙原因与小结"},
}

// orgPage is what every page of the section shows: the sub-navigation,
// and whether the hotline runs (phones, prompts, codes, ring settings).
type orgPage struct {
	Nav     []orgTab
	Hotline bool
	Title   string
}

func (s *Server) orgPage(c *fiber.Ctx, title string) orgPage {
	p := orgPage{Title: title}
	_, p.Hotline = s.orgHotline()
	for _, t := range orgTabs {
		t.Current = c.Path() == t.Path || (t.Path != orgPrefix && strings.HasPrefix(c.Path(), t.Path+"/"))
		p.Nav = append(p.Nav, t)
	}
	return p
}

// renderOrg renders a page of the section with the section's script and
// stylesheet.
func (s *Server) renderOrg(c *fiber.Ctx, page, title string, data any) error {
	return s.render(c, page, title+" · 机构与账号", data, "admin-org.js", "admin-org.css")
}

// orgHome is GET /console/admin/org: what there is, with links.
func (s *Server) orgHome(c *fiber.Ctx) error {
	ctx := c.UserContext()
	d := struct {
		orgPage
		Departments, Accounts, Disabled, Terminals, Online, Phones, Registered, Prompts, Custom int
	}{orgPage: s.orgPage(c, "概览")}
	ds, err := s.deps.Catalog.Departments(ctx)
	if err != nil {
		return err
	}
	d.Departments = len(ds)
	as, err := s.deps.Staff.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range as {
		d.Accounts++
		if a.Disabled {
			d.Disabled++
		}
	}
	ts, err := s.deps.Catalog.Terminals(ctx)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if !t.Disabled {
			d.Terminals++
		}
		if t.Online {
			d.Online++
		}
	}
	if h, ok := s.orgHotline(); ok {
		ps, err := s.phones(ctx, h)
		if err != nil {
			return err
		}
		for _, p := range ps {
			d.Phones++
			if p.Registered {
				d.Registered++
			}
		}
		fs, err := h.PromptFiles()
		if err != nil {
			return err
		}
		for _, f := range fs {
			d.Prompts++
			if f.Custom {
				d.Custom++
			}
		}
	}
	return s.renderOrg(c, "admin-org", "概览", d)
}

// orgDepartment is a department with how transfers ring its liaisons.
type orgDepartment struct {
	kiosk.Department
	RingStrategy string
	Liaisons     []orgPhone      // liaison phones in ring order
	Staff        []staff.Account // liaison accounts of the department
}

// departmentsWithRing adds the ring strategy and the liaison phones.
func (s *Server) departmentsWithRing(ctx context.Context) ([]orgDepartment, error) {
	ds, err := s.deps.Catalog.Departments(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]orgDepartment, len(ds))
	var phones []orgPhone
	h, ok := s.orgHotline()
	if ok {
		if phones, err = s.phones(ctx, h); err != nil {
			return nil, err
		}
	}
	for i, d := range ds {
		out[i].Department = d
		if !ok {
			continue
		}
		cd, err := h.Store().Department(ctx, d.Code)
		if err != nil {
			return nil, err
		}
		out[i].RingStrategy = cd.RingStrategy
		for _, p := range phones {
			if p.Kind == calls.KindLiaison && p.DepartmentID == d.ID {
				out[i].Liaisons = append(out[i].Liaisons, p)
			}
		}
	}
	return out, nil
}

// orgDepartments is GET /console/admin/org/departments.
func (s *Server) orgDepartments(c *fiber.Ctx) error {
	ds, err := s.departmentsWithRing(c.UserContext())
	if err != nil {
		return err
	}
	return s.renderOrg(c, "admin-org-departments", "部门", struct {
		orgPage
		Items []orgDepartment
	}{s.orgPage(c, "部门"), ds})
}

// orgDepartmentPage is GET /console/admin/org/departments/{code}.
func (s *Server) orgDepartment(c *fiber.Ctx) error {
	ctx := c.UserContext()
	ds, err := s.departmentsWithRing(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ds, func(d orgDepartment) bool { return d.Code == c.Params("code") })
	if i < 0 {
		return s.consoleErr(c, kiosk.ErrNotFound)
	}
	d := ds[i]
	as, err := s.deps.Staff.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.DepartmentID.Int64 == d.ID && a.Has(staff.RoleLiaison) {
			d.Staff = append(d.Staff, a.Account)
		}
	}
	return s.renderOrg(c, "admin-org-department", d.Name, struct {
		orgPage
		Item orgDepartment
	}{s.orgPage(c, d.Name), d})
}

// roleChoice is a role checkbox of the account forms.
type roleChoice struct {
	Value, Label string
	Checked      bool
}

func roleChoices(have []string) []roleChoice {
	var out []roleChoice
	for _, r := range staff.Roles {
		out = append(out, roleChoice{Value: r, Label: staff.RoleNames[r], Checked: slices.Contains(have, r)})
	}
	return out
}

// orgAccountRow is an account of the list, with its roles named.
type orgAccountRow struct {
	staff.AccountRow
	RoleNames []string
}

func namedRows(rs []staff.AccountRow) []orgAccountRow {
	out := make([]orgAccountRow, len(rs))
	for i, r := range rs {
		out[i].AccountRow = r
		for _, role := range r.Roles {
			out[i].RoleNames = append(out[i].RoleNames, cmp.Or(staff.RoleNames[role], role))
		}
	}
	return out
}

// orgAccounts is GET /console/admin/org/accounts.
func (s *Server) orgAccounts(c *fiber.Ctx) error {
	ctx := c.UserContext()
	rs, err := s.deps.Staff.Accounts(ctx)
	if err != nil {
		return err
	}
	ds, err := s.deps.Catalog.Departments(ctx)
	if err != nil {
		return err
	}
	return s.renderOrg(c, "admin-org-accounts", "工作人员账号", struct {
		orgPage
		Items       []orgAccountRow
		Roles       []roleChoice
		Departments []kiosk.Department
	}{s.orgPage(c, "工作人员账号"), namedRows(rs), roleChoices(nil), ds})
}

// orgAccount is GET /console/admin/org/accounts/{id}.
func (s *Server) orgAccount(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.consoleErr(c, kiosk.ErrNotFound)
	}
	ctx := c.UserContext()
	r, err := s.deps.Staff.AccountByID(ctx, id)
	if errors.Is(err, staff.ErrNotFound) {
		return s.consoleErr(c, kiosk.ErrNotFound)
	}
	if err != nil {
		return err
	}
	ds, err := s.deps.Catalog.Departments(ctx)
	if err != nil {
		return err
	}
	return s.renderOrg(c, "admin-org-account", r.Username, struct {
		orgPage
		Item        orgAccountRow
		Roles       []roleChoice
		Departments []kiosk.Department
		Self        bool
	}{s.orgPage(c, r.Username), namedRows([]staff.AccountRow{r})[0], roleChoices(r.Roles), ds, r.ID == account(c).ID})
}

// orgPhone is a phone with whether it is registered now.
type orgPhone struct {
	calls.Phone
	Registered bool `json:"registered"`
}

func (s *Server) phones(ctx context.Context, h OrgHotline) ([]orgPhone, error) {
	ps, err := h.Store().Phones(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]orgPhone, len(ps))
	for i, p := range ps {
		out[i] = orgPhone{Phone: p, Registered: h.Registered(p.SIPAccount)}
	}
	return out, nil
}

// orgPhones is GET /console/admin/org/phones.
func (s *Server) orgPhones(c *fiber.Ctx) error {
	d := struct {
		orgPage
		Items       []orgPhone
		Operators   []staff.AccountRow
		Liaisons    []staff.AccountRow
		Departments []kiosk.Department
		Realm       string
	}{orgPage: s.orgPage(c, "话机")}
	h, ok := s.orgHotline()
	if !ok {
		return s.renderOrg(c, "admin-org-phones", "话机", d)
	}
	ctx := c.UserContext()
	var err error
	if d.Items, err = s.phones(ctx, h); err != nil {
		return err
	}
	as, err := s.deps.Staff.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.Disabled {
			continue
		}
		if a.Has(staff.RoleOperator) {
			d.Operators = append(d.Operators, a)
		}
		if a.Has(staff.RoleLiaison) {
			d.Liaisons = append(d.Liaisons, a)
		}
	}
	if d.Departments, err = s.deps.Catalog.Departments(ctx); err != nil {
		return err
	}
	d.Realm = h.Realm()
	return s.renderOrg(c, "admin-org-phones", "话机", d)
}

// orgTerminal is a terminal with its printer state named.
type orgTerminal struct {
	kiosk.Terminal
	PrinterText   string
	Department    string
	CustomProfile bool // not a built-in profile's name (one with settings)
}

// orgTerminals is GET /console/admin/org/terminals.
func (s *Server) orgTerminals(c *fiber.Ctx) error {
	ctx := c.UserContext()
	ts, err := s.deps.Catalog.Terminals(ctx)
	if err != nil {
		return err
	}
	ds, err := s.deps.Catalog.Departments(ctx)
	if err != nil {
		return err
	}
	items := make([]orgTerminal, len(ts))
	for i, t := range ts {
		items[i] = orgTerminal{Terminal: t, PrinterText: kiosk.PrinterStateText(t.PrinterState), CustomProfile: true}
		if _, err := printjob.LookupProfile(t.PrinterProfile); err == nil {
			items[i].CustomProfile = false
		}
		for _, d := range ds {
			if t.DepartmentID != nil && *t.DepartmentID == d.ID {
				items[i].Department = d.Name
			}
		}
	}
	return s.renderOrg(c, "admin-org-terminals", "查询终端", struct {
		orgPage
		Items       []orgTerminal
		PlaceTypes  []string
		Profiles    []printjob.Profile
		Departments []kiosk.Department
	}{s.orgPage(c, "查询终端"), items, kiosk.PlaceTypes(), printjob.Profiles(), ds})
}

// orgPrompts is GET /console/admin/org/prompts.
func (s *Server) orgPrompts(c *fiber.Ctx) error {
	d := struct {
		orgPage
		Items []hotline.PromptFile
		Max   int
	}{orgPage: s.orgPage(c, "提示音"), Max: int(hotline.MaxPromptDuration.Seconds())}
	if h, ok := s.orgHotline(); ok {
		var err error
		if d.Items, err = h.PromptFiles(); err != nil {
			return err
		}
	}
	return s.renderOrg(c, "admin-org-prompts", "提示音", d)
}

// orgCodes is GET /console/admin/org/codes.
func (s *Server) orgCodes(c *fiber.Ctx) error {
	d := struct {
		orgPage
		Pause, WrapUp []calls.Choice
	}{orgPage: s.orgPage(c, "示忙原因与小结")}
	if h, ok := s.orgHotline(); ok {
		var err error
		if d.Pause, err = h.Store().PauseReasons(c.UserContext()); err != nil {
			return err
		}
		if d.WrapUp, err = h.Store().WrapUpCodes(c.UserContext()); err != nil {
			return err
		}
	}
	return s.renderOrg(c, "admin-org-codes", "示忙原因与小结", d)
}

// ---- accounts ----

// listAccounts is GET /api/v1/staff/accounts.
func (s *Server) listAccounts(c *fiber.Ctx) error {
	rs, err := s.deps.Staff.Accounts(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": orEmpty(rs)})
}

// createAccount is POST /api/v1/staff/accounts.
func (s *Server) createAccount(c *fiber.Ctx) error {
	var in staff.AccountInput
	if err := decode(c, &in); err != nil {
		return err
	}
	r, password, err := s.deps.Staff.CreateAccount(c.UserContext(), staffActor(c), in)
	if err != nil {
		return orgErr(err)
	}
	c.Set("Cache-Control", "no-store")
	return c.Status(http.StatusCreated).JSON(fiber.Map{"account": r, "password": password})
}

// updateAccount is PUT /api/v1/staff/accounts/{id}.
func (s *Server) updateAccount(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		DisplayName string   `json:"display_name"`
		Roles       []string `json:"roles"`
		Department  string   `json:"department"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := s.deps.Staff.UpdateAccount(c.UserContext(), staffActor(c), id,
		staff.AccountInput{DisplayName: in.DisplayName, Roles: in.Roles, Department: in.Department})
	if err != nil {
		return orgErr(err)
	}
	return c.JSON(r)
}

// disableAccount is PUT /api/v1/staff/accounts/{id}/disabled {"disabled"}.
func (s *Server) disableAccount(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Disabled *bool `json:"disabled"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Disabled == nil {
		return &apiError{status: http.StatusBadRequest, msg: "请说明停用（true）还是启用（false）", field: "disabled"}
	}
	r, err := s.deps.Staff.SetDisabled(c.UserContext(), staffActor(c), id, *in.Disabled)
	if err != nil {
		return orgErr(err)
	}
	return c.JSON(r)
}

// resetPassword is POST /api/v1/staff/accounts/{id}/password {"password"?}.
func (s *Server) resetPassword(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Password string `json:"password"`
	}
	if len(c.Body()) > 0 {
		if err := decode(c, &in); err != nil {
			return err
		}
	}
	password, err := s.deps.Staff.ResetPassword(c.UserContext(), staffActor(c), id, in.Password, sessionToken(c))
	if err != nil {
		return orgErr(err)
	}
	c.Set("Cache-Control", "no-store")
	return c.JSON(fiber.Map{"password": password})
}

// ---- departments' ring ----

// setRing is PUT /api/v1/staff/departments/{code}/ring.
func (s *Server) setRing(c *fiber.Ctx) error {
	h, _ := s.orgHotline()
	var in struct {
		RingStrategy string   `json:"ring_strategy"`
		Extensions   []string `json:"extensions"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := h.Store().SetRing(c.UserContext(), callActor(c), c.Params("code"), in.RingStrategy, in.Extensions); err != nil {
		return orgErr(err)
	}
	return c.SendStatus(http.StatusNoContent)
}

// ---- phones ----

// listPhones is GET /api/v1/staff/phones.
func (s *Server) listPhones(c *fiber.Ctx) error {
	h, _ := s.orgHotline()
	ps, err := s.phones(c.UserContext(), h)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": orEmpty(ps)})
}

// createPhone is POST /api/v1/staff/phones.
func (s *Server) createPhone(c *fiber.Ctx) error {
	h, _ := s.orgHotline()
	var in calls.NewPhone
	if err := decode(c, &in); err != nil {
		return err
	}
	p, password, err := h.Store().CreatePhone(c.UserContext(), callActor(c), h.Realm(), in)
	if err != nil {
		return orgErr(err)
	}
	c.Set("Cache-Control", "no-store")
	return c.Status(http.StatusCreated).JSON(fiber.Map{"phone": orgPhone{Phone: p}, "password": password, "realm": p.Realm})
}

// regeneratePhone is POST /api/v1/staff/phones/{id}/credentials.
func (s *Server) regeneratePhone(c *fiber.Ctx) error {
	h, _ := s.orgHotline()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, password, err := h.RegeneratePhone(c.UserContext(), callActor(c), id)
	if err != nil {
		return orgErr(err)
	}
	c.Set("Cache-Control", "no-store")
	return c.JSON(fiber.Map{"phone": orgPhone{Phone: p, Registered: h.Registered(p.SIPAccount)}, "password": password, "realm": p.Realm})
}

// removePhone is DELETE /api/v1/staff/phones/{id}.
func (s *Server) removePhone(c *fiber.Ctx) error {
	h, _ := s.orgHotline()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.RemovePhone(c.UserContext(), callActor(c), id); err != nil {
		return orgErr(err)
	}
	return c.SendStatus(http.StatusNoContent)
}

// ---- terminals ----

// updateTerminal is PUT /api/v1/staff/terminals/{id}.
func (s *Server) updateTerminal(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in kiosk.TerminalEdit
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := s.deps.Catalog.UpdateTerminal(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// revokeTerminal is DELETE /api/v1/staff/terminals/{id}.
func (s *Server) revokeTerminal(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	t, err := s.deps.Catalog.RevokeTerminal(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// reissueTerminalToken is POST /api/v1/staff/terminals/{id}/token.
func (s *Server) reissueTerminalToken(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	t, token, err := s.deps.Catalog.ReissueTerminalToken(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	return c.JSON(fiber.Map{"terminal": t, "token": token, "kiosk_url": s.deps.PublicBaseURL + "/kiosk/?terminal=" + token})
}

// ---- prompts ----

// listPrompts is GET /api/v1/staff/prompts.
func (s *Server) listPrompts(c *fiber.Ctx) error {
	h, _ := s.orgHotline()
	fs, err := h.PromptFiles()
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": orEmpty(fs)})
}

// promptAudio is GET /api/v1/staff/prompts/{name}: the WAV to listen to.
func (s *Server) promptAudio(c *fiber.Ctx) error {
	h, _ := s.orgHotline()
	path, err := h.PromptPath(c.Params("name"))
	if err != nil {
		return orgErr(err)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return clientErr(http.StatusNotFound, "这个提示音的文件还没有生成")
	}
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	c.Set("Content-Type", "audio/wav")
	return c.Send(b)
}

// replacePrompt is PUT /api/v1/staff/prompts/{name} with the WAV as body.
func (s *Server) replacePrompt(c *fiber.Ctx) error {
	h, _ := s.orgHotline()
	name := c.Params("name")
	if len(c.Body()) == 0 {
		return &apiError{status: http.StatusBadRequest, msg: "请选择要上传的 WAV 文件", field: "wav"}
	}
	f, err := h.ReplacePrompt(name, c.Body())
	if err != nil {
		return orgErr(err)
	}
	s.deps.Staff.Record(c.UserContext(), staffActor(c), "prompt.replace", "prompt", name,
		map[string]any{"size": f.Size, "duration_s": f.Duration})
	return c.JSON(f)
}

// restorePrompt is DELETE /api/v1/staff/prompts/{name}: back to the
// synthesised default.
func (s *Server) restorePrompt(c *fiber.Ctx) error {
	h, _ := s.orgHotline()
	name := c.Params("name")
	f, err := h.RestorePrompt(c.UserContext(), name)
	if err != nil {
		return orgErr(err)
	}
	s.deps.Staff.Record(c.UserContext(), staffActor(c), "prompt.restore", "prompt", name, nil)
	return c.JSON(f)
}

// ---- wrap-up codes ----

// addWrapUpCode is POST /api/v1/staff/wrapup-codes {"label", "code"?}.
func (s *Server) addWrapUpCode(c *fiber.Ctx) error {
	h, _ := s.orgHotline()
	var in struct {
		Code  string `json:"code"`
		Label string `json:"label"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	w, err := h.Store().AddWrapUpCode(c.UserContext(), in.Code, in.Label)
	if err != nil {
		return orgErr(err)
	}
	s.deps.Staff.Record(c.UserContext(), staffActor(c), "wrapup_code_add", "wrapup_code", w.Code, map[string]any{"label": w.Label})
	return c.Status(http.StatusCreated).JSON(w)
}

// disableWrapUpCode is DELETE /api/v1/staff/wrapup-codes/{id}.
func (s *Server) disableWrapUpCode(c *fiber.Ctx) error {
	h, _ := s.orgHotline()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	w, err := h.Store().DisableWrapUpCode(c.UserContext(), id)
	if err != nil {
		return orgErr(err)
	}
	s.deps.Staff.Record(c.UserContext(), staffActor(c), "wrapup_code_disable", "wrapup_code", w.Code, map[string]any{"label": w.Label})
	return c.SendStatus(http.StatusNoContent)
}

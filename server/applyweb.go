package server

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/printjob"
)

// The public side of applications for government information (依申请公开)
// beyond the JSON API: the web form /apply (server-rendered, a plain form
// that works with a keyboard and any input method; its script posts JSON
// to POST /api/v1/applications and shows the errors next to their field),
// the status page of a 查询码, the kiosk's pinyin input and the receipt a
// kiosk prints after an application.

//go:embed applyweb/*
var applyWebFS embed.FS

// applyCSP allows the page's own script and stylesheet only.
const applyCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// applyVersion names the assets' current contents, for year-long caching.
var applyVersion = sync.OnceValue(func() string {
	h := sha256.New()
	names, _ := fs.Glob(applyWebFS, "applyweb/*")
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(applyWebFS, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
})

// applyRoutes mounts the pages and endpoints above (called from kioskRoutes).
func (s *Server) applyRoutes() {
	a := s.app
	a.Get("/api/v1/ime", s.imeCandidates)
	a.Get("/apply/static/:version/*", s.applyAsset)
	if s.deps.Catalog != nil {
		a.Get("/apply", s.applyPage)
		if s.deps.Queries != nil && s.deps.Applications != nil {
			a.Post("/apply", s.applySubmit)
		}
	}
	if s.deps.Queries != nil {
		a.Get("/apply/status", s.applyStatus)
		if s.deps.Catalog != nil {
			a.Post("/api/v1/terminals/:id/receipt", s.requireTerminal, s.limitBy("lookup"), s.printReceipt)
		}
	}
}

// applyWebEndpoints document the routes above.
var applyWebEndpoints = []endpoint{
	{"GET", "/apply", "applications", "The public application form (依申请公开): every field of POST /api/v1/applications, pre-filled by department=, information= or doc= (a public document's id); its script posts JSON and shows errors next to their field", ""},
	{"POST", "/apply", "applications", "The form posted without its script (application/x-www-form-urlencoded, the fields of POST /api/v1/applications, channel web): the page again with the error next to its field, or the 查询码 and due date; same-origin only, rate-limited like the API", ""},
	{"GET", "/apply/status", "applications", "The status of a query or application by its 查询码 (code=), personal data masked, as a page; lookups rate-limited like GET /api/v1/queries/{code}", ""},
	{"GET", "/apply/static/{version}/*", "applications", "The public pages' stylesheets and script (the form's, and document.css of /d/{code}), cached for a year under their version", ""},
	{"POST", "/api/v1/terminals/{id}/receipt", "kiosk", "Print the receipt (回执) of a 查询码 {code} on the kiosk's printer: code, department, due date and a QR code of /apply/status, no personal data → the job's outcome (502 with a sentence for the citizen when the printer fails)", "device"},
}

func init() { endpoints = append(endpoints, applyWebEndpoints...) }

// applyAsset is GET /apply/static/{version}/{file}.
func (s *Server) applyAsset(c *fiber.Ctx) error {
	name := c.Params("*")
	if strings.Contains(name, "/") {
		return fiber.ErrNotFound
	}
	b, err := fs.ReadFile(applyWebFS, "applyweb/"+name)
	if err != nil {
		return fiber.ErrNotFound
	}
	if c.Params("version") == applyVersion() {
		c.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Set("Cache-Control", "no-cache")
	}
	c.Set("Content-Type", contentType(name))
	return c.Send(b)
}

// webOption is a choice of a select or radio field.
type webOption struct {
	Value, Text string
	Selected    bool
}

// webField is one field of the form as the template draws it.
type webField struct {
	Name, Label, Kind, Value, Error, Hint, Autocomplete, InputMode string
	Required                                                       bool
	Max                                                            int
	Options                                                        []webOption
}

// webSection is a fieldset; Group (natural, org) is shown by the script
// only for that applicant type.
type webSection struct {
	Title, Note, Group string
	Fields             []webField
}

// applyDone is the answer shown after submitting.
type applyDone struct {
	Code, Department, DueDate string
	Provisional               bool
}

type applyPageData struct {
	V        string
	Sections []webSection
	Error    string
	Done     *applyDone
}

// applyForm holds the values of the form, by field name.
type applyForm map[string]string

func options(labels []applications.Label, chosen string, first string) []webOption {
	var out []webOption
	if first != "" {
		out = append(out, webOption{Value: "", Text: first, Selected: chosen == ""})
	}
	for _, l := range labels {
		out = append(out, webOption{Value: l.Code, Text: l.Text, Selected: l.Code == chosen})
	}
	return out
}

// applicantOptions name the applicant types as the form asks them.
func applicantOptions(chosen string) []webOption {
	var out []webOption
	for _, l := range applications.ApplicantTypes {
		text := l.Text
		if l.Code != applications.Natural {
			text = "法人或其他组织：" + l.Text
		}
		out = append(out, webOption{Value: l.Code, Text: text, Selected: l.Code == chosen})
	}
	return out
}

// applySections lays out the form with its values and errors.
func applySections(f applyForm, errs map[string]string, deps []kiosk.Department) []webSection {
	field := func(name, label, kind string, max int, required bool, hint string) webField {
		return webField{Name: name, Label: label, Kind: kind, Value: f[name], Error: errs[name], Hint: hint, Max: max, Required: required}
	}
	with := func(w webField, mod func(*webField)) webField { mod(&w); return w }
	depOpts := []webOption{{Value: "", Text: "请选择", Selected: f["department"] == ""}}
	for _, d := range deps {
		depOpts = append(depOpts, webOption{Value: d.Code, Text: d.FullName, Selected: d.Code == f["department"]})
	}
	return []webSection{
		{Title: "申请人", Fields: []webField{
			with(field("applicant_type", "申请人类型", "radio", 0, true, ""), func(w *webField) { w.Options = applicantOptions(f["applicant_type"]) }),
			with(field("name", "姓名或名称", "text", applications.MaxName, true, "自然人填写本人姓名；法人或其他组织填写与营业执照或登记证书一致的名称。"),
				func(w *webField) { w.Autocomplete = "name" }),
		}},
		{Title: "自然人的身份证件", Group: "natural", Note: "以个人名义申请时填写。", Fields: []webField{
			with(field("id_type", "证件类型", "select", 0, true, ""), func(w *webField) {
				w.Options = options(applications.IDTypes, f["id_type"], "请选择")
			}),
			with(field("id_number", "证件号码", "text", 30, true, "居民身份证为18位，最后一位可能是 X。"), func(w *webField) { w.Autocomplete = "off" }),
		}},
		{Title: "法人或其他组织", Group: "org", Note: "以单位名义申请时填写。", Fields: []webField{
			with(field("credit_code", "统一社会信用代码", "text", 18, true, "18位，见营业执照或登记证书。"), func(w *webField) { w.Autocomplete = "off" }),
			with(field("contact_person", "联系人姓名", "text", 50, true, ""), func(w *webField) { w.Autocomplete = "name" }),
		}},
		{Title: "联系方式", Fields: []webField{
			with(field("phone", "联系电话", "tel", 20, true, "手机或带区号的座机，如 13812345678 或 0533-3241001。"), func(w *webField) { w.Autocomplete = "tel" }),
			with(field("email", "电子邮箱", "email", 100, false, "以电子邮件获取信息时必填。"), func(w *webField) { w.Autocomplete = "email" }),
			with(field("address", "通信地址", "text", applications.MaxAddress, false, "邮寄时必填，请写明收件地址和邮政编码。"), func(w *webField) { w.Autocomplete = "street-address" }),
		}},
		{Title: "所需政府信息", Fields: []webField{
			with(field("department", "向哪个行政机关申请", "select", 0, true, "不清楚由哪个机关掌握的，可以选择县人民政府办公室，或拨打 96128 咨询。"), func(w *webField) { w.Options = depOpts }),
			field("information", "所需信息的名称、文号或者便于查找的特征性描述", "textarea", applications.MaxInformation, true,
				"例如：《沂源县最低生活保障审批管理办法》（沂民发〔2024〕6号），或“2024年城乡低保资金发放情况”。"),
			field("purpose", "用途", "textarea", applications.MaxPurpose, false, "选填。"),
		}},
		{Title: "提供形式和获取方式", Fields: []webField{
			with(field("delivery", "指定提供形式", "radio", 0, true, ""), func(w *webField) { w.Options = options(applications.Deliveries, f["delivery"], "") }),
			with(field("pickup", "获取信息的方式", "radio", 0, true, "纸质可以当面领取或邮寄；电子形式可以通过电子邮件、网上获取或当面领取（存储介质）；选择邮寄提供时请选邮寄。"),
				func(w *webField) { w.Options = options(applications.Pickups, f["pickup"], "") }),
		}},
	}
}

// applyFormFields are the fields of the form, in its order.
var applyFormFields = []string{"applicant_type", "name", "id_type", "id_number", "credit_code", "contact_person", "phone",
	"email", "address", "department", "information", "purpose", "delivery", "pickup"}

// applyPage is GET /apply: the form, pre-filled from the query (a
// department, the information, or a public document by id).
func (s *Server) applyPage(c *fiber.Ctx) error {
	f := applyForm{}
	for _, k := range []string{"department", "information"} {
		f[k] = strings.TrimSpace(c.Query(k))
	}
	deps, err := s.deps.Catalog.Departments(c.UserContext())
	if err != nil {
		return err
	}
	if id := c.Query("doc"); id != "" {
		if err := s.prefillFromDocument(c, f, id, deps); err != nil {
			return err
		}
	}
	return s.renderApply(c, http.StatusOK, f, nil, "", nil, deps)
}

// applySubmit is POST /apply: the form without its script. The identity
// fields of the applicant type not chosen are dropped, as the script does.
func (s *Server) applySubmit(c *fiber.Ctx) error {
	if !sameOrigin(c) {
		return clientErr(http.StatusForbidden, "申请来自其他网站，已拒绝")
	}
	f := applyForm{}
	for _, k := range applyFormFields {
		f[k] = strings.TrimSpace(c.FormValue(k))
	}
	if f["applicant_type"] == applications.Natural {
		f["credit_code"], f["contact_person"] = "", ""
	} else if f["applicant_type"] != "" {
		f["id_type"], f["id_number"] = "", ""
	}
	deps, err := s.deps.Catalog.Departments(c.UserContext())
	if err != nil {
		return err
	}
	if ok, _ := s.deps.Queries.AllowLookup("create|" + clientIP(c)); !ok {
		return s.renderApply(c, http.StatusTooManyRequests, f, nil, "提交太频繁了，请过几分钟再试", nil, deps)
	}
	out, err := s.deps.Applications.Submit(c.UserContext(), queries.Citizen(strings.Clone(clientIP(c))), applications.NewApplication{
		Channel: "web", Department: f["department"], ApplicantType: f["applicant_type"], Name: f["name"], IDType: f["id_type"],
		IDNumber: f["id_number"], CreditCode: f["credit_code"], ContactPerson: f["contact_person"], Phone: f["phone"],
		Address: f["address"], Email: f["email"], Information: f["information"], Purpose: f["purpose"],
		Delivery: f["delivery"], Pickup: f["pickup"]})
	var fe *queries.FieldError
	switch {
	case errors.As(err, &fe):
		return s.renderApply(c, http.StatusBadRequest, f, map[string]string{fe.Field: fe.Msg}, fe.Msg, nil, deps)
	case err != nil:
		status, msg, _ := s.classify(err)
		if status >= 500 {
			return err
		}
		return s.renderApply(c, status, f, nil, msg, nil, deps)
	}
	return s.renderApply(c, http.StatusCreated, f, nil, "", &applyDone{Code: out.Code, Department: out.Department,
		DueDate: chineseDate(out.DueDate.String()), Provisional: out.Provisional}, deps)
}

// chineseDate writes 2025-03-31 as 2025年3月31日.
func chineseDate(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return iso
	}
	return t.Format("2006年1月2日")
}

// prefillFromDocument asks for a public document (by id): its agency and
// its title, 文号 and 索引号. An unknown id pre-fills nothing.
func (s *Server) prefillFromDocument(c *fiber.Ctx, f applyForm, id string, deps []kiosk.Department) error {
	var n int64
	for _, r := range id {
		if r < '0' || r > '9' || n > 1<<40 {
			return nil
		}
		n = n*10 + int64(r-'0')
	}
	p, err := s.deps.Catalog.PublicByID(c.UserContext(), n)
	if errors.Is(err, kiosk.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	f["information"] = documentInformation(p.Title, p.DocNumber, p.IndexNo)
	for _, d := range deps {
		if d.FullName == p.Agency || d.Name == p.Agency {
			f["department"] = d.Code
		}
	}
	return nil
}

// documentInformation describes a document as the kiosk's pre-filled
// application does: 《title》（文号：…，索引号：…）.
func documentInformation(title, docNumber, indexNo string) string {
	var parts []string
	if docNumber != "" {
		parts = append(parts, "文号："+docNumber)
	}
	if indexNo != "" {
		parts = append(parts, "索引号："+indexNo)
	}
	s := "《" + title + "》"
	if len(parts) > 0 {
		s += "（" + strings.Join(parts, "，") + "）"
	}
	return s
}

func (s *Server) renderApply(c *fiber.Ctx, status int, f applyForm, errs map[string]string, summary string, done *applyDone, deps []kiosk.Department) error {
	data := applyPageData{V: applyVersion(), Sections: applySections(f, errs, deps), Error: summary, Done: done}
	c.Set("Content-Security-Policy", applyCSP)
	c.Set("Cache-Control", "no-store")
	c.Status(status).Type("html", "utf-8")
	return pages.ExecuteTemplate(c.Response().BodyWriter(), "apply.html", data)
}

// statusPageData is the status page.
type statusPageData struct {
	V, Code, Error, Accepted, Due string
	View                          *queries.PublicView
	History                       []statusEvent
}

type statusEvent struct{ At, Text, Department string }

// applyStatus is GET /apply/status?code=: the public status of a query or
// application, as GET /api/v1/queries/{code} gives it, on a page.
func (s *Server) applyStatus(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", applyCSP)
	c.Set("Cache-Control", "no-store")
	d := statusPageData{V: applyVersion(), Code: strings.TrimSpace(c.Query("code"))}
	status := http.StatusOK
	if d.Code != "" {
		code := strings.Map(func(r rune) rune {
			if r == ' ' || r == '-' {
				return -1
			}
			return r
		}, d.Code)
		if ok, _ := s.deps.Queries.AllowLookup("lookup|" + clientIP(c)); !ok {
			status, d.Error = http.StatusTooManyRequests, "查询过于频繁，请几分钟后再试"
		} else if v, err := s.deps.Queries.Public(c.UserContext(), code); err == nil {
			d.View = &v
			d.Accepted = v.AcceptedAt.In(shanghai).Format("2006年1月2日 15:04")
			d.Due = v.DueAt.In(shanghai).Format("2006年1月2日") + "前"
			for _, e := range v.History {
				d.History = append(d.History, statusEvent{At: e.At.In(shanghai).Format("2006年1月2日 15:04"), Text: e.Text, Department: e.Department})
			}
		} else if errors.Is(err, queries.ErrBadCode) {
			status, d.Error = http.StatusBadRequest, "查询码有误，请核对后重新输入（10位数字）"
		} else if errors.Is(err, queries.ErrNotFound) {
			status, d.Error = http.StatusNotFound, "没有找到这个查询码，请核对后重新输入"
		} else {
			return err
		}
	}
	c.Status(status).Type("html", "utf-8")
	return pages.ExecuteTemplate(c.Response().BodyWriter(), "apply-status.html", d)
}

// printReceipt is POST /api/v1/terminals/{id}/receipt {"code"}: the
// kiosk prints the receipt of an application just submitted. The
// receipt is made from the public status of the code, never from what
// the kiosk sends.
func (s *Server) printReceipt(c *fiber.Ctx) error {
	t := terminal(c)
	if id, err := idParam(c, "id"); err != nil || id != t.ID {
		return clientErr(http.StatusForbidden, "a kiosk may only print on its own printer")
	}
	if s.deps.Printer == nil {
		return clientErr(http.StatusServiceUnavailable, "打印功能暂未开通")
	}
	var in struct {
		Code string `json:"code"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.deps.Queries.Public(c.UserContext(), in.Code)
	if err != nil {
		return err
	}
	job, err := s.deps.Catalog.PrintReceipt(c.UserContext(), s.deps.Printer, t, printjob.Receipt{
		Code: v.Code, Department: v.Department, SubmittedAt: v.AcceptedAt, DueAt: v.DueAt, Provisional: v.Provisional,
		URL: s.deps.PublicBaseURL + "/apply/status?code=" + v.Code, PrintedAt: time.Now()})
	if err != nil {
		return err
	}
	if job.Status == "failed" {
		return c.Status(http.StatusBadGateway).JSON(fiber.Map{"status": job.Status, "error": job.Error})
	}
	return c.JSON(job)
}

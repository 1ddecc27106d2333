package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/server/staff"
)

// previewCSP lets a preview of the public page be framed by the console
// (and nothing else): the public page's stylesheet, no script, no forms.
const previewCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'self'; form-action 'none'; base-uri 'none'"

// catalogDeskRoutes registers the reviewers' pages: writing documents, the
// review queue with its per-character diff, validity changes, history.
func (s *Server) catalogDeskRoutes() {
	a := s.app
	rev := s.consoleAuth(staff.RoleReviewer)
	a.Get(consolePrefix+"documents", rev, s.catalogList)
	a.Get(consolePrefix+"documents/new", rev, s.documentForm)
	a.Get(consolePrefix+"documents/:id", rev, s.documentDesk)
	a.Get(consolePrefix+"documents/:id/edit", rev, s.documentForm)
	a.Get(consolePrefix+"documents/:id/preview", rev, s.previewSaved)
	a.Post(consolePrefix+"documents/:id/validity-preview", rev, s.previewValidity)
	a.Post(consolePrefix+"preview", rev, s.previewForm)
	a.Get(consolePrefix+"reviews", rev, s.reviewDesk)
	a.Get(consolePrefix+"reviews/:id", rev, s.reviewCase)
	a.Get(consolePrefix+"reviews/:id/preview", rev, s.previewCase)
}

// docState is how the console names a document's state.
var docStates = []struct{ Value, Label string }{
	{"", "全部"}, {kiosk.StateDraft, "草稿"}, {kiosk.StateInReview, "审核中"}, {kiosk.StatePublished, "已公开"},
}

// catalogList is GET /console/documents: documents by state, newest first.
func (s *Server) catalogList(c *fiber.Ctx) error {
	state := c.Query("state")
	f := kiosk.Filter{State: state, Limit: 50, Offset: (clampQuery(c, "page", 1, 10000) - 1) * 50}
	valid := false
	for _, st := range docStates {
		valid = valid || st.Value == state
	}
	if !valid {
		f.State, state = "", ""
	}
	ds, total, err := s.deps.Catalog.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	page := f.Offset/50 + 1
	return s.render(c, "catalog-list", "文件编写", fiber.Map{"Items": ds, "Total": total, "State": state,
		"States": docStates, "Page": page, "Prev": page > 1, "Next": f.Offset+len(ds) < total}, "catalog.css")
}

// formData is what the document form shows.
type formData struct {
	ID                    int64
	In                    kiosk.Input
	Published             bool // a published document: the form saves a revision
	Revision              *kiosk.Revision
	Prefix, Year, Number  string
	Agencies              []kiosk.Department
	Categories            []categoryOption
	Kinds, Validities     []option
	DocTypes              []option
	Disclosures           []option
	Interpretable, Titles []kiosk.Document
}

type option struct{ Value, Label string }

type categoryOption struct {
	Path, Label string
	Depth       int
}

var (
	kindOptions = []option{{kiosk.KindPolicy, "政策文件"}, {kiosk.KindInterpretation, "政策解读"},
		{kiosk.KindGuide, "办事指南"}, {kiosk.KindOther, "其他"}}
	validityOptions   = []option{{kiosk.Valid, "有效"}, {kiosk.Repealed, "废止"}, {kiosk.Expired, "失效"}, {kiosk.Amended, "已修订"}}
	docTypeOptions    = []option{{kiosk.DocTypeOther, "其他"}, {kiosk.DocTypeNormative, "行政规范性文件"}, {kiosk.DocTypeRule, "规章"}}
	disclosureOptions = []option{{kiosk.Proactive, "主动公开"}, {kiosk.OnRequest, "依申请公开"}, {kiosk.Withheld, "不予公开"}}
)

// documentForm is GET /console/documents/new and /console/documents/{id}/edit.
func (s *Server) documentForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	d := formData{Kinds: kindOptions, Validities: validityOptions, Disclosures: disclosureOptions, DocTypes: docTypeOptions}
	d.In = kiosk.Input{Kind: kiosk.KindPolicy, Disclosure: kiosk.Proactive, Validity: kiosk.Valid, DocType: kiosk.DocTypeOther}
	title := "新建文件"
	if c.Params("id") != "" {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		doc, err := s.deps.Catalog.Get(ctx, id)
		if err != nil {
			return err
		}
		if doc.State == kiosk.StateInReview {
			return s.consoleMessage(c, http.StatusConflict, "文件在审核中", "审核结束（通过或退回）之前不能修改。", "/console/documents/"+c.Params("id"))
		}
		if d.In, d.Revision, err = s.deps.Catalog.Content(ctx, id); err != nil {
			return err
		}
		d.ID, d.Published = id, doc.State == kiosk.StatePublished
		if d.In.DocType == "" {
			d.In.DocType = doc.DocType
		}
		title = "修改：" + doc.Title
	}
	d.Prefix, d.Year, d.Number, _ = search.DocNumberParts(d.In.DocNumber)
	var err error
	if d.Agencies, err = s.deps.Catalog.Departments(ctx); err != nil {
		return err
	}
	cats, err := s.deps.Catalog.Categories(ctx)
	if err != nil {
		return err
	}
	for _, ct := range cats {
		depth := strings.Count(ct.Path, "/")
		d.Categories = append(d.Categories, categoryOption{Path: ct.Path, Label: strings.Repeat("　", depth) + ct.Name, Depth: depth})
	}
	if d.Interpretable, _, err = s.deps.Catalog.ListPublic(ctx, kiosk.Filter{Kind: kiosk.KindPolicy, Limit: 100}); err != nil {
		return err
	}
	return s.render(c, "catalog-form", title, d, "catalog.js", "catalog.css")
}

// documentDesk is GET /console/documents/{id}: the document, its pending
// revision, what can be done with it, and its whole history.
func (s *Server) documentDesk(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	doc, err := s.deps.Catalog.Get(ctx, id)
	if err != nil {
		return err
	}
	rev, err := s.deps.Catalog.Revision(ctx, id)
	if err != nil {
		return err
	}
	cases, err := s.deps.Catalog.History(ctx, id)
	if err != nil {
		return err
	}
	versions, err := s.deps.Catalog.Versions(ctx, id)
	if err != nil {
		return err
	}
	var open *kiosk.Case
	for i := range cases {
		if cases[i].Status == "open" {
			open = &cases[i]
		}
	}
	public := doc.State == kiosk.StatePublished && doc.Disclosure != kiosk.Withheld
	return s.render(c, "catalog-doc", doc.Title, fiber.Map{"Doc": doc, "Revision": rev, "Cases": cases,
		"Versions": versions, "Open": open, "Public": public, "URL": s.docURL(doc.Code),
		"Validities": validityOptions, "StateName": kiosk.StateName(doc.State)}, "catalog.js", "catalog.css")
}

// reviewDesk is GET /console/reviews: the cases waiting, those the
// reviewer may decide first, oldest first.
func (s *Server) reviewDesk(c *fiber.Ctx) error {
	q, err := s.deps.Catalog.ReviewQueue(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	mine := 0
	for _, w := range q {
		if w.Mine {
			mine++
		}
	}
	return s.render(c, "review-queue", "审核", fiber.Map{"Items": q, "Mine": mine}, "catalog.css")
}

// reviewCase is GET /console/reviews/{id}?against=published|previous: the
// case with the document as the public will see it, the per-character
// diff, and the decision.
func (s *Server) reviewCase(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	cs, err := s.deps.Catalog.Case(ctx, id)
	if err != nil {
		return err
	}
	data := fiber.Map{"Case": cs, "Against": c.Query("against")}
	if cs.VersionID != nil {
		cmp, err := s.deps.Catalog.Compare(ctx, id, c.Query("against"))
		var fe *kiosk.FieldError
		if errors.As(err, &fe) {
			cmp, err = s.deps.Catalog.Compare(ctx, id, "")
		}
		if err != nil {
			return err
		}
		data["Cmp"] = cmp
	} else if cs.NewReplacedBy != nil {
		rep, err := s.deps.Catalog.Get(ctx, *cs.NewReplacedBy)
		if err != nil {
			return err
		}
		data["Replacement"] = rep
	}
	if cs.Status == "open" {
		q, err := s.deps.Catalog.ReviewQueue(ctx, actor(c))
		if err != nil {
			return err
		}
		for _, w := range q {
			if w.ID == id {
				data["Mine"], data["Why"] = w.Mine, w.Why
			}
		}
	}
	data["StepName"] = kiosk.StepName(cs.Step)
	return s.render(c, "review-case", "审核："+cs.Title, data, "catalog.js", "catalog.css")
}

// previewForm is POST /console/preview (the document form, posted into
// the preview frame): the public page of the unsaved form, exactly as it
// will be rendered, or what keeps it from being previewed.
func (s *Server) previewForm(c *fiber.Ctx) error {
	if err := checkCSRF(c); err != nil {
		return err
	}
	in := kiosk.Input{IndexNo: c.FormValue("index_no"), DocNumber: c.FormValue("doc_number"), Title: c.FormValue("title"),
		Agency: c.FormValue("agency"), Category: c.FormValue("category"), Topic: c.FormValue("topic"),
		WrittenAt: c.FormValue("written_at"), PublishedAt: c.FormValue("published_at"), Validity: c.FormValue("validity"),
		ReplacedBy: c.FormValue("replaced_by"), Disclosure: c.FormValue("disclosure"), WithheldReason: c.FormValue("withheld_reason"),
		Kind: c.FormValue("kind"), Interprets: c.FormValue("interprets"), Body: c.FormValue("body")}
	id := int64(c.QueryInt("id"))
	if id > 0 && in.Validity == "" {
		// a revision's form leaves the validity out: it stays as published
		if cur, _, err := s.deps.Catalog.Content(c.UserContext(), id); err == nil {
			in.Validity, in.ReplacedBy = cur.Validity, cur.ReplacedBy
		}
	}
	p, err := s.deps.Catalog.Preview(c.UserContext(), id, in)
	return s.writePreview(c, p, err)
}

// previewSaved is GET /console/documents/{id}/preview: the saved draft or
// revision as its public page will show it.
func (s *Server) previewSaved(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in, _, err := s.deps.Catalog.Content(c.UserContext(), id)
	if err != nil {
		return err
	}
	p, err := s.deps.Catalog.Preview(c.UserContext(), id, in)
	return s.writePreview(c, p, err)
}

// previewCase is GET /console/reviews/{id}/preview: what the case will
// publish — its version, or the document after the validity change.
func (s *Server) previewCase(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	cs, err := s.deps.Catalog.Case(ctx, id)
	if err != nil {
		return err
	}
	var p kiosk.Public
	if cs.VersionID == nil {
		rep := ""
		if cs.NewReplacedBy != nil {
			d, err := s.deps.Catalog.Get(ctx, *cs.NewReplacedBy)
			if err != nil {
				return err
			}
			rep = d.IndexNo
		}
		p, err = s.deps.Catalog.PreviewValidity(ctx, cs.DocumentID, *cs.NewValidity, rep)
	} else {
		cmp, cerr := s.deps.Catalog.Compare(ctx, id, "")
		if cerr != nil {
			return cerr
		}
		p, err = s.deps.Catalog.Preview(ctx, cs.DocumentID, cmp.Version.Content)
	}
	if err == nil {
		if d, gerr := s.deps.Catalog.Get(ctx, cs.DocumentID); gerr == nil {
			p.Code = d.Code
		}
	}
	return s.writePreview(c, p, err)
}

// previewValidity is POST /console/documents/{id}/validity-preview (the
// validity form, posted into the preview frame).
func (s *Server) previewValidity(c *fiber.Ctx) error {
	if err := checkCSRF(c); err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := s.deps.Catalog.PreviewValidity(c.UserContext(), id, c.FormValue("validity"), strings.TrimSpace(c.FormValue("replaced_by")))
	return s.writePreview(c, p, err)
}

// writePreview answers a preview frame: the public page, or in its place
// the field that keeps the document from being shown.
func (s *Server) writePreview(c *fiber.Ctx, p kiosk.Public, err error) error {
	c.Set("Content-Security-Policy", previewCSP)
	c.Set("X-Frame-Options", "SAMEORIGIN")
	c.Set("Cache-Control", "no-store")
	var fe *kiosk.FieldError
	if errors.As(err, &fe) {
		c.Type("html", "utf-8")
		return c.SendString(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>无法预览</title>` +
			`<link rel="stylesheet" href="` + documentCSS() + `"></head><body class="plain error"><p>还不能预览：` +
			htmlEscape(fieldLabel(fe.Field)+"："+fe.Msg) + `</p></body></html>`)
	}
	if err != nil {
		return err
	}
	if p.Code == "" {
		p.Code = "（公开后生成）"
	}
	return s.writePublicPage(c, p)
}

// fieldLabel names a document field as the form does.
func fieldLabel(field string) string {
	for _, f := range []struct{ field, label string }{{"index_no", "索引号"}, {"doc_number", "文号"}, {"title", "标题"},
		{"agency", "发文机关"}, {"category", "主题分类"}, {"kind", "文件类型"}, {"written_at", "成文日期"},
		{"published_at", "发布日期"}, {"validity", "有效性"}, {"replaced_by", "替代文件"}, {"disclosure", "公开属性"},
		{"withheld_reason", "不予公开理由"}, {"interprets", "解读的文件"}, {"body", "正文"}} {
		if f.field == field {
			return f.label
		}
	}
	return field
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// consoleMessage shows a short message page in the shell.
func (s *Server) consoleMessage(c *fiber.Ctx, status int, title, msg, back string) error {
	c.Status(status)
	return s.render(c, "error", title, map[string]string{"Title": title, "Message": msg, "Back": back})
}

// catalogDeskEndpoints document the reviewers' pages.
var catalogDeskEndpoints = []endpoint{
	{"GET", "/console/documents", "console", "Documents by state (草稿, 审核中, 已公开), newest first", "reviewer, admin"},
	{"GET", "/console/documents/new", "console", "The document form with every catalog field and a live preview of the public page", "reviewer, admin"},
	{"GET", "/console/documents/{id}", "console", "A document: its pending revision, submit, validity change with the public effect previewed, every version and review step", "reviewer, admin"},
	{"GET", "/console/documents/{id}/edit", "console", "The form for a draft, or for a revision of a published document (the public text stays until 审定)", "reviewer, admin"},
	{"POST", "/console/preview", "console", "The public page of the unsaved form (form fields, csrf; id= of the document), for the preview frame", "reviewer, admin"},
	{"GET", "/console/documents/{id}/preview", "console", "The saved draft or revision as its public page will show it (framed by the console only)", "reviewer, admin"},
	{"POST", "/console/documents/{id}/validity-preview", "console", "The public page after a validity change (form: validity, replaced_by, csrf), for the preview frame", "reviewer, admin"},
	{"GET", "/console/reviews/{id}/preview", "console", "What a case will publish: its version, or the document after the validity change", "reviewer, admin"},
	{"GET", "/console/reviews", "console", "The review queue: open cases oldest first, those the account may decide at their step first", "reviewer, admin"},
	{"GET", "/console/reviews/{id}", "console", "A case: the public page it will publish, the per-character diff (against=published|previous), approve or return with a comment", "reviewer, admin"},
}

func init() { endpoints = append(endpoints, catalogDeskEndpoints...) }

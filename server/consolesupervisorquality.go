package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/quality"
	"github.com/govhall/govhall/server/staff"
)

// qualityEndpoints document the quality review's routes in /api/v1/openapi.json.
var qualityEndpoints = []endpoint{
	{"GET", "/console/supervisor/quality", "console", "通话质检: sample calls (random per operator for a period, or by rule), the drafts to score, appeals waiting, recent scores", "supervisor, admin"},
	{"GET", "/console/supervisor/quality/reviews/{id}", "console", "Score a call: its recording in the page (seek, speed; each access audited), the form's items, 致命项, comment; a final score read-only with its appeal and history; the decision on an appeal", "supervisor, admin"},
	{"GET", "/console/supervisor/quality/forms", "console", "Scoring forms: items with weights out of 100 and 致命项; a change makes a new version, scores keep theirs", "admin (supervisors read)"},
	{"GET", "/console/quality/mine", "console", "The operator's quality results: score per item, comment, appeal within the working days allowed", "operator, admin"},
	{"GET", "/api/v1/quality/forms", "quality", "Scoring forms, latest version each: {id, name, version, version_id, items [{key, label, weight, fatal}]}", "supervisor, admin"},
	{"POST", "/api/v1/quality/forms", "quality", "New form {name, items [{label, weight, fatal}]}: weights of the non-fatal items add up to 100", "admin"},
	{"POST", "/api/v1/quality/forms/{id}/versions", "quality", "New version of a form {items}", "admin"},
	{"POST", "/api/v1/quality/samples", "quality", "Sample calls into drafts {from, to (YYYY-MM-DD, to inclusive), rule: random|low_rating|long_wait|transfer_refused|complaint, per_operator, form_id} → {created}", "supervisor, admin"},
	{"GET", "/api/v1/quality/reviews", "quality", "Reviews (status=draft|final, operator=ID)", "supervisor, admin"},
	{"POST", "/api/v1/quality/reviews", "quality", "Open a review of a call {call_id, form_id, operator_id?} → the draft (or the review that exists)", "supervisor, admin"},
	{"GET", "/api/v1/quality/reviews/{id}", "quality", "One review with its form version, scores, appeal, deadline and history", "supervisor, admin; the operator for their own"},
	{"PUT", "/api/v1/quality/reviews/{id}", "quality", "Save a draft {scores {key: points | true/false for 致命项}, comment}", "supervisor, admin"},
	{"POST", "/api/v1/quality/reviews/{id}/final", "quality", "Score in full and make final {scores, comment}: never changes after; a failed 致命项 zeroes the total", "supervisor, admin"},
	{"GET", "/api/v1/quality/mine", "quality", "The operator's final reviews with appeals and deadlines", "operator, admin"},
	{"POST", "/api/v1/quality/reviews/{id}/appeal", "quality", "Appeal one's own final score {reason} within supervisor_settings.appeal_days working days (calendar); 409 appealed already, 422 too late", "operator, admin"},
	{"POST", "/api/v1/quality/appeals/{id}/decision", "quality", "Decide an appeal {upheld: bool, note (required to reject), scores, comment (the new score when upheld)}: the original stays in the history", "supervisor, admin"},
}

func init() { endpoints = append(endpoints, qualityEndpoints...) }

// qualityStore is the quality review on the server's database.
func (s *Server) qualityStore() *quality.Store {
	return quality.NewStore(s.deps.DB, s.deps.Calendar)
}

// qualityRoutes registers the quality review (质检) pages and API.
func (s *Server) qualityRoutes(sv SupervisorService) {
	if s.deps.Calendar == nil {
		return
	}
	sup, ops := s.requireRole(staff.RoleSupervisor), s.requireRole(staff.RoleOperator)
	a, v1 := s.app, s.app.Group("/api/v1")
	if s.console != nil {
		a.Get(consolePrefix+"supervisor/quality", s.consoleAuth(staff.RoleSupervisor), s.qualityPage)
		a.Get(consolePrefix+"supervisor/quality/reviews/:id", s.consoleAuth(staff.RoleSupervisor), s.qualityReviewPage)
		a.Get(consolePrefix+"supervisor/quality/forms", s.consoleAuth(staff.RoleSupervisor), s.qualityFormsPage)
		a.Get(consolePrefix+"quality/mine", s.consoleAuth(staff.RoleOperator), s.qualityMinePage(sv))
	}
	v1.Get("/quality/forms", sup, s.qualityForms)
	v1.Post("/quality/forms", s.requireRole(staff.RoleAdmin), s.createQualityForm)
	v1.Post("/quality/forms/:id/versions", s.requireRole(staff.RoleAdmin), s.reviseQualityForm)
	v1.Post("/quality/samples", sup, s.qualitySample)
	v1.Get("/quality/reviews", sup, s.qualityReviews)
	v1.Post("/quality/reviews", sup, s.openQualityReview)
	v1.Get("/quality/reviews/:id", s.requireRole(staff.RoleSupervisor, staff.RoleOperator), s.qualityReview)
	v1.Put("/quality/reviews/:id", sup, s.scoreQualityReview(false))
	v1.Post("/quality/reviews/:id/final", sup, s.scoreQualityReview(true))
	v1.Get("/quality/mine", ops, s.qualityMine)
	v1.Post("/quality/reviews/:id/appeal", ops, s.qualityAppeal)
	v1.Post("/quality/appeals/:id/decision", sup, s.qualityDecide)
}

func qualityActor(c *fiber.Ctx) quality.Actor {
	a := account(c)
	return quality.Actor{AccountID: a.ID, Username: a.Username, IP: clientIP(c)}
}

// qualityErr maps the quality review's errors to answers.
func qualityErr(err error) error {
	var fe *quality.FieldError
	if errors.As(err, &fe) {
		return &apiError{status: http.StatusBadRequest, msg: fe.Msg, field: fe.Field}
	}
	msg, ok := quality.Message(err)
	switch {
	case !ok:
		return err
	case errors.Is(err, quality.ErrNotFound):
		return clientErr(http.StatusNotFound, "%s", msg)
	case errors.Is(err, quality.ErrForbidden):
		return clientErr(http.StatusForbidden, "%s", msg)
	case errors.Is(err, quality.ErrLate):
		return clientErr(http.StatusUnprocessableEntity, "%s", msg)
	}
	return clientErr(http.StatusConflict, "%s", msg)
}

func (s *Server) qualityForms(c *fiber.Ctx) error {
	fs, err := s.qualityStore().Forms(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": orEmpty(fs)})
}

type formInput struct {
	Name  string         `json:"name"`
	Items []quality.Item `json:"items"`
}

func (s *Server) createQualityForm(c *fiber.Ctx) error {
	var in formInput
	if err := decode(c, &in); err != nil {
		return err
	}
	f, err := s.qualityStore().CreateForm(c.UserContext(), qualityActor(c), in.Name, in.Items)
	if err != nil {
		return qualityErr(err)
	}
	return c.Status(http.StatusCreated).JSON(f)
}

func (s *Server) reviseQualityForm(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in formInput
	if err := decode(c, &in); err != nil {
		return err
	}
	f, err := s.qualityStore().ReviseForm(c.UserContext(), qualityActor(c), id, in.Items)
	if err != nil {
		return qualityErr(err)
	}
	return c.Status(http.StatusCreated).JSON(f)
}

func (s *Server) qualitySample(c *fiber.Ctx) error {
	var in struct {
		From        string `json:"from"`
		To          string `json:"to"`
		Rule        string `json:"rule"`
		PerOperator int    `json:"per_operator"`
		FormID      int64  `json:"form_id"`
		OperatorID  int64  `json:"operator_id"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	from, err := calendar.ParseDate(in.From)
	if err != nil {
		return &apiError{status: http.StatusBadRequest, msg: "请填写开始日期（年-月-日）", field: "from"}
	}
	to, err := calendar.ParseDate(in.To)
	if err != nil {
		return &apiError{status: http.StatusBadRequest, msg: "请填写结束日期（年-月-日）", field: "to"}
	}
	if in.FormID == 0 {
		return &apiError{status: http.StatusBadRequest, msg: "请选择评分表", field: "form_id"}
	}
	n, err := s.qualityStore().Sample(c.UserContext(), qualityActor(c), quality.SampleRequest{From: from.At(0), To: to.AddDays(1).At(0),
		Rule: in.Rule, PerOperator: in.PerOperator, FormID: in.FormID, OperatorID: in.OperatorID})
	if err != nil {
		return qualityErr(err)
	}
	return c.Status(http.StatusCreated).JSON(fiber.Map{"created": n})
}

func (s *Server) qualityReviews(c *fiber.Ctx) error {
	rs, err := s.qualityStore().Reviews(c.UserContext(), quality.ReviewFilter{Status: c.Query("status"),
		OperatorID: int64(c.QueryInt("operator", 0)), Limit: clampQuery(c, "limit", 100, 500)})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": rs})
}

func (s *Server) openQualityReview(c *fiber.Ctx) error {
	var in struct {
		CallID     int64 `json:"call_id"`
		FormID     int64 `json:"form_id"`
		OperatorID int64 `json:"operator_id"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.CallID <= 0 {
		return &apiError{status: http.StatusBadRequest, msg: "请填写通话编号", field: "call_id"}
	}
	if in.FormID == 0 {
		return &apiError{status: http.StatusBadRequest, msg: "请选择评分表", field: "form_id"}
	}
	r, err := s.qualityStore().Open(c.UserContext(), qualityActor(c), in.CallID, in.OperatorID, in.FormID)
	if err != nil {
		return qualityErr(err)
	}
	return c.Status(http.StatusCreated).JSON(r)
}

// qualityReview is GET /api/v1/quality/reviews/{id}: supervisors any,
// operators only their own final reviews.
func (s *Server) qualityReview(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := s.qualityStore().Review(c.UserContext(), id)
	if err != nil {
		return qualityErr(err)
	}
	if me := account(c); !me.Has(staff.RoleSupervisor, staff.RoleAdmin) && (r.OperatorID != me.ID || r.Status != quality.StatusFinal) {
		return clientErr(http.StatusNotFound, "没有这条质检记录")
	}
	return c.JSON(r)
}

type scoreInput struct {
	Scores  map[string]any `json:"scores"`
	Comment string         `json:"comment"`
}

func (s *Server) scoreQualityReview(final bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		var in scoreInput
		if err := decode(c, &in); err != nil {
			return err
		}
		st := s.qualityStore()
		var r quality.Review
		if final {
			r, err = st.Finalize(c.UserContext(), qualityActor(c), id, in.Scores, in.Comment)
		} else {
			r, err = st.Save(c.UserContext(), qualityActor(c), id, in.Scores, in.Comment)
		}
		if err != nil {
			return qualityErr(err)
		}
		return c.JSON(r)
	}
}

func (s *Server) qualityMine(c *fiber.Ctx) error {
	rs, err := s.qualityStore().Mine(c.UserContext(), account(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": rs})
}

func (s *Server) qualityAppeal(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	ap, err := s.qualityStore().FileAppeal(c.UserContext(), qualityActor(c), id, in.Reason)
	if err != nil {
		return qualityErr(err)
	}
	return c.Status(http.StatusCreated).JSON(ap)
}

func (s *Server) qualityDecide(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Upheld  bool           `json:"upheld"`
		Note    string         `json:"note"`
		Scores  map[string]any `json:"scores"`
		Comment string         `json:"comment"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := s.qualityStore().Decide(c.UserContext(), qualityActor(c), id, quality.Decision{Upheld: in.Upheld, Note: in.Note,
		Scores: in.Scores, Comment: in.Comment})
	if err != nil {
		return qualityErr(err)
	}
	return c.JSON(r)
}

// qualityPage is GET /console/supervisor/quality.
func (s *Server) qualityPage(c *fiber.Ctx) error {
	ctx, st := c.UserContext(), s.qualityStore()
	forms, err := st.Forms(ctx)
	if err != nil {
		return err
	}
	drafts, err := st.Reviews(ctx, quality.ReviewFilter{Status: quality.StatusDraft, Limit: 200})
	if err != nil {
		return err
	}
	finals, err := st.Reviews(ctx, quality.ReviewFilter{Status: quality.StatusFinal, Limit: 50})
	if err != nil {
		return err
	}
	appeals, err := st.PendingAppeals(ctx)
	if err != nil {
		return err
	}
	today := calendar.DateOf(time.Now())
	return s.render(c, "supervisor-quality", "通话质检", map[string]any{"Forms": forms, "Drafts": drafts, "Finals": finals,
		"Appeals": appeals, "From": today.AddDays(-7).String(), "To": today.String(), "Rules": ruleNames,
		"Admin": account(c).Has(staff.RoleAdmin)}, "supervisor-quality.js", "supervisor.css")
}

// ruleNames are the sample rules in the console's words.
var ruleNames = []struct{ Rule, Name string }{
	{quality.RuleRandom, "每位话务员随机抽取"},
	{quality.RuleLowRating, "满意度 1–2 分"},
	{quality.RuleLongWait, "排队超过 60 秒"},
	{quality.RuleTransferRefused, "转接被拒或无人接听"},
	{quality.RuleComplaint, "有投诉"},
}

// qualityReviewPage is GET /console/supervisor/quality/reviews/{id}.
func (s *Server) qualityReviewPage(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	r, err := s.qualityStore().Review(c.UserContext(), id)
	if err != nil {
		return qualityErr(err)
	}
	return s.render(c, "supervisor-quality-review", "质检评分", map[string]any{"Review": r, "Me": account(c).ID},
		"supervisor-quality.js", "supervisor.css")
}

// qualityFormsPage is GET /console/supervisor/quality/forms.
func (s *Server) qualityFormsPage(c *fiber.Ctx) error {
	forms, err := s.qualityStore().Forms(c.UserContext())
	if err != nil {
		return err
	}
	return s.render(c, "supervisor-quality-forms", "质检评分表", map[string]any{"Forms": forms, "Admin": account(c).Has(staff.RoleAdmin)},
		"supervisor-quality.js", "supervisor.css")
}

// qualityMinePage is GET /console/quality/mine.
func (s *Server) qualityMinePage(sv SupervisorService) fiber.Handler {
	return func(c *fiber.Ctx) error {
		rs, err := s.qualityStore().Mine(c.UserContext(), account(c).ID)
		if err != nil {
			return err
		}
		st, err := sv.Store().SupervisorSettings(c.UserContext())
		if err != nil {
			return err
		}
		return s.render(c, "supervisor-quality-mine", "我的质检结果", map[string]any{"Reviews": rs, "AppealDays": st.AppealDays},
			"supervisor-quality.js", "supervisor.css")
	}
}

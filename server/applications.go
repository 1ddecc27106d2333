package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/server/staff"
)

// applicationRoutes mounts 依申请公开: the public submission (kiosk and
// web, rate-limited like POST /api/v1/queries) and its options, the staff
// entry of window and postal applications, the handling actions of the
// department's liaisons, the reply notice, the cases; and the console's
// pages when the console is loaded. An application's status is the public
// GET /api/v1/queries/{code} like any query.
func (s *Server) applicationRoutes(v1 fiber.Router) {
	v1.Post("/applications", s.limitBy("create"), s.submitApplication)
	v1.Get("/applications/options", s.applicationOptions)

	anyStaff, liaison := s.requireRole(staffRoles...), s.requireRole(staff.RoleLiaison)
	recorders := s.requireRole(staff.RoleLiaison, staff.RoleSupervisor)
	st := v1.Group("/staff/applications")
	st.Post("", s.requireRole(staff.RoleLiaison, staff.RoleOperator), s.staffSubmitApplication)
	st.Get("", s.requireRole(staff.RoleLiaison, staff.RoleSupervisor), s.listApplications)
	st.Get("/:code", anyStaff, s.getApplication)
	st.Get("/:code/notice", anyStaff, s.applicationNotice)
	st.Post("/:code/correction", liaison, s.applicationAction(func(c *fiber.Ctx, a queries.Actor) error {
		var in struct {
			Missing string `json:"missing"`
		}
		if err := decode(c, &in); err != nil {
			return err
		}
		return s.deps.Applications.RequestCorrection(c.UserContext(), a, c.Params("code"), in.Missing)
	}))
	st.Post("/:code/corrected", liaison, s.applicationAction(func(c *fiber.Ctx, a queries.Actor) error {
		var in applications.Correction
		if err := decodeOptional(c, &in); err != nil {
			return err
		}
		return s.deps.Applications.Corrected(c.UserContext(), a, c.Params("code"), in)
	}))
	st.Post("/:code/consultation", liaison, s.applicationAction(func(c *fiber.Ctx, a queries.Actor) error {
		var in applications.Consultation
		if err := decode(c, &in); err != nil {
			return err
		}
		return s.deps.Applications.StartConsultation(c.UserContext(), a, c.Params("code"), in)
	}))
	st.Post("/:code/consultation/end", liaison, s.applicationAction(func(c *fiber.Ctx, a queries.Actor) error {
		var in applications.ConsultationEnd
		if err := decode(c, &in); err != nil {
			return err
		}
		return s.deps.Applications.EndConsultation(c.UserContext(), a, c.Params("code"), in)
	}))
	st.Post("/:code/extension", liaison, s.applicationAction(func(c *fiber.Ctx, a queries.Actor) error {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := decode(c, &in); err != nil {
			return err
		}
		return s.deps.Applications.RequestExtension(c.UserContext(), a, c.Params("code"), in.Reason)
	}))
	st.Post("/:code/decision", liaison, s.applicationAction(func(c *fiber.Ctx, a queries.Actor) error {
		var in struct {
			applications.DecideInput
			Documents docIDs `json:"documents"`
		}
		if err := decodeFields(c, &in); err != nil {
			return err
		}
		in.DecideInput.Documents = in.Documents
		return s.deps.Applications.Decide(c.UserContext(), a, c.Params("code"), in.DecideInput)
	}))
	st.Post("/:code/fee", liaison, s.applicationAction(func(c *fiber.Ctx, a queries.Actor) error {
		var in applications.Fee
		if err := decode(c, &in); err != nil {
			return err
		}
		return s.deps.Applications.RecordFee(c.UserContext(), a, c.Params("code"), in)
	}))
	st.Post("/:code/delivery", liaison, s.applicationAction(func(c *fiber.Ctx, a queries.Actor) error {
		var in applications.Delivery
		if err := decodeOptional(c, &in); err != nil {
			return err
		}
		return s.deps.Applications.Deliver(c.UserContext(), a, c.Params("code"), in)
	}))
	st.Post("/:code/cases", recorders, s.applicationAction(func(c *fiber.Ctx, a queries.Actor) error {
		var in applications.CaseInput
		if err := decode(c, &in); err != nil {
			return err
		}
		_, err := s.deps.Applications.AddCase(c.UserContext(), a, c.Params("code"), in)
		return err
	}))
	st.Put("/:code/cases/:id", recorders, s.applicationAction(func(c *fiber.Ctx, a queries.Actor) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		var in applications.CaseInput
		if err := decode(c, &in); err != nil {
			return err
		}
		return s.deps.Applications.UpdateCase(c.UserContext(), a, c.Params("code"), id, in)
	}))
	if s.console != nil {
		s.applicationConsoleRoutes()
	}
}

// applicationEndpoints document the routes above in /api/v1/openapi.json.
var applicationEndpoints = []endpoint{
	{"POST", "/api/v1/applications", "applications", "Apply for government information (依申请公开) from a kiosk or the web {department, channel: kiosk|web, applicant_type: natural|commercial|research|public_welfare|legal_service|other, name, id_type, id_number (natural persons; 居民身份证 check digit verified), credit_code, contact_person (organisations; 统一社会信用代码 verified), phone, address, email, information, purpose, delivery: paper|electronic|post, pickup: window|post|email|online} → 201 {code (查询码), due_date (20 working days), department}; 400 {error, field} naming the field to correct; rate-limited per address. The status is GET /api/v1/queries/{code}", ""},
	{"GET", "/api/v1/applications/options", "applications", "The choices of the application form: applicant types, ID types, deliveries, pickups, channels (code and label)", ""},
	{"POST", "/api/v1/staff/applications", "applications", "Enter an application made at a window or received by post: the body of POST /api/v1/applications with channel: window|post and, for post, received_on: YYYY-MM-DD (the clock starts that day)", "liaison, operator, admin"},
	{"GET", "/api/v1/staff/applications", "applications", "The department's applications (liaisons: their own; department= for supervisors and admins), state=open (default)|decided|all, year=: open ones by working days left with light and light_text, the applicant masked", "liaison, supervisor, admin"},
	{"GET", "/api/v1/staff/applications/{code}", "applications", "An application: the applicant unmasked for the handling department's liaisons only (masked for every other role, third parties hidden), clock, 补正, consultations, decision, fee, delivery, cases", "any staff role; liaisons of the department"},
	{"GET", "/api/v1/staff/applications/{code}/notice", "applications", "The reply notice (答复告知书) of a decided application as JSON {title, no, to, paragraphs, text, withheld, documents, closing, remedy, agency, date}; 409 before the decision. Print-ready page: /console/applications/{code}/notice", "any staff role; liaisons of the department"},
	{"POST", "/api/v1/staff/applications/{code}/correction", "applications", "Ask the applicant to correct the application (补正) {missing}: the clock stops; what is missing is shown on the status page, the applicant's data masked", "liaison of the department"},
	{"POST", "/api/v1/staff/applications/{code}/corrected", "applications", "The correction arrived {received_on?: YYYY-MM-DD (default today), note?}: the 20 working days start again in full from that day", "liaison of the department"},
	{"POST", "/api/v1/staff/applications/{code}/consultation", "applications", "Ask a third party's opinion (第三十二条) {third_party (staff only), note?}: the clock stops, the third party has 15 working days", "liaison of the department"},
	{"POST", "/api/v1/staff/applications/{code}/consultation/end", "applications", "The third party's opinion {opinion: agree|object|none, note?}: the clock resumes without the days consulted", "liaison of the department"},
	{"POST", "/api/v1/staff/applications/{code}/extension", "applications", "Ask to extend the limit by 20 working days (第三十三条) {reason}; a reviewer of the department or an admin decides it at POST /api/v1/staff/approvals/{id}", "liaison of the department"},
	{"POST", "/api/v1/staff/applications/{code}/decision", "applications", "Decide {decision: granted|partial|denied|unable|not_processed|other, reason (exactly when the decision has reasons), text, withheld (partial), documents: [ids of published documents] or \"12, 15\"}: closes the clock, numbers the notice; the status page shows the decision and its basis only", "liaison of the department"},
	{"POST", "/api/v1/staff/applications/{code}/fee", "applications", "Record the 信息处理费 {yuan: \"0\"|\"120\"|\"35.50\", note (required when charged)}", "liaison of the department, admin"},
	{"POST", "/api/v1/staff/applications/{code}/delivery", "applications", "Record the delivery of the notice {method?: window|post|email|online (default: as asked), on?: YYYY-MM-DD, note (a letter's number for post)}", "liaison of the department, admin"},
	{"POST", "/api/v1/staff/applications/{code}/cases", "applications", "Record an administrative review or suit {kind: review|suit_direct|suit_after_review, filed_on, outcome?: upheld|corrected|other|pending, closed_on (unless pending), note?}", "liaison of the department, supervisor, admin"},
	{"PUT", "/api/v1/staff/applications/{code}/cases/{id}", "applications", "Record a case's outcome (same body)", "liaison of the department, supervisor, admin"},
}

func init() { endpoints = append(endpoints, applicationEndpoints...) }

// docIDs reads the disclosed documents as a JSON array of ids or as a
// text of ids separated by commas, spaces or 、 (the console's field).
type docIDs []int64

// UnmarshalJSON reads [1, 2] or "1, 2".
func (d *docIDs) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var ids []int64
		if err := json.Unmarshal(b, &ids); err != nil {
			return &apiError{status: http.StatusBadRequest, msg: "documents: 请填写文件编号，如 12, 15", field: "documents"}
		}
		*d = ids
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &apiError{status: http.StatusBadRequest, msg: "documents: 请填写文件编号，如 12, 15", field: "documents"}
	}
	*d = nil
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '、' || r == '，' || r == ';' }) {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			return &apiError{status: http.StatusBadRequest, msg: "documents: “" + f + "”不是文件编号：请填写数字编号，用逗号分隔", field: "documents"}
		}
		*d = append(*d, id)
	}
	return nil
}

// decodeOptional is decode for a body that may be empty.
func decodeOptional(c *fiber.Ctx, v any) error {
	if len(bytes.TrimSpace(c.Body())) == 0 {
		return nil
	}
	return decode(c, v)
}

// applicationErr gives an application's errors their field; an api error
// from decoding passes as it is.
func applicationErr(err error) error {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return queryErr(err)
}

// decodeFields is decode keeping the field of an error a field's own
// decoder gives (docIDs).
func decodeFields(c *fiber.Ctx, v any) error {
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return ae
		}
		return decode(c, v)
	}
	return nil
}

// applicationAction runs a change and answers with the application after
// it, as the actor may see it.
func (s *Server) applicationAction(run func(*fiber.Ctx, queries.Actor) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a := queryActor(c)
		if err := run(c, a); err != nil {
			return applicationErr(err)
		}
		v, err := s.deps.Applications.Get(c.UserContext(), a, c.Params("code"))
		if err != nil {
			return applicationErr(err)
		}
		return c.JSON(v)
	}
}

// submitApplication is POST /api/v1/applications (kiosk, web).
func (s *Server) submitApplication(c *fiber.Ctx) error {
	var in applications.NewApplication
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.ReceivedOn != "" {
		return &apiError{status: http.StatusBadRequest, msg: "received_on: 只有工作人员登记的信函申请填写收到日期", field: "received_on"}
	}
	out, err := s.deps.Applications.Submit(c.UserContext(), queries.Citizen(strings.Clone(clientIP(c))), in)
	if err != nil {
		return applicationErr(err)
	}
	return c.Status(http.StatusCreated).JSON(out)
}

// staffSubmitApplication is POST /api/v1/staff/applications (window, post).
func (s *Server) staffSubmitApplication(c *fiber.Ctx) error {
	var in applications.NewApplication
	if err := decode(c, &in); err != nil {
		return err
	}
	out, err := s.deps.Applications.Submit(c.UserContext(), queryActor(c), in)
	if err != nil {
		return applicationErr(err)
	}
	return c.Status(http.StatusCreated).JSON(out)
}

// applicationOptions is GET /api/v1/applications/options.
func (s *Server) applicationOptions(c *fiber.Ctx) error {
	c.Set("Cache-Control", "public, max-age=3600")
	return c.JSON(fiber.Map{"applicant_types": applications.ApplicantTypes, "id_types": applications.IDTypes,
		"deliveries": applications.Deliveries, "pickups": applications.Pickups, "channels": applications.Channels[:2]})
}

// listApplications is GET /api/v1/staff/applications?department=&state=&year=.
func (s *Server) listApplications(c *fiber.Ctx) error {
	year, _ := strconv.Atoi(c.Query("year"))
	items, err := s.deps.Applications.List(c.UserContext(), queryActor(c), applications.ListFilter{Department: c.Query("department"),
		State: c.Query("state"), Year: year, Limit: clampQuery(c, "limit", 500, 1000)})
	if err != nil {
		return applicationErr(err)
	}
	if items == nil {
		items = []applications.Item{}
	}
	return c.JSON(fiber.Map{"items": items})
}

// getApplication is GET /api/v1/staff/applications/{code}.
func (s *Server) getApplication(c *fiber.Ctx) error {
	v, err := s.deps.Applications.Get(c.UserContext(), queryActor(c), c.Params("code"))
	if err != nil {
		return applicationErr(err)
	}
	return c.JSON(v)
}

// applicationNotice is GET /api/v1/staff/applications/{code}/notice.
func (s *Server) applicationNotice(c *fiber.Ctx) error {
	n, err := s.deps.Applications.Notice(c.UserContext(), queryActor(c), c.Params("code"))
	if err != nil {
		return applicationErr(err)
	}
	return c.JSON(s.noticeLinks(n))
}

// notice is a reply notice with the public addresses of its documents.
type notice struct {
	applications.Notice
	Links []noticeLink `json:"links"`
}

type noticeLink struct {
	applications.Document
	URL string `json:"url"`
}

func (s *Server) noticeLinks(n applications.Notice) notice {
	out := notice{Notice: n, Links: []noticeLink{}}
	for _, d := range n.Documents {
		out.Links = append(out.Links, noticeLink{Document: d, URL: s.docURL(d.Code)})
	}
	return out
}

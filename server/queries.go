package server

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/server/staff"
)

// queryRoutes mounts the tracked queries (查询单): public creation, status
// by 查询码, complaints and ratings (lookups by code rate-limited per
// address), the published knowledge base; and the staff endpoints of
// operators, liaisons, the government office, reviewers and supervisors.
func (s *Server) queryRoutes(v1 fiber.Router) {
	v1.Post("/queries", s.limitBy("create"), s.createQuery)
	v1.Get("/queries/:code", s.limitBy("lookup"), s.getQuery)
	v1.Post("/queries/:code/complaints", s.limitBy("lookup"), s.complainQuery)
	v1.Post("/queries/:code/rating", s.limitBy("lookup"), s.rateQuery)
	v1.Get("/knowledge", s.publicKnowledge)

	anyStaff, liaison := s.requireRole(staffRoles...), s.requireRole(staff.RoleLiaison)
	supervisor := s.requireRole(staff.RoleSupervisor)
	st := v1.Group("/staff")
	st.Post("/queries", s.requireRole(staff.RoleOperator, staff.RoleLiaison), s.staffCreateQuery)
	st.Get("/queries", s.requireRole(staff.RoleLiaison, staff.RoleSupervisor), s.listQueries)
	st.Get("/queries/stats", supervisor, s.queryStats)
	st.Get("/queries/:code", anyStaff, s.staffGetQuery)
	st.Post("/queries/:code/answer", liaison, s.answerQuery)
	st.Post("/queries/:code/sign", liaison, s.signQuery)
	st.Get("/desk", s.requireRole(staff.RoleLiaison, staff.RoleSupervisor), s.queryDesk)
	st.Post("/queries/:code/forward", liaison, s.queryAction("reason", (*queries.Store).Forward))
	st.Post("/queries/:code/extension", liaison, s.requestExtension)
	st.Post("/queries/:code/stop", liaison, s.queryAction("reason", (*queries.Store).Stop))
	st.Post("/queries/:code/resume", liaison, s.queryAction("note", (*queries.Store).Resume))
	st.Post("/queries/:code/explanation", liaison, s.queryAction("explanation", (*queries.Store).Explain))
	st.Post("/queries/:code/route", liaison, s.routeQuery)
	st.Post("/queries/:code/notes", anyStaff, s.queryAction("note", (*queries.Store).Note))
	st.Post("/queries/:code/rating", s.requireRole(staff.RoleOperator), s.staffRateQuery)
	st.Get("/approvals", anyStaff, s.listApprovals)
	st.Post("/approvals/:id", anyStaff, s.decideApproval)
	st.Get("/complaints", supervisor, s.listComplaints)
	st.Post("/complaints/:id/reply", supervisor, s.replyComplaint)
	st.Post("/complaints/:id/extension", supervisor, s.extendComplaint)
	st.Get("/knowledge", anyStaff, s.staffKnowledge)
	st.Post("/knowledge", s.requireRole(staff.RoleReviewer, staff.RoleLiaison), s.addFAQ)
	st.Post("/knowledge/:id", s.requireRole(staff.RoleReviewer), s.reviewKnowledge)
}

// queryEndpoints document the routes above in /api/v1/openapi.json.
var queryEndpoints = []endpoint{
	{"POST", "/api/v1/queries", "queries", "Ask a question {channel: web|kiosk|window|phone, question, name?, phone?, department?, kind?: ordinary|application} → 201 {code (查询码), status, department, due_at}; rate-limited per address", ""},
	{"GET", "/api/v1/queries/{code}", "queries", "Status by 查询码 {code, status, status_text, department, accepted_at, due_at, answer?, answers, complaints, history} with personal data masked; 400 for a wrong check digit, 429 with Retry-After when looked up too often", ""},
	{"POST", "/api/v1/queries/{code}/complaints", "queries", "Complain about the answer {reason} → 201 {id, status, due_at}; 409 before an answer", ""},
	{"POST", "/api/v1/queries/{code}/rating", "queries", "Rate an answer {score: 1–5, answer?: seq} once → 201", ""},
	{"GET", "/api/v1/knowledge", "queries", "Published knowledge-base entries (q, limit, offset)", ""},
	{"POST", "/api/v1/staff/queries", "queries", "Record a query for a caller {channel, question, name, phone, department, then: [departments in turn], kind, sip_call_id}", "operator, liaison, admin"},
	{"GET", "/api/v1/staff/queries", "queries", "Clocks in a list: list=due_soon|overdue|open|accountable, department (liaisons: their own), limit, offset → {total, items}", "liaison, supervisor, admin"},
	{"GET", "/api/v1/staff/queries/stats", "queries", "Statistics recomputed from events for queries accepted from..to (YYYY-MM-DD, to exclusive)", "supervisor, admin"},
	{"GET", "/api/v1/staff/queries/{code}", "queries", "Full record: personal data, clocks with overdue and 问责 flags, answers, complaints, events", "any staff role"},
	{"POST", "/api/v1/staff/queries/{code}/sign", "queries", "签收: the department's liaison takes the query in hand; 409 when signed already", "liaison of the department"},
	{"GET", "/api/v1/staff/desk", "queries", "The liaison's desk: every open clock of the department (department= for supervisors) by working days left on the calendar, with light red|amber|green|stopped|awaiting, light_text, signed, pending approval", "liaison, supervisor, admin"},
	{"POST", "/api/v1/staff/queries/{code}/answer", "queries", "Answer {answer, general?, next?: department|unclear}", "liaison of the department"},
	{"POST", "/api/v1/staff/queries/{code}/forward", "queries", "Ask the government office to take it back {reason} (转发理由, mandatory)", "liaison of the department"},
	{"POST", "/api/v1/staff/queries/{code}/extension", "queries", "Ask the department head for an extension {days (total, ≤20; applications ≤40), reason}", "liaison of the department"},
	{"POST", "/api/v1/staff/queries/{code}/stop", "queries", "Stop the clock while waiting for the asker (补正) {reason}", "liaison of the department"},
	{"POST", "/api/v1/staff/queries/{code}/resume", "queries", "Resume the clock {note?}", "liaison of the department"},
	{"POST", "/api/v1/staff/queries/{code}/explanation", "queries", "Public explanation of a delay {explanation}", "liaison of the department"},
	{"POST", "/api/v1/staff/queries/{code}/route", "queries", "Route a query waiting at the government office {department, kind?}", "liaison of the government office, admin"},
	{"POST", "/api/v1/staff/queries/{code}/notes", "queries", "Internal note {note}", "any staff role"},
	{"POST", "/api/v1/staff/queries/{code}/rating", "queries", "Record a caller's rating {score, answer?}", "operator, admin"},
	{"GET", "/api/v1/staff/approvals", "queries", "Forwards and extensions the account may decide (all=1 includes decided ones)", "any staff role"},
	{"POST", "/api/v1/staff/approvals/{id}", "queries", "Decide {approve, note (required to reject), route_to?}; never one's own request", "government office liaison, department head (reviewer), supervisor, admin"},
	{"GET", "/api/v1/staff/complaints", "queries", "Complaints, open first (all=1 includes replied ones)", "supervisor, admin"},
	{"POST", "/api/v1/staff/complaints/{id}/reply", "queries", "Reply to a complaint {reply}", "supervisor, admin"},
	{"POST", "/api/v1/staff/complaints/{id}/extension", "queries", "Ask another supervisor to extend a complaint to 30 working days {reason}", "supervisor"},
	{"GET", "/api/v1/staff/knowledge", "queries", "Search published entries (q) or, with pending=1, the review queue; each with citations: the public documents its answer cites by 《title》 or 文号, with current=false and the replacement when one is no longer in force", "any staff role"},
	{"POST", "/api/v1/staff/knowledge", "queries", "Propose an FAQ entry {question, answer}", "reviewer, liaison, admin"},
	{"POST", "/api/v1/staff/knowledge/{id}", "queries", "Publish or reject a proposed entry {approve, question?, answer?, note}", "reviewer, admin"},
}

// The query routes join the OpenAPI table here, so that this file is the
// only one that knows them.
func init() { endpoints = append(endpoints, queryEndpoints...) }

// queryActor is the queries view of the logged-in staff member.
func queryActor(c *fiber.Ctx) queries.Actor {
	a := account(c)
	return queries.Actor{AccountID: a.ID, Username: a.Username, IP: strings.Clone(clientIP(c)),
		Roles: append([]string(nil), a.Roles...), DepartmentID: a.DepartmentID.Int64}
}

// queryErr gives field errors their field in the response.
func queryErr(err error) error {
	var fe *queries.FieldError
	if errors.As(err, &fe) {
		return &apiError{status: http.StatusBadRequest, msg: fe.Field + ": " + fe.Msg, field: fe.Field}
	}
	return err
}

// limitBy takes one token of the client's bucket for kind; when none is
// left it answers 429 with Retry-After.
func (s *Server) limitBy(kind string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ok, wait := s.deps.Queries.AllowLookup(kind + "|" + clientIP(c))
		if !ok {
			c.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			return queries.ErrTooMany
		}
		return c.Next()
	}
}

// createQuery is POST /api/v1/queries.
func (s *Server) createQuery(c *fiber.Ctx) error {
	var in struct {
		Channel    string `json:"channel"`
		Question   string `json:"question"`
		Name       string `json:"name"`
		Phone      string `json:"phone"`
		Department string `json:"department"`
		Kind       string `json:"kind"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	q := queries.NewQuery{Channel: in.Channel, Question: in.Question, Name: in.Name, Phone: in.Phone,
		Department: in.Department, Kind: in.Kind}
	out, err := s.deps.Queries.Create(c.UserContext(), queries.Citizen(strings.Clone(clientIP(c))), q)
	if err != nil {
		return queryErr(err)
	}
	return c.Status(http.StatusCreated).JSON(out)
}

// staffCreateQuery is POST /api/v1/staff/queries.
func (s *Server) staffCreateQuery(c *fiber.Ctx) error {
	var in queries.NewQuery
	if err := decode(c, &in); err != nil {
		return err
	}
	out, err := s.deps.Queries.Create(c.UserContext(), queryActor(c), in)
	if err != nil {
		return queryErr(err)
	}
	return c.Status(http.StatusCreated).JSON(out)
}

// getQuery is GET /api/v1/queries/{code}: the check digit is verified
// before the database is asked.
func (s *Server) getQuery(c *fiber.Ctx) error {
	code, err := queries.ParseCode(c.Params("code"))
	if err != nil {
		return err
	}
	v, err := s.deps.Queries.Public(c.UserContext(), code)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// complainQuery is POST /api/v1/queries/{code}/complaints {"reason"}.
func (s *Server) complainQuery(c *fiber.Ctx) error {
	var in struct {
		Reason  string `json:"reason"`
		Channel string `json:"channel"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Channel == "" {
		in.Channel = "web"
	}
	p, err := s.deps.Queries.Complain(c.UserContext(), queries.Citizen(strings.Clone(clientIP(c))), c.Params("code"), in.Reason, in.Channel)
	if err != nil {
		return queryErr(err)
	}
	return c.Status(http.StatusCreated).JSON(fiber.Map{"id": p.ID, "status": p.Status, "due_at": p.DueAt, "provisional": p.Provisional})
}

// rating is the body of a rating.
type rating struct {
	Score   int    `json:"score"`
	Answer  int    `json:"answer"`
	Channel string `json:"channel"`
}

// rateQuery is POST /api/v1/queries/{code}/rating {"score", "answer"?}.
func (s *Server) rateQuery(c *fiber.Ctx) error {
	return s.rate(c, queries.Citizen(strings.Clone(clientIP(c))), "web")
}

// staffRateQuery is POST /api/v1/staff/queries/{code}/rating: an operator
// records a caller's rating.
func (s *Server) staffRateQuery(c *fiber.Ctx) error { return s.rate(c, queryActor(c), "phone") }

func (s *Server) rate(c *fiber.Ctx, a queries.Actor, channel string) error {
	var in rating
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Channel == "" {
		in.Channel = channel
	}
	if err := s.deps.Queries.Rate(c.UserContext(), a, c.Params("code"), in.Answer, in.Score, in.Channel); err != nil {
		return queryErr(err)
	}
	return c.Status(http.StatusCreated).JSON(fiber.Map{"score": in.Score})
}

// publicKnowledge is GET /api/v1/knowledge?q=&limit=&offset=.
func (s *Server) publicKnowledge(c *fiber.Ctx) error {
	es, err := s.deps.Queries.Knowledge(c.UserContext(), c.Query("q"), clampQuery(c, "limit", 20, 100), clampQuery(c, "offset", 0, 10000))
	if err != nil {
		return err
	}
	type entry struct {
		ID          int64     `json:"id"`
		Question    string    `json:"question"`
		Answer      string    `json:"answer"`
		Department  string    `json:"department,omitempty"`
		PublishedAt time.Time `json:"published_at"`
	}
	items := make([]entry, 0, len(es))
	for _, e := range es {
		items = append(items, entry{e.ID, e.Question, e.Answer, e.Department, e.PublishedAt.Time})
	}
	return c.JSON(fiber.Map{"items": items})
}

// staffGetQuery is GET /api/v1/staff/queries/{code}.
func (s *Server) staffGetQuery(c *fiber.Ctx) error {
	v, err := s.deps.Queries.Staff(c.UserContext(), queryActor(c), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// listQueries is GET /api/v1/staff/queries?list=&department=&limit=&offset=.
func (s *Server) listQueries(c *fiber.Ctx) error {
	f := queries.ListFilter{List: c.Query("list", queries.ListOpen), Department: c.Query("department"),
		Limit: clampQuery(c, "limit", 100, 500), Offset: clampQuery(c, "offset", 0, 1_000_000)}
	items, total, err := s.deps.Queries.List(c.UserContext(), queryActor(c), f)
	if err != nil {
		return queryErr(err)
	}
	if items == nil {
		items = []queries.Item{}
	}
	return c.JSON(fiber.Map{"list": f.List, "total": total, "items": items})
}

// queryStats is GET /api/v1/staff/queries/stats?from=&to=.
func (s *Server) queryStats(c *fiber.Ctx) error {
	now := time.Now().In(shanghai)
	from, to := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, shanghai), now.AddDate(0, 0, 1)
	var err error
	if v := c.Query("from"); v != "" {
		if from, err = time.ParseInLocation("2006-01-02", v, shanghai); err != nil {
			return clientErr(http.StatusBadRequest, "from must be YYYY-MM-DD")
		}
	}
	if v := c.Query("to"); v != "" {
		if to, err = time.ParseInLocation("2006-01-02", v, shanghai); err != nil {
			return clientErr(http.StatusBadRequest, "to must be YYYY-MM-DD (exclusive)")
		}
	}
	st, err := s.deps.Queries.Stats(c.UserContext(), from, to)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// answerQuery is POST /api/v1/staff/queries/{code}/answer.
func (s *Server) answerQuery(c *fiber.Ctx) error {
	var in queries.AnswerInput
	if err := decode(c, &in); err != nil {
		return err
	}
	return s.done(c, s.deps.Queries.Answer(c.UserContext(), queryActor(c), c.Params("code"), in))
}

// routeQuery is POST /api/v1/staff/queries/{code}/route.
func (s *Server) routeQuery(c *fiber.Ctx) error {
	var in queries.RouteInput
	if err := decode(c, &in); err != nil {
		return err
	}
	return s.done(c, s.deps.Queries.Route(c.UserContext(), queryActor(c), c.Params("code"), in))
}

// requestExtension is POST /api/v1/staff/queries/{code}/extension.
func (s *Server) requestExtension(c *fiber.Ctx) error {
	var in struct {
		Days   int    `json:"days"`
		Reason string `json:"reason"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	return s.done(c, s.deps.Queries.RequestExtension(c.UserContext(), queryActor(c), c.Params("code"), in.Days, in.Reason))
}

// textChange is a change of a query that takes one free text.
type textChange func(*queries.Store, context.Context, queries.Actor, string, string) error

// queryAction serves the endpoints that take one text field.
func (s *Server) queryAction(field string, run textChange) fiber.Handler {
	return func(c *fiber.Ctx) error {
		in := map[string]string{}
		if len(c.Body()) > 0 {
			if err := decode(c, &in); err != nil {
				return err
			}
		}
		for k := range in {
			if k != field {
				return &apiError{status: http.StatusBadRequest, msg: "unknown field " + k + ": send {\"" + field + "\": …}", field: k}
			}
		}
		return s.done(c, run(s.deps.Queries, c.UserContext(), queryActor(c), c.Params("code"), in[field]))
	}
}

// done answers a change: the staff view of the query after it, or the error.
func (s *Server) done(c *fiber.Ctx, err error) error {
	if err != nil {
		return queryErr(err)
	}
	v, err := s.deps.Queries.Staff(c.UserContext(), queryActor(c), c.Params("code"))
	if errors.Is(err, queries.ErrForbidden) {
		return c.JSON(fiber.Map{"code": c.Params("code"), "status": "ok"}) // handed on beyond the actor's sight
	}
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// listApprovals is GET /api/v1/staff/approvals?all=1.
func (s *Server) listApprovals(c *fiber.Ctx) error {
	aps, err := s.deps.Queries.Approvals(c.UserContext(), queryActor(c), c.Query("all") == "", clampQuery(c, "limit", 100, 500))
	if err != nil {
		return err
	}
	if aps == nil {
		aps = []queries.Approval{}
	}
	return c.JSON(fiber.Map{"items": aps})
}

// decideApproval is POST /api/v1/staff/approvals/{id}.
func (s *Server) decideApproval(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in queries.Decision
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := s.deps.Queries.Decide(c.UserContext(), queryActor(c), id, in); err != nil {
		return queryErr(err)
	}
	return c.JSON(fiber.Map{"id": id, "approved": in.Approve})
}

// listComplaints is GET /api/v1/staff/complaints?all=1.
func (s *Server) listComplaints(c *fiber.Ctx) error {
	ps, err := s.deps.Queries.Complaints(c.UserContext(), c.Query("all") == "", clampQuery(c, "limit", 100, 500))
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []queries.Complaint{}
	}
	return c.JSON(fiber.Map{"items": ps})
}

// replyComplaint is POST /api/v1/staff/complaints/{id}/reply {"reply"}.
func (s *Server) replyComplaint(c *fiber.Ctx) error {
	return s.complaintAction(c, "reply", s.deps.Queries.ReplyComplaint)
}

// extendComplaint is POST /api/v1/staff/complaints/{id}/extension {"reason"}.
func (s *Server) extendComplaint(c *fiber.Ctx) error {
	return s.complaintAction(c, "reason", s.deps.Queries.RequestComplaintExtension)
}

func (s *Server) complaintAction(c *fiber.Ctx, field string, run func(context.Context, queries.Actor, int64, string) error) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := map[string]string{}
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := run(c.UserContext(), queryActor(c), id, in[field]); err != nil {
		return queryErr(err)
	}
	return c.JSON(fiber.Map{"id": id, "status": "ok"})
}

// staffKnowledge is GET /api/v1/staff/knowledge?q=, or ?pending=1 for the
// review queue.
func (s *Server) staffKnowledge(c *fiber.Ctx) error {
	var es []queries.Entry
	var err error
	if c.Query("pending") != "" {
		es, err = s.deps.Queries.PendingKnowledge(c.UserContext(), clampQuery(c, "limit", 100, 500))
	} else {
		es, err = s.deps.Queries.Knowledge(c.UserContext(), c.Query("q"), clampQuery(c, "limit", 20, 100), clampQuery(c, "offset", 0, 10000))
	}
	if err != nil {
		return err
	}
	// An answer that cites a document no longer in force says so, so that
	// the operator does not read out a repealed rule.
	items := make([]knowledgeItem, len(es))
	for i, e := range es {
		items[i].Entry = e
		if items[i].Citations, err = s.deps.Catalog.Citations(c.UserContext(), e.Answer); err != nil {
			return err
		}
	}
	return c.JSON(fiber.Map{"items": items})
}

// knowledgeItem is a knowledge-base entry with the documents it cites.
type knowledgeItem struct {
	queries.Entry
	Citations []kiosk.Citation `json:"citations"`
}

// addFAQ is POST /api/v1/staff/knowledge {"question", "answer"}.
func (s *Server) addFAQ(c *fiber.Ctx) error {
	var in struct {
		Question string `json:"question"`
		Answer   string `json:"answer"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	id, err := s.deps.Queries.AddFAQ(c.UserContext(), queryActor(c), in.Question, in.Answer)
	if err != nil {
		return queryErr(err)
	}
	return c.Status(http.StatusCreated).JSON(fiber.Map{"id": id, "status": "pending"})
}

// reviewKnowledge is POST /api/v1/staff/knowledge/{id}.
func (s *Server) reviewKnowledge(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in queries.KnowledgeReview
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := s.deps.Queries.ReviewKnowledge(c.UserContext(), queryActor(c), id, in); err != nil {
		return queryErr(err)
	}
	return c.JSON(fiber.Map{"id": id, "published": in.Approve})
}

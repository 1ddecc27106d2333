package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/server/staff"
)

// SupervisorService is what the supervisor's pages need of the hotline
// (*hotline.Hotline implements it): the live state, today's figures and
// abandoned calls, and the call-backs govhall places.
type SupervisorService interface {
	Store() *calls.Store
	Live(ctx context.Context) (hotline.Live, error)
	Today(ctx context.Context) (calls.Figures, []calls.AbandonedCall, error)
	PlaceCallBack(ctx context.Context, r hotline.CallBackRequest) (calls.CallBack, error)
}

// supervisorEndpoints document the supervisor's routes in /api/v1/openapi.json.
var supervisorEndpoints = []endpoint{
	{"GET", "/console/supervisor", "console", "The supervisor's live wallboard: queue and longest wait, operators by state with time in state and pause reason, calls in progress with their party, today's 接通率 and 15-second rate with alerts, the calls abandoned today with 回拨; ?wall=1 is the wall-screen mode (大屏: huge figures, no controls)", "supervisor, admin"},
	{"GET", "/console/supervisor/followups", "console", "回访 and 回拨: answered queries not yet followed up, calls abandoned in the last days, the call-backs placed; each 回访/回拨 rings your phone first", "operator, supervisor, admin"},
	{"GET", "/console/supervisor/settings", "console", "The thresholds of the wallboard's alerts, the appeal period of quality scores and the limits of call-backs", "supervisor, admin (admins change them)"},
	{"GET", "/api/v1/supervisor/live", "hotline", "The wallboard's snapshot (and its re-sync after a reconnect): {at, queue {waiting, longest_s, oldest}, operators [{account_id, name, extension, state, since, pause_reason, registered, call_id}], calls [{id, direction, kind, caller, stage, started_at, since, party, extension, username, department, department_name}], today {offered, answered, answered_in_time, abandoned, short_abandoned, connection_rate, service_level}, abandoned [{id, caller, started_at, waited_s, short, called_again, callbacks, last_result}], alerts [{kind, text}], settings}; live events in between: queue, live_operator, live_call", "supervisor, admin"},
	{"GET", "/api/v1/supervisor/settings", "hotline", "Alert thresholds (per mille), appeal days, call-back limits", "supervisor, admin"},
	{"PUT", "/api/v1/supervisor/settings", "hotline", "Change them {service_alert_pm, connection_alert_pm, appeal_days, callbacks_per_hour, callbacks_per_number}; audited", "admin"},
	{"GET", "/api/v1/supervisor/followups", "hotline", "Answered queries with a phone number and no 回访 that reached the asker (last 30 days), and calls abandoned in the queue in the last 3 days", "operator, supervisor, admin"},
	{"POST", "/api/v1/callbacks", "hotline", "Place a call-back {kind: callback, call_id} (an abandoned call) or {kind: followup, query_code} (回访 of an answered query) → 202 {callback}: your registered phone rings first, then the citizen's number from that record is called through GOVHALL_TRUNK, bridged and recorded (a call with direction outbound). Never to a number given in the request; rate limited; audited. 409 without a trunk, a registered phone, or while you are on a call; 429 past the limits", "operator, supervisor, admin"},
	{"GET", "/api/v1/callbacks", "hotline", "Call-backs placed, newest first (query_code=, call_id=)", "operator, supervisor, admin"},
	{"GET", "/api/v1/callbacks/{id}", "hotline", "One call-back: result (pending, staff_no_answer, reached, no_answer, busy, failed), rating (回访满意度), note, outbound_call_id", "operator, supervisor, admin"},
	{"POST", "/api/v1/callbacks/{id}/note", "hotline", "Record what came of a call-back {note, rating?: 1–5 the citizen told you, when they keyed none}", "operator, supervisor, admin"},
}

func init() { endpoints = append(endpoints, supervisorEndpoints...) }

// supervisorRoutes registers the wallboard, call-backs, follow-ups and the
// quality review (质检) with their API.
func (s *Server) supervisorRoutes() {
	sv, ok := s.deps.Calls.(SupervisorService)
	if !ok || s.deps.Calls == nil {
		return
	}
	sup := s.requireRole(staff.RoleSupervisor)
	callers := s.requireRole(staff.RoleOperator, staff.RoleSupervisor)
	a, v1 := s.app, s.app.Group("/api/v1")
	if s.console != nil {
		a.Get(consolePrefix+"supervisor", s.consoleAuth(staff.RoleSupervisor), s.supervisorPage)
		a.Get(consolePrefix+"supervisor/followups", s.consoleAuth(staff.RoleOperator, staff.RoleSupervisor), s.followUpsPage(sv))
		a.Get(consolePrefix+"supervisor/settings", s.consoleAuth(staff.RoleSupervisor), s.supervisorSettingsPage(sv))
	}
	v1.Get("/supervisor/live", sup, s.supervisorLive(sv))
	v1.Get("/supervisor/settings", sup, s.supervisorSettings(sv))
	v1.Put("/supervisor/settings", s.requireRole(staff.RoleAdmin), s.saveSupervisorSettings(sv))
	v1.Get("/supervisor/followups", callers, s.followUps(sv))
	v1.Post("/callbacks", callers, s.placeCallBack(sv))
	v1.Get("/callbacks", callers, s.listCallBacks(sv))
	v1.Get("/callbacks/:id", callers, s.getCallBack(sv))
	v1.Post("/callbacks/:id/note", callers, s.noteCallBack(sv))
	s.qualityRoutes(sv)
}

// supervisorPage is GET /console/supervisor (?wall=1: the wall screen).
func (s *Server) supervisorPage(c *fiber.Ctx) error {
	if c.Query("wall") == "1" {
		return s.render(c, "supervisor-wall", "监控大屏", nil, "supervisor.js", "supervisor.css", "supervisor-wall.css")
	}
	return s.render(c, "supervisor-live", "实时监控", nil, "supervisor.js", "supervisor.css")
}

// liveAlert is an alert of the wallboard.
type liveAlert struct {
	Kind string `json:"kind"` // service_level or connection_rate
	Text string `json:"text"`
}

// liveSnapshot is GET /api/v1/supervisor/live.
type liveSnapshot struct {
	hotline.Live
	Today     calls.Figures            `json:"today"`
	Abandoned []calls.AbandonedCall    `json:"abandoned"`
	Alerts    []liveAlert              `json:"alerts"`
	Settings  calls.SupervisorSettings `json:"settings"`
}

func (s *Server) supervisorLive(sv SupervisorService) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		live, err := sv.Live(ctx)
		if err != nil {
			return err
		}
		f, ab, err := sv.Today(ctx)
		if err != nil {
			return err
		}
		st, err := sv.Store().SupervisorSettings(ctx)
		if err != nil {
			return err
		}
		return c.JSON(liveSnapshot{Live: live, Today: f, Abandoned: orEmpty(ab), Alerts: alertsOf(f, st), Settings: st})
	}
}

// alertsOf returns today's alerts: the 15-second rate below its line, the
// connection rate below its line (GB/T 33358: 95%).
func alertsOf(f calls.Figures, st calls.SupervisorSettings) []liveAlert {
	out := []liveAlert{}
	if f.ServiceLevel != nil && *f.ServiceLevel*1000 < float64(st.ServiceAlertPM) {
		out = append(out, liveAlert{Kind: "service_level", Text: fmt.Sprintf("今日 %d 秒接通率低于 %s", f.AnswerTargetS, permille(st.ServiceAlertPM))})
	}
	if f.ConnectionRate != nil && *f.ConnectionRate*1000 < float64(st.ConnectionAlertPM) {
		out = append(out, liveAlert{Kind: "connection_rate", Text: "今日接通率低于 " + permille(st.ConnectionAlertPM)})
	}
	return out
}

// permille writes 950 as 95%, 825 as 82.5%.
func permille(pm int) string {
	if pm%10 == 0 {
		return fmt.Sprintf("%d%%", pm/10)
	}
	return fmt.Sprintf("%.1f%%", float64(pm)/10)
}

func (s *Server) supervisorSettings(sv SupervisorService) fiber.Handler {
	return func(c *fiber.Ctx) error {
		st, err := sv.Store().SupervisorSettings(c.UserContext())
		if err != nil {
			return err
		}
		return c.JSON(st)
	}
}

func (s *Server) saveSupervisorSettings(sv SupervisorService) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in struct {
			ServiceAlertPM     *int `json:"service_alert_pm"`
			ConnectionAlertPM  *int `json:"connection_alert_pm"`
			AppealDays         *int `json:"appeal_days"`
			CallbacksPerHour   *int `json:"callbacks_per_hour"`
			CallbacksPerNumber *int `json:"callbacks_per_number"`
		}
		if err := decode(c, &in); err != nil {
			return err
		}
		st, err := sv.Store().SupervisorSettings(c.UserContext())
		if err != nil {
			return err
		}
		for _, f := range []struct {
			in  *int
			out *int
		}{{in.ServiceAlertPM, &st.ServiceAlertPM}, {in.ConnectionAlertPM, &st.ConnectionAlertPM}, {in.AppealDays, &st.AppealDays},
			{in.CallbacksPerHour, &st.CallbacksPerHour}, {in.CallbacksPerNumber, &st.CallbacksPerNumber}} {
			if f.in != nil {
				*f.out = *f.in
			}
		}
		st, err = sv.Store().SaveSupervisorSettings(c.UserContext(), st, callActor(c))
		if err != nil {
			return callErr(err)
		}
		return c.JSON(st)
	}
}

// supervisorSettingsPage is GET /console/supervisor/settings.
func (s *Server) supervisorSettingsPage(sv SupervisorService) fiber.Handler {
	return func(c *fiber.Ctx) error {
		st, err := sv.Store().SupervisorSettings(c.UserContext())
		if err != nil {
			return err
		}
		return s.render(c, "supervisor-settings", "监控与质检设置", map[string]any{"Settings": st, "Admin": account(c).Has(staff.RoleAdmin)},
			"supervisor-followups.js", "supervisor.css")
	}
}

// followUpList is what the follow-up page and GET /api/v1/supervisor/followups show.
type followUpList struct {
	Queries   []calls.FollowUp      `json:"queries"`
	Abandoned []calls.AbandonedCall `json:"abandoned"`
	Recent    []calls.CallBack      `json:"recent"`
}

func (s *Server) followUpData(ctx context.Context, sv SupervisorService) (followUpList, error) {
	now := time.Now()
	today := calendar.DateOf(now).At(0)
	st := sv.Store()
	qs, err := st.FollowUps(ctx, today.AddDate(0, 0, -30), 200)
	if err != nil {
		return followUpList{}, err
	}
	ab, err := st.Abandoned(ctx, today.AddDate(0, 0, -2), now.Add(time.Second), 200)
	if err != nil {
		return followUpList{}, err
	}
	recent, err := st.CallBacks(ctx, "", 0, 30)
	if err != nil {
		return followUpList{}, err
	}
	return followUpList{Queries: orEmpty(qs), Abandoned: orEmpty(ab), Recent: orEmpty(recent)}, nil
}

func (s *Server) followUps(sv SupervisorService) fiber.Handler {
	return func(c *fiber.Ctx) error {
		l, err := s.followUpData(c.UserContext(), sv)
		if err != nil {
			return err
		}
		return c.JSON(l)
	}
}

// followUpsPage is GET /console/supervisor/followups.
func (s *Server) followUpsPage(sv SupervisorService) fiber.Handler {
	return func(c *fiber.Ctx) error {
		l, err := s.followUpData(c.UserContext(), sv)
		if err != nil {
			return err
		}
		return s.render(c, "supervisor-followups", "回访与回拨", l, "supervisor-followups.js", "supervisor.css")
	}
}

// callBackErr turns the errors of a call-back into answers a console can act on.
func callBackErr(err error) error {
	if msg, ok := hotline.CallBackMessage(err); ok {
		return clientErr(http.StatusConflict, "%s", msg)
	}
	if errors.Is(err, calls.ErrLimited) {
		return clientErr(http.StatusTooManyRequests, "%s", calls.LimitMessage(err))
	}
	return callErr(err)
}

// placeCallBack is POST /api/v1/callbacks {kind, call_id | query_code}.
// The number is never taken from the request: it is the one of the call
// record or the query.
func (s *Server) placeCallBack(sv SupervisorService) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in struct {
			Kind      string `json:"kind"`
			CallID    int64  `json:"call_id"`
			QueryCode string `json:"query_code"`
		}
		if err := decode(c, &in); err != nil {
			return err
		}
		switch {
		case in.Kind == calls.CallBackKind && in.CallID <= 0:
			return &apiError{status: http.StatusBadRequest, msg: "请选择要回拨的来电", field: "call_id"}
		case in.Kind == calls.FollowUpKind && in.QueryCode == "":
			return &apiError{status: http.StatusBadRequest, msg: "请选择要回访的查询单", field: "query_code"}
		case in.Kind != calls.CallBackKind && in.Kind != calls.FollowUpKind:
			return &apiError{status: http.StatusBadRequest, msg: "kind 为 callback（回拨）或 followup（回访）", field: "kind"}
		}
		cb, err := sv.PlaceCallBack(c.UserContext(), hotline.CallBackRequest{Kind: in.Kind, CallID: in.CallID, QueryCode: in.QueryCode, By: callActor(c)})
		if err != nil {
			return callBackErr(err)
		}
		return c.Status(http.StatusAccepted).JSON(cb)
	}
}

func (s *Server) listCallBacks(sv SupervisorService) fiber.Handler {
	return func(c *fiber.Ctx) error {
		bs, err := sv.Store().CallBacks(c.UserContext(), c.Query("query_code"), int64(c.QueryInt("call_id", 0)), clampQuery(c, "limit", 50, 500))
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"items": bs})
	}
}

func (s *Server) getCallBack(sv SupervisorService) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		cb, err := sv.Store().CallBack(c.UserContext(), id)
		if err != nil {
			return callErr(err)
		}
		return c.JSON(cb)
	}
}

// noteCallBack is POST /api/v1/callbacks/{id}/note {note, rating}: the one
// who placed it, or a supervisor.
func (s *Server) noteCallBack(sv SupervisorService) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		var in struct {
			Note   string `json:"note"`
			Rating int    `json:"rating"`
		}
		if err := decode(c, &in); err != nil {
			return err
		}
		st := sv.Store()
		cb, err := st.CallBack(c.UserContext(), id)
		if err != nil {
			return callErr(err)
		}
		if me := account(c); cb.RequestedByID != me.ID && !me.Has(staff.RoleSupervisor, staff.RoleAdmin) {
			return clientErr(http.StatusForbidden, "只有拨打人或监察人员可以记录这次回访")
		}
		if in.Rating != 0 {
			if cb.Result != calls.CallBackReached {
				return &apiError{status: http.StatusBadRequest, msg: "没有接通的回访不能记录满意度", field: "rating"}
			}
			if err := st.RateCallBack(c.UserContext(), id, in.Rating, "staff"); err != nil {
				return callErr(err)
			}
		}
		if in.Note != "" || in.Rating == 0 {
			if err := st.NoteCallBack(c.UserContext(), id, in.Note); err != nil {
				return callErr(err)
			}
		}
		cb, err = st.CallBack(c.UserContext(), id)
		if err != nil {
			return err
		}
		return c.JSON(cb)
	}
}

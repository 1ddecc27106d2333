package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/server/staff"
)

// CallService is the 96128 hotline as the HTTP API uses it
// (*hotline.Hotline implements it).
type CallService interface {
	ListCalls(ctx context.Context, limit int) ([]calls.Call, error)
	Transfer(ctx context.Context, callID int64, department string, by calls.Actor, anyone bool) error
	RecordingPath(ctx context.Context, callID int64, by calls.Actor) (string, error)
	VoicemailPath(ctx context.Context, callID int64, by calls.Actor) (string, error)
	SetOperatorState(ctx context.Context, accountID int64, state string) (hotline.OperatorStatus, error)
	OperatorState(ctx context.Context, accountID int64) (hotline.OperatorStatus, error)
}

// callEndpoints document the call routes in /api/v1/openapi.json.
var callEndpoints = []endpoint{
	{"GET", "/api/v1/calls", "hotline", "Recent 96128 calls, newest first (limit ≤ 500): sip_call_id, caller, started_at, answered_at, ended_at, outcome, legs [{party, department, started_at, answered_at, ended_at, result}], transfers, recording {url, duration_s, sha256}, voicemail, satisfaction, query_code", "operator, supervisor, admin"},
	{"POST", "/api/v1/calls/{id}/transfer", "hotline", "Transfer a call in progress to a department's liaison {department} → 202; 409 when the caller is not talking with you" + onAnyNode, "operator, admin"},
	{"GET", "/api/v1/calls/{id}/recording", "hotline", "The call's stereo WAV (caller left, operator/liaison right); every access is audited", "supervisor, admin"},
	{"GET", "/api/v1/calls/{id}/voicemail", "hotline", "The message the caller left (mono WAV); every access is audited", "operator, liaison, supervisor, admin"},
	{"GET", "/api/v1/operators/me/state", "hotline", "The operator's ACD state {extension, state, since, registered, today_seconds}", "operator, admin"},
	{"POST", "/api/v1/operators/me/state", "hotline", "Choose a state {state: available|paused|offline, reason: a pause reason of /api/v1/staff/pause-reasons, required to pause}; while busy it applies after the call", "operator, admin"},
}

func init() { endpoints = append(endpoints, callEndpoints...) }

// callRoutes registers the hotline's routes on /api/v1.
func (s *Server) callRoutes(v1 fiber.Router) {
	ops := s.requireRole(staff.RoleOperator, staff.RoleSupervisor)
	v1.Get("/calls", ops, s.listCalls)
	v1.Post("/calls/:id/transfer", s.requireRole(staff.RoleOperator), s.forwardCall, s.transferCall) // forward.go
	v1.Get("/calls/:id/recording", s.requireRole(staff.RoleSupervisor), s.callRecording)
	v1.Get("/calls/:id/voicemail", s.requireRole(staff.RoleOperator, staff.RoleLiaison, staff.RoleSupervisor), s.callVoicemail)
	v1.Get("/operators/me/state", s.requireRole(staff.RoleOperator), s.operatorState)
	v1.Post("/operators/me/state", s.requireRole(staff.RoleOperator), s.setOperatorState)
}

func callActor(c *fiber.Ctx) calls.Actor {
	a := account(c)
	return calls.Actor{AccountID: a.ID, Username: a.Username, IP: clientIP(c)}
}

// callErr turns hotline errors into answers a console can act on.
func callErr(err error) error {
	var fe *calls.FieldError
	var purged *calls.PurgedError
	switch {
	case errors.As(err, &fe):
		return &apiError{status: http.StatusBadRequest, msg: fe.Msg, field: fe.Field}
	case errors.As(err, &purged):
		return clientErr(http.StatusGone, "这段录音已于 %s 保存期满删除；通话记录仍在", purged.At.In(shanghai).Format("2006-01-02"))
	case errors.Is(err, hotline.ErrNoSuchCall):
		return clientErr(http.StatusNotFound, "这通电话已经结束或不存在")
	case errors.Is(err, hotline.ErrNotNow):
		msg, _ := hotline.Message(err)
		return clientErr(http.StatusConflict, "%s", msg)
	case errors.Is(err, calls.ErrNotFound):
		return clientErr(http.StatusNotFound, "没有找到您要的内容")
	case errors.Is(err, calls.ErrConflict):
		return clientErr(http.StatusConflict, "%s", strings.TrimPrefix(err.Error(), calls.ErrConflict.Error()+": "))
	}
	return err
}

// listCalls is GET /api/v1/calls?limit=.
func (s *Server) listCalls(c *fiber.Ctx) error {
	cs, err := s.deps.Calls.ListCalls(c.UserContext(), clampQuery(c, "limit", 50, 500))
	if err != nil {
		return err
	}
	for i := range cs {
		if cs[i].Recording != nil {
			cs[i].Recording.URL = fmt.Sprintf("%s/api/v1/calls/%d/recording", s.deps.PublicBaseURL, cs[i].ID)
		}
		if cs[i].Voicemail != nil {
			cs[i].Voicemail.URL = fmt.Sprintf("%s/api/v1/calls/%d/voicemail", s.deps.PublicBaseURL, cs[i].ID)
		}
	}
	return c.JSON(fiber.Map{"items": cs})
}

// transferCall is POST /api/v1/calls/{id}/transfer {"department"}.
func (s *Server) transferCall(c *fiber.Ctx) error {
	id, dept, err := transferRequest(c)
	if err != nil {
		return err
	}
	anyone := account(c).Has(staff.RoleAdmin)
	if err := s.deps.Calls.Transfer(c.UserContext(), id, dept, callActor(c), anyone); err != nil {
		return transferErr(err, dept)
	}
	return c.Status(http.StatusAccepted).JSON(fiber.Map{"status": "transferring", "department": dept})
}

// callRecording is GET /api/v1/calls/{id}/recording.
func (s *Server) callRecording(c *fiber.Ctx) error {
	return s.sendCallAudio(c, s.deps.Calls.RecordingPath)
}

// callVoicemail is GET /api/v1/calls/{id}/voicemail.
func (s *Server) callVoicemail(c *fiber.Ctx) error {
	return s.sendCallAudio(c, s.deps.Calls.VoicemailPath)
}

func (s *Server) sendCallAudio(c *fiber.Ctx, find func(context.Context, int64, calls.Actor) (string, error)) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	path, err := find(c.UserContext(), id, callActor(c))
	if err != nil {
		return callErr(err)
	}
	c.Set("Cache-Control", "no-store")
	c.Type("wav")
	return c.SendFile(path)
}

// operatorState is GET /api/v1/operators/me/state.
func (s *Server) operatorState(c *fiber.Ctx) error {
	st, err := s.deps.Calls.OperatorState(c.UserContext(), account(c).ID)
	if err != nil {
		return callErr(err)
	}
	return c.JSON(st)
}

// setOperatorState is POST /api/v1/operators/me/state {"state","reason"}:
// a pause takes a reason from the list admins edit.
func (s *Server) setOperatorState(c *fiber.Ctx) error {
	var in struct {
		State  string `json:"state"`
		Reason string `json:"reason"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.State != "paused" {
		in.Reason = ""
	}
	if s.desk != nil {
		if in.State == "paused" && in.Reason == "" {
			return &apiError{status: http.StatusBadRequest, msg: "请选择小休原因", field: "reason"}
		}
		// The reason is checked before the state changes, so a bad one changes nothing.
		if in.Reason != "" {
			if err := s.checkPauseReason(c.UserContext(), in.Reason); err != nil {
				return callErr(err)
			}
		}
	}
	st, err := s.deps.Calls.SetOperatorState(c.UserContext(), account(c).ID, in.State)
	if err != nil {
		return callErr(err)
	}
	if s.desk != nil {
		if err := s.desk.Store().SetPauseReason(c.UserContext(), account(c).ID, in.Reason); err != nil {
			return callErr(err)
		}
	}
	return c.JSON(fiber.Map{"extension": st.Extension, "state": st.State, "since": st.Since, "registered": st.Registered,
		"today_seconds": st.Today, "pause_reason": in.Reason})
}

// checkPauseReason fails with a field error for a reason not on the list.
func (s *Server) checkPauseReason(ctx context.Context, reason string) error {
	rs, err := s.desk.Store().PauseReasons(ctx)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Label == reason {
			return nil
		}
	}
	return &calls.FieldError{Field: "reason", Msg: "请从列表中选择小休原因"}
}

package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/server/staff"
)

// DeskService is what the operators' desk needs of the hotline beyond
// CallService (*hotline.Hotline implements it).
type DeskService interface {
	Store() *calls.Store
	CallOf(accountID int64) (hotline.DeskCall, bool)
	Directory(ctx context.Context) ([]hotline.DirectoryEntry, error)
	QueueStatus() (waiting int, longest time.Duration)
}

// callControl is a command on a call in progress by the staff member on it
// (anyone: a supervisor or admin may act on any call).
type callControl func(ctx context.Context, callID int64, by calls.Actor, anyone bool) error

// CallControls are the console's commands on a call in progress
// (*hotline.Hotline implements them): hold with music, resume, hang up,
// attended transfer with its completion, cancellation, three-way call and
// leaving it.
type CallControls interface {
	Hold(ctx context.Context, callID int64, by calls.Actor, anyone bool) error
	Resume(ctx context.Context, callID int64, by calls.Actor, anyone bool) error
	Hangup(ctx context.Context, callID int64, by calls.Actor, anyone bool) error
	AttendedTransfer(ctx context.Context, callID int64, department string, by calls.Actor, anyone bool) (int64, error)
	CompleteTransfer(ctx context.Context, callID int64, by calls.Actor, anyone bool) error
	CancelTransfer(ctx context.Context, callID int64, by calls.Actor, anyone bool) error
	ThreeWay(ctx context.Context, callID int64, by calls.Actor, anyone bool) error
	Leave(ctx context.Context, callID int64, by calls.Actor, anyone bool) error
	ReadCode(ctx context.Context, callID int64, code string, by calls.Actor, anyone bool) error
}

// deskEndpoints document the desk's routes in /api/v1/openapi.json.
var deskEndpoints = []endpoint{
	{"GET", "/console/operator", "console", "The operator's desk: phone, state, queue, the call with the caller's history, search, query form, transfers, wrap-up", "operator, admin"},
	{"GET", "/api/v1/operators/me/desk", "hotline", "What the desk shows on load: state {extension, state, since, registered, pause_reason}, queue {waiting, longest_s}, call {id, sip_call_id, caller}?, pause_reasons, wrapup_codes", "operator, admin"},
	{"GET", "/api/v1/staff/callers/{number}", "hotline", "The screen pop: earlier calls and queries (查询码, status, department) from a number", "operator, liaison, supervisor, admin"},
	{"GET", "/api/v1/staff/directory", "hotline", "Transfer directory: departments with liaison phones, ring strategy, in legal hours now, each liaison registered / on a call / away, and how many a transfer would ring", "operator, liaison, supervisor, admin"},
	{"POST", "/api/v1/liaisons/me/availability", "hotline", "The liaison is on duty or away {available: bool}; transfers skip an away liaison", "liaison, admin"},
	{"GET", "/api/v1/calls/{id}/notes", "hotline", "Notes and wrap-ups of a call", "operator, liaison, supervisor, admin"},
	{"POST", "/api/v1/calls/{id}/notes", "hotline", "Add a note to a call {note}", "operator, liaison, admin"},
	{"POST", "/api/v1/calls/{id}/wrapup", "hotline", "File the wrap-up (小结) {code, note?}: one per call and operator; 409 when filed already", "operator, admin"},
	{"GET", "/api/v1/staff/pause-reasons", "hotline", "Pause reasons an operator may choose", "any staff role"},
	{"POST", "/api/v1/staff/pause-reasons", "hotline", "Add a pause reason {label}", "admin"},
	{"DELETE", "/api/v1/staff/pause-reasons/{id}", "hotline", "Take a pause reason off the list", "admin"},
	{"GET", "/api/v1/staff/wrapup-codes", "hotline", "Wrap-up codes", "any staff role"},
	{"POST", "/api/v1/calls/{id}/hold", "hotline", "Put the caller on hold (music) → 204; 409 when not talking with you" + onAnyNode, "operator, liaison, admin"},
	{"POST", "/api/v1/calls/{id}/resume", "hotline", "Take the caller off hold → 204" + onAnyNode, "operator, liaison, admin"},
	{"POST", "/api/v1/calls/{id}/hangup", "hotline", "End the call from the console; the caller still rates the answer → 204" + onAnyNode, "operator, liaison, admin"},
	{"POST", "/api/v1/calls/{id}/attended", "hotline", "Attended transfer {department}: the caller waits with music while you talk to the liaison → 202 {transfer_id}" + onAnyNode, "operator, admin"},
	{"POST", "/api/v1/calls/{id}/transfer/complete", "hotline", "Complete an attended transfer: the caller joins the liaison, you leave → 204" + onAnyNode, "operator, admin"},
	{"POST", "/api/v1/calls/{id}/transfer/cancel", "hotline", "Call off an attended transfer: back to the caller → 204" + onAnyNode, "operator, admin"},
	{"POST", "/api/v1/calls/{id}/threeway", "hotline", "Three-way call (三方通话) of caller, you and the liaison → 204" + onAnyNode, "operator, admin"},
	{"POST", "/api/v1/calls/{id}/readout", "hotline", "Have the line read a 查询码 out to the caller {code}, twice, over the conversation → 204; 409 on hold or while transferring" + onAnyNode, "operator, liaison, admin"},
	{"POST", "/api/v1/calls/{id}/leave", "hotline", "Leave a three-way call: caller and liaison go on → 204" + onAnyNode, "operator, admin"},
}

func init() { endpoints = append(endpoints, deskEndpoints...) }

// operatorRoutes registers the operator's desk (话务台) and its API.
func (s *Server) operatorRoutes() {
	desk, ok := s.deps.Calls.(DeskService)
	if !ok || s.deps.Calls == nil {
		return
	}
	s.desk = desk
	hotlineStaff := s.requireRole(staff.RoleOperator, staff.RoleLiaison, staff.RoleSupervisor)
	op, talk := s.requireRole(staff.RoleOperator), s.requireRole(staff.RoleOperator, staff.RoleLiaison)
	a, v1 := s.app, s.app.Group("/api/v1")
	if s.console != nil {
		a.Get(consolePrefix+"operator", s.consoleAuth(staff.RoleOperator), s.operatorDesk)
	}
	v1.Get("/operators/me/desk", op, s.operatorDeskState)
	v1.Get("/staff/callers/:number", hotlineStaff, s.callerHistory)
	v1.Get("/staff/directory", hotlineStaff, s.directory)
	v1.Post("/liaisons/me/availability", s.requireRole(staff.RoleLiaison), s.liaisonAvailability)
	v1.Get("/calls/:id/notes", hotlineStaff, s.callNotes)
	v1.Post("/calls/:id/notes", talk, s.addCallNote)
	v1.Post("/calls/:id/wrapup", op, s.wrapUpCall)
	v1.Get("/staff/pause-reasons", s.requireRole(staffRoles...), s.pauseReasons)
	v1.Post("/staff/pause-reasons", s.requireRole(staff.RoleAdmin), s.addPauseReason)
	v1.Delete("/staff/pause-reasons/:id", s.requireRole(staff.RoleAdmin), s.disablePauseReason)
	v1.Get("/staff/wrapup-codes", s.requireRole(staffRoles...), s.wrapUpCodes)
	// A command on a call another node owns goes to that node (forward.go).
	if cc, ok := s.deps.Calls.(CallControls); ok {
		fwd := s.forwardCall
		v1.Post("/calls/:id/hold", talk, fwd, s.control(cc.Hold))
		v1.Post("/calls/:id/resume", talk, fwd, s.control(cc.Resume))
		v1.Post("/calls/:id/hangup", talk, fwd, s.control(cc.Hangup))
		v1.Post("/calls/:id/attended", op, fwd, s.attendedTransfer(cc))
		v1.Post("/calls/:id/transfer/complete", op, fwd, s.control(cc.CompleteTransfer))
		v1.Post("/calls/:id/transfer/cancel", op, fwd, s.control(cc.CancelTransfer))
		v1.Post("/calls/:id/threeway", op, fwd, s.control(cc.ThreeWay))
		v1.Post("/calls/:id/leave", op, fwd, s.control(cc.Leave))
		v1.Post("/calls/:id/readout", talk, fwd, s.readCode(cc))
	}
}

// operatorDesk is GET /console/operator.
func (s *Server) operatorDesk(c *fiber.Ctx) error {
	ds, err := s.deps.Catalog.Departments(c.UserContext())
	if err != nil {
		return err
	}
	return s.render(c, "operator", "话务台", map[string]any{"Departments": ds}, "operator.js")
}

// deskState is what the operator's desk loads.
type deskState struct {
	State        hotline.OperatorStatus `json:"state"`
	PauseReason  string                 `json:"pause_reason"`
	Queue        queueState             `json:"queue"`
	Call         *hotline.DeskCall      `json:"call"`
	PauseReasons []calls.Choice         `json:"pause_reasons"`
	WrapUpCodes  []calls.Choice         `json:"wrapup_codes"`
}

type queueState struct {
	Waiting  int     `json:"waiting"`
	LongestS float64 `json:"longest_s"`
}

// operatorDeskState is GET /api/v1/operators/me/desk.
func (s *Server) operatorDeskState(c *fiber.Ctx) error {
	ctx, me := c.UserContext(), account(c).ID
	st, err := s.deps.Calls.OperatorState(ctx, me)
	if err != nil {
		return callErr(err)
	}
	d := deskState{State: st}
	store := s.desk.Store()
	if d.PauseReason, err = store.PauseReason(ctx, me); err != nil {
		return err
	}
	n, longest := s.desk.QueueStatus()
	d.Queue = queueState{Waiting: n, LongestS: longest.Seconds()}
	if call, ok := s.desk.CallOf(me); ok {
		d.Call = &call
	}
	if d.PauseReasons, err = store.PauseReasons(ctx); err != nil {
		return err
	}
	if d.WrapUpCodes, err = store.WrapUpCodes(ctx); err != nil {
		return err
	}
	return c.JSON(d)
}

// callerHistory is GET /api/v1/staff/callers/{number}: the screen pop.
func (s *Server) callerHistory(c *fiber.Ctx) error {
	number := c.Params("number")
	except := int64(c.QueryInt("except", 0))
	earlier, err := s.desk.Store().CallsFrom(c.UserContext(), number, except, 10)
	if err != nil {
		return err
	}
	var qs []queries.PhoneItem
	if s.deps.Queries != nil {
		if qs, err = s.deps.Queries.ByPhone(c.UserContext(), queryActor(c), number, 10); err != nil {
			return queryErr(err)
		}
	}
	return c.JSON(fiber.Map{"number": number, "calls": orEmpty(earlier), "queries": orEmpty(qs)})
}

func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// directory is GET /api/v1/staff/directory.
func (s *Server) directory(c *fiber.Ctx) error {
	ds, err := s.desk.Directory(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": orEmpty(ds)})
}

// liaisonAvailability is POST /api/v1/liaisons/me/availability {"available"}.
func (s *Server) liaisonAvailability(c *fiber.Ctx) error {
	var in struct {
		Available *bool `json:"available"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Available == nil {
		return &apiError{status: http.StatusBadRequest, msg: "请说明是否在岗（available: true 或 false）", field: "available"}
	}
	if err := s.desk.Store().SetLiaisonAvailability(c.UserContext(), account(c).ID, *in.Available); err != nil {
		return callErr(err)
	}
	return c.JSON(fiber.Map{"available": *in.Available})
}

// callNotes is GET /api/v1/calls/{id}/notes.
func (s *Server) callNotes(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ns, err := s.desk.Store().Notes(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": orEmpty(ns)})
}

// addCallNote is POST /api/v1/calls/{id}/notes {"note"}.
func (s *Server) addCallNote(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Note string `json:"note"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	n, err := s.desk.Store().AddNote(c.UserContext(), id, account(c).ID, in.Note)
	if err != nil {
		return callErr(err)
	}
	return c.Status(http.StatusCreated).JSON(n)
}

// wrapUpCall is POST /api/v1/calls/{id}/wrapup {"code","note"}.
func (s *Server) wrapUpCall(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Code string `json:"code"`
		Note string `json:"note"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	n, err := s.desk.Store().WrapUp(c.UserContext(), id, account(c).ID, in.Code, in.Note)
	if err != nil {
		return callErr(err)
	}
	return c.Status(http.StatusCreated).JSON(n)
}

func (s *Server) pauseReasons(c *fiber.Ctx) error {
	rs, err := s.desk.Store().PauseReasons(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": orEmpty(rs)})
}

func (s *Server) wrapUpCodes(c *fiber.Ctx) error {
	cs, err := s.desk.Store().WrapUpCodes(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": orEmpty(cs)})
}

func (s *Server) addPauseReason(c *fiber.Ctx) error {
	var in struct {
		Label string `json:"label"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := s.desk.Store().AddPauseReason(c.UserContext(), in.Label)
	if err != nil {
		return callErr(err)
	}
	s.deps.Staff.Record(c.UserContext(), staffActor(c), "pause_reason_add", "pause_reason", r.Label, nil)
	return c.Status(http.StatusCreated).JSON(r)
}

func (s *Server) disablePauseReason(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.desk.Store().DisablePauseReason(c.UserContext(), id); err != nil {
		return callErr(err)
	}
	s.deps.Staff.Record(c.UserContext(), staffActor(c), "pause_reason_disable", "pause_reason", c.Params("id"), nil)
	return c.SendStatus(http.StatusNoContent)
}

// control wraps a command on a call in progress.
func (s *Server) control(fn callControl) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		anyone := account(c).Has(staff.RoleAdmin, staff.RoleSupervisor)
		if err := fn(c.UserContext(), id, callActor(c), anyone); err != nil {
			return callErr(err)
		}
		return c.SendStatus(http.StatusNoContent)
	}
}

// transferRequest reads the call id and the department of a transfer.
func transferRequest(c *fiber.Ctx) (int64, string, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return 0, "", err
	}
	var in struct {
		Department string `json:"department"`
	}
	if err := decode(c, &in); err != nil {
		return 0, "", err
	}
	if in.Department == "" {
		return 0, "", &apiError{status: http.StatusBadRequest, msg: "请选择要转接的部门", field: "department"}
	}
	return id, in.Department, nil
}

// transferErr names an unknown department at its field.
func transferErr(err error, department string) error {
	if errors.Is(err, calls.ErrNotFound) {
		return &apiError{status: http.StatusBadRequest, msg: "没有这个部门：" + strconv.Quote(department), field: "department"}
	}
	return callErr(err)
}

// attendedTransfer is POST /api/v1/calls/{id}/attended {"department"}.
func (s *Server) attendedTransfer(cc CallControls) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, dept, err := transferRequest(c)
		if err != nil {
			return err
		}
		tid, err := cc.AttendedTransfer(c.UserContext(), id, dept, callActor(c), account(c).Has(staff.RoleAdmin))
		if err != nil {
			return transferErr(err, dept)
		}
		return c.Status(http.StatusAccepted).JSON(fiber.Map{"status": "ringing", "transfer_id": tid})
	}
}

// readCode is POST /api/v1/calls/{id}/readout {"code"}.
func (s *Server) readCode(cc CallControls) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		var in struct {
			Code string `json:"code"`
		}
		if err := decode(c, &in); err != nil {
			return err
		}
		if err := cc.ReadCode(c.UserContext(), id, in.Code, callActor(c), account(c).Has(staff.RoleAdmin, staff.RoleSupervisor)); err != nil {
			return callErr(err)
		}
		return c.SendStatus(http.StatusNoContent)
	}
}

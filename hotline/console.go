package hotline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/media"
)

// Errors of the hotline's API. Those that wrap ErrNotNow are states of the
// call that forbid the action now (409 at the HTTP API); Message gives the
// words a console may show for each.
var (
	ErrNoSuchCall   = errors.New("hotline: no such call in progress")
	ErrNotNow       = errors.New("hotline: not possible now")
	ErrNotYours     = fmt.Errorf("hotline: the caller is with another staff member: %w", ErrNotNow)
	ErrTransferring = fmt.Errorf("hotline: a transfer is in progress: %w", ErrNotNow)
	ErrNoTransfer   = fmt.Errorf("hotline: no transfer in progress: %w", ErrNotNow)
	ErrNotAnswered  = fmt.Errorf("hotline: the liaison has not answered yet: %w", ErrNotNow)
	ErrNoThreeWay   = fmt.Errorf("hotline: not in a three-way call: %w", ErrNotNow)
	ErrOutOfHours   = fmt.Errorf("hotline: out of office hours, no department takes transfers: %w", ErrNotNow)
	ErrNoLiaison    = fmt.Errorf("hotline: no liaison of the department can take a call now: %w", ErrNotNow)
)

// Message returns what a console may show for an error of the hotline's
// API, in plain Chinese, and false for any other error (to be logged, and
// answered as an internal error).
func Message(err error) (string, bool) {
	for _, m := range []struct {
		err error
		msg string
	}{
		{ErrNoSuchCall, "这通电话已经结束或不存在"},
		{ErrNotYours, "来电人正在与其他工作人员通话"},
		{ErrTransferring, "正在转接中，请先完成或取消这次转接"},
		{ErrNoTransfer, "现在没有正在进行的转接"},
		{ErrNotAnswered, "联络员还没有接听"},
		{ErrNoThreeWay, "现在不是三方通话"},
		{ErrOutOfHours, "现在不是工作时间，无法转接"},
		{ErrNoLiaison, "该部门现在没有可以接听的联络员"},
		{ErrNotNow, "现在无法进行这项操作"},
		{calls.ErrNotFound, "没有找到这个部门"},
	} {
		if errors.Is(err, m.err) {
			return m.msg, true
		}
	}
	return "", false
}

// Operations a command asks for.
const (
	opTransfer = iota // blind (API or REFER)
	opAttended
	opHold
	opResume
	opHangup
	opComplete
	opCancel
	opThreeWay
	opLeave
	opReadCode
)

// command is a request from a console or a phone, served by the call's
// conversation.
type command struct {
	op     int
	dept   calls.Department
	method string // for transfers
	code   string // for opReadCode: the 查询码 to read out
	by     int64  // staff account asking
	anyone bool   // by may act on anyone's call (supervisors, admins)
	from   *party // the phone that sent a REFER
	reply  chan commandReply
}

type commandReply struct {
	transferID int64
	err        error
}

// command hands cmd to call callID's conversation and returns its reply.
func (h *Hotline) command(ctx context.Context, callID int64, cmd command) (int64, error) {
	h.mu.Lock()
	c := h.active[callID]
	h.mu.Unlock()
	if c == nil {
		return 0, fmt.Errorf("call %d: %w", callID, ErrNoSuchCall)
	}
	if c.current() == nil {
		return 0, fmt.Errorf("call %d is not connected to anyone: %w", callID, ErrNotNow)
	}
	return c.request(ctx, cmd)
}

// request hands a command to the call's conversation.
func (c *call) request(ctx context.Context, cmd command) (int64, error) {
	cmd.reply = make(chan commandReply, 1)
	t := time.NewTimer(3 * time.Second)
	defer t.Stop()
	select {
	case c.commands <- cmd:
	case <-t.C:
		return 0, fmt.Errorf("call %d is busy: %w", c.id, ErrNotNow)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case r := <-cmd.reply:
		return r.transferID, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Transfer transfers a call in progress to a department's liaison, blind
// (the console's transfer button): the caller hears ringback and goes to
// the first liaison who answers; the staff member is released. by must be
// the staff member in charge of the caller unless anyone is true
// (supervisors, admins). It returns once the phones ring: ErrNoSuchCall for
// a call not in progress, ErrNotYours, ErrTransferring, ErrOutOfHours,
// ErrNoLiaison or ErrNotNow (nobody is talking with the caller),
// calls.ErrNotFound for an unknown department.
func (h *Hotline) Transfer(ctx context.Context, callID int64, department string, by calls.Actor, anyone bool) error {
	dept, err := h.store.Department(ctx, department)
	if err != nil {
		return err
	}
	_, err = h.command(ctx, callID, command{op: opTransfer, dept: dept, method: calls.MethodAPI, by: by.AccountID, anyone: anyone})
	return err
}

// AttendedTransfer puts the caller on hold (music) and rings the
// department's liaisons; when one answers, the operator talks with them
// while the caller still hears the music, then completes, cancels or makes
// a three-way call. Unanswered or refused, the caller is back with the
// operator (events transfer_timeout, transfer_refused). It returns the
// transfer's id once the phones ring, and the errors of Transfer.
func (h *Hotline) AttendedTransfer(ctx context.Context, callID int64, department string, by calls.Actor, anyone bool) (int64, error) {
	dept, err := h.store.Department(ctx, department)
	if err != nil {
		return 0, err
	}
	return h.command(ctx, callID, command{op: opAttended, dept: dept, method: calls.MethodAttended, by: by.AccountID, anyone: anyone})
}

// CompleteTransfer leaves the caller with the liaison of the attended
// transfer (consulting or three-way) and hangs up the operator. It returns
// ErrNoSuchCall, ErrNotYours, ErrNoTransfer or ErrNotAnswered.
func (h *Hotline) CompleteTransfer(ctx context.Context, callID int64, by calls.Actor, anyone bool) error {
	return h.simple(ctx, callID, opComplete, by, anyone)
}

// CancelTransfer calls the transfer in progress off (ringing stops, or the
// liaison is hung up, also out of a three-way call) and returns the
// operator to the caller. It returns ErrNoSuchCall, ErrNotYours or
// ErrNoTransfer.
func (h *Hotline) CancelTransfer(ctx context.Context, callID int64, by calls.Actor, anyone bool) error {
	return h.simple(ctx, callID, opCancel, by, anyone)
}

// ThreeWay makes the consultation of an attended transfer a three-way
// call: caller, operator and liaison each hear the other two. It returns
// ErrNoSuchCall, ErrNotYours, ErrNoTransfer or ErrNotAnswered.
func (h *Hotline) ThreeWay(ctx context.Context, callID int64, by calls.Actor, anyone bool) error {
	return h.simple(ctx, callID, opThreeWay, by, anyone)
}

// Leave lets the operator drop out of a three-way call, leaving the
// caller with the liaison. It returns ErrNoSuchCall, ErrNotYours or
// ErrNoThreeWay.
func (h *Hotline) Leave(ctx context.Context, callID int64, by calls.Actor, anyone bool) error {
	return h.simple(ctx, callID, opLeave, by, anyone)
}

// Hold puts the caller on hold: they hear music, the staff member hears
// silence, the recording goes on. Holding a held call does nothing. It
// returns ErrNoSuchCall, ErrNotYours, ErrTransferring or ErrNotNow.
func (h *Hotline) Hold(ctx context.Context, callID int64, by calls.Actor, anyone bool) error {
	return h.simple(ctx, callID, opHold, by, anyone)
}

// Resume takes the caller off hold. Resuming a call not on hold does
// nothing. It returns the errors of Hold.
func (h *Hotline) Resume(ctx context.Context, callID int64, by calls.Actor, anyone bool) error {
	return h.simple(ctx, callID, opResume, by, anyone)
}

// Hangup ends the staff side of the call from the console: every staff
// leg (and a transfer in progress) is hung up and the caller is asked for
// the 1–5 rating, as after staff hang up the phone. It returns
// ErrNoSuchCall, ErrNotYours or ErrNotNow.
func (h *Hotline) Hangup(ctx context.Context, callID int64, by calls.Actor, anyone bool) error {
	return h.simple(ctx, callID, opHangup, by, anyone)
}

// ReadCode reads a 查询码 out to the caller, digit by digit and twice, over
// the conversation: caller and staff still hear each other, and both hear
// the reading (so does the recording). It returns ErrNoSuchCall,
// ErrNotYours, ErrTransferring (on hold or while transferring), and a
// *calls.FieldError for a code that is not 10 digits.
func (h *Hotline) ReadCode(ctx context.Context, callID int64, code string, by calls.Actor, anyone bool) error {
	if len(code) != 10 || strings.Trim(code, "0123456789") != "" {
		return &calls.FieldError{Field: "code", Msg: "查询码是 10 位数字"}
	}
	_, err := h.command(ctx, callID, command{op: opReadCode, code: code, by: by.AccountID, anyone: anyone})
	return err
}

func (h *Hotline) simple(ctx context.Context, callID int64, op int, by calls.Actor, anyone bool) error {
	_, err := h.command(ctx, callID, command{op: op, by: by.AccountID, anyone: anyone})
	return err
}

// serveCommand does what cmd asks, replies, and says how the conversation
// goes on.
func (c *call) serveCommand(cv *conv, cmd command) next {
	id, nx, err := c.do(cv, cmd)
	cmd.reply <- commandReply{transferID: id, err: err}
	return nx
}

func (c *call) do(cv *conv, cmd command) (int64, next, error) {
	switch {
	case cv.p == nil:
		return 0, nextContinue, fmt.Errorf("call %d: nobody in charge of the caller: %w", c.id, ErrNotNow)
	case cmd.from != nil && cmd.from != cv.p, cmd.from == nil && !cmd.anyone && cmd.by != cv.p.acct.AccountID:
		return 0, nextContinue, fmt.Errorf("call %d is with %s: %w", c.id, cv.p.acct.Extension, ErrNotYours)
	}
	var err error
	switch cmd.op {
	case opTransfer, opAttended:
		id, err := c.startTransfer(cv, cmd)
		return id, nextContinue, err
	case opHangup:
		c.endConv(cv, "console", "工作人员已挂断")
		return 0, nextSurvey, nil
	case opHold:
		err = c.hold(cv, cmd.by)
	case opResume:
		err = c.resume(cv)
	case opReadCode:
		err = c.readOut(cv, cmd.code)
	default:
		err = c.attendedStep(cv, cmd.op)
	}
	return 0, nextContinue, err
}

// hold puts the caller on hold.
func (c *call) hold(cv *conv, by int64) error {
	switch {
	case cv.x != nil:
		return fmt.Errorf("call %d: %w", c.id, ErrTransferring)
	case cv.held != nil:
		return nil
	}
	ctx, cancel := recordCtx()
	defer cancel()
	id, err := c.h.store.StartHold(ctx, c.id, cv.p.legID, by, c.h.cfg.Now())
	if err != nil {
		c.log.Error("record hold", "err", err)
	}
	cv.held = &held{id: id, music: media.NewMusic(c.h.prompts()["hold-intro"], c.h.prompts()["music"])}
	c.setMedia(cv)
	c.emitParty(EventHeld, cv.p, CallEvent{})
	return nil
}

// resume takes the caller off hold.
func (c *call) resume(cv *conv) error {
	switch {
	case cv.x != nil:
		return fmt.Errorf("call %d: %w", c.id, ErrTransferring)
	case cv.held == nil:
		return nil
	}
	c.endHold(cv)
	c.setMedia(cv)
	c.emitParty(EventResumed, cv.p, CallEvent{})
	return nil
}

// endHold records the end of a hold in progress, if any.
func (c *call) endHold(cv *conv) {
	if cv.held == nil {
		return
	}
	if cv.held.id != 0 {
		ctx, cancel := recordCtx()
		defer cancel()
		if err := c.h.store.EndHold(ctx, cv.held.id, c.h.cfg.Now()); err != nil {
			c.log.Error("record end of hold", "err", err)
		}
	}
	cv.held = nil
}

// readOut mixes the reading of code into the conversation; when it has
// been read the mix goes on with the two voices alone.
func (c *call) readOut(cv *conv, code string) error {
	if cv.x != nil || cv.held != nil {
		return fmt.Errorf("call %d: %w", c.id, ErrTransferring)
	}
	ps := c.h.prompts()
	digits := ps.number(code)
	seq := append([]*media.Prompt{ps["readout-intro"]}, digits...)
	seq = append(append(append(seq, ps["pause"], ps["code-again"]), digits...), ps["code-outro"])
	reading := media.NewMusic(media.Concat("readout", seq...), nil)
	p := cv.p
	c.bridge.SetMix(&media.Mix{Hears: map[*media.Endpoint]media.Sources{
		c.ep: {Voices: []*media.Endpoint{p.ep}, Music: reading}, p.ep: {Voices: []*media.Endpoint{c.ep}, Music: reading}},
		Record: media.Sources{Voices: []*media.Endpoint{p.ep}, Music: reading}})
	return nil
}

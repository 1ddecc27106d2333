package hotline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/media"
)

// Stages of a transfer.
const (
	stageRinging    = iota // the liaisons' phones ring
	stageConsulting        // attended: the operator talks with the liaison, the caller hears music
	stageThreeWay          // attended: all three hear each other
)

// errCancelledByConsole is the cause of ringing stopped from the console.
var errCancelledByConsole = errors.New("hotline: transfer cancelled from the console")

// xfer is a transfer in progress.
type xfer struct {
	id       int64
	dept     calls.Department
	method   string
	blind    bool   // the caller goes to the liaison as soon as one answers
	from     *party // the phone whose REFER asked for it, to be told the outcome
	stage    int
	l        *party            // the liaison who answered
	stop     func(cause error) // stops the ringing
	rang     chan ringOutcome  // the ringing's outcome, once; nil once taken
	music    *media.Music      // what the caller hears meanwhile
	ringback *media.Music      // what the operator hears while an attended transfer rings
}

// ringOutcome is how ringing a department ended: the liaison who answered,
// or the transfer's result.
type ringOutcome struct {
	l      *party
	result string
}

// startTransfer records a transfer to dept asked for by cmd and starts
// ringing its liaisons; it returns the transfer's id. When no liaison can
// be rung (out of hours, none reachable or all away) the transfer is
// recorded with that result and ErrOutOfHours or ErrNoLiaison returned;
// the caller stays where they were.
func (c *call) startTransfer(cv *conv, cmd command) (int64, error) {
	if cv.x != nil {
		return 0, fmt.Errorf("call %d: %w", c.id, ErrTransferring)
	}
	h, p := c.h, cv.p
	rctx, cancel := recordCtx()
	defer cancel()
	id, err := h.store.StartTransfer(rctx, calls.NewTransfer{CallID: c.id, DepartmentID: cmd.dept.ID, Method: cmd.method,
		RingStrategy: cmd.dept.RingStrategy, RequestedBy: cmd.by, FromLegID: p.legID, At: h.cfg.Now()})
	if err != nil {
		return 0, err
	}
	c.deptID, c.deptCode = cmd.dept.ID, cmd.dept.Code
	if err := h.store.SetDepartment(rctx, c.id, cmd.dept.ID); err != nil {
		c.log.Error("record call department", "err", err)
	}
	x := &xfer{id: id, dept: cmd.dept, method: cmd.method, blind: cmd.method != calls.MethodAttended, from: cmd.from}
	c.log.Info("transfer", "department", cmd.dept.Code, "method", cmd.method, "strategy", cmd.dept.RingStrategy)
	liaisons, result := c.liaisons(cmd.dept.ID)
	if result != "" {
		c.finishTransfer(x, result, fmt.Sprintf("%s: nobody of %s to ring", result, cmd.dept.Code))
		kind, detail := transferEvent(result)
		c.emit(CallEvent{Kind: kind, Department: cmd.dept.Code, TransferID: id, Detail: detail})
		if result == calls.TransferOutOfHours {
			return id, fmt.Errorf("transfer to %s: %w", cmd.dept.Code, ErrOutOfHours)
		}
		return id, fmt.Errorf("transfer to %s: %w", cmd.dept.Code, ErrNoLiaison)
	}
	c.endHold(cv)
	ps := h.prompts()
	x.music = media.NewMusic(ps["transferring"], ps["ringback"])
	if !x.blind {
		x.music, x.ringback = media.NewMusic(ps["transferring"], ps["music"]), media.NewMusic(nil, ps["ringback"])
	}
	cv.x = x
	c.setMedia(cv)
	c.startRinging(x, liaisons)
	return id, nil
}

// liaisons returns the liaisons of a department to ring now (enabled, not
// away, reachable), or the reason there are none.
func (c *call) liaisons(deptID int64) ([]calls.SIPAccount, string) {
	if !c.h.hours.InHours(c.h.cfg.Now()) {
		return nil, calls.TransferOutOfHours
	}
	all, err := c.h.store.SIPAccounts(c.ctx, calls.KindLiaison, deptID)
	if err != nil {
		c.log.Error("liaisons", "err", err)
		return nil, calls.TransferFailed
	}
	var out []calls.SIPAccount
	for _, a := range all {
		if !a.Away && c.h.reachable(a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, calls.TransferNoLiaison
	}
	return out, ""
}

// startRinging rings the liaisons, in order or all at once as the
// department says, on a goroutine of its own; the outcome arrives on x.rang.
func (c *call) startRinging(x *xfer, ls []calls.SIPAccount) {
	ctx, cancel := context.WithCancelCause(c.ctx)
	x.stop, x.rang = cancel, make(chan ringOutcome, 1)
	go func() {
		defer cancel(nil)
		if x.dept.RingStrategy == calls.RingAll {
			x.rang <- c.ringAll(ctx, x, ls)
			return
		}
		x.rang <- c.ringInOrder(ctx, x, ls)
	}()
}

// ringInOrder rings one liaison after another, each for LiaisonRing.
func (c *call) ringInOrder(ctx context.Context, x *xfer, ls []calls.SIPAccount) ringOutcome {
	var results []string
	for _, l := range ls {
		lp, result := c.dial(ctx, l, calls.KindLiaison, x.dept.ID, x.id, c.h.cfg.LiaisonRing)
		if lp != nil {
			return ringOutcome{l: lp}
		}
		results = append(results, result)
		if ctx.Err() != nil {
			break
		}
	}
	return ringOutcome{result: x.failure(results)}
}

// ringAll rings every liaison at once for LiaisonRing: the first to answer
// takes the call and the others' phones are cancelled (one answering at
// the same moment is hung up).
func (c *call) ringAll(ctx context.Context, x *xfer, ls []calls.SIPAccount) ringOutcome {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	type dialed struct {
		p      *party
		result string
	}
	ch := make(chan dialed, len(ls))
	for _, l := range ls {
		go func() {
			p, result := c.dial(actx, l, calls.KindLiaison, x.dept.ID, x.id, c.h.cfg.LiaisonRing)
			ch <- dialed{p, result}
		}()
	}
	var winner *party
	var results []string
	for range ls {
		d := <-ch
		switch {
		case d.p != nil && winner == nil:
			winner = d.p
			cancel()
		case d.p != nil:
			c.endParty(d.p, "system")
		default:
			results = append(results, d.result)
		}
	}
	if winner != nil {
		return ringOutcome{l: winner}
	}
	return ringOutcome{result: x.failure(results)}
}

// failure is the transfer's result when no phone answered: refused when
// every phone declined, else no answer (blind) or timeout (attended).
func (x *xfer) failure(legResults []string) string {
	refused := len(legResults) > 0
	for _, r := range legResults {
		if r != calls.LegBusy && r != calls.LegRejected {
			refused = false
		}
	}
	switch {
	case refused:
		return calls.TransferRefused
	case x.method != calls.MethodAttended:
		return calls.TransferNoAnswer
	}
	return calls.TransferTimeout
}

// stopRinging stops the ringing of x, if it still rings, and hangs up a
// liaison who answered meanwhile.
func (c *call) stopRinging(x *xfer, by string) {
	if x.rang == nil {
		return
	}
	var cause error // context.Canceled
	if by == "console" {
		cause = errCancelledByConsole
	}
	x.stop(cause)
	r := <-x.rang
	x.rang = nil
	if r.l != nil {
		c.endParty(r.l, by)
	}
}

// rang takes the outcome of ringing: the liaison takes the call (blind),
// the operator consults them (attended), or the caller is back with the
// operator.
func (c *call) rang(cv *conv, r ringOutcome) next {
	x := cv.x
	if r.l == nil {
		return c.unanswered(cv, r.result)
	}
	x.l = r.l
	ev := CallEvent{Department: x.dept.Code, TransferID: x.id}
	if x.blind || cv.p == nil {
		c.emitParty(EventAnswered, x.l, ev)
		c.emitParty(EventTransferAnswered, x.l, ev)
		c.complete(cv, "")
		return nextContinue
	}
	ctx, cancel := recordCtx()
	defer cancel()
	if err := c.h.store.TransferAnswered(ctx, x.id, c.h.cfg.Now(), x.l.legID); err != nil {
		c.log.Error("record transfer answer", "err", err)
	}
	x.stage = stageConsulting
	c.setMedia(cv)
	c.emitParty(EventAnswered, x.l, ev)
	c.emitParty(EventTransferAnswered, x.l, ev)
	return nextContinue
}

// complete leaves the caller with the liaison: the operator (if still
// there) is hung up.
func (c *call) complete(cv *conv, note string) {
	x := cv.x
	result := calls.TransferCompleted
	if x.method != calls.MethodAttended {
		result = calls.TransferAnswered
	}
	c.finishTransfer(x, result, note)
	if cv.p != nil {
		c.endParty(cv.p, "transfer")
	}
	cv.p, cv.x = x.l, nil
	c.emitParty(EventTransferCompleted, x.l, CallEvent{Department: x.dept.Code, TransferID: x.id})
	c.setMedia(cv)
}

// unanswered ends a transfer nobody answered: the caller is back with the
// operator, or — when they left meanwhile — may leave a question (1) or
// wait for an operator.
func (c *call) unanswered(cv *conv, result string) next {
	x := cv.x
	c.finishTransfer(x, result, fmt.Sprintf("%s: no liaison of %s took the call", result, x.dept.Code))
	kind, detail := transferEvent(result)
	c.emit(CallEvent{Kind: kind, Department: x.dept.Code, TransferID: x.id, Detail: detail})
	cv.x = nil
	c.bridge.SetMix(nil)
	p := cv.p
	if p != nil && !p.ended && p.leg.Context().Err() == nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = media.Play(c.ctx, p.ep, 1, c.h.prompts()["operator-failed"], nil)
		}()
		err := c.play(c.h.prompts()["transfer-back"])
		<-done
		if err != nil {
			c.endConv(cv, "caller", "来电人已挂机")
			return nextEnd
		}
		c.setMedia(cv)
		return nextContinue
	}
	d, ok := c.ask(c.h.prompts()["transfer-choice"], 8*time.Second)
	if !ok {
		return nextEnd
	}
	if d.Key == '1' {
		c.message(kindQuestion, c.deptID, c.h.prompts()["question"])
		return nextEnd
	}
	return nextQueue
}

// finishTransfer records the end of x and tells the phone that asked for
// it by REFER.
func (c *call) finishTransfer(x *xfer, result, note string) {
	var toLeg int64
	if x.l != nil {
		toLeg = x.l.legID
	}
	ctx, cancel := recordCtx()
	defer cancel()
	if err := c.h.store.FinishTransfer(ctx, x.id, c.h.cfg.Now(), result, toLeg, note); err != nil {
		c.log.Error("record transfer result", "err", err)
	}
	c.notifyRefer(x, result)
}

func (c *call) notifyRefer(x *xfer, result string) {
	if x.from == nil || x.from.leg == nil {
		return
	}
	code, reason := 480, "Temporarily Unavailable"
	switch result {
	case calls.TransferAnswered, calls.TransferCompleted:
		code, reason = 200, "OK"
	case calls.TransferCallerHungUp:
		code, reason = 487, "Request Terminated"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := x.from.leg.NotifyRefer(ctx, code, reason, true); err != nil {
		c.log.Debug("refer notify", "err", err)
	}
}

// transferEvent returns the event kind and plain reason of a transfer
// that no liaison took.
func transferEvent(result string) (kind, detail string) {
	switch result {
	case calls.TransferNoAnswer, calls.TransferTimeout:
		return EventTransferTimeout, "无人接听"
	case calls.TransferRefused:
		return EventTransferRefused, "拒接"
	case calls.TransferOutOfHours:
		return EventTransferRefused, "不在工作时间"
	case calls.TransferNoLiaison:
		return EventTransferRefused, "无可接听的联络员"
	}
	return EventTransferRefused, "转接失败"
}

// referred takes a REFER from a party's phone: the Refer-To user is a
// department code or a liaison's extension.
func (c *call) referred(p *party, target sip.Uri) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dept, err := c.h.store.Department(ctx, target.User)
	if errors.Is(err, calls.ErrNotFound) {
		a, aerr := c.h.store.SIPAccount(ctx, target.User)
		if aerr != nil || a.Kind != calls.KindLiaison {
			return fmt.Errorf("refer to %q: neither a department code nor a liaison's extension: %w", target.User, calls.ErrNotFound)
		}
		dept, err = c.h.store.Department(ctx, a.DepartmentCode)
	}
	if err != nil {
		return err
	}
	_, err = c.request(ctx, command{op: opTransfer, dept: dept, method: calls.MethodRefer, by: p.acct.AccountID, from: p})
	return err
}

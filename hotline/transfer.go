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

// transferReq asks the call to transfer the caller to a department.
type transferReq struct {
	dept   calls.Department
	method string // "refer" or "api"
	by     int64  // staff account asking, 0 if unknown
	from   *party // the party whose phone sent the REFER (method "refer")
	reply  chan error
}

// Transfer transfers a call in progress to a department's liaison (the
// console's transfer button). by must be the staff member talking with the
// caller unless anyone is true (supervisors, admins). It returns when the
// transfer has begun: ErrNoSuchCall for a call not in progress, ErrNotNow
// when nobody is talking with the caller, calls.ErrNotFound for an unknown
// department.
func (h *Hotline) Transfer(ctx context.Context, callID int64, department string, by calls.Actor, anyone bool) error {
	dept, err := h.store.Department(ctx, department)
	if err != nil {
		return err
	}
	h.mu.Lock()
	c := h.active[callID]
	h.mu.Unlock()
	if c == nil {
		return fmt.Errorf("call %d: %w", callID, ErrNoSuchCall)
	}
	p := c.current()
	if p == nil {
		return fmt.Errorf("call %d is not connected to anyone: %w", callID, ErrNotNow)
	}
	if !anyone && p.acct.AccountID != by.AccountID {
		return fmt.Errorf("call %d is talking with %s, not with you: %w", callID, p.acct.Extension, ErrNotNow)
	}
	return c.request(ctx, transferReq{dept: dept, method: "api", by: by.AccountID})
}

// request hands a transfer request to the call's conversation.
func (c *call) request(ctx context.Context, tr transferReq) error {
	tr.reply = make(chan error, 1)
	t := time.NewTimer(3 * time.Second)
	defer t.Stop()
	select {
	case c.transfers <- tr:
	case <-t.C:
		return fmt.Errorf("call %d is busy (already transferring?): %w", c.id, ErrNotNow)
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-tr.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
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
		dept, err = calls.Department{ID: a.DepartmentID, Code: a.DepartmentCode}, nil
	}
	if err != nil {
		return err
	}
	return c.request(ctx, transferReq{dept: dept, method: "refer", by: p.acct.AccountID, from: p})
}

// transfer rings the liaisons of a department while the caller hears a
// ringback tone. On an answer the liaison takes over and the transferring
// party is hung up; otherwise the caller goes back to that party, or —
// when they left meanwhile — may leave a question or wait for an operator.
func (c *call) transfer(p *party, tr transferReq) (*party, next) {
	h := c.h
	now := h.cfg.Now()
	rctx, cancel := recordCtx()
	defer cancel()
	id, err := h.store.StartTransfer(rctx, calls.NewTransfer{CallID: c.id, DepartmentID: tr.dept.ID, Method: tr.method,
		RequestedBy: tr.by, FromLegID: p.legID, At: now})
	tr.reply <- err
	if err != nil {
		c.log.Error("record transfer", "err", err)
		return p, nextContinue
	}
	c.deptID, c.deptCode = tr.dept.ID, tr.dept.Code
	_ = h.store.SetDepartment(rctx, c.id, tr.dept.ID)
	c.log.Info("transfer", "department", tr.dept.Code, "method", tr.method)
	liaisons, result := c.liaisons(tr.dept.ID)
	var lp *party
	if result == "" {
		lp, result = c.ringLiaisons(p, liaisons, tr.dept, id)
	}
	finish := func(result string, legID int64, note string) {
		ctx, cancel := recordCtx()
		defer cancel()
		if err := h.store.FinishTransfer(ctx, id, h.cfg.Now(), result, legID, note); err != nil {
			c.log.Error("record transfer result", "err", err)
		}
		c.notifyRefer(tr, result)
	}
	ev := CallEvent{Department: tr.dept.Code, TransferID: id}
	switch {
	case lp != nil:
		finish(calls.TransferAnswered, lp.legID, "")
		c.emitParty(EventTransferAnswered, lp, ev)
		c.endParty(p, "transfer")
		c.emitParty(EventTransferCompleted, lp, ev)
		return lp, nextContinue
	case c.ctx.Err() != nil:
		finish(calls.TransferCallerHungUp, 0, "")
		c.endParty(p, "caller")
		return nil, nextEnd
	}
	finish(result, 0, fmt.Sprintf("%s: no liaison of %s took the call", result, tr.dept.Code))
	ev.Kind, ev.Detail = transferEvent(result)
	c.emit(ev)
	return c.transferFailed(p)
}

// liaisons returns the reachable liaisons of a department, or the reason
// there are none to ring.
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

// ringLiaisons rings the liaisons in order while the caller holds.
func (c *call) ringLiaisons(p *party, ls []calls.SIPAccount, dept calls.Department, transferID int64) (*party, string) {
	c.bridge.Connect(nil)
	c.setTalking(nil)
	hold, stop := context.WithCancel(c.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if c.bridge.Play(hold, c.h.prompts["transferring"]) == nil {
			for hold.Err() == nil {
				_ = c.bridge.Play(hold, c.h.prompts["ringback"])
			}
		}
	}()
	stopHold := func() { stop(); <-done }
	defer stopHold()
	for _, l := range ls {
		c.emit(CallEvent{Kind: EventTransferRinging, AccountID: l.AccountID, Extension: l.Extension, Department: dept.Code, TransferID: transferID})
		if lp := c.ring(l, calls.KindLiaison, dept.ID, c.h.cfg.LiaisonRing, stopHold); lp != nil {
			return lp, calls.TransferAnswered
		}
		if c.ctx.Err() != nil {
			break
		}
	}
	return nil, calls.TransferNoAnswer
}

func (c *call) notifyRefer(tr transferReq, result string) {
	if tr.from == nil || tr.from.leg == nil {
		return
	}
	code, reason := 480, "Temporarily Unavailable"
	switch result {
	case calls.TransferAnswered:
		code, reason = 200, "OK"
	case calls.TransferCallerHungUp:
		code, reason = 487, "Request Terminated"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.from.leg.NotifyRefer(ctx, code, reason, true); err != nil {
		c.log.Debug("refer notify", "err", err)
	}
}

// transferFailed brings the caller back to p, or — when p hung up
// meanwhile — offers to leave a question (1) or wait for an operator.
func (c *call) transferFailed(p *party) (*party, next) {
	if !p.ended && p.leg.Context().Err() == nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = media.Play(c.ctx, p.ep, 1, c.h.prompts["operator-failed"], nil)
		}()
		err := c.play(c.h.prompts["transfer-back"])
		<-done
		if err != nil {
			c.endParty(p, "caller")
			return nil, nextEnd
		}
		return p, nextContinue
	}
	c.endParty(p, "party")
	d, ok := c.ask(c.h.prompts["transfer-choice"], 8*time.Second)
	if !ok {
		return nil, nextEnd
	}
	if d.Key == '1' {
		c.message(kindQuestion, c.deptID, c.h.prompts["question"])
		return nil, nextEnd
	}
	return nil, nextQueue
}

// transferEvent returns the event kind and plain reason of a failed
// transfer's result.
func transferEvent(result string) (kind, detail string) {
	switch result {
	case calls.TransferNoAnswer:
		return EventTransferTimeout, "无人接听"
	case calls.TransferOutOfHours:
		return EventTransferRefused, "不在工作时间"
	case calls.TransferNoLiaison:
		return EventTransferRefused, "无可接听的联络员"
	}
	return EventTransferRefused, "转接失败"
}

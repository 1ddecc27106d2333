package hotline

import (
	"fmt"

	"github.com/govhall/govhall/hotline/calls"
)

// attendedStep completes, cancels, makes three-way or leaves the transfer
// in progress.
func (c *call) attendedStep(cv *conv, op int) error {
	x := cv.x
	switch {
	case x == nil && op == opLeave:
		return fmt.Errorf("call %d: %w", c.id, ErrNoThreeWay)
	case x == nil:
		return fmt.Errorf("call %d: %w", c.id, ErrNoTransfer)
	}
	ringing := x.stage == stageRinging
	switch op {
	case opCancel:
		c.cancelTransfer(cv)
		return nil
	case opLeave:
		if x.stage != stageThreeWay {
			return fmt.Errorf("call %d: %w", c.id, ErrNoThreeWay)
		}
	case opComplete, opThreeWay:
		if ringing {
			return fmt.Errorf("call %d: %w", c.id, ErrNotAnswered)
		}
	}
	if op == opThreeWay {
		c.threeWay(cv)
		return nil
	}
	if x.stage == stageThreeWay {
		c.emitParty(EventLeft, cv.p, CallEvent{Department: x.dept.Code, TransferID: x.id})
		c.complete(cv, "the operator left the three-way call")
		return nil
	}
	c.complete(cv, "")
	return nil
}

// threeWay lets caller, operator and liaison hear each other.
func (c *call) threeWay(cv *conv) {
	x := cv.x
	if x.stage == stageThreeWay {
		return
	}
	ctx, cancel := recordCtx()
	defer cancel()
	if err := c.h.store.TransferThreeWay(ctx, x.id, c.h.cfg.Now()); err != nil {
		c.log.Error("record three-way call", "err", err)
	}
	x.stage = stageThreeWay
	c.setMedia(cv)
	c.emitParty(EventThreeWay, x.l, CallEvent{Department: x.dept.Code, TransferID: x.id})
}

// cancelTransfer stops the ringing or hangs up the liaison, and returns
// the operator to the caller.
func (c *call) cancelTransfer(cv *conv) {
	x := cv.x
	c.stopRinging(x, "console")
	result, note := calls.TransferCancelled, "cancelled from the console"
	ev := CallEvent{Kind: EventTransferCancelled, Department: x.dept.Code, TransferID: x.id, Detail: "已取消转接"}
	if x.l != nil {
		c.endParty(x.l, "console")
		ev.AccountID, ev.Extension = x.l.acct.AccountID, x.l.acct.Extension
		if x.stage == stageThreeWay {
			c.emitParty(EventLeft, x.l, CallEvent{Department: x.dept.Code, TransferID: x.id})
			result, note = calls.TransferThreeWay, "the liaison was hung up from the console after a three-way call"
		}
	}
	c.finishTransfer(x, result, note)
	c.emit(ev)
	cv.x = nil
	c.setMedia(cv)
}

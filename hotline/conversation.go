package hotline

import (
	"time"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/media"
)

// conv is the state of a conversation with staff, owned by the call's
// goroutine: who is in charge of the caller, whether the caller is on hold,
// and the transfer in progress.
type conv struct {
	p    *party // the staff member in charge: talking, holding or transferring; nil once they left a transfer ringing
	held *held  // the caller is on hold
	x    *xfer  // the transfer in progress
}

// held is a hold in progress.
type held struct {
	id    int64
	music *media.Music
}

// converse connects the caller with the operator p and serves the
// conversation until it ends: hang-ups, the consoles' and phones'
// commands, transfers.
func (c *call) converse(p *party) next {
	cv := &conv{p: p}
	c.connect(p)
	c.emitParty(EventAnswered, p, CallEvent{})
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		var pDone, lDone <-chan struct{}
		var rang <-chan ringOutcome
		if cv.p != nil {
			pDone = cv.p.leg.Context().Done()
		}
		if x := cv.x; x != nil {
			rang = x.rang
			if x.l != nil {
				lDone = x.l.leg.Context().Done()
			}
		}
		nx := nextContinue
		select {
		case <-c.ctx.Done():
			c.endConv(cv, "caller", "来电人已挂机")
			return nextEnd
		case <-pDone:
			nx = c.staffLeft(cv)
		case <-lDone:
			nx = c.liaisonLeft(cv)
		case r := <-rang:
			cv.x.rang = nil
			nx = c.rang(cv, r)
		case cmd := <-c.commands:
			nx = c.serveCommand(cv, cmd)
		case <-tick.C:
			if last := c.ep.LastReceived(); !last.IsZero() && time.Since(last) > c.h.cfg.RTPTimeout {
				c.reason = "no RTP from the caller"
				c.endConv(cv, "system", "来电无声音")
				return nextEnd
			}
		}
		if nx != nextContinue {
			return nx
		}
	}
}

// connect makes p the party talking with the caller.
func (c *call) connect(p *party) {
	c.bridge.Connect(p.ep)
	c.setTalking(p)
	if p.kind == calls.KindOperator && c.outcome == "" {
		c.outcome = calls.OutcomeAnswered
	}
	if p.kind == calls.KindLiaison {
		c.outcome = calls.OutcomeTransferred
	}
}

// setMedia sets what everyone hears for the state of cv: the relay between
// the caller and the party in charge, or a mix (see the package doc for
// what each hears and what is recorded).
func (c *call) setMedia(cv *conv) {
	p, x, caller := cv.p, cv.x, c.ep
	voices := func(eps ...*media.Endpoint) media.Sources { return media.Sources{Voices: eps} }
	switch {
	case x == nil && cv.held == nil:
		c.connect(p)
	case x == nil:
		c.bridge.SetMix(&media.Mix{Hears: map[*media.Endpoint]media.Sources{caller: {Music: cv.held.music}, p.ep: {}},
			Record: media.Sources{Music: cv.held.music}})
	case x.stage == stageRinging:
		m := &media.Mix{Hears: map[*media.Endpoint]media.Sources{caller: {Music: x.music}}, Record: media.Sources{Music: x.music}}
		if p != nil {
			m.Hears[p.ep] = media.Sources{Music: x.ringback}
		}
		c.bridge.SetMix(m)
	case x.stage == stageConsulting:
		c.bridge.SetMix(&media.Mix{Hears: map[*media.Endpoint]media.Sources{caller: {Music: x.music},
			p.ep: voices(x.l.ep), x.l.ep: voices(p.ep)}, Record: voices(p.ep, x.l.ep)})
	default: // three-way
		c.bridge.SetMix(&media.Mix{Hears: map[*media.Endpoint]media.Sources{caller: voices(p.ep, x.l.ep),
			p.ep: voices(caller, x.l.ep), x.l.ep: voices(caller, p.ep)}, Record: voices(p.ep, x.l.ep)})
	}
}

// staffLeft handles the party in charge hanging up: the conversation is
// over (the caller is asked for the rating), or a transfer goes on without
// them.
func (c *call) staffLeft(cv *conv) next {
	p, x := cv.p, cv.x
	c.endParty(p, "party")
	cv.p = nil
	switch {
	case x == nil:
		c.endHold(cv)
		return nextSurvey
	case x.stage == stageRinging: // the transfer goes on as a blind one
		x.blind = true
		c.setMedia(cv)
		return nextContinue
	case x.stage == stageThreeWay:
		c.emitParty(EventLeft, p, CallEvent{Department: x.dept.Code, TransferID: x.id})
	}
	c.complete(cv, "the operator hung up")
	return nextContinue
}

// liaisonLeft handles the liaison of an attended transfer hanging up: the
// caller is back with the operator.
func (c *call) liaisonLeft(cv *conv) next {
	x := cv.x
	c.endParty(x.l, "party")
	result, note, detail := calls.TransferCancelled, "the liaison hung up", "联络员已挂机"
	if x.stage == stageThreeWay {
		c.emitParty(EventLeft, x.l, CallEvent{Department: x.dept.Code, TransferID: x.id})
		result, note, detail = calls.TransferThreeWay, "the liaison left the three-way call", "联络员已离开三方通话"
	}
	c.finishTransfer(x, result, note)
	c.emit(CallEvent{Kind: EventTransferCancelled, Department: x.dept.Code, TransferID: x.id, Detail: detail,
		AccountID: x.l.acct.AccountID, Extension: x.l.acct.Extension})
	cv.x = nil
	c.setMedia(cv)
	return nextContinue
}

// endConv ends the conversation: the ringing stops, every staff member is
// hung up (by says who ended it), the hold and the transfer are closed.
func (c *call) endConv(cv *conv, by, detail string) {
	if x := cv.x; x != nil {
		c.stopRinging(x, by)
		result := calls.TransferCancelled
		switch {
		case by == "caller" && x.stage == stageThreeWay:
			result = calls.TransferThreeWay
		case by == "caller":
			result = calls.TransferCallerHungUp
		}
		c.finishTransfer(x, result, "ended: "+by)
		if x.l != nil {
			c.endParty(x.l, by)
		}
		c.emit(CallEvent{Kind: EventTransferCancelled, Department: x.dept.Code, TransferID: x.id, Detail: detail})
		cv.x = nil
	}
	c.endHold(cv)
	if cv.p != nil {
		c.endParty(cv.p, by)
	}
	c.bridge.SetMix(nil)
}

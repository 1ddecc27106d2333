package hotline

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/sipua"
)

// What happens after a conversation.
type next int

const (
	nextEnd      next = iota // the call is over
	nextSurvey               // the party hung up: ask for the rating
	nextQueue                // back to the queue for an operator
	nextContinue             // keep talking (with a new party)
)

// serve queues the caller for an operator and runs the conversation,
// transfers and survey.
func (c *call) serve() {
	for c.ctx.Err() == nil {
		op, timedOut := c.queue()
		if timedOut {
			c.message(kindVoicemail, 0, c.h.prompts()["queue-timeout"])
			return
		}
		if op == nil {
			return
		}
		switch c.converse(op) {
		case nextSurvey:
			c.survey()
			return
		case nextQueue:
			continue
		default:
			return
		}
	}
}

// queue waits for an operator to answer; timedOut is true when the longest
// wait passed. It returns nil when the caller hung up.
func (c *call) queue() (op *party, timedOut bool) {
	h := c.h
	w := h.acd.Join(c.id)
	h.queueChanged(c.id)
	defer func() { h.acd.Leave(w); h.queueChanged(c.id) }()
	in := h.cfg.Now()
	h.meter.queued.Add(1)
	defer func() { // one write, off the path to an operator
		ctx, cancel := recordCtx()
		defer cancel()
		if err := h.store.Queued(ctx, c.id, in, h.cfg.Now()); err != nil {
			c.log.Error("record queue times", "err", err)
		}
	}()
	annCtx, stopAnn := context.WithCancel(c.ctx)
	annDone := make(chan struct{})
	go func() { defer close(annDone); c.announce(annCtx, w) }()
	defer func() { stopAnn(); <-annDone }()
	deadline := time.NewTimer(h.cfg.MaxWait)
	defer deadline.Stop()
	for c.ctx.Err() == nil {
		if a, ok := h.acd.Take(c.ctx, w); ok {
			h.queueChanged(c.id)
			c.emit(CallEvent{Kind: EventOffered, AccountID: a.Account.AccountID, Extension: a.Account.Extension,
				Waited: h.cfg.Now().Sub(w.Joined)})
			if p, _ := c.dial(c.ctx, a.Account, calls.KindOperator, 0, 0, h.cfg.RingTimeout); p != nil {
				h.meter.answeredAfter(h.cfg.Now().Sub(in))
				return p, false
			}
			h.acd.Release(context.Background(), a.Account.ID, false)
			h.acd.Rejoin(w)
			h.queueChanged(c.id)
			continue
		}
		select {
		case <-w.Wake():
		case <-time.After(time.Second): // registrations lapse without notice
		case <-deadline.C:
			return nil, true
		case <-c.ctx.Done():
		}
	}
	h.meter.abandonedAfter(h.cfg.Now().Sub(in))
	return nil, false
}

// announce tells the caller their place in the queue, then plays hold
// music, again and again.
func (c *call) announce(ctx context.Context, w *calls.Waiter) {
	ps := c.h.prompts()
	for ctx.Err() == nil {
		n := c.h.acd.Position(w)
		seq := []*media.Prompt{ps["queue-wait"]}
		if n > 1 { // n-1 callers ahead
			seq = append(append([]*media.Prompt{ps["queue-ahead"]}, ps.number(strconv.Itoa(n-1))...), ps["queue-callers"])
		}
		for _, p := range seq {
			if c.bridge.Play(ctx, p) != nil {
				return
			}
		}
		until := time.Now().Add(c.h.cfg.Announce)
		for time.Now().Before(until) && ctx.Err() == nil {
			_ = c.bridge.Play(ctx, ps["hold"])
		}
	}
}

// dial places a leg to a phone (for a transfer when transferID is not 0)
// and waits up to timeout for the answer. It returns the party once
// answered, or nil and the leg's result (calls.Leg*) when the phone cannot
// be reached, does not answer or declines, or ctx ends.
func (c *call) dial(ctx context.Context, acct calls.SIPAccount, kind string, deptID, transferID int64, timeout time.Duration) (*party, string) {
	h := c.h
	ts := h.targets(acct)
	if len(ts) == 0 {
		return nil, calls.LegFailed
	}
	ep, err := media.NewEndpoint(h.ports)
	if err != nil {
		c.log.Warn("rtp for a leg", "err", err)
		return nil, calls.LegFailed
	}
	if ctx.Err() != nil {
		ep.Close()
		return nil, calls.LegCancelled
	}
	sctx, scancel := recordCtx() // not the caller's: a cancelled insert may still commit
	legID, err := h.store.StartLeg(sctx, calls.NewLeg{CallID: c.id, Party: kind, SIPAccountID: acct.ID, AccountID: acct.AccountID,
		DepartmentID: deptID, TransferID: transferID, Extension: acct.Extension, At: h.cfg.Now()})
	scancel()
	if err != nil {
		c.log.Error("record leg", "err", err)
		ep.Close()
		return nil, calls.LegFailed
	}
	p := &party{kind: kind, acct: acct, ep: ep, legID: legID, deptID: deptID}
	if transferID != 0 {
		c.emitParty(EventTransferRinging, p, CallEvent{Department: acct.DepartmentCode, TransferID: transferID})
	}
	offer := media.Marshal(ep.Local(), media.Description{Codec: c.codec, EventPT: 101, Direction: media.SendRecv}, c.session+uint64(legID), 1)
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := h.sip.Dial(rctx, sipua.DialRequest{Target: ts[0], FromUser: c.in.Caller, FromName: "96128", SDP: offer})
	if err != nil {
		return nil, c.legFailed(rctx, p, err)
	}
	p.leg = out
	if !c.answered(p) {
		return nil, calls.LegFailed
	}
	return p, calls.LegAnswered
}

// answered takes the party's SDP answer, records the answer and starts
// reading the party's RTP; it reports false (the leg closed) when the
// answer is unusable.
func (c *call) answered(p *party) bool {
	ans, err := media.Parse(p.leg.Answer, media.Codec{Name: c.codec.Name})
	if err != nil {
		c.log.Warn("leg answer without our codec", "extension", p.acct.Extension, "err", err)
		c.legFailed(context.Background(), p, err)
		return false
	}
	p.ep.SetPeer(ans)
	c.watchLeg(p)
	ctx, cancel := recordCtx()
	defer cancel()
	if err := c.h.store.LegAnswered(ctx, p.legID, c.h.cfg.Now()); err != nil {
		c.log.Error("record leg answer", "err", err)
	}
	c.bridge.Attach(p.ep)
	c.log.Info("leg answered", "party", p.kind, "extension", p.acct.Extension)
	return true
}

// legFailed closes a leg that was not answered (or whose answer was
// unusable) and returns its result; ctx is the one the leg rang under.
func (c *call) legFailed(ctx context.Context, p *party, err error) string {
	result, by := calls.LegFailed, "system"
	var de *sipua.DialError
	switch {
	case c.ctx.Err() != nil:
		result, by = calls.LegCancelled, "caller"
	case errors.Is(err, context.Canceled):
		result = calls.LegCancelled
		if errors.Is(context.Cause(ctx), errCancelledByConsole) {
			by = "console"
		}
	case errors.Is(err, context.DeadlineExceeded):
		result = calls.LegNoAnswer
	case errors.As(err, &de) && de.Busy():
		result, by = calls.LegBusy, "party"
	case errors.As(err, &de) && (de.Code == 480 || de.Code == 408):
		result, by = calls.LegNoAnswer, "party"
	case errors.As(err, &de):
		result, by = calls.LegRejected, "party"
	}
	if errors.Is(err, sipua.ErrNoResponse) {
		c.h.phoneGone(c.log, p.acct)
	}
	if p.leg != nil {
		hctx, hcancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = p.leg.Hangup(hctx)
		hcancel()
	}
	p.ep.Close()
	rctx, cancel := recordCtx()
	defer cancel()
	if err := c.h.store.EndLeg(rctx, p.legID, c.h.cfg.Now(), result, by); err != nil {
		c.log.Error("record leg", "err", err)
	}
	c.log.Info("leg not answered", "party", p.kind, "extension", p.acct.Extension, "result", result, "err", err)
	return result
}

// watchLeg answers the party's re-INVITEs, takes their REFERs as transfer
// requests and their INFO digits as nothing.
func (c *call) watchLeg(p *party) {
	var version atomic.Uint64
	p.leg.OnReinvite(func(offer []byte) ([]byte, error) {
		d := p.ep.Peer()
		if len(offer) > 0 {
			var err error
			if d, err = media.Parse(offer, media.Codec{Name: c.codec.Name}); err != nil {
				return nil, err
			}
			p.ep.SetPeer(d)
		}
		return media.Marshal(p.ep.Local(), media.Description{Codec: d.Codec, EventPT: d.EventPT, Direction: media.Answer(d.Direction)},
			c.session+uint64(p.legID), version.Add(1)+1), nil
	})
	p.leg.OnRefer(func(target sip.Uri) error { return c.referred(p, target) })
}

// endParty hangs up a party (unless they hung up) and closes their leg.
func (c *call) endParty(p *party, by string) {
	if p.ended {
		return
	}
	p.ended = true
	if c.bridge.Connected() == p.ep {
		c.bridge.Connect(nil)
	}
	if c.current() == p {
		c.setTalking(nil)
	}
	if by != "party" {
		hctx, hcancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := p.leg.Hangup(hctx); err != nil {
			c.log.Debug("hang up party", "err", err)
		}
		hcancel()
	}
	ctx, cancel := recordCtx()
	defer cancel()
	p.ep.Close()
	if err := c.h.store.EndLeg(ctx, p.legID, c.h.cfg.Now(), calls.LegAnswered, by); err != nil {
		c.log.Error("record end of leg", "err", err)
	}
	if p.kind == calls.KindOperator {
		c.h.acd.Release(ctx, p.acct.ID, true)
	}
}

package hotline

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/sipua"
)

// call is one call to the hotline, from the INVITE to the last record.
type call struct {
	h       *Hotline
	in      *sipua.Inbound
	id      int64
	log     *slog.Logger
	ctx     context.Context // ends when the caller hangs up or the server stops for good
	cancel  context.CancelFunc
	ep      *media.Endpoint
	bridge  *media.Bridge
	rec     *recording // nil when the recording could not start
	started time.Time  // when the call was answered: names its recordings
	recNote string     // why the call is not recorded, for the record
	codec   media.Codec
	session uint64
	version atomic.Uint64

	outcome   string
	reason    string
	queryCode string
	deptID    int64  // department of the last transfer
	deptCode  string // its code

	commands chan command // from the consoles and phones, served while conversing
	mu       sync.Mutex
	talking  *party // the staff member in charge of the caller, while conversing
}

// party is an operator or liaison connected (or being connected) to the caller.
type party struct {
	kind   string // calls.KindOperator or calls.KindLiaison
	acct   calls.SIPAccount
	leg    *sipua.Outbound
	ep     *media.Endpoint
	legID  int64
	deptID int64
	ended  bool
}

// handle runs one call (the sipua.Handler of the hotline).
func (h *Hotline) handle(hard context.Context, in *sipua.Inbound) {
	c := &call{h: h, in: in, commands: make(chan command), session: rand.Uint64() >> 2}
	c.ctx, c.cancel = context.WithCancel(hard)
	stop := context.AfterFunc(in.Context(), c.cancel)
	defer stop()
	defer c.cancel()
	if !c.setup() {
		return
	}
	defer c.teardown()
	c.run()
}

// setup records the call, negotiates media, starts the recording and
// answers. It reports false when the call was refused. An INVITE whose
// offer cannot be read gets 488 before anything is recorded: it is no
// call offered to the hotline (no row in calls, so no indicator counts it).
func (c *call) setup() bool {
	h, in := c.h, c.in
	now := h.cfg.Now()
	offer, ok := h.offerOf(in)
	if !ok {
		return false
	}
	sctx, scancel := recordCtx() // not the caller's: a cancelled insert may still commit
	defer scancel()
	node, epoch := h.owner()
	id, err := h.store.StartCall(sctx, calls.NewCall{SIPCallID: in.CallID, Caller: in.Caller, Callee: in.Callee,
		Transport: in.Transport, Source: in.Source, At: now, FromTag: in.FromTag, OwnerNode: node, OwnerEpoch: epoch})
	if errors.Is(err, calls.ErrDuplicate) {
		// The same INVITE reached another node (or came again on a new
		// branch): the call has its owner.
		h.log.Warn("duplicate invite", "call_id", in.CallID, "from_tag", in.FromTag)
		_ = in.Reject(482, "Loop Detected")
		return false
	}
	if err != nil {
		// Most likely the database is unreachable: the caller may try again.
		h.log.Error("record call", "call_id", in.CallID, "err", err)
		_ = in.Reject(503, "Service Unavailable", sip.NewHeader("Retry-After", "30"))
		return false
	}
	c.id, c.log = id, h.log.With("call", id, "call_id", in.CallID)
	if c.ep, err = media.NewEndpoint(h.ports); err != nil {
		// No RTP port free on this node: another node (or this one a
		// moment later) can take the call.
		c.refuse(503, "Service Unavailable", err.Error(), sip.NewHeader("Retry-After", "5"))
		return false
	}
	url := c.startMedia(offer, now)
	answer := media.Marshal(c.ep.Local(), media.Description{Codec: offer.Codec, EventPT: offer.EventPT,
		Direction: media.Answer(offer.Direction)}, c.session, c.version.Add(1))
	if err := in.Answer(answer); err != nil {
		c.log.Warn("answer", "err", err)
		c.outcome, c.reason = calls.OutcomeFailed, "no ACK to our answer"
		c.teardown()
		return false
	}
	rctx, cancel := recordCtx()
	defer cancel()
	if err := h.store.Answered(rctx, id, h.cfg.Now(), offer.Codec.Name, url); err != nil {
		c.log.Error("record answer", "err", err)
	}
	h.mu.Lock()
	h.active[id] = c
	h.mu.Unlock()
	return true
}

// offerOf reads the caller's offer, or answers 488 and reports false.
func (h *Hotline) offerOf(in *sipua.Inbound) (media.Description, bool) {
	offer, err := media.Parse(in.Offer)
	if err != nil {
		h.log.Warn("invite refused: malformed offer", "call_id", in.CallID, "source", in.Source, "err", err)
		_ = in.Reject(488, "Not Acceptable Here")
		return offer, false
	}
	return offer, true
}

// startMedia starts the recording and the bridge on the caller's endpoint
// and hooks the caller's re-INVITEs and INFO digits; it returns the
// recording's URL, "" when the recording could not start (the call goes
// on without it).
func (c *call) startMedia(offer media.Description, now time.Time) string {
	c.ep.SetPeer(offer)
	c.codec = offer.Codec
	c.started = now
	c.rec, c.recNote = c.h.startRecording(c.log, c.h.recordingName(now, c.id, ""), 2, now)
	c.bridge = media.NewBridge(c.ep, c.rec.recorder())
	c.in.OnReinvite(c.reinvite)
	c.in.OnDigit(func(k byte) { c.bridge.PushDigit(media.Digit{Key: k, Via: media.ViaINFO}) })
	c.bridge.Start()
	return c.rec.url()
}

// refuse rejects the INVITE and closes the record.
func (c *call) refuse(code int, reason, why string, hdrs ...sip.Header) {
	c.log.Warn("call refused", "status", code, "reason", why)
	_ = c.in.Reject(code, reason, hdrs...)
	ctx, cancel := recordCtx()
	defer cancel()
	if err := c.h.store.EndCall(ctx, c.id, c.h.cfg.Now(), calls.OutcomeRejected, why, calls.Recording{}); err != nil {
		c.log.Error("record refusal", "err", err)
	}
}

// reinvite answers a re-INVITE or UPDATE of the caller (hold, resume, new
// address); the codec may not change.
func (c *call) reinvite(offer []byte) ([]byte, error) {
	d := c.ep.Peer()
	if len(offer) > 0 {
		var err error
		if d, err = media.Parse(offer, media.Codec{Name: c.codec.Name}); err != nil {
			return nil, err
		}
		c.ep.SetPeer(d)
	}
	return media.Marshal(c.ep.Local(), media.Description{Codec: d.Codec, EventPT: d.EventPT, Direction: media.Answer(d.Direction)},
		c.session, c.version.Add(1)), nil
}

// recordTimeout bounds a write of the call records: long, since a record
// lost is worse than a late one.
const recordTimeout = 30 * time.Second

// recordCtx is the context of a record write, independent of the caller.
func recordCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), recordTimeout)
}

// run is the call flow.
func (c *call) run() {
	if c.play(c.h.prompts()["greeting"]) != nil {
		return
	}
	if !c.h.hours.InHours(c.h.cfg.Now()) {
		c.message(kindVoicemail, 0, c.h.prompts()["closed"])
		return
	}
	c.serve()
}

// play plays prompts to the caller; it returns an error when the caller
// hung up meanwhile.
func (c *call) play(ps ...*media.Prompt) error {
	for _, p := range ps {
		if err := c.bridge.Play(c.ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// teardown hangs up whatever is left, closes the recording and the record.
func (c *call) teardown() {
	c.h.mu.Lock()
	delete(c.h.active, c.id)
	c.h.mu.Unlock()
	if p := c.current(); p != nil {
		c.endParty(p, "system")
	}
	callerGone := c.in.Ended() // before our BYE, which ends the dialog too
	hctx, hcancel := context.WithTimeout(context.Background(), 10*time.Second)
	if err := c.in.Hangup(hctx); err != nil {
		c.log.Debug("hang up caller", "err", err)
	}
	hcancel()
	ctx, cancel := recordCtx()
	defer cancel()
	c.bridge.SetMix(nil)
	c.ep.Close()
	c.bridge.Wait()
	// The call ends now, before the recording is synced to disk (which may
	// take a while on a busy disk): the record's end and the recording's
	// length are the same instant.
	ended := c.h.cfg.Now()
	rec, note := c.h.closeRecording(c.log, c.rec)
	outcome := c.outcome
	if outcome == "" {
		outcome = calls.OutcomeAbandoned
	}
	if c.reason == "" && callerGone {
		c.reason = "caller hung up"
	}
	reason := withNote(withNote(c.reason, c.recNote), note)
	if err := c.h.store.EndCall(ctx, c.id, ended, outcome, reason, rec); err != nil && !errors.Is(err, calls.ErrNotFound) {
		c.log.Error("record end of call", "err", err)
	}
	c.emit(CallEvent{Kind: EventEnded, Outcome: outcome, Detail: outcomeText(outcome)})
	st := c.bridge.Stats()
	c.h.relay.relayIn.Add(st.RelayIn)
	c.h.relay.toPeer.Add(st.ToPeer)
	c.h.relay.peerIn.Add(st.PeerIn)
	c.h.relay.toCaller.Add(st.ToCaller)
	c.log.Info("call ended", "outcome", outcome, "duration", rec.Duration, "caller_packets", st.CallerIn,
		"relay_in", st.RelayIn, "relayed_to_party", st.ToPeer, "party_packets", st.PeerIn, "relayed_to_caller", st.ToCaller)
}

func (c *call) current() *party {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.talking
}

func (c *call) setTalking(p *party) {
	c.mu.Lock()
	c.talking = p
	c.mu.Unlock()
}

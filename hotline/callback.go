package hotline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/sipua"
)

// Call-backs (回拨) and follow-up calls (回访): the only calls govhall
// places itself. A staff member asks from the console; govhall rings their
// own phone first and, when they answer, calls the citizen's number through
// the carrier's trunk, then bridges and records the two like any call (a
// call record with direction outbound, the citizen on the left channel).
// When the staff member hangs up first the citizen is asked for the 1–5
// rating, stored on the call-back (回访满意度), the call and, for a 回访,
// the query. No INVITE from outside ever leads to a trunk call (sipua
// answers only the hotline number); the number always comes from a call
// record or a query (calls.Store.StartCallBack), within the limits of the
// supervisor's settings, and each call-back is audited.

// Trunk is the carrier's SIP gateway of the calls govhall places.
type Trunk struct {
	URI         string        // sip:HOST[:PORT][;transport=tcp]: the citizen's number becomes its user part
	Username    string        // digest credentials, when the gateway challenges (401/407)
	Password    string        //
	CallerID    string        // the number the citizen sees (From user); default "96128"
	RingStaff   time.Duration // the staff member's phone rings this long; default 30s
	RingCitizen time.Duration // the citizen's phone rings this long; default 45s
}

// Enabled reports whether a trunk is configured.
func (t Trunk) Enabled() bool { return t.URI != "" }

// ParseTrunk checks a trunk's URI (a sip: URI with a host and no user
// part) and fills in the defaults.
func ParseTrunk(t Trunk) (Trunk, error) {
	if t.URI == "" {
		return t, nil
	}
	target, err := sipua.ParseTarget(t.URI)
	if err != nil {
		return t, fmt.Errorf("hotline: trunk: %w", err)
	}
	if target.URI.User != "" {
		return t, fmt.Errorf("hotline: trunk %q: give the gateway without a user part (the number called is put there)", t.URI)
	}
	if t.CallerID == "" {
		t.CallerID = "96128"
	}
	if t.RingStaff == 0 {
		t.RingStaff = 30 * time.Second
	}
	if t.RingCitizen == 0 {
		t.RingCitizen = 45 * time.Second
	}
	return t, nil
}

// Errors of PlaceCallBack (states that forbid it now: 409 at the API).
var (
	ErrNoTrunk    = fmt.Errorf("hotline: no trunk is configured for calls out: %w", ErrNotNow)
	ErrNoPhone    = fmt.Errorf("hotline: the staff member has no registered phone: %w", ErrNotNow)
	ErrStaffBusy  = fmt.Errorf("hotline: the staff member is on a call: %w", ErrNotNow)
	callBackTexts = map[error]string{
		ErrNoTrunk:   "没有配置外呼中继（GOVHALL_TRUNK），无法回拨",
		ErrNoPhone:   "您的话机没有注册，请先登录话机再回拨",
		ErrStaffBusy: "您正在通话中，请结束后再回拨",
	}
)

// CallBackMessage returns the words of an error of PlaceCallBack, and
// false for other errors.
func CallBackMessage(err error) (string, bool) {
	for e, msg := range callBackTexts {
		if errors.Is(err, e) {
			return msg, true
		}
	}
	return "", false
}

// CallBackRequest asks for a call-back: Kind calls.CallBackKind with the
// abandoned call CallID, or calls.FollowUpKind with the answered query
// QueryCode.
type CallBackRequest struct {
	Kind      string
	CallID    int64
	QueryCode string
	By        calls.Actor
}

// Stages of a call-back, told in EventCallBack's Detail.
const (
	StageRingingStaff   = "ringing_staff"   // the staff member's phone rings
	StageRingingCitizen = "ringing_citizen" // the citizen's number is called through the trunk
	StageTalking        = "talking"
	StageSurvey         = "survey" // the staff member hung up: the citizen is asked for the rating
	StageEnded          = "ended"  // Outcome: the calls.CallBack* result
)

// outcall is a call govhall places, from the request to the last record.
type outcall struct {
	h       *Hotline
	cb      calls.CallBack
	id      int64 // the outbound call's record
	acct    calls.SIPAccount
	target  sipua.Target
	claimed bool // the ACD holds the operator busy for it
	log     *slog.Logger
	ctx     context.Context
	cancel  context.CancelFunc
	session uint64
	started time.Time

	mu         sync.Mutex
	stage      string
	answeredAt time.Time
}

// PlaceCallBack places a call-back for the staff member r.By: it rings
// their phone, then the citizen's number of the call record or query. It
// returns the recorded call-back at once; what comes of it is told as
// EventCallBack and stored. It fails with ErrNoTrunk, ErrNoPhone,
// ErrStaffBusy, and the errors of calls.Store.StartCallBack (ErrNotFound,
// a *calls.FieldError, ErrConflict, ErrLimited).
func (h *Hotline) PlaceCallBack(ctx context.Context, r CallBackRequest) (calls.CallBack, error) {
	if !h.cfg.Trunk.Enabled() {
		return calls.CallBack{}, ErrNoTrunk
	}
	acct, err := h.store.SIPAccountOf(ctx, r.By.AccountID)
	if errors.Is(err, calls.ErrNotFound) || (err == nil && acct.Disabled) {
		return calls.CallBack{}, ErrNoPhone
	}
	if err != nil {
		return calls.CallBack{}, err
	}
	ts := h.targets(acct)
	if len(ts) == 0 {
		return calls.CallBack{}, ErrNoPhone
	}
	if h.busyAccounts()[r.By.AccountID] || h.placing(r.By.AccountID) {
		return calls.CallBack{}, ErrStaffBusy
	}
	claimed := false
	if acct.Kind == calls.KindOperator {
		for _, a := range h.acd.Agents() {
			if a.Account.AccountID == r.By.AccountID && a.State == calls.StateBusy {
				return calls.CallBack{}, ErrStaffBusy
			}
		}
		_, claimed = h.acd.Claim(ctx, r.By.AccountID)
	}
	node, epoch := h.owner()
	cb, err := h.store.StartCallBack(ctx, calls.NewCallBack{Kind: r.Kind, CallID: r.CallID, QueryCode: r.QueryCode, By: r.By,
		Extension: acct.Extension, At: h.cfg.Now(), OwnerNode: node, OwnerEpoch: epoch})
	if err != nil {
		if claimed {
			h.acd.Release(context.Background(), acct.ID, false)
		}
		return calls.CallBack{}, err
	}
	o := &outcall{h: h, cb: cb, id: *cb.OutboundCallID, acct: acct, target: ts[0], claimed: claimed,
		session: rand.Uint64() >> 2, started: cb.RequestedAt, stage: StageRingingStaff}
	o.log = h.log.With("callback", cb.ID, "call", o.id)
	o.ctx, o.cancel = context.WithCancel(context.Background())
	h.outcalls.Store(o.id, o)
	go func() {
		select {
		case <-h.stopped:
			o.cancel()
		case <-o.ctx.Done():
		}
	}()
	go o.run()
	return cb, nil
}

// placing reports whether accountID has a call-back in progress.
func (h *Hotline) placing(accountID int64) bool {
	busy := false
	h.outcalls.Range(func(_, v any) bool {
		if v.(*outcall).cb.RequestedByID == accountID {
			busy = true
		}
		return !busy
	})
	return busy
}

// CallBackStatus is a call-back in progress as the wallboard shows it.
type CallBackStatus struct {
	CallID     int64
	Kind       string
	Number     string
	Stage      string
	Started    time.Time
	AnsweredAt time.Time // the citizen answered; zero before
	Staff      calls.SIPAccount
}

// CallBacksInProgress returns the call-backs being placed now.
func (h *Hotline) CallBacksInProgress() []CallBackStatus {
	var out []CallBackStatus
	h.outcalls.Range(func(_, v any) bool {
		o := v.(*outcall)
		o.mu.Lock()
		out = append(out, CallBackStatus{CallID: o.id, Kind: o.cb.Kind, Number: o.cb.Number, Stage: o.stage, Started: o.started,
			AnsweredAt: o.answeredAt, Staff: o.acct})
		o.mu.Unlock()
		return true
	})
	return out
}

func (o *outcall) setStage(stage string) {
	o.mu.Lock()
	o.stage = stage
	if stage == StageTalking {
		o.answeredAt = o.h.cfg.Now()
	}
	o.mu.Unlock()
	o.emit(stage, "")
}

func (o *outcall) emit(stage, result string) {
	n := o.h.cfg.Events
	if n == nil {
		return
	}
	n.CallEvent(CallEvent{Kind: EventCallBack, CallID: o.id, SIPCallID: fmt.Sprintf("callback-%d", o.cb.ID), Caller: o.cb.Number,
		AccountID: o.cb.RequestedByID, Extension: o.acct.Extension, Detail: stage, Outcome: result, CallBackID: o.cb.ID,
		At: o.h.cfg.Now()})
}

// run places the legs and serves the call until it ends.
func (o *outcall) run() {
	h := o.h
	defer o.cancel()
	defer h.outcalls.Delete(o.id)
	o.emit(StageRingingStaff, "")
	result, outcome, reason := calls.CallBackFailed, calls.OutcomeFailed, ""
	var rec calls.Recording
	defer func() {
		ctx, cancel := recordCtx()
		defer cancel()
		if err := h.store.EndCall(ctx, o.id, h.cfg.Now(), outcome, reason, rec); err != nil && !errors.Is(err, calls.ErrNotFound) {
			o.log.Error("record end of call-back", "err", err)
		}
		if err := h.store.FinishCallBack(ctx, o.cb.ID, result, h.cfg.Now()); err != nil && !errors.Is(err, calls.ErrNotFound) {
			o.log.Error("record call-back result", "err", err)
		}
		if o.claimed {
			h.acd.Release(ctx, o.acct.ID, result == calls.CallBackReached)
		}
		o.mu.Lock()
		o.stage = StageEnded
		o.mu.Unlock()
		o.emit(StageEnded, result)
		o.log.Info("call-back ended", "result", result, "reason", reason)
	}()

	staff, sep, legID, legResult := o.dialStaff()
	if staff == nil {
		result, outcome, reason = calls.CallBackStaffNoAnswer, calls.OutcomeNoAnswer, "the staff member's phone: "+legResult
		if legResult == calls.LegFailed {
			result, outcome = calls.CallBackFailed, calls.OutcomeFailed
		}
		return
	}
	o.setStage(StageRingingCitizen)
	citizen, cep, dialErr := o.dialCitizen(staff, sep)
	if citizen == nil {
		result, outcome, reason = citizenResult(dialErr, staff)
		o.hangup(staff)
		sep.Close()
		o.endLeg(legID, calls.LegAnswered, "system")
		return
	}
	result, outcome = calls.CallBackReached, calls.OutcomeAnswered
	rec, reason = o.converse(staff, sep, legID, citizen, cep)
}

// dialStaff rings the staff member's phone; it returns the answered leg
// with its endpoint and leg id, or nil and the leg's result.
func (o *outcall) dialStaff() (*sipua.Outbound, *media.Endpoint, int64, string) {
	h := o.h
	ep, err := media.NewEndpoint(h.ports)
	if err != nil {
		o.log.Warn("rtp for the staff leg", "err", err)
		return nil, nil, 0, calls.LegFailed
	}
	sctx, scancel := recordCtx()
	legID, err := h.store.StartLeg(sctx, calls.NewLeg{CallID: o.id, Party: o.acct.Kind, SIPAccountID: o.acct.ID, AccountID: o.acct.AccountID,
		DepartmentID: o.acct.DepartmentID, Extension: o.acct.Extension, At: h.cfg.Now()})
	scancel()
	if err != nil {
		o.log.Error("record staff leg", "err", err)
		ep.Close()
		return nil, nil, 0, calls.LegFailed
	}
	name := "回拨"
	if o.cb.Kind == calls.FollowUpKind {
		name = "回访"
	}
	offer := media.Marshal(ep.Local(), media.Description{Codec: media.PCMA, EventPT: 101, Direction: media.SendRecv}, o.session+1, 1)
	rctx, cancel := context.WithTimeout(o.ctx, h.cfg.Trunk.RingStaff)
	defer cancel()
	leg, err := h.sip.Dial(rctx, sipua.DialRequest{Target: o.target, FromUser: o.cb.Number, FromName: name, SDP: offer})
	if err == nil {
		var ans media.Description
		if ans, err = media.Parse(leg.Answer, media.PCMA); err == nil {
			ep.SetPeer(ans)
			ctx, c := recordCtx()
			if err := h.store.LegAnswered(ctx, legID, h.cfg.Now()); err != nil {
				o.log.Error("record staff answer", "err", err)
			}
			c()
			return leg, ep, legID, calls.LegAnswered
		}
		o.hangup(leg)
	}
	ep.Close()
	result, by := legResult(err), "system"
	if result == calls.LegBusy || result == calls.LegRejected {
		by = "party"
	}
	o.endLeg(legID, result, by)
	o.log.Info("staff phone did not answer the call-back", "extension", o.acct.Extension, "result", result, "err", err)
	return nil, nil, 0, result
}

// legResult is the calls.Leg* result of a dial that failed.
func legResult(err error) string {
	var de *sipua.DialError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return calls.LegNoAnswer
	case errors.Is(err, context.Canceled):
		return calls.LegCancelled
	case errors.As(err, &de) && de.Busy():
		return calls.LegBusy
	case errors.As(err, &de) && (de.Code == 480 || de.Code == 408 || de.Code == 487):
		return calls.LegNoAnswer
	case errors.As(err, &de):
		return calls.LegRejected
	}
	return calls.LegFailed
}

// citizenResult is what a citizen leg that was not answered makes of the
// call-back and its call record.
func citizenResult(err error, staff *sipua.Outbound) (result, outcome, reason string) {
	reason = "the citizen's number: "
	if err != nil {
		reason += err.Error()
	}
	if staff.Context().Err() != nil {
		return calls.CallBackNoAnswer, calls.OutcomeNoAnswer, "the staff member hung up while the citizen's phone rang"
	}
	switch legResult(err) {
	case calls.LegBusy:
		return calls.CallBackBusy, calls.OutcomeBusy, reason
	case calls.LegNoAnswer, calls.LegRejected:
		return calls.CallBackNoAnswer, calls.OutcomeNoAnswer, reason
	}
	return calls.CallBackFailed, calls.OutcomeFailed, reason
}

// dialCitizen calls the citizen's number through the trunk while the staff
// member hears ringback; it gives up when the staff member hangs up.
func (o *outcall) dialCitizen(staff *sipua.Outbound, sep *media.Endpoint) (*sipua.Outbound, *media.Endpoint, error) {
	h, t := o.h, o.h.cfg.Trunk
	target, err := sipua.ParseTarget(t.URI)
	if err != nil {
		return nil, nil, err
	}
	target.URI.User = o.cb.Number
	cep, err := media.NewEndpoint(h.ports)
	if err != nil {
		return nil, nil, err
	}
	rctx, cancel := context.WithTimeout(o.ctx, t.RingCitizen)
	defer cancel()
	stop := context.AfterFunc(staff.Context(), cancel)
	defer stop()
	rb, stopRB := context.WithCancel(rctx)
	var ringing sync.WaitGroup
	ringing.Add(1)
	go func() {
		defer ringing.Done()
		for rb.Err() == nil {
			if media.Play(rb, sep, 1, h.prompts()["ringback"], nil) != nil {
				return
			}
		}
	}()
	defer func() { stopRB(); ringing.Wait() }()
	offer := media.Marshal(cep.Local(), media.Description{Codec: media.PCMA, EventPT: 101, Direction: media.SendRecv}, o.session+2, 1)
	leg, err := h.sip.Dial(rctx, sipua.DialRequest{Target: target, FromUser: t.CallerID, FromName: "96128", SDP: offer,
		AuthUser: t.Username, AuthPassword: t.Password})
	if err == nil {
		var ans media.Description
		if ans, err = media.Parse(leg.Answer, media.PCMA); err == nil {
			cep.SetPeer(ans)
			return leg, cep, nil
		}
		o.hangup(leg)
	}
	cep.Close()
	o.log.Info("citizen not reached", "err", err)
	return nil, nil, err
}

// converse bridges and records staff member and citizen until one hangs
// up; when the staff member hangs up first the citizen rates the call.
func (o *outcall) converse(staff *sipua.Outbound, sep *media.Endpoint, legID int64, citizen *sipua.Outbound, cep *media.Endpoint) (calls.Recording, string) {
	h := o.h
	now := h.cfg.Now()
	ctx, cancel := recordCtx()
	if err := h.store.SetCallSIPID(ctx, o.id, citizen.CallID); err != nil {
		o.log.Error("record call id", "err", err)
	}
	cancel()
	rec, recNote := h.startRecording(o.log, h.recordingName(now, o.id, ""), 2, now)
	ctx, cancel = recordCtx()
	if err := h.store.Answered(ctx, o.id, now, media.PCMA.Name, rec.url()); err != nil {
		o.log.Error("record answer", "err", err)
	}
	cancel()
	b := media.NewBridge(cep, rec.recorder())
	citizen.OnDigit(func(k byte) { b.PushDigit(media.Digit{Key: k, Via: media.ViaINFO}) })
	var version atomic.Uint64
	reinvite := func(ep *media.Endpoint, sess uint64) func([]byte) ([]byte, error) {
		return func(offer []byte) ([]byte, error) {
			d := ep.Peer()
			if len(offer) > 0 {
				var err error
				if d, err = media.Parse(offer, media.PCMA); err != nil {
					return nil, err
				}
				ep.SetPeer(d)
			}
			return media.Marshal(ep.Local(), media.Description{Codec: d.Codec, EventPT: d.EventPT, Direction: media.Answer(d.Direction)},
				sess, version.Add(1)+1), nil
		}
	}
	citizen.OnReinvite(reinvite(cep, o.session+2))
	staff.OnReinvite(reinvite(sep, o.session+1))
	b.Start()
	b.Attach(sep)
	b.Connect(sep)
	ctx, cancel = recordCtx()
	if err := h.store.FinishCallBack(ctx, o.cb.ID, calls.CallBackReached, h.cfg.Now()); err != nil {
		o.log.Error("record call-back reached", "err", err)
	}
	cancel()
	o.setStage(StageTalking)
	reason := ""
	select {
	case <-citizen.Context().Done():
		reason = "the citizen hung up"
		b.Connect(nil)
		o.hangup(staff)
		o.endLeg(legID, calls.LegAnswered, "caller")
	case <-staff.Context().Done():
		reason = "the staff member hung up"
		b.Connect(nil)
		o.endLeg(legID, calls.LegAnswered, "party")
		o.setStage(StageSurvey)
		o.survey(b, citizen)
	case <-o.ctx.Done():
		reason = "govhall stopped"
		b.Connect(nil)
		o.hangup(staff)
		o.endLeg(legID, calls.LegAnswered, "system")
	}
	o.hangup(citizen)
	sep.Close()
	cep.Close()
	b.Wait()
	out, note := o.h.closeRecording(o.log, rec)
	return out, withNote(withNote(reason, recNote), note)
}

// survey asks the citizen for the 1–5 rating (twice at most) and stores
// it on the call-back, the call and, for a 回访, the query.
func (o *outcall) survey(b *media.Bridge, citizen *sipua.Outbound) {
	h, ps := o.h, o.h.prompts()
	ctx, cancel := context.WithCancel(o.ctx)
	defer cancel()
	stop := context.AfterFunc(citizen.Context(), cancel)
	defer stop()
	b.DrainDigits()
	for range 2 {
		d, ok := askDigit(ctx, b, ps["survey"], h.cfg.SurveyWait)
		if !ok {
			return
		}
		if d.Key < '1' || d.Key > '5' {
			continue
		}
		score := int(d.Key - '0')
		rctx, rcancel := recordCtx()
		if err := h.store.RateCallBack(rctx, o.cb.ID, score, "dtmf"); err != nil {
			o.log.Error("record call-back rating", "err", err)
		}
		if err := h.store.SetSatisfaction(rctx, o.id, score, d.Via, h.cfg.Now()); err != nil {
			o.log.Error("record satisfaction", "err", err)
		}
		if r, ok := h.queries.(QueryRater); ok && o.cb.QueryCode != "" {
			if err := r.RateFromCall(rctx, o.cb.QueryCode, score); err != nil {
				o.log.Info("query not rated from the follow-up", "code", o.cb.QueryCode, "err", err)
			}
		}
		rcancel()
		o.log.Info("follow-up rating", "score", score, "via", d.Via)
		_ = b.Play(ctx, ps["survey-thanks"])
		return
	}
	_ = b.Play(ctx, ps["goodbye"])
}

// askDigit plays p to the caller of b (a key interrupts it) and waits up
// to wait after it for a key; ok is false when ctx ended.
func askDigit(ctx context.Context, b *media.Bridge, p *media.Prompt, wait time.Duration) (media.Digit, bool) {
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	go func() { defer close(done); _ = b.Play(pctx, p) }()
	defer func() { stop(); <-done }()
	var timeout <-chan time.Time
	playing := done
	for {
		select {
		case d := <-b.Digits():
			return d, true
		case <-playing:
			playing, timeout = nil, time.After(wait)
		case <-timeout:
			return media.Digit{}, true
		case <-ctx.Done():
			return media.Digit{}, false
		}
	}
}

func (o *outcall) hangup(leg *sipua.Outbound) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := leg.Hangup(ctx); err != nil {
		o.log.Debug("hang up", "err", err)
	}
}

func (o *outcall) endLeg(legID int64, result, by string) {
	ctx, cancel := recordCtx()
	defer cancel()
	if err := o.h.store.EndLeg(ctx, legID, o.h.cfg.Now(), result, by); err != nil && !errors.Is(err, calls.ErrNotFound) {
		o.log.Error("record end of leg", "err", err)
	}
}

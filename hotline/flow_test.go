package hotline

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/peers"
)

// Out of hours (National Day, a holiday by the calendar) the caller leaves
// a voicemail, gets a 查询码 and hears it read out.
func TestVoicemailOutOfHours(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nationalDay, nil)
	r := startSipp(t, "voicemail.xml", e.addr)
	r.Wait(t, 60*time.Second)
	c := e.lastCall(10 * time.Second)
	if c.Outcome != calls.OutcomeVoicemail || c.QueryCode != "960001" || c.Voicemail == nil {
		t.Fatalf("call %+v voicemail %+v", c, c.Voicemail)
	}
	if c.Voicemail.DurationS < 5 {
		t.Errorf("voicemail of %.1f s; the caller spoke ~7 s", c.Voicemail.DurationS)
	}
	if len(e.queries.got) != 1 || e.queries.got[0].Channel != "voicemail" || e.queries.got[0].Caller != "13800138000" {
		t.Errorf("query input %+v", e.queries.got)
	}
	w := e.recording(c)
	if l := loud(w.Channel(0)); l < 5 {
		t.Errorf("caller channel has %d loud seconds, want ≥ 5", l)
	}
	if r := loud(w.Channel(1)); r < 1 {
		t.Errorf("the prompts are missing from the right channel")
	}
	if len(c.Legs) != 0 {
		t.Errorf("legs %+v on a voicemail call", c.Legs)
	}
}

// waitRegistered waits until extension ext has a binding.
func (e *env) waitRegistered(ext string) {
	e.t.Helper()
	e.waitFor("registration of "+ext, 15*time.Second, func() bool { return e.h.SIP().Registrar().Registered(ext) })
}

// waitLegAnswered waits until the newest call has n answered legs; on
// failure it shows the call's legs and transfers, which say why. The leg's
// answer is recorded a moment before the party is connected: a test that
// then commands the call waits for that too (waitTalking).
func (e *env) waitLegAnswered(n int, within time.Duration) calls.Call {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		cs, err := e.store.List(context.Background(), 1)
		if err == nil && len(cs) == 1 {
			k := 0
			for _, l := range cs[0].Legs {
				if l.AnsweredAt != nil {
					k++
				}
			}
			if k >= n {
				return cs[0]
			}
		}
		if time.Now().After(deadline) {
			if len(cs) == 1 {
				e.t.Fatalf("%d answered legs: not within %v; outcome %q, legs %+v, transfers %+v", n, within, cs[0].Outcome, cs[0].Legs, cs[0].Transfers)
			}
			e.t.Fatalf("%d answered legs: not within %v; calls %+v (%v)", n, within, cs, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// In hours the caller queues, the registered operator (baresip) answers,
// they talk, the operator hangs up, and the caller rates 4 with RFC 4733.
func TestOperatorAnswersThenSurvey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, workingMorning, nil)
	op := startBaresip(t, "8001", "pw8001", e.addr)
	e.waitRegistered("8001")
	r := startSipp(t, "survey_rfc4733.xml", e.addr)
	e.waitLegAnswered(1, 20*time.Second)
	op.WaitEvent("CALL_ESTABLISHED", 5*time.Second)
	time.Sleep(4 * time.Second) // talk
	checkStatsInCall(t, e.h.Stats())
	op.Command("hangup", "")
	r.Wait(t, 60*time.Second)
	c := e.lastCall(10 * time.Second)
	e.waitFor("the call's handler to end", 5*time.Second, func() bool { return e.h.Stats().CallsInProgress == 0 })
	checkStatsAfterCall(t, e.h.Stats())
	if c.Outcome != calls.OutcomeAnswered || c.Satisfaction == nil || *c.Satisfaction != 4 {
		t.Fatalf("outcome %s satisfaction %v", c.Outcome, c.Satisfaction)
	}
	if c.EndReason == "caller hung up" { // govhall said goodbye and hung up
		t.Errorf("end reason %q after govhall's BYE", c.EndReason)
	}
	if len(c.Legs) != 1 || c.Legs[0].Party != "operator" || c.Legs[0].Username != "operator1" || c.Legs[0].EndedBy != "party" {
		t.Fatalf("legs %+v", c.Legs)
	}
	w := e.recording(c)
	if l := loud(w.Channel(0)); l < 5 {
		t.Errorf("caller channel: %d loud seconds", l)
	}
	if l := loud(w.Channel(1)); l < 3 {
		t.Errorf("operator/prompt channel: %d loud seconds, want the 440 Hz of baresip for ~4 s", l)
	}
	var via string
	e.db.Get(&via, `SELECT satisfaction_via FROM calls WHERE id = $1`, c.ID)
	if via != "rfc4733" {
		t.Errorf("satisfaction via %q", via)
	}
}

// The operator transfers the caller with a REFER from the phone; the
// department's liaison answers; the operator is released; after the
// liaison hangs up the caller rates 5 by SIP INFO.
func TestTransferByRefer(t *testing.T) {
	t.Parallel()
	evs := newEventLog()
	e := newEnv(t, workingMorning, func(c *Config) { c.Events = evs })
	op := startBaresip(t, "8001", "pw8001", e.addr)
	li := startBaresip(t, "8101", "pw8101", e.addr)
	e.waitRegistered("8001")
	e.waitRegistered("8101")
	r := startSipp(t, "survey_info.xml", e.addr)
	e.waitLegAnswered(1, 20*time.Second)
	op.WaitEvent("CALL_ESTABLISHED", 5*time.Second)
	time.Sleep(2 * time.Second)
	op.Command("transfer", "sip:mzj@"+e.addr)
	e.waitLegAnswered(2, 20*time.Second)
	li.WaitEvent("CALL_ESTABLISHED", 5*time.Second)
	time.Sleep(3 * time.Second)
	li.Command("hangup", "")
	r.Wait(t, 60*time.Second)
	c := e.lastCall(10 * time.Second)
	if c.Outcome != calls.OutcomeTransferred || c.Department != "mzj" || c.Satisfaction == nil || *c.Satisfaction != 5 {
		t.Fatalf("outcome %s department %q satisfaction %v", c.Outcome, c.Department, c.Satisfaction)
	}
	if len(c.Legs) != 2 || c.Legs[0].EndedBy != "transfer" || c.Legs[1].Party != "liaison" || c.Legs[1].Department != "mzj" ||
		c.Legs[1].EndedBy != "party" {
		t.Fatalf("legs %+v", c.Legs)
	}
	if len(c.Transfers) != 1 || c.Transfers[0].Method != "refer" || c.Transfers[0].Result != calls.TransferAnswered ||
		c.Transfers[0].RequestedBy != "operator1" {
		t.Fatalf("transfers %+v", c.Transfers)
	}
	var via string
	e.db.Get(&via, `SELECT satisfaction_via FROM calls WHERE id = $1`, c.ID)
	if via != "info" {
		t.Errorf("satisfaction via %q", via)
	}
	w := e.recording(c)
	if l := loud(w.Channel(1)); l < 4 {
		t.Errorf("right channel: %d loud seconds across operator and liaison", l)
	}
	e.waitFor("operator free again", 5*time.Second, func() bool {
		for _, a := range e.h.ACD().Agents() {
			if a.Account.Extension == "8001" {
				return a.State == calls.StateAvailable
			}
		}
		return false
	})
	evs.wait(t, EventEnded, 1, 5*time.Second)
	evs.checkKinds(t, "queue=1", "queue=0", EventOffered, EventAnswered, EventTransferRinging, EventAnswered,
		EventTransferAnswered, EventTransferCompleted, EventEnded)
	for _, ev := range evs.events() {
		if ev.Kind != EventQueue && (ev.CallID != c.ID || ev.Caller != "13800138000") {
			t.Errorf("event %+v is not of call %d from 13800138000", ev, c.ID)
		}
		if ev.Kind == EventTransferRinging && (ev.Extension != "8101" || ev.Department != "mzj" || ev.TransferID != c.Transfers[0].ID) {
			t.Errorf("transfer event %+v", ev)
		}
		if ev.Kind == EventEnded && ev.Outcome != calls.OutcomeTransferred {
			t.Errorf("ended %+v", ev)
		}
	}
}

// The console transfers the call (API) to a department whose desk phone
// rings without answering: the ring times out (CANCEL, 487), the transfer
// is recorded as unanswered and the caller is back with the operator, who
// stays connected until the caller hangs up.
func TestTransferAPINoAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, workingMorning, func(c *Config) { c.LiaisonRing = 2 * time.Second })
	desk := startSipp(t, "ring_no_answer.xml", "")
	_ = desk
	op := startBaresip(t, "8001", "pw8001", e.addr)
	e.waitRegistered("8001")
	deskPort := sippPort(t, desk)
	if _, err := e.store.SaveSIPAccount(context.Background(), calls.NewSIPAccount{Extension: "8103", Realm: "govhall", Password: "x",
		Kind: calls.KindLiaison, Department: "ybj", ContactURI: fmt.Sprintf("sip:8103@127.0.0.1:%d", deskPort)}); err != nil {
		t.Fatal(err)
	}
	e.db.MustExec(`UPDATE sip_accounts SET disabled = true WHERE extension = '8102'`)
	r := startSipp(t, "hangup.xml", e.addr, "-d", "14000")
	c := e.waitLegAnswered(1, 20*time.Second)
	op.WaitEvent("CALL_ESTABLISHED", 5*time.Second)
	e.waitTalking(c.ID)
	var id int64
	e.db.Get(&id, `SELECT id FROM accounts WHERE username = 'operator2'`)
	if err := e.h.Transfer(context.Background(), c.ID, "ybj", calls.Actor{AccountID: id}, false); !errors.Is(err, ErrNotNow) {
		t.Fatalf("transfer by another operator: %v", err)
	}
	e.db.Get(&id, `SELECT id FROM accounts WHERE username = 'operator1'`)
	if err := e.h.Transfer(context.Background(), c.ID, "nope", calls.Actor{AccountID: id}, false); !errors.Is(err, calls.ErrNotFound) {
		t.Fatalf("transfer to an unknown department: %v", err)
	}
	if err := e.h.Transfer(context.Background(), c.ID, "ybj", calls.Actor{AccountID: id}, false); err != nil {
		t.Fatal(err)
	}
	desk.Wait(t, 20*time.Second) // it saw the CANCEL
	r.Wait(t, 60*time.Second)
	c = e.lastCall(10 * time.Second)
	if c.Outcome != calls.OutcomeAnswered || len(c.Transfers) != 1 {
		t.Fatalf("outcome %s transfers %+v", c.Outcome, c.Transfers)
	}
	tr := c.Transfers[0]
	if tr.Method != "api" || tr.Result != calls.TransferNoAnswer || tr.Department != "ybj" || tr.FinishedAt == nil {
		t.Fatalf("transfer %+v", tr)
	}
	if len(c.Legs) != 2 || c.Legs[1].Result != calls.LegNoAnswer || c.Legs[0].EndedBy != "caller" {
		t.Fatalf("legs %+v", c.Legs)
	}
}

// waitTalking waits until call id is connected to a party in the
// hotline's own state: the leg's answer is recorded a moment before.
func (e *env) waitTalking(id int64) {
	e.t.Helper()
	e.waitFor("the call connected to its party", 5*time.Second, func() bool {
		e.h.mu.Lock()
		c := e.h.active[id]
		e.h.mu.Unlock()
		return c != nil && c.current() != nil
	})
}

// sippPort returns the SIP port a sipp process listens on (its -p).
func sippPort(t testing.TB, r *peers.Sipp) int {
	t.Helper()
	if p := r.Port(); p != 0 {
		return p
	}
	t.Fatal("sipp without -p")
	return 0
}

// A caller on hold (re-INVITE a=sendonly) gets a=recvonly back, then
// resumes; hangs up while queued with no operator: abandoned.
func TestReinviteHoldWhileQueued(t *testing.T) {
	t.Parallel()
	e := newEnv(t, workingMorning, nil)
	r := startSipp(t, "hold.xml", e.addr)
	r.Wait(t, 30*time.Second)
	c := e.lastCall(10 * time.Second)
	if c.Outcome != calls.OutcomeAbandoned || c.QueuedAt == nil || c.Recording == nil {
		t.Fatalf("call %+v", c)
	}
}

// The caller hangs up while the operator's phone rings: the INVITE to the
// phone is cancelled and the leg recorded as cancelled.
func TestCallerHangsUpWhileOperatorRings(t *testing.T) {
	t.Parallel()
	e := newEnv(t, workingMorning, func(c *Config) { c.RingTimeout = 20 * time.Second })
	desk := startSipp(t, "ring_no_answer.xml", "")
	e.db.MustExec(`UPDATE sip_accounts SET contact_uri = $1 WHERE extension = '8002'`, fmt.Sprintf("sip:8002@127.0.0.1:%d", sippPort(t, desk)))
	if err := e.h.ACD().Refresh(context.Background()); err != nil { // the desk phone is known at once
		t.Fatal(err)
	}
	r := startSipp(t, "hangup.xml", e.addr, "-d", "6000")
	r.Wait(t, 30*time.Second)
	desk.Wait(t, 20*time.Second)
	c := e.lastCall(10 * time.Second)
	if c.Outcome != calls.OutcomeAbandoned || len(c.Legs) != 1 || c.Legs[0].Result != calls.LegCancelled || c.Legs[0].Extension != "8002" {
		t.Fatalf("call %+v legs %+v", c, c.Legs)
	}
}

// In hours with nobody to answer, the longest wait ends in the voicemail
// box; the caller hangs up during the message, which is still kept.
func TestMaxWaitEndsInVoicemail(t *testing.T) {
	t.Parallel()
	evs := newEventLog()
	e := newEnv(t, workingMorning, func(c *Config) { c.MaxWait = 3 * time.Second; c.Events = evs })
	r := startSipp(t, "hangup.xml", e.addr, "-d", "9000")
	evs.wait(t, EventQueue, 1, 20*time.Second)
	e.waitFor("a second in the queue", 3*time.Second, func() bool { n, d := e.h.QueueStatus(); return n == 1 && d >= time.Second })
	r.Wait(t, 30*time.Second)
	evs.wait(t, EventEnded, 1, 5*time.Second)
	evs.checkKinds(t, "queue=1", "queue=0", EventEnded)
	if n, d := e.h.QueueStatus(); n != 0 || d != 0 {
		t.Errorf("queue status after the call: %d, %v", n, d)
	}
	c := e.lastCall(10 * time.Second)
	if c.Outcome != calls.OutcomeVoicemail || c.Voicemail == nil || c.Voicemail.DurationS < 1 || c.QueryCode == "" {
		t.Fatalf("call %+v voicemail %+v", c, c.Voicemail)
	}
	if c.QueuedAt == nil || c.DequeuedAt == nil {
		t.Errorf("queue times missing: %v %v", c.QueuedAt, c.DequeuedAt)
	}
}

// The same over TCP: the caller's INVITE, re-INVITEs and BYE on one
// connection, answered on it.
func TestCallOverTCP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nationalDay, nil)
	r := startSipp(t, "voicemail.xml", e.addr, "-t", "t1")
	r.Wait(t, 60*time.Second)
	c := e.lastCall(10 * time.Second)
	var transport string
	e.db.Get(&transport, `SELECT transport FROM calls WHERE id = $1`, c.ID)
	if c.Outcome != calls.OutcomeVoicemail || transport != "TCP" {
		t.Fatalf("outcome %s transport %q", c.Outcome, transport)
	}
}

// The caller hangs up while the liaison's phone rings during a transfer:
// the ringing is cancelled, the transfer ends as caller_hung_up and the
// operator is hung up and released.
func TestCallerHangsUpMidTransfer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, workingMorning, func(c *Config) { c.LiaisonRing = 30 * time.Second })
	desk := startSipp(t, "ring_no_answer.xml", "")
	e.db.MustExec(`UPDATE sip_accounts SET contact_uri = $1 WHERE extension = '8101'`, fmt.Sprintf("sip:8101@127.0.0.1:%d", sippPort(t, desk)))
	op := startBaresip(t, "8001", "pw8001", e.addr)
	e.waitRegistered("8001")
	r := startSipp(t, "hangup.xml", e.addr, "-d", "12000")
	c := e.waitLegAnswered(1, 20*time.Second)
	op.WaitEvent("CALL_ESTABLISHED", 5*time.Second)
	e.waitTalking(c.ID)
	var opID int64
	e.db.Get(&opID, `SELECT id FROM accounts WHERE username = 'operator1'`)
	if err := e.h.Transfer(context.Background(), c.ID, "mzj", calls.Actor{AccountID: opID}, false); err != nil {
		t.Fatal(err)
	}
	r.Wait(t, 60*time.Second)
	desk.Wait(t, 20*time.Second)
	op.WaitEvent("CALL_CLOSED", 10*time.Second)
	c = e.lastCall(10 * time.Second)
	if c.Outcome != calls.OutcomeAnswered || len(c.Transfers) != 1 || c.Transfers[0].Result != calls.TransferCallerHungUp {
		t.Fatalf("outcome %s transfers %+v", c.Outcome, c.Transfers)
	}
	if len(c.Legs) != 2 || c.Legs[0].EndedBy != "caller" || c.Legs[1].Result != calls.LegCancelled {
		t.Fatalf("legs %+v", c.Legs)
	}
}

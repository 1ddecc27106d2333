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

// Tones of the phones in the transfer tests.
const (
	operatorTone = 1000
	liaisonTone  = 660
)

// transferCall is a call from an echoing caller answered by operator
// 8001 (operatorTone), ready to be transferred.
type transferCall struct {
	e      *env
	evs    *eventLog
	op     *peers.Baresip
	caller *peers.Sipp
	id     int64
	op1    calls.Actor
}

// startTransferCall starts the hotline (tweaked), the operator's phone and
// the caller, and waits until the operator talks with the caller.
func startTransferCall(t *testing.T, tweak func(*Config), before func(e *env)) *transferCall {
	t.Helper()
	evs := newEventLog()
	e := newEnv(t, workingMorning, func(c *Config) {
		c.Events, c.SurveyWait = evs, 300*time.Millisecond
		if tweak != nil {
			tweak(c)
		}
	})
	tc := &transferCall{e: e, evs: evs, op1: e.accountID("operator1")}
	tc.op = startBaresipTone(t, "8001", "pw8001", e.addr, operatorTone)
	e.waitRegistered("8001")
	if before != nil {
		before(e)
	}
	tc.caller = startSipp(t, "echo_caller.xml", e.addr, "-rtp_echo")
	tc.id = evs.wait(t, EventAnswered, 1, 20*time.Second).CallID
	tc.op.WaitEvent("CALL_ESTABLISHED", 5*time.Second)
	return tc
}

// deskPhone starts a sipp desk phone running scenario and makes it
// liaison ext of dept (account username may be "").
func (e *env) deskPhone(scenario, ext, dept, username string) *peers.Sipp {
	e.t.Helper()
	desk := startSipp(e.t, scenario, "")
	_, err := e.store.SaveSIPAccount(context.Background(), calls.NewSIPAccount{Extension: ext, Realm: "govhall", Password: "x",
		Kind: calls.KindLiaison, Department: dept, Username: username, ContactURI: fmt.Sprintf("sip:%s@127.0.0.1:%d", ext, sippPort(e.t, desk))})
	if err != nil {
		e.t.Fatal(err)
	}
	return desk
}

// end waits for the call to end and returns its record.
func (tc *transferCall) end(t *testing.T) calls.Call {
	t.Helper()
	tc.caller.Wait(t, 40*time.Second)
	tc.evs.wait(t, EventEnded, 1, 10*time.Second)
	return tc.e.lastCall(10 * time.Second)
}

// The department rings all its liaisons at once: the first to answer (a
// phone) wins and the desk phone that still rang gets CANCEL; the liaison
// who is away is not rung. The operator consults the liaison while the
// caller hears music, then completes the transfer; the caller talks with
// the liaison.
func TestAttendedTransferRingAllComplete(t *testing.T) {
	t.Parallel()
	var desk *peers.Sipp
	var li *peers.Baresip
	tc := startTransferCall(t, nil, func(e *env) {
		must(t, e.store.SetRingStrategy(context.Background(), "mzj", calls.RingAll))
		li = startBaresipTone(t, "8101", "pw8101", e.addr, liaisonTone)
		e.waitRegistered("8101")
		desk = e.deskPhone("ring_no_answer.xml", "8103", "mzj", "")
		e.db.MustExec(`INSERT INTO accounts (username, password_hash, roles) VALUES ('liaison3', 'x', '{liaison}')`)
		e.deskPhone("ring_no_answer.xml", "8105", "mzj", "liaison3")
		must(t, e.store.SetLiaisonAvailability(context.Background(), e.accountID("liaison3").AccountID, false))
	})
	e, evs, ctx := tc.e, tc.evs, context.Background()
	time.Sleep(time.Second) // talk
	tid, err := e.h.AttendedTransfer(ctx, tc.id, "mzj", tc.op1, false)
	must(t, err)
	if _, err := e.h.AttendedTransfer(ctx, tc.id, "ybj", tc.op1, false); !errors.Is(err, ErrTransferring) {
		t.Errorf("a second transfer: %v", err)
	}
	evs.wait(t, EventTransferAnswered, 1, 15*time.Second)
	li.WaitEvent("CALL_ESTABLISHED", 5*time.Second)
	desk.Wait(t, 10*time.Second) // it saw the CANCEL
	time.Sleep(2 * time.Second)  // the operator consults the liaison
	must(t, e.h.CompleteTransfer(ctx, tc.id, tc.op1, false))
	tc.op.WaitEvent("CALL_CLOSED", 5*time.Second)
	if err := e.h.Hold(ctx, tc.id, tc.op1, false); !errors.Is(err, ErrNotYours) {
		t.Errorf("the operator holds a call given to the liaison: %v", err)
	}
	time.Sleep(1500 * time.Millisecond) // the caller talks with the liaison
	li.Command("hangup", "")
	c := tc.end(t)
	if c.Outcome != calls.OutcomeTransferred || c.Department != "mzj" || len(c.Transfers) != 1 {
		t.Fatalf("call %+v transfers %+v", c, c.Transfers)
	}
	tr := c.Transfers[0]
	if tr.ID != tid || tr.Method != calls.MethodAttended || tr.Strategy != calls.RingAll || tr.Result != calls.TransferCompleted ||
		tr.AnsweredAt == nil || tr.FinishedAt == nil || tr.ThreeWayAt != nil || tr.RequestedBy != "operator1" {
		t.Fatalf("transfer %+v", tr)
	}
	byExt := map[string]calls.Leg{}
	for _, l := range c.Legs {
		byExt[l.Extension] = l
	}
	if len(c.Legs) != 3 || byExt["8001"].EndedBy != "transfer" || byExt["8101"].Result != calls.LegAnswered ||
		byExt["8101"].EndedBy != "party" || byExt["8103"].Result != calls.LegCancelled || byExt["8103"].TransferID == nil {
		t.Fatalf("legs %+v (8105 is away and must not ring)", c.Legs)
	}
	checkContinuous(t, e, c)
	w := e.recording(c)
	left, right := w.Channel(0), w.Channel(1)
	consult := span(left, c, tr.AnsweredAt.Add(300*time.Millisecond), tr.FinishedAt.Add(-100*time.Millisecond))
	if s := share(consult, operatorTone, liaisonTone); s > 0.05 {
		t.Errorf("during the consultation the caller heard the staff %.0f%% of the time", 100*s)
	}
	// The music begins with "正在为您转接" (spoken short in tests).
	music := span(left, c, tr.RequestedAt.Add(1200*time.Millisecond), tr.FinishedAt.Add(-100*time.Millisecond))
	if s := share(music, musicNotes...); s < 0.5 {
		t.Errorf("during the consultation the caller heard music %.0f%% of the time", 100*s)
	}
	staff := span(right, c, tr.AnsweredAt.Add(300*time.Millisecond), tr.FinishedAt.Add(-100*time.Millisecond))
	if s1, s2 := share(staff, operatorTone), share(staff, liaisonTone); s1 < 0.8 || s2 < 0.8 || share(staff, musicNotes...) > 0.05 {
		t.Errorf("right channel of the consultation: operator %.2f, liaison %.2f, want both and no music", s1, s2)
	}
	after := span(left, c, tr.FinishedAt.Add(300*time.Millisecond), byExt["8101"].EndedAt.Add(-100*time.Millisecond))
	if s := share(after, liaisonTone); s < 0.8 {
		t.Errorf("after the transfer the caller heard the liaison %.0f%% of the time", 100*s)
	}
	evs.checkKinds(t, "queue=1", "queue=0", EventOffered, EventAnswered, EventTransferRinging, EventTransferRinging,
		EventAnswered, EventTransferAnswered, EventTransferCompleted, EventEnded)
	if ev := evs.wait(t, EventTransferAnswered, 1, 0); ev.Extension != "8101" || ev.TransferID != tid || ev.Department != "mzj" {
		t.Errorf("transfer answered %+v", ev)
	}
}

// The operator cancels an attended transfer after talking with the
// liaison and is back with the caller; a second one becomes a three-way
// call (the caller hears both), then the operator leaves it.
func TestAttendedCancelThenThreeWayLeave(t *testing.T) {
	t.Parallel()
	var li *peers.Baresip
	tc := startTransferCall(t, nil, func(e *env) {
		li = startBaresipTone(t, "8101", "pw8101", e.addr, liaisonTone)
		e.waitRegistered("8101")
	})
	e, evs, ctx := tc.e, tc.evs, context.Background()
	_, err := e.h.AttendedTransfer(ctx, tc.id, "mzj", tc.op1, false)
	must(t, err)
	evs.wait(t, EventTransferAnswered, 1, 15*time.Second)
	li.WaitEvent("CALL_ESTABLISHED", 5*time.Second)
	time.Sleep(time.Second) // consult
	must(t, e.h.CancelTransfer(ctx, tc.id, tc.op1, false))
	li.WaitEvent("CALL_CLOSED", 5*time.Second)
	time.Sleep(1500 * time.Millisecond) // back with the caller
	_, err = e.h.AttendedTransfer(ctx, tc.id, "mzj", tc.op1, false)
	must(t, err)
	evs.wait(t, EventTransferAnswered, 2, 15*time.Second)
	li.WaitEvent("CALL_ESTABLISHED", 5*time.Second)
	must(t, e.h.ThreeWay(ctx, tc.id, tc.op1, false))
	time.Sleep(2 * time.Second) // all three talk
	must(t, e.h.Leave(ctx, tc.id, tc.op1, false))
	tc.op.WaitEvent("CALL_CLOSED", 5*time.Second)
	time.Sleep(time.Second)
	li.Command("hangup", "")
	c := tc.end(t)
	if c.Outcome != calls.OutcomeTransferred || len(c.Transfers) != 2 || len(c.Legs) != 3 {
		t.Fatalf("call %+v transfers %+v legs %+v", c, c.Transfers, c.Legs)
	}
	first, second := c.Transfers[0], c.Transfers[1]
	if first.Result != calls.TransferCancelled || first.AnsweredAt == nil || second.Result != calls.TransferCompleted ||
		second.ThreeWayAt == nil || second.FinishedAt == nil {
		t.Fatalf("transfers %+v", c.Transfers)
	}
	if c.Legs[0].EndedBy != "transfer" || c.Legs[1].EndedBy != "console" || c.Legs[2].EndedBy != "party" {
		t.Fatalf("legs %+v", c.Legs)
	}
	checkContinuous(t, e, c)
	w := e.recording(c)
	left, right := w.Channel(0), w.Channel(1)
	back := span(left, c, first.FinishedAt.Add(300*time.Millisecond), second.RequestedAt.Add(-100*time.Millisecond))
	if s := share(back, operatorTone); s < 0.8 {
		t.Errorf("after the cancel the caller heard the operator %.0f%% of the time", 100*s)
	}
	three := span(left, c, second.ThreeWayAt.Add(300*time.Millisecond), second.FinishedAt.Add(-100*time.Millisecond))
	if s1, s2 := share(three, operatorTone), share(three, liaisonTone); s1 < 0.8 || s2 < 0.8 {
		t.Errorf("in the three-way call the caller heard the operator %.2f, the liaison %.2f of the time", s1, s2)
	}
	if s := share(span(right, c, second.ThreeWayAt.Add(300*time.Millisecond), second.FinishedAt.Add(-100*time.Millisecond)), operatorTone, liaisonTone); s < 0.8 {
		t.Errorf("right channel of the three-way call: staff %.2f", s)
	}
	evs.checkKinds(t, "queue=1", "queue=0", EventOffered, EventAnswered,
		EventTransferRinging, EventAnswered, EventTransferAnswered, EventTransferCancelled,
		EventTransferRinging, EventAnswered, EventTransferAnswered, EventThreeWay, EventLeft, EventTransferCompleted, EventEnded)
	if ev := evs.wait(t, EventLeft, 1, 0); ev.AccountID != tc.op1.AccountID {
		t.Errorf("left %+v, want the operator", ev)
	}
}

// An attended transfer nobody answers times out and the operator is back
// with the caller; one a desk phone refuses (486) too; each with its
// reason. A department with nobody to ring fails at once.
func TestAttendedTimeoutAndRefused(t *testing.T) {
	t.Parallel()
	var ringing, refusing *peers.Sipp
	tc := startTransferCall(t, func(c *Config) { c.LiaisonRing = 1500 * time.Millisecond }, func(e *env) {
		e.db.MustExec(`UPDATE sip_accounts SET disabled = true WHERE extension IN ('8101', '8102')`)
		ringing = e.deskPhone("ring_no_answer.xml", "8103", "ybj", "")
		refusing = e.deskPhone("refuse.xml", "8104", "gjj", "")
	})
	e, evs, ctx := tc.e, tc.evs, context.Background()
	if _, err := e.h.AttendedTransfer(ctx, tc.id, "mzj", tc.op1, false); !errors.Is(err, ErrNoLiaison) {
		t.Errorf("transfer to a department without a phone: %v", err)
	}
	_, err := e.h.AttendedTransfer(ctx, tc.id, "ybj", tc.op1, false)
	must(t, err)
	for op, f := range map[string]func(context.Context, int64, calls.Actor, bool) error{
		"three-way": e.h.ThreeWay, "complete": e.h.CompleteTransfer} {
		if err := f(ctx, tc.id, tc.op1, false); !errors.Is(err, ErrNotAnswered) {
			t.Errorf("%s while the phone rings: %v", op, err)
		}
	}
	if err := e.h.Hold(ctx, tc.id, tc.op1, false); !errors.Is(err, ErrTransferring) {
		t.Errorf("hold while transferring: %v", err)
	}
	timeout := evs.wait(t, EventTransferTimeout, 1, 10*time.Second)
	ringing.Wait(t, 10*time.Second)
	e.waitFor("operator back", 10*time.Second, func() bool { return e.h.Hold(ctx, tc.id, tc.op1, false) == nil })
	must(t, e.h.Resume(ctx, tc.id, tc.op1, false))
	time.Sleep(time.Second) // back with the caller
	_, err = e.h.AttendedTransfer(ctx, tc.id, "gjj", tc.op1, false)
	must(t, err)
	refused := evs.wait(t, EventTransferRefused, 2, 10*time.Second)
	refusing.Wait(t, 10*time.Second)
	e.waitFor("operator back", 10*time.Second, func() bool { return e.h.Hangup(ctx, tc.id, tc.op1, false) == nil })
	c := tc.end(t)
	if timeout.Detail != "无人接听" || refused.Detail != "拒接" || timeout.Department != "ybj" || refused.Department != "gjj" {
		t.Errorf("timeout %+v refused %+v", timeout, refused)
	}
	if c.Outcome != calls.OutcomeAnswered || len(c.Transfers) != 3 {
		t.Fatalf("call %+v transfers %+v", c, c.Transfers)
	}
	for i, want := range []string{calls.TransferNoLiaison, calls.TransferTimeout, calls.TransferRefused} {
		if got := c.Transfers[i]; got.Result != want || got.Method != calls.MethodAttended || got.FinishedAt == nil {
			t.Errorf("transfer %d: %+v, want %s", i, got, want)
		}
	}
	if len(c.Legs) != 3 || c.Legs[1].Result != calls.LegNoAnswer || c.Legs[2].Result != calls.LegBusy || c.Legs[0].EndedBy != "console" {
		t.Fatalf("legs %+v", c.Legs)
	}
	checkContinuous(t, e, c)
	w := e.recording(c)
	if len(c.Holds) != 1 {
		t.Fatalf("holds %+v", c.Holds)
	}
	back := span(w.Channel(0), c, c.Holds[0].EndedAt.Add(300*time.Millisecond), c.Transfers[2].RequestedAt.Add(-100*time.Millisecond))
	if s := share(back, operatorTone); len(back) < 4000 || s < 0.8 {
		t.Errorf("after the timeout the caller heard the operator %.0f%% of %d samples", 100*s, len(back))
	}
	evs.checkKinds(t, "queue=1", "queue=0", EventOffered, EventAnswered, EventTransferRefused,
		EventTransferRinging, EventTransferTimeout, EventHeld, EventResumed,
		EventTransferRinging, EventTransferRefused, EventEnded)
}

package hotline

import (
	"time"

	"github.com/govhall/govhall/hotline/calls"
)

// Notifier receives what happens on calls, for the staff consoles. It must
// not block: it is called on the call's own goroutine, in the order things
// happen.
type Notifier interface {
	CallEvent(e CallEvent)
}

// OperatorNotifier is a Notifier that is also told the operators' ACD
// state changes (CallEvents of kind EventOperatorState), for the
// supervisors' wallboard. Like CallEvent it must not block.
type OperatorNotifier interface {
	OperatorState(e CallEvent)
}

// CallEvent is one thing that happened on a call (or to the queue).
type CallEvent struct {
	Kind       string // one of the Event* constants
	CallID     int64
	SIPCallID  string
	Caller     string        // full number (the consoles are staff-only)
	AccountID  int64         // the staff account concerned (operator rung or talking, liaison rung), 0 for everyone
	Extension  string        // that account's phone
	Department string        // department code, for transfer events
	TransferID int64         // for transfer events
	Detail     string        // reason or outcome in plain Chinese where useful ("无人接听", "拒接", "不在工作时间")
	Outcome    string        // for EventEnded: the calls.Outcome* of the call
	QueueLen   int           // callers waiting, for EventQueue
	CallBackID int64         // for EventCallBack: the call-back (calls.CallBack.ID)
	Waited     time.Duration // for EventOffered: how long the caller waited in the queue; for EventQueue: the longest wait now
	At         time.Time
}

// Kinds of CallEvent.
const (
	EventQueue             = "queue"              // the number of callers waiting changed (QueueLen)
	EventOffered           = "offered"            // an operator's phone starts ringing for the call (Waited)
	EventAnswered          = "answered"           // an operator or a liaison answered
	EventHeld              = "held"               // the caller was put on hold (hears music)
	EventResumed           = "resumed"            // the caller is back with the staff member
	EventTransferRinging   = "transfer_ringing"   // a liaison's phone starts ringing for a transfer
	EventTransferAnswered  = "transfer_answered"  // the liaison answered the transfer
	EventTransferRefused   = "transfer_refused"   // the department could not take the call (Detail says why)
	EventTransferTimeout   = "transfer_timeout"   // no liaison answered in time
	EventTransferCompleted = "transfer_completed" // the caller is with the liaison now
	EventTransferCancelled = "transfer_cancelled" // the transfer was called off; the caller is back with the operator
	EventThreeWay          = "threeway"           // caller, operator and liaison hear each other
	EventLeft              = "left"               // a party left a three-way call (AccountID)
	EventEnded             = "ended"              // the call ended (Outcome, Detail)
	EventOperatorState     = "operator_state"     // an operator's ACD state changed (AccountID, Extension; Detail: the state); to OperatorNotifiers only
	EventCallBack          = "callback"           // a call govhall places changed (AccountID: who asked; Detail: its stage; Outcome: its result)
)

// emit sends e about this call to the consoles, if any listen.
func (c *call) emit(e CallEvent) {
	n := c.h.cfg.Events
	if n == nil {
		return
	}
	e.CallID, e.SIPCallID, e.Caller = c.id, c.in.CallID, c.in.Caller
	if e.At.IsZero() {
		e.At = c.h.cfg.Now()
	}
	n.CallEvent(e)
}

// emitParty sends an event concerning a party of the call.
func (c *call) emitParty(kind string, p *party, e CallEvent) {
	e.Kind, e.AccountID, e.Extension = kind, p.acct.AccountID, p.acct.Extension
	c.emit(e)
}

// queueChanged tells the consoles the number of callers waiting when it
// changed.
func (h *Hotline) queueChanged(callID int64) {
	if h.cfg.Events == nil {
		return
	}
	h.queueMu.Lock()
	defer h.queueMu.Unlock()
	n, oldest := h.acd.Waiting()
	if n == h.queueLen {
		return
	}
	h.queueLen = n
	now := h.cfg.Now()
	var longest time.Duration
	if n > 0 {
		longest = max(now.Sub(oldest), 0)
	}
	h.cfg.Events.CallEvent(CallEvent{Kind: EventQueue, CallID: callID, QueueLen: n, Waited: longest, At: now})
}

// QueueStatus returns the number of callers waiting for an operator and
// how long the one waiting longest has waited. Callers whose operator's
// phone is ringing do not count.
func (h *Hotline) QueueStatus() (waiting int, longest time.Duration) {
	n, oldest := h.acd.Waiting()
	if n == 0 {
		return 0, 0
	}
	return n, max(h.cfg.Now().Sub(oldest), 0)
}

// outcomeText is an outcome in plain Chinese, for the consoles.
func outcomeText(outcome string) string {
	switch outcome {
	case calls.OutcomeAnswered:
		return "话务员已接听"
	case calls.OutcomeTransferred:
		return "已转接部门"
	case calls.OutcomeAbandoned:
		return "来电人挂机"
	case calls.OutcomeVoicemail:
		return "已留言"
	case calls.OutcomeQuestion:
		return "已留下问题"
	case calls.OutcomeFailed:
		return "系统故障"
	}
	return outcome
}

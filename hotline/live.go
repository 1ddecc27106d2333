package hotline

import (
	"context"
	"sort"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/calls"
)

// What the supervisor's wallboard reads of the running hotline: the queue,
// every operator with their state, and every call in progress with the
// staff member on it. Between two snapshots the consoles follow the
// queue, operator_state, call and callback events.

// operatorChanged tells the consoles an operator's new ACD state (the
// calls.ACDConfig.OnState of the hotline), when Config.Events is an
// OperatorNotifier.
func (h *Hotline) operatorChanged(a calls.SIPAccount, state string, at time.Time) {
	if n, ok := h.cfg.Events.(OperatorNotifier); ok {
		n.OperatorState(CallEvent{Kind: EventOperatorState, AccountID: a.AccountID, Extension: a.Extension, Detail: state, At: at})
	}
}

// LiveQueue is the queue now.
type LiveQueue struct {
	Waiting  int        `json:"waiting"`
	LongestS float64    `json:"longest_s"`
	Oldest   *time.Time `json:"oldest,omitempty"` // when the caller waiting longest joined
}

// LiveOperator is an operator now.
type LiveOperator struct {
	AccountID   int64     `json:"account_id"`
	Username    string    `json:"username"`
	Name        string    `json:"name"`
	Extension   string    `json:"extension"`
	State       string    `json:"state"`
	Since       time.Time `json:"since"`
	PauseReason string    `json:"pause_reason,omitempty"`
	Registered  bool      `json:"registered"`
	CallID      int64     `json:"call_id,omitempty"` // the call they talk on (or place)
}

// LiveCall is a call in progress.
type LiveCall struct {
	ID         int64      `json:"id"`
	Direction  string     `json:"direction"`       // calls.DirectionInbound or calls.DirectionOutbound
	Kind       string     `json:"kind,omitempty"`  // outbound: calls.CallBackKind or calls.FollowUpKind
	Caller     string     `json:"caller"`          // the citizen's full number (staff only)
	Stage      string     `json:"stage"`           // inbound: ivr, queued, talking; outbound: the Stage* of call-backs
	StartedAt  time.Time  `json:"started_at"`      // the call began (inbound: arrived; outbound: asked for)
	Since      *time.Time `json:"since,omitempty"` // the stage began, where known (queued, talking)
	Party      string     `json:"party,omitempty"` // calls.KindOperator or calls.KindLiaison on the call
	Extension  string     `json:"extension,omitempty"`
	Username   string     `json:"username,omitempty"`
	AccountID  int64      `json:"account_id,omitempty"`
	Department string     `json:"department,omitempty"` // the liaison's department, or the department transferred to
	DeptName   string     `json:"department_name,omitempty"`
}

// Live is the hotline now.
type Live struct {
	At        time.Time      `json:"at"`
	Queue     LiveQueue      `json:"queue"`
	Operators []LiveOperator `json:"operators"`
	Calls     []LiveCall     `json:"calls"`
}

// Stages of an inbound call in Live.
const (
	LiveIVR     = "ivr"     // greeting, voicemail, survey, or an operator's phone ringing
	LiveQueued  = "queued"  // waiting for an operator
	LiveTalking = "talking" // with an operator or liaison (on hold and transfers included)
)

// Live returns the queue, the operators and the calls in progress.
func (h *Hotline) Live(ctx context.Context) (Live, error) {
	now := h.cfg.Now()
	out := Live{At: now, Operators: []LiveOperator{}, Calls: []LiveCall{}}
	n, oldest := h.acd.Waiting()
	out.Queue.Waiting = n
	if n > 0 {
		out.Queue.LongestS = max(now.Sub(oldest), 0).Seconds()
		out.Queue.Oldest = &oldest
	}
	infos, err := h.store.OperatorInfos(ctx)
	if err != nil {
		return Live{}, err
	}
	depts, err := h.store.DepartmentNames(ctx)
	if err != nil {
		return Live{}, err
	}
	h.mu.Lock()
	cs := make([]*call, 0, len(h.active))
	for _, c := range h.active {
		cs = append(cs, c)
	}
	h.mu.Unlock()
	queued := h.acd.WaitingCalls()
	onCall := map[int64]int64{} // SIP account → call
	ids := make([]int64, 0, len(cs))
	for _, c := range cs {
		lc := LiveCall{ID: c.id, Direction: calls.DirectionInbound, Caller: c.in.Caller, Stage: LiveIVR}
		if joined, ok := queued[c.id]; ok {
			lc.Stage, lc.Since = LiveQueued, &joined
		}
		if p := c.current(); p != nil {
			lc.Stage, lc.Party, lc.Extension, lc.Username, lc.AccountID = LiveTalking, p.kind, p.acct.Extension, p.acct.Username, p.acct.AccountID
			dep := p.deptID
			if dep == 0 {
				dep = p.acct.DepartmentID
			}
			lc.Department, lc.DeptName = p.acct.DepartmentCode, depts[dep]
			onCall[p.acct.ID] = c.id
		}
		out.Calls = append(out.Calls, lc)
		ids = append(ids, c.id)
	}
	for _, o := range h.CallBacksInProgress() {
		lc := LiveCall{ID: o.CallID, Direction: calls.DirectionOutbound, Kind: o.Kind, Caller: o.Number, Stage: o.Stage, StartedAt: o.Started,
			Party: o.Staff.Kind, Extension: o.Staff.Extension, Username: o.Staff.Username, AccountID: o.Staff.AccountID,
			Department: o.Staff.DepartmentCode, DeptName: depts[o.Staff.DepartmentID]}
		if !o.AnsweredAt.IsZero() {
			at := o.AnsweredAt
			lc.Since = &at
		}
		onCall[o.Staff.ID] = o.CallID
		out.Calls = append(out.Calls, lc)
	}
	times, err := h.store.ActiveTimes(ctx, ids)
	if err != nil {
		return Live{}, err
	}
	for i := range out.Calls {
		lc := &out.Calls[i]
		t, ok := times[lc.ID]
		if !ok || lc.Direction != calls.DirectionInbound {
			continue
		}
		lc.StartedAt = t.StartedAt
		if lc.Stage == LiveTalking && t.AnsweredAt != nil {
			lc.Since = t.AnsweredAt
		}
	}
	sort.Slice(out.Calls, func(i, j int) bool { return out.Calls[i].StartedAt.Before(out.Calls[j].StartedAt) })
	for _, a := range h.acd.Agents() {
		info := infos[a.Account.AccountID]
		op := LiveOperator{AccountID: a.Account.AccountID, Username: a.Account.Username, Name: info.DisplayName,
			Extension: a.Account.Extension, State: a.State, Since: a.Since, Registered: h.reachable(a.Account), CallID: onCall[a.Account.ID]}
		if a.State == calls.StatePaused {
			op.PauseReason = info.PauseReason
		}
		if op.Name == "" {
			op.Name = op.Username
		}
		out.Operators = append(out.Operators, op)
	}
	return out, nil
}

// Today returns the figures of the calls since midnight (Asia/Shanghai)
// and the calls abandoned in the queue since then.
func (h *Hotline) Today(ctx context.Context) (calls.Figures, []calls.AbandonedCall, error) {
	now := h.cfg.Now()
	day := calendar.DateOf(now).At(0)
	f, err := h.store.Figures(ctx, day, now.Add(time.Second))
	if err != nil {
		return f, nil, err
	}
	ab, err := h.store.Abandoned(ctx, day, now.Add(time.Second), 200)
	return f, ab, err
}

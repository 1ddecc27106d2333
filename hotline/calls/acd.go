package calls

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Agent is an operator as the ACD sees them.
type Agent struct {
	Account   SIPAccount
	State     string
	Since     time.Time // in State since
	IdleSince time.Time // available since (longest idle goes first)
	after     string    // state asked for while busy, applied when the call ends
}

// ACDConfig configures the queue.
type ACDConfig struct {
	WrapUp    time.Duration           // after a call, before available again
	Reachable func(a SIPAccount) bool // the phone can be rung (registered or fixed contact)
	Now       func() time.Time        // nil: time.Now
	Log       *slog.Logger
	// OnState, when set, is told every state change of an operator, in
	// order, outside the queue's lock; it must not block.
	OnState func(a SIPAccount, state string, at time.Time)
}

// ACD is the queue of callers waiting for an operator (自动呼叫分配): first
// come, first served, each given to the available, reachable operator who
// has been idle longest. States are saved with the store. It is safe for
// concurrent use.
type ACD struct {
	store *Store
	cfg   ACDConfig

	mu      sync.Mutex
	agents  map[int64]*Agent // by SIP account id
	waiting []*Waiter
	changed chan struct{} // closed and replaced on every change

	saves chan stateSave // state changes to write, in order
	done  chan struct{}  // closed when the writer stopped
}

// stateSave is a state change to write, or (sync != nil) a marker to
// acknowledge once every earlier change is written.
type stateSave struct {
	acct  SIPAccount
	state string
	at    time.Time
	sync  chan struct{}
	stop  bool
}

// Waiter is a caller in the queue.
type Waiter struct {
	CallID int64
	Joined time.Time // when the caller joined the queue
	tried  map[int64]bool
	wake   chan struct{}
}

// Wake is signalled when the waiter may find an operator: it reached the
// head of the queue, or an operator became free while it is there.
func (w *Waiter) Wake() <-chan struct{} { return w.wake }

// NewACD returns a queue over the operators of store.
func NewACD(store *Store, cfg ACDConfig) *ACD {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Reachable == nil {
		cfg.Reachable = func(SIPAccount) bool { return true }
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	q := &ACD{store: store, cfg: cfg, agents: map[int64]*Agent{}, changed: make(chan struct{}),
		saves: make(chan stateSave, 8192), done: make(chan struct{})}
	go q.writer()
	return q
}

// writer saves state changes in the order they happened, off the calls'
// path, so a slow database never delays ringing an operator.
func (q *ACD) writer() {
	defer close(q.done)
	for s := range q.saves {
		if s.stop {
			return
		}
		if s.sync != nil {
			close(s.sync)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := q.store.SaveOperatorState(ctx, s.acct.AccountID, s.state, s.at); err != nil {
			q.cfg.Log.Error("save operator state", "extension", s.acct.Extension, "state", s.state, "err", err)
		}
		cancel()
	}
}

// Sync waits until every state change so far is saved.
func (q *ACD) Sync() {
	ch := make(chan struct{})
	q.enqueue(stateSave{sync: ch})
	select {
	case <-ch:
	case <-q.done:
	}
}

// Close saves the pending state changes and stops the writer; changes
// after it are not saved.
func (q *ACD) Close() {
	q.enqueue(stateSave{stop: true})
	<-q.done
}

func (q *ACD) enqueue(s stateSave) {
	select {
	case <-q.done:
	case q.saves <- s:
	}
}

// Refresh loads operators added since the last refresh, with their saved
// state (available when none was saved), and forgets those whose phone is
// gone, unless they are on a call (the next refresh after it does).
func (q *ACD) Refresh(ctx context.Context) error {
	ops, err := q.store.SIPAccounts(ctx, KindOperator, 0)
	if err != nil {
		return err
	}
	states, err := q.store.OperatorStates(ctx)
	if err != nil {
		return err
	}
	saved := map[int64]OperatorState{}
	for _, s := range states {
		saved[s.AccountID] = s
	}
	now := q.cfg.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	present := map[int64]bool{}
	for _, op := range ops {
		present[op.ID] = true
	}
	for id, a := range q.agents {
		if !present[id] && a.State != StateBusy {
			delete(q.agents, id)
		}
	}
	for _, op := range ops {
		if a, ok := q.agents[op.ID]; ok {
			a.Account = op
			continue
		}
		a := &Agent{Account: op, State: StateAvailable, Since: now, IdleSince: now}
		if s, ok := saved[op.AccountID]; ok && op.AccountID != 0 {
			a.State, a.Since, a.IdleSince = s.State, s.Since, s.Since
			if s.State == StateBusy || s.State == StateWrapUp { // left over from a stop mid-call
				a.State = StateAvailable
			}
		}
		q.agents[op.ID] = a
	}
	q.notify()
	return nil
}

// notify wakes the head waiter and Changed watchers; q.mu must be held.
func (q *ACD) notify() {
	close(q.changed)
	q.changed = make(chan struct{})
	if len(q.waiting) > 0 {
		select {
		case q.waiting[0].wake <- struct{}{}:
		default:
		}
	}
}

// Join puts a caller at the end of the queue.
func (q *ACD) Join(callID int64) *Waiter {
	w := &Waiter{CallID: callID, Joined: q.cfg.Now(), tried: map[int64]bool{}, wake: make(chan struct{}, 1)}
	q.mu.Lock()
	q.waiting = append(q.waiting, w)
	q.notify()
	q.mu.Unlock()
	return w
}

// Rejoin puts a caller whose operator did not answer back at the head.
func (q *ACD) Rejoin(w *Waiter) {
	q.mu.Lock()
	q.waiting = append([]*Waiter{w}, q.waiting...)
	q.notify()
	q.mu.Unlock()
}

// Leave takes a caller out of the queue (answered, hung up, timed out).
func (q *ACD) Leave(w *Waiter) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, x := range q.waiting {
		if x == w {
			q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
			q.notify()
			return
		}
	}
}

// Waiting returns the number of callers in the queue and when the one
// waiting longest joined (zero when nobody waits). Callers whose operator's
// phone is ringing are not in the queue.
func (q *ACD) Waiting() (n int, oldest time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, w := range q.waiting {
		if oldest.IsZero() || w.Joined.Before(oldest) {
			oldest = w.Joined
		}
	}
	return len(q.waiting), oldest
}

// Position returns the caller's place in the queue (1 = next), or 0.
func (q *ACD) Position(w *Waiter) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, x := range q.waiting {
		if x == w {
			return i + 1
		}
	}
	return 0
}

// Changed returns a channel closed at the next change of the queue or of
// an operator.
func (q *ACD) Changed() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.changed
}

// Take gives the caller at the head of the queue the longest-idle
// available operator, marks them busy, takes the caller out of the queue
// while the phone rings, and returns the operator; ok is false when w is
// not first or nobody is free. Operators w already rang are skipped until
// every free operator was tried. A caller whose operator did not answer
// goes back to the head with Rejoin.
func (q *ACD) Take(ctx context.Context, w *Waiter) (Agent, bool) {
	q.mu.Lock()
	if len(q.waiting) == 0 || q.waiting[0] != w {
		q.mu.Unlock()
		return Agent{}, false
	}
	a := q.pick(w)
	if a == nil {
		q.mu.Unlock()
		return Agent{}, false
	}
	q.waiting = q.waiting[1:]
	w.tried[a.Account.ID] = true
	q.notify() // the next caller is at the head now
	now := q.cfg.Now()
	a.State, a.Since = StateBusy, now
	got := *a
	q.mu.Unlock()
	q.save(ctx, got.Account, StateBusy, now)
	return got, true
}

func (q *ACD) pick(w *Waiter) *Agent {
	var best, bestTried *Agent
	for _, a := range q.agents {
		if a.State != StateAvailable || !q.cfg.Reachable(a.Account) {
			continue
		}
		if w.tried[a.Account.ID] {
			if earlier(a, bestTried) {
				bestTried = a
			}
		} else if earlier(a, best) {
			best = a
		}
	}
	if best == nil && bestTried != nil {
		clear(w.tried)
		best = bestTried
	}
	return best
}

// earlier reports whether a has been idle longer than b (nil: true).
func earlier(a, b *Agent) bool {
	if b == nil {
		return true
	}
	if !a.IdleSince.Equal(b.IdleSince) {
		return a.IdleSince.Before(b.IdleSince)
	}
	return a.Account.Extension < b.Account.Extension
}

// Release hands an operator back after a call was offered: answered says
// whether they talked with the caller (then wrap-up follows), otherwise
// they are available again at the end of the idle order.
func (q *ACD) Release(ctx context.Context, id int64, answered bool) {
	q.mu.Lock()
	a, ok := q.agents[id]
	if !ok {
		q.mu.Unlock()
		return
	}
	now := q.cfg.Now()
	next := StateAvailable
	if answered && q.cfg.WrapUp > 0 {
		next = StateWrapUp
	}
	if a.after != "" {
		next, a.after = a.after, ""
	}
	a.State, a.Since = next, now
	if next == StateAvailable {
		a.IdleSince = now
	}
	acct := a.Account
	q.notify()
	q.mu.Unlock()
	q.save(ctx, acct, next, now)
	if next == StateWrapUp {
		time.AfterFunc(q.cfg.WrapUp, func() { q.endWrapUp(id) })
	}
}

func (q *ACD) endWrapUp(id int64) {
	q.mu.Lock()
	a, ok := q.agents[id]
	if !ok || a.State != StateWrapUp {
		q.mu.Unlock()
		return
	}
	now := q.cfg.Now()
	a.State, a.Since, a.IdleSince = StateAvailable, now, now
	acct := a.Account
	q.notify()
	q.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	q.save(ctx, acct, StateAvailable, now)
}

// SetState is an operator choosing a state (available, paused, offline;
// wrapup ends early by choosing available). While busy the choice applies
// when the call ends. It returns the state now in force.
func (q *ACD) SetState(ctx context.Context, accountID int64, state string) (Agent, error) {
	if state != StateAvailable && state != StatePaused && state != StateOffline {
		return Agent{}, fieldErr("state", "%q: an operator may choose available, paused or offline", state)
	}
	if err := q.Refresh(ctx); err != nil {
		return Agent{}, err
	}
	q.mu.Lock()
	a := q.agentOf(accountID)
	if a == nil {
		q.mu.Unlock()
		return Agent{}, fmt.Errorf("no operator phone for account %d: %w", accountID, ErrNotFound)
	}
	now := q.cfg.Now()
	if a.State == StateBusy {
		a.after = state
		got := *a
		q.mu.Unlock()
		return got, nil
	}
	if a.State != state {
		a.State, a.Since = state, now
		if state == StateAvailable {
			a.IdleSince = now
		}
	}
	got := *a
	q.notify()
	q.mu.Unlock()
	q.save(ctx, got.Account, got.State, got.Since)
	q.Sync()
	return got, nil
}

func (q *ACD) agentOf(accountID int64) *Agent {
	for _, a := range q.agents {
		if a.Account.AccountID == accountID {
			return a
		}
	}
	return nil
}

// Agents returns a snapshot of the operators.
func (q *ACD) Agents() []Agent {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Agent, 0, len(q.agents))
	for _, a := range q.agents {
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Account.Extension < out[j].Account.Extension })
	return out
}

// save queues a state change for the writer.
func (q *ACD) save(_ context.Context, a SIPAccount, state string, at time.Time) {
	if a.AccountID == 0 {
		return
	}
	q.enqueue(stateSave{acct: a, state: state, at: at})
	if q.cfg.OnState != nil {
		q.cfg.OnState(a, state, at)
	}
}

// Claim marks the operator of a staff account busy for a call they place
// themselves (a call-back), so that no caller is offered to them
// meanwhile; Release hands them back, to the paused or offline state they
// had if so. ok is false when they have no operator phone in the queue or
// are busy already.
func (q *ACD) Claim(ctx context.Context, accountID int64) (Agent, bool) {
	q.mu.Lock()
	a := q.agentOf(accountID)
	if a == nil || a.State == StateBusy {
		q.mu.Unlock()
		return Agent{}, false
	}
	if a.State == StatePaused || a.State == StateOffline {
		a.after = a.State
	}
	now := q.cfg.Now()
	a.State, a.Since = StateBusy, now
	got := *a
	q.notify()
	q.mu.Unlock()
	q.save(ctx, got.Account, StateBusy, now)
	return got, true
}

// WaitingCalls returns the calls in the queue with when each joined it.
func (q *ACD) WaitingCalls() map[int64]time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make(map[int64]time.Time, len(q.waiting))
	for _, w := range q.waiting {
		out[w.CallID] = w.Joined
	}
	return out
}

package hotline

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// eventLog is a Notifier that keeps every event.
type eventLog struct {
	mu      sync.Mutex
	evs     []CallEvent
	changed chan struct{} // closed and replaced on every event
}

func newEventLog() *eventLog { return &eventLog{changed: make(chan struct{})} }

func (l *eventLog) CallEvent(e CallEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evs = append(l.evs, e)
	close(l.changed)
	l.changed = make(chan struct{})
}

// events returns the events so far.
func (l *eventLog) events() []CallEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.evs)
}

// kinds returns the kinds of the events so far, "queue" events as
// "queue=N".
func (l *eventLog) kinds() []string {
	var ks []string
	for _, e := range l.events() {
		k := e.Kind
		if k == EventQueue {
			k += "=" + string(rune('0'+e.QueueLen))
		}
		ks = append(ks, k)
	}
	return ks
}

// wait waits for the n-th event of a kind (1 = first) and returns it.
func (l *eventLog) wait(t testing.TB, kind string, n int, within time.Duration) CallEvent {
	t.Helper()
	deadline := time.After(within)
	for {
		l.mu.Lock()
		seen, ch := 0, l.changed
		for _, e := range l.evs {
			if e.Kind == kind {
				if seen++; seen == n {
					l.mu.Unlock()
					return e
				}
			}
		}
		l.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %s event #%d within %v; got %s", kind, n, within, strings.Join(l.kinds(), " "))
			return CallEvent{}
		}
	}
}

// checkKinds fails the test unless the events came in the order want.
func (l *eventLog) checkKinds(t testing.TB, want ...string) {
	t.Helper()
	if got := l.kinds(); !slices.Equal(got, want) {
		t.Errorf("events:\n got %s\nwant %s", strings.Join(got, " "), strings.Join(want, " "))
	}
}

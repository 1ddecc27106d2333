package events

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// streamBuffer is how many events a slow stream may fall behind before it
// is closed (the console reconnects and replays from its last id).
const streamBuffer = 256

// Stream is one console's subscription: the events it may see, in order.
type Stream struct {
	who   Subscriber
	after int64 // events up to this id were replayed or sent
	c     chan Event
	once  sync.Once
	hub   *Hub
	// dropped: closed for falling behind (h.mu held to read or write)
	dropped bool
}

// C delivers the stream's events; it is closed when the stream is closed
// or fell too far behind.
func (s *Stream) C() <-chan Event { return s.c }

// send hands e to the stream (h.mu held). A stream whose buffer is full
// is closed and leaves the hub — too slow: better a reconnect with replay
// than a gap — and nothing is sent on it again (a send on its closed
// channel would panic).
func (s *Stream) send(e Event) {
	if s.dropped {
		return
	}
	select {
	case s.c <- e:
		s.after = e.ID
	default:
		s.dropped = true
		delete(s.hub.subs, s)
		s.close()
	}
}

func (s *Stream) close() { s.once.Do(func() { close(s.c) }) }

// Close ends the subscription.
func (s *Stream) Close() {
	s.hub.mu.Lock()
	delete(s.hub.subs, s)
	s.close()
	s.hub.mu.Unlock()
}

// Subscribe opens a stream for who. With lastID > 0 (the Last-Event-ID of
// a reconnecting console) it first replays the events after it that who
// may see, from the last ReplayWindow, read ReplayLimit at a time up to
// where the hub stands; otherwise it starts with the next event. A
// console more than maxReplayPages×ReplayLimit events behind gets, after
// what was replayed, a Resync event (reload, do not trust the gap) instead
// of silently missing the rest.
func (h *Hub) Subscribe(ctx context.Context, who Subscriber, lastID int64) (*Stream, []Event, error) {
	s := &Stream{who: who, c: make(chan Event, streamBuffer), hub: h}
	// Register first, under the lock, so that nothing published between the
	// replay and the registration is lost: fanOut skips ids <= s.after.
	h.mu.Lock()
	defer h.mu.Unlock()
	s.after = max(h.lastID, lastID)
	var replay []Event
	if lastID > 0 {
		var err error
		if replay, s.after, err = h.replay(ctx, who, lastID); err != nil {
			return nil, nil, err
		}
	}
	h.subs[s] = struct{}{}
	return s, replay, nil
}

// maxReplayPages bounds the pages of ReplayLimit events one reconnect
// reads.
const maxReplayPages = 10

// Resync is the kind of the event a stream that fell too far behind gets
// in place of what it missed: the console reloads its state.
const Resync = "resync"

// replay returns the events after lastID that who may see (h.mu held),
// ending with a Resync event when they are too many, and the id the
// stream goes on after.
func (h *Hub) replay(ctx context.Context, who Subscriber, lastID int64) ([]Event, int64, error) {
	const q = `SELECT id, at, kind, account_id, role, department_id, data FROM console_events
		WHERE id > $1 AND at > $2 ORDER BY id LIMIT $3`
	var out []Event
	after := lastID
	for page := 0; ; page++ {
		if page == maxReplayPages {
			after = max(after, h.lastID)
			return append(out, Event{ID: after, At: time.Now(), Kind: Resync, Data: []byte(`{"reason":"too far behind"}`)}), after, nil
		}
		var es []Event
		if err := h.db.SelectContext(ctx, &es, q, after, time.Now().Add(-ReplayWindow), ReplayLimit); err != nil {
			return nil, 0, fmt.Errorf("events: replay after %d: %w", after, err)
		}
		for _, e := range es {
			if who.sees(e) {
				out = append(out, e)
			}
		}
		if len(es) > 0 {
			after = es[len(es)-1].ID
		}
		if len(es) < ReplayLimit {
			return out, max(after, h.lastID), nil
		}
	}
}

// Prune deletes events older than ReplayWindow and returns how many.
func (h *Hub) Prune(ctx context.Context) (int64, error) {
	res, err := h.db.ExecContext(ctx, `DELETE FROM console_events WHERE at < $1`, time.Now().Add(-ReplayWindow))
	if err != nil {
		return 0, fmt.Errorf("events: prune: %w", err)
	}
	return res.RowsAffected()
}

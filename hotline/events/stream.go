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
}

// C delivers the stream's events; it is closed when the stream is closed
// or fell too far behind.
func (s *Stream) C() <-chan Event { return s.c }

func (s *Stream) send(e Event) {
	select {
	case s.c <- e:
		s.after = e.ID
	default:
		s.close() // too slow: better a reconnect with replay than a gap
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
// may see, from the last ReplayWindow and at most ReplayLimit; otherwise
// it starts with the next event.
func (h *Hub) Subscribe(ctx context.Context, who Subscriber, lastID int64) (*Stream, []Event, error) {
	s := &Stream{who: who, c: make(chan Event, streamBuffer), hub: h}
	// Register first, under the lock, so that nothing published between the
	// replay and the registration is lost: fanOut skips ids <= s.after.
	h.mu.Lock()
	defer h.mu.Unlock()
	var replay []Event
	if lastID > 0 {
		var es []Event
		const q = `SELECT id, at, kind, account_id, role, department_id, data FROM console_events
			WHERE id > $1 AND at > $2 ORDER BY id LIMIT $3`
		if err := h.db.SelectContext(ctx, &es, q, lastID, time.Now().Add(-ReplayWindow), ReplayLimit); err != nil {
			return nil, nil, fmt.Errorf("events: replay after %d: %w", lastID, err)
		}
		for _, e := range es {
			if who.sees(e) {
				replay = append(replay, e)
			}
		}
		s.after = max(lastID, h.lastID)
		if len(es) > 0 {
			s.after = max(s.after, es[len(es)-1].ID)
		}
	} else {
		s.after = h.lastID
	}
	h.subs[s] = struct{}{}
	return s, replay, nil
}

// Prune deletes events older than ReplayWindow and returns how many.
func (h *Hub) Prune(ctx context.Context) (int64, error) {
	res, err := h.db.ExecContext(ctx, `DELETE FROM console_events WHERE at < $1`, time.Now().Add(-ReplayWindow))
	if err != nil {
		return 0, fmt.Errorf("events: prune: %w", err)
	}
	return res.RowsAffected()
}

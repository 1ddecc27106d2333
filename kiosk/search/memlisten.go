package search

import (
	"context"
	"time"

	"github.com/lib/pq"
)

// listening is a listening connection.
type listening struct {
	*pq.Listener
	stop func() bool
}

// close closes the connection without waiting: a Ping on a connection
// that delivers nothing holds the listener until it fails.
func (l *listening) close() {
	l.stop()
	go l.Close() //nolint:errcheck // closed once
}

// listen opens a listening connection (it waits until the database
// answers); events of the earlier ones are ignored from then on.
func (m *memEngine) listen(ctx context.Context) (*listening, error) {
	m.mu.Lock()
	m.listenGen++
	gen := m.listenGen
	m.mu.Unlock()
	l := pq.NewListener(m.url, time.Second, listenRetryMax, func(ev pq.ListenerEventType, err error) {
		m.listenerEvent(gen, ev, err)
	})
	stop := context.AfterFunc(ctx, func() { l.Close() })
	if err := l.Listen(notifyChannel); err != nil {
		stop()
		l.Close()
		return nil, err
	}
	m.mu.Lock()
	if m.listenGen == gen {
		m.connected = true // LISTEN is in place, whether or not its event came yet
	}
	m.mu.Unlock()
	return &listening{Listener: l, stop: stop}, nil
}

// relisten replaces a listening connection that seems up but delivers
// nothing (a half-open socket, a stalled backend): until the caller caught
// up from the change log on the new one, the index is stale.
func (m *memEngine) relisten(ctx context.Context, old *listening) (*listening, error) {
	m.mu.Lock()
	m.stale, m.connected = true, false
	m.connGen++
	since := m.confirmed
	m.mu.Unlock()
	m.log.Warn("search index: the listening connection delivers nothing, opening another",
		"confirmed_ago_ms", time.Since(since).Milliseconds())
	old.close()
	return m.listen(ctx)
}

// stalled reports whether the listening connection, up as far as it
// knows, has brought back no mark for stallAfter.
func (m *memEngine) stalled() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state.Load() != nil && !m.stale && time.Since(m.confirmed) > stallAfter
}

// listenerEvent follows the listening connection gen: once it is lost,
// changes may go unannounced, and the index answers nothing until it has
// caught up.
func (m *memEngine) listenerEvent(gen int64, ev pq.ListenerEventType, err error) {
	m.mu.Lock()
	if gen == m.listenGen {
		switch ev {
		case pq.ListenerEventDisconnected:
			m.connected, m.stale = false, true
			m.connGen++
		case pq.ListenerEventConnected, pq.ListenerEventReconnected:
			m.connected = true
		}
	}
	m.mu.Unlock()
	if err != nil {
		m.log.Warn("search index listener", "event", ev, "err", err)
	}
}

// connection returns the number of disconnections so far and whether the
// listener is connected.
func (m *memEngine) connection() (int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.connGen, m.connected
}

// caughtUp lets the index answer again after it caught up with every
// change made while it was not listening, if the connection was not lost
// again since gen and was up then.
func (m *memEngine) caughtUp(gen int64, wasConnected bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if wasConnected && m.connGen == gen && m.connected {
		m.stale = false
	}
}

// following reports whether the index is loaded and follows the database.
func (m *memEngine) following() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state.Load() != nil && !m.stale
}

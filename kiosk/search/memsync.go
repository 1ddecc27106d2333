package search

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// notifyChannel carries the changes migrations/0008_search_notify.sql
// announces: "d:ID" for a document row, "meta" for departments and
// categories, and "sync:TOKEN" for SyncIndex.
const notifyChannel = "govhall_search"

// Tuning of the in-memory index.
const (
	overlayMax   = 2000             // changed documents kept beside the base before it is rebuilt
	rebuildQuiet = 2 * time.Second  // a rebuild waits for this long without changes (bulk imports)
	rebuildMax   = 60 * time.Second // … but not longer
	suspectTTL   = 5 * time.Second  // a local change never announced (rolled back) is forgotten after this
)

// memEngine keeps the in-memory index in step with the database.
type memEngine struct {
	s       *Store
	url     string
	log     *slog.Logger
	state   atomic.Pointer[memState] // nil until the first load: the SQL search answers
	busy    atomic.Bool              // a rebuild is running: local changes wait for it
	started atomic.Bool
	behind  atomic.Int64 // unix nanoseconds of the first change waiting for a rebuild; 0: none

	loads atomic.Int64 // full loads done

	mu      sync.Mutex
	over    map[int64]*memDoc // overlay documents by id; nil: no longer public
	suspect map[int64]time.Time
	waiters map[string]chan struct{}
	// stale: the listening connection was lost and the changes made
	// meanwhile are not applied yet; the state is kept for the catch-up.
	stale     bool
	connected bool  // the listener is connected (as its last event said)
	connGen   int64 // disconnections so far
	listenGen int64 // listening connections opened so far
	// The position in the change log (memchanges.go).
	lastSeq          int64
	horizon          uint64
	mark             string // the mark on its way, "" for none
	markXmin         uint64
	markSent, markAt time.Time // when the last mark was sent; when the one on its way was
	confirmed        time.Time // when the last mark that came back was sent
	trimmedAt        time.Time
}

func newMemEngine(s *Store, url string) *memEngine {
	return &memEngine{s: s, url: url, log: s.log, over: map[int64]*memDoc{}, suspect: map[int64]time.Time{},
		waiters: map[string]chan struct{}{}, connected: true}
}

// live returns the state searches may use: loaded, following the
// database (not stale after a lost connection), and no change made in
// this process is waiting to be announced (until it is, the SQL search
// answers, so a withheld document never shows from here after the commit).
func (m *memEngine) live() *memState {
	if m == nil {
		return nil
	}
	st := m.state.Load()
	if st == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stale {
		return nil
	}
	for id, at := range m.suspect {
		if !m.busy.Load() && time.Since(at) > suspectTTL {
			delete(m.suspect, id)
		}
	}
	if len(m.suspect) > 0 {
		return nil
	}
	return st
}

// changing marks documents a transaction of this process is changing.
func (m *memEngine) changing(ids []int64) {
	if m == nil || !m.started.Load() {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	for _, id := range ids {
		m.suspect[id] = now
	}
}

// listenRetryMax bounds the wait between reconnection attempts of the
// listening connection, so that the index is back within seconds of a
// database restart.
const listenRetryMax = 5 * time.Second

// run follows the database until ctx ends: LISTEN first, then the full
// load, then every announced change. When the listening connection is lost
// the index stops answering (PostgreSQL does) but keeps its state; once
// reconnected it applies what it missed from the change log (memchanges.go)
// and answers again, or loads afresh when the log no longer holds it all.
// A connection that seems up but delivers nothing (no mark back for
// stallAfter) is replaced the same way. Many changes at once (a bulk
// import) wait for a quiet moment and a single rebuild; meanwhile the index
// lags behind, and the page re-read from public_documents keeps anything
// no longer public out of the results.
func (m *memEngine) run(ctx context.Context) {
	l, err := m.listen(ctx)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Error("search index: listen failed, searching in PostgreSQL only", "err", err)
		}
		return
	}
	defer func() { l.close() }()
	defer m.state.Store(nil)
	f := &follower{pending: true, first: time.Now(), pinged: time.Now()}
	for {
		if f.pending && (m.state.Load() == nil || time.Since(f.last) >= rebuildQuiet || time.Since(f.first) >= rebuildMax) {
			if m.tryRebuild(ctx) {
				f.pending = false
			} else {
				f.last = time.Now() // retry after a quiet period
			}
		}
		m.waitingSince(f.pending, f.first)
		wait := markEvery
		if f.pending {
			wait = rebuildQuiet
		}
		select {
		case <-ctx.Done():
			return
		case n := <-l.Notify:
			m.batch(ctx, f, drain(n, l.Notify))
		case <-time.After(wait):
		}
		if f.pending {
			continue
		}
		m.sendMark(ctx)
		m.maybeTrim(ctx)
		if m.stalled() {
			if l, err = m.relisten(ctx, l); err != nil {
				return
			}
			f.pinged = time.Now()
			m.batch(ctx, f, []*pq.Notification{nil}) // as after a reconnection
		}
		if time.Since(f.pinged) >= time.Minute {
			f.pinged = time.Now()
			go l.Ping() //nolint:errcheck // a dead connection comes back as a reconnect
		}
	}
}

// follower is run's state: whether a rebuild is pending, since when
// changes wait for it and when the last came, and when the listening
// connection was last pinged.
type follower struct {
	pending             bool
	first, last, pinged time.Time
}

// batch handles notifications for run.
func (m *memEngine) batch(ctx context.Context, f *follower, batch []*pq.Notification) {
	need, syncs := m.handle(ctx, batch, f.pending)
	if need {
		if !f.pending {
			f.first = time.Now()
		}
		f.pending, f.last = true, time.Now()
	}
	if f.pending && len(syncs) > 0 && m.tryRebuild(ctx) {
		f.pending = false
	}
	m.release(syncs)
}

func (m *memEngine) tryRebuild(ctx context.Context) bool {
	m.busy.Store(true)
	defer m.busy.Store(false)
	err := m.rebuild(ctx)
	if err != nil && ctx.Err() == nil {
		m.log.Error("search index: load failed, searching in PostgreSQL meanwhile", "err", err)
	}
	return err == nil
}

// drain collects the notifications already waiting after n.
func drain(n *pq.Notification, ch <-chan *pq.Notification) []*pq.Notification {
	batch := []*pq.Notification{n}
	for {
		select {
		case n := <-ch:
			batch = append(batch, n)
		default:
			return batch
		}
	}
}

// handle applies a batch of notifications (a nil one: reconnected, so the
// change log is read for what was missed). It reports whether the index
// needs a full rebuild (a gap in the log, or too many changes for the
// overlay) and the sync tokens seen.
func (m *memEngine) handle(ctx context.Context, batch []*pq.Notification, rebuilding bool) (bool, []string) {
	var b changeBatch
	for _, n := range batch {
		if nt, ok := parseNote(n); ok {
			b.add(nt)
		}
	}
	if !b.changes() {
		if !rebuilding {
			m.marked(b.marks)
		}
		return false, b.syncs
	}
	// The cache is dropped after the index changed: a search between a drop
	// before and the change would cache the old state's answer again.
	defer m.s.cache.invalidate()
	if rebuilding {
		return true, b.syncs
	}
	gen, connected := m.connection()
	if m.follow(ctx, &b) {
		return true, b.syncs
	}
	if b.reconnected {
		m.caughtUp(gen, connected)
	}
	m.marked(b.marks)
	return false, b.syncs
}

// follow applies a batch; it reports whether a rebuild is needed instead.
func (m *memEngine) follow(ctx context.Context, b *changeBatch) bool {
	if b.reconnected {
		ok, err := m.catchUp(ctx, b)
		if err != nil {
			m.log.Warn("search index: catch up", "err", err)
		}
		if !ok {
			m.state.Store(nil)
			return true
		}
	}
	if b.meta {
		if err := m.reloadMeta(ctx); err != nil {
			m.log.Warn("search index: reload departments and categories", "err", err)
			return true
		}
	}
	if len(b.ids) > 0 {
		ids := slices.Collect(maps.Keys(unique(b.ids)))
		ok, err := m.apply(ctx, ids)
		if err != nil {
			m.log.Warn("search index: apply changes", "err", err, "documents", len(ids))
			return true
		}
		if !ok {
			return true
		}
	}
	m.advance(b.seq, 0)
	return false
}

func (m *memEngine) release(tokens []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range tokens {
		if ch, ok := m.waiters[t]; ok {
			close(ch)
			delete(m.waiters, t)
		}
	}
}

// SyncIndex waits until the in-memory index reflects every change committed
// before the call (a no-op without one). Tests use it; so may a caller that
// must read its own writes through the index.
func (s *Store) SyncIndex(ctx context.Context) error {
	m := s.mem
	if m == nil {
		return nil
	}
	if !m.started.Load() {
		return fmt.Errorf("search: sync index: StartIndex was not called")
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	ch := make(chan struct{})
	m.mu.Lock()
	m.waiters[token] = ch
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.waiters, token)
		m.mu.Unlock()
	}()
	// The token is sent again until it comes back: the listener may not be
	// listening yet (a NOTIFY before its LISTEN reaches nobody).
	for {
		if _, err := s.db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, "sync:"+token); err != nil {
			return fmt.Errorf("search: sync index: %w", err)
		}
		select {
		case <-ch:
			if !m.following() {
				return fmt.Errorf("search: sync index: the index is not loaded")
			}
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// rebuild loads every public document in one snapshot, and takes its
// position in the change log from that snapshot.
func (m *memEngine) rebuild(ctx context.Context) error {
	start := time.Now()
	gen, connected := m.connection()
	tx, err := m.s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("search: begin index load: %w", err)
	}
	defer tx.Rollback()
	h, xmin, err := horizonNow(ctx, tx)
	if err != nil {
		return err
	}
	meta, err := loadMeta(ctx, tx, nil)
	if err != nil {
		return err
	}
	var rows []docRow
	if err := tx.SelectContext(ctx, &rows, memDocsSQL+` FROM public_documents d`); err != nil {
		return fmt.Errorf("search: read documents for the index: %w", err)
	}
	docs := make([]memDoc, 0, len(rows))
	for i := range rows {
		d, ok := rows[i].doc(meta)
		if !ok {
			return fmt.Errorf("search: document %d: department or category missing", rows[i].ID)
		}
		docs = append(docs, d)
	}
	rows = nil
	x := newMemIndex(docs)
	if err := loadVectors(ctx, tx, x); err != nil {
		return err
	}
	x.seal()
	m.mu.Lock()
	m.over = map[int64]*memDoc{}
	m.state.Store(&memState{base: x, dead: newBitmap(len(x.docs)), meta: meta})
	m.mu.Unlock()
	m.advance(h.MaxSeq, xmin)
	m.confirm(start)
	m.caughtUp(gen, connected)
	m.loads.Add(1)
	m.s.cache.invalidate()
	m.log.Info("search index ready", "documents", len(x.docs), "dur_ms", time.Since(start).Milliseconds())
	return nil
}

// apply re-reads changed documents into the overlay. It reports false when
// the overlay would grow too large (the caller rebuilds instead).
func (m *memEngine) apply(ctx context.Context, ids []int64) (bool, error) {
	st := m.state.Load()
	if st == nil {
		return false, nil
	}
	var rows []docRow
	q := memDocsSQL + `, d.search_title::text AS title_vector, d.search_all::text AS all_vector
		FROM public_documents d WHERE d.id = ANY($1)`
	if err := m.s.db.SelectContext(ctx, &rows, q, pq.Array(ids)); err != nil {
		return false, fmt.Errorf("search: read changed documents: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	over := make(map[int64]*memDoc, len(m.over)+len(ids))
	for k, v := range m.over {
		over[k] = v
	}
	for _, id := range ids {
		over[id] = nil
	}
	for i := range rows {
		d, ok := rows[i].doc(st.meta)
		if !ok {
			return false, nil
		}
		over[d.id] = &d
	}
	if len(over) > overlayMax {
		return false, nil
	}
	dead := append(bitmap(nil), st.dead...)
	var docs []memDoc
	for id, d := range over {
		if n, ok := st.base.byID[id]; ok {
			dead.set(n)
		}
		if d != nil {
			docs = append(docs, *d)
		}
	}
	x := newMemIndex(docs)
	for i := range x.docs {
		x.addVectors(uint32(i), x.docs[i].titleVector, x.docs[i].allVector)
	}
	m.over = over
	m.state.Store(&memState{base: st.base, dead: dead, overlay: x.seal(), meta: st.meta})
	for _, id := range ids {
		delete(m.suspect, id)
	}
	return true, nil
}

// reloadMeta picks up renamed, added or removed departments and categories.
func (m *memEngine) reloadMeta(ctx context.Context) error {
	st := m.state.Load()
	if st == nil {
		return nil
	}
	meta, err := loadMeta(ctx, m.s.db, st.meta)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.state.Load()
	m.state.Store(&memState{base: cur.base, dead: cur.dead, overlay: cur.overlay, meta: meta})
	return nil
}

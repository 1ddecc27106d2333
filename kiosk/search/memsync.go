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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
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

	mu      sync.Mutex
	over    map[int64]*memDoc // overlay documents by id; nil: no longer public
	suspect map[int64]time.Time
	waiters map[string]chan struct{}
}

func newMemEngine(s *Store, url string) *memEngine {
	return &memEngine{s: s, url: url, log: s.log, over: map[int64]*memDoc{}, suspect: map[int64]time.Time{},
		waiters: map[string]chan struct{}{}}
}

// live returns the state searches may use: loaded, and no change made in
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
// load, then every announced change; a lost connection drops the index
// until it is reconnected and loaded again. Many changes at once (a bulk
// import) wait for a quiet moment and a single rebuild; meanwhile the index
// lags behind, and the page re-read from public_documents keeps anything no
// longer public out of the results.
func (m *memEngine) run(ctx context.Context) {
	l := pq.NewListener(m.url, time.Second, listenRetryMax, func(ev pq.ListenerEventType, err error) {
		if ev == pq.ListenerEventDisconnected {
			m.state.Store(nil) // changes may go unannounced until it is reloaded
		}
		if err != nil {
			m.log.Warn("search index listener", "event", ev, "err", err)
		}
	})
	go func() { <-ctx.Done(); l.Close() }()
	if err := l.Listen(notifyChannel); err != nil {
		if ctx.Err() == nil {
			m.log.Error("search index: listen failed, searching in PostgreSQL only", "err", err)
		}
		return
	}
	defer m.state.Store(nil)
	pending, first, last := true, time.Now(), time.Time{}
	for {
		if pending && (m.state.Load() == nil || time.Since(last) >= rebuildQuiet || time.Since(first) >= rebuildMax) {
			if m.tryRebuild(ctx) {
				pending = false
			} else {
				last = time.Now() // retry after a quiet period
			}
		}
		m.waitingSince(pending, first)
		wait := time.Minute
		if pending {
			wait = rebuildQuiet
		}
		select {
		case <-ctx.Done():
			return
		case n := <-l.Notify:
			need, syncs := m.handle(ctx, drain(n, l.Notify), pending)
			if need {
				if !pending {
					first = time.Now()
				}
				pending, last = true, time.Now()
			}
			if pending && len(syncs) > 0 && m.tryRebuild(ctx) {
				pending = false
			}
			m.release(syncs)
		case <-time.After(wait):
			if !pending {
				go l.Ping() //nolint:errcheck // a dead connection comes back as a reconnect
			}
		}
	}
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

// handle applies a batch of notifications. It reports whether the index
// needs a full rebuild (a reconnect, or too many changes for the overlay)
// and the sync tokens seen.
func (m *memEngine) handle(ctx context.Context, batch []*pq.Notification, rebuilding bool) (bool, []string) {
	var ids []int64
	var syncs []string
	need, meta := false, false
	for _, n := range batch {
		switch {
		case n == nil: // reconnected: changes may have been missed
			need = true
			m.state.Store(nil)
		case n.Extra == "meta":
			meta = true
		case strings.HasPrefix(n.Extra, "sync:"):
			syncs = append(syncs, strings.TrimPrefix(n.Extra, "sync:"))
		case strings.HasPrefix(n.Extra, "d:"):
			if id, err := strconv.ParseInt(n.Extra[2:], 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
	}
	m.s.cache.invalidate()
	if need || rebuilding {
		return true, syncs
	}
	if meta {
		if err := m.reloadMeta(ctx); err != nil {
			m.log.Warn("search index: reload departments and categories", "err", err)
			return true, syncs
		}
	}
	if len(ids) > 0 {
		ok, err := m.apply(ctx, ids)
		if err != nil {
			m.log.Warn("search index: apply changes", "err", err, "documents", len(ids))
			return true, syncs
		}
		return !ok, syncs
	}
	return false, syncs
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
			if m.state.Load() == nil {
				return fmt.Errorf("search: sync index: the index is not loaded")
			}
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

const memAgenciesSQL = `SELECT id, code, name, full_name FROM departments ORDER BY id`

const memCategoriesSQL = `SELECT id, name, path FROM categories ORDER BY id`

const memDocsSQL = `SELECT d.id, d.index_no, d.code, d.doc_number, d.doc_number_key, d.title, d.search_norm_title,
		d.agency_id, d.category_id, coalesce(to_char(d.published_at, 'YYYY-MM-DD'), '') AS published,
		d.validity, d.kind`

// memVectorsSQL reads the stored search vectors as text (their lexemes are
// what the SQL search matches).
const memVectorsSQL = `SELECT d.id, d.search_title::text, d.search_all::text FROM public_documents d`

// loadMeta reads departments and categories, keeping the positions of
// those already known (documents refer to them by position).
func loadMeta(ctx context.Context, q sqlx.QueryerContext, old *memMeta) (*memMeta, error) {
	var as []agencyMeta
	if err := sqlx.SelectContext(ctx, q, &as, memAgenciesSQL); err != nil {
		return nil, fmt.Errorf("search: read departments: %w", err)
	}
	var cs []categoryMeta
	if err := sqlx.SelectContext(ctx, q, &cs, memCategoriesSQL); err != nil {
		return nil, fmt.Errorf("search: read categories: %w", err)
	}
	if old == nil {
		old = &memMeta{}
	}
	meta := &memMeta{}
	meta.agencies, meta.agencyPos = placed(old.agencies, old.agencyPos, as, func(a agencyMeta) int64 { return a.ID })
	meta.categories, meta.catPos = placed(old.categories, old.catPos, cs, func(c categoryMeta) int64 { return c.ID })
	return meta, nil
}

// placed puts rows at the positions their ids had in list (by pos), new ids
// at the end, on copies of both.
func placed[T any](list []T, pos map[int64]int32, rows []T, id func(T) int64) ([]T, map[int64]int32) {
	list, pos = slices.Clone(list), maps.Clone(pos)
	if pos == nil {
		pos = map[int64]int32{}
	}
	for _, r := range rows {
		if p, ok := pos[id(r)]; ok {
			list[p] = r
		} else {
			pos[id(r)] = int32(len(list))
			list = append(list, r)
		}
	}
	return list, pos
}

// docRow is a row of memDocsSQL, with the vectors when they are read along.
type docRow struct {
	ID          int64  `db:"id"`
	IndexNo     string `db:"index_no"`
	Code        string `db:"code"`
	DocNumber   string `db:"doc_number"`
	DocKey      string `db:"doc_number_key"`
	Title       string `db:"title"`
	NormTitle   string `db:"search_norm_title"`
	AgencyID    int64  `db:"agency_id"`
	CategoryID  int64  `db:"category_id"`
	Published   string `db:"published"`
	Validity    string `db:"validity"`
	Kind        string `db:"kind"`
	TitleVector string `db:"title_vector"`
	AllVector   string `db:"all_vector"`
}

// doc turns a row into a memDoc; it fails for a department or category the
// metadata does not know yet.
func (r *docRow) doc(meta *memMeta) (memDoc, bool) {
	ap, ok1 := meta.agencyPos[r.AgencyID]
	cp, ok2 := meta.catPos[r.CategoryID]
	d := memDoc{id: r.ID, indexNo: r.IndexNo, code: r.Code, docNumber: r.DocNumber, docKey: r.DocKey,
		title: r.Title, normTitle: r.NormTitle, published: r.Published, validity: r.Validity, kind: r.Kind,
		titleVector: r.TitleVector, allVector: r.AllVector, agencyPos: ap, categoryPos: cp,
		validityPos: namePos(validityNames, r.Validity), kindPos: namePos(kindNames, r.Kind), current: r.Validity == "有效"}
	if r.DocKey != "" {
		d.yearNum = yearNumber(r.DocKey)
	}
	if len(r.Published) >= 4 {
		d.year, _ = strconv.Atoi(r.Published[:4])
	}
	return d, ok1 && ok2
}

// yearNumber is search_year_number of migrations/0004_search.sql.
func yearNumber(key string) string {
	parts := strings.SplitN(key, "|", 4)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[1] + "|" + parts[2]
}

// rebuild loads every public document in one snapshot.
func (m *memEngine) rebuild(ctx context.Context) error {
	start := time.Now()
	tx, err := m.s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("search: begin index load: %w", err)
	}
	defer tx.Rollback()
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

package search

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// The change log (migrations/0026_search_changes.sql) lets the index catch
// up after its listening connection was lost, without loading every
// document again.
//
// seq alone cannot say what was missed: seq is drawn when a trigger runs,
// not at commit, so a transaction holding seq 10 may commit after one
// holding seq 11, whose NOTIFY the index already applied; "seq > 11" would
// miss 10. The index keeps a horizon instead: the xmin of a snapshot
// taken when every change committed before it was known to the index.
// A transaction that commits after that snapshot was running then or began
// later, so its xid is at least that xmin; the catch-up reads every change
// with xid >= horizon (and seq > the last seq seen, for good measure). It
// may read some changes again, which re-reads their rows: harmless. The
// holes aborted transactions leave in seq mean nothing here.
//
// The horizon advances at every load and catch-up (their own snapshots)
// and, while the index follows the NOTIFYs, by a mark: one statement takes
// a snapshot and sends "mark:TOKEN"; NOTIFYs arrive in commit order, so
// when the mark comes back every change committed before that snapshot has
// been received. Marks also bound how stale another node's withholding can
// be here (memEngine.fresh).

// Tuning of the change log.
const (
	logKeep    = 24 * time.Hour         // changes kept at least this long …
	logMaxRows = 1_000_000              // … unless there are more than this many
	trimEvery  = time.Hour              // how often each node trims the log
	markEvery  = 250 * time.Millisecond // how often a mark is sent (memEngine.sendMark)
	freshFor   = time.Second            // how old the last mark back may be for cached results to be served unchecked
	stallAfter = 5 * time.Second        // no mark back for this long: the listening connection is replaced
)

// note is one parsed notification.
type note struct {
	kind  string // "d", "meta", "sync", "mark"; "" for a reconnection
	id    int64  // a document's id, for "d"
	seq   int64  // the change's seq, 0 when the payload carries none
	token string // for "sync" and "mark"
}

// parseNote reads a payload of search_notify ("d:ID:SEQ", "meta:SEQ", or
// the older "d:ID", "meta"), SyncIndex ("sync:TOKEN") or a mark. It reports
// false for anything else.
func parseNote(n *pq.Notification) (note, bool) {
	if n == nil {
		return note{}, true
	}
	kind, rest, _ := strings.Cut(n.Extra, ":")
	switch kind {
	case "sync", "mark":
		return note{kind: kind, token: rest}, true
	case "meta":
		seq, _ := strconv.ParseInt(rest, 10, 64)
		return note{kind: kind, seq: seq}, true
	case "d":
		idText, seqText, _ := strings.Cut(rest, ":")
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil {
			return note{}, false
		}
		seq, _ := strconv.ParseInt(seqText, 10, 64)
		return note{kind: kind, id: id, seq: seq}, true
	}
	return note{}, false
}

// changeBatch is what a batch of notifications (and a catch-up) asks for.
type changeBatch struct {
	ids         []int64
	meta        bool
	reconnected bool
	seq         int64 // the highest seq seen
	syncs       []string
	marks       []string
}

func (b *changeBatch) add(n note) {
	switch n.kind {
	case "":
		b.reconnected = true
	case "meta":
		b.meta = true
	case "d":
		b.ids = append(b.ids, n.id)
	case "sync":
		b.syncs = append(b.syncs, n.token)
	case "mark":
		b.marks = append(b.marks, n.token)
	}
	b.seq = max(b.seq, n.seq)
}

// changes reports whether the batch changes what searches may find.
func (b *changeBatch) changes() bool { return b.reconnected || b.meta || len(b.ids) > 0 }

// horizonSQL opens a catch-up or load: its snapshot's xmin and the log's
// trim marks (the first statement of a transaction takes its snapshot).
const horizonSQL = `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
		t.seq AS trimmed_seq, t.xid::text AS trimmed_xid,
		coalesce((SELECT max(seq) FROM search_changes), 0) AS max_seq
	FROM search_changes_trimmed t`

type horizonRow struct {
	Xmin       string `db:"xmin"`
	TrimmedSeq int64  `db:"trimmed_seq"`
	TrimmedXid string `db:"trimmed_xid"`
	MaxSeq     int64  `db:"max_seq"`
}

// changesSQL is every change the index may have missed.
const changesSQL = `SELECT seq, coalesce(doc_id, 0) AS doc_id FROM search_changes
	WHERE seq > $1 OR xid >= $2::text::xid8`

// horizonNow reads horizonSQL in tx, which must not have run a statement.
func horizonNow(ctx context.Context, tx *sqlx.Tx) (horizonRow, uint64, error) {
	var h horizonRow
	if err := tx.GetContext(ctx, &h, horizonSQL); err != nil {
		return h, 0, fmt.Errorf("search: read the change log's horizon: %w", err)
	}
	x, err := strconv.ParseUint(h.Xmin, 10, 64)
	if err != nil {
		return h, 0, fmt.Errorf("search: snapshot xmin %q: %w", h.Xmin, err)
	}
	return h, x, nil
}

// catchUp adds to b the changes the index may have missed. It reports
// false when the log no longer holds them all (trimmed past the horizon):
// the index must be loaded afresh.
func (m *memEngine) catchUp(ctx context.Context, b *changeBatch) (bool, error) {
	start := time.Now()
	tx, err := m.s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return false, fmt.Errorf("search: begin catch-up: %w", err)
	}
	defer tx.Rollback()
	h, xmin, err := horizonNow(ctx, tx)
	if err != nil {
		return false, err
	}
	last, horizon := m.position()
	trimmedXid, _ := strconv.ParseUint(h.TrimmedXid, 10, 64)
	if h.TrimmedSeq > last || (h.TrimmedSeq > 0 && trimmedXid >= horizon) {
		m.log.Info("search index: the change log was trimmed past this node's position, loading afresh",
			"seq", last, "trimmed_seq", h.TrimmedSeq)
		return false, nil
	}
	var rows []struct {
		Seq   int64 `db:"seq"`
		DocID int64 `db:"doc_id"`
	}
	if err := tx.SelectContext(ctx, &rows, changesSQL, last, strconv.FormatUint(horizon, 10)); err != nil {
		return false, fmt.Errorf("search: read the change log: %w", err)
	}
	for _, r := range rows {
		if r.DocID == 0 {
			b.add(note{kind: "meta", seq: r.Seq})
		} else {
			b.add(note{kind: "d", id: r.DocID, seq: r.Seq})
		}
	}
	m.advance(max(b.seq, h.MaxSeq), xmin)
	m.confirm(start)
	m.log.Info("search index: caught up from the change log", "changes", len(rows), "from_seq", last,
		"dur_ms", time.Since(start).Milliseconds())
	return true, nil
}

// position returns the last seq seen and the horizon.
func (m *memEngine) position() (int64, uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastSeq, m.horizon
}

// advance moves the position forward (never back).
func (m *memEngine) advance(seq int64, horizon uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastSeq = max(m.lastSeq, seq)
	m.horizon = max(m.horizon, horizon)
}

// markSQL takes a snapshot and announces a mark after it (at its commit).
const markSQL = `SELECT pg_snapshot_xmin(pg_current_snapshot())::text, pg_notify($1, $2)`

// sendMark sends a mark every markEvery while the index follows the
// database; a mark that comes back advances the horizon and confirms that
// every change committed before it was sent has been applied (fresh).
func (m *memEngine) sendMark(ctx context.Context) {
	m.mu.Lock()
	due := !m.stale && m.state.Load() != nil && time.Since(m.markSent) >= markEvery
	if due {
		m.markSent = time.Now() // a failed mark is not retried at once
	}
	sent := m.markSent
	m.mu.Unlock()
	if !due {
		return
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	var xmin string
	var ignored any
	if err := m.s.db.QueryRowContext(ctx, markSQL, notifyChannel, "mark:"+token).Scan(&xmin, &ignored); err != nil {
		if ctx.Err() == nil {
			m.log.Warn("search index: mark the change log", "err", err)
		}
		return
	}
	x, err := strconv.ParseUint(xmin, 10, 64)
	if err != nil {
		return
	}
	m.mu.Lock()
	m.mark, m.markXmin, m.markAt = token, x, sent
	m.mu.Unlock()
}

// marked takes the marks of a batch applied in full (or without changes):
// when this engine's came back, the horizon advances and the index is
// confirmed fresh as of the time it was sent.
func (m *memEngine) marked(tokens []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range tokens {
		if t == m.mark && t != "" {
			m.horizon = max(m.horizon, m.markXmin)
			if m.markAt.After(m.confirmed) {
				m.confirmed = m.markAt
			}
			m.mark = ""
		}
	}
}

// confirm records that every change committed before at has been applied
// (a load or catch-up whose snapshot was taken after at).
func (m *memEngine) confirm(at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if at.After(m.confirmed) {
		m.confirmed = at
	}
}

// fresh reports whether the index is confirmed to hold every change
// committed more than freshFor ago: while it is, cached results are served
// without asking PostgreSQL. A listening connection that stopped
// delivering (a hung socket, a stalled process) loses this within
// freshFor, and cached results are checked in public_documents again.
func (m *memEngine) fresh() bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.stale && time.Since(m.confirmed) < freshFor
}

// trimSQL deletes changes older than $1 seconds, and beyond the last $2,
// and records how far it went.
const trimSQL = `WITH gone AS (
		DELETE FROM search_changes
		WHERE changed_at < now() - make_interval(secs => $1)
			OR seq <= (SELECT max(seq) FROM search_changes) - $2
		RETURNING seq, xid)
	UPDATE search_changes_trimmed t SET seq = greatest(t.seq, g.seq), xid = greatest(t.xid, g.xid)
	FROM (SELECT max(seq) AS seq, max(xid) AS xid FROM gone) g WHERE g.seq IS NOT NULL`

// trim keeps the change log bounded; every node runs it now and then (two
// at once delete the same rows once).
func (m *memEngine) trim(ctx context.Context, keep time.Duration, rows int64) error {
	if _, err := m.s.db.ExecContext(ctx, trimSQL, keep.Seconds(), rows); err != nil {
		return fmt.Errorf("search: trim the change log: %w", err)
	}
	return nil
}

// maybeTrim trims the log once every trimEvery.
func (m *memEngine) maybeTrim(ctx context.Context) {
	if time.Since(m.trimmedAt) < trimEvery {
		return
	}
	m.trimmedAt = time.Now()
	if err := m.trim(ctx, logKeep, logMaxRows); err != nil && ctx.Err() == nil {
		m.log.Warn("search index", "err", err)
	}
}

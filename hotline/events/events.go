// Package events carries what the staff consoles are told live: calls
// offered, answered, transferred and ended, queries assigned and due. Every
// event is a row of console_events first, so its id orders it and a console
// that lost its stream asks for what it missed; then a Hub fans it out to
// the streams of the accounts it is meant for. Publishing from another
// process reaches this one's streams through NOTIFY govhall_console, and a
// periodic re-scan catches anything a lost notification would miss.
package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// notifyChannel is the PostgreSQL channel that announces new events.
const notifyChannel = "govhall_console"

// Replay bounds what a reconnecting stream is sent: events of the last
// ReplayWindow, at most ReplayLimit of them.
const (
	ReplayWindow = 24 * time.Hour
	ReplayLimit  = 500
)

// ErrInvalid means an event cannot be published as given.
var ErrInvalid = errors.New("events: invalid event")

// Event is one thing that happened, for an audience: one account, or the
// accounts with Role (of Department, for liaisons), or everyone on staff.
type Event struct {
	ID           int64           `db:"id" json:"id"`
	At           time.Time       `db:"at" json:"at"`
	Kind         string          `db:"kind" json:"kind"`
	AccountID    sql.NullInt64   `db:"account_id" json:"-"`
	Role         sql.NullString  `db:"role" json:"-"`
	DepartmentID sql.NullInt64   `db:"department_id" json:"-"`
	Data         json.RawMessage `db:"data" json:"data"`
}

// Audience says who an event is for. The zero Audience is all staff.
type Audience struct {
	AccountID    int64
	Role         string
	DepartmentID int64
}

// Subscriber is who a stream belongs to.
type Subscriber struct {
	AccountID    int64
	Roles        []string
	DepartmentID int64
}

// sees reports whether s is in the audience of e. Admins and supervisors
// see every role's and department's events, never another account's own.
func (s Subscriber) sees(e Event) bool {
	if e.AccountID.Valid {
		return e.AccountID.Int64 == s.AccountID
	}
	over := slices.Contains(s.Roles, "admin") || slices.Contains(s.Roles, "supervisor")
	if e.Role.Valid && !over && !slices.Contains(s.Roles, e.Role.String) {
		return false
	}
	return !e.DepartmentID.Valid || over || e.DepartmentID.Int64 == s.DepartmentID
}

// Hub stores events and fans them out to the streams of this process.
type Hub struct {
	db   *sqlx.DB
	url  string // for LISTEN; empty: only this process publishes
	log  *slog.Logger
	wake chan struct{}

	mu     sync.Mutex
	subs   map[*Stream]struct{}
	lastID int64
}

// NewHub returns a Hub on db. notifyURL, when set, is the connection
// string it listens on for events other processes publish.
func NewHub(db *sqlx.DB, notifyURL string, log *slog.Logger) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub{db: db, url: notifyURL, log: log, wake: make(chan struct{}, 1), subs: map[*Stream]struct{}{}}
}

// Publish stores an event of kind for the audience with data (marshalled
// to JSON) and announces it. It returns the stored event.
func (h *Hub) Publish(ctx context.Context, kind string, to Audience, data any) (Event, error) {
	if kind == "" {
		return Event{}, fmt.Errorf("%w: no kind", ErrInvalid)
	}
	b, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if string(b) == "null" {
		b = []byte("{}")
	}
	// A trigger announces the row (NOTIFY govhall_console) when it commits.
	const q = `INSERT INTO console_events (kind, account_id, role, department_id, data)
		VALUES ($1, NULLIF($2, 0), NULLIF($3, ''), NULLIF($4, 0), $5)
		RETURNING id, at, kind, account_id, role, department_id, data`
	var e Event
	if err := h.db.GetContext(ctx, &e, q, kind, to.AccountID, to.Role, to.DepartmentID, b); err != nil {
		return Event{}, fmt.Errorf("events: publish %s: %w", kind, err)
	}
	h.poke()
	return e, nil
}

// Pending is an event to publish with PublishAll.
type Pending struct {
	Kind string
	To   Audience
	Data any
}

// PublishAll stores events in one statement and one commit, in their
// order, and announces them: under a heavy call load one insert and one
// commit per event is what limits the rate. Nothing is stored when one
// of them cannot be marshalled or the statement fails.
func (h *Hub) PublishAll(ctx context.Context, ps []Pending) error {
	if len(ps) == 0 {
		return nil
	}
	kinds, roles, data := make([]string, len(ps)), make([]string, len(ps)), make([]string, len(ps))
	accounts, depts := make([]int64, len(ps)), make([]int64, len(ps))
	for i, p := range ps {
		if p.Kind == "" {
			return fmt.Errorf("%w: no kind", ErrInvalid)
		}
		b, err := json.Marshal(p.Data)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		if string(b) == "null" {
			b = []byte("{}")
		}
		kinds[i], roles[i], data[i] = p.Kind, p.To.Role, string(b)
		accounts[i], depts[i] = p.To.AccountID, p.To.DepartmentID
	}
	const q = `INSERT INTO console_events (kind, account_id, role, department_id, data)
		SELECT k, NULLIF(a, 0), NULLIF(r, ''), NULLIF(d, 0), x::jsonb
		FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[]) WITH ORDINALITY AS e(k, a, r, d, x, n)
		ORDER BY n`
	if _, err := h.db.ExecContext(ctx, q, pq.Array(kinds), pq.Array(accounts), pq.Array(roles), pq.Array(depts), pq.Array(data)); err != nil {
		return fmt.Errorf("events: publish %d events: %w", len(ps), err)
	}
	h.poke()
	return nil
}

// poke wakes the fan-out loop without blocking.
func (h *Hub) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Start reads where the event log stands, then fans events out in the
// background until ctx ends: woken by this process's Publish, by NOTIFY
// from others, and every rescan at the latest. done is closed when it has
// stopped (every stream closed).
func (h *Hub) Start(ctx context.Context, rescan time.Duration) (done <-chan struct{}, err error) {
	var last int64
	if err := h.db.GetContext(ctx, &last, `SELECT COALESCE(max(id), 0) FROM console_events`); err != nil {
		return nil, fmt.Errorf("events: read the last id: %w", err)
	}
	h.mu.Lock()
	h.lastID = max(h.lastID, last)
	h.mu.Unlock()
	d := make(chan struct{})
	go func() {
		defer close(d)
		h.run(ctx, rescan)
	}()
	return d, nil
}

func (h *Hub) run(ctx context.Context, rescan time.Duration) {
	var notify <-chan *pq.Notification
	if h.url != "" {
		// Retried at most every 5 s: the consoles are live again within
		// seconds of a database restart.
		l := pq.NewListener(h.url, time.Second, 5*time.Second, func(ev pq.ListenerEventType, err error) {
			if err != nil {
				h.log.Warn("console events listener", "event", ev, "err", err)
			}
		})
		defer l.Close()
		if err := l.Listen(notifyChannel); err != nil {
			h.log.Warn("console events: listen failed, re-scanning only", "err", err)
		} else {
			notify = l.Notify
		}
	}
	t := time.NewTicker(rescan)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			h.closeAll()
			return
		case <-h.wake:
		case <-notify:
		case <-t.C:
		}
		if err := h.fanOut(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("console events: fan out", "err", err)
		}
	}
}

// fanOut reads the events after the last one sent and hands each to the
// streams that may see it.
func (h *Hub) fanOut(ctx context.Context) error {
	h.mu.Lock()
	after := h.lastID
	h.mu.Unlock()
	var es []Event
	const q = `SELECT id, at, kind, account_id, role, department_id, data FROM console_events WHERE id > $1 ORDER BY id LIMIT 1000`
	if err := h.db.SelectContext(ctx, &es, q, after); err != nil {
		return fmt.Errorf("events: read new events: %w", err)
	}
	if len(es) == 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastID = es[len(es)-1].ID
	for s := range h.subs {
		for _, e := range es {
			if e.ID > s.after && s.who.sees(e) {
				s.send(e)
			}
		}
	}
	return nil
}

func (h *Hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.close()
	}
	clear(h.subs)
}

// Subscribers returns the number of open streams.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Package queries is the 限时办结 machinery of the 96128 hotline and of the
// web, kiosk and service-hall query system: tracked queries (查询单) with a
// 查询码, routed to departments, forwarded through the government office
// (政府办) only with an approved 转发理由, answered in turn by several
// departments under 首问责任制, each department with its own clock in legal
// working days (hotline/calendar); complaints on answers with their own
// clocks, satisfaction ratings, the knowledge base fed from general answers,
// the due-soon and overdue lists and the notification outbox. Every change
// is an event row, from which the public history and the statistics are
// built. The package has no HTTP code; server calls it.
package queries

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
)

// Errors returned by the store. Their text after the sentinel's prefix is
// meant for the person who sent the request.
var (
	// ErrNotFound: no query (or complaint, approval, entry) with that code or id.
	ErrNotFound = errors.New("queries: not found")
	// ErrBadCode: a 查询码 that is malformed or fails its check digit.
	ErrBadCode = errors.New("queries: bad query code")
	// ErrInvalid: bad input; a *FieldError names the field.
	ErrInvalid = errors.New("queries: invalid input")
	// ErrConflict: the query is not in a state that allows the action.
	ErrConflict = errors.New("queries: conflict")
	// ErrForbidden: the account may not do this to this query.
	ErrForbidden = errors.New("queries: forbidden")
	// ErrTooMany: too many lookups by code from one client; wait and retry.
	ErrTooMany = errors.New("queries: too many lookups")
)

// FieldError names the field of a rejected input and says what is wrong.
type FieldError struct {
	Field string
	Msg   string
}

// Error returns "queries: invalid input: FIELD: what is wrong".
func (e *FieldError) Error() string { return ErrInvalid.Error() + ": " + e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConflict, fmt.Sprintf(format, args...))
}

func forbidden(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrForbidden, fmt.Sprintf(format, args...))
}

// Status is where a query stands.
type Status string

// The statuses of a query.
const (
	// Accepted (已受理): waiting for the government office to route it.
	Accepted Status = "accepted"
	// Assigned (办理中): with a department, whose liaison answers.
	Assigned Status = "assigned"
	// ForwardPending (转办审核中): the department asked to forward it; the
	// government office has not decided yet.
	ForwardPending Status = "forward_pending"
	// Answered (已答复): every department has answered.
	Answered Status = "answered"
)

// Text returns the status in plain Chinese, for citizens.
func (s Status) Text() string {
	switch s {
	case Accepted:
		return "已受理，正在分办"
	case Assigned:
		return "办理中"
	case ForwardPending:
		return "转办审核中"
	case Answered:
		return "已答复"
	}
	return string(s)
}

// Channels a query may come in by.
var channels = []string{"phone", "voicemail", "kiosk", "web", "window", "post"}

// Kinds of queries and the clocks' base limits.
const (
	KindOrdinary    = "ordinary"    // 5 working days
	KindComplex     = "complex"     // 10 working days
	KindApplication = "application" // 依申请公开, 20 working days
)

// Roles of staff accounts, as in server/staff.
const (
	roleAdmin      = "admin"
	roleReviewer   = "reviewer"
	roleOperator   = "operator"
	roleLiaison    = "liaison"
	roleSupervisor = "supervisor"
)

// Actor is who does something: a staff account or, with AccountID 0, a
// citizen or the system. DepartmentID is the account's department (0: none).
type Actor struct {
	AccountID    int64
	Username     string
	IP           string
	Roles        []string
	DepartmentID int64

	system bool
}

// Citizen is the actor of public requests from ip.
func Citizen(ip string) Actor { return Actor{Username: "citizen", IP: ip} }

// System is the actor of a part of govhall acting on its own, such as the
// hotline recording a voicemail: it may use the channels and options of
// staff but holds no role.
func System(name string) Actor { return Actor{Username: name, system: true} }

// systemActor is the actor of the store's own sweeps and re-dating.
var systemActor = System("system")

func (a Actor) has(role string) bool { return slices.Contains(a.Roles, role) }

func (a Actor) staff() bool { return a.AccountID != 0 || a.system }

// Calendars gives the current working-day calendar; *calendar.Store
// satisfies it.
type Calendars interface {
	Calendar() *calendar.Calendar
}

// Options tune a Store. The zero value is usable except for Calendar.
type Options struct {
	// Now returns the current time; default time.Now. Tests move it.
	Now func() time.Time
	// LookupRate and LookupBurst bound lookups by code per client: Burst at
	// once, then one per Rate. Defaults: one per 6 s, burst 10.
	LookupRate  time.Duration
	LookupBurst int
	// DueSoonDays is how many working days ahead "due soon" looks; default 1.
	DueSoonDays int
}

// Store keeps queries in PostgreSQL. Its methods are safe for concurrent
// use; every change locks the query's row, so concurrent changes to one
// query never lose an update.
type Store struct {
	db      *sqlx.DB
	cal     Calendars
	log     *slog.Logger
	now     func() time.Time
	limiter *Limiter
	dueSoon int
	queued  chan struct{} // a change queued notifications: deliver now
}

// NewStore returns a store on db that dates every clock with cal. log may
// be nil (then nothing is logged).
func NewStore(db *sqlx.DB, cal Calendars, log *slog.Logger, o Options) *Store {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LookupRate <= 0 {
		o.LookupRate = 6 * time.Second
	}
	if o.LookupBurst <= 0 {
		o.LookupBurst = 10
	}
	if o.DueSoonDays <= 0 {
		o.DueSoonDays = 1
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{db: db, cal: cal, log: log, now: o.Now, dueSoon: o.DueSoonDays,
		limiter: NewLimiter(o.LookupRate, o.LookupBurst), queued: make(chan struct{}, 1)}
}

// AllowLookup takes one lookup by code from the client key (an IP address,
// a caller's number). When none is left it returns false and how long to
// wait for the next.
func (s *Store) AllowLookup(key string) (bool, time.Duration) {
	return s.limiter.Allow(key, s.now())
}

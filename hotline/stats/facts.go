package stats

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/govhall/govhall/hotline/calendar"
)

// Classes of a call: how far it got.
const (
	ClassOffered  = "offered"  // O: reached the queue
	ClassClosed   = "closed"   // C: out of the hotline's hours (the closed message)
	ClassBlocked  = "blocked"  // B: refused by govhall (no media port, draining, overload)
	ClassGreeting = "greeting" // hung up during the greeting, in hours, before the queue
)

// Exits of an offered call.
const (
	ExitAnswered  = "answered"  // N: an operator answered
	ExitAbandoned = "abandoned" // A: the caller hung up in the queue
	ExitTimeout   = "timeout"   // TO: sent to voicemail after the longest wait
	ExitOther     = "other"     // failed, cut off, still in progress
)

// CallFact is one call of the period as the indicators see it.
type CallFact struct {
	ID         int64
	StartedAt  time.Time
	QueuedAt   sql.NullTime
	DequeuedAt sql.NullTime
	EndedAt    sql.NullTime
	Outcome    string
	Caller     string
	Department string // the department it was last transferred to (code)
	QueryCode  string
	Rating     int    // 1–5, 0: not rated
	WrapCode   string // the first wrap-up code (小结) filed
	Operator   string // username of the first operator who answered
	OperatorID int64
	AnsweredAt sql.NullTime // first operator answer

	Class string
	Exit  string        // for ClassOffered
	Wait  time.Duration // in the queue: to the answer, or to leaving it
	Talk  time.Duration // operators' legs less their holds
	Hold  time.Duration // holds by operators
	Wrap  time.Duration // operators' wrap-up after their legs
	Short bool          // an abandon before Settings.ShortAbandon
}

// Handle is talk + hold + wrap-up.
func (c *CallFact) Handle() time.Duration { return c.Talk + c.Hold + c.Wrap }

// TransferFact is one transfer to a department requested in the period.
type TransferFact struct {
	ID           int64        `db:"id"`
	CallID       int64        `db:"call_id"`
	Department   string       `db:"department"`
	DeptName     string       `db:"department_name"`
	OfficeHours  string       `db:"office_hours"`
	Method       string       `db:"method"`
	Result       string       `db:"result"`
	RequestedBy  string       `db:"requested_by"`
	RequestedAt  time.Time    `db:"requested_at"`
	AnsweredAt   sql.NullTime `db:"answered_at"`
	FinishedAt   sql.NullTime `db:"finished_at"`
	Liaison      string       `db:"liaison"`
	LiaisonTalkS float64      `db:"liaison_talk_s"`

	InHours    bool // requested in the department's office hours on a working day
	Counted    bool // counted for the department's responsiveness
	Responsive bool // answered within Settings.LiaisonRing
}

// AnswerDelay is the time from the request to the liaison's answer.
func (t *TransferFact) AnswerDelay() time.Duration {
	if !t.AnswerAt() {
		return 0
	}
	return t.AnsweredAt.Time.Sub(t.RequestedAt)
}

// AnswerAt reports whether a liaison answered.
func (t *TransferFact) AnswerAt() bool { return t.AnsweredAt.Valid }

// Clock states at the time of computing.
const (
	ClockOnTime   = "on_time"   // answered by its due time
	ClockLate     = "late"      // answered after it
	ClockOverdue  = "overdue"   // open, running and past due
	ClockNotDue   = "not_due"   // open and not yet due
	ClockStopped  = "stopped"   // open and stopped (补正): its due time will move
	ClockPassedOn = "passed_on" // closed by forwarding or routing: not an answer
)

// ClockFact is one department clock due in the period.
type ClockFact struct {
	ID          int64        `db:"id"`
	Code        string       `db:"code"`
	Channel     string       `db:"channel"`
	QueryKind   string       `db:"query_kind"`
	Department  string       `db:"department"`
	DeptName    string       `db:"department_name"`
	Kind        string       `db:"kind"`
	Days        int          `db:"days"`
	ExtraDays   int          `db:"extra_days"`
	StartedAt   time.Time    `db:"started_at"`
	DueAt       time.Time    `db:"due_at"`
	StoppedAt   sql.NullTime `db:"stopped_at"`
	ClosedAt    sql.NullTime `db:"closed_at"`
	Outcome     string       `db:"outcome"`
	CalVersion  string       `db:"calendar_version"`
	AnsweredBy  string       `db:"answered_by"`
	Provisional bool         `db:"provisional"`

	State    string
	Extended bool
}

// QueryFact is one query accepted in the period.
type QueryFact struct {
	ID         int64        `db:"id"`
	Code       string       `db:"code"`
	Channel    string       `db:"channel"`
	Kind       string       `db:"kind"`
	Question   string       `db:"question"`
	Department string       `db:"department"`
	DeptName   string       `db:"department_name"`
	Status     string       `db:"status"`
	AcceptedAt time.Time    `db:"accepted_at"`
	AnsweredAt sql.NullTime `db:"answered_at"`
	Topic      string       // the question as grouped for the top questions
}

// AnswerFact is one answer given in the period.
type AnswerFact struct {
	ID         int64     `db:"id"`
	Code       string    `db:"code"`
	Channel    string    `db:"channel"`
	QueryKind  string    `db:"query_kind"`
	Department string    `db:"department"`
	DeptName   string    `db:"department_name"`
	Liaison    string    `db:"liaison"`
	AnsweredAt time.Time `db:"answered_at"`
	Rating     int       `db:"rating"` // 0: not rated
	Complained bool      `db:"complained"`
	FollowedUp bool      `db:"followed_up"` // a 回访 call reached the asker after the answer
}

// RatingFact is one rating of an answer given in the period.
type RatingFact struct {
	AnswerID   int64     `db:"answer_id"`
	Code       string    `db:"code"`
	Channel    string    `db:"channel"` // of the query
	QueryKind  string    `db:"query_kind"`
	Department string    `db:"department"`
	DeptName   string    `db:"department_name"`
	Liaison    string    `db:"liaison"`
	Score      int       `db:"score"`
	RatedVia   string    `db:"rated_via"`
	RatedAt    time.Time `db:"rated_at"`
}

// ComplaintFact is one complaint filed in the period.
type ComplaintFact struct {
	ID         int64        `db:"id"`
	Code       string       `db:"code"`
	Channel    string       `db:"channel"`
	QueryKind  string       `db:"query_kind"`
	Department string       `db:"department"`
	DeptName   string       `db:"department_name"`
	Status     string       `db:"status"`
	CreatedAt  time.Time    `db:"created_at"`
	RepliedAt  sql.NullTime `db:"replied_at"`
	DueAt      time.Time    `db:"due_at"`

	Overdue bool
}

// Facts are the records of a period, classified once.
type Facts struct {
	Period     Period
	Department string // code; "" for the whole line
	Settings   Settings
	Now        time.Time
	Cal        *calendar.Calendar

	Calls      []CallFact
	Transfers  []TransferFact
	Clocks     []ClockFact
	Queries    []QueryFact
	Answers    []AnswerFact
	Ratings    []RatingFact
	Complaints []ComplaintFact
	Staffed    [24]float64       // operator-seconds available, busy or in wrap-up, per hour of the day
	Names      map[string]string // display names of accounts by username
	WrapLabels map[string]string // wrap-up codes' labels
	Depts      []Dept
	DefaultHrs []string // departments whose office hours could not be read (the hotline's hours were used)

	cache   map[string][]int    // members of each set without a filter
	timeKey map[string][]string // day, week or hour of each record, by source and dimension
}

// Dept is a department as the reports name it.
type Dept struct {
	ID    int64  `db:"id"`
	Code  string `db:"code"`
	Name  string `db:"name"`
	Hours string `db:"office_hours"`
	Gov   bool   `db:"gov_office"`
}

// load reads and classifies the records of p (for department code dep, or
// all when "").
func (s *Store) load(ctx context.Context, p Period, dep string, st Settings) (*Facts, error) {
	f := &Facts{Period: p, Department: dep, Settings: st, Now: s.now(), Cal: s.cal.Calendar(),
		Names: map[string]string{}, WrapLabels: map[string]string{}}
	if err := s.db.SelectContext(ctx, &f.Depts, `SELECT id, code, name, office_hours, gov_office FROM departments ORDER BY code`); err != nil {
		return nil, fmt.Errorf("stats: departments: %w", err)
	}
	var names []struct{ K, V string }
	if err := s.db.SelectContext(ctx, &names, `SELECT username AS k, display_name AS v FROM accounts WHERE display_name <> ''`); err != nil {
		return nil, fmt.Errorf("stats: accounts: %w", err)
	}
	for _, n := range names {
		f.Names[n.K] = n.V
	}
	names = nil
	if err := s.db.SelectContext(ctx, &names, `SELECT code AS k, label AS v FROM wrapup_codes`); err != nil {
		return nil, fmt.Errorf("stats: wrap-up codes: %w", err)
	}
	for _, n := range names {
		f.WrapLabels[n.K] = n.V
	}
	if dep != "" && f.dept(dep) == nil {
		return nil, fmt.Errorf("%w: department %q", ErrNotFound, dep)
	}
	steps := []func(context.Context, *Facts) error{s.loadTransfers, s.loadClocks, s.loadQueries, s.loadAnswers, s.loadRatings, s.loadComplaints}
	if dep == "" {
		steps = append([]func(context.Context, *Facts) error{s.loadCalls, s.loadStaffed}, steps...)
	}
	// The steps fill fields of their own: they run side by side, so the
	// database works on one while Go classifies another.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(3)
	for _, step := range steps {
		g.Go(func() error { return step(gctx, f) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *Facts) dept(code string) *Dept {
	for i := range f.Depts {
		if f.Depts[i].Code == code {
			return &f.Depts[i]
		}
	}
	return nil
}

// loadCalls reads the calls started in the period with their operators'
// legs, holds, wrap-ups and wrap-up codes, joined in memory.
func (s *Store) loadCalls(ctx context.Context, f *Facts) error {
	from, to := f.Period.Start(), f.Period.End()
	// Instants travel as microseconds since the epoch: parsing a year of
	// timestamps as text costs more than the query.
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, `+us("c.started_at")+`, `+us("c.queued_at")+`, `+us("c.dequeued_at")+`, `+us("c.ended_at")+`, c.outcome, c.caller,
			COALESCE(d.code, ''), c.query_code, COALESCE(c.satisfaction, 0)
		FROM calls c LEFT JOIN departments d ON d.id = c.department_id
		WHERE c.started_at >= $1 AND c.started_at < $2 AND c.direction = 'inbound' ORDER BY c.started_at, c.id`, from, to)
	if err != nil {
		return fmt.Errorf("stats: calls: %w", err)
	}
	defer rows.Close()
	byID := map[int64]int{}
	for rows.Next() {
		var c CallFact
		var started int64
		var queued, dequeued, ended sql.NullInt64
		if err := rows.Scan(&c.ID, &started, &queued, &dequeued, &ended, &c.Outcome, &c.Caller,
			&c.Department, &c.QueryCode, &c.Rating); err != nil {
			return fmt.Errorf("stats: calls: %w", err)
		}
		c.StartedAt, c.QueuedAt, c.DequeuedAt, c.EndedAt = time.UnixMicro(started).In(calendar.Location()), nt(queued), nt(dequeued), nt(ended)
		byID[c.ID] = len(f.Calls)
		f.Calls = append(f.Calls, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("stats: calls: %w", err)
	}
	rows.Close()
	wraps, err := s.wrapPeriods(ctx, from, to)
	if err != nil {
		return err
	}
	// The operators' answered legs, in order of answer.
	legs, err := s.db.QueryContext(ctx, `SELECT l.id, l.call_id, COALESCE(l.account_id, 0), COALESCE(a.username, l.extension),
			`+us("l.answered_at")+`, `+us("COALESCE(l.ended_at, c.ended_at, l.answered_at)")+`
		FROM call_legs l JOIN calls c ON c.id = l.call_id LEFT JOIN accounts a ON a.id = l.account_id
		WHERE c.started_at >= $1 AND c.started_at < $2 AND l.party = 'operator' AND l.answered_at IS NOT NULL
		ORDER BY l.answered_at, l.id`, from, to)
	if err != nil {
		return fmt.Errorf("stats: operator legs: %w", err)
	}
	defer legs.Close()
	legCall := map[int64]int{}
	for legs.Next() {
		var id, callID, acct int64
		var user string
		var answeredUS, endedUS int64
		if err := legs.Scan(&id, &callID, &acct, &user, &answeredUS, &endedUS); err != nil {
			return fmt.Errorf("stats: operator legs: %w", err)
		}
		answered, ended := time.UnixMicro(answeredUS), time.UnixMicro(endedUS)
		i, ok := byID[callID]
		if !ok {
			continue
		}
		c := &f.Calls[i]
		legCall[id] = i
		if !c.AnsweredAt.Valid {
			c.AnsweredAt, c.Operator, c.OperatorID = sql.NullTime{Time: answered, Valid: true}, user, acct
		}
		c.Talk += ended.Sub(answered)
		c.Wrap += wraps.after(acct, ended)
	}
	if err := legs.Err(); err != nil {
		return fmt.Errorf("stats: operator legs: %w", err)
	}
	legs.Close()
	holds, err := s.db.QueryContext(ctx, `SELECT h.leg_id, `+us("h.started_at")+`, `+us("COALESCE(h.ended_at, c.ended_at, h.started_at)")+`
		FROM call_holds h JOIN calls c ON c.id = h.call_id
		WHERE c.started_at >= $1 AND c.started_at < $2 AND h.leg_id IS NOT NULL`, from, to)
	if err != nil {
		return fmt.Errorf("stats: holds: %w", err)
	}
	defer holds.Close()
	for holds.Next() {
		var leg, a, b int64
		if err := holds.Scan(&leg, &a, &b); err != nil {
			return fmt.Errorf("stats: holds: %w", err)
		}
		if i, ok := legCall[leg]; ok {
			f.Calls[i].Hold += time.Duration(b-a) * time.Microsecond
		}
	}
	if err := holds.Err(); err != nil {
		return fmt.Errorf("stats: holds: %w", err)
	}
	holds.Close()
	notes, err := s.db.QueryContext(ctx, `SELECT DISTINCT ON (n.call_id) n.call_id, n.code FROM call_notes n JOIN calls c ON c.id = n.call_id
		WHERE c.started_at >= $1 AND c.started_at < $2 AND n.kind = 'wrapup' ORDER BY n.call_id, n.id`, from, to)
	if err != nil {
		return fmt.Errorf("stats: wrap-up codes: %w", err)
	}
	defer notes.Close()
	for notes.Next() {
		var id int64
		var code string
		if err := notes.Scan(&id, &code); err != nil {
			return fmt.Errorf("stats: wrap-up codes: %w", err)
		}
		if i, ok := byID[id]; ok {
			f.Calls[i].WrapCode = code
		}
	}
	if err := notes.Err(); err != nil {
		return fmt.Errorf("stats: wrap-up codes: %w", err)
	}
	for i := range f.Calls {
		f.classifyCall(&f.Calls[i])
	}
	return nil
}

// us selects an instant as microseconds since the epoch.
func us(col string) string { return "(extract(epoch FROM " + col + ") * 1000000)::bigint" }

// nt is a nullable instant read as microseconds.
func nt(v sql.NullInt64) sql.NullTime {
	if !v.Valid {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: time.UnixMicro(v.Int64).In(calendar.Location()), Valid: true}
}

// classifyCall sets the class, exit and times of a call: the one place
// that decides what a call counts as.
func (f *Facts) classifyCall(c *CallFact) {
	if c.Hold > c.Talk {
		c.Hold = c.Talk
	}
	c.Talk -= c.Hold
	switch {
	case c.QueuedAt.Valid:
		c.Class = ClassOffered
	case c.Outcome == "rejected":
		c.Class = ClassBlocked
	case c.Outcome == "voicemail" || !f.Cal.InHours(c.StartedAt):
		c.Class = ClassClosed
	default:
		c.Class = ClassGreeting
	}
	if c.Class != ClassOffered {
		return
	}
	left := c.StartedAt
	switch {
	case c.AnsweredAt.Valid:
		left = c.AnsweredAt.Time
	case c.DequeuedAt.Valid:
		left = c.DequeuedAt.Time
	case c.EndedAt.Valid:
		left = c.EndedAt.Time
	}
	if c.Wait = left.Sub(c.QueuedAt.Time); c.Wait < 0 {
		c.Wait = 0
	}
	switch {
	case c.AnsweredAt.Valid:
		c.Exit = ExitAnswered
	case c.Outcome == "voicemail" || c.Outcome == "question" || c.Wait >= f.Settings.MaxWait:
		c.Exit = ExitTimeout
	case c.Outcome == "abandoned":
		c.Exit = ExitAbandoned
		c.Short = c.Wait < f.Settings.ShortAbandon
	default:
		c.Exit = ExitOther
	}
}

// wrapIndex holds the operators' wrap-up periods by account, in order.
type wrapIndex map[int64][][2]time.Time

// after returns the wrap-up that began as a leg ended at end (within a
// few seconds), or 0.
func (w wrapIndex) after(acct int64, end time.Time) time.Duration {
	ps := w[acct]
	i := sort.Search(len(ps), func(i int) bool { return !ps[i][0].Before(end.Add(-2 * time.Second)) })
	if i < len(ps) && !ps[i][0].After(end.Add(5*time.Second)) {
		return ps[i][1].Sub(ps[i][0])
	}
	return 0
}

func (s *Store) wrapPeriods(ctx context.Context, from, to time.Time) (wrapIndex, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT account_id, `+us("started_at")+`, `+us("ended_at")+` FROM operator_state_log
		WHERE state = 'wrapup' AND started_at >= $1 AND started_at < $2::timestamptz + interval '1 day' ORDER BY account_id, started_at`, from, to)
	if err != nil {
		return nil, fmt.Errorf("stats: wrap-up periods: %w", err)
	}
	defer rows.Close()
	w := wrapIndex{}
	for rows.Next() {
		var id, a, b int64
		if err := rows.Scan(&id, &a, &b); err != nil {
			return nil, fmt.Errorf("stats: wrap-up periods: %w", err)
		}
		w[id] = append(w[id], [2]time.Time{time.UnixMicro(a), time.UnixMicro(b)})
	}
	return w, rows.Err()
}

// loadStaffed adds up, per hour of the day, the seconds operators were
// available, busy or in wrap-up during the period.
func (s *Store) loadStaffed(ctx context.Context, f *Facts) error {
	const q = `SELECT extract(hour FROM g AT TIME ZONE 'Asia/Shanghai')::int AS h,
			sum(extract(epoch FROM LEAST(p.e, g + interval '1 hour') - GREATEST(p.s, g)))::float8 AS secs
		FROM (SELECT GREATEST(started_at, $1) AS s, LEAST(ended_at, $2) AS e FROM operator_state_log
				WHERE state IN ('available', 'busy', 'wrapup') AND started_at >= $1::timestamptz - interval '7 days' AND started_at < $2 AND ended_at > $1
			UNION ALL SELECT GREATEST(since, $1), LEAST($3::timestamptz, $2) FROM operator_states
				WHERE state IN ('available', 'busy', 'wrapup') AND since < $2 AND $3::timestamptz > $1) p,
			generate_series(date_trunc('hour', p.s AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai', p.e, interval '1 hour') g
		WHERE g < p.e AND p.e > p.s GROUP BY 1`
	var rows []struct {
		H    int     `db:"h"`
		Secs float64 `db:"secs"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, f.Period.Start(), f.Period.End(), f.Now); err != nil {
		return fmt.Errorf("stats: operators staffed: %w", err)
	}
	for _, r := range rows {
		if r.H >= 0 && r.H < 24 {
			f.Staffed[r.H] += r.Secs
		}
	}
	return nil
}

// depFilter adds "AND <col> = $3" when the facts are for one department.
func (f *Facts) depFilter(col string) (string, []any) {
	args := []any{f.Period.Start(), f.Period.End()}
	if f.Department == "" {
		return "", args
	}
	return " AND " + col + " = $3", append(args, f.Department)
}

func (s *Store) loadTransfers(ctx context.Context, f *Facts) error {
	cond, args := f.depFilter("d.code")
	q := `SELECT t.id, t.call_id, d.code AS department, d.name AS department_name, d.office_hours, t.method, t.result,
			COALESCE(r.username, '') AS requested_by, t.requested_at, t.answered_at, t.finished_at,
			COALESCE(la.username, l.extension, '') AS liaison,
			COALESCE(extract(epoch FROM COALESCE(l.ended_at, l.answered_at) - l.answered_at), 0)::float8 AS liaison_talk_s
		FROM call_transfers t JOIN departments d ON d.id = t.department_id
		LEFT JOIN accounts r ON r.id = t.requested_by
		LEFT JOIN call_legs l ON l.id = t.to_leg_id LEFT JOIN accounts la ON la.id = l.account_id
		WHERE t.requested_at >= $1 AND t.requested_at < $2` + cond + ` ORDER BY t.requested_at, t.id`
	if err := s.db.SelectContext(ctx, &f.Transfers, q, args...); err != nil {
		return fmt.Errorf("stats: transfers: %w", err)
	}
	cals := map[string]*calendar.Calendar{}
	for i := range f.Transfers {
		t := &f.Transfers[i]
		cal, ok := cals[t.Department]
		if !ok {
			cal = f.Cal
			if h, err := ParseOfficeHours(t.OfficeHours); err == nil {
				cal, _ = f.Cal.WithHours(h)
			} else {
				f.DefaultHrs = append(f.DefaultHrs, t.DeptName)
			}
			cals[t.Department] = cal
		}
		f.classifyTransfer(t, cal)
	}
	return nil
}

// classifyTransfer decides whether a transfer counts for the department's
// responsiveness: requested in its office hours on a working day, not
// found closed by the hotline, and not given up by the caller or the
// operator before the ring time was over.
func (f *Facts) classifyTransfer(t *TransferFact, cal *calendar.Calendar) {
	ring := f.Settings.LiaisonRing
	t.InHours = cal.InHours(t.RequestedAt) && t.Result != "out_of_hours"
	t.Responsive = t.AnswerAt() && t.AnswerDelay() <= ring
	gaveUp := !t.AnswerAt() && (t.Result == "caller_hung_up" || t.Result == "cancelled") &&
		t.FinishedAt.Valid && t.FinishedAt.Time.Sub(t.RequestedAt) < ring
	t.Counted = t.InHours && !gaveUp && t.Result != "pending"
}

// ParseOfficeHours reads a department's office hours as the admins write
// them ("工作日 8:30–12:00，14:00–17:30", "08:30-12:00,14:00-17:30").
func ParseOfficeHours(s string) (calendar.Hours, error) {
	r := strings.NewReplacer("工作日", "", "上午", "", "下午", "", " ", "", "\u3000", "", "–", "-", "—", "-", "－", "-", "~", "-", "～", "-", "至", "-",
		"，", ",", "、", ",", "；", ",", ";", ",", "：", ":")
	return calendar.ParseHours(strings.Trim(r.Replace(s), ","))
}

func (s *Store) loadClocks(ctx context.Context, f *Facts) error {
	cond, args := f.depFilter("d.code")
	q := `SELECT k.id, q.code, q.channel, q.kind AS query_kind, d.code AS department, d.name AS department_name, k.kind, k.days,
			k.extra_days, k.started_at, k.due_at, k.stopped_at, k.closed_at, COALESCE(k.outcome, '') AS outcome, k.calendar_version,
			COALESCE((SELECT a.username FROM query_answers qa JOIN accounts a ON a.id = qa.answered_by WHERE qa.clock_id = k.id ORDER BY qa.id LIMIT 1), '') AS answered_by,
			k.provisional
		FROM query_clocks k JOIN queries q ON q.id = k.query_id JOIN departments d ON d.id = k.department_id
		WHERE k.complaint_id IS NULL AND k.due_at >= $1 AND k.due_at < $2` + cond + ` ORDER BY k.due_at, k.id`
	if err := s.db.SelectContext(ctx, &f.Clocks, q, args...); err != nil {
		return fmt.Errorf("stats: clocks: %w", err)
	}
	for i := range f.Clocks {
		f.classifyClock(&f.Clocks[i])
	}
	return nil
}

// classifyClock sets the state of a clock due in the period as it stands
// now, and whether it runs on an extended limit.
func (f *Facts) classifyClock(k *ClockFact) {
	k.Extended = strings.HasSuffix(k.Kind, "extended") || k.ExtraDays > 0
	switch {
	case k.ClosedAt.Valid && k.Outcome != "answered":
		k.State = ClockPassedOn
	case k.ClosedAt.Valid && !k.ClosedAt.Time.After(k.DueAt):
		k.State = ClockOnTime
	case k.ClosedAt.Valid:
		k.State = ClockLate
	case k.StoppedAt.Valid:
		k.State = ClockStopped
	case f.Now.After(k.DueAt):
		k.State = ClockOverdue
	default:
		k.State = ClockNotDue
	}
}

func (s *Store) loadQueries(ctx context.Context, f *Facts) error {
	cond, args := f.depFilter("d.code")
	q := `SELECT q.id, q.code, q.channel, q.kind, q.question, d.code AS department, d.name AS department_name, q.status,
			q.accepted_at, q.answered_at
		FROM queries q JOIN departments d ON d.id = q.department_id
		WHERE q.accepted_at >= $1 AND q.accepted_at < $2` + cond + ` ORDER BY q.accepted_at, q.id`
	if err := s.db.SelectContext(ctx, &f.Queries, q, args...); err != nil {
		return fmt.Errorf("stats: queries: %w", err)
	}
	for i := range f.Queries {
		f.Queries[i].Topic = Topic(f.Queries[i].Question)
	}
	return nil
}

// Topic is a question as the top questions group it: without spaces and
// punctuation, at most 24 characters.
func Topic(question string) string {
	var b strings.Builder
	n := 0
	for _, r := range question {
		if n >= 24 {
			break
		}
		if strings.ContainsRune(" \t\r\n\u3000，。？！、；：,.?!;:“”\"'‘’（）()《》", r) {
			continue
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func (s *Store) loadAnswers(ctx context.Context, f *Facts) error {
	cond, args := f.depFilter("d.code")
	q := `SELECT qa.id, q.code, q.channel, q.kind AS query_kind, d.code AS department, d.name AS department_name,
			COALESCE(a.username, '') AS liaison, qa.answered_at, COALESCE(r.score, 0) AS rating,
			EXISTS (SELECT 1 FROM query_complaints p WHERE p.answer_id = qa.id) AS complained,
			EXISTS (SELECT 1 FROM callbacks b WHERE b.kind = 'followup' AND b.query_code = q.code AND b.result = 'reached'
				AND b.requested_at >= qa.answered_at) AS followed_up
		FROM query_answers qa JOIN queries q ON q.id = qa.query_id JOIN departments d ON d.id = qa.department_id
		LEFT JOIN accounts a ON a.id = qa.answered_by LEFT JOIN query_ratings r ON r.answer_id = qa.id
		WHERE qa.answered_at >= $1 AND qa.answered_at < $2` + cond + ` ORDER BY qa.answered_at, qa.id`
	if err := s.db.SelectContext(ctx, &f.Answers, q, args...); err != nil {
		return fmt.Errorf("stats: answers: %w", err)
	}
	return nil
}

func (s *Store) loadRatings(ctx context.Context, f *Facts) error {
	cond, args := f.depFilter("d.code")
	q := `SELECT r.answer_id, q.code, q.channel, q.kind AS query_kind, d.code AS department, d.name AS department_name,
			COALESCE(a.username, '') AS liaison, r.score, r.channel AS rated_via, r.rated_at
		FROM query_ratings r JOIN query_answers qa ON qa.id = r.answer_id JOIN queries q ON q.id = r.query_id
		JOIN departments d ON d.id = qa.department_id LEFT JOIN accounts a ON a.id = qa.answered_by
		WHERE r.rated_at >= $1 AND r.rated_at < $2` + cond + ` ORDER BY r.rated_at, r.answer_id`
	if err := s.db.SelectContext(ctx, &f.Ratings, q, args...); err != nil {
		return fmt.Errorf("stats: ratings: %w", err)
	}
	return nil
}

func (s *Store) loadComplaints(ctx context.Context, f *Facts) error {
	cond, args := f.depFilter("d.code")
	q := `SELECT p.id, q.code, q.channel, q.kind AS query_kind, d.code AS department, d.name AS department_name, p.status,
			p.created_at, p.replied_at, k.due_at
		FROM query_complaints p JOIN queries q ON q.id = p.query_id JOIN query_answers qa ON qa.id = p.answer_id
		JOIN departments d ON d.id = qa.department_id JOIN query_clocks k ON k.complaint_id = p.id
		WHERE p.created_at >= $1 AND p.created_at < $2` + cond + ` ORDER BY p.created_at, p.id`
	if err := s.db.SelectContext(ctx, &f.Complaints, q, args...); err != nil {
		return fmt.Errorf("stats: complaints: %w", err)
	}
	for i := range f.Complaints {
		c := &f.Complaints[i]
		c.Overdue = (c.RepliedAt.Valid && c.RepliedAt.Time.After(c.DueAt)) || (!c.RepliedAt.Valid && f.Now.After(c.DueAt))
	}
	return nil
}

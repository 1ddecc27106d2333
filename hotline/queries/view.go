package queries

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
)

// PublicView is what anyone with the 查询码 sees: personal data masked, no
// internal notes or reasons, no staff names.
type PublicView struct {
	Code        string            `json:"code"`
	Status      Status            `json:"status"`
	StatusText  string            `json:"status_text"`
	Department  string            `json:"department"`
	AcceptedAt  time.Time         `json:"accepted_at"`
	DueAt       time.Time         `json:"due_at"`
	Provisional bool              `json:"provisional,omitempty"`
	Stopped     bool              `json:"stopped,omitempty"`
	Overdue     bool              `json:"overdue,omitempty"`
	Name        string            `json:"name,omitempty"`
	Phone       string            `json:"phone,omitempty"`
	Question    string            `json:"question"`
	Answer      string            `json:"answer,omitempty"`
	Answers     []PublicAnswer    `json:"answers,omitempty"`
	Explanation string            `json:"explanation,omitempty"`
	Complaints  []PublicComplaint `json:"complaints,omitempty"`
	History     []HistoryItem     `json:"history"`
}

// PublicAnswer is one department's answer, as shown in public.
type PublicAnswer struct {
	Seq        int       `db:"seq" json:"seq"`
	Department string    `db:"department" json:"department"`
	AnsweredAt time.Time `db:"answered_at" json:"answered_at"`
	Body       string    `db:"body" json:"answer"`
	Rated      bool      `db:"rated" json:"rated"`
}

// PublicComplaint is a complaint as shown in public.
type PublicComplaint struct {
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	DueAt     time.Time `json:"due_at"`
	Reply     string    `json:"reply,omitempty"`
}

// HistoryItem is one public event.
type HistoryItem struct {
	At         time.Time `db:"at" json:"at"`
	Event      string    `db:"kind" json:"event"`
	Text       string    `db:"public_text" json:"text"`
	Department string    `db:"department" json:"department,omitempty"`
}

// record is everything stored about one query, read without locks.
type record struct {
	q          query
	department string
	clocks     []Clock
	answers    []PublicAnswer
	complaints []Complaint
	keep       []string // departments' public phone numbers, never masked
}

// load reads the query with the code and its clocks, answers and
// complaints. It fails with ErrBadCode or ErrNotFound.
func (s *Store) load(ctx context.Context, code string) (record, error) {
	var r record
	code, err := ParseCode(code)
	if err != nil {
		return r, err
	}
	err = s.db.GetContext(ctx, &r.q, `SELECT `+queryColumns+` FROM queries WHERE code = $1`, code)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w: 没有找到该查询单，请核对查询码", ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("queries: read %s: %w", code, err)
	}
	if err := s.db.GetContext(ctx, &r.department, `SELECT name FROM departments WHERE id = $1`, r.q.DepartmentID); err != nil {
		return r, fmt.Errorf("queries: department of %s: %w", code, err)
	}
	if err := s.db.SelectContext(ctx, &r.keep, `SELECT phone FROM departments WHERE phone <> ''`); err != nil {
		return r, fmt.Errorf("queries: department phones: %w", err)
	}
	if err := s.db.SelectContext(ctx, &r.clocks, `SELECT `+clockColumns+` FROM query_clocks WHERE query_id = $1 ORDER BY id`, r.q.ID); err != nil {
		return r, fmt.Errorf("queries: clocks of %s: %w", code, err)
	}
	const answers = `SELECT a.seq, d.name AS department, a.answered_at, a.body,
			EXISTS (SELECT 1 FROM query_ratings r WHERE r.answer_id = a.id) AS rated
		FROM query_answers a JOIN departments d ON d.id = a.department_id WHERE a.query_id = $1 ORDER BY a.seq`
	if err := s.db.SelectContext(ctx, &r.answers, answers, r.q.ID); err != nil {
		return r, fmt.Errorf("queries: answers of %s: %w", code, err)
	}
	if err := s.db.SelectContext(ctx, &r.complaints, selectComplaints+` WHERE p.query_id = $1 ORDER BY p.id`, r.q.ID); err != nil {
		return r, fmt.Errorf("queries: complaints of %s: %w", code, err)
	}
	return r, nil
}

// current returns the open department clock, or the last department clock.
func (r record) current() (Clock, bool) {
	var last Clock
	found := false
	for _, c := range r.clocks {
		if c.ComplaintID.Valid {
			continue
		}
		if !c.ClosedAt.Valid {
			return c, true
		}
		last, found = c, true
	}
	return last, found
}

// due returns the answer's deadline as the asker sees it (see answerDue).
func (r record) due(cal *calendar.Calendar) (calendar.Deadline, error) {
	c, ok := r.current()
	if !ok {
		return calendar.Deadline{}, fmt.Errorf("queries: %s has no clock", r.q.Code)
	}
	if c.Kind != calendar.Forward || c.ClosedAt.Valid {
		return calendar.Deadline{Date: c.DueDate, At: c.DueAt, Provisional: c.Provisional}, nil
	}
	_, days := baseDays(r.q.Kind)
	return cal.Due(r.q.SegmentStartedAt, days+(r.q.SegmentPasses+1)*calendar.Forward.Days())
}

// Public returns the public view of a query: status, department, deadline,
// answers and history, with personal data masked. It fails with ErrBadCode
// for a malformed code (before any database access) and ErrNotFound.
func (s *Store) Public(ctx context.Context, code string) (PublicView, error) {
	r, err := s.load(ctx, code)
	if err != nil {
		return PublicView{}, err
	}
	due, err := r.due(s.cal.Calendar())
	if err != nil {
		return PublicView{}, err
	}
	now := s.now()
	cur, _ := r.current()
	v := PublicView{Code: r.q.Code, Status: r.q.Status, StatusText: r.q.Status.Text(), Department: r.department,
		AcceptedAt: r.q.AcceptedAt, DueAt: due.At, Provisional: due.Provisional, Stopped: cur.StoppedAt.Valid,
		Overdue: cur.Overdue(now), Name: MaskName(r.q.AskerName), Phone: MaskPhone(r.q.AskerPhone),
		Question: r.redact(r.q.Question), Explanation: cur.Explanation, History: []HistoryItem{}}
	for _, a := range r.answers {
		a.Body = r.redact(a.Body)
		v.Answers = append(v.Answers, a)
		v.Answer = a.Body
	}
	for _, p := range r.complaints {
		v.Complaints = append(v.Complaints, PublicComplaint{Status: p.Status, CreatedAt: p.CreatedAt, DueAt: p.DueAt,
			Reply: r.redact(p.Reply)})
	}
	const history = `SELECT e.at, e.kind, e.public_text, COALESCE(d.name, '') AS department
		FROM query_events e LEFT JOIN departments d ON d.id = e.department_id
		WHERE e.query_id = $1 AND e.public_text <> '' ORDER BY e.id`
	if err := s.db.SelectContext(ctx, &v.History, history, r.q.ID); err != nil {
		return PublicView{}, fmt.Errorf("queries: history of %s: %w", r.q.Code, err)
	}
	return v, nil
}

// redact masks the asker's personal data in a text shown in public.
func (r record) redact(s string) string { return Redact(s, r.q.AskerName, r.q.AskerPhone, r.keep...) }

// StaffView is the full record of a query for staff: personal data, clocks
// with their flags, approvals and every event with its actor and reason.
type StaffView struct {
	Code            string         `json:"code"`
	Channel         string         `json:"channel"`
	Kind            string         `json:"kind"`
	Status          Status         `json:"status"`
	Department      string         `json:"department"`
	DepartmentID    int64          `json:"department_id"`
	FirstDepartment int64          `json:"first_department_id,omitempty"`
	Pending         []int64        `json:"pending_department_ids,omitempty"`
	Question        string         `json:"question"`
	Name            string         `json:"name"`
	Phone           string         `json:"phone"`
	SIPCallID       string         `json:"sip_call_id,omitempty"`
	AcceptedAt      time.Time      `json:"accepted_at"`
	Version         int            `json:"version"`
	Clocks          []ClockView    `json:"clocks"`
	Answers         []PublicAnswer `json:"answers"`
	Complaints      []Complaint    `json:"complaints"`
	Events          []Event        `json:"events"`
}

// ClockView is a clock with its flags, for staff.
type ClockView struct {
	Clock
	Department  string `json:"department"`
	Complaint   bool   `json:"complaint"`
	Open        bool   `json:"open"`
	Stopped     bool   `json:"stopped"`
	Outcome     string `json:"outcome,omitempty"`
	Overdue     bool   `json:"overdue"`
	Accountable bool   `json:"accountable"`
	Signed      bool   `json:"signed"`
}

// Event is one row of a query's history, for staff.
type Event struct {
	ID         int64           `db:"id" json:"id"`
	At         time.Time       `db:"at" json:"at"`
	Actor      string          `db:"actor" json:"actor"`
	Kind       string          `db:"kind" json:"kind"`
	Status     sql.NullString  `db:"status" json:"-"`
	Department string          `db:"department" json:"department,omitempty"`
	ClockID    sql.NullInt64   `db:"clock_id" json:"-"`
	DueAt      sql.NullTime    `db:"due_at" json:"-"`
	Public     string          `db:"public_text" json:"public_text,omitempty"`
	Reason     string          `db:"reason" json:"reason,omitempty"`
	Detail     json.RawMessage `db:"detail" json:"detail"`
}

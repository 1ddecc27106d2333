package queries

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
)

// Lights of a clock on the liaison's desk (红黄绿灯 of 12345 practice). A
// stopped clock, or one whose query waits for the government office to
// approve a forward, is neither green nor overdue: it is what it is.
const (
	LightRed      = "red"      // past its deadline
	LightAmber    = "amber"    // due within DueSoonDays working days
	LightGreen    = "green"    // more time left
	LightStopped  = "stopped"  // 补正: the clock waits for the asker
	LightAwaiting = "awaiting" // a forward waits for the government office
)

// DeskItem is one open clock of the liaison's department, with what the
// desk shows of it.
type DeskItem struct {
	Item
	Phone         string       `db:"asker_phone" json:"-"`
	SignedAt      sql.NullTime `db:"signed_at" json:"-"`
	Signed        bool         `db:"-" json:"signed"`
	Pending       string       `db:"pending" json:"pending,omitempty"` // forward or extension awaiting a decision
	PendingDays   int          `db:"pending_days" json:"pending_days,omitempty"`
	WorkingLeft   int          `db:"-" json:"working_days_left"` // negative: working days overdue
	Light         string       `db:"-" json:"light"`
	LightText     string       `db:"-" json:"light_text"`
	StoppedSince  sql.NullTime `db:"stopped_since" json:"-"`
	StoppedReason string       `db:"stopped_reason" json:"stopped_reason,omitempty"`
}

const deskColumns = `SELECT q.code, q.status, q.kind AS query_kind, left(q.question, 80) AS question,
		COALESCE(d.name, '监察室') AS department, c.id AS clock_id, c.kind AS clock_kind, c.due_at, c.provisional,
		c.stopped_at IS NOT NULL AS stopped, COALESCE(c.explained_at <= c.due_at, false) AS explained,
		c.complaint_id IS NOT NULL AS complaint, q.accepted_at, q.asker_phone, c.signed_at,
		COALESCE(ap.kind, '') AS pending, COALESCE(ap.days, 0) AS pending_days,
		c.stopped_at AS stopped_since, COALESCE(st.reason, '') AS stopped_reason
	FROM query_clocks c JOIN queries q ON q.id = c.query_id LEFT JOIN departments d ON d.id = c.department_id
	LEFT JOIN query_approvals ap ON ap.clock_id = c.id AND ap.status = 'pending'
	LEFT JOIN query_clock_stops st ON st.clock_id = c.id AND st.resumed_at IS NULL
	WHERE c.closed_at IS NULL AND c.complaint_id IS NULL AND c.department_id = $1`

// Desk returns every open clock of the liaison's department (or, for a
// supervisor or admin, of department, a code or name), in order of working
// days left on the calendar: overdue first, stopped and awaiting ones
// last. It fails like List.
func (s *Store) Desk(ctx context.Context, a Actor, department string) ([]DeskItem, error) {
	var asked int64
	if department != "" {
		d, err := findDepartment(ctx, s.db, "department", department)
		if err != nil {
			return nil, err
		}
		asked = d.ID
	}
	dep, err := listDepartment(a, asked)
	if err != nil {
		return nil, err
	}
	if dep == 0 {
		return nil, fieldErr("department", "请选择部门")
	}
	var items []DeskItem
	if err := s.db.SelectContext(ctx, &items, deskColumns+` ORDER BY c.due_at, c.id LIMIT 1000`, dep); err != nil {
		return nil, fmt.Errorf("queries: desk of department %d: %w", dep, err)
	}
	now, cal := s.now(), s.cal.Calendar()
	for i := range items {
		items[i].light(now, cal, s.dueSoon)
	}
	slices.SortStableFunc(items, func(x, y DeskItem) int { return x.rank() - y.rank() })
	return items, nil
}

// light works out the working days left and the light of the item.
func (it *DeskItem) light(now time.Time, cal *calendar.Calendar, dueSoon int) {
	it.Signed = it.SignedAt.Valid
	today, due := calendar.DateOf(now), calendar.DateOf(it.DueAt)
	it.WorkingLeft = cal.WorkingDaysBetween(today, due)
	it.Overdue = !it.Stopped && now.After(it.DueAt)
	it.Accountable = it.Overdue && !it.Explained
	switch {
	case it.Stopped && strings.HasPrefix(it.StoppedReason, "征求第三方意见"):
		it.Light, it.LightText = LightStopped, "暂停计时（征求第三方意见）"
	case it.Stopped:
		it.Light, it.LightText = LightStopped, "暂停计时（等待补正）"
	case it.Pending == "forward" || it.Status == ForwardPending:
		it.Light, it.LightText = LightAwaiting, "转办待政府办审批"
	case it.Overdue:
		it.Light, it.LightText = LightRed, fmt.Sprintf("已超期 %d 个工作日", max(-it.WorkingLeft, 0))
		if it.WorkingLeft == 0 {
			it.LightText = "今天已超期"
		}
	case it.WorkingLeft <= dueSoon:
		it.Light, it.LightText = LightAmber, fmt.Sprintf("剩余 %d 个工作日", it.WorkingLeft)
		if it.WorkingLeft == 0 {
			it.LightText = "今天到期"
		}
	default:
		it.Light, it.LightText = LightGreen, fmt.Sprintf("剩余 %d 个工作日", it.WorkingLeft)
	}
	if it.Pending == "extension" {
		it.LightText += fmt.Sprintf("；延期 %d 个工作日待批", it.PendingDays)
	}
}

// rank orders the desk: by working days left among running clocks, then
// the stopped and awaiting ones, which no deadline presses.
func (it DeskItem) rank() int {
	switch it.Light {
	case LightStopped:
		return 1 << 20
	case LightAwaiting:
		return 1<<20 + 1
	}
	return it.WorkingLeft
}

// Sign records that a liaison of the department has taken the query in hand
// (签收). It fails with ErrForbidden for another department's query and
// ErrConflict when it is signed already or not being handled.
func (s *Store) Sign(ctx context.Context, a Actor, code string) error {
	return s.change(ctx, a, code, func(o *op) error {
		c, err := o.handledClock("签收")
		if err != nil {
			return err
		}
		if c.SignedAt.Valid {
			return conflict("查询单 %s 已经签收", o.q.Code)
		}
		const q = `UPDATE query_clocks SET signed_at = $2, signed_by = NULLIF($3, 0) WHERE id = $1`
		if _, err := o.tx.ExecContext(o.ctx, q, c.ID, o.now, o.a.AccountID); err != nil {
			return fmt.Errorf("queries: sign clock %d: %w", c.ID, err)
		}
		o.emit(event{kind: "signed", dep: c.DepartmentID.Int64, clock: c.ID, public: "部门已签收，正在办理"})
		return nil
	})
}

// PhoneItem is an earlier query from a phone number, for the operator's
// screen pop.
type PhoneItem struct {
	Code       string    `db:"code" json:"code"`
	Status     Status    `db:"status" json:"status"`
	StatusText string    `db:"-" json:"status_text"`
	Department string    `db:"department" json:"department"`
	Question   string    `db:"question" json:"question"`
	AcceptedAt time.Time `db:"accepted_at" json:"accepted_at"`
}

// ByPhone returns the latest queries asked from phone, newest first, for
// staff (the caller's history when a call rings). An empty phone has none.
func (s *Store) ByPhone(ctx context.Context, a Actor, phone string, limit int) ([]PhoneItem, error) {
	if !a.system && len(a.Roles) == 0 {
		return nil, forbidden("只有工作人员可以查看来电人的查询记录")
	}
	if phone == "" {
		return nil, nil
	}
	const q = `SELECT q.code, q.status, COALESCE(d.name, '') AS department, left(q.question, 60) AS question, q.accepted_at
		FROM queries q LEFT JOIN departments d ON d.id = q.department_id
		WHERE q.asker_phone = $1 ORDER BY q.accepted_at DESC LIMIT $2`
	var items []PhoneItem
	if err := s.db.SelectContext(ctx, &items, q, phone, min(max(limit, 1), 50)); err != nil {
		return nil, fmt.Errorf("queries: queries from a phone: %w", err)
	}
	for i := range items {
		items[i].StatusText = items[i].Status.Text()
	}
	return items, nil
}

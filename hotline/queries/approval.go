package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
)

// Approval is a forward (转办) or an extension (延期) waiting for, or given,
// a decision.
type Approval struct {
	ID          int64         `db:"id" json:"id"`
	QueryID     int64         `db:"query_id" json:"-"`
	QueryCode   string        `db:"code" json:"query_code"`
	ClockID     int64         `db:"clock_id" json:"clock_id"`
	Complaint   bool          `db:"complaint" json:"complaint"`
	Kind        string        `db:"kind" json:"kind"`
	Department  string        `db:"department" json:"department,omitempty"`
	Days        int           `db:"days" json:"days,omitempty"`
	Reason      string        `db:"reason" json:"reason"`
	Status      string        `db:"status" json:"status"`
	RequestedBy int64         `db:"requested_by" json:"-"`
	Requester   string        `db:"requester" json:"requested_by"`
	RequestedAt time.Time     `db:"requested_at" json:"requested_at"`
	DecidedAt   sql.NullTime  `db:"decided_at" json:"-"`
	Note        string        `db:"decision_note" json:"decision_note,omitempty"`
	ClockDepID  sql.NullInt64 `db:"clock_department_id" json:"-"`
	Question    string        `db:"question" json:"question"`
}

const selectApprovals = `SELECT a.id, a.query_id, q.code, a.clock_id, c.complaint_id IS NOT NULL AS complaint, a.kind,
		COALESCE(d.name, '') AS department, COALESCE(a.days, 0) AS days, a.reason, a.status, a.requested_by, r.username AS requester, a.requested_at,
		a.decided_at, a.decision_note, c.department_id AS clock_department_id, q.question
	FROM query_approvals a JOIN queries q ON q.id = a.query_id JOIN query_clocks c ON c.id = a.clock_id
	JOIN accounts r ON r.id = a.requested_by LEFT JOIN departments d ON d.id = a.department_id`

// RequestExtension asks the department head to extend the current clock to
// days working days in all (延期): ordinary and complex queries up to 20,
// applications (依申请公开) up to 40. Only a liaison of the department the
// query is with may ask; a reviewer of the same department (科室负责人,
// 分管领导) or an admin decides. It fails with a *FieldError for a missing
// reason or days out of range, ErrForbidden and ErrConflict as Forward does.
func (s *Store) RequestExtension(ctx context.Context, a Actor, code string, days int, reason string) error {
	reason, err := text("reason", reason, "请说明延期理由")
	if err != nil {
		return err
	}
	return s.change(ctx, a, code, func(o *op) error {
		if err := o.mustHandle(); err != nil {
			return err
		}
		if err := o.mustStatus(Assigned, "申请延期"); err != nil {
			return err
		}
		c, err := o.currentClock()
		if err != nil {
			return err
		}
		if most := extendedLimit(c.Kind).Days(); days <= c.Days || days > most {
			return fieldErr("days", "延期后的时限应多于现在的%d个工作日、最多%d个工作日", c.Days, most)
		}
		id, err := o.request(c, "extension", days, reason)
		if err != nil {
			return err
		}
		o.emit(event{kind: "extension_requested", dep: c.DepartmentID.Int64, clock: c.ID, reason: reason,
			detail: map[string]any{"approval_id": id, "days": days}})
		o.notifyRole(noteApproval, roleReviewer, c.DepartmentID.Int64, c.ID)
		return nil
	})
}

// extendedLimit is the limit a clock of kind l may be extended to.
func extendedLimit(l calendar.Limit) calendar.Limit {
	switch l {
	case calendar.Application, calendar.ApplicationExtended:
		return calendar.ApplicationExtended
	case calendar.Complaint, calendar.ComplaintExtended:
		return calendar.ComplaintExtended
	case calendar.Forward:
		return calendar.Forward
	}
	return calendar.Extended
}

// Decision approves or rejects a request; a rejection needs a note. RouteTo,
// for an approved forward, routes the query at once.
type Decision struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note,omitempty"`
	RouteTo string `json:"route_to,omitempty"`
}

// Decide approves or rejects a pending forward or extension. Forwards are
// decided by a liaison of the government office or an admin; extensions of
// a department's clock by a reviewer of that department or an admin, of a
// complaint's clock by a supervisor or an admin; nobody decides their own
// request. An approved forward closes the department's clock and hands the
// query to the government office with its own 5 working days to route it; a
// rejected one returns it to the department. An approved extension re-dates
// the clock. It fails with ErrNotFound, ErrForbidden, ErrConflict for a
// request already decided, and a *FieldError for a rejection without note.
func (s *Store) Decide(ctx context.Context, a Actor, approvalID int64, d Decision) error {
	var queryID int64
	err := s.db.GetContext(ctx, &queryID, `SELECT query_id FROM query_approvals WHERE id = $1`, approvalID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: 没有编号为 %d 的申请", ErrNotFound, approvalID)
	}
	if err != nil {
		return fmt.Errorf("queries: approval %d: %w", approvalID, err)
	}
	if !d.Approve {
		if d.Note, err = text("note", d.Note, "驳回申请须说明理由"); err != nil {
			return err
		}
	}
	return s.changeByID(ctx, a, queryID, func(o *op) error {
		var ap Approval
		if err := o.tx.GetContext(o.ctx, &ap, selectApprovals+` WHERE a.id = $1 FOR UPDATE OF a`, approvalID); err != nil {
			return fmt.Errorf("queries: approval %d: %w", approvalID, err)
		}
		if err := o.mayDecide(ap); err != nil {
			return err
		}
		if err := o.decided(ap, d); err != nil {
			return err
		}
		if ap.Kind == "forward" {
			return o.decideForward(ap, d)
		}
		return o.decideExtension(ap, d)
	})
}

// mayDecide checks who decides ap.
func (o *op) mayDecide(ap Approval) error {
	switch {
	case ap.Status != "pending":
		return conflict("申请 %d 已经审批过了", ap.ID)
	case ap.RequestedBy == o.a.AccountID:
		return forbidden("不能审批自己提出的申请")
	case ap.Kind == "forward":
		return o.mustGovOffice("审批转办申请")
	case o.a.has(roleAdmin):
		return nil
	case ap.Complaint && o.a.has(roleSupervisor):
		return nil
	case !ap.Complaint && o.a.has(roleReviewer) && o.a.DepartmentID != 0 && o.a.DepartmentID == ap.ClockDepID.Int64:
		return nil
	}
	if ap.Complaint {
		return forbidden("投诉延期由另一位监察人员审批")
	}
	return forbidden("延期须经承办部门负责人（本部门审核人员）批准")
}

// decided stores the decision on ap.
func (o *op) decided(ap Approval, d Decision) error {
	status := "rejected"
	if d.Approve {
		status = "approved"
	}
	const q = `UPDATE query_approvals SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5 WHERE id = $1`
	if _, err := o.tx.ExecContext(o.ctx, q, ap.ID, status, o.a.AccountID, o.now, d.Note); err != nil {
		return fmt.Errorf("queries: decide approval %d: %w", ap.ID, err)
	}
	return nil
}

// decideForward applies a forward decision to the locked query.
func (o *op) decideForward(ap Approval, d Decision) error {
	detail := map[string]any{"approval_id": ap.ID}
	if !d.Approve {
		o.q.Status = Assigned
		if err := o.setQuery(); err != nil {
			return err
		}
		o.emit(event{kind: "forward_rejected", status: Assigned, dep: o.q.DepartmentID, clock: ap.ClockID,
			reason: d.Note, public: "转办申请未获批准，继续由原部门办理", detail: detail})
		o.notify(noteApproval, o.q.DepartmentID, ap.ClockID)
		return nil
	}
	c, err := o.currentClock()
	if err != nil {
		return err
	}
	if err := o.closeClock(c, "forwarded"); err != nil {
		return err
	}
	gov, err := o.s.govOffice(o.ctx, o.tx)
	if err != nil {
		return err
	}
	o.emit(event{kind: "forward_approved", dep: o.q.DepartmentID, clock: c.ID, reason: d.Note, detail: detail})
	gd, err := departmentByID(o.ctx, o.tx, gov)
	if err != nil {
		return err
	}
	if err := o.assign(gd, false, ""); err != nil {
		return err
	}
	if known(d.RouteTo) {
		return o.route(RouteInput{Department: d.RouteTo})
	}
	return nil
}

// decideExtension applies an extension decision to its clock.
func (o *op) decideExtension(ap Approval, d Decision) error {
	var c Clock
	if err := o.tx.GetContext(o.ctx, &c, `SELECT `+clockColumns+` FROM query_clocks WHERE id = $1`, ap.ClockID); err != nil {
		return fmt.Errorf("queries: clock %d: %w", ap.ClockID, err)
	}
	detail := map[string]any{"approval_id": ap.ID, "days": ap.Days}
	if !d.Approve {
		o.emit(event{kind: "extension_rejected", dep: c.DepartmentID.Int64, clock: c.ID, reason: d.Note, detail: detail})
		o.notify(noteApproval, c.DepartmentID.Int64, c.ID)
		return nil
	}
	if c.ClosedAt.Valid {
		return conflict("该时限已经结束，不能延期")
	}
	c.Kind, c.Days = extendedLimit(c.Kind), ap.Days
	if err := c.date(o.cal); err != nil {
		return err
	}
	public := fmt.Sprintf("经批准延期，办理时限延至%s", c.DueDate)
	if err := o.redate(c, "extension_approved", public, d.Note); err != nil {
		return err
	}
	o.notify(noteApproval, c.DepartmentID.Int64, c.ID)
	return nil
}

// Approvals lists the requests a may decide, pending ones first and oldest
// first, at most limit: forwards for the government office, extensions of
// their department's clocks for reviewers, extensions of complaints for
// supervisors, everything for admins.
func (s *Store) Approvals(ctx context.Context, a Actor, pendingOnly bool, limit int) ([]Approval, error) {
	where, args := ` WHERE (a.status = 'pending' OR NOT $1)`, []any{pendingOnly}
	var or []string
	if a.has(roleAdmin) {
		or = append(or, `TRUE`)
	}
	if a.has(roleLiaison) && a.DepartmentID != 0 {
		args = append(args, a.DepartmentID)
		or = append(or, fmt.Sprintf(`(a.kind = 'forward' AND (SELECT gov_office FROM departments WHERE id = $%d))`, len(args)))
	}
	if a.has(roleReviewer) && a.DepartmentID != 0 {
		args = append(args, a.DepartmentID)
		or = append(or, fmt.Sprintf(`(a.kind = 'extension' AND c.department_id = $%d)`, len(args)))
	}
	if a.has(roleSupervisor) {
		or = append(or, `(a.kind = 'extension' AND c.complaint_id IS NOT NULL)`)
	}
	if len(or) == 0 {
		return nil, nil
	}
	args = append(args, limit)
	q := selectApprovals + where + ` AND (` + joinOr(or) + `)` +
		fmt.Sprintf(` ORDER BY a.status <> 'pending', a.requested_at LIMIT $%d`, len(args))
	var out []Approval
	if err := s.db.SelectContext(ctx, &out, q, args...); err != nil {
		return nil, fmt.Errorf("queries: list approvals: %w", err)
	}
	return out, nil
}

func joinOr(parts []string) string {
	s := parts[0]
	for _, p := range parts[1:] {
		s += " OR " + p
	}
	return s
}

package queries

import (
	"context"
	"fmt"
	"slices"
)

// Staff returns the full record of a query for a staff member: the asker's
// name and phone, every clock with its overdue and accountability flags,
// answers, complaints and every event with its actor and reason. Liaisons
// see the queries of their department (current, past or planned) and, in
// the government office, all; the other roles see all. It fails with
// ErrBadCode, ErrNotFound and ErrForbidden.
func (s *Store) Staff(ctx context.Context, a Actor, code string) (StaffView, error) {
	r, err := s.load(ctx, code)
	if err != nil {
		return StaffView{}, err
	}
	if ok, err := s.visible(ctx, a, r); err != nil || !ok {
		return StaffView{}, orForbidden(err, "查询单 %s 不是您所在部门办理的", r.q.Code)
	}
	v := StaffView{Code: r.q.Code, Channel: r.q.Channel, Kind: r.q.Kind, Status: r.q.Status, Department: r.department,
		DepartmentID: r.q.DepartmentID, FirstDepartment: r.q.FirstDepartmentID.Int64, Pending: r.q.Pending,
		Question: r.q.Question, Name: r.q.AskerName, Phone: r.q.AskerPhone, SIPCallID: r.q.SIPCallID,
		AcceptedAt: r.q.AcceptedAt, Version: r.q.Version, Answers: r.answers, Complaints: r.complaints}
	if v.Clocks, err = s.clockViews(ctx, r.clocks); err != nil {
		return StaffView{}, err
	}
	const events = `SELECT e.id, e.at, e.actor, e.kind, e.status, COALESCE(d.name, '') AS department, e.clock_id,
			e.due_at, e.public_text, e.reason, e.detail
		FROM query_events e LEFT JOIN departments d ON d.id = e.department_id WHERE e.query_id = $1 ORDER BY e.id`
	if err := s.db.SelectContext(ctx, &v.Events, events, r.q.ID); err != nil {
		return StaffView{}, fmt.Errorf("queries: events of %s: %w", r.q.Code, err)
	}
	return v, nil
}

func orForbidden(err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	return forbidden(format, args...)
}

// visible reports whether a may see the full record r.
func (s *Store) visible(ctx context.Context, a Actor, r record) (bool, error) {
	switch {
	case !a.staff():
		return false, nil
	case a.has(roleAdmin) || a.has(roleOperator) || a.has(roleSupervisor) || a.has(roleReviewer):
		return true, nil
	case !a.has(roleLiaison) || a.DepartmentID == 0:
		return false, nil
	case r.q.DepartmentID == a.DepartmentID || slices.Contains(r.q.Pending, a.DepartmentID):
		return true, nil
	}
	for _, c := range r.clocks {
		if c.DepartmentID.Int64 == a.DepartmentID {
			return true, nil
		}
	}
	var gov bool
	err := s.db.GetContext(ctx, &gov, `SELECT gov_office FROM departments WHERE id = $1`, a.DepartmentID)
	if err != nil {
		return false, fmt.Errorf("queries: department %d: %w", a.DepartmentID, err)
	}
	return gov, nil
}

// clockViews adds department names and flags to clocks.
func (s *Store) clockViews(ctx context.Context, cs []Clock) ([]ClockView, error) {
	names := map[int64]string{}
	var ds []department
	if err := s.db.SelectContext(ctx, &ds, `SELECT id, code, name, gov_office FROM departments`); err != nil {
		return nil, fmt.Errorf("queries: departments: %w", err)
	}
	for _, d := range ds {
		names[d.ID] = d.Name
	}
	now := s.now()
	out := make([]ClockView, 0, len(cs))
	for _, c := range cs {
		dep := names[c.DepartmentID.Int64]
		if c.ComplaintID.Valid {
			dep = "监察室"
		}
		out = append(out, ClockView{Clock: c, Department: dep, Complaint: c.ComplaintID.Valid, Open: !c.ClosedAt.Valid, Signed: c.SignedAt.Valid,
			Stopped: c.StoppedAt.Valid, Outcome: c.Outcome.String, Overdue: c.Overdue(now), Accountable: c.Accountable(now)})
	}
	return out, nil
}

package queries

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
)

// Lists of open clocks for liaisons and supervisors.
const (
	ListDueSoon     = "due_soon"    // running, due within DueSoonDays working days
	ListOverdue     = "overdue"     // running and past the deadline
	ListOpen        = "open"        // every open clock, stopped ones included
	ListAccountable = "accountable" // not yet fully answered, first answered by the department (首问)
)

// ListFilter selects a list. Department is a department's code or name;
// empty means every department (and the complaints) for supervisors and
// admins, while liaisons always get their own department's.
type ListFilter struct {
	List       string
	Department string
	Limit      int
	Offset     int
}

// Item is one clock in a list, with its query.
type Item struct {
	Code        string         `db:"code" json:"code"`
	Status      Status         `db:"status" json:"status"`
	Kind        string         `db:"query_kind" json:"kind"`
	Question    string         `db:"question" json:"question"`
	Department  string         `db:"department" json:"department"`
	ClockID     int64          `db:"clock_id" json:"clock_id"`
	Limit       calendar.Limit `db:"clock_kind" json:"limit"`
	DueAt       time.Time      `db:"due_at" json:"due_at"`
	Provisional bool           `db:"provisional" json:"provisional,omitempty"`
	Stopped     bool           `db:"stopped" json:"stopped,omitempty"`
	Explained   bool           `db:"explained" json:"explained"`
	Complaint   bool           `db:"complaint" json:"complaint,omitempty"`
	AcceptedAt  time.Time      `db:"accepted_at" json:"accepted_at"`
	Overdue     bool           `db:"-" json:"overdue"`
	Accountable bool           `db:"-" json:"accountable"`
}

const listColumns = `SELECT q.code, q.status, q.kind AS query_kind, left(q.question, 80) AS question,
		COALESCE(d.name, '监察室') AS department, c.id AS clock_id, c.kind AS clock_kind, c.due_at, c.provisional,
		c.stopped_at IS NOT NULL AS stopped, COALESCE(c.explained_at <= c.due_at, false) AS explained,
		c.complaint_id IS NOT NULL AS complaint, q.accepted_at
	FROM query_clocks c JOIN queries q ON q.id = c.query_id LEFT JOIN departments d ON d.id = c.department_id`

// List returns one page of a list, in order of deadline, and the number of
// items in the whole list. It fails with ErrForbidden when a liaison asks
// for another department or anyone else but a supervisor or admin asks,
// and a *FieldError for an unknown list.
func (s *Store) List(ctx context.Context, a Actor, f ListFilter) ([]Item, int, error) {
	var asked int64
	if f.Department != "" {
		d, err := findDepartment(ctx, s.db, "department", f.Department)
		if err != nil {
			return nil, 0, err
		}
		asked = d.ID
	}
	dep, err := listDepartment(a, asked)
	if err != nil {
		return nil, 0, err
	}
	now := s.now()
	where, args, err := s.listWhere(f.List, dep, now)
	if err != nil {
		return nil, 0, err
	}
	from := `query_clocks c`
	if f.List == ListAccountable {
		from += ` JOIN queries q ON q.id = c.query_id`
	}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM `+from+` WHERE `+where, args...); err != nil {
		return nil, 0, fmt.Errorf("queries: count %s: %w", f.List, err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	args = append(args, limit, max(f.Offset, 0))
	q := listColumns + ` WHERE ` + where + fmt.Sprintf(` ORDER BY c.due_at, c.id LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	var items []Item
	if err := s.db.SelectContext(ctx, &items, q, args...); err != nil {
		return nil, 0, fmt.Errorf("queries: list %s: %w", f.List, err)
	}
	for i := range items {
		it := &items[i]
		it.Overdue = !it.Stopped && now.After(it.DueAt)
		it.Accountable = it.Overdue && !it.Explained
	}
	return items, total, nil
}

// listDepartment returns the department a may list (0: all).
func listDepartment(a Actor, dep int64) (int64, error) {
	switch {
	case a.has(roleSupervisor) || a.has(roleAdmin):
		return dep, nil
	case a.has(roleLiaison) && a.DepartmentID != 0 && (dep == 0 || dep == a.DepartmentID):
		return a.DepartmentID, nil
	case a.has(roleLiaison) && a.DepartmentID != 0:
		return 0, forbidden("信息联络员只能查看本部门的查询单")
	}
	return 0, forbidden("只有信息联络员、监察人员和管理员可以查看办理时限")
}

// listWhere builds the condition of a list; every list reads open clocks
// through the partial indexes on (department_id, due_at) or (due_at).
func (s *Store) listWhere(list string, dep int64, now time.Time) (string, []any, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	switch list {
	case ListDueSoon:
		cal := s.cal.Calendar()
		cutoff := cal.CloseOfBusiness(cal.AddWorkingDays(calendar.DateOf(now), s.dueSoon))
		where = append(where, `c.closed_at IS NULL AND c.stopped_at IS NULL`, `c.due_at >= `+arg(now), `c.due_at <= `+arg(cutoff))
	case ListOverdue:
		where = append(where, `c.closed_at IS NULL AND c.stopped_at IS NULL`, `c.due_at < `+arg(now))
	case ListOpen:
		where = append(where, `c.closed_at IS NULL`)
	case ListAccountable:
		where = append(where, `c.closed_at IS NULL AND c.complaint_id IS NULL`, `q.status <> 'answered'`)
		if dep != 0 {
			where = append(where, `q.first_department_id = `+arg(dep))
		} else {
			where = append(where, `q.first_department_id IS NOT NULL`)
		}
		return strings.Join(where, " AND "), args, nil
	default:
		return "", nil, fieldErr("list", "“%s”不是列表：请用 due_soon、overdue、open 或 accountable", list)
	}
	if dep != 0 {
		where = append(where, `c.department_id = `+arg(dep))
	}
	return strings.Join(where, " AND "), args, nil
}

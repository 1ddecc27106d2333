package queries

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxReason bounds reasons, notes and explanations, in characters.
const MaxReason = 1000

// mustHandle checks that the actor is a liaison of the department the locked
// query is with now.
func (o *op) mustHandle() error {
	if !o.a.has(roleLiaison) || o.a.DepartmentID == 0 || o.a.DepartmentID != o.q.DepartmentID {
		return forbidden("查询单 %s 不在您所在部门办理，只有当前承办部门的信息联络员可以办理", o.q.Code)
	}
	return nil
}

// mustStatus checks the locked query's status.
func (o *op) mustStatus(want Status, action string) error {
	if o.q.Status != want {
		return conflict("查询单 %s 当前状态为“%s”，不能%s", o.q.Code, o.q.Status.Text(), action)
	}
	return nil
}

// mustGovOffice checks that the actor may act for the government office: an
// admin or a liaison of a government office.
func (o *op) mustGovOffice(action string) error {
	if o.a.has(roleAdmin) {
		return nil
	}
	if o.a.has(roleLiaison) && o.a.DepartmentID != 0 {
		gov, err := o.isGovOffice(o.a.DepartmentID)
		if err != nil || gov {
			return err
		}
	}
	return forbidden("只有政府办的信息联络员或管理员可以%s", action)
}

// text trims a required free text and checks its length.
func text(field, s, missing string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fieldErr(field, "%s", missing)
	}
	if utf8.RuneCountInString(s) > MaxReason {
		return "", fieldErr(field, "不能超过%d个字", MaxReason)
	}
	return s, nil
}

// RouteInput is what the government office decides when it routes a query.
type RouteInput struct {
	Department string `json:"department"`     // code or name of the department that answers
	Kind       string `json:"kind,omitempty"` // ordinary, complex or application; empty keeps it
}

// Route hands a query waiting at the government office (unclear from the
// start, or forwarded) to the department that answers it. The government
// office's routing clock closes and the department's clock starts where the
// segment started, with 5 more working days for this pass. Only a liaison
// of a government office or an admin may route. It fails with ErrConflict
// when the query is not waiting to be routed and a *FieldError for an
// unknown department or kind.
func (s *Store) Route(ctx context.Context, a Actor, code string, in RouteInput) error {
	return s.change(ctx, a, code, func(o *op) error {
		if err := o.mustGovOffice("分办查询单"); err != nil {
			return err
		}
		if err := o.mustStatus(Accepted, "分办"); err != nil {
			return err
		}
		return o.route(in)
	})
}

// route is Route on the locked query.
func (o *op) route(in RouteInput) error {
	if !known(in.Department) {
		return fieldErr("department", "请选择承办部门")
	}
	d, err := findDepartment(o.ctx, o.tx, "department", in.Department)
	if err != nil {
		return err
	}
	switch in.Kind {
	case "":
	case KindOrdinary, KindComplex, KindApplication:
		o.q.Kind = in.Kind
	default:
		return fieldErr("kind", "“%s”不是查询类型：请用 ordinary、complex 或 application", in.Kind)
	}
	c, err := o.currentClock()
	if err != nil {
		return err
	}
	if err := o.closeClock(c, "routed"); err != nil {
		return err
	}
	o.q.SegmentPasses++
	o.emit(event{kind: "routed", dep: d.ID, detail: map[string]any{"passes": o.q.SegmentPasses, "kind": o.q.Kind}})
	return o.assign(d, true, "政府办已分办至%s")
}

// Forward asks the government office to take back a query the department is
// not responsible for. The reason (转发理由) is mandatory; the forward takes
// effect only when the office approves it (Decide), and until then the
// department's clock keeps running. Only a liaison of the department the
// query is with may forward, and the government office itself routes
// instead. It fails with a *FieldError without a reason, ErrForbidden for
// another department's query and ErrConflict when the query is not being
// handled or a request is already pending.
func (s *Store) Forward(ctx context.Context, a Actor, code, reason string) error {
	reason, err := text("reason", reason, "转发理由必填：请说明为什么不属于本部门职责")
	if err != nil {
		return err
	}
	return s.change(ctx, a, code, func(o *op) error {
		if err := o.mustHandle(); err != nil {
			return err
		}
		if err := o.notApplication("办理"); err != nil {
			return err
		}
		if err := o.mustStatus(Assigned, "转办"); err != nil {
			return err
		}
		if gov, err := o.isGovOffice(o.q.DepartmentID); err != nil || gov {
			return orConflict(err, "政府办请直接分办，无需转发")
		}
		c, err := o.currentClock()
		if err != nil {
			return err
		}
		id, err := o.request(c, "forward", 0, reason)
		if err != nil {
			return err
		}
		o.q.Status = ForwardPending
		if err := o.setQuery(); err != nil {
			return err
		}
		o.emit(event{kind: "forward_requested", status: ForwardPending, dep: o.q.DepartmentID, clock: c.ID,
			reason: reason, public: "承办部门申请转办，等待政府办审核", detail: map[string]any{"approval_id": id}})
		gov, err := o.s.govOffice(o.ctx, o.tx)
		if err != nil {
			return err
		}
		o.notify(noteApproval, gov, c.ID)
		return nil
	})
}

func orConflict(err error, msg string) error {
	if err != nil {
		return err
	}
	return conflict("%s", msg)
}

const insertApproval = `INSERT INTO query_approvals (query_id, clock_id, kind, department_id, days, reason, requested_by, requested_at)
	VALUES ($1, $2, $3, $4, NULLIF($5, 0), $6, $7, $8)
	ON CONFLICT (clock_id) WHERE status = 'pending' DO NOTHING RETURNING id`

// request records a pending forward or extension on clock c.
func (o *op) request(c Clock, kind string, days int, reason string) (int64, error) {
	if o.a.AccountID == 0 {
		return 0, forbidden("只有工作人员可以提出申请")
	}
	var ids []int64
	err := o.tx.SelectContext(o.ctx, &ids, insertApproval, o.q.ID, c.ID, kind, c.DepartmentID, days, reason, o.a.AccountID, o.now)
	if err != nil {
		return 0, fmt.Errorf("queries: request %s on %s: %w", kind, o.q.Code, err)
	}
	if len(ids) == 0 {
		return 0, conflict("查询单 %s 已有一项申请等待审批", o.q.Code)
	}
	return ids[0], nil
}

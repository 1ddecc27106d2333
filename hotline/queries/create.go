package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"

	"github.com/govhall/govhall/hotline/calendar"
)

// Limits on the text of a query.
const (
	MaxQuestion = 2000 // characters
	MaxName     = 50
	MaxPhone    = 20
)

// NewQuery is what Create needs: a question asked by phone (recorded by an
// operator), voicemail, kiosk, web or at a service-hall window.
type NewQuery struct {
	Channel  string `json:"channel"`
	Question string `json:"question"`
	Name     string `json:"name,omitempty"`  // optional; personal data
	Phone    string `json:"phone,omitempty"` // optional; personal data
	// Department is the code or name of the responsible department when
	// known; empty sends the query to the government office to route.
	Department string `json:"department,omitempty"`
	// Then are the departments that answer their parts in turn after the
	// first (首问责任制); staff only.
	Then []string `json:"then,omitempty"`
	// Kind is ordinary (5 working days, the default), complex (10; staff
	// only) or application (依申请公开, 20).
	Kind string `json:"kind,omitempty"`
	// SIPCallID links a query recorded during a call to the call.
	SIPCallID string `json:"sip_call_id,omitempty"`
	// ReceivedAt is when a letter (channel post) arrived, for staff entering
	// it later: the query is accepted and its clock starts then. Zero: now.
	ReceivedAt time.Time `json:"-"`
}

// Created is what Create returns: the 查询码 to give the asker, the status
// and the answer's deadline.
type Created struct {
	Code        string    `json:"code"`
	Status      Status    `json:"status"`
	Department  string    `json:"department"`
	DueAt       time.Time `json:"due_at"`
	Provisional bool      `json:"provisional,omitempty"`
}

// Create accepts (受理) a query, gives it a fresh random 查询码 and starts
// its clock at once: the department's when it is known, else the
// government office's to route it. Everything is written in one
// transaction with the events (accepted, assigned) and a notification to
// the department's liaisons. It fails with a *FieldError naming the first
// bad field.
func (s *Store) Create(ctx context.Context, a Actor, in NewQuery) (Created, error) {
	return s.create(ctx, a, in, nil)
}

// create is Create with also run last in its transaction (nil: nothing).
func (s *Store) create(ctx context.Context, a Actor, in NewQuery, also TxHook) (Created, error) {
	if err := in.validate(a); err != nil {
		return Created{}, err
	}
	var out Created
	err := s.inTx(ctx, a, func(o *op) error {
		first, then, err := o.plan(in)
		if err != nil {
			return err
		}
		forAnswer := known(in.Department)
		if err := o.insert(in, first.ID, forAnswer, then); err != nil {
			return err
		}
		o.emit(event{kind: "accepted", status: Accepted, public: "已受理（" + channelText(in.Channel) + "）",
			detail: map[string]any{"channel": in.Channel, "kind": o.q.Kind}})
		if err := o.assign(first, forAnswer, "已交由%s办理"); err != nil {
			return err
		}
		if out, err = o.created(first.Name); err != nil {
			return err
		}
		return o.also(also)
	})
	return out, err
}

// validate checks the input; citizens may not choose staff-only options.
func (in *NewQuery) validate(a Actor) error {
	in.Question, in.Name, in.Phone = strings.TrimSpace(in.Question), strings.TrimSpace(in.Name), strings.TrimSpace(in.Phone)
	switch {
	case !slices.Contains(channels, in.Channel):
		return fieldErr("channel", "“%s”不是受理渠道：请用 %s", in.Channel, strings.Join(channels, "、"))
	case in.Channel == "voicemail" && !a.staff():
		return fieldErr("channel", "语音留言由话务员登记")
	case in.Channel == "post" && !a.staff():
		return fieldErr("channel", "信函由工作人员登记")
	case !in.ReceivedAt.IsZero() && (!a.staff() || in.Channel != "post"):
		return fieldErr("received_on", "只有工作人员登记的信函可以填写收到日期")
	case in.Question == "":
		return fieldErr("question", "请填写您要查询的问题")
	case utf8.RuneCountInString(in.Question) > MaxQuestion:
		return fieldErr("question", "问题不能超过%d个字", MaxQuestion)
	case utf8.RuneCountInString(in.Name) > MaxName:
		return fieldErr("name", "姓名不能超过%d个字", MaxName)
	}
	if err := checkPhone(in.Phone); err != nil {
		return err
	}
	return in.checkKind(a)
}

func (in *NewQuery) checkKind(a Actor) error {
	if in.Kind == "" {
		in.Kind = KindOrdinary
	}
	switch {
	case in.Kind != KindOrdinary && in.Kind != KindComplex && in.Kind != KindApplication:
		return fieldErr("kind", "“%s”不是查询类型：请用 ordinary、complex 或 application", in.Kind)
	case in.Kind == KindComplex && !a.staff():
		return fieldErr("kind", "复杂事项由工作人员认定")
	case len(in.Then) > 0 && !a.staff():
		return fieldErr("then", "多个部门依次答复由工作人员安排")
	case len(in.Then) > 10:
		return fieldErr("then", "最多安排10个部门依次答复")
	}
	return nil
}

func checkPhone(p string) error {
	if p == "" {
		return nil
	}
	digits := 0
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' || r == '-' || r == ' ':
		default:
			return fieldErr("phone", "电话号码只能包含数字、空格、“+”和“-”")
		}
	}
	if digits < 5 || len(p) > MaxPhone {
		return fieldErr("phone", "电话号码应为5到%d位", MaxPhone)
	}
	return nil
}

func channelText(ch string) string {
	switch ch {
	case "phone":
		return "96128电话"
	case "voicemail":
		return "96128语音留言"
	case "kiosk":
		return "查询终端"
	case "web":
		return "网站"
	case "window":
		return "服务窗口"
	case "post":
		return "信函"
	}
	return ch
}

// plan resolves the first department (the government office when unclear)
// and the departments that follow.
func (o *op) plan(in NewQuery) (department, []int64, error) {
	first, err := o.resolveNext("department", in.Department)
	if err != nil {
		return first, nil, err
	}
	var then []int64
	for i, key := range in.Then {
		d, err := findDepartment(o.ctx, o.tx, fmt.Sprintf("then[%d]", i), key)
		if err != nil {
			return first, nil, err
		}
		then = append(then, d.ID)
	}
	return first, then, nil
}

const insertQuery = `INSERT INTO queries (code, channel, kind, question, asker_name, asker_phone, status,
		department_id, pending_departments, segment_started_at, sip_call_id, accepted_at, created_by)
	VALUES ($1, $2, $3, $4, $5, $6, $12, $7, COALESCE($8::bigint[], '{}'), $9, $10, $9, NULLIF($11, 0))
	ON CONFLICT (code) DO NOTHING
	RETURNING ` + queryColumns

// insert stores the query with department dep under a fresh code, drawing
// again in the rare case the code is taken.
func (o *op) insert(in NewQuery, dep int64, forAnswer bool, then []int64) error {
	status := Accepted
	if forAnswer {
		status = Assigned
	}
	accepted := o.now
	if !in.ReceivedAt.IsZero() {
		if in.ReceivedAt.After(o.now) {
			return fieldErr("received_on", "收到日期不能晚于今天")
		}
		accepted = in.ReceivedAt
	}
	for range 20 {
		code, err := newCode()
		if err != nil {
			return err
		}
		err = o.tx.GetContext(o.ctx, &o.q, insertQuery, code, in.Channel, in.Kind, in.Question, in.Name, in.Phone,
			dep, pq.Int64Array(then), accepted, in.SIPCallID, o.a.AccountID, status)
		if errors.Is(err, sql.ErrNoRows) {
			continue // the code is taken: draw another
		}
		if err != nil {
			return fmt.Errorf("queries: insert query: %w", err)
		}
		o.saved, o.bumped = o.q, true // a new row is at its first version
		return nil
	}
	return fmt.Errorf("queries: no free query code after 20 draws")
}

// assign hands the locked query to d. For an answer, d gets its clock for
// the current segment; otherwise d is the government office, which gets its
// own clock to route the query. Either way d's liaisons are notified.
// publicFormat has one %s for the department's name.
func (o *op) assign(d department, forAnswer bool, publicFormat string) error {
	o.q.DepartmentID = d.ID
	if !forAnswer {
		o.q.Status = Accepted
		if err := o.setQuery(); err != nil {
			return err
		}
		c, err := o.routingClock(d.ID)
		if err != nil {
			return err
		}
		o.emit(event{kind: "to_gov_office", status: Accepted, dep: d.ID, clock: c.ID, due: c.DueAt, public: "转" + d.Name + "分办"})
		o.notify(noteAssigned, d.ID, c.ID)
		return nil
	}
	o.q.Status = Assigned
	if err := o.setQuery(); err != nil {
		return err
	}
	c, err := o.departmentClock(d.ID)
	if err != nil {
		return err
	}
	o.emit(event{kind: "assigned", status: Assigned, dep: d.ID, clock: c.ID, due: c.DueAt, public: fmt.Sprintf(publicFormat, d.Name)})
	o.notify(noteAssigned, d.ID, c.ID)
	return nil
}

// known reports whether a department key names a department rather than
// leaving it to the government office.
func known(key string) bool {
	k := strings.TrimSpace(key)
	return k != "" && k != unclear
}

// created returns what Create answers about the locked query, now with
// the department named dep.
func (o *op) created(dep string) (Created, error) {
	due, err := o.answerDue(o.last)
	if err != nil {
		return Created{}, err
	}
	return Created{Code: o.q.Code, Status: o.q.Status, Department: dep, DueAt: due.At, Provisional: due.Provisional}, nil
}

// answerDue is the deadline of the answer the asker waits for: the current
// department's clock, or, while the government office routes the query,
// the deadline the department will get (one more pass of 5 working days).
// c is the query's open clock.
func (o *op) answerDue(c Clock) (calendar.Deadline, error) {
	if c.Kind != calendar.Forward {
		return calendar.Deadline{Date: c.DueDate, At: c.DueAt, Provisional: c.Provisional}, nil
	}
	_, days := baseDays(o.q.Kind)
	return o.cal.Due(o.q.SegmentStartedAt, days+(o.q.SegmentPasses+1)*calendar.Forward.Days())
}

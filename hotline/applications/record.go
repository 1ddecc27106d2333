package applications

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
)

// What staff record about an application beside its handling: the
// 信息处理费, the delivery of the notice, and the administrative review and
// litigation cases about it.

// MaxFee bounds a 信息处理费, in yuan.
const MaxFee = 100000

var feeRE = regexp.MustCompile(`^\d{1,6}(\.\d{1,2})?$`)

// Fee is a 信息处理费 charged under 国办函〔2020〕109号 (excessive
// quantity or frequency only); "0" records that none is charged.
type Fee struct {
	Yuan string `json:"yuan"` // such as "120" or "35.50"
	Note string `json:"note"` // the basis: 按件计收 / 按量计收, the 收费通知's date
}

// RecordFee records the fee of an application (default none). Its
// department's liaisons and admins may.
func (s *Store) RecordFee(ctx context.Context, a queries.Actor, code string, in Fee) error {
	yuan := strings.TrimSpace(in.Yuan)
	if !feeRE.MatchString(yuan) {
		return fieldErr("yuan", "请填写金额（元），如 120 或 35.50；不收费填 0")
	}
	var v float64
	fmt.Sscan(yuan, &v)
	if v > MaxFee {
		return fieldErr("yuan", "金额不能超过%d元", MaxFee)
	}
	note, err := optional("note", in.Note, MaxNote)
	if err != nil {
		return err
	}
	if v > 0 && note == "" {
		return fieldErr("note", "收费须说明计收方式（按件或按量）和收费通知的日期")
	}
	r, err := s.load(ctx, s.db, code, false)
	if err != nil {
		return err
	}
	if err := mayRecord(a, r, false); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE applications SET fee_yuan = $2::numeric, fee_note = $3 WHERE query_id = $1`,
		r.QueryID, yuan, note); err != nil {
		return fmt.Errorf("applications: fee of %s: %w", r.Code, err)
	}
	return nil
}

// Delivery records how and when the reply notice (with the information)
// reached the applicant.
type Delivery struct {
	Method string `json:"method"` // window, post, email, online; empty: the way the applicant chose
	On     string `json:"on"`     // YYYY-MM-DD; empty: today
	Note   string `json:"note"`   // a registered letter's number, who signed for it
}

// Deliver records the delivery of a decided application's notice. Its
// department's liaisons and admins may.
func (s *Store) Deliver(ctx context.Context, a queries.Actor, code string, in Delivery) error {
	r, err := s.load(ctx, s.db, code, false)
	if err != nil {
		return err
	}
	if err := mayRecord(a, r, false); err != nil {
		return err
	}
	if !r.DecidedOn.Valid {
		return conflict("申请尚未答复，答复后才能登记送达")
	}
	method := strings.TrimSpace(in.Method)
	if method == "" {
		method = r.Pickup
	}
	if !known(Pickups, method) {
		return fieldErr("method", "请选择送达方式：当面领取、邮寄、电子邮件或网上获取")
	}
	on, err := day("on", in.On, s.now(), r.DecidedOn.Date, "答复日期")
	if err != nil {
		return err
	}
	note, err := optional("note", in.Note, MaxNote)
	if err != nil {
		return err
	}
	if method == "post" && note == "" {
		return fieldErr("note", "邮寄送达请填写挂号信或快递单号")
	}
	const q = `UPDATE applications SET delivered_on = $2, delivered_by = NULLIF($3, 0), delivery_method = $4, delivery_note = $5
		WHERE query_id = $1`
	if _, err := s.db.ExecContext(ctx, q, r.QueryID, on, a.AccountID, method, note); err != nil {
		return fmt.Errorf("applications: delivery of %s: %w", r.Code, err)
	}
	return nil
}

// day reads an optional date between earliest and today (empty: today).
func day(field, s string, now time.Time, earliest calendar.Date, what string) (calendar.Date, error) {
	today := calendar.DateOf(now)
	s = strings.TrimSpace(s)
	if s == "" {
		return today, nil
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		return d, fieldErr(field, "日期应写作 YYYY-MM-DD")
	}
	if d.After(today) || d.Before(earliest) {
		return d, fieldErr(field, "日期应在%s（%s）至今天（%s）之间", what, earliest, today)
	}
	return d, nil
}

// Case is an administrative review (行政复议) or suit (行政诉讼) about an
// application, as table 四 of the annual report counts it.
type Case struct {
	ID       int64         `db:"id" json:"id"`
	Kind     string        `db:"kind" json:"kind"`
	KindText string        `db:"-" json:"kind_text"`
	FiledOn  calendar.Date `db:"filed_on" json:"filed_on"`
	Outcome  string        `db:"outcome" json:"outcome"`
	Text     string        `db:"-" json:"outcome_text"`
	ClosedOn nullDate      `db:"closed_on" json:"-"`
	Closed   string        `db:"-" json:"closed_on,omitempty"`
	Note     string        `db:"note" json:"note,omitempty"`
	By       string        `db:"recorded_by" json:"recorded_by"`
}

// CaseInput records a case or its outcome.
type CaseInput struct {
	Kind     string `json:"kind"`      // review, suit_direct, suit_after_review
	FiledOn  string `json:"filed_on"`  // YYYY-MM-DD
	Outcome  string `json:"outcome"`   // upheld, corrected, other, pending (default)
	ClosedOn string `json:"closed_on"` // YYYY-MM-DD, required unless pending
	Note     string `json:"note"`      // the review body or court, the case number
}

func (in *CaseInput) check(now time.Time, received calendar.Date) (filed calendar.Date, closed *calendar.Date, err error) {
	in.Kind, in.Outcome = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Outcome)
	if in.Outcome == "" {
		in.Outcome = Pending
	}
	if !known(CaseKinds, in.Kind) {
		return filed, nil, fieldErr("kind", "请选择案件类型：行政复议、行政诉讼（未经复议直接起诉）或行政诉讼（复议后起诉）")
	}
	if strings.TrimSpace(in.FiledOn) == "" {
		return filed, nil, fieldErr("filed_on", "请填写申请复议或起诉的日期")
	}
	if filed, err = day("filed_on", in.FiledOn, now, received, "收到申请之日"); err != nil {
		return filed, nil, err
	}
	if !known(Outcomes, in.Outcome) {
		return filed, nil, fieldErr("outcome", "请选择结果：维持、纠正、其他或尚未审结")
	}
	if in.Outcome == Pending {
		if strings.TrimSpace(in.ClosedOn) != "" {
			return filed, nil, fieldErr("closed_on", "尚未审结的案件没有审结日期")
		}
		return filed, nil, nil
	}
	if strings.TrimSpace(in.ClosedOn) == "" {
		return filed, nil, fieldErr("closed_on", "请填写审结日期")
	}
	c, err := day("closed_on", in.ClosedOn, now, filed, "申请复议或起诉之日")
	return filed, &c, err
}

// AddCase records a review or suit about the application. Its department's
// liaisons, supervisors and admins may. It returns the case's id.
func (s *Store) AddCase(ctx context.Context, a queries.Actor, code string, in CaseInput) (int64, error) {
	r, err := s.load(ctx, s.db, code, false)
	if err != nil {
		return 0, err
	}
	if err := mayRecord(a, r, true); err != nil {
		return 0, err
	}
	filed, closed, err := in.check(s.now(), r.ReceivedOn)
	if err != nil {
		return 0, err
	}
	note, err := optional("note", in.Note, MaxNote)
	if err != nil {
		return 0, err
	}
	var id int64
	const q = `INSERT INTO application_cases (query_id, kind, filed_on, outcome, closed_on, note, recorded_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, 0), $8) RETURNING id`
	if err := s.db.GetContext(ctx, &id, q, r.QueryID, in.Kind, filed, in.Outcome, closed, note, a.AccountID, s.now()); err != nil {
		return 0, fmt.Errorf("applications: case of %s: %w", r.Code, err)
	}
	return id, nil
}

// UpdateCase records a case's outcome (or corrects it).
func (s *Store) UpdateCase(ctx context.Context, a queries.Actor, code string, id int64, in CaseInput) error {
	r, err := s.load(ctx, s.db, code, false)
	if err != nil {
		return err
	}
	if err := mayRecord(a, r, true); err != nil {
		return err
	}
	filed, closed, err := in.check(s.now(), r.ReceivedOn)
	if err != nil {
		return err
	}
	note, err := optional("note", in.Note, MaxNote)
	if err != nil {
		return err
	}
	const q = `UPDATE application_cases SET kind = $3, filed_on = $4, outcome = $5, closed_on = $6, note = $7,
			recorded_by = NULLIF($8, 0), recorded_at = $9
		WHERE id = $1 AND query_id = $2`
	res, err := s.db.ExecContext(ctx, q, id, r.QueryID, in.Kind, filed, in.Outcome, closed, note, a.AccountID, s.now())
	if err != nil {
		return fmt.Errorf("applications: case %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: 申请 %s 没有编号为 %d 的案件", queries.ErrNotFound, r.Code, id)
	}
	return nil
}

// cases reads the cases of the application queryID.
func (s *Store) cases(ctx context.Context, queryID int64) ([]Case, error) {
	var cs []Case
	const q = `SELECT c.id, c.kind, c.filed_on, c.outcome, c.closed_on, c.note, COALESCE(a.username, '') AS recorded_by
		FROM application_cases c LEFT JOIN accounts a ON a.id = c.recorded_by WHERE c.query_id = $1 ORDER BY c.filed_on, c.id`
	if err := s.db.SelectContext(ctx, &cs, q, queryID); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("applications: cases: %w", err)
	}
	for i := range cs {
		cs[i].KindText, cs[i].Text = Text(CaseKinds, cs[i].Kind), Text(Outcomes, cs[i].Outcome)
		if cs[i].ClosedOn.Valid {
			cs[i].Closed = cs[i].ClosedOn.Date.String()
		}
	}
	return cs, nil
}

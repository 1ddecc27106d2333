package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
)

// The clock rules of applications for government information (依申请公开,
// kind application), for hotline/applications, which keeps its own rows
// about each application in the same transaction as the change to the
// query (TxHook):
//
//   - a 补正 request stops the clock (PauseApplication), and when the
//     applicant's correction is received the limit starts again in full
//     from that day (RestartApplication, 条例 第三十条);
//   - a third-party consultation stops it too (PauseApplication) and its
//     working days are not counted (ResumeApplication, 第三十二条);
//   - the decision closes the clock like an answer (AnswerApplication); a
//     clock still stopped then is resumed first, so that a decision made
//     while waiting for a correction that never came is not overdue.
//
// Extensions (+20, 第三十三条) use RequestExtension and Decide as for any
// query.

// TxHook is work of another package on its own rows about a query, run in
// the transaction of a change to the query after the change, with the
// query's row locked; its error rolls the whole change back.
type TxHook func(ctx context.Context, tx *sqlx.Tx, q Ref) error

// Ref is the query a change was made to, as it stands after the change.
type Ref struct {
	ID           int64
	Code         string
	DepartmentID int64
	Status       Status
	// Now is the time of the change (the store's clock).
	Now time.Time
	// Due is the deadline of the open department clock; zero when none is
	// open (the query is answered).
	Due calendar.Deadline
	// Calendar is the working-day calendar the change was dated on.
	Calendar *calendar.Calendar
}

// also runs hook, if any, on the locked query.
func (o *op) also(hook TxHook) error {
	if hook == nil {
		return nil
	}
	r := Ref{ID: o.q.ID, Code: o.q.Code, DepartmentID: o.q.DepartmentID, Status: o.q.Status, Now: o.now, Calendar: o.cal}
	var c Clock
	err := o.tx.GetContext(o.ctx, &c, `SELECT `+clockColumns+` FROM query_clocks
		WHERE query_id = $1 AND complaint_id IS NULL AND closed_at IS NULL`, o.q.ID)
	switch {
	case err == nil:
		r.Due = calendar.Deadline{Date: c.DueDate, At: c.DueAt, Provisional: c.Provisional}
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("queries: clock of %s: %w", o.q.Code, err)
	}
	return hook(o.ctx, o.tx, r)
}

// notApplication refuses the generic handling (answer, 补正 stop and
// resume, forward) of a query that hotline/applications keeps as an
// application: its decision, 补正 and consultations go through the
// application, which keeps its own state. A query of kind application
// recorded without one (by phone) is handled as any query.
func (o *op) notApplication(action string) error {
	if o.q.Kind != KindApplication {
		return nil
	}
	var kept bool
	if err := o.tx.GetContext(o.ctx, &kept, `SELECT EXISTS (SELECT 1 FROM applications WHERE query_id = $1)`, o.q.ID); err != nil {
		return fmt.Errorf("queries: application of %s: %w", o.q.Code, err)
	}
	if kept {
		return conflict("查询单 %s 是政府信息公开申请，请在“依申请公开”页面%s：补正、征求第三方意见和答复告知书都在那里", o.q.Code, action)
	}
	return nil
}

// CreateApplication accepts an application (kind application, 20 working
// days) as Create does, and runs hook in the same transaction: nothing is
// written unless both succeed. in.ReceivedAt dates a letter.
func (s *Store) CreateApplication(ctx context.Context, a Actor, in NewQuery, hook TxHook) (Created, error) {
	in.Kind = KindApplication
	return s.create(ctx, a, in, hook)
}

// application locks the query with code, checks that it is an application
// and runs fn and then hook on it.
func (s *Store) application(ctx context.Context, a Actor, code string, hook TxHook, fn func(*op) error) error {
	return s.change(ctx, a, code, func(o *op) error {
		if o.q.Kind != KindApplication {
			return conflict("查询单 %s 不是政府信息公开申请", o.q.Code)
		}
		if err := fn(o); err != nil {
			return err
		}
		return o.also(hook)
	})
}

// PauseApplication stops the application's clock (a 补正 request, a
// third-party consultation): reason is for staff, public is the text of
// the public history, with personal data already masked by the caller.
// Only a liaison of the department handling it may; it fails as Stop does.
func (s *Store) PauseApplication(ctx context.Context, a Actor, code, reason, public string, hook TxHook) error {
	reason, err := text("reason", reason, "请说明暂停计时的原因")
	if err != nil {
		return err
	}
	return s.application(ctx, a, code, hook, func(o *op) error { return o.stop(reason, public) })
}

// ResumeApplication resumes the application's stopped clock as Resume
// does: the working days it was stopped do not count (a third-party
// consultation). publicFormat has one %s for the new deadline.
func (s *Store) ResumeApplication(ctx context.Context, a Actor, code, note, publicFormat string, hook TxHook) error {
	return s.application(ctx, a, code, hook, func(o *op) error { return o.resume(note, publicFormat) })
}

// RestartApplication ends the stop of the application's clock for a 补正
// and starts the limit again in full from the day the correction was
// received (from; zero: now): the clock counts its days (20, or 40 when
// extended) from that day, as if the application had arrived then; the
// working days before the stop are not kept. It records clock_restarted
// with the new deadline in public. It fails as Resume does, with a
// *FieldError for a day before the stop or after today.
func (s *Store) RestartApplication(ctx context.Context, a Actor, code string, from time.Time, note string, hook TxHook) error {
	return s.application(ctx, a, code, hook, func(o *op) error {
		c, err := o.handledClock("重新计时")
		if err != nil {
			return err
		}
		if !c.StoppedAt.Valid {
			return conflict("办理时限没有暂停，不能重新计时")
		}
		if from.IsZero() {
			from = o.now
		}
		if from.After(o.now) || calendar.DateOf(from).Before(calendar.DateOf(c.StoppedAt.Time)) {
			return fieldErr("received_on", "收到补正材料的日期应在%s至今天之间", calendar.DateOf(c.StoppedAt.Time))
		}
		const end = `UPDATE query_clock_stops SET resumed_at = $2, working_days = 0 WHERE clock_id = $1 AND resumed_at IS NULL`
		if _, err := o.tx.ExecContext(o.ctx, end, c.ID, o.now); err != nil {
			return fmt.Errorf("queries: end stop of clock %d: %w", c.ID, err)
		}
		c.StartedAt, c.StoppedAt, c.StoppedDays, c.ExtraDays = from, sql.NullTime{}, 0, 0
		if err := c.date(o.cal); err != nil {
			return err
		}
		const restart = `UPDATE query_clocks SET started_at = $2, stopped_at = NULL, extra_days = 0 WHERE id = $1`
		if _, err := o.tx.ExecContext(o.ctx, restart, c.ID, c.StartedAt); err != nil {
			return fmt.Errorf("queries: restart clock %d: %w", c.ID, err)
		}
		public := fmt.Sprintf("已收到补正材料，答复期限自%s起重新计算，至%s", calendar.DateOf(from), c.DueDate)
		if err := o.redate(c, "clock_restarted", public, note); err != nil {
			return err
		}
		o.events[len(o.events)-1].detail["started_at"] = c.StartedAt
		return nil
	})
}

// AnswerApplication records the decision on an application as the
// department's answer and closes its clock, as Answer does for the last
// department of a query: body is the public summary (no personal data, no
// staff notes). A clock still stopped is resumed first, without a public
// text, so that the stop is not counted against the department.
func (s *Store) AnswerApplication(ctx context.Context, a Actor, code, body string, hook TxHook) error {
	body = strings.TrimSpace(body)
	if body == "" || utf8.RuneCountInString(body) > MaxAnswer {
		return fieldErr("answer", "答复摘要应为1到%d个字", MaxAnswer)
	}
	return s.application(ctx, a, code, hook, func(o *op) error {
		if err := o.mustHandle(); err != nil {
			return err
		}
		if err := o.mustStatus(Assigned, "答复"); err != nil {
			return err
		}
		c, err := o.currentClock()
		if err != nil {
			return err
		}
		if c.StoppedAt.Valid {
			if err := o.resume("作出答复，结束暂停", ""); err != nil {
				return err
			}
			if c, err = o.currentClock(); err != nil {
				return err
			}
		}
		if err := o.closeClock(c, "answered"); err != nil {
			return err
		}
		if _, err := o.insertAnswer(c, body, false); err != nil {
			return err
		}
		o.q.Pending = nil
		return o.next("")
	})
}

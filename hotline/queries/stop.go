package queries

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/govhall/govhall/hotline/calendar"
)

// Stop stops the department's clock while it waits for the asker (补正:
// missing material, a clarification). The reason is shown to the asker, with
// personal data masked, so that they know what to supply. Only a liaison of
// the department the query is with may stop it. It fails with a
// *FieldError without a reason, ErrForbidden for another department's query
// and ErrConflict when the clock is stopped already or the query is not
// being handled.
func (s *Store) Stop(ctx context.Context, a Actor, code, reason string) error {
	reason, err := text("reason", reason, "请说明需要群众补正的内容")
	if err != nil {
		return err
	}
	return s.change(ctx, a, code, func(o *op) error {
		if err := o.notApplication("暂停计时"); err != nil {
			return err
		}
		return o.stop(reason, "等待补正，办理时限暂停："+Redact(reason, o.q.AskerName, o.q.AskerPhone))
	})
}

// stop stops the locked query's running clock for reason (staff) and
// records clock_stopped with the public text.
func (o *op) stop(reason, public string) error {
	c, err := o.handledClock("暂停计时")
	if err != nil {
		return err
	}
	if c.StoppedAt.Valid {
		return conflict("办理时限已经暂停")
	}
	if _, err := o.tx.ExecContext(o.ctx, `UPDATE query_clocks SET stopped_at = $2 WHERE id = $1`, c.ID, o.now); err != nil {
		return fmt.Errorf("queries: stop clock %d: %w", c.ID, err)
	}
	if _, err := o.tx.ExecContext(o.ctx, `INSERT INTO query_clock_stops (clock_id, stopped_at, reason) VALUES ($1, $2, $3)`,
		c.ID, o.now, reason); err != nil {
		return fmt.Errorf("queries: record stop of clock %d: %w", c.ID, err)
	}
	o.emit(event{kind: "clock_stopped", dep: c.DepartmentID.Int64, clock: c.ID, reason: reason, public: public})
	return nil
}

// Resume restarts a stopped clock: the working days the stop took (the days
// after the day it stopped, up to and including the day it resumes) are
// added, so the department keeps the working days it had left. It fails as
// Stop does, and with ErrConflict when the clock is running.
func (s *Store) Resume(ctx context.Context, a Actor, code, note string) error {
	return s.change(ctx, a, code, func(o *op) error {
		if err := o.notApplication("恢复计时"); err != nil {
			return err
		}
		return o.resume(note, "已补正，恢复计时，办理时限至%s")
	})
}

// resume restarts the locked query's stopped clock, adding the working
// days the stop took, and records clock_resumed; publicFormat has one %s
// for the new deadline ("": no public text).
func (o *op) resume(note, publicFormat string) error {
	c, err := o.handledClock("恢复计时")
	if err != nil {
		return err
	}
	if !c.StoppedAt.Valid {
		return conflict("办理时限没有暂停")
	}
	days := o.cal.WorkingDaysBetween(calendar.DateOf(c.StoppedAt.Time), calendar.DateOf(o.now))
	const q = `UPDATE query_clock_stops SET resumed_at = $2, working_days = $3 WHERE clock_id = $1 AND resumed_at IS NULL`
	if _, err := o.tx.ExecContext(o.ctx, q, c.ID, o.now, days); err != nil {
		return fmt.Errorf("queries: end stop of clock %d: %w", c.ID, err)
	}
	if _, err := o.tx.ExecContext(o.ctx, `UPDATE query_clocks SET stopped_at = NULL WHERE id = $1`, c.ID); err != nil {
		return fmt.Errorf("queries: resume clock %d: %w", c.ID, err)
	}
	c.StoppedDays += days
	c.StoppedAt = sql.NullTime{}
	if err := c.date(o.cal); err != nil {
		return err
	}
	public := ""
	if publicFormat != "" {
		public = fmt.Sprintf(publicFormat, c.DueDate)
	}
	return o.redate(c, "clock_resumed", public, note)
}

// handledClock checks that the actor handles the locked query and returns
// its running department clock.
func (o *op) handledClock(action string) (Clock, error) {
	if err := o.mustHandle(); err != nil {
		return Clock{}, err
	}
	if o.q.Status != Assigned && o.q.Status != ForwardPending {
		return Clock{}, conflict("查询单 %s 当前状态为“%s”，不能%s", o.q.Code, o.q.Status.Text(), action)
	}
	return o.currentClock()
}

// Explain records the department's public explanation (情况说明) of why it
// cannot meet the deadline. Given before the deadline passes, it spares an
// overdue clock the accountability flag (问责); given later it is still
// shown but the flag stays. It fails as Stop does, with a *FieldError for an
// empty explanation.
func (s *Store) Explain(ctx context.Context, a Actor, code, explanation string) error {
	explanation, err := text("explanation", explanation, "请填写不能按期答复的原因")
	if err != nil {
		return err
	}
	return s.change(ctx, a, code, func(o *op) error {
		c, err := o.handledClock("说明情况")
		if err != nil {
			return err
		}
		public := Redact(explanation, o.q.AskerName, o.q.AskerPhone)
		const q = `UPDATE query_clocks SET explanation = $2, explained_at = COALESCE(explained_at, $3) WHERE id = $1`
		if _, err := o.tx.ExecContext(o.ctx, q, c.ID, public, o.now); err != nil {
			return fmt.Errorf("queries: explain clock %d: %w", c.ID, err)
		}
		late := o.now.After(c.DueAt)
		o.emit(event{kind: "explained", dep: c.DepartmentID.Int64, clock: c.ID, public: "情况说明：" + public,
			detail: map[string]any{"late": late}})
		return nil
	})
}

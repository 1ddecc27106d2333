package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxAnswer bounds an answer, in characters.
const MaxAnswer = 5000

// AnswerInput is a department's answer (答复) to its part of a query.
type AnswerInput struct {
	Body string `json:"answer"`
	// General marks the answer as general and public (带普遍性、可以公开):
	// it is proposed for the knowledge base, where a reviewer redacts and
	// approves it.
	General bool `json:"general,omitempty"`
	// Next is the department that answers the next part (首问责任制), or
	// "unclear" to let the government office route it. Empty takes the next
	// department planned at acceptance, if any; otherwise the query is
	// answered in full.
	Next string `json:"next,omitempty"`
}

// Answer records the answer of the department the query is with and closes
// its clock. The first department to answer stays accountable for the whole
// query (首问责任人). When another department follows, the query passes to
// it with a clock of its own from now. Only a liaison of that department may
// answer. It fails with a *FieldError for an empty answer or unknown next
// department, ErrForbidden for another department's query and ErrConflict
// when the query is not being handled (already answered, or a forward is
// pending).
func (s *Store) Answer(ctx context.Context, a Actor, code string, in AnswerInput) error {
	body := strings.TrimSpace(in.Body)
	if body == "" {
		return fieldErr("answer", "答复内容不能为空")
	}
	if utf8.RuneCountInString(body) > MaxAnswer {
		return fieldErr("answer", "答复不能超过%d个字", MaxAnswer)
	}
	return s.change(ctx, a, code, func(o *op) error {
		if err := o.mustHandle(); err != nil {
			return err
		}
		if err := o.notApplication("答复"); err != nil {
			return err
		}
		if err := o.mustStatus(Assigned, "答复"); err != nil {
			return err
		}
		c, err := o.currentClock()
		if err != nil {
			return err
		}
		if err := o.closeClock(c, "answered"); err != nil {
			return err
		}
		answerID, err := o.insertAnswer(c, body, in.General)
		if err != nil {
			return err
		}
		if in.General {
			if err := o.proposeKnowledge(answerID, body); err != nil {
				return err
			}
		}
		return o.next(in.Next)
	})
}

const insertAnswer = `INSERT INTO query_answers (query_id, seq, department_id, clock_id, body, general, answered_by, answered_at)
	VALUES ($1, (SELECT COALESCE(max(seq), 0) + 1 FROM query_answers WHERE query_id = $1), $2, $3, $4, $5, $6, $7)
	RETURNING id, seq`

// insertAnswer stores the answer and records the answered event.
func (o *op) insertAnswer(c Clock, body string, general bool) (int64, error) {
	var row struct {
		ID  int64 `db:"id"`
		Seq int   `db:"seq"`
	}
	err := o.tx.GetContext(o.ctx, &row, insertAnswer, o.q.ID, c.DepartmentID, c.ID, body, general, o.a.AccountID, o.now)
	if err != nil {
		return 0, fmt.Errorf("queries: answer %s: %w", o.q.Code, err)
	}
	if !o.q.FirstDepartmentID.Valid {
		o.q.FirstDepartmentID = c.DepartmentID
	}
	o.emit(event{kind: "answered", dep: c.DepartmentID.Int64, clock: c.ID, public: c.DepartmentName + "已答复",
		detail: map[string]any{"answer_id": row.ID, "seq": row.Seq, "general": general, "overdue": c.Overdue(o.now)}})
	return row.ID, nil
}

// next passes the locked, just answered query to the next department, or
// marks it answered in full.
func (o *op) next(key string) error {
	key = strings.TrimSpace(key)
	if key == "" && len(o.q.Pending) > 0 {
		d, err := departmentByID(o.ctx, o.tx, o.q.Pending[0])
		if err != nil {
			return err
		}
		o.q.Pending = slices.Clone(o.q.Pending[1:])
		return o.passTo(d, true)
	}
	if key != "" {
		d, err := o.resolveNext("next", key)
		if err != nil {
			return err
		}
		return o.passTo(d, known(key))
	}
	o.q.Status = Answered
	o.q.AnsweredAt = sql.NullTime{Time: o.now, Valid: true}
	if err := o.setQuery(); err != nil {
		return err
	}
	o.emit(event{kind: "completed", status: Answered, public: "全部答复完毕"})
	return nil
}

// passTo starts a new segment with d: its clock starts now.
func (o *op) passTo(d department, forAnswer bool) error {
	o.q.SegmentStartedAt, o.q.SegmentPasses = o.now, 0
	o.emit(event{kind: "passed_on", dep: d.ID, detail: map[string]any{"from_department_id": o.q.DepartmentID}})
	return o.assign(d, forAnswer, "转%s继续答复")
}

// Rate records the asker's satisfaction (满意度, 1–5) with an answer of the
// query: seq numbers the answers from 1, and 0 takes the latest. Each answer
// is rated once, from any channel (web, kiosk, phone DTMF). It fails with a
// *FieldError for a score outside 1–5, ErrConflict before any answer or
// when the answer was rated already.
func (s *Store) Rate(ctx context.Context, a Actor, code string, seq, score int, channel string) error {
	if score < 1 || score > 5 {
		return fieldErr("score", "请用1到5分评价（5分为非常满意）")
	}
	if !slices.Contains(channels, channel) {
		return fieldErr("channel", "“%s”不是受理渠道", channel)
	}
	return s.change(ctx, a, code, func(o *op) error {
		var ans struct {
			ID  int64 `db:"id"`
			Seq int   `db:"seq"`
			Dep int64 `db:"department_id"`
		}
		err := o.tx.GetContext(o.ctx, &ans, `SELECT id, seq, department_id FROM query_answers
			WHERE query_id = $1 AND (seq = $2 OR $2 = 0) ORDER BY seq DESC LIMIT 1`, o.q.ID, seq)
		if errors.Is(err, sql.ErrNoRows) {
			return conflict("该查询单还没有答复，答复后才能评价")
		}
		if err != nil {
			return fmt.Errorf("queries: answer of %s: %w", o.q.Code, err)
		}
		var n int64
		if err := o.tx.GetContext(o.ctx, &n, `WITH r AS (INSERT INTO query_ratings (answer_id, query_id, score, channel, rated_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) FROM r`,
			ans.ID, o.q.ID, score, channel, o.now); err != nil {
			return fmt.Errorf("queries: rate %s: %w", o.q.Code, err)
		}
		if n == 0 {
			return conflict("这条答复已经评价过了")
		}
		o.emit(event{kind: "rated", dep: ans.Dep, public: fmt.Sprintf("满意度评价：%d分", score),
			detail: map[string]any{"answer_id": ans.ID, "seq": ans.Seq, "score": score, "channel": channel}})
		return nil
	})
}

// RateFromCall records a caller's rating keyed on the phone (DTMF) for the
// latest answer of the query with code; it fails as Rate does, with
// ErrConflict when the query has no answer yet or it was rated already.
func (s *Store) RateFromCall(ctx context.Context, code string, score int) error {
	return s.Rate(ctx, System("hotline"), code, 0, score, "phone")
}

// Note adds an internal note (内部备注) to a query: a callback made, a
// document consulted. Staff only; never shown in public.
func (s *Store) Note(ctx context.Context, a Actor, code, note string) error {
	note, err := text("note", note, "备注内容不能为空")
	if err != nil {
		return err
	}
	if !a.staff() {
		return forbidden("只有工作人员可以添加备注")
	}
	return s.change(ctx, a, code, func(o *op) error {
		o.emit(event{kind: "note", dep: a.DepartmentID, reason: note})
		return nil
	})
}

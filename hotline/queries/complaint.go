package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
)

// Complaint is a complaint (投诉) on an answer: a child case of the query,
// keyed by its 查询码, handled by the supervision office within its own
// clock of 15 working days (30 when extended).
type Complaint struct {
	ID          int64          `db:"id" json:"id"`
	QueryCode   string         `db:"code" json:"query_code"`
	AnswerSeq   int            `db:"answer_seq" json:"answer_seq"`
	Department  string         `db:"department" json:"department"`
	Reason      string         `db:"reason" json:"reason"`
	Channel     string         `db:"channel" json:"channel"`
	Status      string         `db:"status" json:"status"`
	Reply       string         `db:"reply" json:"reply,omitempty"`
	CreatedAt   time.Time      `db:"created_at" json:"created_at"`
	RepliedAt   sql.NullTime   `db:"replied_at" json:"-"`
	ClockID     int64          `db:"clock_id" json:"clock_id"`
	Limit       calendar.Limit `db:"kind" json:"limit"`
	DueAt       time.Time      `db:"due_at" json:"due_at"`
	Provisional bool           `db:"provisional" json:"provisional,omitempty"`
	QueryID     int64          `db:"query_id" json:"-"`
}

const selectComplaints = `SELECT p.id, q.code, a.seq AS answer_seq, d.name AS department, p.reason, p.channel,
		p.status, p.reply, p.created_at, p.replied_at, c.id AS clock_id, c.kind, c.due_at, c.provisional, p.query_id
	FROM query_complaints p JOIN queries q ON q.id = p.query_id JOIN query_answers a ON a.id = p.answer_id
	JOIN departments d ON d.id = a.department_id JOIN query_clocks c ON c.complaint_id = p.id`

// Complain files a complaint on the latest answer of a query, as the asker
// may with the 查询码 when unsatisfied. Its clock of 15 working days starts
// now and the supervisors are notified. It fails with a *FieldError without
// a reason, and ErrConflict before any answer or while another complaint on
// the query is open.
func (s *Store) Complain(ctx context.Context, a Actor, code, reason, channel string) (Complaint, error) {
	reason, err := text("reason", reason, "请写明投诉理由")
	if err != nil {
		return Complaint{}, err
	}
	if !slices.Contains(channels, channel) {
		return Complaint{}, fieldErr("channel", "“%s”不是受理渠道", channel)
	}
	var id int64
	err = s.change(ctx, a, code, func(o *op) error {
		id, err = o.complain(reason, channel)
		return err
	})
	if err != nil {
		return Complaint{}, err
	}
	return s.complaint(ctx, id)
}

const insertComplaint = `INSERT INTO query_complaints (query_id, answer_id, reason, channel, created_at)
	SELECT $1, a.id, $2, $3, $4 FROM query_answers a WHERE a.query_id = $1 ORDER BY a.seq DESC LIMIT 1
	ON CONFLICT (query_id) WHERE status = 'open' DO NOTHING
	RETURNING id, answer_id`

func (o *op) complain(reason, channel string) (int64, error) {
	var rows []struct {
		ID     int64 `db:"id"`
		Answer int64 `db:"answer_id"`
	}
	if err := o.tx.SelectContext(o.ctx, &rows, insertComplaint, o.q.ID, reason, channel, o.now); err != nil {
		return 0, fmt.Errorf("queries: complaint on %s: %w", o.q.Code, err)
	}
	if len(rows) == 0 {
		var answers int
		if err := o.tx.GetContext(o.ctx, &answers, `SELECT count(*) FROM query_answers WHERE query_id = $1`, o.q.ID); err != nil {
			return 0, fmt.Errorf("queries: answers of %s: %w", o.q.Code, err)
		}
		if answers == 0 {
			return 0, conflict("该查询单还没有答复，答复后如不满意可以投诉")
		}
		return 0, conflict("您对该查询单的投诉正在处理中")
	}
	c, err := o.openClock(Clock{ComplaintID: valid(rows[0].ID), Kind: calendar.Complaint,
		Days: calendar.Complaint.Days(), StartedAt: o.now})
	if err != nil {
		return 0, err
	}
	o.emit(event{kind: "complaint_filed", clock: c.ID, due: c.DueAt, reason: reason,
		public: fmt.Sprintf("投诉已受理，监察室将于%s前答复", c.DueDate),
		detail: map[string]any{"complaint_id": rows[0].ID, "answer_id": rows[0].Answer, "channel": channel}})
	o.notify(noteComplaint, 0, c.ID)
	return rows[0].ID, nil
}

// complaint returns one complaint, or ErrNotFound.
func (s *Store) complaint(ctx context.Context, id int64) (Complaint, error) {
	var c Complaint
	err := s.db.GetContext(ctx, &c, selectComplaints+` WHERE p.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("%w: 没有编号为 %d 的投诉", ErrNotFound, id)
	}
	if err != nil {
		return c, fmt.Errorf("queries: complaint %d: %w", id, err)
	}
	return c, nil
}

// Complaints lists complaints for the supervisors, open ones first, the
// oldest deadline first, at most limit.
func (s *Store) Complaints(ctx context.Context, openOnly bool, limit int) ([]Complaint, error) {
	var out []Complaint
	q := selectComplaints + ` WHERE p.status = 'open' OR NOT $1 ORDER BY p.status <> 'open', c.due_at LIMIT $2`
	if err := s.db.SelectContext(ctx, &out, q, openOnly, limit); err != nil {
		return nil, fmt.Errorf("queries: list complaints: %w", err)
	}
	return out, nil
}

// ReplyComplaint records the supervision office's reply to a complaint and
// closes its clock. Only supervisors and admins reply. It fails with
// ErrNotFound, ErrForbidden, ErrConflict when it was answered already and a
// *FieldError for an empty reply.
func (s *Store) ReplyComplaint(ctx context.Context, a Actor, id int64, reply string) error {
	reply, err := text("reply", reply, "答复内容不能为空")
	if err != nil {
		return err
	}
	if !a.has(roleSupervisor) && !a.has(roleAdmin) {
		return forbidden("投诉由监察人员答复")
	}
	p, err := s.complaint(ctx, id)
	if err != nil {
		return err
	}
	return s.changeByID(ctx, a, p.QueryID, func(o *op) error {
		res, err := o.tx.ExecContext(o.ctx, `UPDATE query_complaints SET status = 'replied', reply = $2, replied_by = $3,
			replied_at = $4 WHERE id = $1 AND status = 'open'`, id, reply, a.AccountID, o.now)
		if err != nil {
			return fmt.Errorf("queries: reply to complaint %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflict("投诉 %d 已经答复过了", id)
		}
		var c Clock
		if err := o.tx.GetContext(o.ctx, &c, `SELECT `+clockColumns+` FROM query_clocks WHERE complaint_id = $1`, id); err != nil {
			return fmt.Errorf("queries: clock of complaint %d: %w", id, err)
		}
		if err := o.closeClock(c, "replied"); err != nil {
			return err
		}
		o.emit(event{kind: "complaint_replied", clock: c.ID, public: "投诉已答复",
			detail: map[string]any{"complaint_id": id}})
		return nil
	})
}

// RequestComplaintExtension asks to extend a complaint's clock to 30
// working days; another supervisor or an admin decides (Decide). It fails
// as ReplyComplaint does, and with ErrConflict when the clock is extended
// already or a request is pending.
func (s *Store) RequestComplaintExtension(ctx context.Context, a Actor, id int64, reason string) error {
	reason, err := text("reason", reason, "请说明延期理由")
	if err != nil {
		return err
	}
	if !a.has(roleSupervisor) {
		return forbidden("投诉延期由监察人员申请")
	}
	p, err := s.complaint(ctx, id)
	if err != nil {
		return err
	}
	return s.changeByID(ctx, a, p.QueryID, func(o *op) error {
		var c Clock
		if err := o.tx.GetContext(o.ctx, &c, `SELECT `+clockColumns+` FROM query_clocks WHERE complaint_id = $1`, id); err != nil {
			return fmt.Errorf("queries: clock of complaint %d: %w", id, err)
		}
		if c.ClosedAt.Valid || c.Kind == calendar.ComplaintExtended {
			return conflict("投诉 %d 已答复或已经延期，不能再延期", id)
		}
		ap, err := o.request(c, "extension", calendar.ComplaintExtended.Days(), reason)
		if err != nil {
			return err
		}
		o.emit(event{kind: "extension_requested", clock: c.ID, reason: reason,
			detail: map[string]any{"approval_id": ap, "days": calendar.ComplaintExtended.Days(), "complaint_id": id}})
		o.notify(noteApproval, 0, c.ID)
		return nil
	})
}

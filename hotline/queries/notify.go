package queries

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lib/pq"
)

// Kinds of notifications in the outbox.
const (
	noteAssigned  = "assigned"  // a query reached a department (liaisons)
	noteDueSoon   = "due_soon"  // due within DueSoonDays working days (liaisons)
	noteOverdue   = "overdue"   // past its deadline (liaisons and supervisors)
	noteComplaint = "complaint" // a complaint was filed (supervisors)
	noteApproval  = "approval"  // a forward or extension awaits a decision, or was decided
)

// notification is a row of notification_outbox about to be written.
type notification struct {
	kind, role, subject, body string
	dep, clock                int64
}

// notify queues a notification about the locked query to the liaisons of
// dep (or, with dep 0, to the supervisors); it is written with the events.
func (o *op) notify(kind string, dep, clock int64) {
	role := "liaison"
	if dep == 0 {
		role = "supervisor"
	}
	o.notifyRole(kind, role, dep, clock)
}

// notifyRole queues a notification to role (in dep when dep is not 0).
func (o *op) notifyRole(kind, role string, dep, clock int64) {
	subject, body := noteText(kind, o.q.Code, o.q.Question)
	o.notes = append(o.notes, notification{kind: kind, role: role, subject: subject, body: body, dep: dep, clock: clock})
}

// noteText writes a notification without personal data: the code and the
// start of the question.
func noteText(kind, code, question string) (string, string) {
	q := []rune(question)
	if len(q) > 40 {
		q = append(q[:40], '…')
	}
	subjects := map[string]string{
		noteAssigned:  "新的查询单待办理",
		noteDueSoon:   "查询单即将到期",
		noteOverdue:   "查询单已超期",
		noteComplaint: "收到对答复的投诉",
		noteApproval:  "有待审批或已审批的申请",
	}
	return subjects[kind] + " " + code, "查询码 " + code + "：" + Redact(string(q), "", "")
}

const insertNotes = `INSERT INTO notification_outbox (created_at, kind, query_id, clock_id, to_role, to_department_id, subject, body)
	SELECT $1, n.kind, $2, NULLIF(n.clock, 0), n.role, NULLIF(n.dep, 0), n.subject, n.body
	FROM unnest($3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[])
		AS n(kind, role, dep, clock, subject, body)`

func (o *op) writeNotes() error {
	if len(o.notes) == 0 {
		return nil
	}
	n := len(o.notes)
	kinds, roles, subjects, bodies := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	deps, clocks := make([]int64, n), make([]int64, n)
	for i, x := range o.notes {
		kinds[i], roles[i], subjects[i], bodies[i], deps[i], clocks[i] = x.kind, x.role, x.subject, x.body, x.dep, x.clock
	}
	_, err := o.tx.ExecContext(o.ctx, insertNotes, o.now, o.q.ID, pq.Array(kinds), pq.Array(roles),
		pq.Array(deps), pq.Array(clocks), pq.Array(subjects), pq.Array(bodies))
	if err != nil {
		return fmt.Errorf("queries: queue notifications of %s: %w", o.q.Code, err)
	}
	return nil
}

// Notification is a message in the outbox, for a Sender.
type Notification struct {
	ID             int64     `db:"id" json:"id"`
	CreatedAt      time.Time `db:"created_at" json:"created_at"`
	Kind           string    `db:"kind" json:"kind"`
	QueryCode      string    `db:"code" json:"query_code"`
	ToRole         string    `db:"to_role" json:"to_role"`
	ToDepartmentID int64     `db:"to_department_id" json:"to_department_id"`
	Subject        string    `db:"subject" json:"subject"`
	Body           string    `db:"body" json:"body"`
	Attempts       int       `db:"attempts" json:"attempts"`
}

// Sender delivers a notification: to the recipients' phones or mailboxes
// (looked up by role and department), or to a log. Send returning nil marks
// the message sent; an error leaves it for the next round.
type Sender interface {
	Send(ctx context.Context, n Notification) error
}

// LogSender is the Sender of a deployment without a gateway: it writes each
// notification to the log.
type LogSender struct{ Log *slog.Logger }

// Send logs n and never fails.
func (l LogSender) Send(ctx context.Context, n Notification) error {
	l.Log.InfoContext(ctx, "notification", "id", n.ID, "kind", n.Kind, "to_role", n.ToRole,
		"to_department_id", n.ToDepartmentID, "query", n.QueryCode, "subject", n.Subject)
	return nil
}

// maxAttempts is how often a failing notification is retried.
const maxAttempts = 10

const claimNotes = `SELECT n.id, n.created_at, n.kind, COALESCE(q.code, '') AS code, n.to_role,
		COALESCE(n.to_department_id, 0) AS to_department_id, n.subject, n.body, n.attempts
	FROM notification_outbox n LEFT JOIN queries q ON q.id = n.query_id
	WHERE n.sent_at IS NULL AND n.attempts < $1
	ORDER BY n.id LIMIT $2 FOR UPDATE OF n SKIP LOCKED`

// Deliver hands up to limit unsent notifications to sender, oldest first,
// and marks those it accepted sent; several instances may deliver at once
// (rows are claimed with SKIP LOCKED). It returns how many were sent.
func (s *Store) Deliver(ctx context.Context, sender Sender, limit int) (int, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("queries: begin delivery: %w", err)
	}
	defer tx.Rollback()
	var ns []Notification
	if err := tx.SelectContext(ctx, &ns, claimNotes, maxAttempts, limit); err != nil {
		return 0, fmt.Errorf("queries: claim notifications: %w", err)
	}
	sent := 0
	for _, n := range ns {
		q, args := `UPDATE notification_outbox SET sent_at = $2, attempts = attempts + 1 WHERE id = $1`, []any{n.ID, s.now()}
		if err := sender.Send(ctx, n); err != nil {
			q, args = `UPDATE notification_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, []any{n.ID, err.Error()}
		} else {
			sent++
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return 0, fmt.Errorf("queries: mark notification %d: %w", n.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("queries: commit delivery: %w", err)
	}
	return sent, nil
}

// Run sweeps the clocks and delivers notifications every interval, and
// delivers at once whenever a change of this store queued some, until ctx
// ends. Errors are logged and retried on the next round. cmd starts it in a
// goroutine next to the server.
func (s *Store) Run(ctx context.Context, sender Sender, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("query clock sweep", "err", err)
		}
		s.deliverAll(ctx, sender)
		for swept := false; !swept; {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				swept = true
			case <-s.queued:
				s.deliverAll(ctx, sender)
			}
		}
	}
}

// deliverAll delivers the outbox in rounds of 100 until it is empty or a
// round fails.
func (s *Store) deliverAll(ctx context.Context, sender Sender) {
	for {
		n, err := s.Deliver(ctx, sender, 100)
		if err != nil && ctx.Err() == nil {
			s.log.Error("deliver notifications", "err", err)
		}
		if n < 100 || err != nil {
			return
		}
	}
}

package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/events"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/server/staff"
)

// sseHeartbeat is how often an idle stream sends a comment: a closed tab
// shows only as a failed write (fasthttp tells no earlier).
const sseHeartbeat = 15 * time.Second

// consoleEvents is GET /console/events: the account's live events as
// Server-Sent Events, one stream per tab. Each event's id is its row in
// console_events, so a reconnecting EventSource (Last-Event-ID) is sent
// what it missed. Commands never go this way: they stay POSTs to the API.
func (s *Server) consoleEvents(c *fiber.Ctx) error {
	acct := account(c)
	last, _ := strconv.ParseInt(c.Get("Last-Event-ID", c.Query("last_event_id")), 10, 64)
	who := events.Subscriber{AccountID: acct.ID, Roles: append([]string(nil), acct.Roles...), DepartmentID: acct.DepartmentID.Int64}
	stream, replay, err := s.deps.Events.Subscribe(c.UserContext(), who, last)
	if err != nil {
		return err
	}
	c.Set("Content-Type", "text/event-stream")
	c.Set("Cache-Control", "no-store")
	c.Set("X-Accel-Buffering", "no") // nginx and friends must not hold events back
	conn := c.Context().Conn()
	closing := s.closing
	live := s.sessionCheck(c.Cookies(sessionCookie), acct)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer stream.Close()
		flush := func() bool {
			// fasthttp's write timeout covers the whole response; a stream
			// lives longer, so each flush gets its own deadline.
			conn.SetWriteDeadline(time.Now().Add(sseHeartbeat + 5*time.Second))
			return w.Flush() == nil
		}
		fmt.Fprintf(w, "retry: 3000\n: connected\n\n")
		for _, e := range replay {
			writeEvent(w, e)
		}
		if !flush() {
			return
		}
		beat, recheck := time.NewTicker(sseHeartbeat), time.NewTicker(s.deps.SessionRecheck)
		defer beat.Stop()
		defer recheck.Stop()
		for {
			select {
			case <-recheck.C:
				if !live() {
					fmt.Fprintf(w, "event: session_ended\ndata: {}\n\n")
					flush()
					return // the browser reconnects: 401, or a stream for the account as it is now
				}
				continue
			case e, ok := <-stream.C():
				if !ok {
					return // too far behind or hub stopped: the browser reconnects with its last id
				}
				writeEvent(w, e)
			case <-beat.C:
				fmt.Fprintf(w, ": ping %d\n\n", time.Now().Unix())
			case <-closing:
				return
			}
			if !flush() {
				return
			}
		}
	})
	return nil
}

// sessionCheck returns a check that the session of tok still stands for
// acct as the stream began: not logged out, expired or ended by a
// password change, the account enabled, its roles and department the
// same. A database that does not answer ends no stream.
func (s *Server) sessionCheck(tok string, acct staff.Account) func() bool {
	return func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		now, err := s.deps.Staff.SessionLive(ctx, tok)
		if errors.Is(err, staff.ErrNoSession) {
			return false
		}
		if err != nil {
			s.log.Warn("console events: session not rechecked", "account", acct.ID, "err", err)
			return true
		}
		return now.ID == acct.ID && slices.Equal(now.Roles, acct.Roles) && now.DepartmentID == acct.DepartmentID
	}
}

// writeEvent writes one event; its data is one line of JSON.
func writeEvent(w *bufio.Writer, e events.Event) {
	fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Kind, compactJSON(e.Data))
}

// compactJSON keeps a JSON value on one line (SSE data ends at a newline).
func compactJSON(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, ch := range b {
		if ch != '\n' && ch != '\r' {
			out = append(out, ch)
		}
	}
	return out
}

// QuerySender delivers the queries' notifications to the consoles as live
// events (query_assigned, query_due_soon, …, to the liaisons of the
// department or the supervisors), then hands them to Next (SMS, mail or
// the log), which decides whether the notification counts as sent.
type QuerySender struct {
	Hub  *events.Hub
	Next queries.Sender
}

// Send publishes n to the consoles and passes it on. A failure to publish
// fails the delivery, so it is tried again.
func (q QuerySender) Send(ctx context.Context, n queries.Notification) error {
	to := events.Audience{Role: n.ToRole, DepartmentID: n.ToDepartmentID}
	data := map[string]any{"code": n.QueryCode, "subject": n.Subject, "notification": n.ID}
	if _, err := q.Hub.Publish(ctx, "query_"+n.Kind, to, data); err != nil {
		return err
	}
	if q.Next == nil {
		return nil
	}
	return q.Next.Send(ctx, n)
}

// CallEvents hands the hotline's call events to the consoles: each event
// goes to every staff account that has been on the call (the operator who
// answered sees the liaison ring, answer, refuse), queue changes to all
// operators; supervisors get a copy of every call event (live_call) and
// the operators' states (live_operator) for the wallboard, the staff member
// who asked for a call-back its progress (callback). The hotline must never wait for the database, so events pass
// through a buffer to a goroutine that stores them in order.
type CallEvents struct {
	hub      *events.Hub
	log      *slog.Logger
	ch       chan hotline.CallEvent
	involved map[int64]map[int64]bool // call → accounts on it
	dropped  atomic.Int64             // events lost to a full buffer since the last resync
	batch    []events.Pending         // what Run stores next, in one statement
}

// maxEventBatch is the most call events Run stores in one statement.
const maxEventBatch = 256

// NewCallEvents returns the adapter; Run must be started.
func NewCallEvents(hub *events.Hub, log *slog.Logger) *CallEvents {
	return &CallEvents{hub: hub, log: log, ch: make(chan hotline.CallEvent, 4096), involved: map[int64]map[int64]bool{}}
}

// CallEvent queues e; when the buffer is full (the database is stuck or
// slower than the calls) the event is dropped, the first of a run logged,
// and the call goes on. Run then tells every console to resync.
func (ce *CallEvents) CallEvent(e hotline.CallEvent) {
	select {
	case ce.ch <- e:
	default:
		if ce.dropped.Add(1) == 1 {
			ce.log.Warn("console event dropped: buffer full; consoles will be told to resync", "kind", e.Kind, "call", e.CallID)
		}
	}
}

// OperatorState queues an operator's new ACD state for the supervisors
// (hotline.OperatorNotifier), as CallEvent does.
func (ce *CallEvents) OperatorState(e hotline.CallEvent) { ce.CallEvent(e) }

// Run stores queued events until ctx ends.
func (ce *CallEvents) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-ce.ch:
			ce.publish(ctx, e)
			ce.drain(ctx)
			ce.resyncIfDropped(ctx)
			ce.flush(ctx)
		}
	}
}

// drain takes the events queued meanwhile into the batch, up to
// maxEventBatch, without waiting for more.
func (ce *CallEvents) drain(ctx context.Context) {
	for range maxEventBatch - 1 {
		select {
		case e := <-ce.ch:
			ce.publish(ctx, e)
		default:
			return
		}
	}
}

// flush stores the batch.
func (ce *CallEvents) flush(ctx context.Context) {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := ce.hub.PublishAll(pctx, ce.batch); err != nil {
		ce.log.Warn("console events not stored", "events", len(ce.batch), "err", err)
	}
	clear(ce.batch)
	ce.batch = ce.batch[:0]
}

// resyncIfDropped publishes a resync event for all staff when events were
// dropped: no console silently misses them (each reloads its state).
func (ce *CallEvents) resyncIfDropped(ctx context.Context) {
	n := ce.dropped.Swap(0)
	if n == 0 {
		return
	}
	ce.log.Warn("console events were dropped; consoles told to resync", "dropped", n)
	ce.send(ctx, events.Resync, events.Audience{}, map[string]any{"reason": "events dropped", "dropped": n})
}

func (ce *CallEvents) publish(ctx context.Context, e hotline.CallEvent) {
	data := map[string]any{"call_id": e.CallID, "sip_call_id": e.SIPCallID, "caller": e.Caller, "account_id": e.AccountID,
		"extension": e.Extension, "department": e.Department, "transfer_id": e.TransferID, "detail": e.Detail,
		"outcome": e.Outcome, "queue_len": e.QueueLen, "waited_s": e.Waited.Seconds(), "at": e.At}
	// Supervisors (and admins) follow every call on the wallboard: a copy
	// of each call event as live_call, operator states as live_operator.
	supervisors := events.Audience{Role: staff.RoleSupervisor}
	switch e.Kind {
	case hotline.EventQueue:
		data["longest_s"] = e.Waited.Seconds()
		ce.send(ctx, e.Kind, events.Audience{Role: staff.RoleOperator}, data)
		return
	case hotline.EventOperatorState:
		data["state"] = e.Detail
		ce.send(ctx, "live_operator", supervisors, data)
		return
	case hotline.EventCallBack:
		data["callback_id"], data["stage"], data["event"], data["direction"] = e.CallBackID, e.Detail, e.Kind, "outbound"
		ce.send(ctx, "callback", events.Audience{AccountID: e.AccountID}, data)
		ce.send(ctx, "live_call", supervisors, data)
		return
	}
	live := make(map[string]any, len(data)+2)
	for k, v := range data {
		live[k] = v
	}
	live["event"], live["direction"] = e.Kind, "inbound"
	ce.send(ctx, "live_call", supervisors, live)
	who := ce.involved[e.CallID]
	if who == nil {
		who = map[int64]bool{}
		ce.involved[e.CallID] = who
	}
	if e.AccountID != 0 {
		who[e.AccountID] = true
	}
	for id := range who {
		ce.send(ctx, e.Kind, events.Audience{AccountID: id}, data)
	}
	if e.Kind == hotline.EventEnded {
		delete(ce.involved, e.CallID)
	}
}

// send adds an event to the batch Run stores next.
func (ce *CallEvents) send(_ context.Context, kind string, to events.Audience, data any) {
	ce.batch = append(ce.batch, events.Pending{Kind: kind, To: to, Data: data})
}

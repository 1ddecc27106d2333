package server

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/events"
	"github.com/govhall/govhall/hotline/queries"
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
		beat := time.NewTicker(sseHeartbeat)
		defer beat.Stop()
		for {
			select {
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

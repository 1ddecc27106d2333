package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/events"
	"github.com/govhall/govhall/migrations/pgtest"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/staff"
)

// TestConsoleEventsEndWithSession: an open /console/events stream ends
// within its recheck (here 200 ms, 30 s by default) once its session is
// gone — logged out, expired, ended by a password change — or its
// account is disabled or loses a role; a stream whose session stands
// stays open.
func TestConsoleEventsEndWithSession(t *testing.T) {
	db := pgtest.New(t)
	base, st := startEventsServer(t, db)
	for _, tc := range []struct {
		name   string
		revoke func(token string, id int64)
	}{
		{"logout", func(tok string, _ int64) {
			req, _ := http.NewRequest(http.MethodDelete, base+"/api/v1/session", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusNoContent {
				t.Fatalf("logout: %v %v", res, err)
			}
		}},
		{"expired", func(_ string, id int64) {
			db.MustExec(`UPDATE sessions SET expires_at = now() WHERE account_id = $1`, id)
		}},
		{"password changed", func(_ string, id int64) { db.MustExec(`DELETE FROM sessions WHERE account_id = $1`, id) }},
		{"disabled", func(_ string, id int64) { db.MustExec(`UPDATE accounts SET disabled = true WHERE id = $1`, id) }},
		{"role removed", func(_ string, id int64) {
			db.MustExec(`UPDATE accounts SET roles = ARRAY['supervisor'] WHERE id = $1`, id)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user := "op_" + tc.name[:3]
			id, err := st.Create(context.Background(), staff.NewAccount{Username: user, Password: password,
				Roles: []string{staff.RoleOperator, staff.RoleLiaison}})
			if err != nil {
				t.Fatal(err)
			}
			tok := apiLogin(t, base, user)
			body, err := openSSE(http.DefaultClient, base, tok)
			if err != nil {
				t.Fatal(err)
			}
			defer body.Close()
			ended := make(chan string, 1)
			go func() {
				last := ""
				readSSE(body, func(e sseEvent) bool {
					if e.Kind != "" {
						last = e.Kind
					}
					return true
				})
				ended <- last
			}()
			select {
			case <-ended:
				t.Fatal("the stream ended while its session stood")
			case <-time.After(600 * time.Millisecond):
			}
			tc.revoke(tok, id)
			select {
			case last := <-ended:
				if last != "session_ended" {
					t.Errorf("last event %q, want session_ended", last)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the stream stayed open 5 s after its session was revoked")
			}
		})
	}
}

// startEventsServer serves the API and the console's events, rechecking
// sessions every 200 ms.
func startEventsServer(t *testing.T, db *sqlx.DB) (string, *staff.Store) {
	t.Helper()
	st, hub := staff.NewStore(db), events.NewHub(db, "", nil)
	ctx, cancel := context.WithCancel(context.Background())
	hubDone, err := hub.Start(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv := server.New(server.Deps{Log: slog.New(slog.DiscardHandler), DB: db, Staff: st, Events: hub, PublicBaseURL: base,
		SessionRecheck: 200 * time.Millisecond})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-served; <-hubDone })
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			return base, st
		}
		if time.Now().After(deadline) {
			t.Fatal("server: /healthz unanswered within 5s")
		}
	}
}

// apiLogin opens a session through the API and returns its token.
func apiLogin(t *testing.T, base, user string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	res, err := http.Post(base+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK || out.Token == "" {
		t.Fatalf("login %s: %s %v", user, res.Status, err)
	}
	return out.Token
}

// TestDroppedCallEventsResync: call events that find the buffer to the
// database full are dropped, and then every console is sent a resync
// event (it reloads its state) instead of silently missing them.
func TestDroppedCallEventsResync(t *testing.T) {
	db := pgtest.New(t)
	hub := events.NewHub(db, "", nil)
	ce := server.NewCallEvents(hub, slog.New(slog.DiscardHandler))
	const queued, extra = 4096, 5 // the buffer holds 4096
	for i := range queued + extra {
		ce.CallEvent(hotline.CallEvent{Kind: hotline.EventQueue, QueueLen: i})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ce.Run(ctx)
	var resync struct {
		N       int
		Dropped int
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		err := db.Get(&resync, `SELECT count(*) AS n, COALESCE(max((data->>'dropped')::int), 0) AS dropped
			FROM console_events WHERE kind = 'resync' AND account_id IS NULL AND role IS NULL`)
		if err != nil {
			t.Fatal(err)
		}
		if resync.N > 0 || time.Now().After(deadline) {
			break
		}
	}
	if resync.N != 1 || resync.Dropped != extra {
		t.Errorf("%d resync events for %d dropped, want one for %d", resync.N, resync.Dropped, extra)
	}
}

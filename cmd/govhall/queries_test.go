package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/migrations/pgtest"
)

// TestQueryWiring: the hotline adapter records calls as queries, the store
// re-dates clocks when a notice is added, and the worker stops with ctx.
func TestQueryWiring(t *testing.T) {
	ctx := context.Background()
	p := &program{cfg: config{OfficeHours: "08:30-12:00,14:00-17:30"}, log: slog.New(slog.DiscardHandler)}
	db := pgtest.New(t)
	svc, err := p.services(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.catalog.LoadDemo(ctx, kiosk.Actor{Username: "test"}); err != nil {
		t.Fatal(err)
	}
	qs := p.queryStore(svc)
	calls := callQueries{store: qs, log: p.log}

	code, err := calls.CreateFromCall(ctx, hotline.CallQuery{SIPCallID: "abc@host", Caller: "13812345678", Department: "no-such", Channel: "voicemail"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := qs.Public(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if v.Question != voiceQuestion || v.Phone != "138****5678" || v.Status != queries.Accepted {
		t.Errorf("voicemail query = %+v; want the placeholder question, the caller's masked number, at the government office", v)
	}
	code2, err := calls.CreateFromCall(ctx, hotline.CallQuery{Caller: "anonymous", Department: "mzj", Question: "低保", Channel: "phone"})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := qs.Public(ctx, code2); v.Phone != "" || v.Department != "县民政局" {
		t.Errorf("phone query: phone %q department %q", v.Phone, v.Department)
	}
	if err := calls.RateFromCall(ctx, code2, 5); err != nil {
		t.Errorf("rating a query without an answer: %v, want nil (kept on the call)", err)
	}

	n := calendar.Notice{Year: 2027, Title: "测试：2027年部分节假日安排", PublishedOn: calendar.NewDate(2026, 11, 1)}
	if _, err := svc.calendar.AddNotice(ctx, calendar.Actor{Username: "test"}, n); err != nil {
		t.Fatalf("adding a notice with the store registered as rebaser: %v", err)
	}

	wctx, cancel := context.WithCancel(ctx)
	wait := p.runQueryWorker(wctx, qs, nil)
	cancel()
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the query worker did not stop")
	}
}

func TestCallerPhone(t *testing.T) {
	for in, want := range map[string]string{"13812345678": "13812345678", "+86-533-3241001": "+86-533-3241001",
		"anonymous": "", "8001": "", "": "", "sip:alice": ""} {
		if got := callerPhone(in); got != want {
			t.Errorf("callerPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

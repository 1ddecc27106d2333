package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/events"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/server"
)

// queryWorkerEvery is how often the clocks are swept (due soon, overdue)
// and the notification outbox is delivered.
const queryWorkerEvery = time.Minute

// queryStore builds the tracked-queries store on the calendar of svc and
// registers it as the calendar's Rebaser, so that adding or correcting a
// State Council notice re-dates every open clock it touches, in the same
// transaction and with an event per clock.
func (p *program) queryStore(svc *services) *queries.Store {
	qs := queries.NewStore(svc.db, svc.calendar, p.log.With("component", "queries"), queries.Options{})
	svc.calendar.AddRebaser(qs)
	return qs
}

// runQueryWorker sweeps the clocks and delivers the outbox with the log
// sender every queryWorkerEvery until ctx ends. The returned func waits for
// it to stop.
func (p *program) runQueryWorker(ctx context.Context, qs *queries.Store, hub *events.Hub) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Notifications reach the consoles live, then the log (where an SMS
		// or mail gateway would take them).
		var sender queries.Sender = queries.LogSender{Log: p.log.With("component", "notify")}
		if hub != nil {
			sender = server.QuerySender{Hub: hub, Next: sender}
		}
		qs.Run(ctx, sender, queryWorkerEvery)
	}()
	return func() { <-done }
}

// callQueries adapts the queries store to the hotline's QueryCreator and
// QueryRater: a question or voicemail left on 96128 becomes a tracked
// query, and the rating keyed after the call rates its answer.
type callQueries struct {
	store *queries.Store
	log   *slog.Logger
}

var (
	_ hotline.QueryCreator = callQueries{}
	_ hotline.QueryRater   = callQueries{}
)

// voiceQuestion stands for the question of a message left without text.
const voiceQuestion = "（来电留言，请收听通话录音）"

// CreateFromCall records the call's question as a query and returns its
// 查询码. An unknown department is left to the government office rather
// than losing the caller's message.
func (c callQueries) CreateFromCall(ctx context.Context, in hotline.CallQuery) (string, error) {
	q := queries.NewQuery{Channel: in.Channel, Question: in.Question, Phone: callerPhone(in.Caller),
		Department: in.Department, SIPCallID: in.SIPCallID}
	if strings.TrimSpace(q.Question) == "" {
		q.Question = voiceQuestion
	}
	if q.Channel == "" {
		q.Channel = "phone"
	}
	out, err := c.store.Create(ctx, queries.System("hotline"), q)
	var fe *queries.FieldError
	if errors.As(err, &fe) && fe.Field == "department" {
		c.log.Warn("call query for an unknown department goes to the government office", "department", in.Department)
		q.Department = ""
		out, err = c.store.Create(ctx, queries.System("hotline"), q)
	}
	if err != nil {
		return "", err
	}
	return out.Code, nil
}

// RateFromCall rates the latest answer of the query. A query without an
// answer yet (the one just recorded on this call) has nothing to rate: the
// rating stays on the call record alone.
func (c callQueries) RateFromCall(ctx context.Context, code string, score int) error {
	err := c.store.RateFromCall(ctx, code, score)
	if errors.Is(err, queries.ErrConflict) {
		c.log.Debug("call rating not applied to the query", "code", code, "reason", err)
		return nil
	}
	return err
}

// callerPhone keeps a caller id that is a phone number and drops anything
// else (anonymous, SIP user names).
func callerPhone(caller string) string {
	digits := 0
	for _, r := range caller {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r != '+' && r != '-':
			return ""
		}
	}
	if digits < 5 || len(caller) > queries.MaxPhone {
		return ""
	}
	return caller
}

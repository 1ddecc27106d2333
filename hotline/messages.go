package hotline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/media"
)

// Kinds of message a caller leaves.
const (
	kindVoicemail = "voicemail" // out of hours or after the longest wait
	kindQuestion  = "question"  // nobody of the department could answer
)

// message records what the caller says after intro and a beep, until '#',
// the longest message, or hang-up; stores it, makes it a query when a
// QueryCreator is wired and reads the 查询码 out.
func (c *call) message(kind string, deptID int64, intro *media.Prompt) {
	if c.play(intro, c.h.prompts()["beep"]) != nil {
		return
	}
	c.bridge.DrainDigits()
	rec, failed := c.h.startRecording(c.log.With("recording", "voicemail"), c.h.recordingName(c.started, c.id, kind), 1, time.Time{})
	if rec == nil {
		c.reason = withNote(c.reason, "voicemail "+failed)
		_ = c.play(c.h.prompts()["goodbye"])
		return
	}
	c.bridge.Tap(rec.Recorder)
	c.waitHash(c.h.cfg.MaxMessage)
	c.bridge.Tap(nil)
	msg, note := c.h.closeRecording(c.log, rec)
	if msg.Path == "" {
		return
	}
	if note != "" { // a message cut short by a full disk is kept as far as it goes
		c.reason = withNote(c.reason, "voicemail: "+note)
	}
	ctx, cancel := recordCtx()
	defer cancel()
	err := c.h.store.SaveVoicemail(ctx, calls.Voicemail{CallID: c.id, Kind: kind, DepartmentID: deptID, Recording: msg})
	if err != nil {
		c.log.Error("record voicemail", "err", err)
		return
	}
	c.outcome = calls.OutcomeVoicemail
	if kind == kindQuestion {
		c.outcome = calls.OutcomeQuestion
	}
	c.queryCode = c.createQuery(ctx, kind, deptID, msg.Path)
	c.readCode()
}

// waitHash returns at '#', after d, or when the caller hangs up.
func (c *call) waitHash(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case k := <-c.bridge.Digits():
			if k.Key == '#' {
				return
			}
		case <-t.C:
			return
		case <-c.ctx.Done():
			return
		}
	}
}

// createQuery makes the message a tracked query; it returns the 查询码, or
// "" when no QueryCreator is wired or it failed.
func (c *call) createQuery(ctx context.Context, kind string, deptID int64, path string) string {
	if c.h.queries == nil {
		return ""
	}
	dept := ""
	if deptID != 0 {
		dept = c.deptCode
	}
	channel := "phone"
	if kind == kindVoicemail {
		channel = "voicemail"
	}
	code, err := c.h.queries.CreateFromCall(ctx, CallQuery{CallID: c.id, SIPCallID: c.in.CallID, Caller: c.in.Caller,
		Department: dept, RecordingPath: path, Channel: channel})
	if err != nil {
		c.log.Error("create query from call", "err", err)
		return ""
	}
	if err := c.h.store.SetQueryCode(ctx, c.id, code); err != nil {
		c.log.Error("record query code", "err", err)
	}
	c.log.Info("query created", "code", code)
	return code
}

// readCode reads the 查询码 out twice, digit by digit (or says the message
// was recorded when there is none), then goodbye.
func (c *call) readCode() {
	ps := c.h.prompts()
	if c.queryCode == "" {
		_ = c.play(ps["recorded"], ps["goodbye"])
		return
	}
	digits := ps.number(c.queryCode)
	seq := append([]*media.Prompt{ps["code-intro"]}, digits...)
	seq = append(append(append(seq, ps["pause"], ps["code-again"]), digits...), ps["code-outro"], ps["goodbye"])
	_ = c.play(seq...)
}

// survey asks for the 1–5 rating (twice at most) and stores it on the call
// and its query.
func (c *call) survey() {
	ps := c.h.prompts()
	drained := c.bridge.DrainDigits()
	var keys []string // what each question got, for the log of an unrated call
	defer func() {
		if keys != nil { // the record says why the call has no rating
			c.log.Info("survey unanswered", "keys_before", drained, "answers", keys)
			if c.reason == "" {
				c.reason = fmt.Sprintf("no rating: %s; %d keys before the question", strings.Join(keys, ", "), drained)
			}
		}
	}()
	for range 2 {
		asked := time.Now()
		d, ok := c.ask(ps["survey"], c.h.cfg.SurveyWait)
		if !ok {
			keys = append(keys, fmt.Sprintf("hung up after %v", time.Since(asked).Round(time.Millisecond)))
			return
		}
		if d.Key < '1' || d.Key > '5' {
			keys = append(keys, fmt.Sprintf("%q after %v", d.Key, time.Since(asked).Round(time.Millisecond)))
			continue
		}
		keys = nil
		score := int(d.Key - '0')
		ctx, cancel := recordCtx()
		if err := c.h.store.SetSatisfaction(ctx, c.id, score, d.Via, c.h.cfg.Now()); err != nil {
			c.log.Error("record satisfaction", "err", err)
		}
		if r, ok := c.h.queries.(QueryRater); ok && c.queryCode != "" {
			if err := r.RateFromCall(ctx, c.queryCode, score); err != nil {
				c.log.Error("rate query", "err", err)
			}
		}
		cancel()
		c.log.Info("satisfaction", "score", score, "via", d.Via)
		_ = c.play(ps["survey-thanks"])
		return
	}
	_ = c.play(ps["goodbye"])
}

// ask plays p (a key press interrupts it) and waits up to wait after it
// for a key. ok is false when the caller hung up; a zero Digit means no key.
func (c *call) ask(p *media.Prompt, wait time.Duration) (d media.Digit, ok bool) {
	pctx, stop := context.WithCancel(c.ctx)
	defer stop()
	done := make(chan struct{})
	go func() { defer close(done); _ = c.bridge.Play(pctx, p) }()
	defer func() { stop(); <-done }()
	var timeout <-chan time.Time
	playing := done
	for {
		select {
		case d := <-c.bridge.Digits():
			return d, true
		case <-playing:
			playing, timeout = nil, time.After(wait)
		case <-timeout:
			return media.Digit{}, true
		case <-c.ctx.Done():
			return media.Digit{}, false
		}
	}
}

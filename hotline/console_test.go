package hotline

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/calls"
)

// accountID returns the id of a staff account.
func (e *env) accountID(username string) calls.Actor {
	e.t.Helper()
	var id int64
	if err := e.db.Get(&id, `SELECT id FROM accounts WHERE username = $1`, username); err != nil {
		e.t.Fatal(err)
	}
	return calls.Actor{AccountID: id, Username: username}
}

// Notes of the generated hold music.
var musicNotes = []float64{261.63, 293.66, 329.63, 392.00, 440.00, 523.25}

// share returns the part of the loud 100 ms chunks of s in which one of
// freqs carries more than a quarter of the power (Goertzel).
func share(s []int16, freqs ...float64) float64 {
	loud, hit := 0, 0
	for i := 0; i+800 <= len(s); i += 800 {
		c := s[i : i+800]
		var ms float64
		for _, v := range c {
			ms += float64(v) * float64(v)
		}
		ms /= 800
		if ms < 200*200 {
			continue
		}
		loud++
		for _, f := range freqs {
			if 2*goertzel(c, f)/ms > 0.25 {
				hit++
				break
			}
		}
	}
	if loud == 0 {
		return 0
	}
	return float64(hit) / float64(loud)
}

func goertzel(s []int16, f float64) float64 {
	k := 2 * math.Cos(2*math.Pi*f/8000)
	var s1, s2 float64
	for _, v := range s {
		s1, s2 = float64(v)+k*s1-s2, s1
	}
	n := float64(len(s))
	return (s1*s1 + s2*s2 - k*s1*s2) / (n * n)
}

// span returns the samples of a channel between two moments of the call.
func span(ch []int16, c calls.Call, from, to time.Time) []int16 {
	at := func(t time.Time) int { return min(max(int(t.Sub(c.StartedAt)*8000/time.Second), 0), len(ch)) }
	if at(from) >= at(to) {
		return nil
	}
	return ch[at(from):at(to)]
}

// The operator holds the caller, who hears music (echoed back by the
// caller's sipp, so it shows on the caller's channel) while the
// operator's tone is gone; resumes; hangs up from the console, and the
// caller is asked for the rating. The recording runs the whole call
// without a gap; the hold and the console hang-up are in the record.
func TestHoldResumeHangup(t *testing.T) {
	t.Parallel()
	evs := newEventLog()
	e := newEnv(t, workingMorning, func(c *Config) { c.Events = evs; c.SurveyWait = 500 * time.Millisecond })
	op := startBaresipTone(t, "8001", "pw8001", e.addr, 1000)
	e.waitRegistered("8001")
	r := startSipp(t, "echo_caller.xml", e.addr, "-rtp_echo")
	id := evs.wait(t, EventAnswered, 1, 20*time.Second).CallID
	op.WaitEvent("CALL_ESTABLISHED", 5*time.Second)
	ctx := context.Background()
	op1, op2 := e.accountID("operator1"), e.accountID("operator2")
	for _, bad := range []struct {
		name string
		err  error
		want error
	}{
		{"hold by another operator", e.h.Hold(ctx, id, op2, false), ErrNotYours},
		{"hold of no call", e.h.Hold(ctx, id+100, op1, false), ErrNoSuchCall},
		{"complete without a transfer", e.h.CompleteTransfer(ctx, id, op1, false), ErrNoTransfer},
		{"leave without a three-way call", e.h.Leave(ctx, id, op1, false), ErrNoThreeWay},
	} {
		if !errors.Is(bad.err, bad.want) {
			t.Errorf("%s: %v, want %v", bad.name, bad.err, bad.want)
		}
		if msg, ok := Message(bad.err); !ok || msg == "" {
			t.Errorf("%s: no message for the console", bad.name)
		}
	}
	if err := e.h.Resume(ctx, id, op1, false); err != nil {
		t.Errorf("resuming a call not on hold: %v", err)
	}
	time.Sleep(1500 * time.Millisecond) // talk
	must(t, e.h.Hold(ctx, id, op1, false))
	if err := e.h.ReadCode(ctx, id, "1234567894", op1, false); !errors.Is(err, ErrTransferring) {
		t.Errorf("read a code out to a caller on hold: %v, want ErrTransferring", err)
	}
	time.Sleep(3 * time.Second) // on hold
	must(t, e.h.Resume(ctx, id, op1, false))
	var fe *calls.FieldError
	if err := e.h.ReadCode(ctx, id, "12345", op1, false); !errors.As(err, &fe) || fe.Field != "code" {
		t.Errorf("read out a short code: %v, want a field error", err)
	}
	must(t, e.h.ReadCode(ctx, id, "1234567894", op1, false)) // over the talk
	time.Sleep(1500 * time.Millisecond)                      // talk again
	must(t, e.h.Hangup(ctx, id, op2, true))                  // a supervisor may
	r.Wait(t, 30*time.Second)
	c := e.lastCall(10 * time.Second)
	if c.Outcome != calls.OutcomeAnswered || len(c.Legs) != 1 || c.Legs[0].EndedBy != "console" {
		t.Fatalf("call %+v legs %+v", c, c.Legs)
	}
	if len(c.Holds) != 1 || c.Holds[0].By != "operator1" || c.Holds[0].EndedAt == nil {
		t.Fatalf("holds %+v", c.Holds)
	}
	// The caller keyed nothing at the survey: the record says so.
	if c.Satisfaction != nil || !strings.HasPrefix(c.EndReason, "no rating: '\\x00' after ") || !strings.Contains(c.EndReason, "keys before the question") {
		t.Errorf("satisfaction %v, end reason %q; want none and why", c.Satisfaction, c.EndReason)
	}
	hold, resume := c.Holds[0].StartedAt, *c.Holds[0].EndedAt
	if d := resume.Sub(hold); d < 2900*time.Millisecond || d > 3500*time.Millisecond {
		t.Errorf("hold of %v, want 3 s", d)
	}
	checkContinuous(t, e, c)
	w := e.recording(c)
	left, right := w.Channel(0), w.Channel(1)
	if s := share(span(left, c, c.Legs[0].AnsweredAt.Add(300*time.Millisecond), hold), 1000); s < 0.8 {
		t.Errorf("before the hold the caller heard the operator in %.0f%% of the time", 100*s)
	}
	music := span(left, c, hold.Add(1200*time.Millisecond), resume.Add(-100*time.Millisecond))
	if s := share(music, 1000); s > 0.05 {
		t.Errorf("on hold the caller heard the operator in %.0f%% of the time", 100*s)
	}
	if s := share(music, musicNotes...); s < 0.5 {
		t.Errorf("on hold the caller heard the music in %.0f%% of the time", 100*s)
	}
	if s := share(span(right, c, hold.Add(1200*time.Millisecond), resume.Add(-100*time.Millisecond)), musicNotes...); s < 0.5 {
		t.Errorf("the right channel has the music in %.0f%% of the hold", 100*s)
	}
	if s := share(span(left, c, resume.Add(300*time.Millisecond), resume.Add(1300*time.Millisecond)), 1000); s < 0.8 {
		t.Errorf("after the hold the caller heard the operator in %.0f%% of the time", 100*s)
	}
	evs.checkKinds(t, "queue=1", "queue=0", EventOffered, EventAnswered, EventHeld, EventResumed, EventEnded)
	if ev := evs.wait(t, EventHeld, 1, 0); ev.AccountID != op1.AccountID || ev.Extension != "8001" {
		t.Errorf("held event %+v", ev)
	}
}

// checkContinuous fails the test unless the recording lasts as long as the
// call (no gap, no clock jump).
func checkContinuous(t *testing.T, e *env, c calls.Call) {
	t.Helper()
	wall := c.EndedAt.Sub(c.StartedAt).Seconds()
	if d := c.Recording.DurationS - wall; d < -0.3 || d > 0.3 {
		t.Errorf("recording of %.2f s for a call of %.2f s", c.Recording.DurationS, wall)
	}
	if w := e.recording(c); math.Abs(float64(w.Frames())/8000-c.Recording.DurationS) > 0.01 {
		t.Errorf("recording has %d frames for %.2f s", w.Frames(), c.Recording.DurationS)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

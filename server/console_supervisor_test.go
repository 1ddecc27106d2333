package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/peers"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/server"
)

// TestSupervisorWallboard follows the hotline on the supervisor's
// wallboard in Chromium with real SIP: a sipp caller queues while the
// operator (baresip 8001) is paused — the waiting count and the ticking
// longest wait show it, and the operator's pause reason —, the operator
// becomes available and their phone answers — the queue empties, the
// operator is busy and the call shows with its party —, then a caller
// hangs up in the queue: the abandoned list shows the full number with a
// 回拨 button, today's rates drop and both alerts are raised. The wall
// mode shows the same in huge figures without controls.
func TestSupervisorWallboard(t *testing.T) {
	r := newConsoleRig(t, withHotline)
	ctx := context.Background()
	op := r.actors["operator1"].AccountID
	peers.StartBaresip(t, "8001", "pw8001", r.sipAddr)
	r.waitRegistered("8001")
	if _, err := r.hotline.SetOperatorState(ctx, op, "paused"); err != nil {
		t.Fatal(err)
	}
	if err := r.hotline.Store().SetPauseReason(ctx, op, "培训"); err != nil {
		t.Fatal(err)
	}

	r.login("supervisor1")
	r.do("the wallboard", chromedp.Navigate(r.base+"/console/supervisor"),
		waitJS(`document.getElementById('board').dataset.ready === 'true'`, 10*time.Second),
		waitJS(`document.getElementById('live').dataset.state === 'open'`, 10*time.Second))
	if got := r.textOf(`#operators tr[data-account]`); !strings.Contains(got, "小休") || !strings.Contains(got, "培训") {
		t.Errorf("the paused operator shows %q, want 小休 with the reason 培训", got)
	}
	r.check("supervisor wallboard idle")

	caller := peers.StartSipp(t, "../hotline/testdata/sipp/hangup.xml", r.sipAddr, "-d", "16000")
	r.do("the caller queues: one waiting", waitJS(`document.getElementById('waiting').textContent === '1'`, 20*time.Second),
		waitJS(`document.querySelector('#calls tr[data-stage="queued"]') !== null`, 10*time.Second))
	r.do("the longest wait ticks", waitJS(`!['0:00', '0:01'].includes(document.getElementById('longest').textContent)`, 10*time.Second))
	if got := r.textOf(`#calls tr[data-stage="queued"]`); !strings.Contains(got, "13800138000") || !strings.Contains(got, "排队") {
		t.Errorf("the queued call shows %q", got)
	}

	if _, err := r.hotline.SetOperatorState(ctx, op, "available"); err != nil {
		t.Fatal(err)
	}
	r.do("the operator answers: the queue empties, the operator is busy on the call",
		waitJS(`document.getElementById('waiting').textContent === '0'`, 20*time.Second),
		waitJS(`document.querySelector('#operators tr[data-state="busy"]') !== null`, 20*time.Second),
		waitJS(`(document.querySelector('#calls tr[data-stage="talking"]') || {}).innerText?.includes('话务员')`, 20*time.Second))
	r.check("supervisor wallboard talking")

	caller.Wait(t, 90*time.Second)
	r.endedCall(30 * time.Second)
	r.do("the call is over: answered today", waitJS(`document.getElementById('offered').textContent === '1 / 1'`, 20*time.Second),
		waitJS(`document.getElementById('rate-connection').textContent === '100.0%'`, 10*time.Second))

	// A caller who hangs up in the queue.
	r.hotline.ACD().Sync()
	waitState(t, r, op, "available")
	if _, err := r.hotline.SetOperatorState(ctx, op, "paused"); err != nil {
		t.Fatal(err)
	}
	gone := peers.StartSipp(t, "../hotline/testdata/sipp/hangup.xml", r.sipAddr, "-d", "7000")
	r.do("it queues", waitJS(`document.getElementById('waiting').textContent === '1'`, 20*time.Second))
	gone.Wait(t, 60*time.Second)
	r.do("the abandoned call shows with its full number and 回拨",
		waitJS(`document.querySelector('#abandoned tr[data-call] button[data-callback]') !== null`, 20*time.Second),
		waitJS(`document.getElementById('abandoned-count').textContent === '1'`, 10*time.Second))
	if got := r.textOf(`#abandoned tr[data-call]`); !strings.Contains(got, "13800138000") {
		t.Errorf("the abandoned row shows %q, want the full number", got)
	}
	r.do("both alerts are raised and announced",
		waitJS(`document.querySelectorAll('#alerts [role="alert"]').length === 2`, 10*time.Second))
	if got := r.textOf("#alerts"); !strings.Contains(got, "接通率低于 95%") || !strings.Contains(got, "15 秒接通率低于 80%") {
		t.Errorf("alerts = %q", got)
	}
	r.check("supervisor wallboard abandoned")

	r.do("the wall screen", chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(r.base+"/console/supervisor?wall=1"),
		waitJS(`document.getElementById('board').dataset.ready === 'true'`, 10*time.Second))
	if n := eval[int](r, `[...document.querySelectorAll('button, input, select, textarea, a')].filter((e) => e.checkVisibility() && !e.classList.contains('skip')).length`); n != 0 {
		t.Errorf("the wall screen shows %d controls, want none", n)
	}
	if px := eval[float64](r, `parseFloat(getComputedStyle(document.getElementById('waiting')).fontSize)`); px < 100 {
		t.Errorf("the wall's figures are %.0f px high, want huge (≥ 100 px at 1080 p)", px)
	}
	if got := r.textOf("#alerts"); !strings.Contains(got, "接通率低于") {
		t.Errorf("the wall shows no alert: %q", got)
	}
	if got := r.textOf("#op-tiles"); !strings.Contains(got, "小休") {
		t.Errorf("the wall's operators show %q", got)
	}
	r.check("supervisor wall screen")
	r.pageErrors()
}

// waitState waits until the ACD has the operator in state.
func waitState(t *testing.T, r *consoleRig, accountID int64, state string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, a := range r.hotline.ACD().Agents() {
			if a.Account.AccountID == accountID && a.State == state {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("operator %d never %s: %+v", accountID, state, r.hotline.ACD().Agents())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// withTrunkHotline is withHotline with call-backs through the trunk at uri
// (digest user govhall-trunk, password trunk-secret).
func withTrunkHotline(uri string) rigOption {
	return func(r *consoleRig, deps *server.Deps) {
		tb := r.t
		ctx, quiet := context.Background(), slog.New(slog.DiscardHandler)
		store := calls.NewStore(r.db)
		for _, a := range []calls.NewSIPAccount{
			{Extension: "8001", Username: "operator1", Kind: calls.KindOperator},
			{Extension: "8101", Username: "liaison1", Kind: calls.KindLiaison, Department: "mzj"},
		} {
			a.Realm, a.Password = "govhall", "pw"+a.Extension
			if _, err := store.SaveSIPAccount(ctx, a); err != nil {
				tb.Fatal(err)
			}
		}
		prompts := tb.TempDir()
		for _, name := range hotline.PromptNames() {
			if err := media.Synthesize(ctx, "请", filepath.Join(prompts, name+".wav")); err != nil {
				tb.Fatalf("prompts (espeak-ng and sox are required): %v", err)
			}
		}
		trunk, err := hotline.ParseTrunk(hotline.Trunk{URI: uri, Username: "govhall-trunk", Password: "trunk-secret",
			RingStaff: 15 * time.Second, RingCitizen: 20 * time.Second})
		if err != nil {
			tb.Fatal(err)
		}
		ce := server.NewCallEvents(r.hub, quiet)
		cctx, cancel := context.WithCancel(ctx)
		go ce.Run(cctx)
		h, err := hotline.New(hotline.Config{SIPAddr: "127.0.0.1:0", DataDir: tb.TempDir(), PromptsDir: prompts,
			RingTimeout: 10 * time.Second, LiaisonRing: 10 * time.Second, WrapUp: time.Second, SurveyWait: 2 * time.Second,
			Events: ce, Log: quiet, Trunk: trunk}, r.db, openHours{}, nil)
		if err != nil {
			tb.Fatal(err)
		}
		if err := h.Start(ctx); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() {
			sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
			defer scancel()
			h.Stop(sctx)
			cancel()
		})
		r.hotline, r.sipAddr = h, h.SIP().Addr().String()
		deps.Calls = h
	}
}

// TestSupervisorCallBackThroughTrunk places a 回拨 and a 回访 from the
// console with real SIP: an INVITE from outside for an arbitrary number is
// refused and never reaches the trunk (no open relay); the API takes no
// number; the operator's baresip rings and answers first, then the trunk
// (a sipp UAS that challenges with digest) receives the INVITE for the
// abandoned caller's number, they talk, the operator hangs up and the
// citizen keys 4: the call-back is reached and rated, the outbound call
// recorded. The 回访 of an answered query finds the trunk busy; the
// result is stored and the query stays on the list; past the per-number
// limit a third call-back is refused.
func TestSupervisorCallBackThroughTrunk(t *testing.T) {
	trunkPort := peers.FreePort(t)
	r := newConsoleRig(t, withTrunkHotline(fmt.Sprintf("sip:127.0.0.1:%d", trunkPort)))
	ctx := context.Background()
	operator := peers.StartBaresip(t, "8001", "pw8001", r.sipAddr)
	r.waitRegistered("8001")
	var abandoned int64
	if err := r.db.Get(&abandoned, `INSERT INTO calls (sip_call_id, caller, callee, started_at, answered_at, queued_at, dequeued_at, ended_at, outcome)
		VALUES ('abandoned-1', '13800138000', '96128', now() - interval '5 minutes', now() - interval '5 minutes',
			now() - interval '295 seconds', now() - interval '280 seconds', now() - interval '280 seconds', 'abandoned') RETURNING id`); err != nil {
		t.Fatal(err)
	}

	trunk := peers.StartSipp(t, "../hotline/testdata/sipp/trunk_uas.xml", "", "-p", strconv.Itoa(trunkPort), "-timeout", "240s")
	relay := peers.StartSipp(t, "../hotline/testdata/sipp/outside_invite.xml", r.sipAddr)
	relay.Wait(t, 30*time.Second)
	time.Sleep(time.Second)
	if trunk.Exited() || strings.Contains(trunk.Logs(), "13912345678") {
		t.Fatalf("an outside INVITE reached the trunk (open relay):\n%s", trunk.Logs())
	}
	login, send := r.api()
	tok := login("operator1")
	if code, body := send("POST", "/api/v1/callbacks", tok, "", `{"kind":"callback","number":"13912345678"}`); code != http.StatusBadRequest {
		t.Errorf("a call-back to a number given in the request: %d %s, want 400", code, body)
	}
	if code, body := send("POST", "/api/v1/callbacks", tok, "", `{"kind":"callback","call_id":999999}`); code != http.StatusNotFound {
		t.Errorf("a call-back of an unknown call: %d %s, want 404", code, body)
	}

	r.login("operator1")
	r.do("the follow-up page", chromedp.Navigate(r.base+"/console/supervisor/followups"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`button[data-callback="%d"]`, abandoned))),
		waitJS(`document.getElementById('live').dataset.state === 'open'`, 10*time.Second))
	r.check("followups before the call-back")
	r.do("回拨", chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-callback="%d"]`, abandoned))),
		waitJS(`document.getElementById('callback-status').dataset.callback !== undefined`, 10*time.Second))
	operator.WaitEvent("CALL_ESTABLISHED", 20*time.Second)
	r.do("the operator answered, then the citizen: talking", waitJS(`document.getElementById('callback-status').dataset.state === 'talking'`, 30*time.Second))
	var legFirst bool
	r.db.Get(&legFirst, `SELECT l.answered_at < c.answered_at FROM callbacks b JOIN calls c ON c.id = b.outbound_call_id
		JOIN call_legs l ON l.call_id = c.id WHERE b.call_id = $1`, abandoned)
	if !legFirst {
		t.Errorf("the operator's phone did not answer before the citizen")
	}
	time.Sleep(2 * time.Second)
	operator.Command("hangup", "")
	trunk.Wait(t, 60*time.Second)
	r.do("reached, rated", waitJS(`document.getElementById('callback-status').dataset.state === 'reached'`, 30*time.Second))

	var cb struct {
		Result    string        `db:"result"`
		Rating    sql.NullInt64 `db:"rating"`
		Via       string        `db:"rating_via"`
		Direction string        `db:"direction"`
		Caller    string        `db:"caller"`
		Outcome   string        `db:"outcome"`
		SHA       string        `db:"recording_sha256"`
		Sat       sql.NullInt64 `db:"satisfaction"`
	}
	if err := r.db.Get(&cb, `SELECT b.result, b.rating, b.rating_via, c.direction, c.caller, c.outcome, c.recording_sha256, c.satisfaction
		FROM callbacks b JOIN calls c ON c.id = b.outbound_call_id WHERE b.call_id = $1`, abandoned); err != nil {
		t.Fatal(err)
	}
	if cb.Result != "reached" || cb.Rating.Int64 != 4 || cb.Via != "dtmf" || cb.Direction != "outbound" || cb.Caller != "13800138000" ||
		cb.Outcome != "answered" || cb.SHA == "" || cb.Sat.Int64 != 4 {
		t.Errorf("the call-back = %+v, want reached, rated 4 by dtmf, an outbound answered call to 13800138000 with a recording", cb)
	}
	var audited int
	r.db.Get(&audited, `SELECT count(*) FROM audit_log WHERE action = 'callback.place' AND actor = 'operator1'`)
	if audited != 1 {
		t.Errorf("%d audit rows of the call-back, want 1", audited)
	}

	// 回访 of an answered query: the trunk is busy.
	code := r.create(queries.NewQuery{Channel: "phone", Question: "临时救助的申请条件", Department: "mzj", Phone: "13800138000"})
	if err := r.queries.Answer(ctx, r.actors["liaison1"], code, queries.AnswerInput{Body: "持户口簿和身份证到街道办申请。"}); err != nil {
		t.Fatal(err)
	}
	waitState(t, r, r.actors["operator1"].AccountID, "available")
	busy := peers.StartSipp(t, "../hotline/testdata/sipp/refuse.xml", "", "-p", strconv.Itoa(trunkPort))
	r.do("the query waits for its 回访", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`button[data-followup=`+jsq(code)+`]`)))
	r.do("回访", chromedp.Click(chromedp.CSS(`button[data-followup=`+jsq(code)+`]`)),
		waitJS(`document.getElementById('callback-status').dataset.state === 'busy'`, 40*time.Second))
	busy.Wait(t, 30*time.Second)
	var result string
	r.db.Get(&result, `SELECT b.result || '/' || c.outcome FROM callbacks b JOIN calls c ON c.id = b.outbound_call_id WHERE b.query_code = $1`, code)
	if result != "busy/busy" {
		t.Errorf("the 回访 = %q, want busy/busy", result)
	}
	r.do("still to follow up, with its result", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`tr[data-code=`+jsq(code)+`]`)))
	if got := r.textOf(`tr[data-code=` + jsq(code) + `]`); !strings.Contains(got, "占线") {
		t.Errorf("the follow-up row shows %q, want 占线", got)
	}
	r.check("followups after")

	admin := login("admin1")
	if code, body := send("PUT", "/api/v1/supervisor/settings", admin, "", `{"callbacks_per_number":2}`); code != http.StatusOK {
		t.Fatalf("settings: %d %s", code, body)
	}
	waitState(t, r, r.actors["operator1"].AccountID, "available")
	if code, body := send("POST", "/api/v1/callbacks", tok, "", fmt.Sprintf(`{"kind":"callback","call_id":%d}`, abandoned)); code != http.StatusTooManyRequests {
		t.Errorf("a third call-back of the number in a day: %d %s, want 429", code, body)
	}
	r.pageErrors()
}

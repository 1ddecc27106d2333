package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govhall/govhall/hotline/peers"
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

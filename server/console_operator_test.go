package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/peers"
	"github.com/govhall/govhall/hotline/queries"
)

// TestOperatorDeskWithPhones drives the operator's desk in Chromium with
// real phones: baresip answers as the operator (8001) and as 民政局's
// liaison (8101), sipp calls 96128. The page pops the call with the
// caller's history, holds and resumes, records a note and a query linked
// to the call, makes an attended transfer to 民政局, a three-way call, leaves
// it, and files the wrap-up; the call record shows every step.
func TestOperatorDeskWithPhones(t *testing.T) {
	r := newConsoleRig(t, withHotline)
	earlier := r.create(queries.NewQuery{Channel: "phone", Question: "去年问过的低保标准", Department: "mzj", Phone: "13800138000"})
	operator := peers.StartBaresip(t, "8001", "pw8001", r.sipAddr)
	liaison := peers.StartBaresip(t, "8101", "pw8101", r.sipAddr)
	r.waitRegistered("8001", "8101")

	r.login("operator1")
	r.do("open the desk", chromedp.Navigate(r.base+"/console/operator"), chromedp.WaitVisible(chromedp.CSS("#state")))
	r.do("the desk shows the phone registered and ready", waitJS(`document.getElementById('reg').dataset.ok === 'true'`, 10*time.Second),
		waitJS(`document.getElementById('state').dataset.state === 'available'`, 10*time.Second),
		waitJS(`document.getElementById('live').dataset.state === 'open'`, 10*time.Second))
	r.check("operator desk idle")
	r.do("pause needs a reason", chromedp.Click(chromedp.CSS("#go-paused")), chromedp.WaitVisible(chromedp.CSS("#reason-error")))
	r.do("ready again", chromedp.Click(chromedp.CSS("#go-available")), waitJS(`!document.getElementById('reason-error')`, 5*time.Second))

	caller := peers.StartSipp(t, "../hotline/testdata/sipp/hangup.xml", r.sipAddr, "-d", "35000")
	r.do("the call pops up and is answered on the phone", waitJS(`document.getElementById('call').dataset.state === 'talking'`, 30*time.Second))
	operator.WaitEvent("CALL_ESTABLISHED", 5*time.Second)
	if got := r.textOf("#caller"); got != "13800138000" {
		t.Errorf("the pop shows caller %q, want the full number 13800138000", got)
	}
	r.do("the caller's earlier query shows", waitJS(`document.getElementById('history-list').innerText.includes(`+jsq(earlier)+`)`, 10*time.Second))
	r.check("operator desk talking")
	callID := eval[string](r, `document.getElementById('call-id').textContent`)

	r.do("hold", chromedp.Click(chromedp.CSS("#hold")), waitJS(`document.getElementById('call').dataset.state === 'held'`, 10*time.Second))
	r.do("resume", chromedp.Click(chromedp.CSS("#hold")), waitJS(`document.getElementById('call').dataset.state === 'talking'`, 10*time.Second))
	r.do("a note", chromedp.SendKeys(chromedp.CSS("#call-note"), "来电人询问临时救助"), chromedp.Click(chromedp.CSS("#note-form button")),
		chromedp.WaitVisible(chromedp.CSS("#note-form .form-ok")))

	r.do("query form: an empty question is refused next to the field", chromedp.Click(chromedp.CSS("#tab-query")),
		chromedp.Click(chromedp.CSS("#query-form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#q-question-error")))
	r.do("record a query for the call", chromedp.SendKeys(chromedp.CSS("#q-question"), "临时救助需要哪些材料，多久能批下来"),
		chromedp.SetValue(chromedp.CSS("#q-dept"), "mzj"), chromedp.Click(chromedp.CSS("#query-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#query-code")))
	code := r.textOf("#query-code")
	r.do("the line reads the code out", chromedp.Click(chromedp.CSS("#readout")), chromedp.WaitVisible(chromedp.CSS("#readout-done")))
	var linked string
	r.db.Get(&linked, `SELECT q.sip_call_id FROM queries q WHERE q.code = $1`, code)
	var sipCallID string
	r.db.Get(&sipCallID, `SELECT sip_call_id FROM calls WHERE id = $1`, callID)
	if linked == "" || linked != sipCallID {
		t.Errorf("query %s is linked to call %q, want %q", code, linked, sipCallID)
	}

	r.do("attended transfer to 民政局", chromedp.SetValue(chromedp.CSS("#department"), "mzj"), chromedp.Click(chromedp.CSS("#attended")),
		waitJS(`document.getElementById('call').dataset.state === 'consulting'`, 20*time.Second))
	liaison.WaitEvent("CALL_ESTABLISHED", 5*time.Second)
	if steps := r.textOf("#steps"); !strings.Contains(steps, "8101") {
		t.Errorf("transfer steps = %q, want the liaison's phone named", steps)
	}
	r.check("operator desk consulting")
	r.do("three-way", chromedp.Click(chromedp.CSS("#threeway")), waitJS(`document.getElementById('call').dataset.state === 'threeway'`, 10*time.Second))
	r.do("leave the three-way call", chromedp.Click(chromedp.CSS("#leave")), waitJS(`document.getElementById('call').dataset.state === 'ended'`, 10*time.Second))
	r.do("wrap-up needs a code", chromedp.Click(chromedp.CSS("#wrapup-form button")), chromedp.WaitVisible(chromedp.CSS("#wrapup-code-error")))
	r.do("wrap up", chromedp.SetValue(chromedp.CSS("#wrapup-code"), "transferred"), chromedp.Click(chromedp.CSS("#wrapup-form button")),
		waitJS(`document.getElementById('call').dataset.state === 'idle'`, 10*time.Second))

	caller.Wait(t, 90*time.Second)
	c := r.endedCall(30 * time.Second)
	var parties []string
	for _, l := range c.Legs {
		parties = append(parties, l.Party+":"+l.Extension)
	}
	if got := strings.Join(parties, ","); !strings.Contains(got, "8001") || !strings.Contains(got, "8101") {
		t.Errorf("legs = %s, want the operator and the liaison", got)
	}
	if len(c.Transfers) != 1 || c.Transfers[0].Method != "attended" {
		t.Errorf("transfers = %+v, want one attended transfer", c.Transfers)
	}
	if len(c.Holds) == 0 {
		t.Errorf("the hold is not in the call record")
	}
	if c.Recording == nil || c.Recording.SHA256 == "" {
		t.Errorf("the call has no recording")
	}
	notes, _ := r.hotline.Store().Notes(context.Background(), c.ID)
	if len(notes) != 2 || notes[1].Code != "transferred" {
		t.Errorf("notes of the call = %+v, want the note and the wrap-up", notes)
	}
	r.pageErrors()
}

// waitRegistered waits until the phones have registered.
func (r *consoleRig) waitRegistered(exts ...string) {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for _, ext := range exts {
		for !r.hotline.SIP().Registrar().Registered(ext) {
			if time.Now().After(deadline) {
				r.t.Fatalf("phone %s did not register", ext)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// endedCall waits until the newest call has ended and returns its record.
func (r *consoleRig) endedCall(within time.Duration) calls.Call {
	r.t.Helper()
	deadline := time.Now().Add(within)
	for {
		cs, err := r.hotline.Store().List(context.Background(), 1)
		if err != nil {
			r.t.Fatal(err)
		}
		if len(cs) == 1 && cs[0].EndedAt != nil {
			return cs[0]
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("no ended call within %v: %+v", within, cs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDirectoryOutsideHours checks that the transfer directory shows a
// department outside legal working hours as such, with nobody to ring.
func TestDirectoryOutsideHours(t *testing.T) {
	r := newConsoleRig(t, withClosedHours, withHotline)
	peers.StartBaresip(t, "8101", "pw8101", r.sipAddr)
	r.waitRegistered("8101")
	r.login("operator1")
	r.do("open the desk", chromedp.Navigate(r.base+"/console/operator"), chromedp.WaitVisible(chromedp.CSS("#tab-dir")))
	r.do("the directory", chromedp.Click(chromedp.CSS("#tab-dir")), chromedp.WaitVisible(chromedp.CSS(`#directory tr[data-department="mzj"]`)))
	if got := r.textOf(`#directory tr[data-department="mzj"]`); !strings.Contains(got, "不在工作时间") {
		t.Errorf("民政局 outside hours shows %q", got)
	}
	if got := eval[string](r, `document.querySelector('#department option[value="mzj"]').textContent`); !strings.Contains(got, "不在工作时间") {
		t.Errorf("the transfer choice says %q, want 不在工作时间", got)
	}
	r.check("operator directory")
}

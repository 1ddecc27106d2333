package hotline

import (
	"context"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/calls"
)

// TestVanishedPhoneDropped: an operator's phone registers and then
// vanishes without unregistering (baresip killed, as a phone that loses
// power). The first caller offered to it rings into silence for one ring
// timeout; then its registration is dropped, so that no later caller waits
// on it, and the caller goes to the next operator. When the phone comes
// back and registers, it is offered calls again.
func TestVanishedPhoneDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, workingMorning, func(c *Config) { c.RingTimeout = 3 * time.Second })
	ctx := context.Background()
	gone := startBaresip(t, "8001", "pw8001", e.addr)
	op := startBaresip(t, "8002", "pw8002", e.addr)
	e.waitRegistered("8001")
	e.waitRegistered("8002")
	second, err := e.store.SIPAccount(ctx, "8002")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.h.acd.SetState(ctx, second.AccountID, calls.StatePaused); err != nil {
		t.Fatal(err)
	}
	gone.Kill()
	r := startSipp(t, "survey_rfc4733.xml", e.addr)
	e.waitFor("8001's registration dropped", 20*time.Second, func() bool { return !e.h.SIP().Registrar().Registered("8001") })
	// The caller waits meanwhile; without the drop 8001 would be offered
	// again after each ring timeout.
	time.Sleep(4 * time.Second)
	if _, err := e.h.acd.SetState(ctx, second.AccountID, calls.StateAvailable); err != nil {
		t.Fatal(err)
	}
	c := e.waitLegAnswered(1, 20*time.Second)
	op.WaitEvent("CALL_ESTABLISHED", 5*time.Second)
	op.Command("hangup", "")
	r.Wait(t, 60*time.Second)
	var to8001 int
	for _, l := range c.Legs {
		if l.Extension == "8001" {
			to8001++
			if l.Result != calls.LegNoAnswer {
				t.Errorf("the leg to the vanished phone ended %q, want %q", l.Result, calls.LegNoAnswer)
			}
		}
	}
	if to8001 != 1 {
		t.Errorf("the vanished phone was offered the caller %d times, want once: %+v", to8001, c.Legs)
	}
	startBaresip(t, "8001", "pw8001", e.addr)
	e.waitRegistered("8001")
	e.waitFor("8001 offered again", 10*time.Second, func() bool {
		for _, a := range e.h.acd.Agents() {
			if a.Account.Extension == "8001" && a.State == calls.StateAvailable && e.h.reachable(a.Account) {
				return true
			}
		}
		return false
	})
}

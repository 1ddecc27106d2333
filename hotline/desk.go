package hotline

import (
	"context"
	"slices"

	"github.com/govhall/govhall/hotline/calls"
)

// What the operators' desk reads of the running hotline: the call a staff
// member is on (after a page reload the live events start afresh), and the
// transfer directory with each liaison's live state.

// DeskCall is the call a staff member is rung for or talking with.
type DeskCall struct {
	ID        int64  `json:"id"`
	SIPCallID string `json:"sip_call_id"`
	Caller    string `json:"caller"`
}

// CallOf returns the call accountID is talking with, if any.
func (h *Hotline) CallOf(accountID int64) (DeskCall, bool) {
	h.mu.Lock()
	cs := make([]*call, 0, len(h.active))
	for _, c := range h.active {
		cs = append(cs, c)
	}
	h.mu.Unlock()
	for _, c := range cs {
		p := c.current()
		if p == nil || p.acct.AccountID != accountID {
			continue
		}
		return DeskCall{ID: c.id, SIPCallID: c.in.CallID, Caller: c.in.Caller}, true
	}
	return DeskCall{}, false
}

// Liaison is a liaison phone in the transfer directory.
type Liaison struct {
	Extension  string `json:"extension"`
	Username   string `json:"username,omitempty"`
	Registered bool   `json:"registered"` // the phone can be rung
	OnCall     bool   `json:"on_call"`
	Away       bool   `json:"away"` // the liaison said they are away: transfers skip them
}

// DirectoryEntry is a department with its liaisons, for transfers.
type DirectoryEntry struct {
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	RingStrategy string    `json:"ring_strategy"`
	InHours      bool      `json:"in_hours"` // legal working hours now (调休 calendar)
	Liaisons     []Liaison `json:"liaisons"`
	Reachable    int       `json:"reachable"` // liaisons a transfer would ring now
}

// Directory returns every department that has liaison phones, with their
// live state.
func (h *Hotline) Directory(ctx context.Context) ([]DirectoryEntry, error) {
	ls, err := h.store.SIPAccounts(ctx, calls.KindLiaison, 0)
	if err != nil {
		return nil, err
	}
	busy := h.busyAccounts()
	inHours := h.hours.InHours(h.cfg.Now())
	var out []DirectoryEntry
	at := map[string]int{}
	for _, a := range ls {
		i, ok := at[a.DepartmentCode]
		if !ok {
			d, err := h.store.Department(ctx, a.DepartmentCode)
			if err != nil {
				return nil, err
			}
			out = append(out, DirectoryEntry{Code: d.Code, Name: d.Name, RingStrategy: d.RingStrategy, InHours: inHours})
			i = len(out) - 1
			at[a.DepartmentCode] = i
		}
		l := Liaison{Extension: a.Extension, Username: a.Username, Registered: h.reachable(a), OnCall: busy[a.AccountID] && a.AccountID != 0, Away: a.Away}
		out[i].Liaisons = append(out[i].Liaisons, l)
		if l.Registered && !l.Away && !l.OnCall && inHours {
			out[i].Reachable++
		}
	}
	return out, nil
}

// busyAccounts returns the staff accounts talking on a call now.
func (h *Hotline) busyAccounts() map[int64]bool {
	h.mu.Lock()
	cs := make([]*call, 0, len(h.active))
	for _, c := range h.active {
		cs = append(cs, c)
	}
	h.mu.Unlock()
	busy := map[int64]bool{}
	for _, c := range cs {
		if p := c.current(); p != nil {
			busy[p.acct.AccountID] = true
		}
	}
	return busy
}

// PromptNames returns the names of the prompts the hotline plays, in
// order: each is NAME.wav in Config.PromptsDir (tests put short ones
// there, admins their own recordings).
func PromptNames() []string {
	var names []string
	for name := range promptTexts() {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

package hotline

import (
	"context"
	"fmt"

	"github.com/govhall/govhall/hotline/calls"
)

// What the admin's console pages read and change of the running hotline:
// the phones' realm and registrations, and the prompts, which an admin may
// replace or restore while calls go on: the next prompt a call plays is
// the new one, without a restart.

// prompts returns the prompts calls play now.
func (h *Hotline) prompts() Prompts {
	if p := h.loaded.Load(); p != nil {
		return *p
	}
	return nil
}

// Realm is the digest realm of the hotline's phones; new phones get it.
func (h *Hotline) Realm() string { return h.cfg.Realm }

// Registered reports whether a phone has a live registration with the
// hotline's registrar (a desk phone at a fixed contact needs none).
func (h *Hotline) Registered(a calls.SIPAccount) bool {
	return h.sip.Registrar().Registered(a.Extension)
}

// RegeneratePhone gives a phone new credentials (see calls.Store) and ends
// its registrations: it must register again with the new password.
func (h *Hotline) RegeneratePhone(ctx context.Context, by calls.Actor, id int64) (calls.Phone, string, error) {
	p, password, err := h.store.RegeneratePhone(ctx, by, id)
	if err == nil {
		h.sip.Registrar().Drop(p.Extension)
	}
	return p, password, err
}

// RemovePhone removes a phone and cuts it off at once: its registrations
// end and the ACD offers it no more calls (a call on it goes on to its end).
func (h *Hotline) RemovePhone(ctx context.Context, by calls.Actor, id int64) (calls.Phone, error) {
	p, err := h.store.RemovePhone(ctx, by, id)
	if err != nil {
		return p, err
	}
	h.sip.Registrar().Drop(p.Extension)
	return p, h.acd.Refresh(ctx)
}

// PromptFiles lists the prompts the hotline plays.
func (h *Hotline) PromptFiles() ([]PromptFile, error) { return PromptFiles(h.cfg.PromptsDir) }

// PromptPath returns the WAV file of a prompt, or ErrNoPrompt.
func (h *Hotline) PromptPath(name string) (string, error) { return PromptPath(h.cfg.PromptsDir, name) }

// ReplacePrompt stores an admin's recording of a prompt (see
// CheckPromptWAV for what is accepted) and reloads the prompts, so the
// next call plays it.
func (h *Hotline) ReplacePrompt(name string, wav []byte) (PromptFile, error) {
	f, err := WritePrompt(h.cfg.PromptsDir, name, wav)
	if err != nil {
		return f, err
	}
	return f, h.reloadPrompts()
}

// RestorePrompt puts a prompt's synthesised default back and reloads the
// prompts.
func (h *Hotline) RestorePrompt(ctx context.Context, name string) (PromptFile, error) {
	f, err := RestorePrompt(ctx, h.cfg.PromptsDir, name)
	if err != nil {
		return f, err
	}
	return f, h.reloadPrompts()
}

// reloadPrompts reads every prompt again and swaps them in whole: a call
// never sees half a set. On failure the prompts playing stay.
func (h *Hotline) reloadPrompts() error {
	ps, err := LoadPrompts(h.cfg.PromptsDir)
	if err != nil {
		return fmt.Errorf("hotline: reload prompts: %w", err)
	}
	h.loaded.Store(&ps)
	return nil
}

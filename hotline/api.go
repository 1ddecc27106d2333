package hotline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/calls"
)

// ListCalls returns the most recent calls, newest first.
func (h *Hotline) ListCalls(ctx context.Context, limit int) ([]calls.Call, error) {
	return h.store.List(ctx, limit)
}

// RecordingPath returns the file of the recording of a finished call
// (found by the URL in its record, Config.Recordings) and writes the
// access to the audit log; calls.ErrNotFound when there is none or its
// file is missing.
func (h *Hotline) RecordingPath(ctx context.Context, callID int64, by calls.Actor) (string, error) {
	return h.recordingFile(h.store.RecordingPath(ctx, callID, by))
}

// VoicemailPath returns the file of the message a caller left and writes
// the access to the audit log; calls.ErrNotFound when there is none.
func (h *Hotline) VoicemailPath(ctx context.Context, callID int64, by calls.Actor) (string, error) {
	return h.recordingFile(h.store.VoicemailPath(ctx, callID, by))
}

// recordingFile returns the file of the recording at loc, or err.
func (h *Hotline) recordingFile(loc string, err error) (string, error) {
	if err != nil {
		return "", err
	}
	path, err := h.cfg.Recordings.Path(loc)
	if errors.Is(err, fs.ErrNotExist) {
		h.log.Warn("the file of a finished recording is missing", "recording", loc, "err", err)
		return "", fmt.Errorf("hotline: recording %s: %w (%w)", loc, calls.ErrNotFound, err)
	}
	if err != nil {
		return "", fmt.Errorf("hotline: recording %s: %w", loc, err)
	}
	return path, nil
}

// OperatorStatus is an operator's ACD state as the console shows it.
type OperatorStatus struct {
	Extension  string             `json:"extension"`
	State      string             `json:"state"`
	Since      time.Time          `json:"since"`
	Registered bool               `json:"registered"`
	Today      map[string]float64 `json:"today_seconds"` // time in each state since midnight
}

// SetOperatorState is an operator choosing available, paused or offline
// (applied after the current call when busy). It returns the state in
// force; calls.ErrNotFound when the account has no operator phone,
// calls.ErrInvalid for another state.
func (h *Hotline) SetOperatorState(ctx context.Context, accountID int64, state string) (OperatorStatus, error) {
	if _, err := h.acd.SetState(ctx, accountID, state); err != nil {
		return OperatorStatus{}, err
	}
	return h.OperatorState(ctx, accountID)
}

// OperatorState returns an operator's current state and today's times.
func (h *Hotline) OperatorState(ctx context.Context, accountID int64) (OperatorStatus, error) {
	if err := h.acd.Refresh(ctx); err != nil {
		return OperatorStatus{}, err
	}
	for _, a := range h.acd.Agents() {
		if a.Account.AccountID != accountID {
			continue
		}
		now := h.cfg.Now()
		day := calendar.DateOf(now).At(0)
		times, err := h.store.StateTimes(ctx, accountID, day, now)
		if err != nil {
			return OperatorStatus{}, err
		}
		st := OperatorStatus{Extension: a.Account.Extension, State: a.State, Since: a.Since,
			Registered: h.reachable(a.Account), Today: map[string]float64{}}
		for k, v := range times {
			st.Today[k] = v.Seconds()
		}
		return st, nil
	}
	return OperatorStatus{}, calls.ErrNotFound
}

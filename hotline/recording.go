package hotline

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/media"
)

// A recording that cannot be written (a full or broken recordings disk)
// never costs the caller the call: the call goes on unrecorded, the
// failure is logged at once as an error and counted (Stats'
// RecordingFailures, the alert of deploy/), and the call record's
// end_reason says what was lost.

// startRecording opens the stereo recording of a call at path; when it
// cannot, it returns nil and the note for the record.
func (h *Hotline) startRecording(log *slog.Logger, path string, start time.Time) (*media.Recorder, string) {
	rec, err := media.NewRecorder(path, 2, start, h.cfg.Now)
	if err != nil {
		h.recordingFailed(log, err)
		return nil, fmt.Sprintf("not recorded: %v", err)
	}
	rec.OnFail(func(err error) { h.recordingFailed(log, err) })
	return rec, ""
}

// recordingFailed logs and counts a recording that could not start or
// stopped midway.
func (h *Hotline) recordingFailed(log *slog.Logger, err error) {
	h.meter.recFails.Add(1)
	log.Error("recording failed, the call goes on without it", "err", err,
		"recordings_dir", filepath.Join(h.cfg.DataDir, "recordings"))
}

// closeRecording closes rec (nil: none) and returns the recording for the
// record — for one that stopped midway, what reached the disk — and a note
// saying what was lost ("" when nothing was).
func (h *Hotline) closeRecording(log *slog.Logger, rec *media.Recorder) (calls.Recording, string) {
	if rec == nil {
		return calls.Recording{}, ""
	}
	info, err := rec.Close()
	if err != nil && (!errors.Is(err, media.ErrStopped) || info.Path == "") {
		h.meter.recorded(info, err)
		log.Error("close recording", "err", err)
		return calls.Recording{}, fmt.Sprintf("recording lost: %v", err)
	}
	h.meter.recorded(info, nil) // a stop midway was counted when it happened
	out := calls.Recording{Path: info.Path, SHA256: info.SHA256, Duration: info.Duration, Size: info.Size}
	if err != nil {
		return out, err.Error()
	}
	return out, ""
}

// withNote appends a note to an end reason.
func withNote(reason, note string) string {
	switch {
	case note == "":
		return reason
	case reason == "":
		return note
	}
	return reason + "; " + note
}

package hotline

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/recstore"
)

// A recording that cannot be written (a full or broken recordings disk)
// never costs the caller the call: the call goes on unrecorded, the
// failure is logged at once as an error and counted (Stats'
// RecordingFailures, the alert of deploy/), and the call record's
// end_reason says what was lost.

// recording is a recorder writing the partial file of a recording.
type recording struct {
	*media.Recorder
	part recstore.Partial
}

// recordingName returns the name of the recording of call id started at
// now, of kind ("": the call itself).
func (h *Hotline) recordingName(now time.Time, id int64, kind string) string {
	node, _ := h.owner()
	return recstore.Name(now.Format("2006/01/02"), node, id, kind)
}

// startRecording begins the recording name (channels: 2 for a call, 1
// for a message) and opens its partial file; when it cannot, it returns
// nil and the note for the record.
func (h *Hotline) startRecording(log *slog.Logger, name string, channels int, start time.Time) (*recording, string) {
	part, err := h.cfg.Recordings.Begin(name)
	if err != nil {
		h.recordingFailed(log, err)
		return nil, fmt.Sprintf("not recorded: %v", err)
	}
	rec, err := media.NewRecorder(part.Path, channels, start, h.cfg.Now)
	if err != nil {
		h.recordingFailed(log, err)
		return nil, fmt.Sprintf("not recorded: %v", err)
	}
	rec.OnFail(func(err error) { h.recordingFailed(log, err) })
	return &recording{Recorder: rec, part: part}, ""
}

// recorder returns the recorder of rec; nil for none.
func (rec *recording) recorder() *media.Recorder {
	if rec == nil {
		return nil
	}
	return rec.Recorder
}

// url returns the URL rec will have; "" for none.
func (rec *recording) url() string {
	if rec == nil {
		return ""
	}
	return rec.part.URL
}

// recordingFailed logs and counts a recording that could not start or
// stopped midway.
func (h *Hotline) recordingFailed(log *slog.Logger, err error) {
	h.meter.recFails.Add(1)
	log.Error("recording failed, the call goes on without it", "err", err,
		"recordings", fmt.Sprint(h.cfg.Recordings))
}

// closeRecording closes rec (nil: none), finalises its file under its
// name and returns the recording for the record — for one that stopped
// midway, what reached the disk — and a note saying what was lost (""
// when nothing was). A recording that cannot be finalised stays a
// partial file, logged and counted as a failure, and the record gets
// none (its note says why).
func (h *Hotline) closeRecording(log *slog.Logger, rec *recording) (calls.Recording, string) {
	if rec == nil {
		return calls.Recording{}, ""
	}
	info, err := rec.Close()
	if err != nil && (!errors.Is(err, media.ErrStopped) || info.Path == "") {
		h.meter.recorded(info, err)
		log.Error("close recording", "err", err)
		return calls.Recording{}, fmt.Sprintf("recording lost: %v", err)
	}
	if ferr := h.cfg.Recordings.Finalise(rec.part); ferr != nil {
		h.meter.recorded(info, ferr)
		log.Error("finalise recording", "err", ferr)
		return calls.Recording{}, fmt.Sprintf("recording not finalised: %v", ferr)
	}
	h.meter.recorded(info, nil) // a stop midway was counted when it happened
	out := calls.Recording{Path: rec.part.URL, SHA256: info.SHA256, Duration: info.Duration, Size: info.Size}
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

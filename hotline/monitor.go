package hotline

import (
	"sync/atomic"
	"time"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/sipua"
)

// Thresholds of the live counters. The statistics (hotline/stats) read
// theirs from stats_settings; these are its defaults.
const (
	AnswerTarget = 15 * time.Second // GB/T 33358: the 15-second answer
	ShortAbandon = 5 * time.Second  // an abandon before this is a short abandon
)

// meter counts the call flow for monitoring; each field only grows.
type meter struct {
	queued, answered, answeredInTarget   atomic.Uint64
	abandoned, abandonedShort            atomic.Uint64
	recordings, recordingBytes, recFails atomic.Uint64
}

// answeredAfter counts an operator answering a caller who waited w.
func (m *meter) answeredAfter(w time.Duration) {
	m.answered.Add(1)
	if w <= AnswerTarget {
		m.answeredInTarget.Add(1)
	}
}

// abandonedAfter counts a caller hanging up in the queue after w.
func (m *meter) abandonedAfter(w time.Duration) {
	m.abandoned.Add(1)
	if w < ShortAbandon {
		m.abandonedShort.Add(1)
	}
}

// recorded counts a recording closed (or failing to close).
func (m *meter) recorded(info media.FileInfo, err error) {
	if err != nil {
		m.recFails.Add(1)
		return
	}
	m.recordings.Add(1)
	m.recordingBytes.Add(uint64(max(info.Size, 0)))
}

// Stats is the hotline as monitoring sees it: gauges of the moment and
// counters since the process started.
type Stats struct {
	Listening       bool // SIP is bound and takes new calls (not draining)
	CallsInProgress int
	QueueLength     int
	LongestWait     time.Duration  // of the caller waiting longest; 0 when nobody waits
	Operators       map[string]int // operators by state, every state present

	Queued         uint64 // callers who joined the queue
	Answered       uint64 // … whom an operator answered
	AnsweredInTime uint64 // … within AnswerTarget of joining
	Abandoned      uint64 // callers who hung up in the queue
	AbandonedShort uint64 // … within ShortAbandon

	Recordings        uint64 // recordings closed (calls, voicemail, call-backs)
	RecordingBytes    uint64 // their size
	RecordingFailures uint64 // recordings that could not be finished

	Media      media.CounterValues
	SIP        []sipua.MessageCount
	SIPDropped uint64 // messages the flood throttle dropped
}

// Stats returns a snapshot for monitoring; it reads no database.
func (h *Hotline) Stats() Stats {
	st := Stats{Listening: h.sip.Listening(), CallsInProgress: h.sip.ActiveCalls(),
		Queued: h.meter.queued.Load(), Answered: h.meter.answered.Load(), AnsweredInTime: h.meter.answeredInTarget.Load(),
		Abandoned: h.meter.abandoned.Load(), AbandonedShort: h.meter.abandonedShort.Load(),
		Recordings: h.meter.recordings.Load(), RecordingBytes: h.meter.recordingBytes.Load(),
		RecordingFailures: h.meter.recFails.Load(),
		Media:             h.ports.Counters().Values(), SIP: h.sip.Messages(), SIPDropped: h.sip.Dropped()}
	n, oldest := h.acd.Waiting()
	st.QueueLength = n
	if !oldest.IsZero() {
		st.LongestWait = max(h.cfg.Now().Sub(oldest), 0)
	}
	st.Operators = map[string]int{}
	for _, s := range []string{calls.StateAvailable, calls.StateBusy, calls.StateWrapUp, calls.StatePaused, calls.StateOffline} {
		st.Operators[s] = 0
	}
	for _, a := range h.acd.Agents() {
		st.Operators[a.State]++
	}
	return st
}

// Listening reports whether SIP is bound and takes new calls (false while
// draining), for readiness.
func (h *Hotline) Listening() bool { return h.sip.Listening() }

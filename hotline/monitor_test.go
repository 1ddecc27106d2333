package hotline

import (
	"testing"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/sipua"
)

// sipCount returns the count of one kind of SIP message in st.
func sipCount(st Stats, dir, method string, code int) uint64 {
	for _, m := range st.SIP {
		if m.Direction == dir && m.Method == method && m.Code == code {
			return m.N
		}
	}
	return 0
}

// checkStatsInCall checks the monitoring snapshot while the one caller of
// the test talks with the operator it queued for.
func checkStatsInCall(t *testing.T, st Stats) {
	t.Helper()
	if !st.Listening || st.CallsInProgress != 1 || st.QueueLength != 0 || st.LongestWait != 0 {
		t.Errorf("in the call: listening %v, %d calls in progress, queue %d (%v), want true, 1, 0",
			st.Listening, st.CallsInProgress, st.QueueLength, st.LongestWait)
	}
	if st.Queued != 1 || st.Answered != 1 || st.AnsweredInTime != 1 || st.Abandoned != 0 {
		t.Errorf("queue counters %d queued, %d answered (%d in 15 s), %d abandoned; want 1, 1 (1), 0",
			st.Queued, st.Answered, st.AnsweredInTime, st.Abandoned)
	}
	if st.Operators[calls.StateBusy] != 1 {
		t.Errorf("operators by state %v, want one busy", st.Operators)
	}
	if n := sipCount(st, sipua.Received, "INVITE", 0); n < 1 {
		t.Errorf("INVITEs received: %d", n)
	}
	if n := sipCount(st, sipua.Received, "REGISTER", 0); n < 1 {
		t.Errorf("REGISTERs received: %d", n)
	}
	if n := sipCount(st, sipua.Received, "INVITE", 200); n < 1 {
		t.Errorf("200 responses to our INVITE to the operator: %d", n)
	}
}

// checkStatsAfterCall checks the snapshot once that call ended with the
// caller's rating keyed as RFC 4733 events.
func checkStatsAfterCall(t *testing.T, st Stats) {
	t.Helper()
	if st.CallsInProgress != 0 {
		t.Errorf("%d calls in progress after the call", st.CallsInProgress)
	}
	if n := sipCount(st, sipua.Sent, "INVITE", 200); n < 1 {
		t.Errorf("200 responses sent to the caller's INVITE: %d", n)
	}
	if st.Recordings < 1 || st.RecordingBytes < 44 || st.RecordingFailures != 0 {
		t.Errorf("recordings %d (%d bytes, %d failed), want ≥ 1 with audio, none failed", st.Recordings, st.RecordingBytes, st.RecordingFailures)
	}
	m := st.Media
	if m.Received < 100 || m.Relayed < 100 || m.DigitsRFC < 1 {
		t.Errorf("media %+v: want ≥ 100 packets received and relayed and the rating's digit", m)
	}
}

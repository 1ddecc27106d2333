package metrics

import (
	"context"
	"fmt"
	"syscall"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/sipua"
	"github.com/govhall/govhall/kiosk/search"
)

func (e emitter) hotline(st hotline.Stats) {
	e.gauge("govhall_sip_listening", bit(st.Listening))
	for _, m := range st.SIP {
		if m.Direction == sipua.Received && m.Code == 0 {
			e.counter("govhall_sip_requests_received_total", m.N, m.Method)
		} else if m.Code != 0 {
			e.counter("govhall_sip_responses_total", m.N, m.Direction, m.Method, codeLabel(m.Code))
		}
	}
	e.counter("govhall_sip_dropped_total", st.SIPDropped)
	e.gauge("govhall_calls_in_progress", float64(st.CallsInProgress))
	e.gauge("govhall_queue_length", float64(st.QueueLength))
	e.gauge("govhall_queue_longest_wait_seconds", st.LongestWait.Seconds())
	for state, n := range st.Operators {
		e.gauge("govhall_operators", float64(n), state)
	}
	e.counter("govhall_queue_joined_total", st.Queued)
	e.counter("govhall_queue_answered_total", st.Answered)
	e.counter("govhall_queue_answered_within_15s_total", st.AnsweredInTime)
	e.counter("govhall_queue_abandoned_total", st.Abandoned)
	e.counter("govhall_queue_abandoned_short_total", st.AbandonedShort)
	m := st.Media
	e.counter("govhall_rtp_packets_received_total", m.Received)
	e.counter("govhall_rtp_packets_lost_total", m.Lost)
	e.counter("govhall_rtp_packets_late_total", m.Late)
	e.counter("govhall_rtp_packets_relayed_total", m.Relayed)
	e.counter("govhall_rtp_relay_failures_total", m.RelayFailed)
	e.counter("govhall_dtmf_digits_total", m.DigitsRFC, "rfc4733")
	e.counter("govhall_dtmf_digits_total", m.DigitsINFO, "info")
	e.counter("govhall_recordings_total", st.Recordings)
	e.counter("govhall_recording_bytes_total", st.RecordingBytes)
	e.counter("govhall_recording_failures_total", st.RecordingFailures)
}

func (e emitter) index(st search.IndexStatus) {
	e.gauge("govhall_search_index_enabled", bit(st.Enabled))
	e.gauge("govhall_search_index_loaded", bit(st.Loaded))
	e.gauge("govhall_search_index_documents", float64(st.Documents))
	e.gauge("govhall_search_index_behind_seconds", st.Behind.Seconds())
}

func (e emitter) disk(dir string) {
	free, size, err := DiskSpace(dir)
	if !e.up("recordings_disk", err) {
		return
	}
	e.gauge("govhall_recordings_disk_free_bytes", float64(free))
	e.gauge("govhall_recordings_disk_size_bytes", float64(size))
}

func (e emitter) queries(ctx context.Context, q QuerySource) {
	g, err := q.Gauges(ctx)
	if !e.up("queries", err) {
		return
	}
	for status, n := range g.Open {
		e.gauge("govhall_queries_open", float64(n), string(status))
	}
	e.gauge("govhall_query_clocks_overdue", float64(g.Overdue))
	e.gauge("govhall_notifications_unsent", float64(g.Unsent))
	e.gauge("govhall_notifications_given_up", float64(g.GivenUp))
	e.gauge("govhall_notifications_oldest_unsent_seconds", g.OldestUnsent.Seconds())
}

func (e emitter) terminals(ctx context.Context, src TerminalSource) {
	ts, err := src.Terminals(ctx)
	if !e.up("terminals", err) {
		return
	}
	online, offline := 0, 0
	for _, t := range ts {
		if t.Disabled {
			continue
		}
		if t.Online {
			online++
		} else {
			offline++
		}
		e.gauge("govhall_kiosk_online", bit(t.Online), t.Name, t.PlaceType)
	}
	e.gauge("govhall_kiosks", float64(online), "online")
	e.gauge("govhall_kiosks", float64(offline), "offline")
}

// DiskSpace returns the bytes free for unprivileged users and the size of
// the file system holding dir.
func DiskSpace(dir string) (free, size uint64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, fmt.Errorf("metrics: disk space of %s: %w", dir, err)
	}
	return st.Bavail * uint64(st.Bsize), st.Blocks * uint64(st.Bsize), nil
}

package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/search"
)

// HotlineSource is the hotline's snapshot (hotline.Hotline implements it).
type HotlineSource interface {
	Stats() hotline.Stats
}

// IndexSource is the search index's state (search.Store implements it).
type IndexSource interface {
	IndexStatus() search.IndexStatus
}

// QuerySource is the open work of the queries (queries.Store implements it).
type QuerySource interface {
	Gauges(ctx context.Context) (queries.Gauges, error)
}

// TerminalSource lists the kiosks with their heartbeat state (kiosk.Store
// implements it).
type TerminalSource interface {
	Terminals(ctx context.Context) ([]kiosk.Terminal, error)
}

// Sources are what a scrape reads; nil fields (and an empty
// RecordingsDir) are left out of the scrape.
type Sources struct {
	DB            *sql.DB
	Hotline       HotlineSource
	Search        IndexSource
	Queries       QuerySource
	Terminals     TerminalSource
	RecordingsDir string
	Log           *slog.Logger
}

// scrapeTimeout bounds the database reads of one scrape.
const scrapeTimeout = 3 * time.Second

// sourceCollector reads Sources at each scrape. It describes every metric
// it may send, whichever sources are set, so that the set of names does
// not depend on the wiring.
type sourceCollector struct {
	src  Sources
	all  []*prometheus.Desc
	desc map[string]*prometheus.Desc
}

// metricDef is one metric a scrape reads: name, help and labels.
type metricDef struct {
	name, help string
	labels     []string
}

const perLeg = " Summed over all call legs: a series per leg would grow with every call."

var sourceMetrics = []metricDef{
	{"govhall_metrics_source_up", "Whether a source of this scrape answered (1) or failed (0): queries, terminals, recordings_disk.", []string{"source"}},

	{"govhall_sip_listening", "1 while SIP is bound and takes new calls; 0 before start and while draining.", nil},
	{"govhall_sip_requests_received_total", "SIP requests received by method (OTHER for a method govhall does not know).", []string{"method"}},
	{"govhall_sip_responses_total", "SIP responses by direction (received, sent), the method of their CSeq and status code.", []string{"direction", "method", "code"}},
	{"govhall_sip_dropped_total", "SIP messages the per-source flood throttle dropped unread.", nil},
	{"govhall_calls_in_progress", "Calls to the hotline in progress.", nil},
	{"govhall_queue_length", "Callers waiting in the queue for an operator (not those whose operator's phone rings).", nil},
	{"govhall_queue_longest_wait_seconds", "How long the caller waiting longest has waited; 0 when nobody waits.", nil},
	{"govhall_operators", "Operators by state: available, busy, wrapup, paused, offline.", []string{"state"}},
	{"govhall_queue_joined_total", "Callers who joined the queue (O of the statistics).", nil},
	{"govhall_queue_answered_total", "Callers an operator answered from the queue (N).", nil},
	{"govhall_queue_answered_within_15s_total", "Callers an operator answered within 15 s of joining the queue (N15 of the 15-second answer rate, GB/T 33358).", nil},
	{"govhall_queue_abandoned_total", "Callers who hung up while waiting in the queue (A).", nil},
	{"govhall_queue_abandoned_short_total", "Callers who hung up within 5 s of joining the queue (S, short abandons, left out of the answer rates).", nil},
	{"govhall_rtp_packets_received_total", "RTP packets received from the phones." + perLeg, nil},
	{"govhall_rtp_packets_lost_total", "RTP sequence numbers skipped in what the phones sent (a packet arriving late afterwards also counts as late)." + perLeg, nil},
	{"govhall_rtp_packets_late_total", "RTP packets that arrived after a later one of their stream (reordered or duplicated)." + perLeg, nil},
	{"govhall_rtp_packets_relayed_total", "Audio packets relayed between the caller and the party connected." + perLeg, nil},
	{"govhall_rtp_relay_failures_total", "Audio packets the relay could not pass on." + perLeg, nil},
	{"govhall_dtmf_digits_total", "DTMF digits received from callers, by way: rfc4733 (RTP events) or info (SIP INFO).", []string{"via"}},
	{"govhall_recordings_total", "Recordings finished: calls, voicemail messages and call-backs.", nil},
	{"govhall_recording_bytes_total", "Bytes of the recordings finished.", nil},
	{"govhall_recording_failures_total", "Recordings that could not be finished (disk full, I/O error).", nil},

	{"govhall_recordings_disk_free_bytes", "Free bytes (for unprivileged users) on the file system of the recordings directory.", nil},
	{"govhall_recordings_disk_size_bytes", "Size in bytes of the file system of the recordings directory.", nil},

	{"govhall_search_index_enabled", "1 when an in-memory search index is kept; 0: every search runs in PostgreSQL.", nil},
	{"govhall_search_index_loaded", "1 while the in-memory index is loaded and follows the database; 0: searches run in PostgreSQL.", nil},
	{"govhall_search_index_documents", "Public documents in the in-memory index.", nil},
	{"govhall_search_index_behind_seconds", "How long announced changes have waited for the index to be rebuilt (a bulk import); 0: current.", nil},

	{"govhall_queries_open", "Open tracked queries by status (answered ones are not counted).", []string{"status"}},
	{"govhall_query_clocks_overdue", "Running query clocks past their due time.", nil},
	{"govhall_notifications_unsent", "Notifications in notification_outbox not yet sent.", nil},
	{"govhall_notifications_given_up", "Unsent notifications whose delivery failed too often to be retried.", nil},
	{"govhall_notifications_oldest_unsent_seconds", "Age of the oldest unsent notification; 0 when none.", nil},

	{"govhall_kiosks", "Enabled kiosk terminals by heartbeat state: online (a heartbeat within 90 s) or offline.", []string{"state"}},
	{"govhall_kiosk_online", "1 when the kiosk sent a heartbeat within 90 s, else 0; one series per enabled terminal.", []string{"terminal", "place_type"}},
}

func newSourceCollector(src Sources) *sourceCollector {
	if src.Log == nil {
		src.Log = slog.New(slog.DiscardHandler)
	}
	c := &sourceCollector{src: src, desc: map[string]*prometheus.Desc{}}
	for _, m := range sourceMetrics {
		d := prometheus.NewDesc(m.name, m.help, m.labels, nil)
		c.all = append(c.all, d)
		c.desc[m.name] = d
	}
	return c
}

// Describe sends every metric the collector may send.
func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.all {
		ch <- d
	}
}

// Collect reads the sources.
func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	e := emitter{c: c, ch: ch}
	if c.src.Hotline != nil {
		e.hotline(c.src.Hotline.Stats())
	}
	if c.src.Search != nil {
		e.index(c.src.Search.IndexStatus())
	}
	if c.src.RecordingsDir != "" {
		e.disk(c.src.RecordingsDir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if c.src.Queries != nil {
		e.queries(ctx, c.src.Queries)
	}
	if c.src.Terminals != nil {
		e.terminals(ctx, c.src.Terminals)
	}
}

// emitter sends the metrics of one scrape.
type emitter struct {
	c  *sourceCollector
	ch chan<- prometheus.Metric
}

func (e emitter) send(name string, t prometheus.ValueType, v float64, labels ...string) {
	e.ch <- prometheus.MustNewConstMetric(e.c.desc[name], t, v, labels...)
}

func (e emitter) gauge(name string, v float64, labels ...string) {
	e.send(name, prometheus.GaugeValue, v, labels...)
}

func (e emitter) counter(name string, v uint64, labels ...string) {
	e.send(name, prometheus.CounterValue, float64(v), labels...)
}

func (e emitter) up(source string, err error) bool {
	if err != nil {
		e.c.src.Log.Warn("metrics source failed", "source", source, "err", err)
		e.gauge("govhall_metrics_source_up", 0, source)
		return false
	}
	e.gauge("govhall_metrics_source_up", 1, source)
	return true
}

func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

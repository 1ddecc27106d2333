// Package metrics is govhall's Prometheus registry, the one place where
// its metrics are defined. It is a registry of its own (not the global
// default): the Go runtime and process collectors, the HTTP requests the
// server observes, the searches kiosk/search reports (a search.Observer),
// and what is read at each scrape from the hotline, the search index, the
// tracked queries, the terminals, the recordings disk and the database
// pool. Domain packages keep plain counters and never import Prometheus.
//
// Every series is aggregated: RTP counters are summed over all call legs
// and HTTP requests are labelled by Fiber's route pattern, never by URL,
// so the number of series does not grow with traffic.
package metrics

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/govhall/govhall/kiosk/search"
)

// Registry holds govhall's metrics. Its methods are safe for concurrent use.
type Registry struct {
	reg          *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	searchMem    prometheus.Observer
	searchSQL    prometheus.Observer
	cacheHit     prometheus.Counter
	cacheMiss    prometheus.Counter
}

// latencyBuckets suit requests and searches of a millisecond to seconds.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New returns a registry with the Go runtime, process, HTTP and search
// metrics; Watch adds the rest.
func New() *Registry {
	r := &Registry{reg: prometheus.NewRegistry()}
	r.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "govhall_http_requests_total",
		Help: "HTTP requests answered, by Fiber route pattern (never the URL; \"unmatched\" for no route), method and status code.",
	}, []string{"route", "method", "code"})
	r.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "govhall_http_request_duration_seconds",
		Help:    "Time from receiving an HTTP request to its response being ready, by route pattern and method.",
		Buckets: latencyBuckets,
	}, []string{"route", "method"})
	searchDuration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "govhall_search_duration_seconds",
		Help:    "Time of a search run by engine: memory (the in-memory index) or sql (the search statement in PostgreSQL); cache hits are not runs.",
		Buckets: latencyBuckets,
	}, []string{"engine"})
	cache := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "govhall_search_cache_lookups_total",
		Help: "Lookups of the search result cache by result (hit, miss); the hit ratio is hit / (hit + miss).",
	}, []string{"result"})
	r.searchMem, r.searchSQL = searchDuration.WithLabelValues(search.EngineMemory), searchDuration.WithLabelValues(search.EngineSQL)
	r.cacheHit, r.cacheMiss = cache.WithLabelValues("hit"), cache.WithLabelValues("miss")
	r.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		r.httpRequests, r.httpDuration, searchDuration, cache)
	return r
}

// Watch registers what is read at each scrape from src; call it once,
// before serving (a second call fails). The database pool's statistics
// (go_sql_*) come from client_golang's DBStats collector when src.DB is set.
func (r *Registry) Watch(src Sources) error {
	if err := r.reg.Register(newSourceCollector(src)); err != nil {
		return fmt.Errorf("metrics: watch: %w", err)
	}
	if src.DB != nil {
		if err := r.reg.Register(collectors.NewDBStatsCollector(src.DB, "govhall")); err != nil {
			return fmt.Errorf("metrics: watch the database pool: %w", err)
		}
	}
	return nil
}

// Handler serves the metrics in the Prometheus text format (or
// OpenMetrics, when asked); a source that fails is logged and left out.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Gatherer returns the registry, for tests.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// Describe sends the descriptions of every metric registered (tests read
// the names from them).
func (r *Registry) Describe(ch chan<- *prometheus.Desc) { r.reg.Describe(ch) }

// ObserveHTTP counts one answered request; route is the route pattern.
func (r *Registry) ObserveHTTP(route, method string, code int, d time.Duration) {
	r.httpRequests.WithLabelValues(route, method, codeLabel(code)).Inc()
	r.httpDuration.WithLabelValues(route, method).Observe(d.Seconds())
}

// SearchRan is search.Observer's: one run of an engine.
func (r *Registry) SearchRan(engine string, d time.Duration) {
	if engine == search.EngineMemory {
		r.searchMem.Observe(d.Seconds())
	} else {
		r.searchSQL.Observe(d.Seconds())
	}
}

// SearchCached is search.Observer's: one lookup of the result cache.
func (r *Registry) SearchCached(hit bool) {
	if hit {
		r.cacheHit.Inc()
	} else {
		r.cacheMiss.Inc()
	}
}

var _ search.Observer = (*Registry)(nil)

// codeLabels are the status codes as label values, made once.
var codeLabels = func() []string {
	out := make([]string, 600)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

func codeLabel(code int) string {
	if code >= 0 && code < len(codeLabels) {
		return codeLabels[code]
	}
	return "other"
}

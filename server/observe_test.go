package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/migrations/pgtest"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/metrics"
)

const metricsToken = "test-metrics-token-0123456789"

// observed is a server wired as govhall serve wires it: the demo catalog
// searched through the in-memory index, a running hotline on loopback, the
// tracked queries, two kiosks (one sending heartbeats), a recordings
// directory, and the metrics registry over all of them, served on a
// loopback listener.
type observed struct {
	t       *testing.T
	db      *sqlx.DB
	catalog *kiosk.Store
	idx     *search.Store
	h       *hotline.Hotline
	deps    server.Deps
	base    string // http://127.0.0.1:port of the running server
}

func newObserved(t *testing.T) *observed {
	t.Helper()
	ctx := context.Background()
	url := pgtest.URL(t)
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reg := metrics.New()
	o := &observed{t: t, db: db}
	o.idx = search.New(db, nil, search.Options{NotifyURL: url, Observer: reg})
	o.catalog = kiosk.NewStore(db, o.idx, search.DocNumberKey)
	if _, err := o.catalog.LoadDemo(ctx, kiosk.Actor{Username: "test"}); err != nil {
		t.Fatal(err)
	}
	ictx, stopIndex := context.WithCancel(ctx)
	t.Cleanup(stopIndex)
	o.idx.StartIndex(ictx)
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(ctx, db, hours)
	if err != nil {
		t.Fatal(err)
	}
	o.h = startQuietHotline(t, db)
	recordings := filepath.Join(t.TempDir(), "recordings")
	if err := os.MkdirAll(recordings, 0o750); err != nil {
		t.Fatal(err)
	}
	qs := queries.NewStore(db, cal, nil, queries.Options{})
	if err := reg.Watch(metrics.Sources{DB: db.DB, Hotline: o.h, Search: o.idx, Queries: qs, Terminals: o.catalog,
		RecordingsDir: recordings}); err != nil {
		t.Fatal(err)
	}
	o.deps = server.Deps{Log: slog.New(slog.DiscardHandler), DB: db, Catalog: o.catalog, Search: o.idx, Calendar: cal,
		Queries: qs, PublicBaseURL: "http://hall.test", Observe: server.Observability{Metrics: reg,
			MetricsAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, MetricsToken: metricsToken,
			SIP: o.h, RecordingsDir: recordings, MinFreeBytes: 1 << 20}}
	if err := o.idx.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	o.serve()
	return o
}

// startQuietHotline starts a hotline on loopback with one-syllable prompts.
func startQuietHotline(t *testing.T, db *sqlx.DB) *hotline.Hotline {
	t.Helper()
	ctx := context.Background()
	prompts := t.TempDir()
	for _, name := range hotline.PromptNames() {
		if err := media.Synthesize(ctx, "请", filepath.Join(prompts, name+".wav")); err != nil {
			t.Fatalf("prompts (espeak-ng and sox are required): %v", err)
		}
	}
	h, err := hotline.New(hotline.Config{SIPAddr: "127.0.0.1:0", DataDir: t.TempDir(), PromptsDir: prompts}, db, alwaysOpen{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		h.Stop(sctx)
	})
	return h
}

// serve runs a server of o.deps on a loopback listener.
func (o *observed) serve() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		o.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	srv := server.New(o.deps)
	go func() { done <- srv.Serve(ctx, ln) }()
	o.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, net.ErrClosed) {
			o.t.Errorf("serve: %v", err)
		}
	})
	o.base = "http://" + ln.Addr().String()
}

// get sends a GET to the running server with the headers given as
// name, value pairs.
func (o *observed) get(path string, header ...string) (int, string) {
	o.t.Helper()
	req, _ := http.NewRequest("GET", o.base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		o.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// scrape reads /metrics from the allowed loopback address.
func (o *observed) scrape() map[string]*dto.MetricFamily {
	o.t.Helper()
	st, body := o.get("/metrics")
	if st != 200 {
		o.t.Fatalf("/metrics = %d %s", st, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		o.t.Fatalf("/metrics is not the text format: %v", err)
	}
	return fams
}

// value returns the value of the series of name with the labels given as
// name, value pairs (a histogram's sample count), and whether it exists.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// TestMetricsMoveWithRequestsAndSearches scrapes the running server before
// and after a search (twice: the second from the cache), a document page,
// a kiosk heartbeat and a path nobody serves, and checks that the series
// move, labelled by route pattern, never by URL.
func TestMetricsMoveWithRequestsAndSearches(t *testing.T) {
	o := newObserved(t)
	ctx := context.Background()
	_, online, err := o.catalog.RegisterTerminal(ctx, kiosk.Actor{Username: "admin"}, kiosk.NewTerminal{Name: "县政务服务中心一楼查询机", PlaceType: "服务大厅"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.catalog.RegisterTerminal(ctx, kiosk.Actor{Username: "admin"}, kiosk.NewTerminal{Name: "县图书馆查询机", PlaceType: "图书馆"}); err != nil {
		t.Fatal(err)
	}
	var code string
	if err := o.db.Get(&code, `SELECT code FROM public_documents ORDER BY id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	before := o.scrape()
	search := "/api/v1/documents?q=" + "%E4%BD%8E%E4%BF%9D" // 低保
	for range 2 {
		if st, body := o.get(search); st != 200 {
			t.Fatalf("search = %d %s", st, body)
		}
	}
	if st, _ := o.get("/d/" + code); st != 200 {
		t.Fatalf("document page = %d", st)
	}
	if st, _ := o.get("/no/such/page"); st != 404 {
		t.Fatalf("unknown path = %d", st)
	}
	req, _ := http.NewRequest("POST", o.base+"/api/v1/terminals/heartbeat", strings.NewReader(`{"printer_state":"ok"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Terminal-Token", online)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode >= 300 {
		t.Fatalf("heartbeat: %v %v", res, err)
	}
	after := o.scrape()

	moved := []struct {
		name   string
		labels []string
		by     float64
	}{
		{"govhall_http_requests_total", []string{"route", "/api/v1/documents", "method", "GET", "code", "200"}, 2},
		{"govhall_http_request_duration_seconds", []string{"route", "/api/v1/documents", "method", "GET"}, 2},
		{"govhall_http_requests_total", []string{"route", "/d/:code", "method", "GET", "code", "200"}, 1},
		{"govhall_http_requests_total", []string{"route", "unmatched", "method", "GET", "code", "404"}, 1},
		{"govhall_http_requests_total", []string{"route", "/api/v1/terminals/heartbeat", "method", "POST"}, 1},
		{"govhall_search_duration_seconds", []string{"engine", "memory"}, 1},
		{"govhall_search_cache_lookups_total", []string{"result", "hit"}, 1},
		{"govhall_search_cache_lookups_total", []string{"result", "miss"}, 1},
	}
	for _, m := range moved {
		b, _ := value(before, m.name, m.labels...)
		a, ok := value(after, m.name, m.labels...)
		if !ok || a-b != m.by {
			t.Errorf("%s%v: %v → %v (present %v), want +%v", m.name, m.labels, b, a, ok, m.by)
		}
	}
	var public int
	o.db.Get(&public, `SELECT count(*) FROM public_documents`)
	gauges := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"govhall_search_index_loaded", nil, 1},
		{"govhall_search_index_documents", nil, float64(public)},
		{"govhall_sip_listening", nil, 1},
		{"govhall_calls_in_progress", nil, 0},
		{"govhall_queue_length", nil, 0},
		{"govhall_operators", []string{"state", "available"}, 0},
		{"govhall_kiosks", []string{"state", "online"}, 1},
		{"govhall_kiosks", []string{"state", "offline"}, 1},
		{"govhall_kiosk_online", []string{"terminal", "县政务服务中心一楼查询机", "place_type", "服务大厅"}, 1},
		{"govhall_kiosk_online", []string{"terminal", "县图书馆查询机"}, 0},
		{"govhall_queries_open", []string{"status", "assigned"}, 0},
		{"govhall_notifications_unsent", nil, 0},
		{"govhall_metrics_source_up", []string{"source", "queries"}, 1},
		{"govhall_metrics_source_up", []string{"source", "terminals"}, 1},
		{"govhall_metrics_source_up", []string{"source", "recordings_disk"}, 1},
		{"govhall_dtmf_digits_total", []string{"via", "info"}, 0},
	}
	for _, g := range gauges {
		if v, ok := value(after, g.name, g.labels...); !ok || v != g.want {
			t.Errorf("%s%v = %v (present %v), want %v", g.name, g.labels, v, ok, g.want)
		}
	}
	for _, name := range []string{"govhall_recordings_disk_free_bytes", "go_sql_open_connections", "go_goroutines",
		"process_resident_memory_bytes", "govhall_rtp_packets_relayed_total"} {
		if _, ok := value(after, name); !ok {
			t.Errorf("%s is missing", name)
		}
	}
	for _, m := range after["govhall_http_requests_total"].Metric {
		for _, l := range m.Label {
			if v := l.GetValue(); strings.Contains(v, code) || strings.Contains(v, "q=") || strings.Contains(v, "/no/") {
				t.Errorf("a label holds the URL: %s=%q", l.GetName(), v)
			}
		}
	}
}

// TestMetricsAccess: the token opens /metrics from anywhere; without it
// only a direct request from an allowed address gets in; everyone else
// gets a 403 with a JSON error saying how to get in.
func TestMetricsAccess(t *testing.T) {
	o := newObserved(t)
	app := server.New(o.deps).App() // app.Test's requests come from 0.0.0.0: not allowed
	do := func(header ...string) (int, string) {
		req := httptest.NewRequest("GET", "/metrics", nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	st, body := do()
	var e struct{ Error string }
	if json.Unmarshal([]byte(body), &e); st != 403 || !strings.Contains(e.Error, "GOVHALL_METRICS_ALLOW") {
		t.Errorf("no token from a stranger: %d %s", st, body)
	}
	if st, _ := do("Authorization", "Bearer wrong-token-wrong-token"); st != 403 {
		t.Errorf("wrong token: %d", st)
	}
	if st, body := do("Authorization", "Bearer "+metricsToken); st != 200 || !strings.Contains(body, "govhall_sip_listening") {
		t.Errorf("with the token: %d", st)
	}
	if st, _ := o.get("/metrics"); st != 200 {
		t.Errorf("from 127.0.0.1: %d", st)
	}
	if st, body := o.get("/metrics", "X-Forwarded-For", "203.0.113.9"); st != 403 || !strings.Contains(body, `"error"`) {
		t.Errorf("from 127.0.0.1 through a proxy: %d %s", st, body)
	}
	if st, _ := o.get("/metrics", "X-Forwarded-For", "203.0.113.9", "Authorization", "Bearer "+metricsToken); st != 200 {
		t.Errorf("through a proxy with the token: %d", st)
	}
}

// readiness is the body of /readyz.
type readiness struct {
	Status  string
	Error   string
	Failing []string
	Checks  map[string]struct {
		OK     bool
		Detail string
	}
}

func readyz(t *testing.T, d server.Deps) (int, readiness) {
	t.Helper()
	res, err := server.New(d).App().Test(httptest.NewRequest("GET", "/readyz", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	var r readiness
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, r
}

// TestReadyz: ready when everything is; otherwise 503 naming each failing
// check in words, while /healthz stays as the contract has it.
func TestReadyz(t *testing.T) {
	o := newObserved(t)
	st, r := readyz(t, o.deps)
	if st != 200 || r.Status != "ready" || len(r.Checks) != 5 {
		t.Fatalf("normal case: %d %+v", st, r)
	}
	for name, c := range r.Checks {
		if !c.OK || c.Detail == "" {
			t.Errorf("check %s: %+v", name, c)
		}
	}
	if d := r.Checks["search"].Detail; !strings.Contains(d, "已载入") {
		t.Errorf("search check %q does not say the index is loaded", d)
	}

	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o640)
	broken := []struct {
		name   string
		change func(d *server.Deps)
		want   string // in the error
	}{
		{"recordings", func(d *server.Deps) { d.Observe.RecordingsDir = filepath.Join(file, "recordings") }, "录音目录不可写"},
		{"recordings", func(d *server.Deps) { d.Observe.MinFreeBytes = 1 << 62 }, "GOVHALL_MIN_FREE_MB"},
		{"search", func(d *server.Deps) { d.Search = search.New(o.db, nil, search.Options{NotifyURL: "postgres://unused"}) }, "尚未载入"},
	}
	for _, b := range broken {
		d := o.deps
		b.change(&d)
		st, r := readyz(t, d)
		if st != 503 || r.Status != "not_ready" || strings.Join(r.Failing, ",") != b.name || !strings.Contains(r.Error, b.want) {
			t.Errorf("%s broken: %d %+v, want 503 failing %s saying %q", b.name, st, r, b.name, b.want)
		}
	}

	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.h.Stop(sctx); err != nil {
		t.Fatal(err)
	}
	if st, r := readyz(t, o.deps); st != 503 || strings.Join(r.Failing, ",") != "sip" {
		t.Errorf("SIP stopped: %d %+v", st, r)
	}
	if st, body := o.get("/healthz"); st != 200 || body != `{"status":"ok"}` {
		t.Errorf("healthz while not ready: %d %s", st, body)
	}
	o.db.Close()
	if st, r := readyz(t, o.deps); st != 503 || strings.Join(r.Failing, ",") != "database,migrations,sip" {
		t.Errorf("database gone: %d %+v", st, r)
	}
}

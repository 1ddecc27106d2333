package metrics_test

import (
	"database/sql"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"
	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"

	"github.com/govhall/govhall/server/metrics"
)

// registryNames returns the name of every metric the registry can send,
// whichever sources are wired, read from the descriptions.
func registryNames(t *testing.T) map[string]bool {
	t.Helper()
	r := metrics.New()
	db, err := sql.Open("postgres", "host=/nonexistent") // the pool collector only reads db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := r.Watch(metrics.Sources{DB: db}); err != nil {
		t.Fatal(err)
	}
	if err := r.Watch(metrics.Sources{}); err == nil {
		t.Error("a second Watch was accepted")
	}
	ch := make(chan *prometheus.Desc, 64)
	go func() { r.Describe(ch); close(ch) }()
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	names := map[string]bool{}
	for d := range ch {
		m := fq.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("no name in %s", d)
		}
		names[m[1]] = true
	}
	return names
}

var (
	strLit   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	matchers = regexp.MustCompile(`\{[^}]*\}`)
	ranges   = regexp.MustCompile(`\[[^\]]*\]`)
	grouping = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	ident    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	keywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true,
		"Inf": true, "NaN": true, "by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}
)

// metricNames returns the metric names a PromQL expression selects: the
// identifiers left once strings, label matchers, ranges, grouping labels,
// function names, keywords and numbers are taken out.
func metricNames(expr string) []string {
	e := strLit.ReplaceAllString(expr, `""`)
	e = matchers.ReplaceAllString(e, " ")
	e = ranges.ReplaceAllString(e, " ")
	e = grouping.ReplaceAllString(e, " ")
	var out []string
	for _, loc := range ident.FindAllStringIndex(e, -1) {
		name := e[loc[0]:loc[1]]
		if loc[0] > 0 && strings.ContainsRune("0123456789.", rune(e[loc[0]-1])) {
			continue // 1e9, 5m
		}
		if strings.HasPrefix(strings.TrimLeft(e[loc[1]:], " \t\n"), "(") || keywords[name] {
			continue
		}
		out = append(out, name)
	}
	return out
}

func TestMetricNames(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`sum(rate(a_total{x="b(c)"}[5m])) by (le) / on() b`, "a_total b"},
		{`histogram_quantile(0.99, sum by (le, route) (rate(h_bucket{instance=~"$instance"}[$__rate_interval])))`, "h_bucket"},
		{`x > 2 * 1024 and on() (hour() >= 1) or y offset 5m`, "x y"},
		{`max by (terminal, place_type) (k) == 0 unless ignoring(a) group_left(b) z`, "k z"},
	}
	for _, tt := range tests {
		if got := strings.Join(metricNames(tt.expr), " "); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.expr, got, tt.want)
		}
	}
}

// known reports whether name is a metric of the registry, or a series of
// one of its histograms or summaries.
func known(names map[string]bool, name string) bool {
	if names[name] {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && names[base] {
			return true
		}
	}
	return false
}

// dashboard is what the test reads of the Grafana dashboard.
type dashboard struct {
	Title      string  `json:"title"`
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Title   string `json:"title"`
	Type    string `json:"type"`
	GridPos *struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

// TestDashboardUsesRegistryNames: deploy/grafana-dashboard.json is a
// dashboard whose every query selects metrics the registry defines.
func TestDashboardUsesRegistryNames(t *testing.T) {
	names := registryNames(t)
	b, err := os.ReadFile("../../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	if d.Title == "" || d.UID == "" || len(d.Panels) < 10 {
		t.Fatalf("dashboard %q (uid %q) with %d panels", d.Title, d.UID, len(d.Panels))
	}
	var exprs []string
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if p.Title == "" || p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.X+p.GridPos.W > 24 {
				t.Errorf("panel %q (%s) lacks a title or a place in the 24-column grid", p.Title, p.Type)
			}
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				if tg.Expr == "" || tg.RefID == "" {
					t.Errorf("panel %q: a target without expr or refId", p.Title)
				}
				exprs = append(exprs, tg.Expr)
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	labelValues := regexp.MustCompile(`label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)`)
	for _, v := range d.Templating.List {
		q, _ := json.Marshal(v.Query)
		for _, m := range labelValues.FindAllStringSubmatch(string(q), -1) {
			if !known(names, m[1]) {
				t.Errorf("variable %s: %s is not a metric of the registry", v.Name, m[1])
			}
		}
	}
	checkExprs(t, "dashboard", exprs, names)
	for _, want := range []string{"govhall_calls_in_progress", "govhall_queue_length", "govhall_operators",
		"govhall_http_request_duration_seconds_bucket", "govhall_search_duration_seconds_bucket",
		"govhall_recordings_disk_free_bytes", "govhall_kiosks"} {
		if !slices.ContainsFunc(exprs, func(e string) bool { return slices.Contains(metricNames(e), want) }) {
			t.Errorf("the dashboard shows no %s", want)
		}
	}
}

func checkExprs(t *testing.T, where string, exprs []string, names map[string]bool) {
	t.Helper()
	for _, e := range exprs {
		got := metricNames(e)
		if len(got) == 0 {
			t.Errorf("%s: no metric in %q", where, e)
		}
		for _, n := range got {
			if !known(names, n) {
				t.Errorf("%s: %s (in %q) is not a metric of the registry (server/metrics)", where, n, e)
			}
		}
	}
}

// alertRules is what the test reads of the rule file.
type alertRules struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// TestAlertRulesUseRegistryNames: deploy/prometheus-alerts.yml is a rule
// file of named alerts with a severity and a summary, whose every expr
// selects metrics the registry defines, and which covers the alerts asked
// for.
func TestAlertRulesUseRegistryNames(t *testing.T) {
	names := registryNames(t)
	b, err := os.ReadFile("../../deploy/prometheus-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f alertRules
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("prometheus-alerts.yml: %v", err)
	}
	seen := map[string]bool{}
	var exprs []string
	for _, g := range f.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q without a name or rules", g.Name)
		}
		for _, r := range g.Rules {
			if r.Alert == "" || seen[r.Alert] {
				t.Errorf("group %s: alert %q unnamed or twice", g.Name, r.Alert)
			}
			seen[r.Alert] = true
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("%s: needs labels.severity and annotations.summary", r.Alert)
			}
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("%s: for %q: %v", r.Alert, r.For, err)
				}
			}
			exprs = append(exprs, r.Expr)
		}
	}
	checkExprs(t, "alerts", exprs, names)
	for _, want := range []string{"GovhallCallsWaiting", "GovhallAnswerRate15sLow", "GovhallRecordingsDiskNearlyFull",
		"GovhallKioskOffline", "GovhallNotificationsStuck"} {
		if !seen[want] {
			t.Errorf("no alert %s", want)
		}
	}
}

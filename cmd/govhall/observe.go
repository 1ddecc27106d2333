package main

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/metrics"
)

// observeConfig is who may read /metrics and what /readyz demands.
type observeConfig struct {
	MetricsAllow []netip.Prefix // GOVHALL_METRICS_ALLOW: CIDRs that may read /metrics
	MetricsToken string         // GOVHALL_METRICS_TOKEN: Bearer token that may read it from anywhere
	MinFreeMB    uint64         // GOVHALL_MIN_FREE_MB: free space /readyz demands on the recordings disk
	PprofAddr    string         // GOVHALL_PPROF_ADDR: loopback address of the Go profiler, off when empty
}

// minTokenLen keeps a guessable metrics token out.
const minTokenLen = 16

func loadObserveConfig(getenv func(string) string) (observeConfig, error) {
	c := observeConfig{MetricsToken: getenv("GOVHALL_METRICS_TOKEN"), MinFreeMB: 1024}
	allow, err := parseCIDRs(or(getenv("GOVHALL_METRICS_ALLOW"), "127.0.0.1/32,::1/128"))
	if err != nil {
		return c, fmt.Errorf("GOVHALL_METRICS_ALLOW: %w", err)
	}
	c.MetricsAllow = allow
	if n := len(c.MetricsToken); n > 0 && n < minTokenLen {
		return c, fmt.Errorf("GOVHALL_METRICS_TOKEN has %d characters: use at least %d (for example: openssl rand -hex 24)", n, minTokenLen)
	}
	if s := getenv("GOVHALL_MIN_FREE_MB"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return c, fmt.Errorf("GOVHALL_MIN_FREE_MB %q must be a whole number of megabytes, such as 1024", s)
		}
		c.MinFreeMB = n
	}
	c.PprofAddr, err = parsePprofAddr(getenv("GOVHALL_PPROF_ADDR"))
	return c, err
}

// parseCIDRs reads comma-separated CIDRs (a bare address is one host;
// IPv4-mapped IPv6 addresses are read as IPv4), for GOVHALL_METRICS_ALLOW
// and GOVHALL_TRUSTED_PROXIES.
func parseCIDRs(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/24 or ::1/128", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// searchObserver is the registry as the search store's Observer; nil
// (no observer) for the commands that serve nothing.
func (p *program) searchObserver() search.Observer {
	if p.metrics == nil {
		return nil
	}
	return p.metrics
}

// observability points the metrics at what serve runs and returns what
// /metrics and /readyz need. It creates the recordings directory, whose
// disk both watch.
func (p *program) observability(db *sqlx.DB, svc *services, h *hotline.Hotline) (server.Observability, error) {
	dir := p.cfg.RecordingsDir
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return server.Observability{}, fmt.Errorf("recordings directory: %w", err)
	}
	err := p.metrics.Watch(metrics.Sources{DB: db.DB, Hotline: h, Search: svc.search, Queries: svc.queries,
		Terminals: svc.catalog, RecordingsDir: dir, Log: p.log.With("component", "metrics")})
	if err != nil {
		return server.Observability{}, err
	}
	o := p.cfg.Observe
	return server.Observability{Metrics: p.metrics, MetricsAllow: o.MetricsAllow, MetricsToken: o.MetricsToken,
		SIP: h, RecordingsDir: dir, MinFreeBytes: o.MinFreeMB << 20}, nil
}

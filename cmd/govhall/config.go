package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/retention"
)

// config is everything govhall reads from its environment.
type config struct {
	DatabaseURL   string
	HTTPAddr      string
	SIPAddr       string
	PublicBaseURL string
	DataDir       string
	// RecordingsDir (GOVHALL_RECORDINGS_DIR, default DataDir/recordings)
	// holds the recordings of calls and messages; with several nodes, a
	// shared mount at the same path on each (hotline/recstore).
	RecordingsDir string
	OfficeHours   string
	DemoPassword  string
	KioskIdle     time.Duration
	WrapUp        time.Duration // operator's wrap-up (话后整理) after a call
	PrintFonts    string
	LogLevel      slog.Level
	DataKey       string        // GOVHALL_DATA_KEY: base64 of the 32-byte key of personal data; empty: a key file in DataDir
	Observe       observeConfig // GOVHALL_METRICS_ALLOW, GOVHALL_METRICS_TOKEN, GOVHALL_MIN_FREE_MB (observe.go)
	// Trunk is the carrier's SIP gateway of the calls govhall places itself
	// (回拨 of abandoned calls, 回访 of answered queries), only ever from a
	// staff console and to the number of a call record or query:
	// GOVHALL_TRUNK is its sip: URI without a user part
	// (sip:gw.example.cn:5060, ;transport=tcp for TCP), GOVHALL_TRUNK_USER
	// and GOVHALL_TRUNK_PASSWORD its digest credentials if it challenges,
	// GOVHALL_TRUNK_CALLER_ID the number the citizen sees (default 96128).
	// Unset: no call-backs.
	Trunk hotline.Trunk
	// SIP holds GOVHALL_SIP_RATE and GOVHALL_SIP_DOMAINS (sip.go).
	SIP sipSettings
	// TrustedProxies (GOVHALL_TRUSTED_PROXIES, comma-separated CIDRs or
	// addresses) are the reverse proxies whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// RecordingRetention (GOVHALL_RECORDING_RETENTION) and
	// PersonalRetention (GOVHALL_PERSONAL_DATA_RETENTION) are how long
	// recordings and the personal data of closed queries are kept; zero:
	// forever (retention.go).
	RecordingRetention, PersonalRetention retention.Period
	// Node holds GOVHALL_NODE_ID, GOVHALL_NODE_SIP_ADDR,
	// GOVHALL_NODE_HTTP_ADDR and GOVHALL_NODE_DEAD_AFTER (node.go).
	Node nodeSettings
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		DatabaseURL:  getenv("GOVHALL_DATABASE_URL"),
		HTTPAddr:     or(getenv("GOVHALL_HTTP_ADDR"), "127.0.0.1:8080"),
		SIPAddr:      or(getenv("GOVHALL_SIP_ADDR"), "127.0.0.1:5060"),
		DataDir:      or(getenv("GOVHALL_DATA_DIR"), ".data/"),
		OfficeHours:  or(getenv("GOVHALL_OFFICE_HOURS"), "08:30-12:00,14:00-17:30"),
		DemoPassword: or(getenv("GOVHALL_DEMO_PASSWORD"), "demo-96128"),
		KioskIdle:    120 * time.Second,
		WrapUp:       30 * time.Second,
		DataKey:      getenv("GOVHALL_DATA_KEY"),
	}
	c.PublicBaseURL = strings.TrimRight(or(getenv("GOVHALL_PUBLIC_BASE_URL"), "http://"+c.HTTPAddr), "/")
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return c, fmt.Errorf("GOVHALL_HTTP_ADDR %q is not host:port: %w", c.HTTPAddr, err)
	}
	if _, _, err := net.SplitHostPort(c.SIPAddr); err != nil {
		return c, fmt.Errorf("GOVHALL_SIP_ADDR %q is not host:port: %w", c.SIPAddr, err)
	}
	obs, err := loadObserveConfig(getenv)
	if err != nil {
		return c, err
	}
	c.Observe = obs
	if s := getenv("GOVHALL_KIOSK_IDLE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 10*time.Second {
			return c, fmt.Errorf("GOVHALL_KIOSK_IDLE %q must be a duration of at least 10s, such as 120s", s)
		}
		c.KioskIdle = d
	}
	if s := getenv("GOVHALL_WRAPUP"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Second || d > 10*time.Minute {
			return c, fmt.Errorf("GOVHALL_WRAPUP %q must be a duration from 1s to 10m, such as 30s", s)
		}
		c.WrapUp = d
	}
	trunk, err := hotline.ParseTrunk(hotline.Trunk{URI: getenv("GOVHALL_TRUNK"), Username: getenv("GOVHALL_TRUNK_USER"),
		Password: getenv("GOVHALL_TRUNK_PASSWORD"), CallerID: getenv("GOVHALL_TRUNK_CALLER_ID")})
	if err != nil {
		return c, fmt.Errorf("GOVHALL_TRUNK: %w", err)
	}
	c.Trunk = trunk
	if c.SIP, err = loadSIPSettings(getenv); err != nil {
		return c, err
	}
	if c.Node, err = loadNodeSettings(getenv, c.HTTPAddr, c.SIPAddr); err != nil {
		return c, err
	}
	// GOVHALL_TRUSTED_PROXIES: CIDRs or single addresses; empty: none.
	if c.TrustedProxies, err = parseCIDRs(getenv("GOVHALL_TRUSTED_PROXIES")); err != nil {
		return c, fmt.Errorf("GOVHALL_TRUSTED_PROXIES: %w", err)
	}
	if err := loadRetention(&c, getenv); err != nil {
		return c, err
	}
	if _, err := calendar.ParseHours(c.OfficeHours); err != nil {
		return c, fmt.Errorf("GOVHALL_OFFICE_HOURS: %w", err)
	}
	if err := c.LogLevel.UnmarshalText([]byte(or(getenv("GOVHALL_LOG_LEVEL"), "info"))); err != nil {
		return c, fmt.Errorf("GOVHALL_LOG_LEVEL: %w", err)
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return c, fmt.Errorf("GOVHALL_DATA_DIR: %w", err)
	}
	c.DataDir = abs
	if c.RecordingsDir, err = filepath.Abs(or(getenv("GOVHALL_RECORDINGS_DIR"), filepath.Join(abs, "recordings"))); err != nil {
		return c, fmt.Errorf("GOVHALL_RECORDINGS_DIR: %w", err)
	}
	return c, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

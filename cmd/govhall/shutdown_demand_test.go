package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/migrations/pgtest"
)

// TestShutdownKeepsSearchDemand runs `govhall serve`, searches, and stops
// it at once — before the 3 s after which search-demand counts are
// written: the counts are in search_demand afterwards, and nothing was
// written to a closed database.
func TestShutdownKeepsSearchDemand(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sipAddr := udp.LocalAddr().String()
	udp.Close()
	dbURL := pgtest.URL(t)
	env := map[string]string{"GOVHALL_DATABASE_URL": dbURL, "GOVHALL_HTTP_ADDR": addr, "GOVHALL_SIP_ADDR": sipAddr,
		"GOVHALL_DATA_DIR": t.TempDir(), "GOVHALL_LOG_LEVEL": "warn"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	logs := &syncBuffer{}
	go func() { done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, logs) }()
	base := "http://" + addr
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready in 3 minutes\n%s", logs.String())
		}
	}
	for _, q := range []string{"低保申请", "残疾人补贴", "低保申请"} {
		searchKiosk(t, base, q)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var searches int
	if err := db.Get(&searches, `SELECT COALESCE(sum(searches), 0) FROM search_demand`); err != nil || searches != 3 {
		t.Errorf("search_demand holds %d searches (%v), want the 3 made just before the shutdown", searches, err)
	}
	time.Sleep(3500 * time.Millisecond) // when the counts' timer would have fired
	if l := logs.String(); strings.Contains(l, "database is closed") || strings.Contains(l, "demand") {
		t.Errorf("the log after shutdown:\n%s", l)
	}
}

// searchKiosk runs one search of the kiosk API, tried again for 10 s while it
// answers 503 (the index may still be loading on a busy machine).
func searchKiosk(t *testing.T, base, q string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		res, err := http.Get(base + "/api/v1/documents?q=" + url.QueryEscape(q))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			return
		}
		if res.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("search %s: %d %s", q, res.StatusCode, b)
		}
	}
}

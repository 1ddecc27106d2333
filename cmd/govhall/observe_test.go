package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/migrations/pgtest"
)

func TestObserveConfig(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := loadConfig(env())
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.Observe.MetricsAllow); got != "[127.0.0.1/32 ::1/128]" || c.Observe.MetricsToken != "" || c.Observe.MinFreeMB != 1024 {
		t.Errorf("defaults: %+v", c.Observe)
	}
	c, err = loadConfig(env("GOVHALL_METRICS_ALLOW", " 10.1.2.0/24, 192.0.2.7 ,fd00::1", "GOVHALL_METRICS_TOKEN", "0123456789abcdef0123",
		"GOVHALL_MIN_FREE_MB", "5000"))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.Observe.MetricsAllow); got != "[10.1.2.0/24 192.0.2.7/32 fd00::1/128]" || c.Observe.MinFreeMB != 5000 {
		t.Errorf("set: %+v", c.Observe)
	}
	for _, bad := range [][]string{
		{"GOVHALL_METRICS_ALLOW", "10.1.2.0/33", "GOVHALL_METRICS_ALLOW"},
		{"GOVHALL_METRICS_ALLOW", "localhost", "GOVHALL_METRICS_ALLOW"},
		{"GOVHALL_METRICS_TOKEN", "short", "at least 16"},
		{"GOVHALL_MIN_FREE_MB", "1G", "GOVHALL_MIN_FREE_MB"},
	} {
		if _, err := loadConfig(env(bad[0], bad[1])); err == nil || !strings.Contains(err.Error(), bad[2]) {
			t.Errorf("%s=%s: %v, want an error saying %q", bad[0], bad[1], err, bad[2])
		}
	}
}

// TestServeIsObservable runs `govhall serve` and waits for /readyz to say
// ready, then scrapes /metrics (from loopback, and with the token from
// behind a proxy) and checks that a SIP OPTIONS moved its counter.
func TestServeIsObservable(t *testing.T) {
	free := func(network string) string {
		if network == "udp" {
			c, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			return c.LocalAddr().String()
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	addr, sipAddr := free("tcp"), free("udp")
	env := map[string]string{"GOVHALL_DATABASE_URL": pgtest.URL(t), "GOVHALL_HTTP_ADDR": addr, "GOVHALL_SIP_ADDR": sipAddr,
		"GOVHALL_DATA_DIR": t.TempDir(), "GOVHALL_METRICS_TOKEN": "a-token-for-the-test-0123", "GOVHALL_LOG_LEVEL": "warn"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := &syncBuffer{}
	go func() { done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, logs) }()
	defer func() { cancel(); <-done }()
	base := "http://" + addr
	get := func(path string, header ...string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		st, body := get("/readyz")
		if st == 200 && strings.Contains(body, `"status":"ready"`) {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve: %v\n%s", err, logs.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready in 3 minutes: %d %s\n%s", st, body, logs.String())
		}
	}
	conn, err := net.Dial("udp", sipAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "OPTIONS sip:96128@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKobs1\r\nFrom: <sip:t@x>;tag=1\r\n"+
		"To: <sip:96128@%s>\r\nCall-ID: obs1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", sipAddr, conn.LocalAddr(), sipAddr)
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := conn.Read(make([]byte, 2048)); err != nil || n == 0 {
		t.Fatalf("OPTIONS unanswered: %v", err)
	}
	st, body := get("/metrics")
	if st != 200 {
		t.Fatalf("/metrics from loopback: %d %s", st, body)
	}
	for _, want := range []string{`govhall_sip_requests_received_total{method="OPTIONS"} 1`,
		`govhall_sip_responses_total{code="200",direction="sent",method="OPTIONS"} 1`, "govhall_sip_listening 1",
		"govhall_search_index_loaded 1", "go_sql_max_open_connections", `govhall_metrics_source_up{source="recordings_disk"} 1`,
		`govhall_http_requests_total{code="200",method="GET",route="/readyz"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if st, _ := get("/metrics", "X-Forwarded-For", "198.51.100.4"); st != 403 {
		t.Errorf("through a proxy without the token: %d", st)
	}
	if st, _ := get("/metrics", "X-Forwarded-For", "198.51.100.4", "Authorization", "Bearer a-token-for-the-test-0123"); st != 200 {
		t.Errorf("through a proxy with the token: %d", st)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/peers"
	"github.com/govhall/govhall/migrations/pgtest"
)

// The fault tests run the real binary, built once by TestFaults, as
// subprocesses against PostgreSQL, and do to it what real machines do:
// SIGKILL mid-call, mid-import and mid-write (faults_crash_test.go), a
// database that goes away and comes back (faults_outage_test.go), a
// recordings disk that fills up (faults_disk_test.go).

const faultPassword = "demo-96128"

// TestFaults builds govhall once and runs every fault against it.
func TestFaults(t *testing.T) {
	bin := buildGovhall(t)
	t.Run("KillDuringCalls", func(t *testing.T) { testKillDuringCalls(t, bin) })
	t.Run("KillDuringImport", func(t *testing.T) { testKillDuringImport(t, bin) })
	t.Run("KillDuringWrites", func(t *testing.T) { testKillDuringWrites(t, bin) })
	t.Run("DatabaseOutage", func(t *testing.T) { testDatabaseOutage(t, bin) })
	t.Run("RecordingsDiskFull", func(t *testing.T) { testRecordingsDiskFull(t, bin) })
}

func buildGovhall(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "govhall")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// faultEnv is one govhall installation: a database, a data directory and
// the addresses it serves on, kept across restarts.
type faultEnv struct {
	t        *testing.T
	bin      string
	dbURL    string
	dataDir  string
	httpAddr string
	sipAddr  string
	extra    []string // more environment, KEY=value
	db       *sqlx.DB // the test's own connection, for checks
}

// newFaultEnv makes an installation on a fresh test database (dbURL
// empty) or on dbURL, with the demo content loaded.
func newFaultEnv(t *testing.T, bin, dbURL string, extra ...string) *faultEnv {
	t.Helper()
	if dbURL == "" {
		dbURL = pgtest.URL(t)
	}
	e := &faultEnv{t: t, bin: bin, dbURL: dbURL, dataDir: t.TempDir(), httpAddr: freeTCPAddr(t),
		sipAddr: fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t)), extra: extra}
	if out, err := e.run(60*time.Second, "demo"); err != nil {
		t.Fatalf("govhall demo: %v\n%s", err, out)
	}
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	return e
}

func freeTCPAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (e *faultEnv) environ() []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + e.dataDir, "GOVHALL_DATABASE_URL=" + e.dbURL,
		"GOVHALL_HTTP_ADDR=" + e.httpAddr, "GOVHALL_SIP_ADDR=" + e.sipAddr, "GOVHALL_DATA_DIR=" + e.dataDir,
		"GOVHALL_DEMO_PASSWORD=" + faultPassword, "GOVHALL_LOG_LEVEL=info"}
	return append(env, e.extra...)
}

func (e *faultEnv) command(args ...string) *exec.Cmd {
	cmd := exec.Command(e.bin, args...)
	cmd.Env = e.environ()
	cmd.Dir = e.dataDir
	return cmd
}

// run runs a command of govhall to its end and returns what it printed.
func (e *faultEnv) run(within time.Duration, args ...string) (string, error) {
	cmd := e.command(args...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(within):
		cmd.Process.Kill()
		<-done
		return out.String(), fmt.Errorf("govhall %s did not end within %v", strings.Join(args, " "), within)
	}
}

// proc is a running govhall command.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan error
}

// start starts a command of govhall; the test's end stops it.
func (e *faultEnv) start(args ...string) *proc {
	e.t.Helper()
	p := &proc{t: e.t, cmd: e.command(args...), logs: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	e.t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(20 * time.Second):
				p.cmd.Process.Kill()
				<-p.done
			}
		}
		if e.t.Failed() {
			e.t.Logf("govhall %s logs (tail):\n%s", strings.Join(args, " "), tail(p.logs.String(), 6000))
		}
	})
	return p
}

// serve starts govhall serve and waits until /healthz answers 200.
func (e *faultEnv) serve() *proc {
	e.t.Helper()
	p := e.start("serve")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if st, _ := e.get("/healthz", ""); st == http.StatusOK {
			return p
		}
		select {
		case err := <-p.done:
			p.done <- err
			e.t.Fatalf("govhall serve exited during start: %v\n%s", err, tail(p.logs.String(), 6000))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("govhall serve not healthy within 60s\n%s", tail(p.logs.String(), 6000))
		}
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatal(err)
	}
	<-p.done
	p.done <- nil
}

// exited reports whether the process has ended, without waiting.
func (p *proc) exited() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return true
	default:
		return false
	}
}

// waitLog waits until a log line contains every one of parts.
func (p *proc) waitLog(within time.Duration, parts ...string) string {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, line := range strings.Split(p.logs.String(), "\n") {
			if containsAll(line, parts) {
				return line
			}
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no log line with %q within %v\n%s", parts, within, tail(p.logs.String(), 6000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// faultClient is the HTTP client of the tests: short timeouts, so that a
// hang is a failure and not a stuck test.
var faultClient = &http.Client{Timeout: 15 * time.Second}

// do sends a request with an optional bearer token and JSON body and
// returns the status and body (status 0 when no answer came).
func (e *faultEnv) do(method, path, token string, body any) (int, []byte) {
	return e.doWith(faultClient, method, path, token, body)
}

func (e *faultEnv) doWith(c *http.Client, method, path, token string, body any) (int, []byte) {
	var r io.Reader
	if body != nil {
		js, _ := json.Marshal(body)
		r = bytes.NewReader(js)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, "http://"+e.httpAddr+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (e *faultEnv) get(path, token string) (int, []byte) {
	return e.do(http.MethodGet, path, token, nil)
}

// login returns a session token of a demo account.
func (e *faultEnv) login(user string) string {
	e.t.Helper()
	st, body := e.do(http.MethodPost, "/api/v1/session", "", map[string]string{"username": user, "password": faultPassword})
	var out struct {
		Token string `json:"token"`
	}
	if st != http.StatusOK || json.Unmarshal(body, &out) != nil || out.Token == "" {
		e.t.Fatalf("login %s: %d %s", user, st, body)
	}
	return out.Token
}

// clientFrom is an HTTP client whose connections come from a loopback
// address of its own (127.0.0.x), so that per-address limits see many
// citizens.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 3 * time.Second}
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4}}
}

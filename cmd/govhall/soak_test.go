//go:build soak

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/peers"
	"github.com/govhall/govhall/migrations/pgtest"
)

// The soak (make soak, build tag soak: never part of make test) runs the
// built binary as `govhall serve` on a private test database and holds it
// under load: sipp callers at SOAK_RATE calls/s (default 50) for
// SOAK_DURATION (default 10m) through the whole flow — greeting, queue, an
// operator's desk phone (sipp) answering, talk with RTP both ways, the
// operator hanging up, the caller keying the rating (SIP INFO) — with
// every call recorded; RSS and goroutines sampled every 10 s; then
// SOAK_HTTP_DURATION (default 60s) of mixed kiosk load with wrk. The
// figures go to SOAK_REPORT (make soak: bench-results/soak.txt); the
// assertions come after it is written, so a failed soak keeps its figures.

// Growth allowed over the second half of the arrival window (or after the
// first calls ended, if later), after the warm-up: more is a leak.
//
// A leak shows in the Go heap in use: the least-squares slope of its
// least value each minute (after a collection). RSS follows the heap's highest peak in steps
// (10 minutes at 50 calls/s: flat for minutes, then one step of 6 MiB
// when the heap's peak rose by 5), so it is bounded as a growth instead.
const (
	soakMaxHeapSlope      = 1.0  // MiB per minute
	soakMaxRSSGrowth      = 0.03 // of the RSS at the end of the warm-up
	soakMaxGoroutineSlope = 5.0  // goroutines per minute
)

// soakConfig is what the environment asks of one soak.
type soakConfig struct {
	duration     time.Duration // arrival window of the calls
	rate         int           // calls per second
	talk         time.Duration // with the operator, before the operator hangs up
	httpDuration time.Duration
	report       string // where the figures go
	bin          string // the govhall binary; empty: built here
	profile      string // SOAK_PROFILE: where a 30 s CPU profile of the server goes; none when empty
}

func readSoakConfig(t *testing.T) soakConfig {
	c := soakConfig{duration: 10 * time.Minute, rate: 50, talk: 3 * time.Second, httpDuration: time.Minute,
		report: filepath.Join("..", "..", "bench-results", "soak.txt"), bin: os.Getenv("GOVHALL_SOAK_BIN")}
	for _, d := range []struct {
		env string
		to  *time.Duration
	}{{"SOAK_DURATION", &c.duration}, {"SOAK_TALK", &c.talk}, {"SOAK_HTTP_DURATION", &c.httpDuration}} {
		if s := os.Getenv(d.env); s != "" {
			v, err := time.ParseDuration(s)
			if err != nil || v < time.Second {
				t.Fatalf("%s %q: want a duration of at least 1s, such as 90s or 10m", d.env, s)
			}
			*d.to = v
		}
	}
	if s := os.Getenv("SOAK_RATE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			t.Fatalf("SOAK_RATE %q: want calls per second from 1 to 500", s)
		}
		c.rate = n
	}
	c.profile = os.Getenv("SOAK_PROFILE")
	if s := os.Getenv("SOAK_REPORT"); s != "" {
		c.report = s
	}
	// Calls need their length again to drain, the kiosk load its minute,
	// the start a few minutes.
	need := c.duration + c.httpDuration + 5*time.Minute
	if dl, ok := t.Deadline(); ok && time.Until(dl) < need {
		t.Fatalf("go test -timeout leaves %v, the soak needs about %v: raise -timeout (make soak SOAK_TIMEOUT=…)",
			time.Until(dl).Round(time.Second), need)
	}
	return c
}

// TestSoak is the soak; see the comment at the top of the file.
func TestSoak(t *testing.T) {
	cfg := readSoakConfig(t)
	soakRaiseFileLimit(t)
	s := newSoakServer(t, cfg)
	cr := s.runCalls(t, cfg)
	kr := s.kioskLoad(t, cfg.httpDuration)
	report := soakReport(cfg, s, cr, kr)
	if err := os.MkdirAll(filepath.Dir(cfg.report), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.report, []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("figures written to %s:\n%s", cfg.report, report)
	cr.check(t)
	kr.check(t)
}

// soakServer is govhall serve under soak, with its database and the
// operators' desk phones.
type soakServer struct {
	t         *testing.T
	db        *sqlx.DB
	dataDir   string
	httpAddr  string
	sipAddr   string
	cmd       *exec.Cmd
	logPath   string
	done      chan error
	desk      *soakSipp // the operators' phones
	deskPort  int
	ops       int    // operators seeded
	pprofAddr string // the server's profiler, when SOAK_PROFILE is set
	misses    int    // samples /metrics did not answer in time
}

// newSoakServer provisions a database with the demo content, enough
// operators for the rate (their phones one sipp), today a working day with
// office hours all day, and starts govhall serve on it.
func newSoakServer(t *testing.T, cfg soakConfig) *soakServer {
	bin := cfg.bin
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "govhall")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	dbURL := pgtest.URL(t)
	s := &soakServer{t: t, dataDir: t.TempDir(), httpAddr: soakFreeTCPAddr(t),
		sipAddr: fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t)), done: make(chan error, 1)}
	env := append(os.Environ(), "GOVHALL_DATABASE_URL="+dbURL, "GOVHALL_HTTP_ADDR="+s.httpAddr,
		"GOVHALL_SIP_ADDR="+s.sipAddr, "GOVHALL_DATA_DIR="+s.dataDir, "GOVHALL_DEMO_PASSWORD=demo-96128",
		"GOVHALL_OFFICE_HOURS=00:00-24:00", "GOVHALL_WRAPUP=1s", "GOVHALL_LOG_LEVEL=warn",
		// Every call comes from one address, as from a carrier's gateway.
		"GOVHALL_SIP_RATE=100000:100000",
		// The kiosk load comes through a proxy that names each client.
		"GOVHALL_TRUSTED_PROXIES=127.0.0.1")
	if cfg.profile != "" {
		s.pprofAddr = soakFreeTCPAddr(t)
		env = append(env, "GOVHALL_PPROF_ADDR="+s.pprofAddr)
	}
	demo := exec.Command(bin, "demo")
	demo.Env, demo.Dir = env, s.dataDir
	if out, err := demo.CombinedOutput(); err != nil {
		t.Fatalf("govhall demo: %v\n%s", err, out)
	}
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s.db = db
	s.soakWorkingDays(t)
	s.deskPort = peers.FreePort(t)
	// Each operator is busy for the talk, the ringing and a second of
	// wrap-up: twice what the rate needs, so that nobody waits long.
	s.ops = 2*cfg.rate*int((cfg.talk+2*time.Second)/time.Second) + 20
	s.seedOperators(t, s.ops)
	s.recordPrompts(t)
	s.start(t, bin, env)
	return s
}

// soakPrompts are the prompts of the soak's calls, as an admin would put
// recordings in their place, with the length of a person reading them:
// espeak-ng, which makes the defaults, reads the greeting in 16.7 s, the
// survey in 19.1 s (a key cuts it short) and the thanks in 4.6 s, which
// at 50 calls/s would hold 1 250 calls at once instead of about 600.
var soakPrompts = []struct {
	name string
	secs int
}{{"greeting", 6}, {"survey", 8}, {"survey-thanks", 2}}

// recordPrompts writes the soak's prompts into the prompts directory,
// where govhall serve keeps what it finds and synthesises the rest.
func (s *soakServer) recordPrompts(t *testing.T) {
	dir := filepath.Join(s.dataDir, "prompts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range soakPrompts {
		if out, err := exec.Command("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
			filepath.Join(dir, p.name+".wav"), "synth", strconv.Itoa(p.secs), "sine", "200-600", "vol", "0.3").CombinedOutput(); err != nil {
			t.Fatalf("sox: %v %s", err, out)
		}
	}
}

// soakWorkingDays makes today and tomorrow (Asia/Shanghai) working days,
// so that with office hours all day every call is queued to an operator
// whenever the soak runs.
func (s *soakServer) soakWorkingDays(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		d := time.Now().In(loc).AddDate(0, 0, i)
		day := d.Format(time.DateOnly)
		s.db.MustExec(`INSERT INTO calendar_notices (year, title, published_on) VALUES ($1, 'soak', $2) ON CONFLICT DO NOTHING`, d.Year(), day)
		s.db.MustExec(`DELETE FROM calendar_days WHERE day = $1`, day)
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			s.db.MustExec(`INSERT INTO calendar_days (day, year, kind, name) VALUES ($1, $2, 'work_swap', '浸泡测试')`, day, d.Year())
		}
	}
}

// seedOperators adds n operators whose fixed desk phone is the sipp at
// deskPort, and takes the demo operators' phones (not registered) out.
func (s *soakServer) seedOperators(t *testing.T, n int) {
	ctx := context.Background()
	store := calls.NewStore(s.db)
	for i := range n {
		ext := strconv.Itoa(60000 + i)
		s.db.MustExec(`INSERT INTO accounts (username, password_hash, roles) VALUES ($1, 'x', '{operator}')`, "soak"+ext)
		if _, err := store.SaveSIPAccount(ctx, calls.NewSIPAccount{Extension: ext, Realm: sipRealm, Password: "x",
			Username: "soak" + ext, Kind: calls.KindOperator,
			ContactURI: fmt.Sprintf("sip:%s@127.0.0.1:%d", ext, s.deskPort)}); err != nil {
			t.Fatal(err)
		}
	}
	s.db.MustExec(`UPDATE sip_accounts SET disabled = true WHERE kind = 'operator' AND extension NOT LIKE '6%'`)
}

// start runs govhall serve and waits until /readyz answers 200 (database,
// migrations, search index, SIP, recordings all ready).
func (s *soakServer) start(t *testing.T, bin string, env []string) {
	s.logPath = filepath.Join(s.dataDir, "serve.log")
	logs, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env, s.cmd.Dir, s.cmd.Stdout, s.cmd.Stderr = env, s.dataDir, logs, logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait(); logs.Close() }()
	t.Cleanup(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(60 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("govhall serve logs (tail):\n%s", s.logTail())
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if st, _ := s.get("/readyz"); st == http.StatusOK {
			return
		}
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("govhall serve exited during start: %v\n%s", err, s.logTail())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_, body := s.get("/readyz")
			t.Fatalf("govhall serve not ready within 3 minutes: %s\n%s", body, s.logTail())
		}
	}
}

func (s *soakServer) logTail() string {
	data, _ := os.ReadFile(s.logPath)
	return soakTail(string(data), 6000)
}

// profile writes a CPU profile of the server's next 30 s to path, and a
// heap profile at its end to path.heap.
func (s *soakServer) profile(t *testing.T, path string) {
	base := "http://" + s.pprofAddr + "/debug/pprof/"
	for _, p := range []struct{ url, file string }{{base + "profile?seconds=30", path}, {base + "heap?gc=1", path + ".heap"}} {
		if err := fetchTo(p.url, p.file); err != nil {
			t.Errorf("profile: %v", err)
			return
		}
		t.Logf("profile of the server written to %s", p.file)
	}
}

// heap writes a heap profile of the server (after a collection) to path.
func (s *soakServer) heap(t *testing.T, path string) {
	if err := fetchTo("http://"+s.pprofAddr+"/debug/pprof/heap?gc=1", path); err != nil {
		t.Errorf("profile: %v", err)
		return
	}
	t.Logf("heap profile of the server written to %s", path)
}

func fetchTo(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// get fetches a path of the server; status 0 when no answer came.
func (s *soakServer) get(path string) (int, []byte) { return s.getAs(path, "") }

// getAs fetches a path as the client ip behind the proxy (none: empty).
func (s *soakServer) getAs(path, ip string) (int, []byte) {
	req, err := http.NewRequest(http.MethodGet, "http://"+s.httpAddr+path, nil)
	if err != nil {
		return 0, []byte(err.Error())
	}
	if ip != "" {
		req.Header.Set("X-Forwarded-For", ip)
	}
	res, err := soakClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}

var soakClient = &http.Client{Timeout: 15 * time.Second}

// metrics reads /metrics (allowed from loopback) and sums each metric's
// series over their labels.
func (s *soakServer) metrics() (map[string]float64, error) {
	st, body := s.get("/metrics")
	if st != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %d %s", st, soakTail(string(body), 300))
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		name, _, _ := strings.Cut(line, " ")
		name, _, _ = strings.Cut(name, "{")
		f := strings.Fields(line)
		if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
			out[name] += v
		}
	}
	return out, nil
}

// rssMiB reads the server's resident set from /proc.
func (s *soakServer) rssMiB() (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", s.cmd.Process.Pid)
}

// soakRaiseFileLimit lifts the open-files limit to its maximum for us, the
// server and the sipp processes (a thousand calls need thousands of
// sockets).
func soakRaiseFileLimit(t *testing.T) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	rl.Cur = rl.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
}

func soakFreeTCPAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func soakTail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// soakReport writes the figures of a soak as text.
func soakReport(cfg soakConfig, s *soakServer, c *callResult, k *kioskResult) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("govhall soak %s: SOAK_DURATION=%v at %d calls/s, talk %v after a greeting of %.1f s, %d operators, %d CPUs",
		time.Now().UTC().Format(time.RFC3339), cfg.duration, cfg.rate, cfg.talk, c.greeting.Seconds(), s.ops, runtime.NumCPU())
	p("  prompts as recorded (s): greeting %d, survey %d (cut short by the key), thanks %d",
		soakPrompts[0].secs, soakPrompts[1].secs, soakPrompts[2].secs)
	p("")
	p("calls (sipp): %d offered, %d successful, %d failed (desk phones: %d failed); the last ended %v after the first began",
		c.offered, c.ok, c.failed, c.deskFailed, c.wall.Round(time.Second))
	last := c.samples[len(c.samples)-1]
	cpu := c.before
	for _, smp := range c.samples {
		if smp.cpu >= 0 {
			cpu = smp
		}
	}
	p("  peak %.0f calls in progress (%.0f expected); server CPU %.0f %% of one core over the arrival window, the machine's %.0f %% busy",
		c.peakCalls, c.steady, 100*(cpu.cpu-c.before.cpu)/max(cpu.at.Seconds(), 1),
		100*(last.busy-c.before.busy)/max(last.all-c.before.all, 1))
	if c.overload != 0 {
		p("  OVERLOADED %v into the soak: the callers were stopped", c.overload.Round(time.Second))
	}
	d := c.db
	p("records: %d calls, %d closed, %d answered, %d recorded (%.1f GiB), %d rated; complete (closed, answered, recorded, rated 4 by SIP INFO): %d",
		d.Total, d.Closed, d.Answered, d.Recorded, float64(d.Bytes)/(1<<30), d.Rated, d.Complete)
	p("  mean seconds: INVITE to answer %.3f, queued to the operator's phone ringing %.3f (max %.3f), ringing %.3f, whole call %.1f",
		d.ToAnswer, d.InQueue, d.MaxInQueue, d.Ringing, d.Length)
	for _, g := range d.Incomplete {
		p("  not complete: %s", g)
	}
	for _, l := range d.Story {
		p("    %s", l)
	}
	m := c.m
	p("media (/metrics): RTP received %.0f, lost %.0f, late %.0f, relayed %.0f, relay failures %.0f; DTMF digits %.0f; recordings %.0f (%.0f failures); SIP dropped %.0f",
		m["govhall_rtp_packets_received_total"], m["govhall_rtp_packets_lost_total"], m["govhall_rtp_packets_late_total"],
		m["govhall_rtp_packets_relayed_total"], m["govhall_rtp_relay_failures_total"], m["govhall_dtmf_digits_total"],
		m["govhall_recordings_total"], m["govhall_recording_failures_total"], m["govhall_sip_dropped_total"])
	p("  the desk phones' echo socket (sipp -rtp_echo, one for all the calls) dropped %d packets in the kernel, each a gap in the echo counted as lost", c.deskDrops)
	p("RSS: %.0f MiB before the calls, %.0f at the end of arrivals, %.0f after the last call; from %v on %+.1f %% (bound %.0f %%), slope %+.2f ± %.2f MiB/min (%d samples)",
		c.before.rssMiB, last.rssMiB, c.after.rssMiB, c.warmup, 100*c.rssGrowth, 100*soakMaxRSSGrowth, c.rssSlope, c.rssErr, c.slopeN)
	p("Go heap in use, least of each minute: slope from %v on %+.2f ± %.2f MiB/min (bound %.1f)", c.warmup, c.heapSlope, c.heapErr, soakMaxHeapSlope)
	p("goroutines: %.0f before, %.0f at the end of arrivals, %.0f after (at most %d more); slope %+.1f ± %.1f/min (bound %.0f)",
		c.before.goroutines, last.goroutines, c.after.goroutines, soakGoroutinesLeft, c.gorSlope, c.gorErr, soakMaxGoroutineSlope)
	p("samples every %v (seconds, RSS MiB, Go heap in use MiB, goroutines, calls in progress, the machine's CPU busy %% since the last; -1: /metrics did not answer):", soakEvery)
	prev := c.before
	for _, smp := range c.samples {
		p("  %4.0f %7.1f %7.1f %6.0f %5.0f %4.0f", smp.at.Seconds(), smp.rssMiB, smp.heapMiB, smp.goroutines, smp.calls,
			100*(smp.busy-prev.busy)/max(smp.all-prev.all, 1))
		prev = smp
	}
	p("")
	p("kiosk load (wrk, %d connections, %v): %.0f requests/s, %d requests, %d errors; latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
		soakKioskClients, cfg.httpDuration, k.rps(), k.Requests, k.errors(), k.P50/1000, k.P90/1000, k.P99/1000, k.Max/1000)
	p("  statuses %v; socket errors: connect %d, read %d, write %d, timeout %d", k.Statuses, k.Connect, k.Read, k.Write, k.Timeout)
	p("  mix of the drawn paths: search %d, document %d, page /d/{code} %d, QR png %d, 查询码 lookup %d",
		k.mix["search"], k.mix["document"], k.mix["page"], k.mix["qr"], k.mix["lookup"])
	return b.String()
}

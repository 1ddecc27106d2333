//go:build soak

package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/peers"
)

// soakEvery is how often the server is sampled during the calls.
const soakEvery = 10 * time.Second

// soakOverload times the expected calls in progress ends the offering.
const soakOverload = 3

// soakGoroutinesLeft is how many more goroutines than before the first
// call may run once the last one ended (idle HTTP connections, timers).
const soakGoroutinesLeft = 10

// soakSample is one look at the server during the calls.
type soakSample struct {
	at         time.Duration // since the first call
	rssMiB     float64
	goroutines float64
	calls      float64 // in progress
	cpu        float64 // seconds of CPU the server used so far
	heapMiB    float64 // Go heap in use
	busy, all  float64 // the machine's CPU time so far, busy and in all (/proc/stat)
}

// callResult is what the calls of a soak did.
type callResult struct {
	offered, ok, failed int // sipp's callers
	deskFailed          int // sipp's desk phones
	wall                time.Duration
	samples             []soakSample
	before, after       soakSample // before the first call, after the last ended
	peakCalls           float64
	misses              int           // samples /metrics did not answer
	overload            time.Duration // when calls in progress passed the bound (0: never)
	steady              float64       // calls in progress expected at the rate
	warmup              time.Duration // samples before are left out of the slopes
	rssSlope, gorSlope  float64       // per minute after the warm-up
	rssErr, gorErr      float64       // their standard errors
	heapSlope, heapErr  float64       // the Go heap in use's, per minute
	rssGrowth           float64       // RSS at the end of arrivals over RSS at the warm-up's end, minus 1
	deskDrops           int64         // packets the desk sipp's echo socket dropped (kernel)
	slopeN              int           // samples after the warm-up
	m                   map[string]float64
	db                  callRecords
	greeting            time.Duration
}

// callRecords counts the calls' records.
type callRecords struct {
	Total      int      `db:"total"`
	Closed     int      `db:"closed"`
	Answered   int      `db:"answered"`
	Recorded   int      `db:"recorded"`
	Rated      int      `db:"rated"`
	Complete   int      `db:"complete"` // closed, answered, recorded and rated 4
	Bytes      int64    `db:"bytes"`
	ToAnswer   float64  `db:"to_answer"` // mean seconds: INVITE to 200 OK
	InQueue    float64  `db:"in_queue"`  // mean seconds: queued to the operator's phone ringing
	MaxInQueue float64  `db:"max_in_queue"`
	Ringing    float64  `db:"ringing"`
	Length     float64  `db:"length"` // mean seconds of a call
	Incomplete []string `db:"-"`      // the calls not complete, grouped: outcome, end reason, rating
	Story      []string `db:"-"`      // what the server logged of the first few of them
}

// runCalls offers rate calls/s for duration and waits for all of them to
// end, sampling the server every 10 s.
func (s *soakServer) runCalls(t *testing.T, cfg soakConfig) *callResult {
	dir := t.TempDir()
	r := &callResult{offered: cfg.rate * int(cfg.duration/time.Second)}
	g, err := media.LoadPrompt("greeting", filepath.Join(s.dataDir, "prompts", "greeting.wav"))
	if err != nil {
		t.Fatal(err)
	}
	r.greeting = g.Duration()
	scen := soakCallerScenario(t, dir)
	s.desk = startSoakSipp(t, dir, "desk", filepath.Join("testdata", "soak", "operator.xml"), "", s.deskPort,
		"-rtp_echo", "-d", strconv.Itoa(int(cfg.talk.Milliseconds())))
	r.before = s.sample(t, 0)
	start := time.Now()
	caller := startSoakSipp(t, dir, "caller", scen, s.sipAddr, 0, "-s", "96128",
		"-r", strconv.Itoa(cfg.rate), "-m", strconv.Itoa(r.offered), "-l", strconv.Itoa(cfg.rate*120),
		"-d", strconv.Itoa(int((r.greeting + cfg.talk + 500*time.Millisecond).Milliseconds())))
	// A call lasts the greeting, the talk, the rating and the thanks.
	r.steady = float64(cfg.rate) * (r.greeting + cfg.talk + 4*time.Second).Seconds()
	var profiled sync.WaitGroup
	if cfg.profile != "" { // once the calls are at their steady number
		profiled.Go(func() {
			first := max(cfg.duration/3, r.greeting+cfg.talk+5*time.Second)
			time.Sleep(first)
			s.profile(t, cfg.profile)
			// A second heap profile near the end of the arrivals: what
			// grew between the two (go tool pprof -diff_base path.heap
			// path.heap2) is what a leak holds.
			if rest := cfg.duration - first - 30*time.Second - 20*time.Second; rest > 0 {
				time.Sleep(rest)
				s.heap(t, cfg.profile+".heap2")
			}
		})
	}
	s.watch(t, r, caller, start, cfg.duration)
	profiled.Wait()
	r.wall = time.Since(start)
	r.ok, r.failed = caller.counts()
	r.misses = s.misses
	s.waitIdle(t)
	r.after = s.sample(t, r.wall)
	r.deskDrops = kernelDrops(t, s.desk.mediaPort)
	s.desk.stop()
	_, r.deskFailed = s.desk.counts()
	if r.m, err = s.metrics(); err != nil {
		t.Fatal(err)
	}
	r.db = s.callRecords(t)
	// The warm-up: calls build up to their steady number for as long as a
	// call lasts, pools and caches fill.
	r.warmup = max(cfg.duration/2, r.greeting+cfg.talk+10*time.Second)
	r.slopes()
	return r
}

// watch samples the server every soakEvery while the calls arrive, then
// waits for the last caller to hang up. Calls piling up beyond soakOverload
// times the steady number stop the callers: retransmissions then feed on
// themselves, and the rest of the run would only burn a shared machine.
func (s *soakServer) watch(t *testing.T, r *callResult, caller *soakSipp, start time.Time, arrivals time.Duration) {
	for k := range int(arrivals/soakEvery) + 1 {
		time.Sleep(time.Until(start.Add(time.Duration(k) * soakEvery)))
		smp := s.sample(t, time.Since(start))
		r.samples = append(r.samples, smp)
		r.peakCalls = max(r.peakCalls, smp.calls)
		if caller.exited() {
			t.Fatalf("sipp (callers) ended %v into the soak\n%s", smp.at.Round(time.Second), caller.logs())
		}
		if smp.calls > soakOverload*r.steady {
			r.overload = smp.at
			t.Logf("overloaded %v into the soak: %.0f calls in progress, %.0f expected; the callers stop",
				smp.at.Round(time.Second), smp.calls, r.steady)
			caller.stop()
			return
		}
	}
	caller.wait(t, 5*time.Minute)
}

// soakCallerScenario writes the caller's scenario with an A-law WAV of
// speech-like tones (sox) to stream, and returns its path.
func soakCallerScenario(t *testing.T, dir string) string {
	wav := filepath.Join(dir, "talk.wav")
	if out, err := exec.Command("sox", "-n", "-r", "8000", "-c", "1", "-e", "a-law", wav,
		"synth", "10", "sine", "300-900", "vol", "0.4").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	src, err := os.ReadFile(filepath.Join("testdata", "soak", "caller.xml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "caller.xml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(src), "SOAK_WAV", wav)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sample reads the server's RSS from /proc, and goroutines, calls in
// progress and CPU from /metrics: -1 when /metrics did not answer in time
// (counted in misses; the slopes go without that sample).
func (s *soakServer) sample(t *testing.T, at time.Duration) soakSample {
	rss, err := s.rssMiB()
	if err != nil {
		t.Fatal(err)
	}
	smp := soakSample{at: at, rssMiB: rss, goroutines: -1, calls: -1, cpu: -1, heapMiB: -1}
	smp.busy, smp.all = machineCPU()
	m, err := s.metrics()
	if err != nil {
		s.misses++
		t.Logf("sample at %v: %v", at.Round(time.Second), err)
		return smp
	}
	smp.goroutines, smp.calls, smp.cpu = m["go_goroutines"], m["govhall_calls_in_progress"], m["process_cpu_seconds_total"]
	smp.heapMiB = m["go_memstats_heap_inuse_bytes"] / (1 << 20)
	return smp
}

// machineCPU reads the CPU time of the whole machine from /proc/stat:
// busy (neither idle nor waiting for I/O) and all, in clock ticks.
func machineCPU() (busy, all float64) {
	data, _ := os.ReadFile("/proc/stat")
	line, _, _ := strings.Cut(string(data), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseFloat(f, 64)
		all += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, all
}

// waitIdle waits for the last calls' handlers to end.
func (s *soakServer) waitIdle(t *testing.T) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		m, err := s.metrics()
		if err == nil && m["govhall_calls_in_progress"] == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("calls still in progress 2 minutes after the last caller hung up: %v %v", m["govhall_calls_in_progress"], err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// completeCall is the condition on a call of the soak done right: closed,
// answered, recorded, rated 4 by the caller's key (SIP INFO).
const completeCall = `ended_at IS NOT NULL AND outcome = 'answered' AND recording_sha256 <> ''
	AND recording_duration_ms > 0 AND satisfaction = 4 AND satisfaction_via = 'info'`

// callRecords reads what the database holds of the calls.
func (s *soakServer) callRecords(t *testing.T) callRecords {
	var c callRecords
	const q = `SELECT count(*) AS total,
		count(*) FILTER (WHERE ended_at IS NOT NULL) AS closed,
		count(*) FILTER (WHERE outcome = 'answered') AS answered,
		count(*) FILTER (WHERE recording_sha256 <> '' AND recording_duration_ms > 0) AS recorded,
		count(*) FILTER (WHERE satisfaction IS NOT NULL) AS rated,
		count(*) FILTER (WHERE ` + completeCall + `) AS complete,
		COALESCE(sum(recording_size), 0) AS bytes,
		COALESCE(avg(extract(epoch FROM answered_at - started_at)), 0) AS to_answer,
		COALESCE(avg(extract(epoch FROM ended_at - started_at)), 0) AS length
		FROM calls`
	if err := s.db.Get(&c, q); err != nil {
		t.Fatal(err)
	}
	const legs = `SELECT COALESCE(avg(extract(epoch FROM l.started_at - c.queued_at)), 0) AS in_queue,
		COALESCE(max(extract(epoch FROM l.started_at - c.queued_at)), 0) AS max_in_queue,
		COALESCE(avg(extract(epoch FROM l.answered_at - l.started_at)), 0) AS ringing
		FROM calls c JOIN call_legs l ON l.call_id = c.id AND l.answered_at IS NOT NULL`
	if err := s.db.Get(&c, legs); err != nil {
		t.Fatal(err)
	}
	const incomplete = `SELECT count(*) || '× ' || outcome || ' / ' || COALESCE(NULLIF(end_reason, ''), '-') || ' / ' ||
			CASE WHEN satisfaction IS NULL THEN 'unrated' ELSE 'rated ' || satisfaction || ' by ' || satisfaction_via END ||
			CASE WHEN recording_sha256 = '' THEN ' / no recording' ELSE '' END
		FROM calls WHERE NOT (` + completeCall + `)
		GROUP BY outcome, end_reason, satisfaction, satisfaction_via, recording_sha256 = '' ORDER BY count(*) DESC LIMIT 8`
	if err := s.db.Select(&c.Incomplete, incomplete); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := s.db.Select(&ids, `SELECT id FROM calls WHERE NOT (`+completeCall+`) ORDER BY id LIMIT 3`); err != nil {
		t.Fatal(err)
	}
	c.Story = s.callStory(ids)
	return c
}

// callStory returns the server's log lines of the calls ids (JSON lines
// naming the call; at the soak's level, warnings and errors).
func (s *soakServer) callStory(ids []int64) []string {
	if len(ids) == 0 {
		return nil
	}
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		for _, id := range ids {
			if strings.Contains(line, fmt.Sprintf(`"call":%d,`, id)) && len(out) < 60 {
				out = append(out, line)
			}
		}
	}
	return out
}

// slopes fits RSS, the Go heap in use and goroutines against time by
// least squares over the samples after the warm-up, and takes RSS's
// growth over that time.
func (r *callResult) slopes() {
	var xs, rss, heap, gor []float64
	for _, s := range r.samples {
		if s.at >= r.warmup && s.goroutines >= 0 {
			xs = append(xs, s.at.Minutes())
			rss = append(rss, s.rssMiB)
			heap = append(heap, s.heapMiB)
			gor = append(gor, s.goroutines)
		}
	}
	r.slopeN = len(xs)
	r.rssSlope, r.rssErr = leastSquares(xs, rss)
	r.heapSlope, r.heapErr = leastSquares(troughs(xs, heap))
	r.gorSlope, r.gorErr = leastSquares(xs, gor)
	if len(rss) > 1 && rss[0] > 0 {
		r.rssGrowth = rss[len(rss)-1]/rss[0] - 1
	}
}

// leastSquares returns the slope of the line fitted to (xs, ys) and its
// standard error (0 for fewer than three points).
func leastSquares(xs, ys []float64) (slope, stderr float64) {
	n := float64(len(xs))
	var sx, sy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
	}
	mx, my := sx/n, sy/n
	var num, den float64
	for i := range xs {
		num += (xs[i] - mx) * (ys[i] - my)
		den += (xs[i] - mx) * (xs[i] - mx)
	}
	if den == 0 {
		return 0, 0
	}
	slope = num / den
	if len(xs) < 3 {
		return slope, 0
	}
	var ssr float64
	for i := range xs {
		e := ys[i] - my - slope*(xs[i]-mx)
		ssr += e * e
	}
	return slope, math.Sqrt(ssr / (n - 2) / den)
}

// check fails the test for any failed or incomplete call, any relay loss
// and growth beyond the bounds.
func (r *callResult) check(t *testing.T) {
	if r.overload != 0 {
		t.Errorf("overloaded %v into the soak: more than %d× the %.0f calls in progress the rate should hold; callers stopped",
			r.overload.Round(time.Second), soakOverload, r.steady)
	}
	if r.failed != 0 || r.ok != r.offered || r.deskFailed != 0 {
		t.Errorf("calls: %d offered, %d successful, %d failed (desk phones: %d failed)", r.offered, r.ok, r.failed, r.deskFailed)
	}
	if d := r.db; d.Total != r.offered || d.Complete != r.offered {
		t.Errorf("records: %d calls, %d closed, %d answered, %d recorded, %d rated; %d complete of %d offered",
			d.Total, d.Closed, d.Answered, d.Recorded, d.Rated, d.Complete, r.offered)
	}
	for _, name := range []string{"govhall_rtp_relay_failures_total",
		"govhall_rtp_packets_late_total", "govhall_recording_failures_total", "govhall_sip_dropped_total"} {
		if r.m[name] != 0 {
			t.Errorf("%s = %v, want 0", name, r.m[name])
		}
	}
	// Every packet the desk's echo socket dropped comes back as a gap in
	// the echo; any other gap is a loss of ours.
	if lost := r.m["govhall_rtp_packets_lost_total"]; lost > float64(r.deskDrops) {
		t.Errorf("govhall_rtp_packets_lost_total = %v, more than the %d packets the desk sipp's socket dropped", lost, r.deskDrops)
	}
	if r.misses != 0 {
		t.Errorf("/metrics did not answer within %v %d times during the calls", soakClient.Timeout, r.misses)
	}
	if r.slopeN < 3 {
		t.Errorf("%d samples after the warm-up of %v: too few for a slope (SOAK_DURATION of at least 90s)", r.slopeN, r.warmup)
	}
	if r.heapSlope > soakMaxHeapSlope {
		t.Errorf("the Go heap in use grows %.2f MiB/min after the warm-up (bound %.1f)", r.heapSlope, soakMaxHeapSlope)
	}
	if r.rssGrowth > soakMaxRSSGrowth {
		t.Errorf("RSS grew %.1f %% after the warm-up (bound %.0f %%; slope %.2f MiB/min)", 100*r.rssGrowth, 100*soakMaxRSSGrowth, r.rssSlope)
	}
	if r.gorSlope > soakMaxGoroutineSlope {
		t.Errorf("goroutines grow %.1f/min after the warm-up (bound %.0f)", r.gorSlope, soakMaxGoroutineSlope)
	}
	if left := r.after.goroutines - r.before.goroutines; left > soakGoroutinesLeft {
		t.Errorf("%.0f goroutines more once the last call ended than before the first (%.0f, %.0f)",
			left, r.before.goroutines, r.after.goroutines)
	}
}

// soakSipp is a sipp process of the soak, its screen written to a file.
type soakSipp struct {
	cmd       *exec.Cmd
	dir       string
	out       string
	done      chan error
	mediaPort int
}

// startSoakSipp runs a scenario on loopback, a caller when target is set,
// on SIP port port (0: a free one), with errors traced to its directory.
func startSoakSipp(t *testing.T, parent, name, scenario, target string, port int, args ...string) *soakSipp {
	bin, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatalf("sipp is required (Debian package sip-tester, installed by make soak): %v", err)
	}
	sf, err := filepath.Abs(scenario)
	if err != nil {
		t.Fatal(err)
	}
	r := &soakSipp{dir: filepath.Join(parent, name), done: make(chan error, 1)}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if port == 0 {
		port = peers.FreePort(t)
	}
	r.mediaPort = peers.FreePort(t)
	full := append([]string{"-sf", sf, "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-mp", strconv.Itoa(r.mediaPort),
		"-nostdin", "-aa", "-trace_err", "-max_socket", "60000"}, args...)
	if target != "" {
		full = append(full, target)
	}
	r.out = filepath.Join(r.dir, "screen.txt")
	f, err := os.Create(r.out)
	if err != nil {
		t.Fatal(err)
	}
	r.cmd = exec.Command(bin, full...)
	r.cmd.Dir, r.cmd.Stdout, r.cmd.Stderr = r.dir, f, f
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait(); f.Close() }()
	t.Cleanup(r.stop)
	return r
}

func (r *soakSipp) exited() bool {
	select {
	case err := <-r.done:
		r.done <- err
		return true
	default:
		return false
	}
}

// wait waits for sipp to end by itself; it fails the test, with the logs,
// if it has not within the time given. A non-zero exit (failed calls) is
// left to the counts.
func (r *soakSipp) wait(t *testing.T, within time.Duration) {
	select {
	case err := <-r.done:
		r.done <- err
	case <-time.After(within):
		r.stop()
		t.Fatalf("sipp did not finish within %v of the last call offered\n%s", within, r.logs())
	}
}

// stop interrupts sipp, which then prints its last screen, and kills it
// when it has not ended within 10 s.
func (r *soakSipp) stop() {
	if r.exited() {
		return
	}
	r.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-r.done:
		r.done <- err
	case <-time.After(10 * time.Second):
		r.cmd.Process.Kill()
		r.done <- <-r.done
	}
}

var soakSippCounter = regexp.MustCompile(`(Successful call|Failed call)\s*\|\s*\d+\s*\|\s*(\d+)`)

// counts reads the cumulative successful and failed calls from sipp's last
// statistics screen.
func (r *soakSipp) counts() (ok, failed int) {
	data, _ := os.ReadFile(r.out)
	for _, m := range soakSippCounter.FindAllStringSubmatch(string(data), -1) {
		n, _ := strconv.Atoi(m[2])
		if m[1] == "Successful call" {
			ok = n
		} else {
			failed = n
		}
	}
	return ok, failed
}

// logs returns the tail of sipp's screen and error log.
func (r *soakSipp) logs() string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(r.dir, "*.log"))
	for _, f := range append(files, r.out) {
		data, _ := os.ReadFile(f)
		fmt.Fprintf(&b, "--- %s\n%s\n", filepath.Base(f), soakTail(string(data), 4000))
	}
	return b.String()
}

// troughs returns the least heap of each minute of samples: the heap in
// use saws up and down with the collections, its troughs (what is live
// after one) show a leak where the samples' slope is mostly noise.
func troughs(xs, ys []float64) (tx, ty []float64) {
	for i := range xs {
		m := int(xs[i])
		if n := len(tx); n > 0 && int(tx[n-1]) == m {
			ty[n-1] = min(ty[n-1], ys[i])
			continue
		}
		tx, ty = append(tx, float64(m)), append(ty, ys[i])
	}
	return tx, ty
}

// kernelDrops returns the packets the kernel dropped for the UDP socket
// bound to port on loopback (its receive buffer full), from the drops
// column of /proc/net/udp.
func kernelDrops(t *testing.T, port int) int64 {
	data, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		t.Fatal(err)
	}
	local := fmt.Sprintf(":%04X", port)
	var drops int64
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 13 || !strings.HasSuffix(f[1], local) {
			continue
		}
		n, err := strconv.ParseInt(f[len(f)-1], 10, 64)
		if err != nil {
			t.Fatalf("/proc/net/udp: %q: %v", line, err)
		}
		drops += n
	}
	return drops
}

package hotline

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/peers"
)

// load is one load run: sipp callers at rate calls/s, at most limit at
// once, total calls of hold each, answered by sipp desk phones (echoing
// RTP) through the ACD; every call is bridged and recorded.
type load struct {
	rate, limit, total int
	hold               time.Duration
}

// BenchmarkCallRate finds the call rate the hotline sustains: short calls
// (5 s: the greeting, then about 3 s with an operator) at increasing rates. Reported: calls/s offered and completed,
// failed calls, relay losses, CPU per call.
func BenchmarkCallRate(b *testing.B) {
	for _, rate := range []int{50, 100, 150, 200} {
		b.Run(fmt.Sprintf("cps=%d", rate), func(b *testing.B) {
			runLoad(b, load{rate: rate, limit: rate * 10, total: rate * 20, hold: 5 * time.Second})
		})
	}
}

// BenchmarkConcurrentCalls holds many recorded, bridged calls at once.
// Reported: peak concurrent calls, failed calls, relay losses, CPU % per
// concurrent call.
func BenchmarkConcurrentCalls(b *testing.B) {
	for _, n := range []int{300, 500, 1000} {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) {
			runLoad(b, load{rate: 25, limit: n, total: n, hold: time.Duration(n/25)*time.Second + 20*time.Second})
		})
	}
}

func runLoad(b *testing.B, l load) {
	raiseFileLimit(b)
	for range b.N {
		e := newEnv(b, workingMorning, func(c *Config) {
			c.WrapUp, c.MaxWait, c.FloodRate, c.FloodBurst = time.Millisecond, time.Minute, 1e6, 1e6
			c.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		})
		desk := startSipp(b, "bench_operator.xml", "", "-rtp_echo", "-m", strconv.Itoa(l.total), "-l", strconv.Itoa(l.total+10))
		seedOperators(b, e, l.limit+10, sippPort(b, desk))
		scen := benchCaller(b)
		var ru0 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		start := time.Now()
		caller := startSipp(b, scen, e.addr, "-r", strconv.Itoa(l.rate), "-l", strconv.Itoa(l.limit), "-m", strconv.Itoa(l.total),
			"-d", strconv.Itoa(int(l.hold.Milliseconds())))
		peak := 0
		for !caller.Exited() {
			peak = max(peak, e.h.ActiveCalls())
			time.Sleep(100 * time.Millisecond)
		}
		wall := time.Since(start)
		var ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		ok, failed := sippCounts(caller)
		e.waitFor("calls closed", 30*time.Second, func() bool { return e.h.ActiveCalls() == 0 })
		answered, recorded := callCounts(b, e)
		relay := e.h.RelayStats()
		cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
		b.ReportMetric(float64(ok)/(wall-l.hold).Seconds(), "calls/s") // over the arrival window
		b.ReportMetric(float64(failed), "failed")
		b.ReportMetric(float64(l.total-answered), "not_answered")
		b.ReportMetric(float64(l.total-recorded), "not_recorded")
		b.ReportMetric(float64(relay.Lost()), "rtp_lost")
		b.ReportMetric(float64(peak), "peak_calls")
		b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "cpu%")
		if peak > 0 {
			b.ReportMetric(100*cpu.Seconds()/wall.Seconds()/float64(peak), "cpu%/call")
		}
		b.Logf("%+v: %d ok, %d failed in %v; %d answered, %d recorded; peak %d; relay %+v; cpu %v", l, ok, failed,
			wall.Round(time.Millisecond), answered, recorded, peak, relay, cpu.Round(time.Millisecond))
	}
}

// raiseFileLimit lifts the open-files limit to its maximum for us and the
// sipp processes we start (hundreds of calls need thousands of sockets).
func raiseFileLimit(b testing.TB) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		b.Fatal(err)
	}
	rl.Cur = rl.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		b.Fatal(err)
	}
}

// seedOperators adds n operators whose desk phones are the sipp at port.
func seedOperators(b testing.TB, e *env, n, port int) {
	ctx := context.Background()
	for i := range n {
		ext := strconv.Itoa(70000 + i)
		e.db.MustExec(`INSERT INTO accounts (username, password_hash, roles) VALUES ($1, 'x', '{operator}')`, "bench"+ext)
		if _, err := e.store.SaveSIPAccount(ctx, calls.NewSIPAccount{Extension: ext, Realm: "govhall", Password: "x", Username: "bench" + ext,
			Kind: calls.KindOperator, ContactURI: fmt.Sprintf("sip:%s@127.0.0.1:%d", ext, port)}); err != nil {
			b.Fatal(err)
		}
	}
	e.db.MustExec(`UPDATE sip_accounts SET disabled = true WHERE extension IN ('8001', '8002')`)
	if err := e.h.ACD().Refresh(ctx); err != nil {
		b.Fatal(err)
	}
}

// benchCaller writes the caller scenario with an A-law WAV of speech-like
// tones (sox) and returns its path.
func benchCaller(b testing.TB) string {
	dir := b.TempDir()
	wav := filepath.Join(dir, "talk.wav")
	if out, err := exec.Command("sox", "-n", "-r", "8000", "-c", "1", "-e", "a-law", wav, "synth", "10", "sine", "300-900", "vol", "0.4").CombinedOutput(); err != nil {
		b.Fatalf("sox: %v %s", err, out)
	}
	src, err := os.ReadFile(filepath.Join("testdata", "sipp", "bench_caller.xml"))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "bench_caller.xml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(src), "BENCH_WAV", wav)), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

var sippCounter = regexp.MustCompile(`(Successful call|Failed call)\s*\|\s*\d+\s*\|\s*(\d+)`)

// sippCounts reads the cumulative successful and failed calls from sipp's
// final statistics screen.
func sippCounts(r *peers.Sipp) (ok, failed int) {
	for _, m := range sippCounter.FindAllStringSubmatch(r.Output(), -1) {
		n, _ := strconv.Atoi(m[2])
		if m[1] == "Successful call" {
			ok = n
		} else {
			failed = n
		}
	}
	return ok, failed
}

func callCounts(b testing.TB, e *env) (answered, recorded int) {
	var rows []struct {
		What string `db:"what"`
		N    int    `db:"n"`
	}
	e.db.Select(&rows, `SELECT 'call ' || outcome AS what, count(*) AS n FROM calls GROUP BY outcome
		UNION ALL SELECT 'leg ' || result, count(*) FROM call_legs GROUP BY result`)
	b.Logf("outcomes: %+v", rows)
	var lat struct {
		Greet, Queue, Ring, Answered float64
	}
	e.db.Get(&lat, `SELECT COALESCE(avg(extract(epoch FROM c.queued_at - c.answered_at)), 0) AS greet,
		COALESCE(avg(extract(epoch FROM l.started_at - c.queued_at)), 0) AS queue,
		COALESCE(avg(extract(epoch FROM l.answered_at - l.started_at)), 0) AS ring,
		COALESCE(avg(extract(epoch FROM c.answered_at - c.started_at)), 0) AS answered
		FROM calls c LEFT JOIN call_legs l ON l.call_id = c.id`)
	b.Logf("mean seconds: to answer %.3f, greeting %.3f, in queue %.3f, ringing %.3f", lat.Answered, lat.Greet, lat.Queue, lat.Ring)
	e.db.Get(&answered, `SELECT count(*) FROM calls WHERE outcome = 'answered'`)
	e.db.Get(&recorded, `SELECT count(*) FROM calls WHERE recording_sha256 <> '' AND recording_duration_ms > 0`)
	return answered, recorded
}

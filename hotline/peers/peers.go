// Package peers runs the real SIP peers of the tests: sipp scenarios as
// callers and headless baresip phones that register and answer, both on
// loopback, with their logs for a failing test. It is imported by tests
// only (hotline's and the consoles'); sipp and baresip come from Debian's
// sip-tester and baresip-core, which make test installs.
package peers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// FreePort returns a UDP port on 127.0.0.1 with the next three also free
// (sipp's media uses port and port+2).
func FreePort(t testing.TB) int {
	t.Helper()
	for range 50 {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		p := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		if p%2 == 1 || p > 65000 {
			continue
		}
		ok := true
		for i := 1; i < 4 && ok; i++ {
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p + i})
			if err != nil {
				ok = false
				continue
			}
			c.Close()
		}
		if ok {
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

// Sipp is a sipp process started by a test.
type Sipp struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan error
	dir  string
}

// StartSipp runs a sipp scenario file against target (host:port),
// as a caller of 96128 unless args say otherwise. It fails the test when
// sipp is not installed.
func StartSipp(t testing.TB, scenario, target string, args ...string) *Sipp {
	t.Helper()
	bin, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatalf("sipp is required (Debian package sip-tester, installed by make test): %v", err)
	}
	sf, err := filepath.Abs(scenario)
	if err != nil {
		t.Fatal(err)
	}
	r := &Sipp{dir: t.TempDir(), done: make(chan error, 1)}
	full := []string{"-sf", sf, "-i", "127.0.0.1", "-p", strconv.Itoa(FreePort(t)), "-mp", strconv.Itoa(FreePort(t)),
		"-s", "96128", "-m", "1", "-nostdin", "-timeout", "90s", "-timeout_error", "-trace_err", "-trace_msg"}
	full = append(full, args...)
	if target != "" {
		full = append(full, target)
	}
	r.cmd = exec.Command(bin, full...)
	r.cmd.Dir = r.dir
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			r.cmd.Process.Kill()
			<-r.done
		}
		if t.Failed() { // what sipp sent and received tells why
			t.Logf("sipp %s:\n%s", filepath.Base(scenario), r.Logs())
		}
	})
	return r
}

// Wait waits for sipp to end and fails the test, with its logs, unless it
// succeeded.
func (r *Sipp) Wait(t testing.TB, within time.Duration) {
	t.Helper()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("sipp failed: %v\n%s", err, r.Logs())
		}
	case <-time.After(within):
		r.cmd.Process.Kill()
		<-r.done
		t.Fatalf("sipp did not finish within %v\n%s", within, r.Logs())
	}
}

func (r *Sipp) Logs() string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(r.dir, "*.log"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if len(data) > 6000 {
			data = data[len(data)-6000:]
		}
		fmt.Fprintf(&b, "--- %s\n%s\n", filepath.Base(f), data)
	}
	out := r.out.String()
	if len(out) > 3000 {
		out = out[len(out)-3000:]
	}
	return b.String() + "--- output\n" + out
}

// Baresip is a headless baresip phone that registers with govhall and
// answers automatically; ctrl_tcp drives it.
type Baresip struct {
	t    testing.TB
	ext  string
	cmd  *exec.Cmd
	ctrl net.Conn
	mu   sync.Mutex
	out  bytes.Buffer
	evs  chan map[string]any
	dir  string
	done chan struct{}
}

// StartBaresip starts a phone for extension ext registering at sipAddr;
// it sends a 440 Hz tone.
func StartBaresip(t testing.TB, ext, password, sipAddr string) *Baresip {
	t.Helper()
	return StartBaresipTone(t, ext, password, sipAddr, 440)
}

// StartBaresipTone starts a phone that sends a tone of freq Hz, so that a
// recording shows whose voice was heard.
func StartBaresipTone(t testing.TB, ext, password, sipAddr string, freq int) *Baresip {
	t.Helper()
	bin, err := exec.LookPath("baresip")
	if err != nil {
		t.Fatalf("baresip is required (Debian package baresip-core, installed by make test): %v", err)
	}
	dir := t.TempDir()
	sipPort, ctrlPort, rtp := FreePort(t), FreePort(t), FreePort(t)
	conf := fmt.Sprintf(`module_path /usr/lib/baresip/modules
sip_listen 127.0.0.1:%d
audio_source ausine,%d
audio_player aubridge,nil
ausrc_srate 48000
ausrc_channels 2
rtp_ports %d-%d
module g711.so
module ausine.so
module aubridge.so
module_tmp account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:%d
`, sipPort, freq, rtp, rtp+3, ctrlPort)
	acct := fmt.Sprintf("<sip:%s@%s;transport=udp>;auth_pass=%s;regint=60;answermode=auto;audio_codecs=PCMA,PCMU\n", ext, sipAddr, password)
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "accounts"), []byte(acct), 0o644); err != nil {
		t.Fatal(err)
	}
	b := &Baresip{t: t, ext: ext, dir: dir, evs: make(chan map[string]any, 64), done: make(chan struct{})}
	b.cmd = exec.Command(bin, "-f", dir, "-t", "300", "-s")
	b.cmd.Stdout, b.cmd.Stderr = &lockedWriter{b: b}, &lockedWriter{b: b}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { b.cmd.Wait(); close(b.done) }()
	t.Cleanup(b.Stop)
	b.connect(ctrlPort)
	return b
}

type lockedWriter struct{ b *Baresip }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.b.mu.Lock()
	defer w.b.mu.Unlock()
	return w.b.out.Write(p)
}

func (b *Baresip) Logs() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.out.String()
	if len(s) > 8000 {
		s = s[len(s)-8000:]
	}
	return s
}

func (b *Baresip) connect(port int) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			b.ctrl = c
			go b.read()
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("baresip %s: ctrl_tcp: %v\n%s", b.ext, err, b.Logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// read decodes netstring-framed JSON events from ctrl_tcp.
func (b *Baresip) read() {
	r := bufio.NewReader(b.ctrl)
	for {
		n, err := r.ReadString(':')
		if err != nil {
			return
		}
		size, err := strconv.Atoi(strings.TrimSpace(n[:len(n)-1]))
		if err != nil {
			return
		}
		msg := make([]byte, size+1)
		if _, err := io.ReadFull(r, msg); err != nil {
			return
		}
		var m map[string]any
		if json.Unmarshal(msg[:size], &m) == nil {
			select {
			case b.evs <- m:
			default:
			}
		}
	}
}

// Command sends a ctrl_tcp command.
func (b *Baresip) Command(cmd, params string) {
	js, _ := json.Marshal(map[string]string{"command": cmd, "params": params, "token": "t"})
	if _, err := fmt.Fprintf(b.ctrl, "%d:%s,", len(js), js); err != nil {
		b.t.Fatalf("baresip %s: %s: %v", b.ext, cmd, err)
	}
}

// WaitEvent waits for an event of the given type (CALL_ESTABLISHED …).
func (b *Baresip) WaitEvent(typ string, within time.Duration) {
	b.t.Helper()
	deadline := time.After(within)
	for {
		select {
		case m := <-b.evs:
			if m["type"] == typ {
				return
			}
		case <-deadline:
			b.t.Fatalf("baresip %s: no %s event within %v\n%s", b.ext, typ, within, b.Logs())
		}
	}
}

// Kill ends baresip at once (SIGKILL), leaving its registration behind as
// a phone does that loses power.
func (b *Baresip) Kill() {
	if b.ctrl != nil {
		b.ctrl.Close()
	}
	b.cmd.Process.Kill()
	<-b.done
}

func (b *Baresip) Stop() {
	if b.ctrl != nil {
		b.ctrl.Close()
	}
	select {
	case <-b.done:
		return
	default:
	}
	b.cmd.Process.Signal(os.Interrupt)
	select {
	case <-b.done:
	case <-time.After(3 * time.Second):
		b.cmd.Process.Kill()
		<-b.done
	}
}

// Exited reports, without waiting, whether sipp has ended.
func (r *Sipp) Exited() bool {
	select {
	case err := <-r.done:
		r.done <- err
		return true
	default:
		return false
	}
}

// Output waits for sipp to end and returns what it printed (its final
// statistics screen among it).
func (r *Sipp) Output() string {
	err := <-r.done
	r.done <- err
	return r.out.String()
}

// Port returns the SIP port sipp listens on (its -p).
func (r *Sipp) Port() int {
	for i, a := range r.cmd.Args {
		if a == "-p" && i+1 < len(r.cmd.Args) {
			p, _ := strconv.Atoi(r.cmd.Args[i+1])
			return p
		}
	}
	return 0
}

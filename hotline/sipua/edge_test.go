package sipua

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govhall/govhall/migrations/pgtest"
)

// edgeConfig is deploy/kamailio/kamailio.cfg with its settings replaced:
// Kamailio at ip:port, its dispatcher.list and control socket in rundir.
func edgeConfig(t *testing.T, ip string, port int, rundir string) string {
	t.Helper()
	cfg, err := os.ReadFile(filepath.Join("..", "..", "deploy", "kamailio", "kamailio.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(cfg)
	for old, repl := range map[string]string{
		`#!substdef "!EDGE_IP!127.0.0.1!g"`:    fmt.Sprintf(`#!substdef "!EDGE_IP!%s!g"`, ip),
		`#!substdef "!EDGE_PORT!5060!g"`:       fmt.Sprintf(`#!substdef "!EDGE_PORT!%d!g"`, port),
		`#!substdef "!RUNDIR!/run/kamailio!g"`: fmt.Sprintf(`#!substdef "!RUNDIR!%s!g"`, rundir),
		`#!substdef "!DISPATCHER_LIST!/etc/kamailio/dispatcher.list!g"`: fmt.Sprintf(`#!substdef "!DISPATCHER_LIST!%s!g"`,
			filepath.Join(rundir, "dispatcher.list")),
	} {
		if !strings.Contains(s, old) {
			t.Fatalf("kamailio.cfg has no line %s", old)
		}
		s = strings.Replace(s, old, repl, 1)
	}
	return s
}

// The configurations in deploy/ are valid for the installed Kamailio (with
// and without FAST_FAILOVER), HAProxy and systemd.
func TestDeployConfigsValid(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "kamailio.cfg")
	if err := os.WriteFile(file, []byte(edgeConfig(t, "127.0.0.1", 5060, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-c", "-f", file}, {"-A", "FAST_FAILOVER", "-c", "-f", file}} {
		if out, err := exec.Command(tool(t, "kamailio"), args...).CombinedOutput(); err != nil {
			t.Errorf("kamailio %v: %v\n%s", args, err, out)
		}
	}
	hcfg := filepath.Join("..", "..", "deploy", "haproxy", "haproxy.cfg")
	if out, err := exec.Command(tool(t, "haproxy"), "-c", "-f", hcfg).CombinedOutput(); err != nil {
		t.Errorf("haproxy -c: %v\n%s", err, out)
	}
	unit, err := os.ReadFile(filepath.Join("..", "..", "deploy", "systemd", "govhall.service"))
	if err != nil {
		t.Fatal(err)
	}
	// verify wants the binary to exist; it reports unknown or bad
	// settings on its output without failing, so any output fails here.
	ufile := filepath.Join(dir, "govhall.service")
	if err := os.WriteFile(ufile, bytes.ReplaceAll(unit, []byte("/usr/local/bin/govhall"), []byte(tool(t, "true"))), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool(t, "systemd-analyze"), "verify", ufile).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify govhall.service: %v\n%s", err, out)
	}
}

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		for _, d := range []string{"/usr/sbin", "/sbin"} {
			if _, serr := os.Stat(filepath.Join(d, name)); serr == nil {
				return filepath.Join(d, name)
			}
		}
		t.Fatalf("%s is required (make deps-test installs it): %v", name, err)
	}
	return p
}

// freeUDP returns a free UDP port on ip.
func freeUDP(t *testing.T, ip string) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// edge is a Kamailio started from deploy/kamailio by a test.
type edge struct {
	addr   netip.AddrPort
	rundir string
	out    *bytes.Buffer
}

// startEdge runs Kamailio at ip on a free port in front of nodes, and
// waits until it has marked every node active; it is killed by PID when
// the test ends.
func startEdge(t *testing.T, ip string, nodes ...*Server) *edge {
	t.Helper()
	e := &edge{rundir: t.TempDir(), out: &bytes.Buffer{}}
	port := freeUDP(t, ip)
	e.addr = netip.AddrPortFrom(netip.MustParseAddr(ip), uint16(port))
	var list strings.Builder
	for i, n := range nodes {
		fmt.Fprintf(&list, "1 sip:%s 8 0 duid=node-%d\n", n.Addr(), i)
	}
	cfg := filepath.Join(e.rundir, "kamailio.cfg")
	if err := os.WriteFile(filepath.Join(e.rundir, "dispatcher.list"), []byte(list.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(edgeConfig(t, ip, port, e.rundir)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tool(t, "kamailio"), "-f", cfg, "-DD", "-E", "-m", "32", "-M", "8", "-P", filepath.Join(e.rundir, "kamailio.pid"))
	cmd.Stdout, cmd.Stderr = e.out, e.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		pid := cmd.Process.Pid
		_ = syscall.Kill(pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-pid, syscall.SIGKILL) // its process group: the main process and its children
			<-done
		}
		if t.Failed() {
			t.Logf("kamailio:\n%s", tail(e.out.String(), 6000))
		}
	})
	e.waitActive(t, len(nodes), done)
	return e
}

// waitActive waits until dispatcher.list shows n nodes active (AP).
func (e *edge) waitActive(t *testing.T, n int, done <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var out []byte
	for time.Now().Before(deadline) {
		select {
		case <-done:
			t.Fatalf("kamailio exited:\n%s", tail(e.out.String(), 6000))
		default:
		}
		out, _ = exec.Command(tool(t, "kamcmd"), "-s", "unix:"+filepath.Join(e.rundir, "kamailio_ctl"), "dispatcher.list").CombinedOutput()
		if strings.Count(string(out), "FLAGS: AP") == n {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("kamailio did not mark %d nodes active:\n%s\n%s", n, out, tail(e.out.String(), 4000))
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// sippPhone runs a sipp scenario of testdata/sipp as the phone at ip:port.
func sippPhone(t *testing.T, scenario, ip string, port int, target string, args ...string) (wait func(within time.Duration)) {
	t.Helper()
	dir := t.TempDir()
	sf, _ := filepath.Abs(filepath.Join("testdata", "sipp", scenario))
	full := append([]string{"-sf", sf, "-i", ip, "-p", strconv.Itoa(port), "-mp", strconv.Itoa(freeUDP(t, ip)),
		"-s", "8001", "-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error", "-trace_err", "-trace_msg"}, args...)
	if target != "" {
		full = append(full, target)
	}
	cmd := exec.Command(tool(t, "sipp"), full...)
	var out bytes.Buffer
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 1)
	go func() { res <- cmd.Wait() }()
	logs := func() string {
		var b strings.Builder
		files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
		for _, f := range files {
			data, _ := os.ReadFile(f)
			fmt.Fprintf(&b, "--- %s\n%s\n", filepath.Base(f), tail(string(data), 6000))
		}
		return b.String() + "--- output\n" + tail(out.String(), 2000)
	}
	finished := false
	t.Cleanup(func() {
		if !finished {
			cmd.Process.Kill()
			<-res
		}
	})
	return func(within time.Duration) {
		t.Helper()
		select {
		case err := <-res:
			finished = true
			if err != nil {
				t.Fatalf("sipp %s: %v\n%s", scenario, err, logs())
			}
		case <-time.After(within):
			t.Fatalf("sipp %s did not finish within %v\n%s", scenario, within, logs())
		}
	}
}

// The SIP edge end to end: a real Kamailio from deploy/kamailio in front
// of two govhall SIP servers (127.0.0.2 and .3) sharing one PostgreSQL. A
// sipp phone on 127.0.0.21 registers through Kamailio, so one node stores
// the Path with the phone's source; the other node, which never saw the
// REGISTER, finds the binding in the database and calls the phone through
// Kamailio along that Path: 180, 200, ACK, and our BYE answered (the phone
// checks the INVITE came through the edge). A caller dialling the hotline
// at the edge gets a node's answer. A REGISTER with a forged Path sent
// straight to a node is refused.
func TestEdgeCallThroughPath(t *testing.T) {
	store := NewStore(pgtest.New(t))
	a := startNode(t, "127.0.0.2", "node-a", store, "127.0.0.1")
	b := startNode(t, "127.0.0.3", "node-b", store, "127.0.0.1")
	e := startEdge(t, "127.0.0.1", a, b)
	phonePort := freeUDP(t, "127.0.0.21")
	sippPhone(t, "phone_register.xml", "127.0.0.21", phonePort, e.addr.String(), "-au", "8001", "-ap", "secret")(20 * time.Second)

	bs := mustBindings(t, store, "8001")
	if len(bs) != 1 || len(bs[0].Path) != 1 || !strings.Contains(bs[0].Path[0], fmt.Sprintf("received=sip:127.0.0.21:%d", phonePort)) {
		t.Fatalf("stored bindings %+v", bs)
	}
	took, other := a, b
	if bs[0].NodeID == "node-b" {
		took, other = b, a
	}
	t.Logf("REGISTER taken by %s, Path %s; calling from the other node", bs[0].NodeID, bs[0].Path[0])
	if took.Registrar().Bindings("8001")[0].NodeID != bs[0].NodeID {
		t.Fatal("the node that took the REGISTER lost it")
	}

	answer := sippPhone(t, "phone_answer.xml", "127.0.0.21", phonePort, "")
	time.Sleep(300 * time.Millisecond) // sipp binds its port
	obs := other.Registrar().Bindings("8001")
	if len(obs) != 1 {
		t.Fatalf("the other node sees bindings %+v", obs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	rang := make(chan struct{}, 1)
	o, err := other.Dial(ctx, DialRequest{Target: TargetOf(obs[0]), FromUser: "96128", SDP: testOffer(other),
		OnRinging: func() { rang <- struct{}{} }})
	if err != nil {
		t.Fatalf("dial the phone through the edge: %v", err)
	}
	select {
	case <-rang:
	default:
		t.Error("no 180 seen before the answer")
	}
	if !bytes.Contains(o.Answer, []byte("m=audio")) {
		t.Errorf("answer SDP %q", o.Answer)
	}
	if err := o.Hangup(ctx); err != nil {
		t.Fatalf("BYE through the edge: %v", err)
	}
	answer(15 * time.Second)

	// A caller dialling 96128 at the edge reaches a node (the edge's
	// address counts as ours) and gets that node's 486, not a failover.
	sippPhone(t, "caller_busy.xml", "127.0.0.23", freeUDP(t, "127.0.0.23"), e.addr.String(), "-s", "96128")(15 * time.Second)

	// The same Path forged by someone sending straight to a node: 403, and
	// the binding from the edge stays as it was.
	forged := fmt.Sprintf("Path: <sip:edge@%s;lr;received=sip:127.0.0.99:5060>\r\n", e.addr)
	if res := phoneAt(t, "127.0.0.22", other).registerAuth("8001", "secret", forged); res.StatusCode != 403 {
		t.Errorf("forged Path straight to a node: %d %s, want 403", res.StatusCode, res.Reason)
	}
	if after := mustBindings(t, store, "8001"); len(after) != 1 || after[0].Path[0] != bs[0].Path[0] {
		t.Errorf("bindings after the forged REGISTER %+v", after)
	}
}

func testOffer(s *Server) []byte {
	ip := s.Addr().Addr().String()
	return []byte("v=0\r\no=govhall 1 1 IN IP4 " + ip + "\r\ns=-\r\nc=IN IP4 " + ip + "\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n")
}

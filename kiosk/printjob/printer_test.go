package printjob_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govhall/govhall/kiosk/printjob"
)

// fakePrinter is a network printer on loopback port: it records the jobs it
// receives and answers DLE EOT n at the start of a connection with
// replies[n-1], unless mute.
type fakePrinter struct {
	ln      net.Listener
	replies [4]byte
	silent  bool // never answers status queries
	stuck   bool // never reads
	wg      sync.WaitGroup
	mu      sync.Mutex
	jobs    [][]byte
	queries []byte
	done    chan struct{}
	stop    chan struct{}
}

const okReply = 0x12 // fixed bits only: online, paper present

// Behaviours of a fake printer beyond answering.
const (
	answers = iota
	mute    // accepts and reads, never answers a status query
	noRead  // accepts, never reads
)

func newFakePrinter(t *testing.T, replies [4]byte, mode int) *fakePrinter {
	t.Helper()
	return newFakePrinterAt(t, "127.0.0.1:0", replies, mode)
}

func newFakePrinterAt(t *testing.T, addr string, replies [4]byte, mode int) *fakePrinter {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("fake printer on %s: %v", addr, err)
	}
	fp := &fakePrinter{ln: ln, replies: replies, silent: mode == mute, stuck: mode == noRead,
		done: make(chan struct{}, 16), stop: make(chan struct{})}
	fp.wg.Add(1)
	go fp.serve()
	t.Cleanup(fp.close)
	return fp
}

func (fp *fakePrinter) addr() string { return fp.ln.Addr().String() }

func (fp *fakePrinter) close() {
	close(fp.stop)
	fp.ln.Close()
	fp.wg.Wait()
}

func (fp *fakePrinter) serve() {
	defer fp.wg.Done()
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := fp.ln.Accept()
		if err != nil {
			return
		}
		conns.Add(1)
		go func() {
			defer conns.Done()
			fp.handle(c)
		}()
	}
}

func (fp *fakePrinter) handle(c net.Conn) {
	defer c.Close()
	// Never block past the test: the listener's Close does not reach
	// connections that are already open.
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if fp.stuck {
		<-fp.stop
		return
	}
	var job bytes.Buffer
	buf := make([]byte, 4096)
	statusPhase := true
	for {
		n, err := c.Read(buf)
		data := buf[:n]
		for statusPhase && len(data) >= 3 && data[0] == 0x10 && data[1] == 0x04 && data[2] >= 1 && data[2] <= 4 {
			fp.mu.Lock()
			fp.queries = append(fp.queries, data[2])
			fp.mu.Unlock()
			if !fp.silent {
				c.Write([]byte{fp.replies[data[2]-1]})
			}
			data = data[3:]
		}
		if len(data) > 0 {
			statusPhase = false
			job.Write(data)
		}
		if err != nil {
			break
		}
	}
	if job.Len() > 0 {
		fp.mu.Lock()
		fp.jobs = append(fp.jobs, job.Bytes())
		fp.mu.Unlock()
		fp.done <- struct{}{}
	}
}

func (fp *fakePrinter) waitJob(t *testing.T) []byte {
	t.Helper()
	select {
	case <-fp.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the printer received no job")
	}
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return fp.jobs[len(fp.jobs)-1]
}

func TestSendDelivers(t *testing.T) {
	fp := newFakePrinter(t, [4]byte{okReply, okReply, okReply, okReply}, answers)
	_, job := build(t, sampleSlip(), mustProfile(t, "kp628e-58"))
	if err := printjob.Send(context.Background(), fp.addr(), job); err != nil {
		t.Fatal(err)
	}
	if got := fp.waitJob(t); !bytes.Equal(got, job) {
		t.Errorf("printer received %d bytes, want the %d of the job", len(got), len(job))
	}
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestSendRefused(t *testing.T) {
	addr := closedAddr(t)
	err := printjob.Send(context.Background(), addr, []byte("x\n"))
	if !errors.Is(err, printjob.ErrUnreachable) || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), addr) {
		t.Errorf("err = %v, want ErrUnreachable saying connection refused at %s", err, addr)
	}
	if err := printjob.Send(context.Background(), " ", nil); !errors.Is(err, printjob.ErrNoPrinter) {
		t.Errorf("empty address: err = %v, want ErrNoPrinter", err)
	}
}

// TestSendTimeout: a printer that accepts but never reads (paper jam, full
// buffer) makes Send time out instead of hanging the kiosk.
func TestSendTimeout(t *testing.T) {
	fp := newFakePrinter(t, [4]byte{}, noRead)
	c := printjob.Client{WriteTimeout: 300 * time.Millisecond}
	start := time.Now()
	err := c.Send(context.Background(), fp.addr(), make([]byte, 64<<20))
	if !errors.Is(err, printjob.ErrTimeout) {
		t.Errorf("err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Send took %v with a 300 ms write timeout", d)
	}
}

func TestSendContextCancelled(t *testing.T) {
	fp := newFakePrinter(t, [4]byte{}, noRead)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := printjob.Send(ctx, fp.addr(), make([]byte, 64<<20))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
}

func TestStatus(t *testing.T) {
	const o = okReply
	cases := []struct {
		name    string
		replies [4]byte
		state   string
		asked   string
	}{
		{"ok", [4]byte{o, o, o, o}, printjob.StateOK, "\x01\x04"},
		{"near end", [4]byte{o, o, o, o | 0x0C}, printjob.StatePaperNearEnd, "\x01\x04"},
		{"paper out", [4]byte{o | 0x08, o | 0x20, o, o | 0x6C}, printjob.StatePaperOut, "\x01\x04\x02\x03"},
		{"cover open", [4]byte{o | 0x08, o | 0x04, o, o}, printjob.StateCoverOpen, "\x01\x04\x02\x03"},
		{"cutter", [4]byte{o | 0x08, o | 0x40, o | 0x08, o}, printjob.StateError, "\x01\x04\x02\x03"},
		{"offline", [4]byte{o | 0x08, o, o, o}, printjob.StateOffline, "\x01\x04\x02\x03"},
	}
	for _, c := range cases {
		fp := newFakePrinter(t, c.replies, answers)
		st, err := printjob.Status(context.Background(), fp.addr())
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if st.State != c.state || st.Message == "" || st.Replies[0] != c.replies[0] {
			t.Errorf("%s: status %+v, want %s", c.name, st, c.state)
		}
		if st.CanPrint() != (c.state == printjob.StateOK || c.state == printjob.StatePaperNearEnd) {
			t.Errorf("%s: CanPrint = %v", c.name, st.CanPrint())
		}
		fp.mu.Lock()
		if string(fp.queries) != c.asked {
			t.Errorf("%s: asked DLE EOT % d, want % d", c.name, fp.queries, []byte(c.asked))
		}
		fp.mu.Unlock()
	}
}

func TestStatusFailures(t *testing.T) {
	silent := newFakePrinter(t, [4]byte{}, mute)
	c := printjob.Client{ReplyTimeout: 200 * time.Millisecond}
	st, err := c.Status(context.Background(), silent.addr())
	if !errors.Is(err, printjob.ErrTimeout) || st.State != printjob.StateUnreachable || !strings.Contains(st.Message, "无响应") {
		t.Errorf("mute printer: %+v, %v; want unreachable with ErrTimeout", st, err)
	}

	garbage := newFakePrinter(t, [4]byte{0xFF, 0xFF, 0xFF, 0xFF}, answers)
	st, err = c.Status(context.Background(), garbage.addr())
	if !errors.Is(err, printjob.ErrBadReply) || st.State != printjob.StateUnreachable {
		t.Errorf("garbage reply: %+v, %v; want ErrBadReply", st, err)
	}

	addr := closedAddr(t)
	st, err = c.Status(context.Background(), addr)
	if !errors.Is(err, printjob.ErrUnreachable) || !strings.Contains(st.Message, addr) {
		t.Errorf("refused: %+v, %v", st, err)
	}
	st, err = c.Status(context.Background(), "")
	if !errors.Is(err, printjob.ErrNoPrinter) || !strings.Contains(st.Message, "未配置") {
		t.Errorf("no address: %+v, %v", st, err)
	}
}

// TestDefaultPort: an address without a port means 9100.
func TestDefaultPort(t *testing.T) {
	fp := newFakePrinterAt(t, "127.0.0.1:9100", [4]byte{okReply, okReply, okReply, okReply}, answers)
	if err := printjob.Send(context.Background(), "127.0.0.1", []byte("x\n")); err != nil {
		t.Fatal(err)
	}
	if got := fp.waitJob(t); string(got) != "x\n" {
		t.Errorf("printer on 9100 received %q", got)
	}
}

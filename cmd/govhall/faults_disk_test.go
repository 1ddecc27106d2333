package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/peers"
)

// diskFree is what is left on the recordings disk when the first call
// starts: four seconds of a stereo recording.
const diskFree = 128 << 10

// testRecordingsDiskFull: the recordings directory is a 2 MiB tmpfs
// almost full. A call in progress when it fills keeps its operator and
// its audio; its recording stops, is kept as far as it reached the disk
// (a playable file), and the record says so; a call that starts on the
// full disk is connected unrecorded, and says so too; each failure is
// logged as an error at once. Without root, which mounting needs, the
// directory is made unwritable instead, and only the unrecorded call is
// tried.
func testRecordingsDiskFull(t *testing.T, bin string) {
	e := newFaultEnv(t, bin, "", "GOVHALL_OFFICE_HOURS=00:00-23:59", "GOVHALL_WRAPUP=1s")
	e.makeWorkingDay(t)
	e.shortGreeting(t)
	dir := filepath.Join(e.dataDir, "recordings")
	full := e.smallRecordingsDisk(t, dir)
	p := e.serve()
	operator := peers.StartBaresipTone(t, "8001", faultPassword, e.sipAddr, 440) // answers both calls (the queue waits for it)
	if full {
		first, st := dial(t, e.sipAddr)
		if st != 200 {
			t.Fatalf("the first call got %d", st)
		}
		operator.WaitEvent("CALL_ESTABLISHED", 30*time.Second)
		p.waitLog(30*time.Second, "recording failed", "no space left on device")
		heard := first.heard.Load()
		time.Sleep(2 * time.Second)
		if first.heard.Load()-heard < 50 {
			t.Errorf("the caller heard %d packets in the 2 s after the disk filled: the call lost its audio", first.heard.Load()-heard)
		}
		first.hangup()
		c := e.closedCall(t, first.callID)
		if c.Outcome != "answered" || !strings.Contains(c.Reason, "recording stopped after") || !strings.Contains(c.Reason, "no space left on device") {
			t.Errorf("the call whose recording filled the disk: %+v", c)
		}
		if frames := checkWAVOnDisk(t, c.Path, c.Size); frames == 0 || int64(frames)*1000/8000 != c.Millis {
			t.Errorf("its recording holds %d frames, the record says %d ms", frames, c.Millis)
		}
		fill(t, dir) // what the first recording's end may have left
	}
	second, st := dial(t, e.sipAddr)
	if st != 200 {
		t.Fatalf("a call on the full disk got %d", st)
	}
	operator.WaitEvent("CALL_ESTABLISHED", 30*time.Second)
	heard := second.heard.Load()
	time.Sleep(time.Second)
	if second.heard.Load()-heard < 25 {
		t.Errorf("the unrecorded call heard %d packets from its operator in a second", second.heard.Load()-heard)
	}
	second.hangup()
	c := e.closedCall(t, second.callID)
	if c.Outcome != "answered" || !strings.Contains(c.Reason, "not recorded") || c.Path != "" {
		t.Errorf("the call on the full disk: %+v", c)
	}
	want := 1
	if full {
		want = 2
	}
	if n := strings.Count(p.logs.String(), "recording failed, the call goes on without it"); n < want {
		t.Errorf("%d recording failures logged, want %d", n, want)
	}
	// What the GovhallRecordingFailures alert of deploy/ watches.
	st, body := e.get("/metrics", "")
	if st != http.StatusOK || !strings.Contains(string(body), fmt.Sprintf("govhall_recording_failures_total %d\n", want)) {
		t.Errorf("/metrics: %d, want govhall_recording_failures_total %d", st, want)
	}
}

// smallRecordingsDisk mounts a 2 MiB tmpfs at dir and fills it up to
// diskFree (true), or, without root, makes dir unwritable (false).
func (e *faultEnv) smallRecordingsDisk(t *testing.T, dir string) bool {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		t.Logf("not root: no tmpfs; the recordings directory is made unwritable instead")
		os.Chmod(dir, 0o555)
		return false
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	filler := make([]byte, int64(st.Bavail)*st.Bsize-diskFree)
	if err := os.WriteFile(filepath.Join(dir, "filler"), filler, 0o644); err != nil {
		t.Fatal(err)
	}
	return true
}

// fill writes to dir until no space is left.
func fill(t *testing.T, dir string) {
	f, err := os.Create(filepath.Join(dir, "filler2"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			return
		}
	}
}

type closedCall struct {
	Outcome string `db:"outcome"`
	Reason  string `db:"end_reason"`
	Path    string `db:"recording_path"`
	Size    int64  `db:"recording_size"`
	Millis  int64  `db:"recording_duration_ms"`
}

// closedCall waits for the record of a call to be closed and returns it.
func (e *faultEnv) closedCall(t *testing.T, sipCallID string) closedCall {
	t.Helper()
	var c closedCall
	waitFor(t, 10*time.Second, "the call closed", func() bool {
		return e.db.Get(&c, `SELECT outcome, end_reason, recording_path, recording_size, recording_duration_ms FROM calls
			WHERE sip_call_id = $1 AND ended_at IS NOT NULL`, sipCallID) == nil
	})
	return c
}

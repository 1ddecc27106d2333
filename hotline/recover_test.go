package hotline

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/migrations/pgtest"
)

// A call cut off by a crash is closed at the next start, with its
// recording's header repaired so the file plays.
func TestRecoverCutOffCall(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	seedHotline(t, db)
	data := t.TempDir()
	store := calls.NewStore(db)
	ctx := context.Background()
	id, err := store.StartCall(ctx, calls.NewCall{SIPCallID: "crash@test", Caller: "13800138000", At: workingMorning})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(data, "recordings", "1.wav")
	os.MkdirAll(filepath.Dir(path), 0o755)
	// What a Recorder leaves on disk when the process dies: a header with
	// zero sizes, 0.5 s of stereo samples and a torn last frame.
	hdr := make([]byte, 44)
	copy(hdr, "RIFF\x00\x00\x00\x00WAVEfmt ")
	binary.LittleEndian.PutUint32(hdr[16:], 16)
	binary.LittleEndian.PutUint16(hdr[20:], 1)
	binary.LittleEndian.PutUint16(hdr[22:], 2)
	binary.LittleEndian.PutUint32(hdr[24:], 8000)
	binary.LittleEndian.PutUint32(hdr[28:], 32000)
	binary.LittleEndian.PutUint16(hdr[32:], 4)
	binary.LittleEndian.PutUint16(hdr[34:], 16)
	copy(hdr[36:], "data")
	if err := os.WriteFile(path, append(hdr, make([]byte, 16000+3)...), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := store.Answered(ctx, id, workingMorning, "PCMA", path); err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, db, data, workingMorning.Add(time.Hour), nil)
	c, err := e.store.Call(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Outcome != calls.OutcomeCutOff || c.EndedAt == nil || c.Recording == nil || !c.Recording.Repaired {
		t.Fatalf("after restart: %+v rec %+v", c, c.Recording)
	}
	if c.Recording.DurationS != 0.5 || c.Recording.Size != 44+16000 {
		t.Fatalf("repaired recording %+v", c.Recording)
	}
	w := e.recording(c)
	if w.Frames() != 4000 {
		t.Fatalf("%d frames", w.Frames())
	}
}

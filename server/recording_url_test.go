package server_test

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/recstore"
	"github.com/govhall/govhall/server"
)

// A recording named by file:// URL in its record (hotline/recstore) is
// served by the download route, as the console's playback fetches it; a
// record whose file is gone answers 404, and one still being written
// (its partial file only, no checksum yet) too.
func TestRecordingServedByURL(t *testing.T) {
	f := newFixture(t)
	store := recstore.NewDir(t.TempDir())
	h, err := hotline.New(hotline.Config{SIPAddr: "127.0.0.1:0", DataDir: t.TempDir(), Recordings: store}, f.db, alwaysOpen{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = server.New(server.Deps{Log: slog.New(slog.DiscardHandler), DB: f.db, Staff: f.staff, Catalog: f.catalog,
		PublicBaseURL: "http://hall.test", Calls: h})
	ctx := context.Background()
	st := h.Store()
	at := time.Date(2025, 9, 30, 2, 0, 0, 0, time.UTC)
	body := "RIFF a recording named by URL"
	call := func(sip string, finish, end bool) int64 {
		t.Helper()
		p, err := store.Begin("2025/09/30/a-" + sip)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p.Path, []byte(body), 0o640); err != nil {
			t.Fatal(err)
		}
		if finish {
			if err := store.Finalise(p); err != nil {
				t.Fatal(err)
			}
		}
		id, err := st.StartCall(ctx, calls.NewCall{SIPCallID: sip + "@test", Caller: "13812345678", At: at})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Answered(ctx, id, at, "PCMA", p.URL); err != nil {
			t.Fatal(err)
		}
		if end {
			if err := st.EndCall(ctx, id, at.Add(time.Minute), calls.OutcomeAnswered, "caller hung up",
				calls.Recording{Path: p.URL, SHA256: strings.Repeat("ab", 32), Duration: time.Minute, Size: int64(len(body))}); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	done, open, gone := call("done", true, true), call("open", false, false), call("gone", true, true)
	path, _ := h.Store().RecordingPath(ctx, gone, calls.Actor{Username: "test"})
	file, _ := recstore.FilePath(path)
	os.Remove(file)
	token := f.login("supervisor1")
	url := func(id int64) string { return "/api/v1/calls/" + strconv.FormatInt(id, 10) + "/recording" }
	if st, got := f.do("GET", url(done), token, ""); st != 200 || got != body {
		t.Errorf("finished recording: %d %q", st, got)
	}
	for what, id := range map[string]int64{"still being written": open, "file gone": gone} {
		if st, got := f.do("GET", url(id), token, ""); st != 404 {
			t.Errorf("recording %s: %d %q, want 404", what, st, got)
		}
	}
}

package retention_test

import (
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/recstore"
	"github.com/govhall/govhall/hotline/retention"
)

// A recording and a message named by file:// URL (hotline/recstore) are
// deleted through the URL, next to one of an older record holding a
// plain path; a partial file left of a recording goes too. (Before
// recordings were named by URL, the purge took the URL for a path, found
// no such file and marked the calls purged with their files still on
// disk.)
func TestRecordingsByURLArePurged(t *testing.T) {
	f := newFixture(t)
	st := calls.NewStore(f.db)
	store := recstore.NewDir(f.dir)
	end := at(2023, 3, 1)
	begin := func(name string) recstore.Partial {
		p, err := store.Begin(name)
		f.must(err)
		f.must(os.WriteFile(p.Path, []byte("RIFF a recording of the test, long enough for the check"), 0o640))
		f.must(store.Finalise(p))
		return p
	}
	rec, msg := begin("2023/03/01/a-1"), begin("2023/03/01/a-1-voicemail")
	id, err := st.StartCall(f.ctx, calls.NewCall{SIPCallID: "url@test", Caller: "13812345678", At: end.Add(-time.Minute)})
	f.must(err)
	f.must(st.Answered(f.ctx, id, end.Add(-time.Minute), "PCMA", rec.URL))
	f.must(st.EndCall(f.ctx, id, end, calls.OutcomeVoicemail, "caller hung up",
		calls.Recording{Path: rec.URL, SHA256: strings.Repeat("ab", 32), Duration: time.Minute, Size: 56}))
	f.must(st.SaveVoicemail(f.ctx, calls.Voicemail{CallID: id, Kind: "voicemail",
		Recording: calls.Recording{Path: msg.URL, SHA256: strings.Repeat("cd", 32), Duration: time.Second, Size: 56}}))
	f.db.MustExec(`UPDATE call_voicemails SET created_at = $2 WHERE call_id = $1`, id, end)
	// A partial file under the recording's name (a repair that never ran).
	left := rec.Path
	f.must(os.WriteFile(left, []byte("RIFF"), 0o640))
	_, oldRec, _ := f.call(st, at(2023, 2, 1), false) // a plain path

	r, err := retention.New(f.db, slog.New(slog.DiscardHandler), retention.Period{Years: 1}, retention.Period{}).
		Files(store).Run(f.ctx, now)
	f.must(err)
	if r.Recordings != 2 || r.Voicemails != 1 {
		t.Errorf("report %+v, want two recordings and one message", r)
	}
	for _, p := range []recstore.Partial{rec, msg} {
		file, err := recstore.FilePath(p.URL)
		f.must(err)
		if exists(file) {
			t.Errorf("%s is still on disk", file)
		}
	}
	if exists(left) || exists(oldRec) {
		t.Errorf("left on disk: partial file %v, the plain path's file %v", exists(left), exists(oldRec))
	}
}

package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/retention"
)

// TestPurgedRecordingAnswers410: once the retention purge has deleted a
// call's recording, its URL answers 410 with a sentence saying so and
// when, and the call list says the recording was purged.
func TestPurgedRecordingAnswers410(t *testing.T) {
	f, id := callFixture(t) // a call of 2025-09-30
	sup := f.login("supervisor1")
	url := "/api/v1/calls/" + strconv.FormatInt(id, 10) + "/recording"
	if st, body := f.do("GET", url, sup, ""); st != 200 {
		t.Fatalf("before the purge: %d %s", st, body)
	}
	purged := time.Date(2026, 10, 8, 19, 0, 0, 0, time.UTC) // 2026-10-09 in Shanghai
	p := retention.New(f.db, slog.New(slog.DiscardHandler), retention.Period{Years: 1}, retention.Period{})
	if r, err := p.Run(context.Background(), purged); err != nil || r.Recordings != 1 {
		t.Fatalf("purge: %+v, %v", r, err)
	}
	st, body := f.do("GET", url, sup, "")
	var e struct{ Error string }
	json.Unmarshal([]byte(body), &e)
	if st != 410 || !strings.Contains(e.Error, "2026-10-09") || !strings.Contains(e.Error, "删除") {
		t.Errorf("after the purge: %d %s, want 410 saying it was deleted on 2026-10-09", st, body)
	}
	_, list := f.do("GET", "/api/v1/calls", sup, "")
	if !strings.Contains(list, `"purged_at":"2026-10-08T19:00:00Z"`) {
		t.Errorf("the call list does not say the recording was purged: %.600s", list)
	}
}

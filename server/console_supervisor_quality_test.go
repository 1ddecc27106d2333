package server_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govhall/govhall/hotline/media"
)

// recordedCall stores an answered call of the operator with a real stereo
// WAV recording (a tone on each channel), as the hotline would.
func recordedCall(t *testing.T, r *consoleRig, operator string, rating int, ago time.Duration) int64 {
	t.Helper()
	start := time.Now().Add(-ago)
	path := filepath.Join(t.TempDir(), fmt.Sprintf("%d.wav", start.UnixNano()))
	at := start
	rec, err := media.NewRecorder(path, 2, start, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 { // 8 s in 200 ms steps
		l, rt := make([]int16, 1600), make([]int16, 1600)
		for j := range l {
			n := float64(i*1600 + j)
			l[j] = int16(8000 * math.Sin(2*math.Pi*440*n/8000))
			rt[j] = int16(8000 * math.Sin(2*math.Pi*660*n/8000))
		}
		rec.WritePCM(media.Left, l)
		rec.WritePCM(media.Right, rt)
		at = at.Add(200 * time.Millisecond)
	}
	info, err := rec.Close()
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	sat := any(nil)
	if rating > 0 {
		sat = rating
	}
	if err := r.db.Get(&id, `INSERT INTO calls (sip_call_id, caller, started_at, answered_at, queued_at, dequeued_at, ended_at, outcome,
			satisfaction, codec, recording_path, recording_sha256, recording_duration_ms, recording_size)
		VALUES (md5(random()::text), '13800138000', $1::timestamptz, $1::timestamptz, $1::timestamptz, $1::timestamptz + interval '8 seconds', $1::timestamptz + interval '2 minutes', 'answered', $2, 'PCMA', $3, $4, $5, $6)
		RETURNING id`, start, sat, info.Path, info.SHA256, info.Duration.Milliseconds(), info.Size); err != nil {
		t.Fatal(err)
	}
	if _, err := r.db.Exec(`INSERT INTO call_legs (call_id, party, account_id, extension, started_at, answered_at, ended_at, result, ended_by)
		VALUES ($1, 'operator', $2, '8001', $3::timestamptz + interval '8 seconds', $3::timestamptz + interval '10 seconds', $3::timestamptz + interval '2 minutes', 'answered', 'party')`,
		id, r.actors[operator].AccountID, start); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestSupervisorQualityReview walks the quality review (质检) in Chromium:
// the admin defines a form with a 致命项; the supervisor samples the
// operator's calls, listens to a recording in the page (speed and seek;
// the access is audited) and scores it with the 致命项 failed — total 0 —
// and makes it final; the operator sees the result on /console/quality/mine
// and appeals within the limit; the supervisor refuses the appeal (the
// original score stays); an older result can no longer be appealed.
func TestSupervisorQualityReview(t *testing.T) {
	r := newConsoleRig(t, withHotline)
	low := recordedCall(t, r, "operator1", 1, time.Hour)
	recordedCall(t, r, "operator1", 5, 2*time.Hour)
	old := recordedCall(t, r, "operator1", 4, 3*time.Hour)

	r.login("admin1")
	r.do("the forms page", chromedp.Navigate(r.base+"/console/supervisor/quality/forms"), chromedp.WaitVisible(chromedp.CSS("#form-editor")))
	r.do("weights that do not add up", chromedp.SendKeys(chromedp.CSS("#form-name"), "话务服务质检"),
		chromedp.SendKeys(chromedp.CSS("#item-label-1"), "规范问候"), chromedp.SendKeys(chromedp.CSS("#item-weight-1"), "20"),
		chromedp.SendKeys(chromedp.CSS("#item-label-2"), "答复准确"), chromedp.SendKeys(chromedp.CSS("#item-weight-2"), "50"),
		chromedp.SendKeys(chromedp.CSS("#item-label-3"), "服务态度"), chromedp.SendKeys(chromedp.CSS("#item-weight-3"), "20"),
		chromedp.Click(chromedp.CSS("#save-form")), chromedp.WaitVisible(chromedp.CSS("#form-editor .form-error")))
	r.check("quality forms editor")
	r.do("a 致命项 and the right weights", chromedp.Click(chromedp.CSS("#add-item")),
		chromedp.SendKeys(chromedp.CSS("#item-label-4"), "泄露来电人信息"), chromedp.Click(chromedp.CSS("#item-fatal-4")),
		chromedp.SetValue(chromedp.CSS("#item-weight-3"), "30"), chromedp.Click(chromedp.CSS("#save-form")),
		chromedp.WaitVisible(chromedp.CSS("section[data-form]")))
	if got := r.textOf("section[data-form]"); !strings.Contains(got, "第 1 版") || !strings.Contains(got, "致命项") {
		t.Errorf("the form shows %q", got)
	}
	r.logout()

	r.login("supervisor1")
	r.do("the quality page", chromedp.Navigate(r.base+"/console/supervisor/quality"), chromedp.WaitVisible(chromedp.CSS("#sample-form")))
	r.do("the low-rated call by rule", chromedp.SetValue(chromedp.CSS("#rule"), "low_rating"),
		chromedp.Click(chromedp.CSS("#sample-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`#drafts tr[data-review]`)))
	if got := r.textOf(fmt.Sprintf(`#drafts tr[data-call="%d"]`, low)); !strings.Contains(got, "满意度低") {
		t.Errorf("the low-rated draft shows %q", got)
	}
	r.do("a random sample of two calls of each operator", chromedp.SetValue(chromedp.CSS("#rule"), "random"),
		chromedp.SetValue(chromedp.CSS("#per_operator"), "2"), chromedp.Click(chromedp.CSS("#sample-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`#drafts tr[data-review]:nth-child(3)`)))
	r.check("quality drafts")
	r.do("open the low-rated call", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#drafts tr[data-call="%d"] a`, low))),
		chromedp.WaitVisible(chromedp.CSS("#score-form")),
		waitJS(`document.getElementById('player').readyState >= 1 && document.getElementById('player').duration > 7`, 15*time.Second))
	r.do("listen faster, skip ahead", chromedp.SetValue(chromedp.CSS("#speed"), "1.5"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('speed').dispatchEvent(new Event('change'))`),
		chromedp.Click(chromedp.CSS("#fwd10")))
	if rate := eval[float64](r, `document.getElementById('player').playbackRate`); rate != 1.5 {
		t.Errorf("playback rate %v, want 1.5", rate)
	}
	var heard int
	r.db.Get(&heard, `SELECT count(*) FROM audit_log WHERE action = 'call.recording.access' AND object_id = $1 AND actor = 'supervisor1'`, fmt.Sprint(low))
	if heard == 0 {
		t.Errorf("listening to the recording was not audited")
	}
	r.check("quality review draft")
	r.do("final needs every item", chromedp.SendKeys(chromedp.CSS("#item-i1"), "20"), chromedp.SendKeys(chromedp.CSS("#item-i2"), "45.5"),
		chromedp.Click(chromedp.CSS(`button[value="final"]`)), chromedp.WaitVisible(chromedp.CSS("#item-i3-error")))
	r.do("the 致命项 failed zeroes the total", chromedp.SendKeys(chromedp.CSS("#item-i3"), "30"),
		chromedp.Click(chromedp.CSS(`input[name="item-i4"][value="false"]`)),
		waitJS(`document.getElementById('total').dataset.fatal === 'true'`, 5*time.Second),
		chromedp.SendKeys(chromedp.CSS("#comment"), "向第三方透露了来电人的住址"),
		chromedp.Click(chromedp.CSS(`button[value="final"]`)))
	r.do("final", chromedp.WaitVisible(chromedp.CSS(`#review[data-status="final"]`)))
	if got := r.textOf("#total"); got != "0.0" {
		t.Errorf("final total %q, want 0.0", got)
	}
	r.check("quality review final")
	var reviewID int64
	r.db.Get(&reviewID, `SELECT id FROM qa_reviews WHERE call_id = $1`, low)

	// An older result, final for a week and more: past the appeal period.
	login, send := r.api()
	sup := login("supervisor1")
	var oldID int64
	r.db.Get(&oldID, `SELECT id FROM qa_reviews WHERE call_id = $1`, old)
	if oldID == 0 {
		_, body := send("POST", "/api/v1/quality/reviews", sup, "", fmt.Sprintf(`{"call_id":%d,"form_id":1}`, old))
		r.db.Get(&oldID, `SELECT id FROM qa_reviews WHERE call_id = $1`, old)
		if oldID == 0 {
			t.Fatalf("open a review: %s", body)
		}
	}
	if code, body := send("POST", fmt.Sprintf("/api/v1/quality/reviews/%d/final", oldID), sup, "",
		`{"scores":{"i1":18,"i2":40,"i3":25,"i4":true},"comment":"良好"}`); code != http.StatusOK {
		t.Fatalf("finalise: %d %s", code, body)
	}
	if _, err := r.db.Exec(`UPDATE qa_reviews SET total = 1 WHERE id = $1`, oldID); err == nil {
		t.Errorf("a final review changed")
	}
	backdate(t, r, oldID, 14*24*time.Hour)
	r.logout()

	r.login("operator1")
	r.do("my results", chromedp.Navigate(r.base+"/console/quality/mine"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`section[data-review="%d"] form`, reviewID))))
	if got := r.textOf(fmt.Sprintf(`section[data-review="%d"]`, reviewID)); !strings.Contains(got, "致命项不通过") || !strings.Contains(got, "住址") {
		t.Errorf("the operator's result shows %q", got)
	}
	if got := r.textOf(fmt.Sprintf(`section[data-review="%d"]`, oldID)); !strings.Contains(got, "申诉期限已过") {
		t.Errorf("the old result shows %q, want 申诉期限已过", got)
	}
	r.check("quality mine")
	op := login("operator1")
	if code, body := send("POST", fmt.Sprintf("/api/v1/quality/reviews/%d/appeal", oldID), op, "", `{"reason":"分数偏低"}`); code != http.StatusUnprocessableEntity {
		t.Errorf("an appeal after the period: %d %s, want 422", code, body)
	}
	sel := fmt.Sprintf(`section[data-review="%d"]`, reviewID)
	r.do("an appeal needs a reason", chromedp.Click(chromedp.CSS(sel+` button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(sel+` .field-error`)))
	r.do("appeal within the limit", chromedp.SendKeys(chromedp.CSS(sel+` textarea`), "住址是来电人自己在电话里说出的"),
		chromedp.Click(chromedp.CSS(sel+` button[type=submit]`)))
	r.do("appealed", chromedp.WaitVisible(chromedp.CSS(sel+` .appeal-state[data-status="pending"]`)))
	if code, _ := send("POST", fmt.Sprintf("/api/v1/quality/reviews/%d/appeal", reviewID), op, "", `{"reason":"再次申诉"}`); code != http.StatusConflict {
		t.Errorf("a second appeal: %d, want 409", code)
	}
	r.logout()

	r.login("supervisor1")
	r.do("the appeal waits", chromedp.Navigate(r.base+"/console/supervisor/quality"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#appeals tr[data-review="%d"] a`, reviewID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#appeals tr[data-review="%d"] a`, reviewID))), chromedp.WaitVisible(chromedp.CSS("#appeal-reason")))
	r.check("quality appeal")
	r.do("refusing needs a note", chromedp.Click(chromedp.CSS(`button[value="rejected"]`)), chromedp.WaitVisible(chromedp.CSS("#note-error")))
	r.do("refuse the appeal", chromedp.SendKeys(chromedp.CSS("#note"), "复听录音，话务员主动复述了住址"),
		chromedp.Click(chromedp.CSS(`button[value="rejected"]`)))
	r.do("refused", chromedp.WaitVisible(chromedp.CSS(`#appeal-state[data-appeal="rejected"]`)))
	if got := r.textOf("#appeal-state"); !strings.Contains(got, "驳回") {
		t.Errorf("the appeal shows %q", got)
	}
	if got := r.textOf("#total"); got != "0.0" {
		t.Errorf("after the refused appeal the total is %q, want the original 0.0", got)
	}
	var audits int
	r.db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action IN ('quality.review.final', 'quality.appeal', 'quality.appeal.decide')`)
	if audits != 4 {
		t.Errorf("%d audit rows of scores and appeals, want 4", audits)
	}
	r.pageErrors()
}

// backdate moves a final review's finalisation into the past, as a test
// may (the trigger keeps finals from changing otherwise).
func backdate(t *testing.T, r *consoleRig, id int64, by time.Duration) {
	t.Helper()
	ctx := context.Background()
	tx, err := r.db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range []string{`ALTER TABLE qa_reviews DISABLE TRIGGER qa_reviews_final_immutable`,
		fmt.Sprintf(`UPDATE qa_reviews SET finalized_at = finalized_at - interval '%d seconds' WHERE id = %d`, int(by.Seconds()), id),
		`ALTER TABLE qa_reviews ENABLE TRIGGER qa_reviews_final_immutable`} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

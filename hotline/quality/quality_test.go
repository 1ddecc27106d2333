package quality_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/quality"
	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixture is a database with two operators, a supervisor, an admin and
// answered, recorded calls of both operators.
type fixture struct {
	db                  *sqlx.DB
	store               *quality.Store
	op1, op2, sup, adm  quality.Actor
	calls1, calls2      []int64
	lowRated, longWaits int64
}

func account(t *testing.T, db *sqlx.DB, name, role string) quality.Actor {
	t.Helper()
	var id int64
	if err := db.Get(&id, `INSERT INTO accounts (username, display_name, password_hash, roles) VALUES ($1, $1, 'x', ARRAY[$2]) RETURNING id`, name, role); err != nil {
		t.Fatal(err)
	}
	return quality.Actor{AccountID: id, Username: name}
}

// call records an answered, recorded call of the operator: waited s
// seconds, rated (0: not rated).
func call(t *testing.T, db *sqlx.DB, op quality.Actor, start time.Time, waited time.Duration, rating int) int64 {
	t.Helper()
	var id int64
	sat := any(nil)
	if rating > 0 {
		sat = rating
	}
	if err := db.Get(&id, `INSERT INTO calls (sip_call_id, caller, started_at, answered_at, queued_at, dequeued_at, ended_at, outcome,
			satisfaction, recording_path, recording_sha256, recording_duration_ms, recording_size)
		VALUES (md5(random()::text), '13800138000', $1, $1, $1, $2, $3, 'answered', $4, '/nowhere.wav', md5('x'), 60000, 960044) RETURNING id`,
		start, start.Add(waited), start.Add(waited+time.Minute), sat); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO call_legs (call_id, party, account_id, extension, started_at, answered_at, ended_at, result, ended_by)
		VALUES ($1, 'operator', $2, '8001', $3, $3, $4, 'answered', 'party')`, id, op.AccountID, start.Add(waited), start.Add(waited+time.Minute)); err != nil {
		t.Fatal(err)
	}
	return id
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := pgtest.New(t)
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(context.Background(), db, hours)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, store: quality.NewStore(db, cal)}
	f.op1, f.op2 = account(t, db, "op1", "operator"), account(t, db, "op2", "operator")
	f.sup, f.adm = account(t, db, "sup", "supervisor"), account(t, db, "adm", "admin")
	day := time.Date(2026, 11, 30, 9, 0, 0, 0, time.Local) // a Monday
	for i := range 6 {
		f.calls1 = append(f.calls1, call(t, db, f.op1, day.Add(time.Duration(i)*time.Hour), 10*time.Second, 5))
		f.calls2 = append(f.calls2, call(t, db, f.op2, day.Add(time.Duration(i)*time.Hour+time.Minute), 10*time.Second, 4))
	}
	f.lowRated = call(t, db, f.op1, day.Add(7*time.Hour), 10*time.Second, 1)
	f.longWaits = call(t, db, f.op2, day.Add(7*time.Hour), 2*time.Minute, 0)
	return f
}

var items = []quality.Item{
	{Label: "规范问候与结束语", Weight: 20},
	{Label: "准确答复", Weight: 50},
	{Label: "服务态度", Weight: 30},
	{Label: "泄露来电人信息", Fatal: true},
}

func TestFormsAreValidatedAndVersioned(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var fe *quality.FieldError
	if _, err := f.store.CreateForm(ctx, f.adm, "话务质检", []quality.Item{{Label: "答复", Weight: 90}}); !errors.As(err, &fe) || fe.Field != "items" {
		t.Errorf("weights adding to 90: %v, want a field error on items", err)
	}
	form, err := f.store.CreateForm(ctx, f.adm, "话务质检", items)
	if err != nil {
		t.Fatal(err)
	}
	if form.Version != 1 || len(form.Items) != 4 || form.Items[3].Key != "i4" || !form.Items[3].Fatal {
		t.Fatalf("form = %+v", form)
	}
	if _, err := f.store.CreateForm(ctx, f.adm, "话务质检", items); !errors.As(err, &fe) || fe.Field != "name" {
		t.Errorf("a second form of the name: %v", err)
	}
	f.store.Sample(ctx, f.sup, quality.SampleRequest{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.Local), To: time.Date(2026, 12, 31, 0, 0, 0, 0, time.Local),
		Rule: quality.RuleRandom, PerOperator: 1, FormID: form.ID})
	v2 := append([]quality.Item{}, items...)
	v2[0].Weight, v2[1].Weight = 10, 60
	revised, err := f.store.ReviseForm(ctx, f.adm, form.ID, v2)
	if err != nil {
		t.Fatal(err)
	}
	if revised.Version != 2 || revised.VersionID == form.VersionID {
		t.Errorf("revised = %+v", revised)
	}
	drafts, _ := f.store.Reviews(ctx, quality.ReviewFilter{Status: quality.StatusDraft, Limit: 50})
	for _, r := range drafts {
		if r.FormVersion != 1 || r.Items[0].Weight != 20 {
			t.Errorf("a draft sampled on version 1 shows version %d %+v", r.FormVersion, r.Items[0])
		}
	}
}

func TestSampleScoreAppeal(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	form, err := f.store.CreateForm(ctx, f.adm, "话务质检", items)
	if err != nil {
		t.Fatal(err)
	}
	period := quality.SampleRequest{From: time.Date(2026, 11, 30, 0, 0, 0, 0, time.Local), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.Local),
		PerOperator: 2, FormID: form.ID}
	for _, c := range []struct {
		rule string
		want int
	}{{quality.RuleLowRating, 1}, {quality.RuleLongWait, 1}, {quality.RuleRandom, 4}, {quality.RuleRandom, 4}} {
		period.Rule = c.rule
		n, err := f.store.Sample(ctx, f.sup, period)
		if err != nil {
			t.Fatal(err)
		}
		if n != c.want {
			t.Errorf("sample %s: %d drafts, want %d", c.rule, n, c.want)
		}
	}
	drafts, err := f.store.Reviews(ctx, quality.ReviewFilter{Status: quality.StatusDraft, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	per := map[int64]int{}
	for _, r := range drafts {
		per[r.OperatorID]++
	}
	if len(drafts) != 10 || per[f.op1.AccountID] != 5 || per[f.op2.AccountID] != 5 {
		t.Errorf("drafts per operator = %v (%d in all)", per, len(drafts))
	}
	var low quality.Review
	for _, r := range drafts {
		if r.CallID == f.lowRated {
			low = r
		}
	}
	if low.Sample != quality.RuleLowRating || low.OperatorID != f.op1.AccountID {
		t.Fatalf("the low-rated call's draft = %+v", low)
	}

	var fe *quality.FieldError
	if _, err := f.store.Finalize(ctx, f.sup, low.ID, map[string]any{"i1": 20.0, "i2": 40.0}, ""); !errors.As(err, &fe) || fe.Field != "item-i3" {
		t.Errorf("finalising without every item: %v", err)
	}
	if _, err := f.store.Finalize(ctx, f.op1, low.ID, map[string]any{"i1": 20.0, "i2": 50.0, "i3": 30.0, "i4": true}, ""); !errors.Is(err, quality.ErrForbidden) {
		t.Errorf("the operator scoring their own call: %v", err)
	}
	if _, err := f.store.Save(ctx, f.sup, low.ID, map[string]any{"i1": 20.0}, "问候规范"); err != nil {
		t.Fatal(err)
	}
	fin, err := f.store.Finalize(ctx, f.sup, low.ID, map[string]any{"i1": 20.0, "i2": 45.5, "i3": 30.0, "i4": false}, "泄露了来电人的住址")
	if err != nil {
		t.Fatal(err)
	}
	if fin.Status != quality.StatusFinal || fin.Total == nil || *fin.Total != 0 || !fin.Fatal || !fin.CanAppeal || fin.AppealDeadline == nil {
		t.Fatalf("a fatal item failed: %+v", fin)
	}
	if fin.AppealDeadline.String() != "2026-12-03" && fin.AppealDeadline.Before(calendar.DateOf(time.Now())) {
		t.Errorf("appeal deadline %s", fin.AppealDeadline)
	}
	if _, err := f.store.Save(ctx, f.sup, low.ID, map[string]any{"i1": 0.0}, ""); !errors.Is(err, quality.ErrConflict) {
		t.Errorf("changing a final review: %v", err)
	}
	if _, err := f.db.Exec(`UPDATE qa_reviews SET total = 100 WHERE id = $1`, low.ID); err == nil {
		t.Errorf("the database let a final review change")
	}

	if _, err := f.store.FileAppeal(ctx, f.op2, low.ID, "不是我"); !errors.Is(err, quality.ErrForbidden) {
		t.Errorf("another operator's appeal: %v", err)
	}
	ap, err := f.store.FileAppeal(ctx, f.op1, low.ID, "住址是来电人自己说出的，我没有泄露")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.FileAppeal(ctx, f.op1, low.ID, "再申诉"); !errors.Is(err, quality.ErrConflict) {
		t.Errorf("a second appeal: %v", err)
	}
	if _, err := f.store.Decide(ctx, f.sup, ap.ID, quality.Decision{}); !errors.As(err, &fe) || fe.Field != "note" {
		t.Errorf("rejecting without a note: %v", err)
	}
	rev, err := f.store.Decide(ctx, f.sup, ap.ID, quality.Decision{Upheld: true, Note: "复听属实",
		Scores: map[string]any{"i1": 20.0, "i2": 45.5, "i3": 30.0, "i4": true}, Comment: "复核：未泄露"})
	if err != nil {
		t.Fatal(err)
	}
	if rev.Total == nil || *rev.Total != 95.5 || rev.SupersedesID == nil || *rev.SupersedesID != low.ID || rev.Sample != quality.RuleAppeal || rev.CanAppeal {
		t.Errorf("the revised score = %+v", rev)
	}
	orig, _ := f.store.Review(ctx, low.ID)
	if orig.Total == nil || *orig.Total != 0 || orig.SupersededBy == nil || orig.Appeal == nil || orig.Appeal.Status != "upheld" || len(orig.History) != 1 {
		t.Errorf("the original after the appeal = %+v", orig)
	}
	mine, _ := f.store.Mine(ctx, f.op1.AccountID)
	if len(mine) != 2 {
		t.Errorf("the operator sees %d results, want the original and the revision", len(mine))
	}

	// An appeal after the period: the store's clock moves on two weeks.
	var other quality.Review
	for _, r := range drafts {
		if r.OperatorID == f.op2.AccountID {
			other = r
		}
	}
	if _, err := f.store.Finalize(ctx, f.sup, other.ID, map[string]any{"i1": 15.0, "i2": 40.0, "i3": 20.0, "i4": true}, ""); err != nil {
		t.Fatal(err)
	}
	late := f.store.WithClock(func() time.Time { return time.Now().AddDate(0, 0, 14) })
	if _, err := late.FileAppeal(ctx, f.op2, other.ID, "分数太低"); !errors.Is(err, quality.ErrLate) {
		t.Errorf("an appeal two weeks later: %v, want ErrLate", err)
	} else if msg, ok := quality.Message(err); !ok || msg == "" {
		t.Errorf("no words for the late appeal: %q", msg)
	}
}

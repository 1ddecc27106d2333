package calendar

import (
	"context"
	"errors"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/migrations/pgtest"
)

func TestShippedNotices(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.New(t), mustHours(t, "08:30-12:00,14:00-17:30"))
	if err != nil {
		t.Fatal(err)
	}
	ns, err := s.Notices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		year           int
		doc, published string
	}{
		{2024, "国办发明电〔2023〕7号", "2023-10-25"},
		{2025, "国办发明电〔2024〕12号", "2024-11-12"},
		{2026, "", "2025-11-04"},
	}
	if len(ns) != len(want) {
		t.Fatalf("shipped %d notices, want %d", len(ns), len(want))
	}
	for i, w := range want {
		n := ns[i]
		if n.Year != w.year || n.DocNumber != w.doc || n.PublishedOn.String() != w.published || n.Version != 1 || len(n.Days) == 0 {
			t.Errorf("notice %d = %d %q %s v%d with %d days", i, n.Year, n.DocNumber, n.PublishedOn, n.Version, len(n.Days))
		}
		for _, d := range n.Days {
			if d.Date.Year() != n.Year {
				t.Errorf("notice %d lists %s", n.Year, d.Date)
			}
		}
	}
	if got := s.Calendar().Version(); got != "2024.1,2025.1,2026.1" {
		t.Errorf("Version = %q", got)
	}
}

// recorder is a Rebaser that remembers its calls and reads the transaction.
type recorder struct {
	ranges []Range
	seen   int // calendar_days rows of 2027 visible in the transaction
	fail   error
}

func (r *recorder) Rebase(ctx context.Context, tx *sqlx.Tx, cal *Calendar, changed Range) (int, error) {
	if r.fail != nil {
		return 0, r.fail
	}
	r.ranges = append(r.ranges, changed)
	if err := tx.GetContext(ctx, &r.seen, `SELECT count(*) FROM calendar_days WHERE year = 2027`); err != nil {
		return 0, err
	}
	if _, ok := cal.Notice(2027); !ok {
		return 0, errors.New("rebaser got the old calendar")
	}
	return 3, nil
}

// notice2027 is test data, not the real 2027 schedule: Thu 2026-12-31 rest,
// Fri 2027-01-01 元旦, Sat 2027-01-09 worked.
func notice2027(t *testing.T) Notice {
	return Notice{Year: 2027, Title: "测试通知(非真实安排)", PublishedOn: mustDate(t, "2026-11-01"), Days: []Exception{
		{mustDate(t, "2026-12-31"), RestSwap, "元旦"},
		{mustDate(t, "2027-01-01"), Holiday, "元旦"},
		{mustDate(t, "2027-01-09"), WorkSwap, "元旦"},
	}}
}

func TestAddNotice(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	var admin int64
	if err := db.Get(&admin, `INSERT INTO accounts (username, password_hash, roles) VALUES ('cal.admin', 'x', '{admin}') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, db, mustHours(t, "08:30-12:00,14:00-17:30"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	s.AddRebaser(rec)
	from := mustTime(t, "2026-12-28T09:00:00+08:00")
	before, _ := s.Calendar().Due(from, 5)
	if before.Date.String() != "2027-01-04" || !before.Provisional {
		t.Fatalf("before: %+v", before)
	}
	actor := Actor{AccountID: admin, Username: "cal.admin", IP: "192.0.2.7"}
	ch, err := s.AddNotice(ctx, actor, notice2027(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Change{Year: 2027, Version: 1, Changed: true, Range: Range{mustDate(t, "2026-12-25"), mustDate(t, "2027-12-24")}, Rebased: 3}); ch != want {
		t.Errorf("Change = %+v, want %+v", ch, want)
	}
	if len(rec.ranges) != 1 || rec.seen != 3 {
		t.Errorf("rebaser calls %v, saw %d rows in the transaction", rec.ranges, rec.seen)
	}
	after, _ := s.Calendar().Due(from, 5)
	if after.Date.String() != "2027-01-06" || after.Provisional {
		t.Errorf("after AddNotice: Due = %+v, want 2027-01-06 not provisional", after)
	}
	checkAudit(t, db, "calendar.notice.add", admin, "2026-12-25", 3)

	// A second store on the same database sees the stored notice.
	s2, err := Open(ctx, db, mustHours(t, "09:00-17:00"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s2.Calendar().Due(from, 5); got.Date != after.Date {
		t.Errorf("reloaded Due = %s, want %s", got.Date, after.Date)
	}
	if _, err := s.AddNotice(ctx, actor, notice2027(t)); !errors.Is(err, ErrExists) {
		t.Errorf("AddNotice twice: %v, want ErrExists", err)
	}
	bad := notice2027(t)
	bad.Days[2].Date = mustDate(t, "2027-01-08")
	if _, err := s.AddNotice(ctx, actor, bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("AddNotice with a work swap on a Friday: %v, want ErrInvalid", err)
	}
	var audits int
	db.Get(&audits, `SELECT count(*) FROM audit_log WHERE object_type = 'calendar_notice'`)
	if audits != 1 {
		t.Errorf("%d audit rows after failed changes, want 1", audits)
	}
}

func TestReplaceYear(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	s, err := Open(ctx, db, mustHours(t, "08:30-12:00,14:00-17:30"))
	if err != nil {
		t.Fatal(err)
	}
	actor := Actor{Username: "script", IP: "127.0.0.1"}
	if _, err := s.ReplaceYear(ctx, actor, notice2027(t)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ReplaceYear of a missing year: %v, want ErrNotFound", err)
	}
	if _, err := s.AddNotice(ctx, actor, notice2027(t)); err != nil {
		t.Fatal(err)
	}
	// The corrected notice drops the rest day of 2026-12-31.
	fixed := notice2027(t)
	fixed.Days = fixed.Days[1:]
	fixed.DocNumber = "测试〔2026〕1号"
	ch, err := s.ReplaceYear(ctx, actor, fixed)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Version != 2 || !ch.Changed || ch.Range != (Range{mustDate(t, "2026-12-31"), mustDate(t, "2026-12-31")}) {
		t.Errorf("Change = %+v", ch)
	}
	got, _ := s.Calendar().Due(mustTime(t, "2026-12-28"), 5)
	if got.Date.String() != "2027-01-05" {
		t.Errorf("Due after ReplaceYear = %s, want 2027-01-05", got.Date)
	}
	n, _ := s.Calendar().Notice(2027)
	if n.Version != 2 || n.DocNumber != fixed.DocNumber || len(n.Days) != 2 {
		t.Errorf("replaced notice = %+v", n)
	}
	checkAudit(t, db, "calendar.notice.replace", 0, "2026-12-31", 0)
	// Replacing with the same days changes nothing but the version.
	ch, err = s.ReplaceYear(ctx, actor, fixed)
	if err != nil || ch.Changed || ch.Version != 3 {
		t.Errorf("identical ReplaceYear = %+v, %v", ch, err)
	}
}

func TestFailingRebaserRollsBack(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	s, err := Open(ctx, db, mustHours(t, "08:30-12:00,14:00-17:30"))
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("clocks unavailable")
	s.AddRebaser(&recorder{fail: boom})
	if _, err := s.AddNotice(ctx, Actor{Username: "x"}, notice2027(t)); !errors.Is(err, boom) {
		t.Fatalf("AddNotice with a failing rebaser: %v", err)
	}
	var notices, audits int
	db.Get(&notices, `SELECT count(*) FROM calendar_notices WHERE year = 2027`)
	db.Get(&audits, `SELECT count(*) FROM audit_log WHERE object_type = 'calendar_notice'`)
	if notices != 0 || audits != 0 {
		t.Errorf("after rollback: %d notices of 2027, %d audit rows", notices, audits)
	}
	if _, ok := s.Calendar().Notice(2027); ok {
		t.Error("the snapshot has the rolled-back notice")
	}
}

func TestReload(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	a, err := Open(ctx, db, mustHours(t, "08:30-12:00,14:00-17:30"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, db, mustHours(t, "08:30-12:00,14:00-17:30"))
	if err != nil {
		t.Fatal(err)
	}
	old := a.Calendar()
	if _, err := b.AddNotice(ctx, Actor{Username: "x"}, notice2027(t)); err != nil {
		t.Fatal(err)
	}
	if a.Calendar() != old {
		t.Fatal("snapshot changed without Reload")
	}
	cal, err := a.Reload(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cal.Notice(2027); !ok || a.Calendar() != cal {
		t.Error("Reload did not install the new notice")
	}
	if _, ok := old.Notice(2027); ok {
		t.Error("the old snapshot changed")
	}
}

// checkAudit checks the newest calendar audit row.
func checkAudit(t *testing.T, db *sqlx.DB, action string, account int64, changedFrom string, rebased int) {
	t.Helper()
	var row struct {
		Action    string `db:"action"`
		AccountID *int64 `db:"account_id"`
		ObjectID  string `db:"object_id"`
		From      string `db:"changed_from"`
		Rebased   int    `db:"rebased"`
	}
	const q = `SELECT action, account_id, object_id, detail->>'changed_from' AS changed_from, (detail->>'rebased')::int AS rebased
		FROM audit_log WHERE object_type = 'calendar_notice' ORDER BY id DESC LIMIT 1`
	if err := db.Get(&row, q); err != nil {
		t.Fatal(err)
	}
	gotAccount := int64(0)
	if row.AccountID != nil {
		gotAccount = *row.AccountID
	}
	if row.Action != action || gotAccount != account || row.ObjectID != "2027" || row.From != changedFrom || row.Rebased != rebased {
		t.Errorf("audit row = %+v, want %s by %d from %s rebased %d", row, action, account, changedFrom, rebased)
	}
}

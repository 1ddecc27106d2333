package calendar

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// calendars returns the calendar of the published facts and the one shipped
// in the migration, loaded from a fresh database: every deadline test runs
// on both, so it checks the shipped data as well as the arithmetic.
func calendars(t *testing.T) map[string]*Calendar {
	t.Helper()
	s, err := Open(context.Background(), pgtest.New(t), mustHours(t, "08:30-12:00,14:00-17:30"))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*Calendar{"fixture": fixture(t), "shipped": s.Calendar()}
}

// dueCases walk across every holiday period and every weekend day worked
// (调休上班) of 2024–2026 and across the year ends. Each comment counts the
// working days by hand.
var dueCases = []struct {
	from        string
	n           int
	want        string
	unpublished []int
}{
	// 2024 元旦: 2023 has no notice in the calendar, so Dec 30–31 are unsettled.
	{"2023-12-29", 1, "2024-01-02", []int{2023}},
	{"2023-12-31", 1, "2024-01-02", nil},
	// 2024 春节 Feb 10–17 off; Sun Feb 4 and Sun Feb 18 worked; 除夕 Feb 9 worked.
	{"2024-02-02", 1, "2024-02-04", nil},
	{"2024-02-02", 2, "2024-02-05", nil},
	{"2024-02-08", 1, "2024-02-09", nil},
	{"2024-02-09", 1, "2024-02-18", nil},
	{"2024-02-09", 2, "2024-02-19", nil},
	{"2024-02-09", 5, "2024-02-22", nil},
	{"2024-02-12", 1, "2024-02-18", nil}, // accepted on a holiday
	// 2024 清明 Apr 4–6 off; Sun Apr 7 worked.
	{"2024-04-03", 1, "2024-04-07", nil},
	{"2024-04-03", 2, "2024-04-08", nil},
	// 2024 劳动节 May 1–5 off; Sun Apr 28 and Sat May 11 worked.
	{"2024-04-26", 1, "2024-04-28", nil},
	{"2024-04-26", 2, "2024-04-29", nil},
	{"2024-04-30", 1, "2024-05-06", nil},
	{"2024-04-30", 5, "2024-05-10", nil},
	{"2024-04-30", 6, "2024-05-11", nil},
	{"2024-04-30", 7, "2024-05-13", nil},
	// 2024 端午 Jun 10 off.
	{"2024-06-07", 1, "2024-06-11", nil},
	// 2024 中秋 Sep 15–17 off; Sat Sep 14 worked.
	{"2024-09-13", 1, "2024-09-14", nil},
	{"2024-09-13", 2, "2024-09-18", nil},
	// 2024 国庆 Oct 1–7 off; Sun Sep 29 and Sat Oct 12 worked.
	{"2024-09-27", 1, "2024-09-29", nil},
	{"2024-09-27", 2, "2024-09-30", nil},
	{"2024-09-27", 3, "2024-10-08", nil},
	{"2024-09-30", 5, "2024-10-12", nil},
	{"2024-09-30", 6, "2024-10-14", nil},
	// 2025 元旦 Jan 1 off: Dec 30, Dec 31, Jan 2, Jan 3, Jan 6.
	{"2024-12-27", 5, "2025-01-06", nil},
	// 2025 春节 Jan 28–Feb 4 off; Sun Jan 26 and Sat Feb 8 worked.
	{"2025-01-24", 1, "2025-01-26", nil},
	{"2025-01-24", 2, "2025-01-27", nil},
	{"2025-01-24", 3, "2025-02-05", nil},
	{"2025-01-24", 5, "2025-02-07", nil},
	{"2025-01-24", 6, "2025-02-08", nil},
	{"2025-01-24", 7, "2025-02-10", nil},
	// 2025 清明 Apr 4–6 off.
	{"2025-04-03", 1, "2025-04-07", nil},
	// 2025 劳动节 May 1–5 off; Sun Apr 27 worked.
	{"2025-04-25", 1, "2025-04-27", nil},
	{"2025-04-30", 1, "2025-05-06", nil},
	// 2025 端午 May 31–Jun 2 off.
	{"2025-05-30", 1, "2025-06-03", nil},
	// 2025 国庆·中秋 Oct 1–8 off; Sun Sep 28 and Sat Oct 11 worked.
	{"2025-09-26", 1, "2025-09-28", nil},
	{"2025-09-30", 1, "2025-10-09", nil},
	{"2025-09-30", 3, "2025-10-11", nil},
	{"2025-09-30", 5, "2025-10-14", nil}, // the example of DOMAIN.md
	// 2026 元旦 Jan 1–3 off; Sun Jan 4 worked: Dec 31, Jan 4, 5, 6, 7.
	{"2025-12-30", 2, "2026-01-04", nil},
	{"2025-12-30", 5, "2026-01-07", nil},
	{"2025-12-31", 1, "2026-01-04", nil},
	// 2026 春节 Feb 15–23 off; Sat Feb 14 and Sat Feb 28 worked.
	{"2026-02-13", 1, "2026-02-14", nil},
	{"2026-02-13", 2, "2026-02-24", nil},
	{"2026-02-13", 5, "2026-02-27", nil},
	{"2026-02-13", 6, "2026-02-28", nil},
	{"2026-02-27", 2, "2026-03-02", nil},
	// 2026 清明 Apr 4–6 off.
	{"2026-04-03", 1, "2026-04-07", nil},
	// 2026 劳动节 May 1–5 off; Sat May 9 worked.
	{"2026-04-30", 1, "2026-05-06", nil},
	{"2026-04-30", 4, "2026-05-09", nil},
	{"2026-04-30", 5, "2026-05-11", nil},
	// 2026 端午 Jun 19–21 off.
	{"2026-06-18", 1, "2026-06-22", nil},
	// 2026 中秋 Sep 25–27 off; Sun Sep 20 worked (for 国庆).
	{"2026-09-18", 1, "2026-09-20", nil},
	{"2026-09-24", 1, "2026-09-28", nil},
	// 2026 国庆 Oct 1–7 off; Sat Oct 10 worked.
	{"2026-09-30", 1, "2026-10-08", nil},
	{"2026-09-30", 3, "2026-10-10", nil},
	{"2026-09-30", 4, "2026-10-12", nil},
	// Into 2027, which has no notice; the last days of December wait for it too.
	{"2026-12-21", 1, "2026-12-22", nil},
	{"2026-12-23", 1, "2026-12-24", nil},
	{"2026-12-23", 2, "2026-12-25", []int{2027}},
	{"2026-12-28", 5, "2027-01-04", []int{2027}},
	// The hour of acceptance does not matter, its date in Asia/Shanghai does.
	{"2025-09-30T23:59:59+08:00", 5, "2025-10-14", nil},
	{"2025-09-29T16:30:00Z", 5, "2025-10-14", nil},
	{"2025-09-29T15:59:59Z", 5, "2025-10-13", nil},
}

func TestDue(t *testing.T) {
	for name, c := range calendars(t) {
		for _, tc := range dueCases {
			got, err := c.Due(mustTime(t, tc.from), tc.n)
			if err != nil {
				t.Fatalf("%s: Due(%s, %d): %v", name, tc.from, tc.n, err)
			}
			want := mustDate(t, tc.want)
			if got.Date != want || !slices.Equal(got.Unpublished, tc.unpublished) || got.Provisional != (tc.unpublished != nil) {
				t.Errorf("%s: Due(%s, %d) = %s provisional=%v %v, want %s %v",
					name, tc.from, tc.n, got.Date, got.Provisional, got.Unpublished, want, tc.unpublished)
			}
			if wantAt := want.At(17*60 + 30); !got.At.Equal(wantAt) {
				t.Errorf("%s: Due(%s, %d).At = %s, want %s", name, tc.from, tc.n, got.At, wantAt)
			}
		}
	}
}

func TestDueClosesAtLastSpan(t *testing.T) {
	c, err := New(fixtureNotices(t), mustHours(t, "09:00-12:00,13:30-18:00"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Due(mustTime(t, "2025-09-30"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if want := "2025-10-14T18:00:00+08:00"; got.At.Format(time.RFC3339) != want {
		t.Errorf("At = %s, want %s", got.At.Format(time.RFC3339), want)
	}
}

func TestDueRejects(t *testing.T) {
	c := fixture(t)
	for _, tc := range []struct {
		from time.Time
		n    int
	}{{mustTime(t, "2025-01-01"), 0}, {mustTime(t, "2025-01-01"), -3}, {mustTime(t, "2025-01-01"), MaxDays + 1}, {time.Time{}, 5}} {
		if _, err := c.Due(tc.from, tc.n); !errors.Is(err, ErrInvalid) {
			t.Errorf("Due(%v, %d) error = %v, want ErrInvalid", tc.from, tc.n, err)
		}
	}
}

// TestAgainstOracle compares every day and every short limit from December
// 2023 to January 2027 with the notices read by hand.
func TestAgainstOracle(t *testing.T) {
	for name, c := range calendars(t) {
		first, last := mustDate(t, "2024-01-01"), mustDate(t, "2026-12-31")
		for d := first; !d.After(last); d = d.AddDays(1) {
			want, _ := oracle(t, d)
			if got := c.IsWorkingDay(d); got != want {
				t.Errorf("%s: IsWorkingDay(%s) = %v, want %v", name, d, got, want)
			}
		}
		for from := first.AddDays(-3); from.Before(mustDate(t, "2026-12-10")); from = from.AddDays(1) {
			for n := 1; n <= 25; n++ {
				got, err := c.Due(from.At(600), n)
				if err != nil {
					t.Fatal(err)
				}
				if want := oracleDue(t, from, n); got.Date != want {
					t.Fatalf("%s: Due(%s, %d) = %s, want %s", name, from, n, got.Date, want)
				}
			}
		}
	}
}

// oracleDue counts n working days after from by the oracle.
func oracleDue(t *testing.T, from Date, n int) Date {
	d := from
	for n > 0 {
		d = d.AddDays(1)
		working, ok := oracle(t, d)
		if !ok {
			working = !d.IsWeekend()
		}
		if working {
			n--
		}
	}
	return d
}

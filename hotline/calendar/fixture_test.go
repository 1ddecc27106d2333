package calendar

import (
	"testing"
	"time"
)

// published is the schedule of 2024–2026 as the State Council General
// Office's yearly holiday notices (节假日安排的通知) state it, written as the
// notices' own ranges, independently of migrations/0003_calendar.sql:
// periods off (放假) and weekend days worked (上班).
var published = map[int]struct {
	off  [][2]string
	work []string
}{
	2024: {
		off: [][2]string{{"2024-01-01", "2024-01-01"}, {"2024-02-10", "2024-02-17"}, {"2024-04-04", "2024-04-06"},
			{"2024-05-01", "2024-05-05"}, {"2024-06-10", "2024-06-10"}, {"2024-09-15", "2024-09-17"}, {"2024-10-01", "2024-10-07"}},
		work: []string{"2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12"},
	},
	2025: {
		off: [][2]string{{"2025-01-01", "2025-01-01"}, {"2025-01-28", "2025-02-04"}, {"2025-04-04", "2025-04-06"},
			{"2025-05-01", "2025-05-05"}, {"2025-05-31", "2025-06-02"}, {"2025-10-01", "2025-10-08"}},
		work: []string{"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"},
	},
	2026: {
		off: [][2]string{{"2026-01-01", "2026-01-03"}, {"2026-02-15", "2026-02-23"}, {"2026-04-04", "2026-04-06"},
			{"2026-05-01", "2026-05-05"}, {"2026-06-19", "2026-06-21"}, {"2026-09-25", "2026-09-27"}, {"2026-10-01", "2026-10-07"}},
		work: []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"},
	},
}

// oracle answers "is d a working day" straight from published, the way a
// person reads the notices: a day off is off, a day worked is worked, any
// other weekday is worked. ok is false outside 2024–2026.
func oracle(t testing.TB, d Date) (working, ok bool) {
	t.Helper()
	p, ok := published[d.Year()]
	if !ok {
		return false, false
	}
	for _, w := range p.work {
		if mustDate(t, w) == d {
			return true, true
		}
	}
	for _, r := range p.off {
		if !d.Before(mustDate(t, r[0])) && !d.After(mustDate(t, r[1])) {
			return false, true
		}
	}
	return !d.IsWeekend(), true
}

// fixtureNotices turns published into notices: every weekday off becomes a
// Holiday, every day worked a WorkSwap.
func fixtureNotices(t testing.TB) []Notice {
	t.Helper()
	var ns []Notice
	for y, p := range published {
		n := Notice{Year: y, Title: "test notice", PublishedOn: NewDate(y-1, time.November, 1), Version: 1}
		for _, r := range p.off {
			for d := mustDate(t, r[0]); !d.After(mustDate(t, r[1])); d = d.AddDays(1) {
				if !d.IsWeekend() {
					n.Days = append(n.Days, Exception{Date: d, Kind: Holiday, Name: "test"})
				}
			}
		}
		for _, w := range p.work {
			n.Days = append(n.Days, Exception{Date: mustDate(t, w), Kind: WorkSwap, Name: "test"})
		}
		ns = append(ns, n)
	}
	return ns
}

// fixture returns the calendar of fixtureNotices with the default hours.
func fixture(t testing.TB) *Calendar {
	t.Helper()
	c, err := New(fixtureNotices(t), mustHours(t, "08:30-12:00,14:00-17:30"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustHours(t testing.TB, s string) Hours {
	t.Helper()
	h, err := ParseHours(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

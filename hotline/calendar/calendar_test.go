package calendar

import (
	"errors"
	"math/rand"
	"strings"
	"testing"
	"testing/quick"
	"time"
)

// TestDueProperties checks, on random moments from 2023 to 2028 and random
// limits, that a deadline is a working day n working days after acceptance,
// that it moves forward with n and with the moment of acceptance, and that
// AddWorkingDays and WorkingDaysBetween undo each other.
func TestDueProperties(t *testing.T) {
	c := fixture(t)
	base := mustTime(t, "2023-01-01")
	span := mustTime(t, "2028-12-31").Sub(base)
	prop := func(offset uint64, delta uint32, n uint8) bool {
		from := base.Add(time.Duration(offset % uint64(span)))
		later := from.Add(time.Duration(delta%(90*24*3600)) * time.Second)
		k := int(n%60) + 1
		d1, err1 := c.Due(from, k)
		d2, err2 := c.Due(from, k+1)
		d3, err3 := c.Due(later, k)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Logf("errors: %v %v %v", err1, err2, err3)
			return false
		}
		start := DateOf(from)
		return c.IsWorkingDay(d1.Date) &&
			d1.Date.After(start) &&
			c.WorkingDaysBetween(start, d1.Date) == k &&
			c.WorkingDaysBetween(d1.Date, start) == -k &&
			d2.Date.After(d1.Date) &&
			!d3.Date.Before(d1.Date) &&
			backIsLastWorkingDay(c, c.AddWorkingDays(d1.Date, -k), start)
	}
	cfg := &quick.Config{MaxCount: 5000, Rand: rand.New(rand.NewSource(20250930))}
	if err := quick.Check(prop, cfg); err != nil {
		t.Error(err)
	}
}

// backIsLastWorkingDay reports whether back is the last working day on or
// before start, which counting k back from k forward must give.
func backIsLastWorkingDay(c *Calendar, back, start Date) bool {
	if c.IsWorkingDay(start) {
		return back == start
	}
	return back.Before(start) && c.IsWorkingDay(back) && c.WorkingDaysBetween(back, start) == 0
}

// TestAddWorkingDaysBackwards checks counting back across a holiday.
func TestAddWorkingDaysBackwards(t *testing.T) {
	c := fixture(t)
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2025-10-09", -1, "2025-09-30"},
		{"2025-10-09", -2, "2025-09-29"},
		{"2025-09-29", -1, "2025-09-28"}, // the Sunday worked
		{"2025-10-09", 0, "2025-10-09"},
		{"2025-10-05", 0, "2025-10-05"},
	} {
		if got := c.AddWorkingDays(mustDate(t, tc.from), tc.n); got != mustDate(t, tc.want) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
	if got := c.WorkingDaysBetween(mustDate(t, "2025-09-30"), mustDate(t, "2025-10-14")); got != 5 {
		t.Errorf("WorkingDaysBetween(2025-09-30, 2025-10-14) = %d, want 5", got)
	}
	if got := c.WorkingDaysBetween(mustDate(t, "2025-10-01"), mustDate(t, "2025-10-08")); got != 0 {
		t.Errorf("WorkingDaysBetween over 国庆 = %d, want 0", got)
	}
}

func TestPublished(t *testing.T) {
	c := fixture(t)
	for _, tc := range []struct {
		date string
		want bool
	}{
		{"2023-12-31", false}, {"2024-01-01", true}, {"2026-12-24", true},
		{"2026-12-25", false}, {"2026-12-31", false}, {"2027-01-01", false}, {"2025-12-31", true},
	} {
		if got := c.Published(mustDate(t, tc.date)); got != tc.want {
			t.Errorf("Published(%s) = %v, want %v", tc.date, got, tc.want)
		}
	}
	if got := c.Unpublished(mustDate(t, "2023-12-20"), mustDate(t, "2027-01-10")); len(got) != 2 || got[0] != 2023 || got[1] != 2027 {
		t.Errorf("Unpublished across 2024–2026 = %v, want [2023 2027]", got)
	}
}

func TestNoticeValidate(t *testing.T) {
	good := func() Notice {
		return Notice{Year: 2027, Title: "国务院办公厅关于2027年部分节假日安排的通知", PublishedOn: NewDate(2026, 11, 1),
			Days: []Exception{{Date: NewDate(2027, 1, 1), Kind: Holiday, Name: "元旦"}}}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("good notice: %v", err)
	}
	for _, tc := range []struct {
		field, msg string
		edit       func(n *Notice)
	}{
		{"year", "不在 2000–2200 之间", func(n *Notice) { n.Year = 1999 }},
		{"title", "请填写通知标题", func(n *Notice) { n.Title = " " }},
		{"published_on", "应在 2026 年或 2027 年", func(n *Notice) { n.PublishedOn = NewDate(2020, 1, 1) }},
		{"days[0]", "不在 2026-12-01 至 2027-12-31 之间", func(n *Notice) { n.Days[0].Date = NewDate(2026, 11, 30) }},
		{"days[0]", "没有填写节日名称", func(n *Notice) { n.Days[0].Name = "" }},
		{"days[0]", "类型“off”不正确", func(n *Notice) { n.Days[0].Kind = "off" }},
		{"days[0]", "是周六：调休休息", func(n *Notice) { n.Days[0] = Exception{NewDate(2027, 1, 2), RestSwap, "元旦"} }},
		{"days[0]", "是周五：调休上班", func(n *Notice) { n.Days[0].Kind = WorkSwap }},
		{"days[1]", "重复填写了", func(n *Notice) { n.Days = append(n.Days, n.Days[0]) }},
	} {
		n := good()
		tc.edit(&n)
		err := n.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Msg, tc.msg) {
			t.Errorf("%s: Validate() = %v, want field %s with %q", tc.field, err, tc.field, tc.msg)
		}
	}
}

func TestNewRejects(t *testing.T) {
	ns := fixtureNotices(t)
	if _, err := New(ns, Hours{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("New without hours: %v, want ErrInvalid", err)
	}
	dupYear := append(fixtureNotices(t), ns[0])
	if _, err := New(dupYear, mustHours(t, "09:00-17:00")); !errors.Is(err, ErrInvalid) {
		t.Errorf("New with a year twice: %v, want ErrInvalid", err)
	}
	// The 2025 notice may list late December 2024, but not a date the 2024
	// notice has.
	extra := Notice{Year: 2025, Title: "x", PublishedOn: NewDate(2024, 11, 1), Days: []Exception{{NewDate(2024, 12, 31), RestSwap, "元旦"}}}
	var others []Notice
	for _, n := range ns {
		if n.Year != 2025 {
			others = append(others, n)
		}
	}
	if _, err := New(append(others, extra), mustHours(t, "09:00-17:00")); err != nil {
		t.Errorf("New with late December in the next notice: %v", err)
	}
	clash := Notice{Year: 2025, Title: "x", PublishedOn: NewDate(2024, 11, 1), Days: []Exception{{NewDate(2024, 12, 31), RestSwap, "元旦"}}}
	two := Notice{Year: 2024, Title: "x", PublishedOn: NewDate(2023, 11, 1), Days: []Exception{{NewDate(2024, 12, 31), Holiday, "x"}}}
	if _, err := New([]Notice{two, clash}, mustHours(t, "09:00-17:00")); err == nil || !strings.Contains(err.Error(), "in the notices of 2024 and 2025") {
		t.Errorf("New with a date in two notices: %v", err)
	}
}

func TestChanged(t *testing.T) {
	c := fixture(t)
	if _, ok := Changed(c, fixture(t)); ok {
		t.Error("Changed on equal calendars reports a change")
	}
	// Adding 2027 settles the end of December 2026 and 2027 up to its own
	// late December, which waits for 2028.
	n2027 := Notice{Year: 2027, Title: "test", PublishedOn: NewDate(2026, 11, 1)}
	with, err := New(append(fixtureNotices(t), n2027), c.Hours())
	if err != nil {
		t.Fatal(err)
	}
	r, ok := Changed(c, with)
	if !ok || r.From != NewDate(2026, 12, 25) || r.To != NewDate(2027, 12, 24) {
		t.Errorf("Changed adding 2027 = %v %v, want 2026-12-25..2027-12-24", r, ok)
	}
	// Moving one day in 2025 changes that day only.
	ns := fixtureNotices(t)
	for i := range ns {
		if ns[i].Year == 2025 {
			ns[i].Days = append(ns[i].Days, Exception{NewDate(2025, 12, 1), RestSwap, "test"})
		}
	}
	moved, err := New(ns, c.Hours())
	if err != nil {
		t.Fatal(err)
	}
	r, ok = Changed(c, moved)
	if !ok || r.From != NewDate(2025, 12, 1) || r.To != NewDate(2025, 12, 1) {
		t.Errorf("Changed moving 2025-12-01 = %v %v", r, ok)
	}
	start, due := NewDate(2025, 11, 28), NewDate(2025, 12, 5)
	if !r.Overlaps(start, due) || r.Overlaps(due, due.AddDays(7)) || r.Overlaps(start.AddDays(-10), start) || r.Overlaps(NewDate(2025, 12, 1), due) {
		t.Error("Overlaps disagrees with the days a clock counts")
	}
}

func TestVersionAndNotices(t *testing.T) {
	c := fixture(t)
	if got := c.Version(); got != "2024.1,2025.1,2026.1" {
		t.Errorf("Version = %q", got)
	}
	ns := c.Notices()
	ns[0].Days[0].Kind = WorkSwap
	if c.Notices()[0].Days[0].Kind == WorkSwap {
		t.Error("Notices shares its days with the calendar")
	}
}

package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseHours(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"08:30-12:00,14:00-17:30", "08:30-12:00,14:00-17:30"},
		{" 8:30 - 12:00 , 14:00-17:30 ", "08:30-12:00,14:00-17:30"},
		{"09:00-17:00", "09:00-17:00"},
		{"00:00-24:00", "00:00-24:00"},
		{"08:00-12:00,12:00-13:00", "08:00-12:00,12:00-13:00"},
		{"08:30-12:00,13:30-17:00,19:00-21:00", "08:30-12:00,13:30-17:00,19:00-21:00"},
	} {
		h, err := ParseHours(tc.in)
		if err != nil {
			t.Errorf("ParseHours(%q): %v", tc.in, err)
			continue
		}
		if got := h.String(); got != tc.want {
			t.Errorf("ParseHours(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseHoursErrors(t *testing.T) {
	for _, tc := range []struct{ in, msg string }{
		{"", "is empty"},
		{"   ", "is empty"},
		{"08:30", `span 1 "08:30": not of the form HH:MM-HH:MM`},
		{"08:30-12:00,", `span 2 "": not of the form`},
		{"8-12", `start: "8" is not a time of day HH:MM`},
		{"08:30-25:00", `end: "25:00" is not a time of day between 00:00 and 24:00`},
		{"08:60-12:00", `start: "08:60" is not a time of day between`},
		{"24:00-24:00", "start 24:00 is the end of the day"},
		{"12:00-08:30", "ends before it starts"},
		{"08:30-08:30", "ends before it starts"},
		{"14:00-17:30,08:30-12:00", `span 2 "08:30-12:00" starts before span 1 ends`},
		{"08:30-12:00,11:00-13:00", "starts before span 1 ends"},
		{"08:30-12:00;14:00-17:30", "not a time of day"},
		{"０８:30-12:00", "not a time of day"},
		{"+8:30-12:00", "not a time of day"},
		{strings.Repeat("01:00-01:01,", 9) + "02:00-03:00", "has 10 spans: at most 8"},
	} {
		_, err := ParseHours(tc.in)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "office_hours" || !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseHours(%q) error = %v, want an office_hours FieldError", tc.in, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseHours(%q) error = %q, want it to contain %q", tc.in, err, tc.msg)
		}
	}
}

func TestInHours(t *testing.T) {
	c := fixture(t)
	for _, tc := range []struct {
		at   string
		want bool
	}{
		{"2025-09-30T08:29:59+08:00", false},
		{"2025-09-30T08:30:00+08:00", true},
		{"2025-09-30T11:59:59+08:00", true},
		{"2025-09-30T12:00:00+08:00", false}, // lunch break
		{"2025-09-30T13:59:59+08:00", false},
		{"2025-09-30T14:00:00+08:00", true},
		{"2025-09-30T17:29:59+08:00", true},
		{"2025-09-30T17:30:00+08:00", false},
		{"2025-09-30T02:00:00Z", true},       // 10:00 in Shanghai
		{"2025-09-30T10:00:00Z", false},      // 18:00 in Shanghai
		{"2025-10-01T10:00:00+08:00", false}, // 国庆 holiday, a Wednesday
		{"2025-10-08T10:00:00+08:00", false}, // rest swap, a Wednesday
		{"2025-10-11T10:00:00+08:00", true},  // a Saturday worked
		{"2025-10-12T10:00:00+08:00", false}, // a plain Sunday
		{"2026-01-04T09:00:00+08:00", true},  // Sunday worked after 元旦
		{"2027-01-01T09:00:00+08:00", true},  // no notice yet: a Friday
	} {
		if got := c.InHours(mustTime(t, tc.at)); got != tc.want {
			t.Errorf("InHours(%s) = %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestCloseOfBusinessAndNextOpening(t *testing.T) {
	c := fixture(t)
	summer, err := c.WithHours(mustHours(t, "08:00-12:00,15:00-18:30"))
	if err != nil {
		t.Fatal(err)
	}
	if got := summer.CloseOfBusiness(mustDate(t, "2025-07-01")).Format(time.RFC3339); got != "2025-07-01T18:30:00+08:00" {
		t.Errorf("summer CloseOfBusiness = %s", got)
	}
	if _, err := c.WithHours(Hours{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("WithHours(zero) = %v, want ErrInvalid", err)
	}
	if got, want := c.CloseOfBusiness(mustDate(t, "2026-02-14")), "2026-02-14T17:30:00+08:00"; got.Format(time.RFC3339) != want {
		t.Errorf("CloseOfBusiness = %s, want %s", got.Format(time.RFC3339), want)
	}
	for _, tc := range []struct{ at, want string }{
		{"2025-09-30T10:00:00+08:00", "2025-09-30T10:00:00+08:00"},
		{"2025-09-30T12:30:00+08:00", "2025-09-30T14:00:00+08:00"},
		{"2025-09-30T17:30:00+08:00", "2025-10-09T08:30:00+08:00"},
		{"2025-10-10T18:00:00+08:00", "2025-10-11T08:30:00+08:00"},
		{"2026-02-13T20:00:00+08:00", "2026-02-14T08:30:00+08:00"},
	} {
		got, err := c.NextOpening(mustTime(t, tc.at))
		if err != nil {
			t.Fatal(err)
		}
		if got.Format(time.RFC3339) != tc.want {
			t.Errorf("NextOpening(%s) = %s, want %s", tc.at, got.Format(time.RFC3339), tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2025-09-30", "2025-09-30T00:00:00+08:00"},
		{"2025-09-30T10:15:00+08:00", "2025-09-30T10:15:00+08:00"},
		{"2025-09-30T10:15:00Z", "2025-09-30T18:15:00+08:00"},
	} {
		got, err := ParseTime(tc.in)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tc.in, err)
			continue
		}
		if s := got.In(Location()).Format(time.RFC3339); s != tc.want {
			t.Errorf("ParseTime(%q) = %s, want %s", tc.in, s, tc.want)
		}
	}
	for _, in := range []string{"", "2025-9-30", "2025-02-30", "30.09.2025", "1999-12-31", "2201-01-01", "2025-09-30T10:15", "tomorrow", "3000-01-01T00:00:00Z"} {
		_, err := ParseTime(in)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "from" {
			t.Errorf("ParseTime(%q) error = %v, want a FieldError on from", in, err)
		}
	}
}

// FuzzParseHours checks that any input either fails with a FieldError or
// gives ordered spans that print back to an equal value.
func FuzzParseHours(f *testing.F) {
	for _, s := range []string{"08:30-12:00,14:00-17:30", "00:00-24:00", "8:30-12:00", "12:00-08:00", ",", "24:00-24:00", "1:1-2:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHours(s)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseHours(%q) error %v is not a FieldError", s, err)
			}
			return
		}
		for i, sp := range h.spans {
			if sp.start < 0 || sp.end > 24*60 || sp.start >= sp.end || (i > 0 && sp.start < h.spans[i-1].end) {
				t.Fatalf("ParseHours(%q) gave bad spans %v", s, h.spans)
			}
		}
		again, err := ParseHours(h.String())
		if err != nil || again.String() != h.String() {
			t.Fatalf("ParseHours(%q).String() = %q does not parse back: %v", s, h.String(), err)
		}
	})
}

// FuzzParseTime checks that any input either fails with a FieldError or gives
// a time whose Shanghai date lies in the accepted years and that a date
// input means its midnight.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2025-09-30", "2025-09-30T10:15:00+08:00", "2025-09-30T23:59:59Z", "2200-12-31T23:00:00-12:00", "0000-00-00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "from" {
				t.Fatalf("ParseTime(%q) error %v is not a FieldError on from", s, err)
			}
			return
		}
		if y := DateOf(tm).Year(); y < MinYear || y > MaxYear {
			t.Fatalf("ParseTime(%q) = %v, outside the accepted years", s, tm)
		}
		if len(s) == len(dateLayout) && (DateOf(tm).String() != s || !tm.Equal(DateOf(tm).At(0))) {
			t.Fatalf("ParseTime(%q) = %v, want midnight of that date", s, tm)
		}
	})
}

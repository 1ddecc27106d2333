package stats_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/stats"
)

// FuzzParseOfficeHours reads departments' office hours as admins type
// them: a refusal is a *calendar.FieldError; accepted hours print in the
// GOVHALL_OFFICE_HOURS form, which both parsers read back to the same
// hours, as they do the same hours written the Chinese way.
func FuzzParseOfficeHours(f *testing.F) {
	for _, s := range []string{"工作日 8:30–12:00，14:00–17:30", "08:30-12:00,14:00-17:30", "上午8:30至12:00；下午14:00至17:30",
		"8：30～12：00、14：00～17：30", "00:00-24:00", "9:00-17:00", "", "工作日", "12:00-08:00", "8:30-12:00,11:00-13:00", "25:00-26:00",
		"8:30—12:00 ， 13:00－17:00", "\u30008:30-9:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := stats.ParseOfficeHours(s)
		if err != nil {
			var fe *calendar.FieldError
			if !errors.As(err, &fe) || fe.Error() == "" {
				t.Fatalf("ParseOfficeHours(%q) error %v is not a FieldError", s, err)
			}
			return
		}
		norm := h.String()
		chinese := "工作日 " + strings.NewReplacer("-", "–", ",", "，").Replace(norm)
		for _, again := range []string{norm, chinese} {
			h2, err := stats.ParseOfficeHours(again)
			if err != nil || h2.String() != norm {
				t.Fatalf("ParseOfficeHours(%q) = %q; %q reads as %q, %v", s, norm, again, h2.String(), err)
			}
		}
		if h3, err := calendar.ParseHours(norm); err != nil || h3.String() != norm {
			t.Fatalf("ParseOfficeHours(%q) = %q, which GOVHALL_OFFICE_HOURS reads as %q, %v", s, norm, h3.String(), err)
		}
	})
}

// FuzzParsePeriod reads the statistics pickers (period, from, to): a
// refusal is a *stats.FieldError naming one of them; an accepted period is
// whole days, at most two years, contains its own days, and names itself
// again — by its kind and any day in it, or for a custom period by its
// first and last day.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range [][3]string{{"month", "2025-03-05", ""}, {"", "", ""}, {"week", "2025-01-01", ""}, {"quarter", "2025-12-31", ""},
		{"year", "2200-06-01", ""}, {"day", "2000-01-01", ""}, {"custom", "2025-03-01", "2025-03-20"}, {"custom", "2024-01-01", "2026-01-02"},
		{"custom", "2025-03-20", "2025-03-01"}, {"decade", "2025-01-01", ""}, {"custom", "2025-03-01", "notadate"}, {"month", "2025-02-30", ""}} {
		f.Add(s[0], s[1], s[2])
	}
	now := time.Date(2025, 2, 10, 2, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, kind, from, to string) {
		p, err := stats.ParsePeriod(kind, from, to, now)
		if err != nil {
			var fe *stats.FieldError
			if !errors.As(err, &fe) || (fe.Field != "period" && fe.Field != "from" && fe.Field != "to") || fe.Msg == "" {
				t.Fatalf("ParsePeriod(%q, %q, %q) error %v", kind, from, to, err)
			}
			return
		}
		if p.Days() < 1 || p.Days() > 732 || !p.Contains(p.Start()) || !p.Contains(p.End().Add(-time.Nanosecond)) ||
			p.Contains(p.End()) || p.Label() == "" || p.Slug() == "" {
			t.Fatalf("ParsePeriod(%q, %q, %q) = %+v (%d days)", kind, from, to, p, p.Days())
		}
		again := [][2]string{{p.First.String(), p.Last.String()}}
		if p.Kind != stats.Custom {
			again = [][2]string{{p.First.String(), ""}, {p.Last.String(), ""}}
		}
		for _, a := range again {
			if q, err := stats.ParsePeriod(p.Kind, a[0], a[1], now); err != nil || q != p {
				t.Fatalf("ParsePeriod(%q, %q, %q) = %+v; (%q, %q) gives %+v, %v", kind, from, to, p, a[0], a[1], q, err)
			}
		}
	})
}

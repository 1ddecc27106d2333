package calendar

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParseDate checks the dates every form and API sends (due dates,
// notices, received_on): an error wraps ErrInvalid; an accepted date is
// within MinYear–MaxYear, prints back as it was written, is its own
// midnight in Asia/Shanghai and reads the same from JSON.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-09-30", "2000-01-01", "2200-12-31", "1999-12-31", "2201-01-01", "2025-02-29", "2024-02-29",
		"2025-13-01", "2025-1-1", "２０２５-０１-０１", "2025-01-01T00:00:00Z", "", "0000-00-00", "+2025-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseDate(%q) error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if d.Year() < MinYear || d.Year() > MaxYear || d.String() != s {
			t.Fatalf("ParseDate(%q) = %s (year %d)", s, d, d.Year())
		}
		if DateOf(d.At(0)) != d || DateOf(d.At(24*60-1)) != d || d.AddDays(1).Sub(d) != 1 {
			t.Fatalf("ParseDate(%q) = %s does not span its own day", s, d)
		}
		var again Date
		if err := json.Unmarshal([]byte(`"`+s+`"`), &again); err != nil || again != d {
			t.Fatalf("JSON %q reads as %s, %v", s, again, err)
		}
	})
}

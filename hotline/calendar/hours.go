package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxSpans bounds the spans of one day's office hours; real schedules have
// one to three.
const maxSpans = 8

// span is one stretch of office hours, in minutes since midnight, end
// exclusive.
type span struct{ start, end int }

// Hours are the legal working hours (法定工作时间) of a working day, in
// Asia/Shanghai, such as 08:30–12:00 and 14:00–17:30. They differ by locality
// and season and so are configuration. The zero Hours has no spans; use
// ParseHours.
type Hours struct {
	spans []span
}

// ParseHours reads office hours in the GOVHALL_OFFICE_HOURS format: spans
// "HH:MM-HH:MM" separated by commas, in order of the day, not overlapping, each
// ending after it starts, within 00:00–24:00 ("08:30-12:00,14:00-17:30").
// Spaces around the parts are allowed. It fails with a *FieldError (wrapping
// ErrInvalid) that quotes the offending span and says what is wrong.
func ParseHours(s string) (Hours, error) {
	parts := strings.Split(s, ",")
	if strings.TrimSpace(s) == "" {
		return Hours{}, hoursErr("is empty: give spans such as 08:30-12:00,14:00-17:30")
	}
	if len(parts) > maxSpans {
		return Hours{}, hoursErr("has %d spans: at most %d are allowed", len(parts), maxSpans)
	}
	var h Hours
	for i, p := range parts {
		sp, err := parseSpan(strings.TrimSpace(p))
		if err != nil {
			return Hours{}, hoursErr("span %d %q: %v", i+1, strings.TrimSpace(p), err)
		}
		if i > 0 && sp.start < h.spans[i-1].end {
			return Hours{}, hoursErr("span %d %q starts before span %d ends: list the spans in order without overlap", i+1, strings.TrimSpace(p), i)
		}
		h.spans = append(h.spans, sp)
	}
	return h, nil
}

func hoursErr(format string, args ...any) error {
	return fieldErr("office_hours", format, args...)
}

// parseSpan reads "HH:MM-HH:MM".
func parseSpan(s string) (span, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return span{}, fmt.Errorf("not of the form HH:MM-HH:MM")
	}
	start, err := parseClock(strings.TrimSpace(from))
	if err != nil {
		return span{}, fmt.Errorf("start: %v", err)
	}
	end, err := parseClock(strings.TrimSpace(to))
	if err != nil {
		return span{}, fmt.Errorf("end: %v", err)
	}
	if start == 24*60 {
		return span{}, fmt.Errorf("start 24:00 is the end of the day")
	}
	if end <= start {
		return span{}, fmt.Errorf("ends before it starts")
	}
	return span{start: start, end: end}, nil
}

// parseClock reads H:MM or HH:MM, 00:00 to 24:00, as minutes since midnight.
func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 || !digits(hh) || !digits(mm) {
		return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mm)
	if m > 59 || h > 24 || (h == 24 && m > 0) {
		return 0, fmt.Errorf("%q is not a time of day between 00:00 and 24:00", s)
	}
	return h*60 + m, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String returns the hours in the format ParseHours reads.
func (h Hours) String() string {
	parts := make([]string, len(h.spans))
	for i, sp := range h.spans {
		parts[i] = clock(sp.start) + "-" + clock(sp.end)
	}
	return strings.Join(parts, ",")
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// IsZero reports whether h has no spans.
func (h Hours) IsZero() bool { return len(h.spans) == 0 }

// contains reports whether the time of day t (Asia/Shanghai) falls in a span.
func (h Hours) contains(t time.Time) bool {
	t = t.In(shanghai)
	sec := t.Hour()*3600 + t.Minute()*60 + t.Second()
	for _, sp := range h.spans {
		if sec >= sp.start*60 && sec < sp.end*60 {
			return true
		}
	}
	return false
}

// close returns the minute of the day the last span ends.
func (h Hours) close() int { return h.spans[len(h.spans)-1].end }

// Package calendar is the legal working-day calendar (法定工作日) of
// mainland China and the office hours of one organisation. Weekends are not
// simply days off: each year the State Council publishes a notice
// (国务院办公厅关于某年部分节假日安排的通知) that names the holidays
// (放假), the weekdays given as rest in exchange (调休) and the weekend days
// that become working days (调休上班). The Store keeps those notices in
// PostgreSQL; a Calendar is an immutable snapshot of them in memory, so that
// Due, the one deadline function every clock of the system uses, is fast and
// pure. A date in a year without a published notice is never silently taken
// as ordinary: results that depend on one are marked provisional.
package calendar

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by the package. FieldError wraps ErrInvalid.
var (
	ErrInvalid  = errors.New("calendar: invalid input")
	ErrNotFound = errors.New("calendar: not found")
	ErrExists   = errors.New("calendar: already exists")
)

// FieldError names the field of a rejected input and says what is wrong in
// words a person can act on.
type FieldError struct {
	Field string
	Msg   string
}

// Error returns "calendar: FIELD: what is wrong".
func (e *FieldError) Error() string { return "calendar: " + e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Kind says how a notice changes a date.
type Kind string

// The kinds of dated exceptions in a notice.
const (
	// Holiday is a statutory holiday (法定节假日), on whatever day of the week.
	Holiday Kind = "holiday"
	// RestSwap is a weekday given as rest by 调休 (放假调休).
	RestSwap Kind = "rest_swap"
	// WorkSwap is a Saturday or Sunday that becomes a working day (调休上班).
	WorkSwap Kind = "work_swap"
)

// Working reports whether a date of kind k is a working day.
func (k Kind) Working() bool { return k == WorkSwap }

// Exception is one dated entry of a notice.
type Exception struct {
	Date Date   `db:"day" json:"date"`
	Kind Kind   `db:"kind" json:"kind"`
	Name string `db:"name" json:"name"` // the festival: 元旦, 春节, 国庆节 …
}

// Calendar is an immutable snapshot of the published notices together with
// the office hours. Build it with New or load it with Store.Calendar; its
// methods are safe for concurrent use.
type Calendar struct {
	hours   Hours
	notices map[int]Notice // by year
	days    map[Date]Exception
}

// New returns a calendar of the given notices and office hours. It fails
// with a *FieldError when a notice is invalid, two notices are for the same
// year or claim the same date, or hours has no spans.
func New(notices []Notice, hours Hours) (*Calendar, error) {
	if hours.IsZero() {
		return nil, fieldErr("office_hours", "no office hours given")
	}
	c := &Calendar{hours: hours, notices: map[int]Notice{}, days: map[Date]Exception{}}
	for _, n := range notices {
		if err := c.add(n); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// add validates n and adds it to c, which is still being built.
func (c *Calendar) add(n Notice) error {
	if err := n.Validate(); err != nil {
		return err
	}
	if _, dup := c.notices[n.Year]; dup {
		return fieldErr("year", "two notices for %d", n.Year)
	}
	for _, e := range n.Days {
		if _, dup := c.days[e.Date]; dup {
			return fieldErr("days", "%s is in the notices of %d and %d", e.Date, c.days[e.Date].Date.Year(), n.Year)
		}
		c.days[e.Date] = e
	}
	n.Days = append([]Exception(nil), n.Days...)
	c.notices[n.Year] = n
	return nil
}

// WithHours returns a calendar with the same notices and other office hours,
// for a department or season whose hours differ. It fails with a *FieldError
// when h has no spans.
func (c *Calendar) WithHours(h Hours) (*Calendar, error) {
	if h.IsZero() {
		return nil, fieldErr("office_hours", "no office hours given")
	}
	return &Calendar{hours: h, notices: c.notices, days: c.days}, nil
}

// Hours returns the office hours of the calendar.
func (c *Calendar) Hours() Hours { return c.hours }

// Notice returns the notice of a year and whether there is one.
func (c *Calendar) Notice(year int) (Notice, bool) {
	n, ok := c.notices[year]
	return n, ok
}

// Exception returns the notice's entry for d and whether there is one.
func (c *Calendar) Exception(d Date) (Exception, bool) {
	e, ok := c.days[d]
	return e, ok
}

// IsWorkingDay reports whether d is a working day: a Monday to Friday that no
// notice makes a holiday or rest day, or a weekend day a notice makes a
// working day. In a year without a notice it falls back to Monday–Friday;
// Published tells whether the answer is final.
func (c *Calendar) IsWorkingDay(d Date) bool {
	if e, ok := c.days[d]; ok {
		return e.Kind.Working()
	}
	return !d.IsWeekend()
}

// lateDecember is the first day of December that the next year's notice may
// still change: the 2019 notice made Sat 2018-12-29 a working day and Mon
// 2018-12-31 a rest day, the 2012 notice made Sat 2011-12-31 a working day.
const lateDecember = 25

// Published reports whether the status of d is settled by published notices:
// its year has one and, from December 25 on, the next year has one too.
func (c *Calendar) Published(d Date) bool { return c.missingYear(d) == 0 }

// missingYear returns the year whose notice d waits for, or 0.
func (c *Calendar) missingYear(d Date) int {
	y := d.Year()
	if _, ok := c.notices[y]; !ok {
		return y
	}
	if d.Month() == time.December && d.Day() >= lateDecember {
		if _, ok := c.notices[y+1]; !ok {
			return y + 1
		}
	}
	return 0
}

// Unpublished returns, in ascending order, the years whose missing notice
// leaves the status of a day after from and up to through unsettled. It
// returns nil when every such day is published.
func (c *Calendar) Unpublished(from, through Date) []int {
	var years []int
	for d := from.AddDays(1); !d.After(through); d = d.AddDays(1) {
		y := c.missingYear(d)
		if y != 0 && (len(years) == 0 || years[len(years)-1] != y) {
			years = append(years, y)
		}
	}
	return years
}

// InHours reports whether t falls within the office hours of a working day
// (the hotline sends callers to voicemail when it does not). In a year
// without a notice, Monday to Friday count as working days.
func (c *Calendar) InHours(t time.Time) bool {
	return c.IsWorkingDay(DateOf(t)) && c.hours.contains(t)
}

// CloseOfBusiness returns the instant the office hours of d end, in
// Asia/Shanghai, whether or not d is a working day.
func (c *Calendar) CloseOfBusiness(d Date) time.Time { return d.At(c.hours.close()) }

// NextOpening returns t when it is within office hours, else the instant the
// office next opens. It fails with ErrNotFound when no opening lies within a
// year of t (office hours cannot be empty, so only a broken calendar does).
func (c *Calendar) NextOpening(t time.Time) (time.Time, error) {
	if c.InHours(t) {
		return t, nil
	}
	d := DateOf(t)
	for i := 0; i <= 366; i++ {
		if c.IsWorkingDay(d) {
			for _, sp := range c.hours.spans {
				if open := d.At(sp.start); open.After(t) {
					return open, nil
				}
			}
		}
		d = d.AddDays(1)
	}
	return time.Time{}, fmt.Errorf("%w: no working day within a year of %s", ErrNotFound, t.Format(time.RFC3339))
}

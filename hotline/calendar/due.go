package calendar

import (
	"fmt"
	"strings"
	"time"
)

// MaxDays bounds the working days of one limit; the longest legal limit is
// 40 (an extended application), so anything near MaxDays is a typo.
const MaxDays = 1000

// Deadline is the end of a time limit counted in working days.
type Deadline struct {
	// Date is the last working day of the limit.
	Date Date `json:"date"`
	// At is the close of business of Date, Asia/Shanghai.
	At time.Time `json:"at"`
	// Provisional is true when a day counted lies in a year whose notice is
	// not yet published, so a later notice may move the deadline.
	Provisional bool `json:"provisional"`
	// Unpublished lists the years whose notices are missing, ascending.
	Unpublished []int `json:"unpublished,omitempty"`
}

// Due returns the deadline of a limit of n working days for something
// accepted (受理) at from: the day of acceptance does not count, whatever the
// hour, and the limit ends at the close of business of the nth working day
// after it, Asia/Shanghai. Every clock of the system uses this function. It
// fails with an error wrapping ErrInvalid when n is not between 1 and
// MaxDays or from is the zero time.
func (c *Calendar) Due(from time.Time, n int) (Deadline, error) {
	if n < 1 || n > MaxDays {
		return Deadline{}, fieldErr("days", "%d working days: give 1 to %d", n, MaxDays)
	}
	if from.IsZero() {
		return Deadline{}, fieldErr("from", "no time of acceptance given")
	}
	start := DateOf(from)
	due := c.AddWorkingDays(start, n)
	years := c.Unpublished(start, due)
	return Deadline{Date: due, At: c.CloseOfBusiness(due), Provisional: len(years) > 0, Unpublished: years}, nil
}

// AddWorkingDays returns the nth working day after d, or for n < 0 the
// |n|th working day before it; for n == 0 it returns d itself. d need not
// be a working day.
func (c *Calendar) AddWorkingDays(d Date, n int) Date {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDays(step)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween returns the number of working days after a and up to
// and including b, negative when b is before a. It is the inverse of
// AddWorkingDays: WorkingDaysBetween(d, AddWorkingDays(d, n)) == n. A clock
// stopped on a and resumed on b (补正, third-party consultation) uses it to
// learn how many working days the stop took.
func (c *Calendar) WorkingDaysBetween(a, b Date) int {
	if b.Before(a) {
		return -c.WorkingDaysBetween(b, a)
	}
	n := 0
	for d := a.AddDays(1); !d.After(b); d = d.AddDays(1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

// Limit names a legal time limit of the hotline and of disclosure on
// application.
type Limit string

// The limits, with their working days in Days.
const (
	Ordinary            Limit = "ordinary"             // 5: a recorded question
	Complex             Limit = "complex"              // 10: important or complex
	Extended            Limit = "extended"             // 20: extended with the department head's consent
	Complaint           Limit = "complaint"            // 15: a complaint on an answer
	ComplaintExtended   Limit = "complaint_extended"   // 30: an extended complaint
	Application         Limit = "application"          // 20: 依申请公开, 条例 Art. 33
	ApplicationExtended Limit = "application_extended" // 40: extended by 20 with approval
	Forward             Limit = "forward"              // 5: added for each forward through a government office
)

// Limits returns every limit in a fixed order, for usage texts and forms.
func Limits() []Limit {
	return []Limit{Ordinary, Complex, Extended, Complaint, ComplaintExtended, Application, ApplicationExtended, Forward}
}

// ParseLimit returns the limit named s. It fails with a *FieldError listing
// the known names.
func ParseLimit(s string) (Limit, error) {
	if Limit(s).Days() == 0 {
		var names []string
		for _, l := range Limits() {
			names = append(names, fmt.Sprintf("%s (%d)", l, l.Days()))
		}
		return "", fieldErr("kind", "%q is not a limit: use one of %s", s, strings.Join(names, ", "))
	}
	return Limit(s), nil
}

// Text names the limit in Chinese, for staff pages.
func (l Limit) Text() string {
	switch l {
	case Ordinary:
		return "一般查询（5个工作日）"
	case Complex:
		return "复杂查询（10个工作日）"
	case Extended:
		return "已延期（20个工作日）"
	case Complaint:
		return "投诉（15个工作日）"
	case ComplaintExtended:
		return "投诉已延期（30个工作日）"
	case Application:
		return "依申请公开（20个工作日）"
	case ApplicationExtended:
		return "依申请公开已延期（40个工作日）"
	case Forward:
		return "转办（5个工作日）"
	}
	return string(l)
}

// Days returns the working days of the limit (the most allowed, for the
// extended ones), or 0 for an unknown limit.
func (l Limit) Days() int {
	switch l {
	case Ordinary, Forward:
		return 5
	case Complex:
		return 10
	case Complaint:
		return 15
	case Extended, Application:
		return 20
	case ComplaintExtended:
		return 30
	case ApplicationExtended:
		return 40
	}
	return 0
}

// ParseTime reads the moment of acceptance: an RFC 3339 time, or a date
// YYYY-MM-DD meaning its midnight in Asia/Shanghai. It fails with a
// *FieldError when s is neither or its year is outside MinYear–MaxYear.
func ParseTime(s string) (time.Time, error) {
	t, err := time.ParseInLocation(dateLayout, s, shanghai)
	if err != nil {
		t, err = time.Parse(time.RFC3339, s)
	}
	if err != nil {
		return time.Time{}, fieldErr("from", "%q is neither a date YYYY-MM-DD nor an RFC 3339 time such as 2025-09-30T10:15:00+08:00", s)
	}
	if y := DateOf(t).Year(); y < MinYear || y > MaxYear {
		return time.Time{}, fieldErr("from", "%q is outside the years %d–%d", s, MinYear, MaxYear)
	}
	return t, nil
}

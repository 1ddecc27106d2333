package calendar

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// shanghai is China Standard Time, UTC+8. China has kept it without daylight
// saving since 1991, so a fixed zone equals tzdata's Asia/Shanghai for every
// date the calendar accepts and does not depend on the host's zoneinfo.
var shanghai = time.FixedZone("CST", 8*60*60)

// Location returns the time zone of every calendar computation, Asia/Shanghai
// (UTC+8, no daylight saving).
func Location() *time.Location { return shanghai }

// Date is a civil date in Asia/Shanghai, without time of day. Dates compare
// with ==, Before and After and may be used as map keys.
type Date struct {
	n int32 // days since 1970-01-01
}

const (
	secondsPerDay = 24 * 60 * 60
	dateLayout    = "2006-01-02"
	// MinYear and MaxYear bound the years the calendar accepts.
	MinYear = 2000
	MaxYear = 2200
)

// DateOf returns the date of t in Asia/Shanghai.
func DateOf(t time.Time) Date {
	y, m, d := t.In(shanghai).Date()
	return NewDate(y, m, d)
}

// NewDate returns the date y-m-d; out-of-range months and days are
// normalised as by time.Date (January 32 is February 1).
func NewDate(y int, m time.Month, d int) Date {
	return Date{n: int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay)}
}

// ParseDate reads YYYY-MM-DD. It fails with an error wrapping ErrInvalid when
// s is not such a date or its year is outside MinYear–MaxYear.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%w: %q is not a date of the form YYYY-MM-DD", ErrInvalid, s)
	}
	if t.Year() < MinYear || t.Year() > MaxYear {
		return Date{}, fmt.Errorf("%w: %q is outside the years %d–%d", ErrInvalid, s, MinYear, MaxYear)
	}
	return NewDate(t.Date()), nil
}

// civil returns the date at midnight UTC, for taking it apart.
func (d Date) civil() time.Time { return time.Unix(int64(d.n)*secondsPerDay, 0).UTC() }

// Year returns the year of d.
func (d Date) Year() int { return d.civil().Year() }

// Month returns the month of d.
func (d Date) Month() time.Month { return d.civil().Month() }

// Day returns the day of the month of d.
func (d Date) Day() int { return d.civil().Day() }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	return time.Weekday(((int(d.n)+4)%7 + 7) % 7)
}

// IsWeekend reports whether d is a Saturday or a Sunday.
func (d Date) IsWeekend() bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// AddDays returns the date n calendar days after d (before it when n < 0).
func (d Date) AddDays(n int) Date { return Date{n: d.n + int32(n)} }

// Sub returns the number of calendar days from e to d.
func (d Date) Sub(e Date) int { return int(d.n - e.n) }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.n < e.n }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.n > e.n }

// At returns the instant of d at the given minute of the day in
// Asia/Shanghai; minute 1440 is midnight at the end of d.
func (d Date) At(minute int) time.Time {
	c := d.civil()
	return time.Date(c.Year(), c.Month(), c.Day(), 0, minute, 0, 0, shanghai)
}

// String returns YYYY-MM-DD.
func (d Date) String() string { return d.civil().Format(dateLayout) }

// MarshalText writes YYYY-MM-DD, so dates read well in JSON.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD; it fails as ParseDate does.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Scan reads a PostgreSQL date. It fails on NULL and on other types.
func (d *Date) Scan(v any) error {
	t, ok := v.(time.Time)
	if !ok {
		return fmt.Errorf("calendar: cannot scan %T into Date", v)
	}
	*d = NewDate(t.Date())
	return nil
}

// Value writes the date as YYYY-MM-DD.
func (d Date) Value() (driver.Value, error) { return d.String(), nil }

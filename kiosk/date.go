package kiosk

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Date is a calendar date (成文日期, 发布日期) without time of day; the zero
// Date means "not set" and is stored as NULL.
type Date struct{ time.Time }

const dateLayout = "2006-01-02"

// ParseDate reads YYYY-MM-DD; the empty string gives the zero Date.
func ParseDate(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf(" %q 不是“年-月-日”形式的日期（如 2024-05-08）", s)
	}
	if t.Year() < 1949 || t.Year() > 2100 {
		return Date{}, fmt.Errorf(" %q 不在 1949 至 2100 年之间", s)
	}
	return Date{t}, nil
}

// String returns YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(dateLayout)
}

// MarshalJSON writes "YYYY-MM-DD" or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// Scan reads a PostgreSQL date or NULL.
func (d *Date) Scan(v any) error {
	switch t := v.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = Date{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
	default:
		return fmt.Errorf("kiosk: cannot scan %T into Date", v)
	}
	return nil
}

// Value writes the date, or NULL for the zero Date.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

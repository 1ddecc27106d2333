package calendar

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Notice is one year's State Council notice on holidays (国务院办公厅关于
// 某年部分节假日安排的通知) with the dates it changes from the plain Monday–
// Friday week. Days may include late December of the year before, as the
// notices for 2012 and 2019 did.
type Notice struct {
	Year        int         `db:"year" json:"year"`
	DocNumber   string      `db:"doc_number" json:"doc_number"` // 文号, e.g. 国办发明电〔2024〕12号; empty when unknown
	Title       string      `db:"title" json:"title"`
	PublishedOn Date        `db:"published_on" json:"published_on"`
	Version     int         `db:"version" json:"version"` // 1 when added, +1 on each ReplaceYear
	Days        []Exception `db:"-" json:"days"`
}

// Validate checks a notice on its own. It fails with a *FieldError naming the
// first bad field: a year outside MinYear–MaxYear, an empty title, a
// publication date more than a year before the year, an unknown kind, an
// empty festival name, a date outside December of the year before through
// the year, a duplicate date, a rest swap on a weekend or a work swap on a
// weekday.
func (n Notice) Validate() error {
	if n.Year < MinYear || n.Year > MaxYear {
		return fieldErr("year", "%d is outside %d–%d", n.Year, MinYear, MaxYear)
	}
	if strings.TrimSpace(n.Title) == "" {
		return fieldErr("title", "is empty: give the notice's title, such as 国务院办公厅关于%d年部分节假日安排的通知", n.Year)
	}
	if y := n.PublishedOn.Year(); y < n.Year-1 || y > n.Year {
		return fieldErr("published_on", "%s is not in %d or %d", n.PublishedOn, n.Year-1, n.Year)
	}
	seen := map[Date]bool{}
	for i, e := range n.Days {
		if err := n.checkDay(e); err != nil {
			return fieldErr(fmt.Sprintf("days[%d]", i), "%v", err)
		}
		if seen[e.Date] {
			return fieldErr(fmt.Sprintf("days[%d]", i), "%s is listed twice", e.Date)
		}
		seen[e.Date] = true
	}
	return nil
}

// checkDay checks one entry of n.
func (n Notice) checkDay(e Exception) error {
	first, last := NewDate(n.Year-1, time.December, 1), NewDate(n.Year, time.December, 31)
	switch {
	case e.Date.Before(first) || e.Date.After(last):
		return fmt.Errorf("%s is outside %s–%s", e.Date, first, last)
	case strings.TrimSpace(e.Name) == "":
		return fmt.Errorf("%s has no festival name (元旦, 春节 …)", e.Date)
	case e.Kind == RestSwap && e.Date.IsWeekend():
		return fmt.Errorf("%s is a %s: a rest swap (调休休息) is a weekday", e.Date, e.Date.Weekday())
	case e.Kind == WorkSwap && !e.Date.IsWeekend():
		return fmt.Errorf("%s is a %s: a work swap (调休上班) is a Saturday or Sunday", e.Date, e.Date.Weekday())
	case e.Kind != Holiday && e.Kind != RestSwap && e.Kind != WorkSwap:
		return fmt.Errorf("%s has kind %q: use holiday, rest_swap or work_swap", e.Date, e.Kind)
	}
	return nil
}

// Notices returns the calendar's notices in order of year.
func (c *Calendar) Notices() []Notice {
	ns := make([]Notice, 0, len(c.notices))
	for _, n := range c.notices {
		n.Days = append([]Exception(nil), n.Days...)
		ns = append(ns, n)
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i].Year < ns[j].Year })
	return ns
}

// Version names the notices the calendar was built from, as year.version
// pairs ("2024.1,2025.1,2026.2"). A clock may store it to show which calendar
// dated it.
func (c *Calendar) Version() string {
	var parts []string
	for _, n := range c.Notices() {
		parts = append(parts, fmt.Sprintf("%d.%d", n.Year, n.Version))
	}
	return strings.Join(parts, ",")
}

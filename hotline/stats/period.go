package stats

import (
	"fmt"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
)

// Kinds of period.
const (
	Day     = "day"
	Week    = "week"
	Month   = "month"
	Quarter = "quarter"
	Year    = "year"
	Custom  = "custom"
)

// PeriodKinds are the kinds of period in the order the pickers show them,
// with their names.
var PeriodKinds = []struct{ Key, Label string }{
	{Day, "日"}, {Week, "周"}, {Month, "月"}, {Quarter, "季度"}, {Year, "年"}, {Custom, "自定义"},
}

// maxCustomDays bounds a custom period (two years and a day).
const maxCustomDays = 732

// Period is a span of whole days in Asia/Shanghai. First and Last are the
// first and last day, both included, as people name a period; Start and
// End are the same span half-open, [Start, End), as every scan uses it.
type Period struct {
	Kind  string        `json:"kind"`
	First calendar.Date `json:"first"`
	Last  calendar.Date `json:"last"`
}

// Start is the first instant of the period (00:00 of First, Asia/Shanghai).
func (p Period) Start() time.Time { return p.First.At(0) }

// End is the first instant after the period (00:00 of the day after Last).
func (p Period) End() time.Time { return p.Last.AddDays(1).At(0) }

// Days is the number of days in the period.
func (p Period) Days() int { return p.Last.Sub(p.First) + 1 }

// Contains reports whether t falls in [Start, End).
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start()) && t.Before(p.End()) }

// Label names the period in Chinese: 2025年3月, 2025年第1季度, 2025年第10周（03-03至03-09） …
func (p Period) Label() string {
	switch p.Kind {
	case Day:
		return fmt.Sprintf("%d年%d月%d日", p.First.Year(), p.First.Month(), p.First.Day())
	case Week:
		y, w := p.First.At(0).ISOWeek()
		return fmt.Sprintf("%d年第%d周（%s至%s）", y, w, p.First, p.Last)
	case Month:
		return fmt.Sprintf("%d年%d月", p.First.Year(), p.First.Month())
	case Quarter:
		return fmt.Sprintf("%d年第%d季度", p.First.Year(), (int(p.First.Month())-1)/3+1)
	case Year:
		return fmt.Sprintf("%d年", p.First.Year())
	}
	return fmt.Sprintf("%s至%s", p.First, p.Last)
}

// Slug is a file-name form of the period: 2025-03, 2025-Q1, 2025-W10,
// 2025-03-05, 2025, 2025-03-01_2025-03-20.
func (p Period) Slug() string {
	switch p.Kind {
	case Day:
		return p.First.String()
	case Week:
		y, w := p.First.At(0).ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case Month:
		return fmt.Sprintf("%d-%02d", p.First.Year(), p.First.Month())
	case Quarter:
		return fmt.Sprintf("%d-Q%d", p.First.Year(), (int(p.First.Month())-1)/3+1)
	case Year:
		return fmt.Sprint(p.First.Year())
	}
	return p.First.String() + "_" + p.Last.String()
}

// PeriodOf returns the period of the kind that contains day d (for
// Custom: the day alone).
func PeriodOf(kind string, d calendar.Date) (Period, error) {
	switch kind {
	case Day, Custom:
		return Period{Kind: kind, First: d, Last: d}, nil
	case Week:
		back := (int(d.Weekday()) + 6) % 7 // days since Monday
		first := d.AddDays(-back)
		return Period{Kind: Week, First: first, Last: first.AddDays(6)}, nil
	case Month:
		first := calendar.NewDate(d.Year(), d.Month(), 1)
		return Period{Kind: Month, First: first, Last: calendar.NewDate(d.Year(), d.Month()+1, 0)}, nil
	case Quarter:
		m := time.Month((int(d.Month())-1)/3*3 + 1)
		return Period{Kind: Quarter, First: calendar.NewDate(d.Year(), m, 1), Last: calendar.NewDate(d.Year(), m+3, 0)}, nil
	case Year:
		return Period{Kind: Year, First: calendar.NewDate(d.Year(), 1, 1), Last: calendar.NewDate(d.Year(), 12, 31)}, nil
	}
	return Period{}, fieldErr("period", "“%s”不是统计周期（日、周、月、季度、年或自定义）", kind)
}

// ParsePeriod reads a period from the pickers: its kind, a day in it
// (YYYY-MM-DD; for a custom period its first day) and, for a custom period,
// its last day (included). An empty from is the day of now. It fails with
// a *FieldError naming the field.
func ParsePeriod(kind, from, to string, now time.Time) (Period, error) {
	if kind == "" {
		kind = Month
	}
	d := calendar.DateOf(now)
	if from != "" {
		var err error
		if d, err = calendar.ParseDate(from); err != nil {
			return Period{}, fieldErr("from", "开始日期应为 YYYY-MM-DD 形式的日期")
		}
	}
	p, err := PeriodOf(kind, d)
	if err != nil || kind != Custom {
		return p, err
	}
	if to == "" {
		return p, nil
	}
	last, err := calendar.ParseDate(to)
	if err != nil {
		return Period{}, fieldErr("to", "结束日期应为 YYYY-MM-DD 形式的日期")
	}
	if last.Before(d) {
		return Period{}, fieldErr("to", "结束日期早于开始日期")
	}
	if last.Sub(d)+1 > maxCustomDays {
		return Period{}, fieldErr("to", "自定义周期最长 %d 天", maxCustomDays)
	}
	p.Last = last
	return p, nil
}

// Range returns the custom period of the days first to last, included.
func Range(first, last calendar.Date) Period { return Period{Kind: Custom, First: first, Last: last} }

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
		return fieldErr("year", "年份 %d 不在 %d–%d 之间", n.Year, MinYear, MaxYear)
	}
	if strings.TrimSpace(n.Title) == "" {
		return fieldErr("title", "请填写通知标题，如 国务院办公厅关于%d年部分节假日安排的通知", n.Year)
	}
	if n.PublishedOn == (Date{}) {
		return fieldErr("published_on", "请填写通知的发布日期")
	}
	if y := n.PublishedOn.Year(); y < n.Year-1 || y > n.Year {
		return fieldErr("published_on", "发布日期 %s 应在 %d 年或 %d 年", n.PublishedOn, n.Year-1, n.Year)
	}
	seen := map[Date]bool{}
	for i, e := range n.Days {
		if err := n.checkDay(e); err != nil {
			return fieldErr(fmt.Sprintf("days[%d]", i), "%v", err)
		}
		if seen[e.Date] {
			return fieldErr(fmt.Sprintf("days[%d]", i), "%s 重复填写了", e.Date)
		}
		seen[e.Date] = true
	}
	return nil
}

// checkDay checks one entry of n.
func (n Notice) checkDay(e Exception) error {
	first, last := NewDate(n.Year-1, time.December, 1), NewDate(n.Year, time.December, 31)
	switch {
	case e.Date == (Date{}):
		return fmt.Errorf("请填写日期")
	case e.Date.Before(first) || e.Date.After(last):
		return fmt.Errorf("%s 不在 %s 至 %s 之间", e.Date, first, last)
	case strings.TrimSpace(e.Name) == "":
		return fmt.Errorf("%s 没有填写节日名称（元旦、春节……）", e.Date)
	case e.Kind == RestSwap && e.Date.IsWeekend():
		return fmt.Errorf("%s 是%s：调休休息的日子应是工作日（周一至周五）", e.Date, weekdayZh(e.Date))
	case e.Kind == WorkSwap && !e.Date.IsWeekend():
		return fmt.Errorf("%s 是%s：调休上班的日子应是周六或周日", e.Date, weekdayZh(e.Date))
	case e.Kind != Holiday && e.Kind != RestSwap && e.Kind != WorkSwap:
		return fmt.Errorf("%s 的类型“%s”不正确：应为 holiday（放假）、rest_swap（调休休息）或 work_swap（调休上班）", e.Date, e.Kind)
	}
	return nil
}

// weekdayZh names the day of the week of d in Chinese.
func weekdayZh(d Date) string {
	return [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}[d.Weekday()]
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

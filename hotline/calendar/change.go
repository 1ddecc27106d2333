package calendar

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// Range is an inclusive span of dates.
type Range struct {
	From Date `json:"from"`
	To   Date `json:"to"`
}

// Overlaps reports whether a clock that started on start and is due on due
// counted a day of r, that is whether r meets the days after start up to and
// including due. Only such clocks can be re-dated by a change in r: in SQL,
// `start_date < r.To AND due_date >= r.From`.
func (r Range) Overlaps(start, due Date) bool {
	return start.Before(r.To) && !due.Before(r.From)
}

// Changed returns the dates on which old and new disagree, either about
// whether the day is a working day or about whether its status is published,
// as the smallest Range holding them all; ok is false when they agree
// everywhere. A newly added year thus changes at least the last days of the
// December before it and itself up to December 24 (those days stop being
// provisional; its own late December waits for the next notice).
func Changed(old, new *Calendar) (r Range, ok bool) {
	for _, d := range candidates(old, new) {
		if old.IsWorkingDay(d) == new.IsWorkingDay(d) && old.Published(d) == new.Published(d) {
			continue
		}
		if !ok || d.Before(r.From) {
			r.From = d
		}
		if !ok || d.After(r.To) {
			r.To = d
		}
		ok = true
	}
	return r, ok
}

// candidates returns every date on which old and new might disagree: the
// dates either lists and every day of a year only one of them has a notice
// for, with the December before it.
func candidates(old, new *Calendar) []Date {
	var ds []Date
	for _, c := range []*Calendar{old, new} {
		for d := range c.days {
			ds = append(ds, d)
		}
	}
	for _, pair := range [][2]*Calendar{{old, new}, {new, old}} {
		for y := range pair[0].notices {
			if _, ok := pair[1].notices[y]; ok {
				continue
			}
			first := NewDate(y-1, 12, 1)
			for d := first; d.Year() <= y; d = d.AddDays(1) {
				ds = append(ds, d)
			}
		}
	}
	return ds
}

// Rebaser re-dates what was computed from the calendar, such as the deadlines
// of open clocks, after a notice changed it. The Store calls every Rebaser
// inside the transaction that changes the notice, with the calendar as it
// will be after the commit and the dates that changed; an error rolls the
// whole change back. It returns how many items it re-dated, for the audit
// log.
type Rebaser interface {
	Rebase(ctx context.Context, tx *sqlx.Tx, cal *Calendar, changed Range) (int, error)
}

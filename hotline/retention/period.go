package retention

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrPeriod is returned by ParsePeriod for a value it cannot read.
var ErrPeriod = errors.New("retention: bad period")

// MinPeriod is the shortest period ParsePeriod accepts: a shorter one is
// taken for a typo ("3" meaning years) rather than an order to delete
// nearly everything.
const MinPeriod = 30 * 24 * time.Hour

// Period is how long something is kept, in calendar years, months and
// days; the zero Period keeps it forever.
type Period struct {
	Years, Months, Days int
}

// ParsePeriod reads a period: "3y", "18m" (months), "90d", a plain number
// of days ("1095"), or a sum of them ("1y6m"). "" and "forever" keep
// forever (the zero Period). It fails with ErrPeriod for anything else and
// for a period shorter than MinPeriod.
func ParsePeriod(s string) (Period, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "forever" {
		return Period{}, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		s = strconv.Itoa(n) + "d"
	}
	var p Period
	for rest := s; rest != ""; {
		i := strings.IndexAny(rest, "ymd")
		n, err := strconv.Atoi(rest[:max(i, 0)])
		if i <= 0 || err != nil || n < 0 {
			return Period{}, fmt.Errorf("%w %q: write years, months or days such as 3y, 18m, 90d or 1095", ErrPeriod, s)
		}
		switch rest[i] {
		case 'y':
			p.Years += n
		case 'm':
			p.Months += n
		case 'd':
			p.Days += n
		}
		rest = rest[i+1:]
	}
	now := time.Now()
	if now.Sub(p.Before(now)) < MinPeriod {
		return Period{}, fmt.Errorf("%w %q: shorter than 30 days", ErrPeriod, s)
	}
	return p, nil
}

// Forever reports whether p keeps things forever.
func (p Period) Forever() bool { return p == Period{} }

// Before returns the moment a period ago from now: what is older has
// outlived p.
func (p Period) Before(now time.Time) time.Time { return now.AddDate(-p.Years, -p.Months, -p.Days) }

// String writes p as ParsePeriod reads it.
func (p Period) String() string {
	if p.Forever() {
		return "forever"
	}
	var b strings.Builder
	for _, part := range []struct {
		n    int
		unit string
	}{{p.Years, "y"}, {p.Months, "m"}, {p.Days, "d"}} {
		if part.n > 0 {
			fmt.Fprintf(&b, "%d%s", part.n, part.unit)
		}
	}
	return b.String()
}

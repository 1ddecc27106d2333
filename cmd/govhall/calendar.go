package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
)

const calendarUsage = `usage: govhall calendar due FROM [N] [--kind K]

  FROM       the moment of acceptance (受理): a date YYYY-MM-DD (Asia/Shanghai)
             or an RFC 3339 time such as 2025-09-30T10:15:00+08:00
  N          the limit in working days, 1–1000; the day of acceptance does not
             count and the limit ends at the close of business of the Nth
             working day
  --kind K   a legal limit: ordinary (5), complex (10), extended (20),
             complaint (15), complaint_extended (30), application (20),
             application_extended (40), forward (5). Without N the limit is
             the kind's; with N, N may shorten the kind's limit (an extension
             granted for fewer days) but never exceed it.

Prints the due date YYYY-MM-DD on stdout. When a counted day lies in a year
whose State Council notice is not in the calendar yet, it also prints
"(provisional: no published schedule for YYYY)" on stderr.
`

// dueArgs is the parsed command line of `calendar due`.
type dueArgs struct {
	from     string
	days     string // "" when only --kind gives the limit
	kind     string
	haveKind bool
}

// calendar is `govhall calendar due FROM [N] [--kind K]`.
func (p *program) calendar(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: calendar needs a subcommand (due)", errUsage)
	}
	switch args[0] {
	case "due":
		return p.calendarDue(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(p.stdout, calendarUsage)
		return nil
	}
	return fmt.Errorf("%w: unknown calendar subcommand %q", errUsage, args[0])
}

func (p *program) calendarDue(ctx context.Context, args []string) error {
	a, help, err := parseDueArgs(args)
	if help {
		fmt.Fprint(p.stdout, calendarUsage)
		return nil
	}
	if err != nil {
		return fmt.Errorf("calendar due: %w\n%s", err, strings.SplitN(calendarUsage, "\n", 2)[0])
	}
	from, n, err := a.resolve()
	if err != nil {
		return fmt.Errorf("calendar due: %w", err)
	}
	hours, err := calendar.ParseHours(p.cfg.OfficeHours)
	if err != nil {
		return fmt.Errorf("GOVHALL_OFFICE_HOURS: %w", err)
	}
	db, closeDB, err := p.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	store, err := calendar.Open(ctx, db, hours)
	if err != nil {
		return err
	}
	return p.printDue(store.Calendar(), from, n)
}

// printDue prints the due date, and the provisional warning on stderr.
func (p *program) printDue(cal *calendar.Calendar, from time.Time, n int) error {
	d, err := cal.Due(from, n)
	if err != nil {
		return fmt.Errorf("calendar due: %w", err)
	}
	fmt.Fprintln(p.stdout, d.Date)
	for _, y := range d.Unpublished {
		fmt.Fprintf(p.stderr, "(provisional: no published schedule for %d)\n", y)
	}
	return nil
}

// parseDueArgs reads FROM, N and --kind in any order. help is true for -h.
func parseDueArgs(args []string) (a dueArgs, help bool, err error) {
	var pos []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "-h" || arg == "--help":
			return a, true, nil
		case arg == "--kind" || arg == "-kind":
			if i+1 >= len(args) {
				return a, false, fmt.Errorf("--kind needs a value")
			}
			i++
			a.kind, a.haveKind = args[i], true
		case strings.HasPrefix(arg, "--kind=") || strings.HasPrefix(arg, "-kind="):
			_, a.kind, _ = strings.Cut(arg, "=")
			a.haveKind = true
		case strings.HasPrefix(arg, "-") && len(arg) > 1 && !isDigits(arg[1:]):
			return a, false, fmt.Errorf("unknown flag %q", arg)
		default:
			pos = append(pos, arg)
		}
	}
	return a.positional(pos)
}

// positional assigns FROM and N.
func (a dueArgs) positional(pos []string) (dueArgs, bool, error) {
	switch {
	case len(pos) == 0:
		return a, false, fmt.Errorf("FROM is missing")
	case len(pos) > 2:
		return a, false, fmt.Errorf("too many arguments %q", pos[2:])
	case len(pos) == 1 && !a.haveKind:
		return a, false, fmt.Errorf("give N working days or --kind K")
	}
	a.from = pos[0]
	if len(pos) == 2 {
		a.days = pos[1]
	}
	return a, false, nil
}

// resolve returns the moment FROM and the number of working days, checking
// N against the kind.
func (a dueArgs) resolve() (time.Time, int, error) {
	from, err := calendar.ParseTime(a.from)
	if err != nil {
		return time.Time{}, 0, err
	}
	max := calendar.MaxDays
	if a.haveKind {
		l, err := calendar.ParseLimit(a.kind)
		if err != nil {
			return time.Time{}, 0, err
		}
		if a.days == "" {
			return from, l.Days(), nil
		}
		max = l.Days()
	}
	n, err := strconv.Atoi(a.days)
	if err != nil || n < 1 || n > max {
		return time.Time{}, 0, fmt.Errorf("days %q (N): give a whole number of working days from 1 to %d%s", a.days, max, kindNote(a))
	}
	return from, n, nil
}

func kindNote(a dueArgs) string {
	if !a.haveKind {
		return ""
	}
	return fmt.Sprintf(" (the limit of --kind %s)", a.kind)
}

func isDigits(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/govhall/govhall/migrations/pgtest"
)

func TestCalendarDue(t *testing.T) {
	env := map[string]string{"GOVHALL_DATABASE_URL": pgtest.URL(t), "GOVHALL_DATA_DIR": t.TempDir()}
	for _, tc := range []struct {
		args         []string
		stdout, warn string
	}{
		{[]string{"2025-09-30", "5"}, "2025-10-14\n", ""},
		{[]string{"2025-09-30T16:00:00+08:00", "--kind", "ordinary"}, "2025-10-14\n", ""},
		{[]string{"--kind=complaint", "2025-09-30"}, "2025-10-28\n", ""},
		{[]string{"2025-09-30", "--kind", "extended", "12"}, "2025-10-23\n", ""},
		{[]string{"2025-12-30", "5"}, "2026-01-07\n", ""},
		{[]string{"2026-12-28T09:00:00+08:00", "5"}, "2027-01-04\n", "(provisional: no published schedule for 2027)\n"},
		{[]string{"2023-12-29", "1"}, "2024-01-02\n", "(provisional: no published schedule for 2023)\n"},
	} {
		var out, errOut bytes.Buffer
		args := append([]string{"calendar", "due"}, tc.args...)
		if err := run(context.Background(), args, mapEnv(env), &out, &errOut); err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		if out.String() != tc.stdout || errOut.String() != tc.warn {
			t.Errorf("%v: stdout %q stderr %q, want %q and %q", tc.args, out.String(), errOut.String(), tc.stdout, tc.warn)
		}
	}
}

func TestCalendarDueErrors(t *testing.T) {
	env := map[string]string{"GOVHALL_DATABASE_URL": pgtest.URL(t), "GOVHALL_DATA_DIR": t.TempDir()}
	for _, tc := range []struct {
		args  []string
		env   map[string]string
		usage bool
		msg   string
	}{
		{[]string{"calendar"}, nil, true, "subcommand"},
		{[]string{"calendar", "list"}, nil, true, `unknown calendar subcommand "list"`},
		{[]string{"calendar", "due"}, nil, false, "FROM is missing"},
		{[]string{"calendar", "due", "2025-09-30"}, nil, false, "give N working days or --kind K"},
		{[]string{"calendar", "due", "2025-13-01", "5"}, nil, false, `"2025-13-01" is neither a date YYYY-MM-DD`},
		{[]string{"calendar", "due", "30/09/2025", "5"}, nil, false, "neither a date YYYY-MM-DD nor an RFC 3339 time"},
		{[]string{"calendar", "due", "2025-09-30", "five"}, nil, false, `days "five" (N): give a whole number of working days from 1 to 1000`},
		{[]string{"calendar", "due", "2025-09-30", "0"}, nil, false, "from 1 to 1000"},
		{[]string{"calendar", "due", "2025-09-30", "-3"}, nil, false, "from 1 to 1000"},
		{[]string{"calendar", "due", "2025-09-30", "5", "6"}, nil, false, "too many arguments"},
		{[]string{"calendar", "due", "2025-09-30", "--kind", "weekly"}, nil, false, `"weekly" is not a limit: use one of ordinary (5)`},
		{[]string{"calendar", "due", "2025-09-30", "--kind"}, nil, false, "--kind needs a value"},
		{[]string{"calendar", "due", "2025-09-30", "--kind", "extended", "21"}, nil, false, "from 1 to 20 (the limit of --kind extended)"},
		{[]string{"calendar", "due", "2025-09-30", "5", "--verbose"}, nil, false, `unknown flag "--verbose"`},
		{[]string{"calendar", "due", "2025-09-30", "5"}, map[string]string{"GOVHALL_OFFICE_HOURS": "08:30-12:00,11:00-17:30"}, false, "GOVHALL_OFFICE_HOURS: calendar: office_hours: span 2"},
	} {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		for k, v := range tc.env {
			e[k] = v
		}
		var out, errOut bytes.Buffer
		err := run(context.Background(), tc.args, mapEnv(e), &out, &errOut)
		if err == nil || errors.Is(err, errUsage) != tc.usage || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%v: error %v, want usage=%v containing %q", tc.args, err, tc.usage, tc.msg)
		}
		if out.Len() != 0 {
			t.Errorf("%v: printed %q on a failure", tc.args, out.String())
		}
	}
}

func TestCalendarDueHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"calendar", "due", "--help"}, mapEnv(nil), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "never exceed it") {
		t.Errorf("help = %q", out.String())
	}
}

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

package stats_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/stats"
	"github.com/govhall/govhall/migrations/pgtest"
)

// The generated year: 200 000 calls (80% answered, with legs, wrap-ups,
// holds, notes; 15% of the answered transferred) and 50 000 queries with
// their clocks, answers, ratings and complaints, over 2025.
const (
	benchCalls   = 200000
	benchQueries = 50000
)

var (
	benchOnce sync.Once
	benchURL  string
	benchErr  error
)

// genYear fills a database with the generated year, once per test binary.
func genYear(b *testing.B) *sqlx.DB {
	b.Helper()
	benchOnce.Do(func() {
		benchURL = pgtest.SharedURL(b)
		db, err := sqlx.Open("postgres", benchURL)
		if err != nil {
			benchErr = err
			return
		}
		defer db.Close()
		start := time.Now()
		for _, q := range genSQL {
			if _, err := db.Exec(q); err != nil {
				benchErr = err
				b.Logf("%s", q)
				return
			}
		}
		b.Logf("generated %d calls and %d queries in %s", benchCalls, benchQueries, time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	db, err := sqlx.Open("postgres", benchURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

var genSQL = []string{
	`SELECT setseed(0.14)`,
	`INSERT INTO departments (code, name, full_name, gov_office, office_hours)
		SELECT CASE WHEN g = 0 THEN 'zfb' ELSE 'd' || g END, '部门' || g, '沂源县部门' || g, g = 0,
			CASE WHEN g % 3 = 0 THEN '09:00-17:00' ELSE '工作日 8:30–12:00，14:00–17:30' END
		FROM generate_series(0, 13) g`,
	`INSERT INTO accounts (username, display_name, password_hash, roles, department_id)
		SELECT 'bop' || g, '话务员' || g, 'x', ARRAY['operator'], NULL FROM generate_series(1, 20) g`,
	`INSERT INTO accounts (username, display_name, password_hash, roles, department_id)
		SELECT 'bl' || g, '联络员' || g, 'x', ARRAY['liaison'], (SELECT id FROM departments WHERE code = 'd' || (1 + g % 13)) FROM generate_series(1, 26) g`,
	// Calls: 8:00–18:00 on every day of 2025; r decides the class, w the wait.
	`CREATE TEMP TABLE gen_calls AS
		SELECT g, s, random() AS r, random() AS w, random() AS t FROM (
			SELECT g, '2025-01-01 08:00+08'::timestamptz + ((g % 365) || ' days')::interval + make_interval(secs => random() * 36000) AS s
			FROM generate_series(1, ` + itoaB(benchCalls) + `) g) x`,
	`INSERT INTO calls (sip_call_id, caller, started_at, answered_at, queued_at, dequeued_at, ended_at, outcome, satisfaction, direction)
		SELECT 'b' || g, '138' || lpad(g::text, 8, '0'), s, s,
			CASE WHEN r < 0.96 THEN s + interval '8 s' END,
			CASE WHEN r < 0.96 THEN s + interval '8 s' + make_interval(secs => w * 40) END,
			s + interval '8 s' + make_interval(secs => w * 40) + CASE WHEN r < 0.8 THEN make_interval(secs => 60 + t * 400) ELSE interval '0' END,
			CASE WHEN r < 0.8 THEN 'answered' WHEN r < 0.9 THEN 'abandoned' WHEN r < 0.93 THEN 'voicemail' WHEN r < 0.96 THEN 'failed'
				WHEN r < 0.98 THEN 'rejected' ELSE 'voicemail' END,
			CASE WHEN r < 0.8 AND t < 0.5 THEN 1 + (t * 10)::int % 5 END, 'inbound'
		FROM gen_calls`,
	`INSERT INTO call_legs (call_id, party, account_id, extension, started_at, answered_at, ended_at, result, ended_by)
		SELECT c.id, 'operator', (SELECT id FROM accounts WHERE username = 'bop' || (1 + c.id % 20)), '8001',
			c.dequeued_at - interval '3 s', c.dequeued_at, c.ended_at, 'answered', 'party'
		FROM calls c WHERE c.outcome = 'answered'`,
	`INSERT INTO operator_state_log (account_id, state, started_at, ended_at)
		SELECT l.account_id, 'busy', l.started_at, l.ended_at FROM call_legs l
		UNION ALL SELECT l.account_id, 'wrapup', l.ended_at + interval '1 s', l.ended_at + interval '11 s' FROM call_legs l
		UNION ALL SELECT a.id, 'available', d + interval '8 hours', d + interval '18 hours'
			FROM accounts a, generate_series('2025-01-01 00:00+08'::timestamptz, '2025-12-31 00:00+08', interval '1 day') d WHERE a.username LIKE 'bop%'`,
	`INSERT INTO call_holds (call_id, leg_id, account_id, started_at, ended_at)
		SELECT l.call_id, l.id, l.account_id, l.answered_at + interval '20 s', l.answered_at + interval '40 s' FROM call_legs l WHERE l.id % 10 = 0`,
	`INSERT INTO call_notes (call_id, account_id, kind, code)
		SELECT l.call_id, l.account_id, 'wrapup', (ARRAY['answered', 'transferred', 'query', 'other'])[1 + l.id % 4] FROM call_legs l`,
	`INSERT INTO call_transfers (call_id, department_id, method, requested_by, from_leg_id, requested_at, answered_at, finished_at, result)
		SELECT l.call_id, (SELECT id FROM departments WHERE code = 'd' || (1 + l.id % 13)), 'attended', l.account_id, l.id,
			l.answered_at + interval '30 s',
			CASE WHEN l.id % 5 <> 0 THEN l.answered_at + interval '30 s' + ((l.id % 30) || ' s')::interval END,
			l.answered_at + interval '60 s',
			CASE WHEN l.id % 5 <> 0 THEN 'completed' WHEN l.id % 10 = 0 THEN 'timeout' ELSE 'refused' END
		FROM call_legs l WHERE l.id % 7 = 0`,
	`INSERT INTO call_legs (call_id, party, account_id, department_id, extension, started_at, answered_at, ended_at, result, ended_by, transfer_id)
		SELECT t.call_id, 'liaison', (SELECT id FROM accounts WHERE department_id = t.department_id ORDER BY id LIMIT 1), t.department_id, '9001',
			t.requested_at, t.answered_at, t.answered_at + interval '120 s', 'answered', 'party', t.id
		FROM call_transfers t WHERE t.answered_at IS NOT NULL`,
	`UPDATE call_transfers t SET to_leg_id = l.id FROM call_legs l WHERE l.transfer_id = t.id`,
	// Queries: one a working hour or so through the year, each with its clock.
	`CREATE TEMP TABLE gen_q AS
		SELECT g, '2025-01-01 09:00+08'::timestamptz + ((g % 365) || ' days')::interval + make_interval(secs => random() * 28000) AS s,
			random() AS r, (SELECT id FROM departments WHERE code = 'd' || (1 + g % 13)) AS dep
		FROM generate_series(1, ` + itoaB(benchQueries) + `) g`,
	`INSERT INTO queries (code, channel, kind, question, status, department_id, segment_started_at, accepted_at, answered_at)
		SELECT 5000000000 + g, (ARRAY['phone', 'voicemail', 'kiosk', 'web', 'window'])[1 + g % 5], CASE WHEN g % 10 = 0 THEN 'complex' ELSE 'ordinary' END,
			'问题' || (g % 400), CASE WHEN r < 0.9 THEN 'answered' ELSE 'assigned' END, dep, s, s,
			CASE WHEN r < 0.9 THEN s + make_interval(secs => r * 8 * 86400) END
		FROM gen_q`,
	`INSERT INTO query_clocks (query_id, department_id, kind, days, extra_days, started_at, due_at, due_date, closed_at, outcome, calendar_version)
		SELECT q.id, q.department_id, CASE WHEN q.id % 20 = 0 THEN 'extended' ELSE 'ordinary' END, 5, CASE WHEN q.id % 20 = 0 THEN 5 ELSE 0 END,
			q.accepted_at, q.accepted_at + interval '7 days', (q.accepted_at + interval '7 days')::date, q.answered_at,
			CASE WHEN q.answered_at IS NOT NULL THEN 'answered' END, '2025.1'
		FROM queries q WHERE q.code >= '5000000000'`,
	`INSERT INTO query_answers (query_id, seq, department_id, clock_id, body, answered_by, answered_at)
		SELECT k.query_id, 1, k.department_id, k.id, '答复', (SELECT id FROM accounts WHERE department_id = k.department_id ORDER BY id LIMIT 1), k.closed_at
		FROM query_clocks k WHERE k.closed_at IS NOT NULL AND k.department_id IS NOT NULL`,
	`INSERT INTO query_ratings (answer_id, query_id, score, channel, rated_at)
		SELECT a.id, a.query_id, 1 + a.id % 5, 'phone', a.answered_at + interval '1 hour' FROM query_answers a WHERE a.id % 2 = 0`,
	`INSERT INTO query_complaints (query_id, answer_id, reason, channel, created_at)
		SELECT a.query_id, a.id, '不满意', 'phone', a.answered_at + interval '2 hours' FROM query_answers a WHERE a.id % 50 = 0`,
	`INSERT INTO query_clocks (query_id, complaint_id, kind, days, started_at, due_at, due_date)
		SELECT p.query_id, p.id, 'complaint', 15, p.created_at, p.created_at + interval '21 days', (p.created_at + interval '21 days')::date FROM query_complaints p`,
	`ANALYZE`,
}

func itoaB(n int) string { return strconv.Itoa(n) }

func benchStore(b *testing.B) (*stats.Store, *sqlx.DB) {
	db := genYear(b)
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(context.Background(), db, hours)
	if err != nil {
		b.Fatal(err)
	}
	return stats.NewStore(db, cal, stats.Options{Now: func() time.Time { return time.Date(2026, 1, 15, 10, 0, 0, 0, calendar.Location()) }}), db
}

// report computes and renders a report as the monthly job keeps it.
func report(b *testing.B, s *stats.Store, p stats.Period, font []byte) *stats.Report {
	r, err := s.Compute(context.Background(), p, "", stats.MonthlyDims...)
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range []string{"csv", "xlsx", "pdf"} {
		if _, err := r.Bytes(f, font); err != nil {
			b.Fatal(err)
		}
	}
	return r
}

func benchReport(b *testing.B, p stats.Period, limit time.Duration) {
	s, db := benchStore(b)
	font, err := stats.LoadFont("")
	if err != nil {
		b.Fatal(err)
	}
	report(b, s, p, font) // warm the caches
	b.ResetTimer()
	start := time.Now()
	var r *stats.Report
	for b.Loop() {
		r = report(b, s, p, font)
	}
	b.StopTimer()
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(per.Seconds(), "s/report")
	b.Logf("%s: %s calls, %s offered, 按时办结率 %s over %s due; %s a report (compute, CSV, XLSX, PDF), limit %s",
		r.PeriodLabel, r.Figures["calls"].Text, r.Figures["offered"].Text, r.Figures["on_time_rate"].Text,
		itoaB(int(r.Figures["on_time_rate"].Den)), per.Round(time.Millisecond), limit)
	if per > limit {
		b.Errorf("%s report took %s, over %s", r.PeriodLabel, per, limit)
	}
	explain(b, db, p)
}

// explain logs the plans of the period scans.
func explain(b *testing.B, db *sqlx.DB, p stats.Period) {
	for _, q := range []string{
		`SELECT count(*) FROM calls c WHERE c.started_at >= $1 AND c.started_at < $2 AND c.direction = 'inbound'`,
		`SELECT count(*) FROM call_legs l JOIN calls c ON c.id = l.call_id WHERE c.started_at >= $1 AND c.started_at < $2 AND l.party = 'operator' AND l.answered_at IS NOT NULL`,
		`SELECT count(*) FROM operator_state_log WHERE state = 'wrapup' AND started_at >= $1 AND started_at < $2::timestamptz + interval '1 day'`,
		`SELECT count(*) FROM call_transfers t WHERE t.requested_at >= $1 AND t.requested_at < $2`,
		`SELECT count(*) FROM query_clocks k WHERE k.complaint_id IS NULL AND k.due_at >= $1 AND k.due_at < $2`,
		`SELECT count(*) FROM query_answers qa WHERE qa.answered_at >= $1 AND qa.answered_at < $2`,
	} {
		var plan []string
		if err := db.Select(&plan, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) `+q, p.Start(), p.End()); err != nil {
			b.Fatal(err)
		}
		b.Logf("EXPLAIN %s\n\t%s", q, strings.Join(plan, "\n\t"))
	}
}

// BenchmarkMonthlyReport: June 2025 of the generated year, under 1 s.
func BenchmarkMonthlyReport(b *testing.B) {
	p, _ := stats.PeriodOf(stats.Month, calendar.NewDate(2025, 6, 1))
	benchReport(b, p, time.Second)
}

// BenchmarkYearlyReport: the whole generated year, under 5 s.
func BenchmarkYearlyReport(b *testing.B) {
	p, _ := stats.PeriodOf(stats.Year, calendar.NewDate(2025, 6, 1))
	benchReport(b, p, 5*time.Second)
}

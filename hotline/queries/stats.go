package queries

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
)

// Stats are the figures of the queries accepted in a period, recomputed from
// their events (so that any period can be reproduced): counts per status,
// clocks on time and overdue, overdue without explanation (问责), working
// days to answer, satisfaction (答复满意率: ratings of 4 or 5 among all).
type Stats struct {
	From               time.Time         `json:"from"`
	To                 time.Time         `json:"to"`
	Queries            int               `json:"queries"`
	ByStatus           map[Status]int    `json:"by_status"`
	Answered           int               `json:"answered"`
	AvgDaysToAnswer    float64           `json:"avg_working_days_to_answer"`
	Clocks             int               `json:"clocks"`
	Overdue            int               `json:"overdue"`
	OverdueUnexplained int               `json:"overdue_unexplained"`
	Forwarded          int               `json:"forwarded"`
	Complaints         int               `json:"complaints"`
	ComplaintsOverdue  int               `json:"complaints_overdue"`
	Ratings            int               `json:"ratings"`
	Satisfied          int               `json:"satisfied"`
	SatisfactionRate   float64           `json:"satisfaction_rate"`
	Departments        []DepartmentStats `json:"departments"`
}

// DepartmentStats are one department's figures in Stats; its clocks
// include the government office's clocks for routing.
type DepartmentStats struct {
	Department         string  `json:"department"`
	Clocks             int     `json:"clocks"`
	Open               int     `json:"open"`
	Answered           int     `json:"answered"`
	OnTime             int     `json:"on_time"`
	Overdue            int     `json:"overdue"`
	OverdueUnexplained int     `json:"overdue_unexplained"`
	Forwarded          int     `json:"forwarded"`
	AvgDaysToAnswer    float64 `json:"avg_working_days_to_answer"`
	Ratings            int     `json:"ratings"`
	Satisfied          int     `json:"satisfied"`
	SatisfactionRate   float64 `json:"satisfaction_rate"`

	days int
}

// periodCTE selects the queries accepted in [$1, $2) by their accepted event.
const periodCTE = `WITH qs AS (SELECT query_id, at AS accepted_at FROM query_events
	WHERE kind = 'accepted' AND at >= $1 AND at < $2) `

// clockFact is one clock as its events tell it.
type clockFact struct {
	Clock       int64          `db:"clock_id"`
	Department  sql.NullString `db:"department"`
	Limit       string         `db:"limit_kind"`
	StartedAt   time.Time      `db:"started_at"`
	DueAt       time.Time      `db:"due_at"`
	ClosedAt    sql.NullTime   `db:"closed_at"`
	Outcome     sql.NullString `db:"outcome"`
	ExplainedAt sql.NullTime   `db:"explained_at"`
	Stopped     bool           `db:"stopped"`
}

const selectClockFacts = periodCTE + `SELECT f.clock_id, d.name AS department, f.limit_kind, f.started_at, f.due_at,
		f.closed_at, f.outcome, f.explained_at, f.stopped
	FROM (SELECT e.clock_id,
			max(e.department_id) FILTER (WHERE e.kind = 'clock_started') AS department_id,
			max(e.detail->>'limit') FILTER (WHERE e.kind = 'clock_started') AS limit_kind,
			max((e.detail->>'started_at')::timestamptz) FILTER (WHERE e.kind = 'clock_started') AS started_at,
			(array_agg(e.due_at ORDER BY e.id DESC) FILTER (WHERE e.due_at IS NOT NULL))[1] AS due_at,
			max(e.at) FILTER (WHERE e.kind = 'clock_closed') AS closed_at,
			max(e.detail->>'outcome') FILTER (WHERE e.kind = 'clock_closed') AS outcome,
			min(e.at) FILTER (WHERE e.kind = 'explained') AS explained_at,
			COALESCE(max(e.id) FILTER (WHERE e.kind = 'clock_stopped'), 0) >
				COALESCE(max(e.id) FILTER (WHERE e.kind IN ('clock_resumed', 'clock_closed')), 0) AS stopped
		FROM query_events e JOIN qs USING (query_id)
		WHERE e.clock_id IS NOT NULL
		GROUP BY e.clock_id) f
	LEFT JOIN departments d ON d.id = f.department_id`

// Stats recomputes the figures of the queries accepted from from (included)
// to to (excluded) from their events, as they stand now.
func (s *Store) Stats(ctx context.Context, from, to time.Time) (Stats, error) {
	st := Stats{From: from, To: to, ByStatus: map[Status]int{}}
	if err := s.statusCounts(ctx, &st); err != nil {
		return st, err
	}
	var facts []clockFact
	if err := s.db.SelectContext(ctx, &facts, selectClockFacts, from, to); err != nil {
		return st, fmt.Errorf("queries: clock statistics: %w", err)
	}
	deps := map[string]*DepartmentStats{}
	s.addClocks(&st, deps, facts)
	if err := s.addRatings(ctx, &st, deps); err != nil {
		return st, err
	}
	if err := s.addAnswerTimes(ctx, &st); err != nil {
		return st, err
	}
	for _, d := range deps {
		d.AvgDaysToAnswer = ratio(d.days, d.Answered)
		d.SatisfactionRate = ratio(d.Satisfied, d.Ratings)
		st.Departments = append(st.Departments, *d)
	}
	sort.Slice(st.Departments, func(i, j int) bool { return st.Departments[i].Department < st.Departments[j].Department })
	st.SatisfactionRate = ratio(st.Satisfied, st.Ratings)
	return st, nil
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// statusCounts counts the queries by the status their last status event set.
func (s *Store) statusCounts(ctx context.Context, st *Stats) error {
	const q = periodCTE + `SELECT status, count(*) AS n FROM (
			SELECT DISTINCT ON (e.query_id) e.status FROM query_events e JOIN qs USING (query_id)
			WHERE e.status IS NOT NULL ORDER BY e.query_id, e.id DESC) s
		GROUP BY status`
	var rows []struct {
		Status Status `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, st.From, st.To); err != nil {
		return fmt.Errorf("queries: status statistics: %w", err)
	}
	for _, r := range rows {
		st.ByStatus[r.Status] = r.N
		st.Queries += r.N
	}
	return nil
}

// addClocks adds the clock facts to st and its departments.
func (s *Store) addClocks(st *Stats, deps map[string]*DepartmentStats, facts []clockFact) {
	cal, now := s.cal.Calendar(), s.now()
	for _, f := range facts {
		overdue := (f.ClosedAt.Valid && f.ClosedAt.Time.After(f.DueAt)) || (!f.ClosedAt.Valid && !f.Stopped && now.After(f.DueAt))
		unexplained := overdue && !(f.ExplainedAt.Valid && !f.ExplainedAt.Time.After(f.DueAt))
		if !f.Department.Valid {
			st.Complaints++
			if overdue {
				st.ComplaintsOverdue++
			}
			continue
		}
		d := deps[f.Department.String]
		if d == nil {
			d = &DepartmentStats{Department: f.Department.String}
			deps[f.Department.String] = d
		}
		st.Clocks++
		d.Clocks++
		switch {
		case !f.ClosedAt.Valid:
			d.Open++
		case f.Outcome.String == "answered":
			d.Answered++
			d.days += cal.WorkingDaysBetween(calendar.DateOf(f.StartedAt), calendar.DateOf(f.ClosedAt.Time))
		case f.Outcome.String == "forwarded":
			d.Forwarded++
			st.Forwarded++
		}
		if overdue {
			st.Overdue++
			d.Overdue++
		} else if f.ClosedAt.Valid {
			d.OnTime++
		}
		if unexplained {
			st.OverdueUnexplained++
			d.OverdueUnexplained++
		}
	}
}

// addRatings counts the ratings of the period's answers per department.
func (s *Store) addRatings(ctx context.Context, st *Stats, deps map[string]*DepartmentStats) error {
	const q = periodCTE + `SELECT d.name AS department, count(*) AS n, count(*) FILTER (WHERE (e.detail->>'score')::int >= 4) AS satisfied
		FROM query_events e JOIN qs USING (query_id) JOIN departments d ON d.id = e.department_id
		WHERE e.kind = 'rated' GROUP BY d.name`
	var rows []struct {
		Department string `db:"department"`
		N          int    `db:"n"`
		Satisfied  int    `db:"satisfied"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, st.From, st.To); err != nil {
		return fmt.Errorf("queries: rating statistics: %w", err)
	}
	for _, r := range rows {
		d := deps[r.Department]
		if d == nil {
			d = &DepartmentStats{Department: r.Department}
			deps[r.Department] = d
		}
		d.Ratings, d.Satisfied = r.N, r.Satisfied
		st.Ratings += r.N
		st.Satisfied += r.Satisfied
	}
	return nil
}

// addAnswerTimes averages the working days from acceptance to the complete
// answer of the period's answered queries.
func (s *Store) addAnswerTimes(ctx context.Context, st *Stats) error {
	const q = periodCTE + `SELECT qs.accepted_at, max(e.at) AS answered_at FROM query_events e JOIN qs USING (query_id)
		WHERE e.kind = 'completed' GROUP BY qs.query_id, qs.accepted_at`
	var rows []struct {
		AcceptedAt time.Time `db:"accepted_at"`
		AnsweredAt time.Time `db:"answered_at"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, st.From, st.To); err != nil {
		return fmt.Errorf("queries: answer time statistics: %w", err)
	}
	cal, days := s.cal.Calendar(), 0
	for _, r := range rows {
		days += cal.WorkingDaysBetween(calendar.DateOf(r.AcceptedAt), calendar.DateOf(r.AnsweredAt))
	}
	st.Answered = len(rows)
	st.AvgDaysToAnswer = ratio(days, len(rows))
	return nil
}

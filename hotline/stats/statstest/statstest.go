// Package statstest is the hand-built event log the statistics are tested
// on: calls (with legs, holds, wrap-ups, transfers) and queries (with
// clocks, answers, ratings, a complaint) inserted directly, over the
// custom period 2025-01-31 (法定节假日 春节) to 2025-02-08 (调休上班
// Saturday), with calls across midnight, a short abandon and a transfer
// outside the department's office hours. The expected figures are worked
// out by hand in hotline/stats/stats_test.go.
package statstest

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/stats"
)

// Period is the scenario's period; Now is when it is computed.
var (
	Period = stats.Range(calendar.NewDate(2025, 1, 31), calendar.NewDate(2025, 2, 8))
	Now    = At(2, 10, 10, 0, 0)
)

// At is 2025-MM-DD hh:mm:ss in Asia/Shanghai.
func At(m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(2025, m, d, hh, mm, ss, 0, calendar.Location())
}

// Scenario holds the ids the tests refer to.
type Scenario struct {
	Dept     map[string]int64  // by code
	Account  map[string]int64  // by username
	Calls    map[string]int64  // c1 … c15
	Codes    map[string]string // q1 … q9 → 查询码
	Password string
}

type loader struct {
	ctx context.Context
	db  *sqlx.DB
	s   *Scenario
	err error
}

func (l *loader) get(dst any, q string, args ...any) {
	if l.err == nil {
		if err := l.db.GetContext(l.ctx, dst, q, args...); err != nil {
			l.err = fmt.Errorf("statstest: %s: %w", q, err)
		}
	}
}

func (l *loader) exec(q string, args ...any) {
	if l.err == nil {
		if _, err := l.db.ExecContext(l.ctx, q, args...); err != nil {
			l.err = fmt.Errorf("statstest: %s: %w", q, err)
		}
	}
}

// Load inserts the scenario. Departments zfb, mzj and rsj are created or
// given the scenario's office hours; the accounts st_op1, st_op2 (operators)
// and st_l1 (mzj), st_l2 (rsj) (liaisons) are created with password_hash
// hash.
func Load(ctx context.Context, db *sqlx.DB, hash string) (*Scenario, error) {
	l := &loader{ctx: ctx, db: db, s: &Scenario{Dept: map[string]int64{}, Account: map[string]int64{}, Calls: map[string]int64{}, Codes: map[string]string{}}}
	for _, d := range []struct{ code, name, hours string }{
		{"zfb", "县政府办公室", ""}, {"mzj", "县民政局", "工作日 8:30–12:00，14:00–17:30"}, {"rsj", "县人力资源和社会保障局", "09:00-17:00"}} {
		var id int64
		l.get(&id, `INSERT INTO departments (code, name, full_name, gov_office, office_hours) VALUES ($1, $2, '沂源'||$2, $1 = 'zfb', $3)
			ON CONFLICT (code) DO UPDATE SET office_hours = EXCLUDED.office_hours RETURNING id`, d.code, d.name, d.hours)
		l.s.Dept[d.code] = id
	}
	for _, a := range []struct{ user, name, role, dept string }{
		{"st_op1", "话务员 甲", "operator", ""}, {"st_op2", "话务员 乙", "operator", ""},
		{"st_l1", "民政联络员 丙", "liaison", "mzj"}, {"st_l2", "人社联络员 丁", "liaison", "rsj"}} {
		var id int64
		l.get(&id, `INSERT INTO accounts (username, display_name, password_hash, roles, department_id) VALUES ($1, $2, $3, ARRAY[$4], NULLIF($5, 0))
			ON CONFLICT (username) DO UPDATE SET display_name = EXCLUDED.display_name RETURNING id`, a.user, a.name, hash, a.role, l.s.Dept[a.dept])
		l.s.Account[a.user] = id
	}
	l.calls()
	l.queries()
	return l.s, l.err
}

// call inserts a call; zero times are NULL.
func (l *loader) call(key string, started, queued, dequeued, ended time.Time, outcome string, rating int, caller string) int64 {
	var id int64
	nt := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t
	}
	l.get(&id, `INSERT INTO calls (sip_call_id, caller, started_at, queued_at, dequeued_at, ended_at, outcome, satisfaction, answered_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, 0), $3) RETURNING id`, "st-"+key, caller, started, nt(queued), nt(dequeued), nt(ended), outcome, rating)
	l.s.Calls[key] = id
	return id
}

// leg inserts an operator's answered leg and returns its id.
func (l *loader) leg(call int64, party, user string, dept int64, started, answered, ended time.Time) int64 {
	var id int64
	l.get(&id, `INSERT INTO call_legs (call_id, party, account_id, department_id, extension, started_at, answered_at, ended_at, result, ended_by)
		VALUES ($1, $2, $3, NULLIF($4, 0), '8001', $5, $6, $7, 'answered', 'party') RETURNING id`, call, party, l.s.Account[user], dept, started, answered, ended)
	return id
}

func (l *loader) wrapState(user string, from, to time.Time) {
	l.exec(`INSERT INTO operator_state_log (account_id, state, started_at, ended_at) VALUES ($1, 'wrapup', $2, $3)`, l.s.Account[user], from, to)
}

func (l *loader) transfer(call int64, dept, by string, fromLeg int64, req time.Time, answered, finished time.Time, result string, toLeg int64) {
	nt := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t
	}
	l.exec(`INSERT INTO call_transfers (call_id, department_id, method, requested_by, from_leg_id, to_leg_id, requested_at, answered_at, finished_at, result)
		VALUES ($1, $2, 'attended', $3, $4, NULLIF($5, 0), $6, $7, $8, $9)`, call, l.s.Dept[dept], l.s.Account[by], fromLeg, toLeg, req, nt(answered), finished, result)
}

func (l *loader) calls() {
	z := time.Time{}
	// c1 Wed 02-05 09:00: queued 09:00:10, st_op1 answers 09:00:20 (wait 10 s), leg 300 s with a 30 s hold,
	// 10 s wrap-up, rated 5, filed as answered.
	c1 := l.call("c1", At(2, 5, 9, 0, 0), At(2, 5, 9, 0, 10), At(2, 5, 9, 0, 20), At(2, 5, 9, 5, 40), "answered", 5, "13812345678")
	leg1 := l.leg(c1, "operator", "st_op1", 0, At(2, 5, 9, 0, 15), At(2, 5, 9, 0, 20), At(2, 5, 9, 5, 20))
	l.exec(`INSERT INTO call_holds (call_id, leg_id, account_id, started_at, ended_at) VALUES ($1, $2, $3, $4, $5)`,
		c1, leg1, l.s.Account["st_op1"], At(2, 5, 9, 2, 0), At(2, 5, 9, 2, 30))
	l.wrapState("st_op1", At(2, 5, 9, 5, 21), At(2, 5, 9, 5, 31))
	l.exec(`INSERT INTO call_notes (call_id, account_id, kind, code) VALUES ($1, $2, 'wrapup', 'answered')`, c1, l.s.Account["st_op1"])
	// c2 Wed 02-05 10:00: queued 10:00:05, st_op2 answers 10:00:25 (wait 20 s), leg 120 s, rated 3; transferred
	// to mzj at 10:01:00, st_l1 answers at 10:01:08 and talks 180 s (completed).
	c2 := l.call("c2", At(2, 5, 10, 0, 0), At(2, 5, 10, 0, 5), At(2, 5, 10, 0, 25), At(2, 5, 10, 4, 8), "transferred", 3, "13900001111")
	leg2 := l.leg(c2, "operator", "st_op2", 0, At(2, 5, 10, 0, 20), At(2, 5, 10, 0, 25), At(2, 5, 10, 2, 25))
	lleg := l.leg(c2, "liaison", "st_l1", l.s.Dept["mzj"], At(2, 5, 10, 1, 0), At(2, 5, 10, 1, 8), At(2, 5, 10, 4, 8))
	l.transfer(c2, "mzj", "st_op2", leg2, At(2, 5, 10, 1, 0), At(2, 5, 10, 1, 8), At(2, 5, 10, 2, 25), "completed", lleg)
	l.exec(`INSERT INTO call_notes (call_id, account_id, kind, code) VALUES ($1, $2, 'wrapup', 'transferred')`, c2, l.s.Account["st_op2"])
	// c3 02-05 11:00: hangs up after 3 s in the queue: a short abandon.
	l.call("c3", At(2, 5, 11, 0, 0), At(2, 5, 11, 0, 2), At(2, 5, 11, 0, 5), At(2, 5, 11, 0, 5), "abandoned", 0, "=1+2")
	// c4 02-05 11:10: hangs up after 40 s: an abandon.
	l.call("c4", At(2, 5, 11, 10, 0), At(2, 5, 11, 10, 1), At(2, 5, 11, 10, 41), At(2, 5, 11, 10, 41), "abandoned", 0, "13700002222")
	// c5 02-05 11:20: 180 s in the queue, then voicemail: timed out.
	l.call("c5", At(2, 5, 11, 20, 0), At(2, 5, 11, 20, 1), At(2, 5, 11, 23, 1), At(2, 5, 11, 24, 30), "voicemail", 0, "13600003333")
	// c6 Sat 02-08 (调休上班) 09:30: queued 09:30:03, st_op1 answers 09:30:13 (wait 10 s), leg 60 s; transferred
	// to rsj at 09:30:40 (rsj works 09:00-17:00 and the Saturday is a working day): nobody answers, timeout at 09:31:10.
	c6 := l.call("c6", At(2, 8, 9, 30, 0), At(2, 8, 9, 30, 3), At(2, 8, 9, 30, 13), At(2, 8, 9, 31, 20), "answered", 0, "13500004444")
	leg6 := l.leg(c6, "operator", "st_op1", 0, At(2, 8, 9, 30, 10), At(2, 8, 9, 30, 13), At(2, 8, 9, 31, 13))
	l.transfer(c6, "rsj", "st_op1", leg6, At(2, 8, 9, 30, 40), z, At(2, 8, 9, 31, 10), "timeout", 0)
	// c7 Fri 01-31 (法定节假日 春节) 10:00: the closed message, a voicemail.
	l.call("c7", At(1, 31, 10, 0, 0), z, z, At(1, 31, 10, 1, 0), "voicemail", 0, "13400005555")
	// c8 Mon 02-03 (调休休息) 20:00: hangs up during the closed message.
	l.call("c8", At(2, 3, 20, 0, 0), z, z, At(2, 3, 20, 0, 20), "abandoned", 0, "13300006666")
	// c9 Wed 02-05 12:30 (lunch break, out of hours): hangs up.
	l.call("c9", At(2, 5, 12, 30, 0), z, z, At(2, 5, 12, 30, 9), "abandoned", 0, "13200007777")
	// c10 Wed 02-05 08:40: queued 08:40:02, st_op2 answers 08:40:07 (wait 5 s), leg 360 s, wrap-up 10 s;
	// transferred to rsj at 08:45:00, before rsj opens at 09:00: no answer, not counted against rsj.
	c10 := l.call("c10", At(2, 5, 8, 40, 0), At(2, 5, 8, 40, 2), At(2, 5, 8, 40, 7), At(2, 5, 8, 46, 10), "answered", 0, "13100008888")
	leg10 := l.leg(c10, "operator", "st_op2", 0, At(2, 5, 8, 40, 4), At(2, 5, 8, 40, 7), At(2, 5, 8, 46, 7))
	l.transfer(c10, "rsj", "st_op2", leg10, At(2, 5, 8, 45, 0), z, At(2, 5, 8, 45, 20), "no_answer", 0)
	l.wrapState("st_op2", At(2, 5, 8, 46, 8), At(2, 5, 8, 46, 18))
	// c11 Thu 01-30 23:59:55, before the period, answered after midnight: not counted.
	c11 := l.call("c11", At(1, 30, 23, 59, 55), At(1, 30, 23, 59, 56), At(1, 31, 0, 0, 5), At(1, 31, 0, 3, 0), "answered", 4, "13000009999")
	l.leg(c11, "operator", "st_op1", 0, At(1, 31, 0, 0, 1), At(1, 31, 0, 0, 5), At(1, 31, 0, 2, 55))
	// c12 Sat 02-08 23:59:50 (a 24-hour night line): queued 23:59:52, answered 00:00:02 on 02-09 (wait 10 s),
	// leg 120 s: counted on 02-08.
	c12 := l.call("c12", At(2, 8, 23, 59, 50), At(2, 8, 23, 59, 52), At(2, 9, 0, 0, 2), At(2, 9, 0, 2, 10), "answered", 0, "18600001234")
	l.leg(c12, "operator", "st_op1", 0, At(2, 8, 23, 59, 58), At(2, 9, 0, 0, 2), At(2, 9, 0, 2, 2))
	// c13 Thu 02-06 09:00: refused by govhall (blocked).
	l.call("c13", At(2, 6, 9, 0, 0), z, z, At(2, 6, 9, 0, 0), "rejected", 0, "15000000001")
	// c14 Thu 02-06 09:10: hangs up during the greeting, in hours.
	l.call("c14", At(2, 6, 9, 10, 0), z, z, At(2, 6, 9, 10, 4), "abandoned", 0, "15000000002")
	// c15 Fri 02-07 10:00: queued, failed after 29 s: another exit.
	l.call("c15", At(2, 7, 10, 0, 0), At(2, 7, 10, 0, 1), At(2, 7, 10, 0, 30), At(2, 7, 10, 0, 30), "failed", 0, "15000000003")
	// The operators were available 09:00–10:00 on 02-05 (st_op1) and 09:00–09:30 (st_op2).
	l.exec(`INSERT INTO operator_state_log (account_id, state, started_at, ended_at) VALUES ($1, 'available', $2, $3), ($4, 'available', $2, $5)`,
		l.s.Account["st_op1"], At(2, 5, 9, 0, 0), At(2, 5, 10, 0, 0), l.s.Account["st_op2"], At(2, 5, 9, 30, 0))
}

// query inserts a query with its clock; closed zero: open.
func (l *loader) query(key, channel, kind, question, dept string, accepted time.Time) int64 {
	var id int64
	code := fmt.Sprintf("90000000%02d", len(l.s.Codes)+1)
	l.get(&id, `INSERT INTO queries (code, channel, kind, question, status, department_id, segment_started_at, accepted_at)
		VALUES ($1, $2, $3, $4, 'assigned', $5, $6, $6) RETURNING id`, code, channel, kind, question, l.s.Dept[dept], accepted)
	l.s.Codes[key] = code
	return id
}

func (l *loader) clock(q int64, dept, kind string, days, extra int, started, due, stopped, closed time.Time, outcome string) int64 {
	nt := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t
	}
	var out any
	if outcome != "" {
		out = outcome
	}
	var id int64
	l.get(&id, `INSERT INTO query_clocks (query_id, department_id, kind, days, extra_days, started_at, due_at, due_date, stopped_at, closed_at, outcome, calendar_version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, ($7 AT TIME ZONE 'Asia/Shanghai')::date, $8, $9, $10, '2025.1') RETURNING id`,
		q, l.s.Dept[dept], kind, days, extra, started, due, nt(stopped), nt(closed), out)
	return id
}

func (l *loader) answer(q, clock int64, seq int, dept, by string, at time.Time) int64 {
	var id int64
	l.get(&id, `INSERT INTO query_answers (query_id, seq, department_id, clock_id, body, answered_by, answered_at) VALUES ($1, $2, $3, $4, '答复', $5, $6) RETURNING id`,
		q, seq, l.s.Dept[dept], clock, l.s.Account[by], at)
	if l.err == nil {
		l.exec(`UPDATE queries SET status = 'answered', answered_at = $2 WHERE id = $1`, q, at)
	}
	return id
}

func (l *loader) rate(q, answer int64, score int, at time.Time) {
	l.exec(`INSERT INTO query_ratings (answer_id, query_id, score, channel, rated_at) VALUES ($1, $2, $3, 'phone', $4)`, answer, q, score, at)
}

func (l *loader) queries() {
	z := time.Time{}
	due := At(2, 7, 17, 30, 0)
	// q1 phone, mzj, accepted 01-24: due 02-07, answered 02-06 15:00 by st_l1 (on time), rated 5 on 02-06.
	q1 := l.query("q1", "phone", "ordinary", "养老补贴什么时候发放", "mzj", At(1, 24, 10, 0, 0))
	k1 := l.clock(q1, "mzj", "ordinary", 5, 0, At(1, 24, 10, 0, 0), due, z, At(2, 6, 15, 0, 0), "answered")
	a1 := l.answer(q1, k1, 1, "mzj", "st_l1", At(2, 6, 15, 0, 0))
	l.rate(q1, a1, 5, At(2, 6, 16, 0, 0))
	// A supervisor's 回访 of q1 reached the asker on 02-07 through an outbound call, which is no incoming call.
	var out int64
	l.get(&out, `INSERT INTO calls (sip_call_id, caller, started_at, queued_at, ended_at, outcome, direction)
		VALUES ('st-out', '13812345678', $1, $1, $2, 'answered', 'outbound') RETURNING id`, At(2, 7, 10, 0, 0), At(2, 7, 10, 3, 0))
	l.exec(`INSERT INTO callbacks (kind, query_code, number, requested_by, requested_at, outbound_call_id, result, rating, finished_at)
		VALUES ('followup', $1, '13812345678', $2, $3, $4, 'reached', 5, $5)`, l.s.Codes["q1"], l.s.Account["st_op1"], At(2, 7, 10, 0, 0), out, At(2, 7, 10, 3, 0))
	// q2 web, mzj, accepted 02-05: due 02-07, answered 02-08 10:00 (late), rated 2, complained on 02-08.
	q2 := l.query("q2", "web", "ordinary", "低保怎么申请？", "mzj", At(2, 5, 9, 0, 0))
	k2 := l.clock(q2, "mzj", "ordinary", 5, 0, At(2, 5, 9, 0, 0), due, z, At(2, 8, 10, 0, 0), "answered")
	a2 := l.answer(q2, k2, 1, "mzj", "st_l1", At(2, 8, 10, 0, 0))
	l.rate(q2, a2, 2, At(2, 8, 11, 0, 0))
	var p int64
	l.get(&p, `INSERT INTO query_complaints (query_id, answer_id, reason, channel, created_at) VALUES ($1, $2, '答复不清楚', 'phone', $3) RETURNING id`,
		q2, a2, At(2, 8, 12, 0, 0))
	l.exec(`INSERT INTO query_clocks (query_id, complaint_id, kind, days, started_at, due_at, due_date) VALUES ($1, $2, 'complaint', 15, $3, $4, '2025-03-03')`,
		q2, p, At(2, 8, 12, 0, 0), At(3, 3, 17, 30, 0))
	// q3 kiosk, rsj, complex, extended: due 02-06, answered 02-06 10:00 by st_l2 (on time), not rated.
	q3 := l.query("q3", "kiosk", "complex", "失业金领取条件", "rsj", At(1, 20, 10, 0, 0))
	k3 := l.clock(q3, "rsj", "extended", 10, 5, At(1, 20, 10, 0, 0), At(2, 6, 17, 30, 0), z, At(2, 6, 10, 0, 0), "answered")
	l.answer(q3, k3, 1, "rsj", "st_l2", At(2, 6, 10, 0, 0))
	// q4 window, rsj, accepted 02-03: due 02-07, still open on 02-10: overdue.
	q4 := l.query("q4", "window", "ordinary", "社保转移", "rsj", At(2, 3, 9, 0, 0))
	l.clock(q4, "rsj", "ordinary", 5, 0, At(2, 3, 9, 0, 0), due, z, z, "")
	// q5 phone, mzj, accepted 02-06: due 02-13, after the period.
	q5 := l.query("q5", "phone", "ordinary", "低保 怎么申请", "mzj", At(2, 6, 9, 0, 0))
	l.clock(q5, "mzj", "ordinary", 5, 0, At(2, 6, 9, 0, 0), At(2, 13, 17, 30, 0), z, z, "")
	// q6 web, mzj, application accepted 01-10: due 02-07 but stopped (补正) since 02-03.
	q6 := l.query("q6", "web", "application", "申请公开低保名单", "mzj", At(1, 10, 10, 0, 0))
	l.clock(q6, "mzj", "application", 20, 0, At(1, 10, 10, 0, 0), due, At(2, 3, 10, 0, 0), z, "")
	// q7 phone, accepted 02-04 at the government office, routed to mzj at 10:00 (its clock due 02-05 is passed
	// on); mzj's clock is due 02-11.
	q7 := l.query("q7", "phone", "ordinary", "路灯不亮找谁", "mzj", At(2, 4, 9, 0, 0))
	l.clock(q7, "zfb", "ordinary", 1, 0, At(2, 4, 9, 0, 0), At(2, 5, 17, 30, 0), z, At(2, 4, 10, 0, 0), "routed")
	l.clock(q7, "mzj", "ordinary", 5, 0, At(2, 4, 10, 0, 0), At(2, 11, 17, 30, 0), z, z, "")
	// q8 web, rsj, extended: due 02-05, answered 02-07 09:00 by st_l2 (late), rated 4 on 02-07.
	q8 := l.query("q8", "web", "ordinary", "职称评审时间", "rsj", At(1, 15, 10, 0, 0))
	k8 := l.clock(q8, "rsj", "extended", 5, 5, At(1, 15, 10, 0, 0), At(2, 5, 17, 30, 0), z, At(2, 7, 9, 0, 0), "answered")
	a8 := l.answer(q8, k8, 1, "rsj", "st_l2", At(2, 7, 9, 0, 0))
	l.rate(q8, a8, 4, At(2, 7, 12, 0, 0))
	// q9 web, rsj, accepted 02-07: a question that looks like a formula.
	q9 := l.query("q9", "web", "ordinary", `=HYPERLINK("x")`, "rsj", At(2, 7, 9, 0, 0))
	l.clock(q9, "rsj", "ordinary", 5, 0, At(2, 7, 9, 0, 0), At(2, 14, 17, 30, 0), z, z, "")
}

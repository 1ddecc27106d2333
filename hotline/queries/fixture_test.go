package queries_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var shanghai = calendar.Location()

// at returns a time in Asia/Shanghai.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, shanghai)
}

// fixture is a store on a fresh database with departments, accounts of
// every role and a clock the test moves.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	db     *sqlx.DB
	cal    *calendar.Store
	s      *queries.Store
	mu     sync.Mutex
	now    time.Time
	dep    map[string]int64
	actors map[string]queries.Actor
}

// accounts of the fixture: username, roles, department code.
var fixtureAccounts = []struct {
	name  string
	roles []string
	dep   string
}{
	{"liaison_mzj", []string{"liaison"}, "mzj"},
	{"liaison_mzj2", []string{"liaison", "admin"}, "mzj"},
	{"liaison_rsj", []string{"liaison"}, "rsj"},
	{"liaison_ybj", []string{"liaison"}, "ybj"},
	{"liaison_zfb", []string{"liaison"}, "zfb"},
	{"head_mzj", []string{"reviewer"}, "mzj"},
	{"head_rsj", []string{"reviewer"}, "rsj"},
	{"reviewer", []string{"reviewer"}, "zfb"},
	{"operator", []string{"operator"}, ""},
	{"supervisor", []string{"supervisor"}, ""},
	{"supervisor2", []string{"supervisor"}, ""},
	{"admin", []string{"admin"}, ""},
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: pgtest.New(t), now: at(2025, 9, 30, 10, 0),
		dep: map[string]int64{}, actors: map[string]queries.Actor{}}
	for _, d := range []struct {
		code, name string
		gov        bool
	}{{"zfb", "县政府办公室", true}, {"mzj", "县民政局", false}, {"rsj", "县人力资源和社会保障局", false}, {"ybj", "县医疗保障局", false}} {
		var id int64
		err := f.db.Get(&id, `INSERT INTO departments (code, name, full_name, gov_office, phone) VALUES ($1, $2, '沂源'||$2, $3, '0533-3241001') RETURNING id`, d.code, d.name, d.gov)
		if err != nil {
			t.Fatal(err)
		}
		f.dep[d.code] = id
	}
	for _, a := range fixtureAccounts {
		var id int64
		err := f.db.Get(&id, `INSERT INTO accounts (username, password_hash, roles, department_id) VALUES ($1, 'x', $2, NULLIF($3, 0)) RETURNING id`,
			a.name, "{"+join(a.roles)+"}", f.dep[a.dep])
		if err != nil {
			t.Fatal(err)
		}
		f.actors[a.name] = queries.Actor{AccountID: id, Username: a.name, IP: "10.0.0.1", Roles: a.roles, DepartmentID: f.dep[a.dep]}
	}
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(f.ctx, f.db, hours)
	if err != nil {
		t.Fatal(err)
	}
	f.cal = cal
	f.s = queries.NewStore(f.db, cal, nil, queries.Options{Now: f.clock})
	cal.AddRebaser(f.s)
	return f
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// set moves the fixture's clock.
func (f *fixture) set(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}

func (f *fixture) actor(name string) queries.Actor {
	a, ok := f.actors[name]
	if !ok {
		f.t.Fatalf("no account %s", name)
	}
	return a
}

// create creates a query or fails the test.
func (f *fixture) create(a queries.Actor, in queries.NewQuery) queries.Created {
	f.t.Helper()
	c, err := f.s.Create(f.ctx, a, in)
	if err != nil {
		f.t.Fatalf("create %+v: %v", in, err)
	}
	return c
}

// must fails the test on err.
func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// mustFail checks that err wraps want.
func (f *fixture) mustFail(err, want error, what string) {
	f.t.Helper()
	if !errors.Is(err, want) {
		f.t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

// staff returns the staff view of a query.
func (f *fixture) staff(code string) queries.StaffView {
	f.t.Helper()
	v, err := f.s.Staff(f.ctx, f.actor("admin"), code)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// openClock returns the open department clock of a query.
func (f *fixture) openClock(code string) queries.ClockView {
	f.t.Helper()
	for _, c := range f.staff(code).Clocks {
		if c.Open && !c.Complaint {
			return c
		}
	}
	f.t.Fatalf("%s has no open clock", code)
	return queries.ClockView{}
}

// footprint is what bad input must leave unchanged.
type footprint struct {
	Version, Events, Clocks, Approvals, Answers, Outbox int
}

func (f *fixture) footprint(code string) footprint {
	f.t.Helper()
	var fp footprint
	err := f.db.QueryRow(`SELECT q.version,
		(SELECT count(*) FROM query_events WHERE query_id = q.id),
		(SELECT count(*) FROM query_clocks WHERE query_id = q.id),
		(SELECT count(*) FROM query_approvals WHERE query_id = q.id),
		(SELECT count(*) FROM query_answers WHERE query_id = q.id),
		(SELECT count(*) FROM notification_outbox WHERE query_id = q.id)
		FROM queries q WHERE code = $1`, code).Scan(&fp.Version, &fp.Events, &fp.Clocks, &fp.Approvals, &fp.Answers, &fp.Outbox)
	if err != nil {
		f.t.Fatal(err)
	}
	return fp
}

// dueDate returns the YYYY-MM-DD of t in Asia/Shanghai.
func dueDate(t time.Time) string { return t.In(shanghai).Format("2006-01-02") }

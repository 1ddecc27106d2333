package applications_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var shanghai = calendar.Location()

func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, shanghai)
}

// The applicants of the tests: a person with a valid 居民身份证 and an
// enterprise with a valid 统一社会信用代码.
const (
	personName = "张三丰"
	personID   = "370323199001011234"
	personTel  = "13812345678"
	orgCode    = "91350100M000100Y43"
)

// fixture is an applications store on a fresh database with departments,
// accounts of every role and a clock the test moves.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	db     *sqlx.DB
	q      *queries.Store
	s      *applications.Store
	keys   *applications.Keys
	mu     sync.Mutex
	now    time.Time
	dep    map[string]int64
	actors map[string]queries.Actor
}

var fixtureAccounts = []struct {
	name  string
	roles []string
	dep   string
}{
	{"liaison_mzj", []string{"liaison"}, "mzj"},
	{"liaison_rsj", []string{"liaison"}, "rsj"},
	{"head_mzj", []string{"reviewer"}, "mzj"},
	{"operator", []string{"operator"}, ""},
	{"supervisor", []string{"supervisor"}, ""},
	{"admin", []string{"admin"}, ""},
}

func newFixture(t *testing.T, now time.Time) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: pgtest.New(t), now: now, dep: map[string]int64{}, actors: map[string]queries.Actor{}}
	for _, d := range []struct {
		code, name string
		gov        bool
	}{{"zfb", "县政府办公室", true}, {"mzj", "县民政局", false}, {"rsj", "县人力资源和社会保障局", false}} {
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
			a.name, "{"+strings.Join(a.roles, ",")+"}", f.dep[a.dep])
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
	f.keys, err = applications.NewKeys([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	f.q = queries.NewStore(f.db, cal, nil, queries.Options{Now: f.clock})
	f.s = applications.NewStore(f.db, f.q, cal, f.keys, applications.Options{Now: f.clock})
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

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

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) mustFail(err, want error, what string) {
	f.t.Helper()
	if !errors.Is(err, want) {
		f.t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

// mustField checks that err is a field error for field.
func (f *fixture) mustField(err error, field, what string) {
	f.t.Helper()
	var fe *queries.FieldError
	if !errors.As(err, &fe) || fe.Field != field {
		f.t.Fatalf("%s: err = %v, want a field error for %s", what, err, field)
	}
}

// person is a valid application of a natural person at a kiosk.
func person() applications.NewApplication {
	return applications.NewApplication{Department: "mzj", Channel: "kiosk", ApplicantType: applications.Natural, Name: personName,
		IDType: "resident_id", IDNumber: personID, Phone: personTel, Address: "山东省淄博市沂源县历山街道健康路1号", Email: "zsf@example.com",
		Information: "2024年本县城乡低保资金发放情况（我是张三丰，身份证370323199001011234）", Purpose: "了解低保政策",
		Delivery: "electronic", Pickup: "email"}
}

// company is a valid application of an enterprise entered at a window.
func company() applications.NewApplication {
	return applications.NewApplication{Department: "县民政局", Channel: "window", ApplicantType: applications.Commercial,
		Name: "沂源县某某养老服务有限公司", CreditCode: orgCode, ContactPerson: "李四", Phone: "0533-3240000",
		Address: "沂源县城振兴路8号", Information: "《沂源县养老机构运营补贴办法》（沂民发〔2024〕3号）全文", Delivery: "paper", Pickup: "window"}
}

// submit submits an application or fails the test.
func (f *fixture) submit(a queries.Actor, in applications.NewApplication) applications.Submitted {
	f.t.Helper()
	out, err := f.s.Submit(f.ctx, a, in)
	if err != nil {
		f.t.Fatalf("submit %+v: %v", in, err)
	}
	return out
}

func (f *fixture) get(code string) applications.View {
	f.t.Helper()
	v, err := f.s.Get(f.ctx, f.actor("liaison_mzj"), code)
	f.must(err)
	return v
}

// publishedDoc returns the id of a new published document of mzj.
func (f *fixture) publishedDoc(title, disclosure string) int64 {
	f.t.Helper()
	var cat int64
	f.must(f.db.Get(&cat, `INSERT INTO categories (name, path) VALUES ($1, $1) ON CONFLICT (path) DO UPDATE SET name = EXCLUDED.name RETURNING id`, "社会救助"))
	var id int64
	f.must(f.db.Get(&id, `INSERT INTO documents (index_no, code, title, agency_id, category_id, kind, disclosure, withheld_reason, body, state, published_at)
		VALUES ($1, substr(md5($1), 1, 8), $2, $3, $4, 'other', $5, CASE WHEN $5 = '不予公开' THEN '涉及个人隐私' ELSE '' END, $2 || '的正文', 'published', '2025-01-02') RETURNING id`,
		"MZJ/"+title, title, f.dep["mzj"], cat, disclosure))
	return id
}

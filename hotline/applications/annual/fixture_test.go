package annual_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/applications/annual"
	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// world is a database with the two departments of the fixture, an
// account per review step and the applications of testdata/applications.txt.
type world struct {
	db     *sqlx.DB
	store  *annual.Store
	labels map[string][]int64 // @label → the query ids of its line
	codes  map[string][]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db := pgtest.New(t)
	db.MustExec(`INSERT INTO departments (code, name, full_name, gov_office) VALUES
		('zfb', '县政府办公室', '沂源县人民政府办公室', true), ('mzj', '县民政局', '沂源县民政局', false)`)
	for _, u := range []string{"writer", "r1", "r2", "r3"} {
		db.MustExec(`INSERT INTO accounts (username, password_hash, roles) VALUES ($1, 'x', '{reviewer}')`, u)
	}
	w := &world{db: db, store: annual.NewStore(db), labels: map[string][]int64{}, codes: map[string][]string{}}
	w.load(t, "testdata/applications.txt")
	return w
}

// load inserts the applications and cases of a fixture file.
func (w *world) load(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		var err error
		if fields[0] == "case" {
			err = w.addCase(fields[1:])
		} else {
			err = w.addApplications(fields)
		}
		if err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
	}
}

var seq = 0

// addApplications inserts COUNT applications of one fixture line, each
// with its query (the 查询单 an application is).
func (w *world) addApplications(f []string) error {
	if len(f) < 6 {
		return fmt.Errorf("want DEPT RECEIVED DECIDED TYPE DECISION COUNT, got %q", f)
	}
	count, err := strconv.Atoi(f[5])
	if err != nil {
		return err
	}
	label, fee := "", "0"
	for _, opt := range f[6:] {
		if strings.HasPrefix(opt, "@") {
			label = opt
		} else if v, ok := strings.CutPrefix(opt, "fee="); ok {
			fee = v
		}
	}
	for range count {
		seq++
		id, code, err := w.insert(f[0], f[1], f[2], f[3], f[4], fee, seq)
		if err != nil {
			return err
		}
		if label != "" {
			w.labels[label] = append(w.labels[label], id)
			w.codes[label] = append(w.codes[label], code)
		}
	}
	return nil
}

func (w *world) insert(dept, received, decided, applicant, result, fee string, n int) (int64, string, error) {
	code := fmt.Sprintf("%d", 3000000000+n)
	var decision, decidedOn *string
	reason := ""
	state, status := "received", "accepted"
	if result != "-" {
		d, r, _ := strings.Cut(result, ".")
		decision, decidedOn, reason, state, status = &d, &decided, r, "decided", "answered"
	}
	var id int64
	const q = `INSERT INTO queries (code, channel, kind, question, status, department_id, segment_started_at, accepted_at)
		SELECT $1, 'window', 'application', '申请公开 ' || $1, $2, d.id, $3::date + time '09:00', $3::date + time '09:00'
		FROM departments d WHERE d.code = $4 RETURNING id`
	if err := w.db.Get(&id, q, code, status, received, dept); err != nil {
		return 0, "", err
	}
	const a = `INSERT INTO applications (query_id, department_id, channel, received_on, applicant_type, applicant_masked,
			applicant_enc, information, delivery, pickup, state, decision, reason, decided_on, fee_yuan)
		SELECT $1, d.id, 'window', $2, $3, '张*', '\x00', '申请公开 ' || $4, 'paper', 'window', $5, $6, $7, $8, $9
		FROM departments d WHERE d.code = $10`
	_, err := w.db.Exec(a, id, received, applicant, code, state, decision, reason, decidedOn, fee, dept)
	return id, code, err
}

// addCase inserts a review or litigation case on the first application of
// a labelled line.
func (w *world) addCase(f []string) error {
	if len(f) != 5 {
		return fmt.Errorf("want case @LABEL KIND FILED CLOSED OUTCOME, got %q", f)
	}
	ids := w.labels[f[0]]
	if len(ids) == 0 {
		return fmt.Errorf("no line labelled %s", f[0])
	}
	var closed *string
	if f[3] != "-" {
		closed = &f[3]
	}
	_, err := w.db.Exec(`INSERT INTO application_cases (query_id, kind, filed_on, closed_on, outcome) VALUES ($1, $2, $3, $4, $5)`,
		ids[0], f[1], f[2], closed, f[4])
	return err
}

// expected is a hand-counted fixture: table 三's rows, table 四's groups
// and the fees.
type expected struct {
	rows   map[string][]int
	groups map[string][]int
	fee    []string
}

func readExpected(t *testing.T, path string) expected {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e := expected{rows: map[string][]int{}, groups: map[string][]int{}}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if f[0] == "fee" {
			e.fee = f[1:]
			continue
		}
		var ns []int
		for _, s := range f[1:] {
			n, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("%s: %q: %v", path, line, err)
			}
			ns = append(ns, n)
		}
		if len(ns) == annual.Columns4 {
			e.groups[f[0]] = ns
		} else {
			e.rows[f[0]] = ns
		}
	}
	return e
}

func compute(t *testing.T, w *world, year int, dept string) *annual.Report {
	t.Helper()
	r, err := w.store.Compute(context.Background(), year, dept)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

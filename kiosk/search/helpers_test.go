package search

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testAnalyzer is shared by the tests' stores: the dictionary loads once.
var testAnalyzer = sync.OnceValue(newAnalyzer)

// fixture is a fresh database with departments and categories to file test
// documents under.
type fixture struct {
	t          testing.TB
	db         *sqlx.DB
	url        string
	s          *Store
	mem        *Store // the same database searched in memory; see searchReq
	agencies   map[string]int64
	categories map[string]int64
	seq        int
}

func newStore(db *sqlx.DB, opts Options) *Store {
	s := New(db, nil, opts)
	s.an = testAnalyzer()
	return s
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	url := pgtest.URL(t)
	db, err := sqlx.Open("postgres", url)
	must(t, err)
	db.SetMaxOpenConns(20)
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, db: db, url: url, s: newStore(db, Options{}), agencies: map[string]int64{}, categories: map[string]int64{}}
	for _, a := range [][3]string{
		{"mzj", "县民政局", "沂源县民政局"},
		{"ybj", "县医疗保障局", "沂源县医疗保障局"},
		{"swj", "县税务局", "国家税务总局沂源县税务局"},
		{"zfb", "县政府办公室", "沂源县人民政府办公室"},
		{"gjj", "公积金中心", "淄博市住房公积金管理中心沂源分中心"},
		{"cl", "县残联", "沂源县残疾人联合会"},
	} {
		var id int64
		must(t, db.Get(&id, `INSERT INTO departments (code, name, full_name) VALUES ($1, $2, $3) RETURNING id`, a[0], a[1], a[2]))
		f.agencies[a[0]] = id
	}
	for _, c := range [][2]string{{"", "政策法规"}, {"", "重点领域"}, {"重点领域", "社会救助"}, {"", "办事指南"}, {"", "工作报告"}} {
		path := c[1]
		var parent *int64
		if c[0] != "" {
			path = c[0] + "/" + c[1]
			p := f.categories[c[0]]
			parent = &p
		}
		var id int64
		must(t, db.Get(&id, `INSERT INTO categories (parent_id, name, path) VALUES ($1, $2, $3) RETURNING id`, parent, c[1], path))
		f.categories[path] = id
	}
	return f
}

// doc is a test document; empty fields take harmless defaults.
type doc struct {
	DocNumber, Title, Agency, Category, Topic, Kind, Published, Validity, Disclosure, State, Body string
	ReplacedBy                                                                                    int64
}

const insertDoc = `INSERT INTO documents (index_no, code, doc_number, doc_number_key, title, agency_id, category_id,
		topic, kind, published_at, validity, replaced_by, disclosure, withheld_reason, body, state)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::date, $11, NULLIF($12, 0), $13, $14, $15, $16)
	RETURNING id`

// add inserts a document and indexes it in the same transaction, as the
// catalog does.
func (f *fixture) add(d doc) int64 {
	f.t.Helper()
	d = d.withDefaults()
	key, err := DocNumberKey(d.DocNumber)
	must(f.t, err)
	f.seq++
	reason := ""
	if d.Disclosure == "不予公开" {
		reason = "涉及个人隐私"
	}
	ctx := context.Background()
	tx := f.db.MustBegin()
	defer tx.Rollback()
	var id int64
	must(f.t, tx.GetContext(ctx, &id, insertDoc, fmt.Sprintf("TEST-%04d", f.seq), fmt.Sprintf("c%09d", f.seq),
		d.DocNumber, key, d.Title, f.agencies[d.Agency], f.categories[d.Category], d.Topic, d.Kind, d.Published,
		d.Validity, d.ReplacedBy, d.Disclosure, reason, d.Body, d.State))
	must(f.t, f.s.Reindex(ctx, tx, []int64{id}))
	must(f.t, tx.Commit())
	return id
}

func (d doc) withDefaults() doc {
	def := func(v *string, to string) {
		if *v == "" {
			*v = to
		}
	}
	def(&d.Agency, "zfb")
	def(&d.Category, "政策法规")
	def(&d.Kind, "policy")
	def(&d.Published, "2022-01-01")
	def(&d.Validity, "有效")
	def(&d.Disclosure, "主动公开")
	def(&d.State, "published")
	return d
}

func (f *fixture) search(q string) Result {
	f.t.Helper()
	return f.searchReq(Request{Q: q})
}

// searchReq searches with the fixture's store (in PostgreSQL) and, on the
// same database, with a store whose in-memory index follows it: both must
// give the same answer whenever the SQL candidate caps were not reached.
func (f *fixture) searchReq(r Request) Result {
	f.t.Helper()
	ctx := context.Background()
	res, err := f.s.Search(ctx, r)
	if err != nil {
		f.t.Fatalf("search %q: %v", r.Q, err)
	}
	m := f.memStore()
	must(f.t, m.SyncIndex(ctx))
	if m.mem.live() == nil {
		f.t.Fatalf("search %q: the in-memory index is not live", r.Q)
	}
	got, err := m.Search(ctx, r)
	if err != nil {
		f.t.Fatalf("in-memory search %q: %v", r.Q, err)
	}
	if res.TotalExact {
		compareResults(f.t, r, res, got)
	} else if got.Total < res.Total {
		f.t.Errorf("search %+v: in memory %d results, in PostgreSQL at least %d", r, got.Total, res.Total)
	}
	return res
}

// memStore starts the in-memory twin of the fixture's store on first use.
func (f *fixture) memStore() *Store {
	if f.mem == nil {
		f.mem = newStore(f.db, Options{NotifyURL: f.url, CacheTTL: -1, HalfLife: f.s.opts.HalfLife, SynonymTTL: time.Nanosecond})
		f.mem.noZeroLog = true
		ctx, cancel := context.WithCancel(context.Background())
		f.t.Cleanup(cancel)
		f.mem.StartIndex(ctx)
	}
	return f.mem
}

func compareResults(t testing.TB, r Request, want, got Result) {
	t.Helper()
	if got.Total != want.Total || !slices.Equal(ids(got), ids(want)) {
		t.Errorf("search %+v:\n in PostgreSQL %d %v\n in memory     %d %v", r, want.Total, titles(want), got.Total, titles(got))
		return
	}
	for i := range want.Items {
		w, g := want.Items[i], got.Items[i]
		if w.Match != g.Match || w.Snippet != g.Snippet || w.PublishedAt != g.PublishedAt || w.Agency != g.Agency ||
			w.CategoryPath != g.CategoryPath || !reflect.DeepEqual(w.ReplacedBy, g.ReplacedBy) ||
			!reflect.DeepEqual(w.Highlights, g.Highlights) {
			t.Errorf("search %+v: hit %d differs:\n in PostgreSQL %+v\n in memory     %+v", r, i, w, g)
		}
	}
	if !reflect.DeepEqual(got.Facets, want.Facets) {
		t.Errorf("search %+v: facets differ:\n in PostgreSQL %+v\n in memory     %+v", r, want.Facets, got.Facets)
	}
	if got.Shape != want.Shape || got.Relaxed != want.Relaxed || !slices.Equal(got.Expanded, want.Expanded) {
		t.Errorf("search %+v: shape/relaxed/expanded differ: %s %v %v vs %s %v %v", r,
			want.Shape, want.Relaxed, want.Expanded, got.Shape, got.Relaxed, got.Expanded)
	}
}

func ids(res Result) []int64 {
	out := make([]int64, len(res.Items))
	for i, h := range res.Items {
		out[i] = h.ID
	}
	return out
}

func titles(res Result) []string {
	out := make([]string, len(res.Items))
	for i, h := range res.Items {
		out[i] = h.Title
	}
	return out
}

func contains(res Result, id int64) bool { return slices.Contains(ids(res), id) }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

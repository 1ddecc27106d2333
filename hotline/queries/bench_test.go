package queries_test

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/migrations/pgtest"
)

var (
	benchQueries = flag.Int("queries.n", 100_000, "queries BenchmarkQueries creates, routes and answers before timing the lists")
	benchWorkers = flag.Int("queries.workers", 4, "concurrent clients populating BenchmarkQueries")
)

// benchClock advances by step on every reading while populating, so that
// acceptances spread over weeks, then stays put for the lists.
type benchClock struct {
	at   atomic.Int64 // UnixNano
	step atomic.Int64
}

func (c *benchClock) now() time.Time { return time.Unix(0, c.at.Add(c.step.Load())) }

type bench struct {
	ctx      context.Context
	db       *sqlx.DB
	s        *queries.Store
	clock    *benchClock
	deps     []string
	liaisons map[string]queries.Actor
	gov      queries.Actor
}

func newBench(b *testing.B) *bench {
	ctx := context.Background()
	db := pgtest.New(b)
	bn := &bench{ctx: ctx, db: db, clock: &benchClock{}, liaisons: map[string]queries.Actor{}}
	for i := range 11 {
		code := fmt.Sprintf("dep%02d", i)
		var dep, acct int64
		if err := db.Get(&dep, `INSERT INTO departments (code, name, full_name, gov_office) VALUES ($1, $1, $1, $2) RETURNING id`, code, i == 0); err != nil {
			b.Fatal(err)
		}
		if err := db.Get(&acct, `INSERT INTO accounts (username, password_hash, roles, department_id) VALUES ($1, 'x', '{liaison}', $2) RETURNING id`, "l_"+code, dep); err != nil {
			b.Fatal(err)
		}
		a := queries.Actor{AccountID: acct, Username: "l_" + code, Roles: []string{"liaison"}, DepartmentID: dep}
		if i == 0 {
			bn.gov = a
			continue
		}
		bn.deps = append(bn.deps, code)
		bn.liaisons[code] = a
	}
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(ctx, db, hours)
	if err != nil {
		b.Fatal(err)
	}
	bn.s = queries.NewStore(db, cal, nil, queries.Options{Now: bn.clock.now, LookupBurst: 1 << 30})
	return bn
}

// lifecycle creates query i, routes it when it came without a department
// (one in five) and answers it, except one in ten left open.
func (bn *bench) lifecycle(i int) error {
	dep := bn.deps[i%len(bn.deps)]
	in := queries.NewQuery{Channel: "phone", Question: fmt.Sprintf("第%d号问题：低保申请条件是什么？", i), Phone: "13812345678", Department: dep}
	if (i/7)%5 == 0 {
		in.Department = ""
	}
	c, err := bn.s.Create(bn.ctx, bn.gov, in)
	if err != nil {
		return err
	}
	if in.Department == "" {
		if err := bn.s.Route(bn.ctx, bn.gov, c.Code, queries.RouteInput{Department: dep}); err != nil {
			return err
		}
	}
	if (i/10)%10 == 3 {
		return nil
	}
	return bn.s.Answer(bn.ctx, bn.liaisons[dep], c.Code, queries.AnswerInput{Body: "请到镇街便民服务中心申请。"})
}

// populate runs n lifecycles on workers clients; acceptances spread over
// the 40 days before end.
func (bn *bench) populate(b *testing.B, n, workers int, end time.Time) time.Duration {
	span := 40 * 24 * time.Hour
	bn.clock.at.Store(end.Add(-span).UnixNano())
	bn.clock.step.Store(int64(span) / int64(n*3))
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if err := bn.lifecycle(i); err != nil {
					errs <- fmt.Errorf("query %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	took := time.Since(start)
	bn.clock.step.Store(0)
	bn.clock.at.Store(end.UnixNano())
	if _, err := bn.db.Exec(`VACUUM ANALYZE`); err != nil { // as autovacuum would have by now
		b.Fatal(err)
	}
	return took
}

// BenchmarkQueries creates, routes and answers -queries.n queries (100 000 by
// default) on -queries.workers clients, logs the throughput, then times the
// liaisons' and supervisors' lists, a public lookup and the statistics at
// that size, and the lifecycle of further queries.
//
//	go test ./hotline/queries -run '^$' -bench Queries -benchtime 200x
func BenchmarkQueries(b *testing.B) {
	bn := newBench(b)
	end := time.Date(2025, 6, 20, 10, 0, 0, 0, calendar.Location())
	n := *benchQueries
	took := bn.populate(b, n, *benchWorkers, end)
	var open, overdue int
	bn.db.Get(&open, `SELECT count(*) FROM query_clocks WHERE closed_at IS NULL`)
	bn.db.Get(&overdue, `SELECT count(*) FROM query_clocks WHERE closed_at IS NULL AND due_at < $1`, end)
	b.Logf("populated %d queries (create, route 1 in 5, answer 9 in 10) in %s with %d clients: %.0f queries/s; %d open clocks, %d overdue",
		n, took.Round(time.Millisecond), *benchWorkers, float64(n)/took.Seconds(), open, overdue)

	liaison, sup := bn.liaisons[bn.deps[0]], queries.Actor{AccountID: 1, Roles: []string{"supervisor"}}
	lists := []struct {
		name string
		a    queries.Actor
		list string
	}{
		{"liaison_due_soon", liaison, queries.ListDueSoon},
		{"liaison_overdue", liaison, queries.ListOverdue},
		{"liaison_accountable", liaison, queries.ListAccountable},
		{"supervisor_due_soon", sup, queries.ListDueSoon},
		{"supervisor_overdue", sup, queries.ListOverdue},
	}
	for _, l := range lists {
		b.Run(l.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := bn.s.List(bn.ctx, l.a, queries.ListFilter{List: l.list, Limit: 100}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	var code string
	bn.db.Get(&code, `SELECT code FROM queries ORDER BY id DESC LIMIT 1`)
	b.Run("public_lookup", func(b *testing.B) {
		for b.Loop() {
			if _, err := bn.s.Public(bn.ctx, code); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stats_all", func(b *testing.B) {
		for b.Loop() {
			if _, err := bn.s.Stats(bn.ctx, end.Add(-60*24*time.Hour), end); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lifecycle", func(b *testing.B) {
		i := n
		for b.Loop() {
			if err := bn.lifecycle(i); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
	})
}

package events_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/events"
	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// rig is a database with two operators and a liaison of department 1, and
// a running hub on it.
type rig struct {
	db             *sqlx.DB
	url            string
	hub            *events.Hub
	op1, op2, lia  int64
	dept, deptElse int64
}

func newRig(t *testing.T) *rig {
	t.Helper()
	url := pgtest.URL(t)
	db := sqlx.MustOpen("postgres", url)
	t.Cleanup(func() { db.Close() })
	r := &rig{db: db, url: url}
	db.MustExec(`INSERT INTO departments (code, name, full_name) VALUES ('mzj', '民政局', '沂源县民政局'), ('ybj', '医保局', '沂源县医疗保障局')`)
	db.Get(&r.dept, `SELECT id FROM departments WHERE code = 'mzj'`)
	db.Get(&r.deptElse, `SELECT id FROM departments WHERE code = 'ybj'`)
	for _, a := range []struct {
		id   *int64
		name string
		role string
	}{{&r.op1, "op1", "operator"}, {&r.op2, "op2", "operator"}, {&r.lia, "lia", "liaison"}} {
		err := db.Get(a.id, `INSERT INTO accounts (username, display_name, password_hash, roles, department_id)
			VALUES ($1, $1, 'x', ARRAY[$2], CASE WHEN $2 = 'liaison' THEN $3::bigint END) RETURNING id`, a.name, a.role, r.dept)
		if err != nil {
			t.Fatal(err)
		}
	}
	r.hub = r.start(t, "")
	return r
}

func (r *rig) start(t *testing.T, url string) *events.Hub {
	h := events.NewHub(r.db, url, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done, err := h.Start(ctx, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// next waits for the next event of a stream.
func next(t *testing.T, s *events.Stream) events.Event {
	t.Helper()
	select {
	case e, ok := <-s.C():
		if !ok {
			t.Fatal("stream closed")
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return events.Event{}
}

func none(t *testing.T, s *events.Stream) {
	t.Helper()
	select {
	case e := <-s.C():
		t.Fatalf("unexpected event %d %s", e.ID, e.Kind)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestAudience(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	sub := func(id int64, role string, dept int64) *events.Stream {
		s, _, err := r.hub.Subscribe(ctx, events.Subscriber{AccountID: id, Roles: []string{role}, DepartmentID: dept}, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	op1, op2, lia, sup := sub(r.op1, "operator", 0), sub(r.op2, "operator", 0), sub(r.lia, "liaison", r.dept), sub(99, "supervisor", 0)
	if _, err := r.hub.Publish(ctx, "offered", events.Audience{AccountID: r.op1}, map[string]any{"call_id": 7}); err != nil {
		t.Fatal(err)
	}
	if e := next(t, op1); e.Kind != "offered" || string(e.Data) != `{"call_id": 7}` {
		t.Errorf("op1 got %s %s", e.Kind, e.Data)
	}
	none(t, op2)
	none(t, sup) // another account's own events stay its own
	r.hub.Publish(ctx, "queue", events.Audience{Role: "operator"}, map[string]int{"waiting": 2})
	for _, s := range []*events.Stream{op1, op2, sup} {
		if e := next(t, s); e.Kind != "queue" {
			t.Errorf("queue event: got %s", e.Kind)
		}
	}
	none(t, lia)
	r.hub.Publish(ctx, "query_assigned", events.Audience{Role: "liaison", DepartmentID: r.deptElse}, nil)
	none(t, lia) // another department's
	r.hub.Publish(ctx, "query_assigned", events.Audience{Role: "liaison", DepartmentID: r.dept}, nil)
	if e := next(t, lia); e.Kind != "query_assigned" || string(e.Data) != `{}` {
		t.Errorf("liaison got %s %s", e.Kind, e.Data)
	}
	if _, err := r.hub.Publish(ctx, "", events.Audience{}, nil); err == nil {
		t.Error("an event without a kind was published")
	}
}

// TestReplayAfterReconnect checks that a stream opened with the last id it
// saw gets exactly what it missed, in order, and then the live events.
func TestReplayAfterReconnect(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	me := events.Subscriber{AccountID: r.op1, Roles: []string{"operator"}}
	s, _, _ := r.hub.Subscribe(ctx, me, 0)
	first, _ := r.hub.Publish(ctx, "offered", events.Audience{AccountID: r.op1}, map[string]int{"n": 1})
	next(t, s)
	s.Close()
	for n := 2; n <= 4; n++ {
		r.hub.Publish(ctx, "offered", events.Audience{AccountID: r.op1}, map[string]int{"n": n})
		r.hub.Publish(ctx, "offered", events.Audience{AccountID: r.op2}, map[string]int{"n": n})
	}
	s, replay, err := r.hub.Subscribe(ctx, me, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got []int
	for _, e := range replay {
		var d struct{ N int }
		json.Unmarshal(e.Data, &d)
		got = append(got, d.N)
	}
	if len(got) != 3 || got[0] != 2 || got[2] != 4 {
		t.Fatalf("replayed %v, want [2 3 4]", got)
	}
	none(t, s) // nothing replayed is sent twice
	r.hub.Publish(ctx, "ended", events.Audience{AccountID: r.op1}, nil)
	if e := next(t, s); e.Kind != "ended" {
		t.Errorf("live after replay: %s", e.Kind)
	}
}

// TestAcrossProcesses checks that an event published through one hub
// reaches the streams of another hub on the same database (NOTIFY), as
// when several govhall processes share PostgreSQL.
func TestAcrossProcesses(t *testing.T) {
	r := newRig(t)
	other := r.start(t, r.url)
	ctx := context.Background()
	time.Sleep(300 * time.Millisecond) // let the listener connect; the re-scan would cover it anyway
	s, _, _ := other.Subscribe(ctx, events.Subscriber{AccountID: r.op1, Roles: []string{"operator"}}, 0)
	defer s.Close()
	r.hub.Publish(ctx, "offered", events.Audience{AccountID: r.op1}, nil)
	if e := next(t, s); e.Kind != "offered" {
		t.Errorf("other process got %s", e.Kind)
	}
	if n, err := r.hub.Prune(ctx); err != nil || n != 0 {
		t.Errorf("prune of fresh events = %d, %v", n, err)
	}
}

// TestSlowStreamLosesNothing: a stream that falls more than its buffer
// behind is closed (not left with a gap), and reconnecting with the last
// id it got replays the rest — more than ReplayLimit of them — in order.
func TestSlowStreamLosesNothing(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	me := events.Subscriber{AccountID: r.op1, Roles: []string{"operator"}}
	s, _, _ := r.hub.Subscribe(ctx, me, 0)
	const total = 1200
	for n := 1; n <= total; n++ {
		if _, err := r.hub.Publish(ctx, "offered", events.Audience{AccountID: r.op1}, map[string]int{"n": n}); err != nil {
			t.Fatal(err)
		}
	}
	var got []int
	var last int64
	timeout := time.After(10 * time.Second)
	for open := true; open; {
		select {
		case e, ok := <-s.C():
			if !ok {
				open = false
				break
			}
			var d struct{ N int }
			json.Unmarshal(e.Data, &d)
			got, last = append(got, d.N), e.ID
		case <-timeout:
			t.Fatalf("the stream that fell behind stayed open after %d events", len(got))
		}
	}
	s, replay, err := r.hub.Subscribe(ctx, me, last)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, e := range replay {
		var d struct{ N int }
		json.Unmarshal(e.Data, &d)
		got = append(got, d.N)
	}
	for len(got) < total {
		e := next(t, s)
		var d struct{ N int }
		json.Unmarshal(e.Data, &d)
		got = append(got, d.N)
	}
	for i, n := range got {
		if n != i+1 {
			t.Fatalf("event %d is n=%d (of %d got): a gap or a repeat", i+1, n, len(got))
		}
	}
}

// TestFarBehindGetsResync: a console further behind than one reconnect
// replays gets what fits and then a resync event, never a silent gap.
func TestFarBehindGetsResync(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	first, _ := r.hub.Publish(ctx, "offered", events.Audience{AccountID: r.op1}, nil)
	r.db.MustExec(`INSERT INTO console_events (kind, account_id, data) SELECT 'offered', $1, '{}' FROM generate_series(1, 5200)`, r.op1)
	r.hub.Publish(ctx, "ended", events.Audience{AccountID: r.op1}, nil)
	s, replay, err := r.hub.Subscribe(ctx, events.Subscriber{AccountID: r.op1, Roles: []string{"operator"}}, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := len(replay); n != 5001 || replay[n-1].Kind != events.Resync {
		t.Fatalf("replayed %d events ending with %q, want 5000 and a resync", n, replay[n-1].Kind)
	}
	none(t, s) // nothing the resync covers is sent afterwards
}

// TestPublishAll: events stored together keep their order and audiences,
// and a batch with one bad event stores none of it.
func TestPublishAll(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	op1, _, err := r.hub.Subscribe(ctx, events.Subscriber{AccountID: r.op1, Roles: []string{"operator"}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(op1.Close)
	lia, _, err := r.hub.Subscribe(ctx, events.Subscriber{AccountID: r.lia, Roles: []string{"liaison"}, DepartmentID: r.dept}, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lia.Close)
	batch := []events.Pending{
		{Kind: "offered", To: events.Audience{AccountID: r.op1}, Data: map[string]any{"call_id": 1}},
		{Kind: "queue", To: events.Audience{Role: "operator"}, Data: map[string]any{"waiting": 3}},
		{Kind: "query_assigned", To: events.Audience{Role: "liaison", DepartmentID: r.dept}},
		{Kind: "ended", To: events.Audience{AccountID: r.op1}, Data: map[string]any{"call_id": 1}},
	}
	if err := r.hub.PublishAll(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"offered", "queue", "ended"} {
		if e := next(t, op1); e.Kind != want {
			t.Errorf("op1 got %s, want %s", e.Kind, want)
		}
	}
	if e := next(t, lia); e.Kind != "query_assigned" || string(e.Data) != `{}` {
		t.Errorf("liaison got %s %s", e.Kind, e.Data)
	}
	none(t, lia)
	var before int
	r.db.Get(&before, `SELECT count(*) FROM console_events`)
	bad := []events.Pending{{Kind: "offered", To: events.Audience{AccountID: r.op1}}, {Kind: "", To: events.Audience{}}}
	if err := r.hub.PublishAll(ctx, bad); err == nil {
		t.Error("a batch with an event without a kind was published")
	}
	var after int
	r.db.Get(&after, `SELECT count(*) FROM console_events`)
	if after != before {
		t.Errorf("a refused batch stored %d events", after-before)
	}
}

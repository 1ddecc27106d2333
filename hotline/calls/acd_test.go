package calls

import (
	"context"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestACD(t *testing.T) {
	s, db := seed(t)
	ctx := context.Background()
	db.MustExec(`INSERT INTO accounts (username, password_hash, roles) VALUES ('op3', 'x', '{operator}')`)
	for _, x := range []struct{ ext, user string }{{"8001", "op1"}, {"8002", "op2"}, {"8003", "op3"}} {
		if _, err := s.SaveSIPAccount(ctx, NewSIPAccount{Extension: x.ext, Realm: "r", Password: "p", Username: x.user, Kind: KindOperator}); err != nil {
			t.Fatal(err)
		}
	}
	clk := &clock{t: time.Date(2025, 9, 30, 9, 0, 0, 0, time.UTC)}
	registered := map[string]bool{"8001": true, "8002": true, "8003": false}
	var mu sync.Mutex
	q := NewACD(s, ACDConfig{Now: clk.now, Reachable: func(a SIPAccount) bool { mu.Lock(); defer mu.Unlock(); return registered[a.Extension] }})
	must(t, q.Refresh(ctx))
	// 8002 became available before 8001: it has been idle longest.
	_, err := q.SetState(ctx, accountID(t, db, "op1"), StatePaused)
	must(t, err)
	clk.add(time.Second)
	_, err = q.SetState(ctx, accountID(t, db, "op1"), StateAvailable)
	must(t, err)

	w1 := q.Join(1)
	clk.add(time.Second)
	w2 := q.Join(2)
	if q.Position(w2) != 2 {
		t.Fatalf("position of the second caller %d", q.Position(w2))
	}
	if n, oldest := q.Waiting(); n != 2 || !oldest.Equal(w1.Joined) || !w2.Joined.After(w1.Joined) {
		t.Fatalf("waiting %d since %v, want 2 since %v", n, oldest, w1.Joined)
	}
	if _, ok := q.Take(ctx, w2); ok {
		t.Fatal("the second caller jumped the queue")
	}
	a, ok := q.Take(ctx, w1)
	if !ok || a.Account.Extension != "8002" {
		t.Fatalf("first offer went to %+v (ok %v), want 8002, idle longest", a.Account.Extension, ok)
	}
	if q.Position(w2) != 1 {
		t.Fatal("the second caller did not move up while the first one's operator rang")
	}
	if n, oldest := q.Waiting(); n != 1 || !oldest.Equal(w2.Joined) {
		t.Fatalf("while the first caller's operator rings: waiting %d since %v", n, oldest)
	}
	// No answer: 8002 is free again but at the back; the first caller is
	// back at the head and the next try rings 8001.
	clk.add(time.Second)
	q.Release(ctx, a.Account.ID, false)
	q.Rejoin(w1)
	if q.Position(w1) != 1 || q.Position(w2) != 2 {
		t.Fatal("rejoin did not put the first caller back at the head")
	}
	b, ok := q.Take(ctx, w1)
	if !ok || b.Account.Extension != "8001" {
		t.Fatalf("second offer %q, want 8001", b.Account.Extension)
	}
	q.Leave(w1) // answered: nothing to leave
	if q.Position(w2) != 1 {
		t.Fatal("second caller not first")
	}
	c, ok := q.Take(ctx, w2)
	if !ok || c.Account.Extension != "8002" {
		t.Fatalf("third offer %q, want 8002 (8001 busy, 8003 unregistered)", c.Account.Extension)
	}
	q.Rejoin(w2) // as if 8002 did not answer and was not released yet
	if _, ok := q.Take(ctx, w2); ok {
		t.Fatal("an offer with every reachable operator busy")
	}
	// Registering 8003 makes it reachable.
	mu.Lock()
	registered["8003"] = true
	mu.Unlock()
	if d, ok := q.Take(ctx, w2); !ok || d.Account.Extension != "8003" {
		t.Fatalf("after registering: %q %v", d.Account.Extension, ok)
	}
	// Pausing while busy applies after the call.
	_, err = q.SetState(ctx, accountID(t, db, "op1"), StatePaused)
	must(t, err)
	q.Release(ctx, b.Account.ID, true)
	for _, ag := range q.Agents() {
		if ag.Account.Extension == "8001" && ag.State != StatePaused {
			t.Errorf("8001 is %s after pausing mid-call", ag.State)
		}
	}
	if _, err := q.SetState(ctx, accountID(t, db, "op1"), StateBusy); err == nil {
		t.Error("an operator chose busy")
	}
}

func TestACDWrapUp(t *testing.T) {
	s, db := seed(t)
	ctx := context.Background()
	if _, err := s.SaveSIPAccount(ctx, NewSIPAccount{Extension: "8001", Realm: "r", Password: "p", Username: "op1", Kind: KindOperator}); err != nil {
		t.Fatal(err)
	}
	q := NewACD(s, ACDConfig{WrapUp: 100 * time.Millisecond})
	must(t, q.Refresh(ctx))
	w := q.Join(1)
	a, ok := q.Take(ctx, w)
	if !ok {
		t.Fatal("no operator")
	}
	q.Leave(w)
	q.Release(ctx, a.Account.ID, true)
	w2 := q.Join(2)
	if _, ok := q.Take(ctx, w2); ok {
		t.Fatal("offered during wrap-up")
	}
	select {
	case <-q.Changed():
	case <-time.After(2 * time.Second):
		t.Fatal("wrap-up never ended")
	}
	if _, ok := q.Take(ctx, w2); !ok {
		t.Fatal("not offered after wrap-up")
	}
	q.Sync()
	ts, err := s.StateTimes(ctx, accountID(t, db, "op1"), time.Now().Add(-time.Minute), time.Now())
	must(t, err)
	if ts[StateWrapUp] == 0 || ts[StateBusy] == 0 {
		t.Errorf("state times %v lack busy or wrapup", ts)
	}
}

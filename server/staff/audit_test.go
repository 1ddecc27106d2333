package staff_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/govhall/govhall/server/staff"
)

// actions returns the actions of entries in order.
func actions(es []staff.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func TestRecordKeepsWhoWhatWhenAndDetail(t *testing.T) {
	f := newFixture(t)
	id := f.create("xu", staff.RoleReviewer)
	var before time.Time
	if err := f.db.GetContext(f.ctx, &before, `SELECT now()`); err != nil {
		t.Fatal(err)
	}
	who := staff.Actor{AccountID: id, Username: "xu", IP: "10.6.0.1"}
	detail := map[string]any{"from": "draft", "to": "published", "note": "同意公开"}
	if err := f.s.Record(f.ctx, who, "document.publish", "document", "42", detail); err != nil {
		t.Fatal(err)
	}
	es, err := f.s.Audit(f.ctx, "document", "42", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 {
		t.Fatalf("Audit = %d entries, want 1", len(es))
	}
	e := es[0]
	if e.Actor != "xu" || e.IP != "10.6.0.1" || e.Action != "document.publish" || e.ObjectType != "document" || e.ObjectID != "42" {
		t.Errorf("entry = %+v, want xu from 10.6.0.1 publishing document 42", e)
	}
	if e.At.Before(before) || e.At.After(before.Add(time.Minute)) {
		t.Errorf("entry at %v, want just after %v", e.At, before)
	}
	var got map[string]any
	if err := json.Unmarshal(e.Detail, &got); err != nil || got["to"] != "published" || got["note"] != "同意公开" || len(got) != 3 {
		t.Errorf("detail = %s (%v), want %v", e.Detail, err, detail)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE account_id = $1 AND action = 'document.publish'`, id); n != 1 {
		t.Errorf("%d entries linked to account %d, want 1", n, id)
	}
}

func TestRecordWithoutAccountOrDetail(t *testing.T) {
	f := newFixture(t)
	if err := f.s.Record(f.ctx, staff.Actor{Username: "system"}, "calendar.import", "", "", nil); err != nil {
		t.Fatal(err)
	}
	es, err := f.s.Audit(f.ctx, "", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Actor != "system" || string(es[0].Detail) != "{}" {
		t.Fatalf("Audit = %+v, want one entry by system with detail {}", es)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE account_id IS NULL`); n != 1 {
		t.Errorf("%d entries without an account, want 1", n)
	}
}

func TestLoginsAreAudited(t *testing.T) {
	f := newFixture(t)
	id := f.create("ma")
	f.fail("ma", "10.7.0.1")
	f.fail("nobody", "10.7.0.1")
	f.login("ma")
	es, err := f.s.Audit(f.ctx, "account", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		action, actor, ip string
		account           bool
	}{
		{"login", "ma", "10.9.0.1", true},
		{"login.failed", "nobody", "10.7.0.1", false},
		{"login.failed", "ma", "10.7.0.1", false},
	}
	if len(es) != len(want) {
		t.Fatalf("Audit = %q, want %d entries", actions(es), len(want))
	}
	for i, w := range want {
		e := es[i]
		if e.Action != w.action || e.Actor != w.actor || e.IP != w.ip || e.ObjectID != w.actor {
			t.Errorf("entry %d = %s by %s from %s on %s, want %s by %s from %s", i, e.Action, e.Actor, e.IP, e.ObjectID, w.action, w.actor, w.ip)
		}
		var linked int
		f.db.GetContext(f.ctx, &linked, `SELECT count(*) FROM audit_log WHERE id = $1 AND account_id = $2`, e.ID, id)
		if got := linked == 1; got != w.account {
			t.Errorf("entry %d (%s) linked to the account: %v, want %v", i, e.Action, got, w.account)
		}
	}
}

func TestAuditFiltersAndOrder(t *testing.T) {
	f := newFixture(t)
	who := staff.Actor{Username: "admin"}
	for _, r := range []struct{ action, typ, id string }{
		{"a1", "document", "1"}, {"a2", "document", "2"}, {"a3", "query", "1"}, {"a4", "document", "1"},
	} {
		if err := f.s.Record(f.ctx, who, r.action, r.typ, r.id, nil); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		typ, id string
		limit   int
		want    []string
	}{
		{"", "", 10, []string{"a4", "a3", "a2", "a1"}},
		{"", "", 2, []string{"a4", "a3"}},
		{"document", "", 10, []string{"a4", "a2", "a1"}},
		{"document", "1", 10, []string{"a4", "a1"}},
		{"", "1", 10, []string{"a4", "a3", "a1"}},
		{"query", "2", 10, nil},
	}
	for _, tt := range tests {
		es, err := f.s.Audit(f.ctx, tt.typ, tt.id, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if got := actions(es); !slices.Equal(got, tt.want) {
			t.Errorf("Audit(%q, %q, %d) = %q, want %q", tt.typ, tt.id, tt.limit, got, tt.want)
		}
	}
}

func TestRecordInATransactionRollsBackWithIt(t *testing.T) {
	f := newFixture(t)
	tx, err := f.db.BeginTxx(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := staff.Record(f.ctx, tx, staff.Actor{Username: "admin"}, "document.delete", "document", "9", nil); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM audit_log`); n != 0 {
		t.Errorf("%d entries after the rollback, want 0", n)
	}
}

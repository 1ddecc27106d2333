package staff_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/govhall/govhall/server/staff"
)

// TestAuditLogFilters filters the audit log by who, what (an action's
// start, the object) and when (dates in China time, both ends included),
// newest first, one page at a time with the total; details never show a
// secret; a bad filter names its field.
func TestAuditLogFilters(t *testing.T) {
	f := newFixture(t)
	rec := func(user, action, objType, objID, at string, detail map[string]any) {
		t.Helper()
		if err := f.s.Record(f.ctx, staff.Actor{Username: user, IP: "10.0.0.1"}, action, objType, objID, detail); err != nil {
			t.Fatal(err)
		}
		f.db.MustExec(`UPDATE audit_log SET at = $1 WHERE id = (SELECT max(id) FROM audit_log)`, at)
	}
	rec("admin1", "category.add", "category", "7", "2026-11-30T23:30:00+08:00", map[string]any{"path": "政务公开/工作动态"})
	rec("admin1", "category.merge", "category", "7", "2026-12-01T00:10:00+08:00", map[string]any{"from": "A", "into": "B"})
	rec("admin1", "search.synonym.add", "search", "3", "2026-12-01T09:00:00+08:00", map[string]any{"term": "低保"})
	rec("Reviewer2", "category_x.add", "category", "8", "2026-12-02T09:00:00+08:00", nil)
	rec("admin1", "account.password", "account", "liu", "2026-12-03T09:00:00+08:00",
		map[string]any{"password": "s3cret-pass", "who": map[string]any{"new_token": "abc"}, "note": "kt_AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			"list": []any{map[string]any{"secret": 1}}})

	list := func(fl staff.AuditFilter) ([]string, int) {
		t.Helper()
		es, total, err := f.s.AuditLog(f.ctx, fl)
		if err != nil {
			t.Fatalf("AuditLog(%+v): %v", fl, err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Action)
		}
		return out, total
	}
	for _, tc := range []struct {
		f    staff.AuditFilter
		want []string
	}{
		{staff.AuditFilter{Action: "category."}, []string{"category.merge", "category.add"}},
		{staff.AuditFilter{Action: "category_"}, []string{"category_x.add"}}, // _ is a letter, not a wildcard
		{staff.AuditFilter{Actor: "reviewer2"}, []string{"category_x.add"}},
		{staff.AuditFilter{ObjectType: "category", ObjectID: "7"}, []string{"category.merge", "category.add"}},
		{staff.AuditFilter{From: "2026-12-01", To: "2026-12-01"}, []string{"search.synonym.add", "category.merge"}},
		{staff.AuditFilter{To: "2026-11-30"}, []string{"category.add"}},
		{staff.AuditFilter{Actor: "admin1", From: "2026-12-01"}, []string{"account.password", "search.synonym.add", "category.merge"}},
	} {
		if got, total := list(tc.f); !slices.Equal(got, tc.want) || total != len(tc.want) {
			t.Errorf("AuditLog(%+v) = %v (total %d), want %v", tc.f, got, total, tc.want)
		}
	}
	page, total := list(staff.AuditFilter{Limit: 2, Offset: 2})
	if total != 5 || !slices.Equal(page, []string{"search.synonym.add", "category.merge"}) {
		t.Errorf("the second page of two = %v of %d", page, total)
	}
	es, _, err := f.s.AuditLog(f.ctx, staff.AuditFilter{Action: "account."})
	if err != nil || len(es) != 1 {
		t.Fatalf("account entries = %v, %v", es, err)
	}
	d := string(es[0].Detail)
	for _, secret := range []string{"s3cret-pass", "abc", "kt_AAAA", `"secret":1`} {
		if strings.Contains(d, secret) {
			t.Errorf("the detail shows a secret (%s): %s", secret, d)
		}
	}
	var detail map[string]any
	json.Unmarshal(es[0].Detail, &detail)
	if detail["password"] != staff.Redacted || detail["note"] != staff.Redacted {
		t.Errorf("detail = %s, want the password and the token hidden", d)
	}
	var stored string
	f.db.Get(&stored, `SELECT detail->>'password' FROM audit_log WHERE action = 'account.password'`)
	if stored != "s3cret-pass" {
		t.Errorf("redaction changed the stored entry (%q)", stored)
	}
	for _, tc := range []struct {
		f     staff.AuditFilter
		field string
	}{
		{staff.AuditFilter{From: "2026/12/01"}, "from"}, {staff.AuditFilter{To: "yesterday"}, "to"},
		{staff.AuditFilter{From: "2026-12-05", To: "2026-12-01"}, "to"}, {staff.AuditFilter{Limit: 1000}, "limit"},
		{staff.AuditFilter{Actor: strings.Repeat("a", 101)}, "actor"},
	} {
		var fe *staff.AuditFieldError
		if _, _, err := f.s.AuditLog(f.ctx, tc.f); !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, staff.ErrInvalid) {
			t.Errorf("AuditLog(%+v) = %v, want a field error on %s", tc.f, err, tc.field)
		}
	}
}

package calls

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func fieldOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

var admin = Actor{Username: "root", IP: "10.0.0.1"}

// TestCreatePhone: the generated password is returned once and only its
// HA1 is stored; operators' phones need an operator, liaisons' a
// department (and, if linked, one of its liaisons); each refusal names
// its field in Chinese; the audit keeps no secret.
func TestCreatePhone(t *testing.T) {
	s, db := seed(t)
	ctx := context.Background()
	p, pw, err := s.CreatePhone(ctx, admin, "govhall", NewPhone{Extension: "8001", Kind: KindOperator, Username: "op1"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-zA-Z2-9]{16}$`).MatchString(pw) || p.HA1 != HA1("8001", "govhall", pw) || p.Username != "op1" {
		t.Errorf("created %+v with password %q", p, pw)
	}
	var stored string
	db.Get(&stored, `SELECT ha1 FROM sip_accounts WHERE extension = '8001'`)
	if strings.Contains(stored, pw) || stored != HA1("8001", "govhall", pw) {
		t.Errorf("stored %q", stored)
	}
	l1, _, err := s.CreatePhone(ctx, admin, "govhall", NewPhone{Extension: "8101", Kind: KindLiaison, Username: "liaison1", Department: "mzj"})
	if err != nil {
		t.Fatal(err)
	}
	l2, _, err := s.CreatePhone(ctx, admin, "govhall", NewPhone{Extension: "8102", Kind: KindLiaison, Department: "mzj"})
	if err != nil {
		t.Fatal(err)
	}
	if l1.RingOrder != 1 || l2.RingOrder != 2 || l1.DepartmentName != "民政局" {
		t.Errorf("liaison phones %+v %+v, want ring order 1 and 2", l1, l2)
	}
	for _, c := range []struct {
		in    NewPhone
		field string
	}{
		{NewPhone{Extension: "80", Kind: KindOperator, Username: "op2"}, "extension"},
		{NewPhone{Extension: "96128", Kind: KindOperator, Username: "op2"}, "extension"},
		{NewPhone{Extension: "8001", Kind: KindOperator, Username: "op2"}, "extension"},
		{NewPhone{Extension: "8002", Kind: "fax", Username: "op2"}, "kind"},
		{NewPhone{Extension: "8002", Kind: KindOperator}, "username"},
		{NewPhone{Extension: "8002", Kind: KindOperator, Username: "nobody"}, "username"},
		{NewPhone{Extension: "8002", Kind: KindOperator, Username: "super1"}, "username"},
		{NewPhone{Extension: "8103", Kind: KindLiaison}, "department"},
		{NewPhone{Extension: "8103", Kind: KindLiaison, Department: "xyz"}, "department"},
		{NewPhone{Extension: "8103", Kind: KindLiaison, Department: "ybj", Username: "liaison1"}, "username"},
	} {
		_, _, err := s.CreatePhone(ctx, admin, "govhall", c.in)
		if got := fieldOf(err); got != c.field {
			t.Errorf("%+v: %v on %q, want %q", c.in, err, got, c.field)
		}
		if err != nil && !regexp.MustCompile(`\p{Han}`).MatchString(err.Error()) {
			t.Errorf("%+v: %q is not in Chinese", c.in, err)
		}
	}

	p2, again, err := s.RegeneratePhone(ctx, admin, p.ID)
	if err != nil || again == pw {
		t.Fatalf("regenerate: %q %v", again, err)
	}
	if got, _ := s.SIPAccount(ctx, "8001"); got.HA1 != HA1("8001", "govhall", again) || p2.Extension != "8001" {
		t.Errorf("the new password is not the stored HA1")
	}
	if _, err := s.RemovePhone(ctx, admin, l2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SIPAccount(ctx, "8102"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a removed phone is still there: %v", err)
	}
	if _, err := s.RemovePhone(ctx, admin, l2.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}
	ps, err := s.Phones(ctx)
	if err != nil || len(ps) != 2 || ps[0].Extension != "8001" || ps[1].Extension != "8101" {
		t.Errorf("phones = %+v %v", ps, err)
	}
	var actions []string
	db.Select(&actions, `SELECT action FROM audit_log WHERE object_type = 'sip_account' ORDER BY id`)
	if strings.Join(actions, ",") != "sip_account.create,sip_account.create,sip_account.create,sip_account.credentials,sip_account.remove" {
		t.Errorf("audit = %v", actions)
	}
	var details string
	db.Get(&details, `SELECT string_agg(detail::text, ' ') FROM audit_log`)
	if strings.Contains(details, pw) || strings.Contains(details, again) || strings.Contains(details, stored) {
		t.Errorf("a secret is in the audit log: %s", details)
	}
}

// TestSetRing orders a department's liaison phones and sets ring-all;
// phones left out follow, others' extensions are refused.
func TestSetRing(t *testing.T) {
	s, db := seed(t)
	ctx := context.Background()
	for _, ext := range []string{"8101", "8102", "8103"} {
		if _, _, err := s.CreatePhone(ctx, admin, "govhall", NewPhone{Extension: ext, Kind: KindLiaison, Department: "mzj"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.CreatePhone(ctx, admin, "govhall", NewPhone{Extension: "8201", Kind: KindLiaison, Department: "ybj"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRing(ctx, admin, "mzj", RingAll, []string{"8103", "8101"}); err != nil {
		t.Fatal(err)
	}
	ls, _ := s.SIPAccounts(ctx, KindLiaison, mustDept(t, s, "mzj").ID)
	var order []string
	for _, l := range ls {
		order = append(order, l.Extension)
	}
	if strings.Join(order, ",") != "8103,8101,8102" || mustDept(t, s, "mzj").RingStrategy != RingAll {
		t.Errorf("ring order %v, strategy %s", order, mustDept(t, s, "mzj").RingStrategy)
	}
	if err := s.SetRing(ctx, admin, "mzj", RingOrder, []string{"8201"}); fieldOf(err) != "extensions" {
		t.Errorf("another department's phone: %v", err)
	}
	if err := s.SetRing(ctx, admin, "mzj", RingOrder, []string{"8101", "8101"}); fieldOf(err) != "extensions" {
		t.Errorf("twice: %v", err)
	}
	if err := s.SetRing(ctx, admin, "mzj", "random", nil); fieldOf(err) != "ring_strategy" {
		t.Errorf("bad strategy: %v", err)
	}
	if err := s.SetRing(ctx, admin, "nope", RingOrder, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown department: %v", err)
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'department.ring' AND object_id = 'mzj'`)
	if n != 1 {
		t.Errorf("%d audit entries for one ring change", n)
	}
}

// TestWrapUpCodes: added at the end (with a code made up when none is
// given), disabled ones off the list and back when added again.
func TestWrapUpCodes(t *testing.T) {
	s, _ := seed(t)
	ctx := context.Background()
	c, err := s.AddWrapUpCode(ctx, "", "政策解释")
	if err != nil || !regexp.MustCompile(`^custom_[a-z]+$`).MatchString(c.Code) {
		t.Fatalf("add: %+v %v", c, err)
	}
	named, err := s.AddWrapUpCode(ctx, "policy_asked", "咨询政策")
	if err != nil || named.Code != "policy_asked" || named.Position <= c.Position {
		t.Fatalf("add named: %+v %v", named, err)
	}
	if _, err := s.AddWrapUpCode(ctx, "", "投诉"); fieldOf(err) != "label" {
		t.Errorf("a label taken: %v", err)
	}
	if _, err := s.AddWrapUpCode(ctx, "Bad-Code1", "别的"); fieldOf(err) != "code" {
		t.Errorf("bad code: %v", err)
	}
	if _, err := s.AddWrapUpCode(ctx, "", ""); fieldOf(err) != "label" {
		t.Errorf("empty label: %v", err)
	}
	if _, err := s.DisableWrapUpCode(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	cs, _ := s.WrapUpCodes(ctx)
	for _, x := range cs {
		if x.ID == c.ID {
			t.Errorf("a disabled code is listed")
		}
	}
	if _, err := s.DisableWrapUpCode(ctx, 99999); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if back, err := s.AddWrapUpCode(ctx, c.Code, "政策解释"); err != nil || back.ID != c.ID || back.Disabled {
		t.Errorf("added again: %+v %v", back, err)
	}
	if letters(0) != "a" || letters(25) != "z" || letters(26) != "aa" {
		t.Errorf("letters")
	}
}

package staff_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/govhall/govhall/server/staff"
)

// department adds a department to the fixture's database.
func (f *fixture) department(code, name string) {
	f.t.Helper()
	if _, err := f.db.ExecContext(f.ctx, `INSERT INTO departments (code, name, full_name) VALUES ($1, $2, $3)`, code, name, "县"+name); err != nil {
		f.t.Fatal(err)
	}
}

// admin creates an admin account and returns it as an actor.
func (f *fixture) admin(username string) staff.Actor {
	f.t.Helper()
	id := f.create(username, staff.RoleAdmin)
	return staff.Actor{AccountID: id, Username: username, IP: "127.0.0.1"}
}

func fieldOf(err error) string {
	var fe *staff.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

// TestCreateAccountByAdmin: a created account logs in with the password
// shown once (typed or generated), only its bcrypt hash is stored, every
// refused input names its field in Chinese, and the audit entry keeps no
// secret.
func TestCreateAccountByAdmin(t *testing.T) {
	f := newFixture(t)
	f.department("mzj", "民政局")
	by := f.admin("root")

	row, pw, err := f.s.CreateAccount(f.ctx, by, staff.AccountInput{Username: "liuyang", DisplayName: " 刘洋 ",
		Roles: []string{staff.RoleLiaison, staff.RoleLiaison}, Department: "mzj"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$`).MatchString(pw) {
		t.Errorf("generated password %q is not three groups of four", pw)
	}
	if row.DisplayName != "刘洋" || row.DepartmentCode != "mzj" || row.DepartmentName != "民政局" || !slices.Equal(row.Roles, []string{"liaison"}) {
		t.Errorf("created %+v", row)
	}
	if _, acct, _, err := f.s.Login(f.ctx, "liuyang", pw, "10.0.0.1"); err != nil || acct.ID != row.ID {
		t.Errorf("login with the generated password: %v", err)
	}
	var hash string
	f.db.GetContext(f.ctx, &hash, `SELECT password_hash FROM accounts WHERE id = $1`, row.ID)
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) != nil || strings.Contains(hash, pw) {
		t.Errorf("the stored hash %q is not bcrypt of the password", hash)
	}
	if _, typed, err := f.s.CreateAccount(f.ctx, by, staff.AccountInput{Username: "wangfang", DisplayName: "王芳",
		Roles: []string{staff.RoleOperator}, Password: "typed-pass-1"}); err != nil || typed != "typed-pass-1" {
		t.Errorf("typed password: %q %v", typed, err)
	}

	for _, c := range []struct {
		in    staff.AccountInput
		field string
	}{
		{staff.AccountInput{Username: "Zhang San", DisplayName: "张三", Roles: []string{"operator"}}, "username"},
		{staff.AccountInput{Username: "liuyang", DisplayName: "张三", Roles: []string{"operator"}}, "username"},
		{staff.AccountInput{Username: "zhangsan", DisplayName: "  ", Roles: []string{"operator"}}, "display_name"},
		{staff.AccountInput{Username: "zhangsan", DisplayName: "张三"}, "roles"},
		{staff.AccountInput{Username: "zhangsan", DisplayName: "张三", Roles: []string{"boss"}}, "roles"},
		{staff.AccountInput{Username: "zhangsan", DisplayName: "张三", Roles: []string{"liaison"}}, "department"},
		{staff.AccountInput{Username: "zhangsan", DisplayName: "张三", Roles: []string{"operator"}, Department: "nope"}, "department"},
		{staff.AccountInput{Username: "zhangsan", DisplayName: "张三", Roles: []string{"operator"}, Password: "short"}, "password"},
		{staff.AccountInput{Username: "zhangsan", DisplayName: "张三", Roles: []string{"operator"}, Password: strings.Repeat("长", 30)}, "password"},
	} {
		_, _, err := f.s.CreateAccount(f.ctx, by, c.in)
		if got := fieldOf(err); got != c.field {
			t.Errorf("%+v: error %v on field %q, want %q", c.in, err, got, c.field)
		}
		if err != nil && !regexp.MustCompile(`\p{Han}`).MatchString(err.Error()) {
			t.Errorf("%+v: message %q is not in Chinese", c.in, err)
		}
	}
	if n := f.count(`SELECT count(*) FROM accounts WHERE username = 'zhangsan'`); n != 0 {
		t.Errorf("a refused input created the account")
	}
	var detail string
	f.db.GetContext(f.ctx, &detail, `SELECT detail::text FROM audit_log WHERE action = 'account.create' AND object_id = 'liuyang' AND actor = 'root'`)
	if !strings.Contains(detail, `"generated"`) || strings.Contains(detail, pw) || strings.Contains(detail, "$2a$") {
		t.Errorf("audit detail %s", detail)
	}
}

// TestDisableAccount: disabling ends the account's sessions at once and
// refuses logins; enabling lets it log in again. An admin cannot disable
// themselves nor the last enabled admin.
func TestDisableAccount(t *testing.T) {
	f := newFixture(t)
	by := f.admin("root")
	id := f.create("wangfang")
	tok, _, _, err := f.s.Login(f.ctx, "wangfang", password, "10.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	row, err := f.s.SetDisabled(f.ctx, by, id, true)
	if err != nil || !row.Disabled || row.Sessions != 0 {
		t.Fatalf("disable: %+v %v", row, err)
	}
	if _, err := f.s.Session(f.ctx, tok); !errors.Is(err, staff.ErrNoSession) {
		t.Errorf("the disabled account's session still works: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM sessions WHERE account_id = $1`, id); n != 0 {
		t.Errorf("%d sessions left", n)
	}
	if _, _, _, err := f.s.Login(f.ctx, "wangfang", password, "10.0.0.2"); !errors.Is(err, staff.ErrBadCredentials) {
		t.Errorf("a disabled account logged in: %v", err)
	}
	if _, err := f.s.SetDisabled(f.ctx, by, id, false); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.s.Login(f.ctx, "wangfang", password, "10.0.0.3"); err != nil {
		t.Errorf("an enabled account cannot log in: %v", err)
	}
	if _, err := f.s.SetDisabled(f.ctx, by, by.AccountID, true); !errors.Is(err, staff.ErrRefused) || !strings.Contains(err.Error(), "自己") {
		t.Errorf("an admin disabled themselves: %v", err)
	}
	// The last admin: root disabling the only other admin is fine, but
	// that admin may not then disable root.
	other := f.admin("root2")
	if _, err := f.s.SetDisabled(f.ctx, other, by.AccountID, true); err != nil {
		t.Fatalf("disable root by root2: %v", err)
	}
	if _, err := f.s.UpdateAccount(f.ctx, by, other.AccountID, staff.AccountInput{DisplayName: "二", Roles: []string{"operator"}}); !errors.Is(err, staff.ErrRefused) {
		t.Errorf("the last enabled admin lost the role: %v", err)
	}
	if _, err := f.s.UpdateAccount(f.ctx, other, other.AccountID, staff.AccountInput{DisplayName: "二", Roles: []string{"operator"}}); !errors.Is(err, staff.ErrRefused) {
		t.Errorf("an admin dropped their own admin role: %v", err)
	}
	var actions []string
	f.db.SelectContext(f.ctx, &actions, `SELECT action FROM audit_log WHERE object_id = 'wangfang' AND actor = 'root' ORDER BY id`)
	if !slices.Equal(actions, []string{"account.disable", "account.enable"}) {
		t.Errorf("audit = %v", actions)
	}
}

// TestResetPassword: the new password works, the old does not, the
// account's sessions end, and the audit says generated or typed only.
func TestResetPassword(t *testing.T) {
	f := newFixture(t)
	by := f.admin("root")
	id := f.create("wangfang")
	tok, _, _, _ := f.s.Login(f.ctx, "wangfang", password, "10.0.0.2")
	pw, err := f.s.ResetPassword(f.ctx, by, id, "", "")
	if err != nil || pw == "" {
		t.Fatalf("reset: %q %v", pw, err)
	}
	if _, err := f.s.Session(f.ctx, tok); !errors.Is(err, staff.ErrNoSession) {
		t.Errorf("the old session survives a password reset")
	}
	if _, _, _, err := f.s.Login(f.ctx, "wangfang", password, "10.0.0.4"); !errors.Is(err, staff.ErrBadCredentials) {
		t.Errorf("the old password still works: %v", err)
	}
	if _, _, _, err := f.s.Login(f.ctx, "wangfang", pw, "10.0.0.4"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if _, err := f.s.ResetPassword(f.ctx, by, id, "1234", ""); fieldOf(err) != "password" {
		t.Errorf("short password: %v", err)
	}
	if _, err := f.s.ResetPassword(f.ctx, by, 999999, "", ""); !errors.Is(err, staff.ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
	mine, _, _, _ := f.s.Login(f.ctx, "root", password, "10.0.0.5")
	elsewhere, _, _, _ := f.s.Login(f.ctx, "root", password, "10.0.0.6")
	if _, err := f.s.ResetPassword(f.ctx, by, by.AccountID, "my-own-new-pass", mine); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Session(f.ctx, mine); err != nil {
		t.Errorf("an admin changing their own password was logged out: %v", err)
	}
	if _, err := f.s.Session(f.ctx, elsewhere); !errors.Is(err, staff.ErrNoSession) {
		t.Errorf("the admin's other session survives their password change: %v", err)
	}
	var details []string
	f.db.SelectContext(f.ctx, &details, `SELECT detail::text FROM audit_log WHERE action = 'account.password_reset' ORDER BY id`)
	if len(details) != 2 || !strings.Contains(details[0], "generated") || !strings.Contains(details[1], "typed") ||
		strings.Contains(strings.Join(details, ""), pw) || strings.Contains(strings.Join(details, ""), "my-own-new-pass") {
		t.Errorf("audit details %v", details)
	}
}

// TestUpdateAccount changes roles and department; the roles apply to the
// open session at once.
func TestUpdateAccount(t *testing.T) {
	f := newFixture(t)
	f.department("mzj", "民政局")
	by := f.admin("root")
	id := f.create("wangfang")
	tok, _, _, _ := f.s.Login(f.ctx, "wangfang", password, "10.0.0.2")
	row, err := f.s.UpdateAccount(f.ctx, by, id, staff.AccountInput{DisplayName: "王芳", Roles: []string{"operator", "liaison"}, Department: "mzj"})
	if err != nil || row.DepartmentCode != "mzj" || !row.Has(staff.RoleLiaison) {
		t.Fatalf("update: %+v %v", row, err)
	}
	if a, err := f.s.Session(f.ctx, tok); err != nil || !a.Has(staff.RoleLiaison) {
		t.Errorf("the session does not have the new role: %+v %v", a, err)
	}
	if _, err := f.s.UpdateAccount(f.ctx, by, id, staff.AccountInput{DisplayName: "王芳", Roles: []string{"liaison"}}); fieldOf(err) != "department" {
		t.Errorf("liaison without department: %v", err)
	}
	rows, err := f.s.Accounts(f.ctx)
	if err != nil || len(rows) != 2 || rows[1].Username != "wangfang" || rows[1].Sessions != 1 || rows[1].LastLogin == nil {
		t.Errorf("accounts = %+v %v", rows, err)
	}
}

package staff_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"

	"github.com/govhall/govhall/migrations/pgtest"
	"github.com/govhall/govhall/server/staff"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const password = "correct-horse-1"

// fixture is a store on a fresh database.
type fixture struct {
	t   *testing.T
	ctx context.Context
	db  *sqlx.DB
	s   *staff.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	t.Parallel()
	db := pgtest.New(t)
	return &fixture{t: t, ctx: context.Background(), db: db, s: staff.NewStore(db)}
}

// create adds an account with the fixture's password and returns its id.
func (f *fixture) create(username string, roles ...string) int64 {
	f.t.Helper()
	if len(roles) == 0 {
		roles = []string{staff.RoleOperator}
	}
	id, err := f.s.Create(f.ctx, staff.NewAccount{Username: username, DisplayName: "测试 " + username, Password: password, Roles: roles})
	if err != nil {
		f.t.Fatalf("create %s: %v", username, err)
	}
	return id
}

// count returns the single integer a query selects.
func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.GetContext(f.ctx, &n, q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestPasswordIsStoredAsBcryptHash(t *testing.T) {
	f := newFixture(t)
	f.create("zhangwei")
	var hash string
	if err := f.db.GetContext(f.ctx, &hash, `SELECT password_hash FROM accounts WHERE username = 'zhangwei'`); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hash, password) {
		t.Fatalf("password_hash %q contains the plaintext", hash)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)); err != nil {
		t.Errorf("bcrypt rejects the stored hash %q: %v", hash, err)
	}
	if cost, err := bcrypt.Cost([]byte(hash)); err != nil || cost < bcrypt.DefaultCost {
		t.Errorf("bcrypt cost = %d, %v; want at least %d", cost, err, bcrypt.DefaultCost)
	}
}

func TestCreateRejects(t *testing.T) {
	f := newFixture(t)
	f.create("taken")
	ok := staff.NewAccount{Username: "lina", Password: password, Roles: []string{staff.RoleReviewer}}
	with := func(change func(*staff.NewAccount)) staff.NewAccount {
		a := ok
		change(&a)
		return a
	}
	tests := []struct {
		name string
		in   staff.NewAccount
		want error
	}{
		{"unknown role", with(func(a *staff.NewAccount) { a.Roles = []string{"root"} }), staff.ErrInvalid},
		{"one unknown role among good ones", with(func(a *staff.NewAccount) { a.Roles = []string{staff.RoleAdmin, "Admin"} }), staff.ErrInvalid},
		{"empty roles", with(func(a *staff.NewAccount) { a.Roles = []string{} }), staff.ErrInvalid},
		{"nil roles", with(func(a *staff.NewAccount) { a.Roles = nil }), staff.ErrInvalid},
		{"upper-case username", with(func(a *staff.NewAccount) { a.Username = "LiNa" }), staff.ErrInvalid},
		{"one-letter username", with(func(a *staff.NewAccount) { a.Username = "l" }), staff.ErrInvalid},
		{"username with a space", with(func(a *staff.NewAccount) { a.Username = "li na" }), staff.ErrInvalid},
		{"chinese username", with(func(a *staff.NewAccount) { a.Username = "李娜" }), staff.ErrInvalid},
		{"short password", with(func(a *staff.NewAccount) { a.Password = "1234567" }), staff.ErrInvalid},
		{"password over bcrypt's 72 bytes", with(func(a *staff.NewAccount) { a.Password = strings.Repeat("密", 25) }), staff.ErrInvalid},
		{"duplicate username", with(func(a *staff.NewAccount) { a.Username = "taken" }), staff.ErrExists},
	}
	for _, tt := range tests {
		_, got := f.s.Create(f.ctx, tt.in)
		if !errors.Is(got, tt.want) {
			t.Errorf("%s: Create = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := f.count(`SELECT count(*) FROM accounts`); got != 1 {
		t.Errorf("%d accounts after the rejected creations, want 1", got)
	}
	if _, err := f.s.Create(f.ctx, ok); err != nil {
		t.Errorf("the valid account: Create = %v", err)
	}
}

func TestCreateAndByUsername(t *testing.T) {
	f := newFixture(t)
	var dep int64
	if err := f.db.GetContext(f.ctx, &dep, `INSERT INTO departments (code, name, full_name) VALUES ('mzj', '民政局', '某市民政局') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	id, err := f.s.Create(f.ctx, staff.NewAccount{Username: "wang.fang", DisplayName: "王芳", Password: password,
		Roles: []string{staff.RoleLiaison, staff.RoleReviewer}, DepartmentID: dep})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.s.ByUsername(f.ctx, "wang.fang")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.Username != "wang.fang" || got.DisplayName != "王芳" || got.Disabled ||
		!slices.Equal(got.Roles, []string{staff.RoleLiaison, staff.RoleReviewer}) || got.DepartmentID.Int64 != dep {
		t.Errorf("ByUsername = %+v, want id %d, 王芳, liaison+reviewer, department %d", got, id, dep)
	}
	f.create("no-dept")
	if got, _ := f.s.ByUsername(f.ctx, "no-dept"); got.DepartmentID.Valid {
		t.Errorf("DepartmentID 0 stored as %v, want NULL", got.DepartmentID)
	}
	if _, err := f.s.ByUsername(f.ctx, "nobody"); !errors.Is(err, staff.ErrNotFound) {
		t.Errorf("ByUsername(nobody) = %v, want ErrNotFound", err)
	}
}

func TestSetPassword(t *testing.T) {
	f := newFixture(t)
	f.create("liu")
	const next = "another-secret-2"
	if err := f.s.SetPassword(f.ctx, "liu", next); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.s.Login(f.ctx, "liu", password, "10.0.0.1"); !errors.Is(err, staff.ErrBadCredentials) {
		t.Errorf("old password after SetPassword: Login = %v, want ErrBadCredentials", err)
	}
	if _, _, _, err := f.s.Login(f.ctx, "liu", next, "10.0.0.1"); err != nil {
		t.Errorf("new password: Login = %v", err)
	}
	tests := []struct {
		name, username, password string
		want                     error
	}{
		{"unknown account", "nobody", next, staff.ErrNotFound},
		{"short password", "liu", "short", staff.ErrInvalid},
		{"empty password", "liu", "", staff.ErrInvalid},
	}
	for _, tt := range tests {
		if got := f.s.SetPassword(f.ctx, tt.username, tt.password); !errors.Is(got, tt.want) {
			t.Errorf("%s: SetPassword = %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, _, _, err := f.s.Login(f.ctx, "liu", next, "10.0.0.1"); err != nil {
		t.Errorf("the password after the rejected changes: Login = %v", err)
	}
}

func TestAccountHas(t *testing.T) {
	a := staff.Account{Roles: []string{staff.RoleReviewer, staff.RoleLiaison}}
	tests := []struct {
		roles []string
		want  bool
	}{
		{[]string{staff.RoleReviewer}, true},
		{[]string{staff.RoleLiaison}, true},
		{[]string{staff.RoleAdmin}, false},
		{[]string{staff.RoleAdmin, staff.RoleLiaison}, true},
		{[]string{staff.RoleAdmin, staff.RoleOperator, staff.RoleSupervisor}, false},
		{[]string{"Reviewer"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := a.Has(tt.roles...); got != tt.want {
			t.Errorf("Has(%q) = %v, want %v", tt.roles, got, tt.want)
		}
	}
	if (staff.Account{}).Has(staff.RoleAdmin) {
		t.Error("an account without roles Has(admin)")
	}
}

package staff_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/govhall/govhall/server/staff"
)

// fail makes one login with a wrong password and requires ErrBadCredentials.
func (f *fixture) fail(username, ip string) {
	f.t.Helper()
	if _, _, _, err := f.s.Login(f.ctx, username, "wrong-password", ip); !errors.Is(err, staff.ErrBadCredentials) {
		f.t.Fatalf("Login(%s, wrong, %s) = %v, want ErrBadCredentials", username, ip, err)
	}
}

// age moves the failed logins matching where back by d, as if they had
// happened that much earlier.
func (f *fixture) age(d time.Duration, where string, args ...any) {
	f.t.Helper()
	q := fmt.Sprintf(`UPDATE login_failures SET at = at - make_interval(secs => %d) WHERE %s`, int(d.Seconds()), where)
	if _, err := f.db.ExecContext(f.ctx, q, args...); err != nil {
		f.t.Fatal(err)
	}
}

func TestLoginChecksCredentials(t *testing.T) {
	f := newFixture(t)
	id := f.create("zhao", staff.RoleReviewer)
	f.create("off")
	f.db.MustExec(`UPDATE accounts SET disabled = true WHERE username = 'off'`)
	tests := []struct {
		name, username, password string
		want                     error
	}{
		{"right password", "zhao", password, nil},
		{"wrong password", "zhao", "correct-horse-2", staff.ErrBadCredentials},
		{"empty password", "zhao", "", staff.ErrBadCredentials},
		{"unknown username", "qian", password, staff.ErrBadCredentials},
		{"username in another case", "ZHAO", password, staff.ErrBadCredentials},
		{"disabled account, right password", "off", password, staff.ErrBadCredentials},
	}
	for i, tt := range tests {
		ip := fmt.Sprintf("10.1.0.%d", i) // one address each: no case is throttled by another
		token, acct, wait, err := f.s.Login(f.ctx, tt.username, tt.password, ip)
		if !errors.Is(err, tt.want) || wait != 0 {
			t.Errorf("%s: Login = %v, wait %v; want %v, no wait", tt.name, err, wait, tt.want)
		}
		if tt.want != nil {
			if token != "" || acct.ID != 0 {
				t.Errorf("%s: a failed Login returned token %q, account %+v", tt.name, token, acct)
			}
			if got := f.count(`SELECT count(*) FROM login_failures WHERE username = $1 AND ip = $2`, tt.username, ip); got != 1 {
				t.Errorf("%s: %d failed logins recorded, want 1", tt.name, got)
			}
			continue
		}
		if token == "" || acct.ID != id || acct.Username != "zhao" || !acct.Has(staff.RoleReviewer) {
			t.Errorf("%s: Login = token %q, account %+v; want a token for account %d", tt.name, token, acct, id)
		}
		if got := f.count(`SELECT count(*) FROM login_failures WHERE ip = $1`, ip); got != 0 {
			t.Errorf("%s: a successful login left %d failure rows", tt.name, got)
		}
	}
}

// An unknown username must cost a bcrypt comparison like a known one, so the
// response time does not tell which usernames exist. Login compares against
// the store's dummy hash when the account is missing; this checks that hash
// is as expensive as a real one (timing it would make a flaky test).
func TestUnknownUsernameComparesAgainstAnEquallyCostlyHash(t *testing.T) {
	f := newFixture(t)
	f.create("sun")
	var hash string
	if err := f.db.GetContext(f.ctx, &hash, `SELECT password_hash FROM accounts WHERE username = 'sun'`); err != nil {
		t.Fatal(err)
	}
	real, err := bcrypt.Cost([]byte(hash))
	if err != nil {
		t.Fatal(err)
	}
	dummy, err := staff.DummyCost(f.s)
	if err != nil {
		t.Fatalf("the dummy hash is not a bcrypt hash: %v", err)
	}
	if dummy != real {
		t.Errorf("dummy hash cost %d, real hash cost %d: unknown usernames answer at a different speed", dummy, real)
	}
}

func TestLockoutPerUsername(t *testing.T) {
	f := newFixture(t)
	f.create("zhou")
	for i := range staff.FailureLimit {
		f.fail("zhou", fmt.Sprintf("10.2.0.%d", i)) // spread over addresses: the username alone counts
	}
	token, _, wait, err := f.s.Login(f.ctx, "zhou", password, "10.2.1.1")
	if !errors.Is(err, staff.ErrThrottled) || token != "" {
		t.Fatalf("right password after %d failures: Login = %q, %v; want ErrThrottled", staff.FailureLimit, token, err)
	}
	if wait <= staff.FailureWindow-time.Minute || wait > staff.FailureWindow {
		t.Errorf("wait = %v, want about %v", wait, staff.FailureWindow)
	}
	if got := f.count(`SELECT count(*) FROM login_failures`); got != staff.FailureLimit {
		t.Errorf("%d failure rows, want %d: a refused attempt must not extend the lockout", got, staff.FailureLimit)
	}
	if got := f.count(`SELECT count(*) FROM sessions`); got != 0 {
		t.Errorf("a throttled login opened %d sessions", got)
	}
	// Another account from a fresh address is not affected.
	f.create("wu")
	if _, _, _, err := f.s.Login(f.ctx, "wu", password, "10.2.2.2"); err != nil {
		t.Errorf("another account: Login = %v", err)
	}
	f.age(staff.FailureWindow, `username = 'zhou'`)
	if _, _, _, err := f.s.Login(f.ctx, "zhou", password, "10.2.1.1"); err != nil {
		t.Errorf("once the window has passed: Login = %v, want a session", err)
	}
}

func TestLockoutPerAddress(t *testing.T) {
	f := newFixture(t)
	f.create("zheng")
	const ip = "192.0.2.7"
	for i := range staff.FailureLimit {
		f.fail(fmt.Sprintf("guess%d", i), ip) // usernames that do not exist count too
	}
	if _, _, _, err := f.s.Login(f.ctx, "zheng", password, ip); !errors.Is(err, staff.ErrThrottled) {
		t.Errorf("a real account from the address: Login = %v, want ErrThrottled", err)
	}
	if _, _, _, err := f.s.Login(f.ctx, "zheng", password, "192.0.2.8"); err != nil {
		t.Errorf("the same account from another address: Login = %v", err)
	}
	f.age(staff.FailureWindow, `ip = $1`, ip)
	if _, _, _, err := f.s.Login(f.ctx, "zheng", password, ip); err != nil {
		t.Errorf("once the window has passed: Login = %v, want a session", err)
	}
}

func TestLockoutLastsUntilTheOldestRecentFailureLeavesTheWindow(t *testing.T) {
	f := newFixture(t)
	f.create("feng")
	for range staff.FailureLimit {
		f.fail("feng", "10.3.0.1")
	}
	// The oldest failure is now 14 minutes old, the others are fresh.
	f.db.MustExec(`UPDATE login_failures SET at = now() - interval '14 minutes' WHERE id = (SELECT min(id) FROM login_failures)`)
	_, _, wait, err := f.s.Login(f.ctx, "feng", password, "10.3.0.1")
	if !errors.Is(err, staff.ErrThrottled) || wait < time.Second || wait > time.Minute {
		t.Fatalf("Login = %v, wait %v; want ErrThrottled and at most a minute to wait", err, wait)
	}
	// Once it has left the window, FailureLimit-1 remain: one more try is allowed.
	f.db.MustExec(`UPDATE login_failures SET at = now() - interval '16 minutes' WHERE id = (SELECT min(id) FROM login_failures)`)
	f.fail("feng", "10.3.0.1")
	if _, _, _, err := f.s.Login(f.ctx, "feng", password, "10.3.0.1"); !errors.Is(err, staff.ErrThrottled) {
		t.Errorf("after that try failed too: Login = %v, want ErrThrottled", err)
	}
}

// A successful login does not wipe the failures before it: otherwise anyone
// holding one account could log into it between guesses at another account's
// password from the same address and never reach the per-address limit.
func TestSuccessDoesNotResetFailures(t *testing.T) {
	f := newFixture(t)
	f.create("chen")
	f.create("victim")
	const ip = "198.51.100.4"
	for range staff.FailureLimit - 1 {
		f.fail("victim", ip)
	}
	if _, _, _, err := f.s.Login(f.ctx, "chen", password, ip); err != nil {
		t.Fatalf("the attacker's own account: Login = %v", err)
	}
	f.fail("victim", ip)
	if _, _, _, err := f.s.Login(f.ctx, "victim", password, ip); !errors.Is(err, staff.ErrThrottled) {
		t.Errorf("the victim's password from the address: Login = %v, want ErrThrottled", err)
	}
	if _, _, _, err := f.s.Login(f.ctx, "chen", password, ip); !errors.Is(err, staff.ErrThrottled) {
		t.Errorf("the attacker's own account again: Login = %v, want ErrThrottled", err)
	}
}

// Parallel guesses must not outrun the count: each attempt is counted before
// its password is checked, so no more than FailureLimit of them get checked.
func TestConcurrentGuessesCannotBypassLockout(t *testing.T) {
	f := newFixture(t)
	f.create("lin")
	const n = 4 * staff.FailureLimit
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, _, _, errs[i] = f.s.Login(f.ctx, "lin", fmt.Sprintf("guess-%03d", i), fmt.Sprintf("10.4.0.%d", i))
		})
	}
	wg.Wait()
	var checked, throttled int
	for _, err := range errs {
		switch {
		case errors.Is(err, staff.ErrBadCredentials):
			checked++
		case errors.Is(err, staff.ErrThrottled):
			throttled++
		default:
			t.Errorf("Login = %v, want ErrBadCredentials or ErrThrottled", err)
		}
	}
	if checked != staff.FailureLimit || throttled != n-staff.FailureLimit {
		t.Errorf("%d parallel guesses: %d checked, %d throttled; want %d checked", n, checked, throttled, staff.FailureLimit)
	}
	if got := f.count(`SELECT count(*) FROM login_failures`); got != staff.FailureLimit {
		t.Errorf("%d failure rows, want %d", got, staff.FailureLimit)
	}
}

package staff_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/govhall/govhall/server/staff"
)

// login logs username in with the fixture's password and returns the token.
func (f *fixture) login(username string) string {
	f.t.Helper()
	token, _, _, err := f.s.Login(f.ctx, username, password, "10.9.0.1")
	if err != nil {
		f.t.Fatalf("login %s: %v", username, err)
	}
	return token
}

func TestSessionAuthenticatesItsAccount(t *testing.T) {
	f := newFixture(t)
	he := f.create("he", staff.RoleOperator)
	lv := f.create("lv", staff.RoleSupervisor)
	tokens := map[string]int64{f.login("he"): he, f.login("lv"): lv, f.login("he"): he}
	if len(tokens) != 3 {
		t.Fatalf("three logins gave %d distinct tokens", len(tokens))
	}
	for token, want := range tokens {
		got, err := f.s.Session(f.ctx, token)
		if err != nil || got.ID != want {
			t.Errorf("Session(%q) = account %d, %v; want account %d", token, got.ID, err, want)
		}
	}
	got, _ := f.s.Session(f.ctx, f.login("lv"))
	if got.Username != "lv" || !got.Has(staff.RoleSupervisor) || got.Has(staff.RoleAdmin) {
		t.Errorf("Session = %+v, want lv holding supervisor only", got)
	}
}

func TestSessionTokensAreStoredHashed(t *testing.T) {
	f := newFixture(t)
	f.create("shi")
	token := f.login("shi")
	var rows []struct {
		Hash    []byte    `db:"token_hash"`
		Created time.Time `db:"created_at"`
		Expires time.Time `db:"expires_at"`
		IP      string    `db:"ip"`
	}
	if err := f.db.SelectContext(f.ctx, &rows, `SELECT token_hash, created_at, expires_at, ip FROM sessions`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d session rows, want 1", len(rows))
	}
	r := rows[0]
	sum := sha256.Sum256([]byte(token))
	if !bytes.Equal(r.Hash, sum[:]) {
		t.Errorf("token_hash = %x, want sha256 of the token %x", r.Hash, sum)
	}
	if bytes.Contains(r.Hash, []byte(token)) {
		t.Error("the plaintext token is stored")
	}
	// expires_at is set from Go's clock and created_at from PostgreSQL's.
	if got := r.Expires.Sub(r.Created); got < staff.SessionTTL-time.Minute || got > staff.SessionTTL+time.Minute {
		t.Errorf("session lasts %v, want %v", got, staff.SessionTTL)
	}
	if r.IP != "10.9.0.1" {
		t.Errorf("session ip = %q, want 10.9.0.1", r.IP)
	}
	// The hash itself is not a token.
	if _, err := f.s.Session(f.ctx, string(r.Hash)); !errors.Is(err, staff.ErrNoSession) {
		t.Errorf("Session(the stored hash) = %v, want ErrNoSession", err)
	}
}

func TestSessionRefused(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		spoil func(username, token string) string // returns the token to present
	}{
		{"unknown token", func(_, _ string) string { return "bm90LWEtdG9rZW4" }},
		{"empty token", func(_, _ string) string { return "" }},
		{"token with a changed letter", func(_, token string) string { return token[:len(token)-1] + flip(token[len(token)-1]) }},
		{"expired", func(_, token string) string {
			f.db.MustExec(`UPDATE sessions SET created_at = created_at - make_interval(secs => $2), expires_at = expires_at - make_interval(secs => $2)
				WHERE token_hash = $1`, hash(token), (staff.SessionTTL + time.Second).Seconds())
			return token
		}},
		{"logged out", func(_, token string) string {
			if err := f.s.Logout(f.ctx, token); err != nil {
				t.Fatal(err)
			}
			return token
		}},
		{"account disabled", func(username, token string) string {
			f.db.MustExec(`UPDATE accounts SET disabled = true WHERE username = $1`, username)
			return token
		}},
	}
	for i, tt := range tests {
		username := string(rune('a'+i)) + "-user"
		f.create(username)
		token := f.login(username)
		if _, err := f.s.Session(f.ctx, token); err != nil {
			t.Fatalf("%s: fresh session: %v", tt.name, err)
		}
		if got, err := f.s.Session(f.ctx, tt.spoil(username, token)); !errors.Is(err, staff.ErrNoSession) || got.ID != 0 {
			t.Errorf("%s: Session = %+v, %v; want ErrNoSession", tt.name, got, err)
		}
	}
}

func TestSessionJustBeforeExpiry(t *testing.T) {
	f := newFixture(t)
	f.create("kong")
	token := f.login("kong")
	f.db.MustExec(`UPDATE sessions SET expires_at = now() + interval '1 minute'`)
	if _, err := f.s.Session(f.ctx, token); err != nil {
		t.Errorf("a session with a minute left: %v", err)
	}
}

func TestDisabledAccountCannotLogIn(t *testing.T) {
	f := newFixture(t)
	f.create("cao")
	token := f.login("cao")
	f.db.MustExec(`UPDATE accounts SET disabled = true WHERE username = 'cao'`)
	if _, err := f.s.Session(f.ctx, token); !errors.Is(err, staff.ErrNoSession) {
		t.Errorf("the session of a disabled account: %v, want ErrNoSession", err)
	}
	if _, _, _, err := f.s.Login(f.ctx, "cao", password, "10.5.0.1"); !errors.Is(err, staff.ErrBadCredentials) {
		t.Errorf("a disabled account with the right password: Login = %v, want ErrBadCredentials", err)
	}
	f.db.MustExec(`UPDATE accounts SET disabled = false WHERE username = 'cao'`)
	if _, err := f.s.Session(f.ctx, token); err != nil {
		t.Errorf("the session once the account is enabled again: %v", err)
	}
}

func TestLogoutEndsOnlyThatSession(t *testing.T) {
	f := newFixture(t)
	f.create("yan")
	desk, phone := f.login("yan"), f.login("yan")
	if err := f.s.Logout(f.ctx, desk); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Session(f.ctx, desk); !errors.Is(err, staff.ErrNoSession) {
		t.Errorf("the logged-out session: %v, want ErrNoSession", err)
	}
	if _, err := f.s.Session(f.ctx, phone); err != nil {
		t.Errorf("the other session: %v", err)
	}
	for _, token := range []string{desk, "never-issued", ""} {
		if err := f.s.Logout(f.ctx, token); err != nil {
			t.Errorf("Logout(%q) = %v, want nil", token, err)
		}
	}
}

func hash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// flip returns a different URL-safe base64 letter than c.
func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// TestSessionIdleEnd: a session unused for SessionIdle ends even before
// its absolute end; a request within the idle time moves the idle end on,
// but never past the absolute end.
func TestSessionIdleEnd(t *testing.T) {
	f := newFixture(t)
	f.create("qin")
	idle, used := f.login("qin"), f.login("qin")
	// Both were last used just over SessionIdle ago: idle has ended.
	f.db.MustExec(`UPDATE sessions SET idle_until = now() - interval '1 second'`)
	if _, err := f.s.Session(f.ctx, idle); !errors.Is(err, staff.ErrNoSession) {
		t.Errorf("a session idle for longer than %v: %v, want ErrNoSession", staff.SessionIdle, err)
	}
	// used was last seen 50 minutes ago: still alive, and a request moves its idle end on.
	f.db.MustExec(`UPDATE sessions SET idle_until = now() + interval '10 minutes' WHERE token_hash = $1`, hash(used))
	if _, err := f.s.Session(f.ctx, used); err != nil {
		t.Fatalf("a session used 50 minutes ago: %v", err)
	}
	var left time.Duration
	var secs float64
	f.db.QueryRow(`SELECT extract(epoch FROM idle_until - now()) FROM sessions WHERE token_hash = $1`, hash(used)).Scan(&secs)
	left = time.Duration(secs * float64(time.Second))
	if left < staff.SessionIdle-time.Minute || left > staff.SessionIdle {
		t.Errorf("after a request the session idles out in %v, want %v", left, staff.SessionIdle)
	}
	// Near the absolute end, activity does not extend the session.
	f.db.MustExec(`UPDATE sessions SET expires_at = now() + interval '5 minutes', idle_until = now() + interval '1 minute' WHERE token_hash = $1`, hash(used))
	if _, err := f.s.Session(f.ctx, used); err != nil {
		t.Fatal(err)
	}
	var past bool
	f.db.QueryRow(`SELECT idle_until > expires_at FROM sessions WHERE token_hash = $1`, hash(used)).Scan(&past)
	if past {
		t.Error("activity moved the idle end past the absolute end")
	}
}

// TestPruneDeletesEndedSessions: Prune deletes sessions past their
// absolute or idle end and old failed logins, and keeps the rest.
func TestPruneDeletesEndedSessions(t *testing.T) {
	f := newFixture(t)
	f.create("ma")
	expired, idle, live := f.login("ma"), f.login("ma"), f.login("ma")
	f.db.MustExec(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, hash(expired))
	f.db.MustExec(`UPDATE sessions SET idle_until = now() - interval '1 second' WHERE token_hash = $1`, hash(idle))
	f.db.MustExec(`INSERT INTO login_failures (username, ip, at) VALUES ('ma', '10.1.0.1', now() - interval '1 day'), ('ma', '10.1.0.1', now())`)
	n, err := f.s.Prune(f.ctx)
	if err != nil || n != 2 {
		t.Fatalf("Prune = %d, %v; want 2 sessions", n, err)
	}
	if got := f.count(`SELECT count(*) FROM sessions WHERE token_hash = $1`, hash(live)); got != 1 {
		t.Error("Prune deleted a live session")
	}
	if got := f.count(`SELECT count(*) FROM sessions`); got != 1 {
		t.Errorf("%d sessions after Prune, want 1", got)
	}
	if got := f.count(`SELECT count(*) FROM login_failures WHERE username = 'ma'`); got != 1 {
		t.Errorf("%d failed logins after Prune, want the recent one", got)
	}
}

// TestSetPasswordEndsSessions: a new password ends the account's sessions;
// the same password again (govhall demo run twice) keeps them.
func TestSetPasswordEndsSessions(t *testing.T) {
	f := newFixture(t)
	f.create("zhu")
	tok := f.login("zhu")
	if err := f.s.SetPassword(f.ctx, "zhu", password); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Session(f.ctx, tok); err != nil {
		t.Errorf("setting the same password ended the session: %v", err)
	}
	if err := f.s.SetPassword(f.ctx, "zhu", "another-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Session(f.ctx, tok); !errors.Is(err, staff.ErrNoSession) {
		t.Errorf("the session after a password change: %v, want ErrNoSession", err)
	}
}

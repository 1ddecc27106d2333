// Package staff holds the accounts of the people who run govhall (admins,
// reviewers, operators, liaisons, supervisors), their login sessions with the
// failed-login slow-down, and the audit log of staff actions. It has no HTTP
// code: the server package calls it.
package staff

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"
)

// Roles a staff account may hold.
const (
	RoleAdmin      = "admin"
	RoleReviewer   = "reviewer"
	RoleOperator   = "operator"
	RoleLiaison    = "liaison"
	RoleSupervisor = "supervisor"
)

// Errors returned by the store.
var (
	ErrBadCredentials = errors.New("staff: wrong username or password")
	ErrThrottled      = errors.New("staff: too many failed logins")
	ErrNoSession      = errors.New("staff: no valid session")
	ErrNotFound       = errors.New("staff: account not found")
	ErrExists         = errors.New("staff: username already taken")
	ErrInvalid        = errors.New("staff: invalid account")
)

// Login slow-down: after FailureLimit failures within FailureWindow for one
// username or one address, further attempts are refused until it passes.
// A session ends SessionTTL after its login, or SessionIdle after the last
// request it authenticated, whichever comes first.
const (
	FailureLimit  = 5
	FailureWindow = 15 * time.Minute
	SessionTTL    = 12 * time.Hour
	SessionIdle   = time.Hour
)

// sessionTouch is how stale a session's idle_until may grow before a
// request moves it on: requests within a minute write nothing.
const sessionTouch = time.Minute

// Account is a staff member.
type Account struct {
	ID           int64          `db:"id" json:"id"`
	Username     string         `db:"username" json:"username"`
	DisplayName  string         `db:"display_name" json:"display_name"`
	Roles        pq.StringArray `db:"roles" json:"roles"`
	DepartmentID sql.NullInt64  `db:"department_id" json:"-"`
	Disabled     bool           `db:"disabled" json:"disabled"`
}

// Has reports whether the account holds any of the roles.
func (a Account) Has(roles ...string) bool {
	for _, r := range roles {
		if slices.Contains(a.Roles, r) {
			return true
		}
	}
	return false
}

// Store is the PostgreSQL store of accounts, sessions and the audit log.
type Store struct {
	db *sqlx.DB
	// dummy is a hash compared against when the username is unknown, so the
	// response time does not tell which usernames exist.
	dummy []byte
}

// NewStore returns a Store on db.
func NewStore(db *sqlx.DB) *Store {
	h, _ := bcrypt.GenerateFromPassword([]byte("not-a-password"), bcrypt.DefaultCost)
	return &Store{db: db, dummy: h}
}

// NewAccount is what Create needs.
type NewAccount struct {
	Username, DisplayName, Password string
	Roles                           []string
	DepartmentID                    int64 // 0: none
}

// hashPassword returns the bcrypt hash of password, or ErrInvalid for one
// shorter than 8 characters or longer than the 72 bytes bcrypt reads.
func hashPassword(password string) ([]byte, error) {
	if len(password) < 8 {
		return nil, fmt.Errorf("%w: password must have at least 8 characters", ErrInvalid)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if errors.Is(err, bcrypt.ErrPasswordTooLong) {
		return nil, fmt.Errorf("%w: password must have at most 72 bytes", ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("staff: hash password: %w", err)
	}
	return hash, nil
}

// Create adds an account with a bcrypt-hashed password. It returns ErrExists
// for a taken username and ErrInvalid for a bad name, role or password.
func (s *Store) Create(ctx context.Context, a NewAccount) (int64, error) {
	hash, err := hashPassword(a.Password)
	if err != nil {
		return 0, err
	}
	const q = `INSERT INTO accounts (username, display_name, password_hash, roles, department_id)
		VALUES ($1, $2, $3, $4, NULLIF($5, 0)) RETURNING id`
	var id int64
	err = s.db.GetContext(ctx, &id, q, a.Username, a.DisplayName, string(hash), pq.Array(a.Roles), a.DepartmentID)
	var pqErr *pq.Error
	switch {
	case errors.As(err, &pqErr) && pqErr.Code == "23505":
		return 0, fmt.Errorf("%w: %s", ErrExists, a.Username)
	case errors.As(err, &pqErr) && (pqErr.Code == "23514" || pqErr.Code == "23502"): // 23502: nil roles
		return 0, fmt.Errorf("%w: username must be 2–64 of a-z 0-9 _ . - and roles from admin, reviewer, operator, liaison, supervisor", ErrInvalid)
	case err != nil:
		return 0, fmt.Errorf("staff: create account %s: %w", a.Username, err)
	}
	return id, nil
}

// SetPassword replaces the password of an existing account and ends its
// sessions; setting the password it already has changes nothing (so
// `govhall demo` run again keeps the demo accounts logged in). It returns
// ErrNotFound for an unknown username and ErrInvalid for a bad password.
func (s *Store) SetPassword(ctx context.Context, username, password string) error {
	var old string
	err := s.db.GetContext(ctx, &old, `SELECT password_hash FROM accounts WHERE username = $1`, username)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("staff: set password %s: %w", username, err)
	}
	hash, err := hashPassword(password)
	if err != nil || bcrypt.CompareHashAndPassword([]byte(old), []byte(password)) == nil {
		return err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("staff: set password %s: %w", username, err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.GetContext(ctx, &id, `UPDATE accounts SET password_hash = $2 WHERE username = $1 RETURNING id`, username, string(hash))
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("staff: set password %s: %w", username, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = $1`, id); err != nil {
		return fmt.Errorf("staff: end sessions of %s: %w", username, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("staff: set password %s: %w", username, err)
	}
	return nil
}

// ByUsername returns the account or ErrNotFound.
func (s *Store) ByUsername(ctx context.Context, username string) (Account, error) {
	var a Account
	err := s.db.GetContext(ctx, &a, `SELECT id, username, display_name, roles, department_id, disabled FROM accounts WHERE username = $1`, username)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("staff: account %s: %w", username, err)
	}
	return a, nil
}

// Login checks the password and opens a session, returning its token. After
// too many recent failures for the username or the address it returns
// ErrThrottled and the time to wait, without checking the password.
func (s *Store) Login(ctx context.Context, username, password, ip string) (string, Account, time.Duration, error) {
	attempt, wait, err := s.countAttempt(ctx, username, ip)
	if err != nil {
		return "", Account{}, wait, err
	}
	var row struct {
		Account
		Hash string `db:"password_hash"`
	}
	err = s.db.GetContext(ctx, &row, `SELECT id, username, display_name, roles, department_id, disabled, password_hash FROM accounts WHERE username = $1`, username)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", Account{}, 0, fmt.Errorf("staff: login %s: %w", username, err)
	}
	hash := []byte(row.Hash)
	if err != nil {
		hash = s.dummy
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil || row.Disabled {
		// The attempt stays recorded as a failure.
		s.Record(ctx, Actor{Username: username, IP: ip}, "login.failed", "account", username, nil)
		return "", Account{}, 0, ErrBadCredentials
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE id = $1`, attempt); err != nil {
		return "", Account{}, 0, fmt.Errorf("staff: withdraw login attempt: %w", err)
	}
	token, err := s.openSession(ctx, row.ID, ip)
	if err != nil {
		return "", Account{}, 0, err
	}
	s.Record(ctx, Actor{AccountID: row.ID, Username: username, IP: ip}, "login", "account", username, nil)
	return token, row.Account, 0, nil
}

// Classes of the advisory locks countAttempt takes, "staf" and "stag".
const (
	lockUsername = 0x73746166
	lockIP       = 0x73746167
)

// countAttempt counts a login attempt before its password is checked, so that
// parallel attempts cannot all pass the limit at once: under locks on the
// username and the address, it returns ErrThrottled with the time to wait, or
// records the attempt as a failure and returns its id for a successful login
// to withdraw. The locks are held only for these two statements.
func (s *Store) countAttempt(ctx context.Context, username, ip string) (int64, time.Duration, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("staff: count login attempt: %w", err)
	}
	defer tx.Rollback()
	// Always the username before the address, so two attempts never deadlock.
	for _, l := range []struct {
		class int
		key   string
	}{{lockUsername, username}, {lockIP, ip}} {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, l.class, l.key); err != nil {
			return 0, 0, fmt.Errorf("staff: lock login attempts: %w", err)
		}
	}
	wait, err := throttle(ctx, tx, username, ip)
	if err != nil || wait > 0 {
		return 0, wait, cmp.Or(err, ErrThrottled)
	}
	var id int64
	if err := tx.GetContext(ctx, &id, `INSERT INTO login_failures (username, ip) VALUES ($1, $2) RETURNING id`, username, ip); err != nil {
		return 0, 0, fmt.Errorf("staff: record login attempt: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("staff: record login attempt: %w", err)
	}
	return id, 0, nil
}

// throttle returns how long to wait before the next attempt for username or
// ip, zero when it may go ahead.
func throttle(ctx context.Context, q sqlx.QueryerContext, username, ip string) (time.Duration, error) {
	const query = `SELECT count(*), COALESCE(min(at), now()) FROM (
		SELECT at FROM login_failures WHERE (username = $1 OR ip = $2) AND at > now() - $3::interval
		ORDER BY at DESC LIMIT $4) f`
	var n int
	var oldest time.Time
	err := q.QueryRowxContext(ctx, query, username, ip, fmt.Sprintf("%d seconds", int(FailureWindow.Seconds())), FailureLimit).Scan(&n, &oldest)
	if err != nil {
		return 0, fmt.Errorf("staff: check failed logins: %w", err)
	}
	if n < FailureLimit {
		return 0, nil
	}
	return max(time.Until(oldest.Add(FailureWindow)), time.Second), nil
}

func (s *Store) openSession(ctx context.Context, accountID int64, ip string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("staff: session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	const q = `INSERT INTO sessions (token_hash, account_id, expires_at, idle_until, ip) VALUES ($1, $2, $3, $4, $5)`
	now := time.Now()
	if _, err := s.db.ExecContext(ctx, q, sum[:], accountID, now.Add(SessionTTL), now.Add(SessionIdle), ip); err != nil {
		return "", fmt.Errorf("staff: open session: %w", err)
	}
	return token, nil
}

// Session returns the account of a valid session token — neither past
// its absolute end nor idle for SessionIdle, of an enabled account — and
// counts the request as activity; otherwise it returns ErrNoSession.
func (s *Store) Session(ctx context.Context, token string) (Account, error) {
	sum := sha256.Sum256([]byte(token))
	// One statement: the session is read and, when its idle end is more
	// than a minute old, moved on (never past the absolute end).
	const q = `WITH live AS (
			SELECT s.token_hash, s.idle_until, s.expires_at, a.id, a.username, a.display_name, a.roles, a.department_id, a.disabled
			FROM sessions s JOIN accounts a ON a.id = s.account_id
			WHERE s.token_hash = $1 AND s.expires_at > now() AND s.idle_until > now() AND NOT a.disabled
		), touched AS (
			UPDATE sessions s SET idle_until = LEAST(now() + make_interval(secs => $2::float8), live.expires_at)
			FROM live WHERE s.token_hash = live.token_hash AND live.idle_until < now() + make_interval(secs => $2::float8 - $3::float8)
		)
		SELECT id, username, display_name, roles, department_id, disabled FROM live`
	var a Account
	err := s.db.GetContext(ctx, &a, q, sum[:], SessionIdle.Seconds(), sessionTouch.Seconds())
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNoSession
	}
	if err != nil {
		return a, fmt.Errorf("staff: session: %w", err)
	}
	return a, nil
}

// Logout ends a session; an unknown token is not an error.
func (s *Store) Logout(ctx context.Context, token string) error {
	sum := sha256.Sum256([]byte(token))
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, sum[:]); err != nil {
		return fmt.Errorf("staff: logout: %w", err)
	}
	return nil
}

// Prune deletes the sessions that have ended (absolute or idle) and the
// failed logins older than FailureWindow, and returns how many sessions
// it deleted.
func (s *Store) Prune(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= now() OR idle_until <= now()`)
	if err != nil {
		return 0, fmt.Errorf("staff: prune sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	window := fmt.Sprintf("%d seconds", int(FailureWindow.Seconds()))
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE at <= now() - $1::interval`, window); err != nil {
		return n, fmt.Errorf("staff: prune failed logins: %w", err)
	}
	return n, nil
}

// Actor is who did something, for the audit log.
type Actor struct {
	AccountID int64
	Username  string
	IP        string
}

// Record writes one audit entry. Failures are returned but callers recording
// side information (a failed login) may ignore them.
func (s *Store) Record(ctx context.Context, a Actor, action, objType, objID string, detail map[string]any) error {
	return Record(ctx, s.db, a, action, objType, objID, detail)
}

// Record writes one audit entry through q, which may be a transaction so the
// entry commits or rolls back with the change it records.
func Record(ctx context.Context, q sqlx.ExecerContext, a Actor, action, objType, objID string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	js, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("staff: audit detail: %w", err)
	}
	const ins = `INSERT INTO audit_log (account_id, actor, ip, action, object_type, object_id, detail)
		VALUES (NULLIF($1, 0), $2, $3, $4, $5, $6, $7)`
	if _, err := q.ExecContext(ctx, ins, a.AccountID, a.Username, a.IP, action, objType, objID, js); err != nil {
		return fmt.Errorf("staff: write audit entry %s: %w", action, err)
	}
	return nil
}

// Entry is one row of the audit log.
type Entry struct {
	ID         int64           `db:"id" json:"id"`
	At         time.Time       `db:"at" json:"at"`
	Actor      string          `db:"actor" json:"actor"`
	IP         string          `db:"ip" json:"ip"`
	Action     string          `db:"action" json:"action"`
	ObjectType string          `db:"object_type" json:"object_type"`
	ObjectID   string          `db:"object_id" json:"object_id"`
	Detail     json.RawMessage `db:"detail" json:"detail"`
}

// Audit lists audit entries, newest first, optionally for one object.
func (s *Store) Audit(ctx context.Context, objType, objID string, limit int) ([]Entry, error) {
	where, args := `TRUE`, []any{}
	if objType != "" {
		args = append(args, objType)
		where += fmt.Sprintf(` AND object_type = $%d`, len(args))
	}
	if objID != "" {
		args = append(args, objID)
		where += fmt.Sprintf(` AND object_id = $%d`, len(args))
	}
	args = append(args, limit)
	q := `SELECT id, at, actor, ip, action, object_type, object_id, detail FROM audit_log WHERE ` + where +
		fmt.Sprintf(` ORDER BY at DESC, id DESC LIMIT $%d`, len(args))
	var es []Entry
	if err := s.db.SelectContext(ctx, &es, q, args...); err != nil {
		return nil, fmt.Errorf("staff: list audit: %w", err)
	}
	return es, nil
}

package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// What admins do with staff accounts (the console's 机构与账号 pages):
// list, create, change roles, disable and enable, reset passwords. Every
// change is written to the audit log in the same transaction; passwords
// never are.

// ErrRefused means an admin asked for a change the rules forbid (disabling
// oneself, leaving no admin); its message says why, in Chinese.
var ErrRefused = errors.New("staff: refused")

// FieldError is a refused account input: Field names the input, Msg says
// what is wrong in words for the admin.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Roles lists every role in the order the console shows them.
var Roles = []string{RoleAdmin, RoleReviewer, RoleOperator, RoleLiaison, RoleSupervisor}

// RoleNames are the roles as people call them.
var RoleNames = map[string]string{
	RoleAdmin:      "管理员",
	RoleReviewer:   "审核人员",
	RoleOperator:   "话务员",
	RoleLiaison:    "信息联络员",
	RoleSupervisor: "监察人员",
}

// AccountRow is an account as the admin's list shows it: never its
// password hash.
type AccountRow struct {
	Account
	DepartmentCode string     `db:"department_code" json:"department,omitempty"`
	DepartmentName string     `db:"department_name" json:"department_name,omitempty"`
	CreatedAt      time.Time  `db:"created_at" json:"created_at"`
	LastLogin      *time.Time `db:"last_login" json:"last_login"`
	Sessions       int        `db:"sessions" json:"sessions"` // open sessions now
}

const accountRowQuery = `SELECT a.id, a.username, a.display_name, a.roles, a.department_id, a.disabled,
		COALESCE(d.code, '') AS department_code, COALESCE(d.name, '') AS department_name, a.created_at,
		(SELECT max(l.at) FROM audit_log l WHERE l.object_type = 'account' AND l.object_id = a.username AND l.action = 'login') AS last_login,
		(SELECT count(*) FROM sessions s WHERE s.account_id = a.id AND s.expires_at > now() AND s.idle_until > now()) AS sessions
	FROM accounts a LEFT JOIN departments d ON d.id = a.department_id`

// Accounts lists every account, enabled ones first, by username.
func (s *Store) Accounts(ctx context.Context) ([]AccountRow, error) {
	var rs []AccountRow
	if err := s.db.SelectContext(ctx, &rs, accountRowQuery+` ORDER BY a.disabled, a.username`); err != nil {
		return nil, fmt.Errorf("staff: list accounts: %w", err)
	}
	return rs, nil
}

// AccountByID returns one account as the admin's list shows it, or
// ErrNotFound.
func (s *Store) AccountByID(ctx context.Context, id int64) (AccountRow, error) {
	return accountRow(ctx, s.db, id)
}

func accountRow(ctx context.Context, q sqlx.QueryerContext, id int64) (AccountRow, error) {
	var r AccountRow
	err := sqlx.GetContext(ctx, q, &r, accountRowQuery+` WHERE a.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("staff: account %d: %w", id, err)
	}
	return r, nil
}

// AccountInput is a new account, or the new settings of one (Username and
// Password are only read on creation).
type AccountInput struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Roles       []string `json:"roles"`
	Department  string   `json:"department"` // department code; "" for none
	Password    string   `json:"password"`   // "": the server generates one
}

var usernameRE = regexp.MustCompile(`^[a-z0-9_.-]{2,64}$`)

// settings checks the display name, roles and department of an input and
// returns the department's id (0 for none).
func settings(ctx context.Context, q sqlx.QueryerContext, in *AccountInput) (int64, error) {
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Department = strings.TrimSpace(in.Department)
	switch n := utf8.RuneCountInString(in.DisplayName); {
	case n == 0:
		return 0, fieldErr("display_name", "请填写姓名（显示在工作台和审计日志中）")
	case n > 40:
		return 0, fieldErr("display_name", "姓名最多 40 个字")
	}
	if len(in.Roles) == 0 {
		return 0, fieldErr("roles", "请至少选择一个角色")
	}
	var roles []string
	for _, r := range in.Roles {
		if !slices.Contains(Roles, r) {
			return 0, fieldErr("roles", "没有“%s”这个角色", r)
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	in.Roles = roles
	if in.Department == "" {
		if slices.Contains(roles, RoleLiaison) {
			return 0, fieldErr("department", "信息联络员须选择所属部门")
		}
		return 0, nil
	}
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM departments WHERE code = $1`, in.Department)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fieldErr("department", "没有代码为 %s 的部门", in.Department)
	}
	if err != nil {
		return 0, fmt.Errorf("staff: department %q: %w", in.Department, err)
	}
	return id, nil
}

// passwordAlphabet leaves out letters and digits that are easily misread
// (0 o 1 l i).
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// GeneratePassword returns a random password of 12 letters and digits in
// three groups (about 59 bits), easy to read out and type once.
func GeneratePassword() string {
	raw := make([]byte, 12)
	rand.Read(raw)
	var b strings.Builder
	for i, c := range raw {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(passwordAlphabet[int(c)%len(passwordAlphabet)])
	}
	return b.String()
}

// chosenPassword returns the password to set: the one typed, checked, or a
// generated one.
func chosenPassword(typed string) (string, []byte, error) {
	generated := typed == ""
	if generated {
		typed = GeneratePassword()
	}
	if utf8.RuneCountInString(typed) < 8 {
		return "", nil, fieldErr("password", "密码至少 8 位；留空则由系统生成")
	}
	hash, err := hashPassword(typed)
	if errors.Is(err, ErrInvalid) {
		return "", nil, fieldErr("password", "密码最长 72 个字节（约 24 个汉字或 72 个字母）")
	}
	return typed, hash, err
}

// CreateAccount adds an account for an admin and returns it with its
// initial password: the one typed, or one generated when in.Password is
// empty. The password is shown to the admin once; only its bcrypt hash is
// stored. Refused inputs are *FieldError.
func (s *Store) CreateAccount(ctx context.Context, by Actor, in AccountInput) (AccountRow, string, error) {
	in.Username = strings.TrimSpace(in.Username)
	if !usernameRE.MatchString(in.Username) {
		return AccountRow{}, "", fieldErr("username", "用户名为 2 到 64 位小写字母、数字或 _ . -，如 zhangsan")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return AccountRow{}, "", fmt.Errorf("staff: create account: %w", err)
	}
	defer tx.Rollback()
	dept, err := settings(ctx, tx, &in)
	if err != nil {
		return AccountRow{}, "", err
	}
	password, hash, err := chosenPassword(in.Password)
	if err != nil {
		return AccountRow{}, "", err
	}
	var id int64
	const q = `INSERT INTO accounts (username, display_name, password_hash, roles, department_id)
		VALUES ($1, $2, $3, $4, NULLIF($5, 0)) RETURNING id`
	err = tx.GetContext(ctx, &id, q, in.Username, in.DisplayName, string(hash), pq.Array(in.Roles), dept)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return AccountRow{}, "", fieldErr("username", "用户名 %s 已被使用", in.Username)
	}
	if err != nil {
		return AccountRow{}, "", fmt.Errorf("staff: create account %s: %w", in.Username, err)
	}
	detail := map[string]any{"display_name": in.DisplayName, "roles": in.Roles, "department": in.Department,
		"password": passwordSource(in.Password)}
	if err := Record(ctx, tx, by, "account.create", "account", in.Username, detail); err != nil {
		return AccountRow{}, "", err
	}
	row, err := accountRow(ctx, tx, id)
	if err != nil {
		return row, "", err
	}
	return row, password, tx.Commit()
}

// passwordSource says in the audit log how a password was chosen, never
// what it is.
func passwordSource(typed string) string {
	if typed == "" {
		return "generated"
	}
	return "typed"
}

// lockAdmins serialises the changes that could leave no enabled admin.
const lockAdmins = 0x7374616d // "stam"

// UpdateAccount changes an account's display name, roles and department.
// An admin may not take the admin role from themselves, nor leave govhall
// without an enabled admin (ErrRefused). The new roles apply to the
// account's open sessions at their next request.
func (s *Store) UpdateAccount(ctx context.Context, by Actor, id int64, in AccountInput) (AccountRow, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return AccountRow{}, fmt.Errorf("staff: update account: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockAdmins); err != nil {
		return AccountRow{}, fmt.Errorf("staff: update account: %w", err)
	}
	before, err := accountRow(ctx, tx, id)
	if err != nil {
		return before, err
	}
	dept, err := settings(ctx, tx, &in)
	if err != nil {
		return before, err
	}
	if before.Has(RoleAdmin) && !slices.Contains(in.Roles, RoleAdmin) {
		if id == by.AccountID {
			return before, fmt.Errorf("%w: 不能取消自己的管理员角色，请由另一位管理员操作", ErrRefused)
		}
		if err := keepAnAdmin(ctx, tx, id); err != nil {
			return before, err
		}
	}
	const q = `UPDATE accounts SET display_name = $2, roles = $3, department_id = NULLIF($4, 0) WHERE id = $1`
	if _, err := tx.ExecContext(ctx, q, id, in.DisplayName, pq.Array(in.Roles), dept); err != nil {
		return before, fmt.Errorf("staff: update account %d: %w", id, err)
	}
	detail := map[string]any{"display_name": in.DisplayName, "roles": in.Roles, "department": in.Department,
		"roles_before": before.Roles, "department_before": before.DepartmentCode}
	if err := Record(ctx, tx, by, "account.update", "account", before.Username, detail); err != nil {
		return before, err
	}
	after, err := accountRow(ctx, tx, id)
	if err != nil {
		return after, err
	}
	return after, tx.Commit()
}

// keepAnAdmin refuses a change that leaves no enabled admin but account id.
func keepAnAdmin(ctx context.Context, tx *sqlx.Tx, id int64) error {
	var others int
	const q = `SELECT count(*) FROM accounts WHERE id <> $1 AND NOT disabled AND 'admin' = ANY(roles)`
	if err := tx.GetContext(ctx, &others, q, id); err != nil {
		return fmt.Errorf("staff: count admins: %w", err)
	}
	if others == 0 {
		return fmt.Errorf("%w: 这是唯一可用的管理员账号，不能停用或取消管理员角色", ErrRefused)
	}
	return nil
}

// SetDisabled disables or enables an account. Disabling ends the account's
// sessions at once (its open pages get 401 or the login page at their next
// request) and refuses logins; an admin cannot disable themselves nor the
// last enabled admin (ErrRefused). It returns the account as it is now.
func (s *Store) SetDisabled(ctx context.Context, by Actor, id int64, disabled bool) (AccountRow, error) {
	if disabled && id == by.AccountID {
		return AccountRow{}, fmt.Errorf("%w: 不能停用自己的账号", ErrRefused)
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return AccountRow{}, fmt.Errorf("staff: disable account: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockAdmins); err != nil {
		return AccountRow{}, fmt.Errorf("staff: disable account: %w", err)
	}
	before, err := accountRow(ctx, tx, id)
	if err != nil {
		return before, err
	}
	if disabled && before.Has(RoleAdmin) && !before.Disabled {
		if err := keepAnAdmin(ctx, tx, id); err != nil {
			return before, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET disabled = $2 WHERE id = $1`, id, disabled); err != nil {
		return before, fmt.Errorf("staff: disable account %d: %w", id, err)
	}
	action, detail := "account.enable", map[string]any{}
	if disabled {
		action = "account.disable"
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = $1`, id)
		if err != nil {
			return before, fmt.Errorf("staff: end sessions of %d: %w", id, err)
		}
		n, _ := res.RowsAffected()
		detail["sessions_ended"] = n
	}
	if err := Record(ctx, tx, by, action, "account", before.Username, detail); err != nil {
		return before, err
	}
	after, err := accountRow(ctx, tx, id)
	if err != nil {
		return after, err
	}
	return after, tx.Commit()
}

// ResetPassword gives an account a new password, the one typed or (when
// password is empty) a generated one, and returns it to be shown once.
// The account's sessions end, so whoever knew the old password is logged
// out; an admin changing their own keeps the session they are in, whose
// token is keep.
func (s *Store) ResetPassword(ctx context.Context, by Actor, id int64, typed, keep string) (string, error) {
	password, hash, err := chosenPassword(typed)
	if err != nil {
		return "", err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("staff: reset password: %w", err)
	}
	defer tx.Rollback()
	var username string
	err = tx.GetContext(ctx, &username, `UPDATE accounts SET password_hash = $2 WHERE id = $1 RETURNING username`, id, string(hash))
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("staff: reset password of %d: %w", id, err)
	}
	var kept []byte
	if id == by.AccountID && keep != "" {
		sum := sha256.Sum256([]byte(keep))
		kept = sum[:]
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = $1 AND token_hash IS DISTINCT FROM $2`, id, kept)
	if err != nil {
		return "", fmt.Errorf("staff: end sessions of %d: %w", id, err)
	}
	ended, _ := res.RowsAffected()
	detail := map[string]any{"password": passwordSource(typed), "sessions_ended": ended}
	if err := Record(ctx, tx, by, "account.password_reset", "account", username, detail); err != nil {
		return "", err
	}
	return password, tx.Commit()
}

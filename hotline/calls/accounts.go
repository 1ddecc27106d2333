package calls

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Kinds of SIP account.
const (
	KindOperator = "operator"
	KindLiaison  = "liaison"
)

// SIPAccount is a phone of an operator or a department liaison.
type SIPAccount struct {
	ID             int64  `db:"id" json:"id"`
	Extension      string `db:"extension" json:"extension"`
	Realm          string `db:"realm" json:"-"`
	HA1            string `db:"ha1" json:"-"`
	AccountID      int64  `db:"account_id" json:"account_id,omitempty"`
	Username       string `db:"username" json:"username,omitempty"`
	DepartmentID   int64  `db:"department_id" json:"department_id,omitempty"`
	DepartmentCode string `db:"department_code" json:"department,omitempty"`
	Kind           string `db:"kind" json:"kind"`
	ContactURI     string `db:"contact_uri" json:"contact_uri,omitempty"`
	RingOrder      int    `db:"ring_order" json:"ring_order"`
	Disabled       bool   `db:"disabled" json:"disabled"`
	Away           bool   `db:"away" json:"away"` // a liaison transfers skip
}

// NewSIPAccount is a SIP account to create or update (by extension).
type NewSIPAccount struct {
	Extension  string
	Realm      string
	Password   string // hashed into HA1, never stored
	Username   string // staff account (optional)
	Department string // department code; required for liaisons
	Kind       string
	ContactURI string // fixed contact of a desk phone (optional)
	RingOrder  int
}

var extensionRE = regexp.MustCompile(`^[0-9]{3,8}$`)

const accountCols = `s.id, s.extension, s.realm, s.ha1, COALESCE(s.account_id, 0) AS account_id,
	COALESCE(a.username, '') AS username, COALESCE(s.department_id, 0) AS department_id,
	COALESCE(d.code, '') AS department_code, s.kind, s.contact_uri, s.ring_order, s.disabled, s.away
	FROM sip_accounts s LEFT JOIN accounts a ON a.id = s.account_id LEFT JOIN departments d ON d.id = s.department_id`

// SIPAccount returns the account of an extension, or ErrNotFound.
func (s *Store) SIPAccount(ctx context.Context, extension string) (SIPAccount, error) {
	var a SIPAccount
	err := s.db.GetContext(ctx, &a, `SELECT `+accountCols+` WHERE s.extension = $1`, extension)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("extension %q: %w", extension, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("calls: sip account %q: %w", extension, err)
	}
	return a, nil
}

// SIPAccountOf returns the operator phone of a staff account, or ErrNotFound.
func (s *Store) SIPAccountOf(ctx context.Context, accountID int64) (SIPAccount, error) {
	var a SIPAccount
	err := s.db.GetContext(ctx, &a, `SELECT `+accountCols+` WHERE s.account_id = $1 ORDER BY s.kind = 'operator' DESC, s.id LIMIT 1`, accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("no phone for account %d: %w", accountID, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("calls: sip account of %d: %w", accountID, err)
	}
	return a, nil
}

// SIPAccounts returns the enabled accounts of a kind; for liaisons of one
// department when departmentID is not 0, in ring order.
func (s *Store) SIPAccounts(ctx context.Context, kind string, departmentID int64) ([]SIPAccount, error) {
	var as []SIPAccount
	q := `SELECT ` + accountCols + ` WHERE NOT s.disabled AND s.kind = $1 AND ($2 = 0 OR s.department_id = $2)
		ORDER BY s.ring_order, s.extension`
	if err := s.db.SelectContext(ctx, &as, q, kind, departmentID); err != nil {
		return nil, fmt.Errorf("calls: list %s accounts: %w", kind, err)
	}
	return as, nil
}

// SaveSIPAccount creates or updates (by extension) a SIP account. An
// unknown staff username or department code is a FieldError.
func (s *Store) SaveSIPAccount(ctx context.Context, n NewSIPAccount) (SIPAccount, error) {
	if err := n.validate(); err != nil {
		return SIPAccount{}, err
	}
	var ref struct {
		Account    sql.NullInt64 `db:"account"`
		Department sql.NullInt64 `db:"department"`
	}
	const refs = `SELECT (SELECT id FROM accounts WHERE username = $1) AS account,
		(SELECT id FROM departments WHERE code = $2) AS department`
	if err := s.db.GetContext(ctx, &ref, refs, n.Username, n.Department); err != nil {
		return SIPAccount{}, fmt.Errorf("calls: save sip account %s: %w", n.Extension, err)
	}
	if n.Username != "" && !ref.Account.Valid {
		return SIPAccount{}, fieldErr("username", "no staff account %q", n.Username)
	}
	if n.Department != "" && !ref.Department.Valid {
		return SIPAccount{}, fieldErr("department", "no department with code %q", n.Department)
	}
	const q = `INSERT INTO sip_accounts (extension, realm, ha1, account_id, department_id, kind, contact_uri, ring_order)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (extension) DO UPDATE SET realm = EXCLUDED.realm, ha1 = EXCLUDED.ha1,
			account_id = EXCLUDED.account_id, department_id = EXCLUDED.department_id, kind = EXCLUDED.kind,
			contact_uri = EXCLUDED.contact_uri, ring_order = EXCLUDED.ring_order`
	_, err := s.db.ExecContext(ctx, q, n.Extension, n.Realm, HA1(n.Extension, n.Realm, n.Password),
		ref.Account, ref.Department, n.Kind, n.ContactURI, n.RingOrder)
	if err != nil {
		return SIPAccount{}, fmt.Errorf("calls: save sip account %s: %w", n.Extension, err)
	}
	return s.SIPAccount(ctx, n.Extension)
}

func (n NewSIPAccount) validate() error {
	switch {
	case !extensionRE.MatchString(n.Extension):
		return fieldErr("extension", "%q must be 3 to 8 digits", n.Extension)
	case n.Realm == "":
		return fieldErr("realm", "required")
	case n.Password == "":
		return fieldErr("password", "required")
	case n.Kind != KindOperator && n.Kind != KindLiaison:
		return fieldErr("kind", "%q must be operator or liaison", n.Kind)
	case n.Kind == KindLiaison && n.Department == "":
		return fieldErr("department", "a liaison needs a department code")
	case n.ContactURI != "" && !strings.HasPrefix(n.ContactURI, "sip:") && !strings.HasPrefix(n.ContactURI, "sips:"):
		return fieldErr("contact_uri", "%q must be a sip: URI", n.ContactURI)
	}
	return nil
}

// How a transfer rings a department's liaisons.
const (
	RingOrder = "order" // one after another, in ring order
	RingAll   = "all"   // all at once: the first to answer takes the call
)

// Department is the part of a department the hotline needs.
type Department struct {
	ID           int64  `db:"id" json:"id"`
	Code         string `db:"code" json:"code"`
	Name         string `db:"name" json:"name"`
	GovOffice    bool   `db:"gov_office" json:"gov_office"`
	RingStrategy string `db:"ring_strategy" json:"ring_strategy"` // RingOrder or RingAll
}

// Department returns a department by code or name, or ErrNotFound.
func (s *Store) Department(ctx context.Context, key string) (Department, error) {
	var d Department
	const q = `SELECT id, code, name, gov_office, ring_strategy FROM departments WHERE code = $1 OR name = $1 OR full_name = $1 LIMIT 1`
	err := s.db.GetContext(ctx, &d, q, key)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("department %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("calls: department %q: %w", key, err)
	}
	return d, nil
}

// SetRingStrategy sets how transfers ring the liaisons of the department
// with code: RingOrder or RingAll. Another strategy is a FieldError, an
// unknown code ErrNotFound.
func (s *Store) SetRingStrategy(ctx context.Context, code, strategy string) error {
	if strategy != RingOrder && strategy != RingAll {
		return fieldErr("ring_strategy", "%q must be order or all", strategy)
	}
	return s.exec(ctx, "set ring strategy of department", `UPDATE departments SET ring_strategy = $2 WHERE code = $1`, code, strategy)
}

// SetLiaisonAvailability marks the liaison phones of a staff account as
// available to transfers or away (transfers skip them). It returns
// ErrNotFound when the account has no liaison phone.
func (s *Store) SetLiaisonAvailability(ctx context.Context, accountID int64, available bool) error {
	const q = `UPDATE sip_accounts SET away = NOT $2 WHERE account_id = $1 AND kind = 'liaison'`
	return s.exec(ctx, "set availability of the liaison phones of account", q, accountID, available)
}

// What admins do with the phones (the console's 话机 page): list them,
// add one with a password the server generates, give one new
// credentials, remove one, and order a department's liaison phones for
// transfers. Passwords are returned once to be shown; only HA1 is stored,
// and the audit log never sees either.

// Phone is a SIP account as the admin's list shows it, with the names of
// its staff account and department.
type Phone struct {
	SIPAccount
	DisplayName    string `db:"display_name" json:"display_name,omitempty"`
	DepartmentName string `db:"department_name" json:"department_name,omitempty"`
}

const phoneQuery = `SELECT s.id, s.extension, s.realm, s.ha1, COALESCE(s.account_id, 0) AS account_id,
	COALESCE(a.username, '') AS username, COALESCE(s.department_id, 0) AS department_id,
	COALESCE(d.code, '') AS department_code, s.kind, s.contact_uri, s.ring_order, s.disabled, s.away,
	COALESCE(a.display_name, '') AS display_name, COALESCE(d.name, '') AS department_name
	FROM sip_accounts s LEFT JOIN accounts a ON a.id = s.account_id LEFT JOIN departments d ON d.id = s.department_id`

// Phones lists every SIP account: operators' phones, then liaisons' by
// department in ring order.
func (s *Store) Phones(ctx context.Context) ([]Phone, error) {
	var ps []Phone
	q := phoneQuery + ` ORDER BY s.kind = 'liaison', d.id NULLS FIRST, s.ring_order, s.extension`
	if err := s.db.SelectContext(ctx, &ps, q); err != nil {
		return nil, fmt.Errorf("calls: list phones: %w", err)
	}
	return ps, nil
}

func (s *Store) phone(ctx context.Context, q sqlx.QueryerContext, id int64) (Phone, error) {
	var p Phone
	err := sqlx.GetContext(ctx, q, &p, phoneQuery+` WHERE s.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("phone %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("calls: phone %d: %w", id, err)
	}
	return p, nil
}

// NewPhone is a phone an admin adds. Operators' phones belong to an
// operator's account; liaisons' to a department, and optionally to one
// of its liaisons.
type NewPhone struct {
	Extension  string `json:"extension"`
	Kind       string `json:"kind"`
	Username   string `json:"username"`
	Department string `json:"department"` // code
}

// hotlineNumber is what callers dial; no phone may take it.
const hotlineNumber = "96128"

// phonePasswordAlphabet leaves out easily misread letters and digits.
const phonePasswordAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// GeneratePhonePassword returns a random SIP password of 16 letters and
// digits (about 92 bits).
func GeneratePhonePassword() string {
	raw := make([]byte, 16)
	rand.Read(raw)
	for i, c := range raw {
		raw[i] = phonePasswordAlphabet[int(c)%len(phonePasswordAlphabet)]
	}
	return string(raw)
}

// CreatePhone adds a phone in realm with a generated password and returns
// it with the password, to be shown once (only HA1 is stored). Refused
// inputs are *FieldError in Chinese. Audited.
func (s *Store) CreatePhone(ctx context.Context, by Actor, realm string, in NewPhone) (Phone, string, error) {
	in.Extension, in.Username, in.Department = strings.TrimSpace(in.Extension), strings.TrimSpace(in.Username), strings.TrimSpace(in.Department)
	switch {
	case !extensionRE.MatchString(in.Extension):
		return Phone{}, "", fieldErr("extension", "分机号为 3 到 8 位数字，如 8004")
	case in.Extension == hotlineNumber:
		return Phone{}, "", fieldErr("extension", "96128 是热线号码，不能用作分机号")
	case in.Kind != KindOperator && in.Kind != KindLiaison:
		return Phone{}, "", fieldErr("kind", "请选择话机用途：话务员或部门联络员")
	case in.Kind == KindOperator && in.Username == "":
		return Phone{}, "", fieldErr("username", "话务员的话机须绑定一个话务员账号")
	case in.Kind == KindLiaison && in.Department == "":
		return Phone{}, "", fieldErr("department", "联络员的话机须选择所属部门")
	}
	if in.Kind == KindOperator {
		in.Department = ""
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Phone{}, "", fmt.Errorf("calls: create phone: %w", err)
	}
	defer tx.Rollback()
	var ref struct {
		Account    sql.NullInt64  `db:"account"`
		Roles      pq.StringArray `db:"roles"`
		AccountDep sql.NullInt64  `db:"account_department"`
		Department sql.NullInt64  `db:"department"`
	}
	const refs = `SELECT a.id AS account, a.roles, a.department_id AS account_department,
			(SELECT id FROM departments WHERE code = $2) AS department
		FROM (SELECT 1) one LEFT JOIN accounts a ON a.username = $1 AND NOT a.disabled`
	if err := tx.GetContext(ctx, &ref, refs, in.Username, in.Department); err != nil {
		return Phone{}, "", fmt.Errorf("calls: create phone %s: %w", in.Extension, err)
	}
	switch {
	case in.Username != "" && !ref.Account.Valid:
		return Phone{}, "", fieldErr("username", "没有可用的账号 %s", in.Username)
	case in.Department != "" && !ref.Department.Valid:
		return Phone{}, "", fieldErr("department", "没有代码为 %s 的部门", in.Department)
	case in.Kind == KindOperator && !slices.Contains(ref.Roles, "operator"):
		return Phone{}, "", fieldErr("username", "账号 %s 不是话务员", in.Username)
	case in.Kind == KindLiaison && in.Username != "" && (!slices.Contains(ref.Roles, "liaison") || ref.AccountDep != ref.Department):
		return Phone{}, "", fieldErr("username", "账号 %s 不是该部门的信息联络员", in.Username)
	}
	password := GeneratePhonePassword()
	var id int64
	const q = `INSERT INTO sip_accounts (extension, realm, ha1, account_id, department_id, kind, ring_order)
		VALUES ($1, $2, $3, $4, $5, $6,
			CASE WHEN $6 = 'liaison' THEN (SELECT COALESCE(max(ring_order), 0) + 1 FROM sip_accounts WHERE department_id = $5 AND kind = 'liaison') ELSE 0 END)
		RETURNING id`
	err = tx.GetContext(ctx, &id, q, in.Extension, realm, HA1(in.Extension, realm, password), ref.Account, ref.Department, in.Kind)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return Phone{}, "", fieldErr("extension", "分机 %s 已经存在", in.Extension)
	}
	if err != nil {
		return Phone{}, "", fmt.Errorf("calls: create phone %s: %w", in.Extension, err)
	}
	detail := map[string]any{"kind": in.Kind, "username": in.Username, "department": in.Department}
	if err := audit(ctx, tx, by, "sip_account.create", "sip_account", in.Extension, detail); err != nil {
		return Phone{}, "", err
	}
	p, err := s.phone(ctx, tx, id)
	if err != nil {
		return p, "", err
	}
	return p, password, tx.Commit()
}

// RegeneratePhone gives a phone a new generated password in its realm and
// returns it, to be shown once. The phone's next registration with the
// old password is refused (a registration already made lasts until it
// expires). Audited.
func (s *Store) RegeneratePhone(ctx context.Context, by Actor, id int64) (Phone, string, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Phone{}, "", fmt.Errorf("calls: new phone password: %w", err)
	}
	defer tx.Rollback()
	p, err := s.phone(ctx, tx, id)
	if err != nil {
		return p, "", err
	}
	password := GeneratePhonePassword()
	if _, err := tx.ExecContext(ctx, `UPDATE sip_accounts SET ha1 = $2 WHERE id = $1`, id, HA1(p.Extension, p.Realm, password)); err != nil {
		return p, "", fmt.Errorf("calls: new phone password %d: %w", id, err)
	}
	if err := audit(ctx, tx, by, "sip_account.credentials", "sip_account", p.Extension, nil); err != nil {
		return p, "", err
	}
	return p, password, tx.Commit()
}

// RemovePhone deletes a phone: it can no longer register, be rung or
// ring the hotline; the call records keep its extension. Audited.
func (s *Store) RemovePhone(ctx context.Context, by Actor, id int64) (Phone, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Phone{}, fmt.Errorf("calls: remove phone: %w", err)
	}
	defer tx.Rollback()
	p, err := s.phone(ctx, tx, id)
	if err != nil {
		return p, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sip_accounts WHERE id = $1`, id); err != nil {
		return p, fmt.Errorf("calls: remove phone %d: %w", id, err)
	}
	detail := map[string]any{"kind": p.Kind, "username": p.Username, "department": p.DepartmentCode}
	if err := audit(ctx, tx, by, "sip_account.remove", "sip_account", p.Extension, detail); err != nil {
		return p, err
	}
	return p, tx.Commit()
}

// SetRing sets how transfers ring the liaisons of the department with
// code: the strategy (RingOrder or RingAll) and the ring order of its
// liaison phones, first to last by extension. Phones left out follow in
// their present order. An extension not of the department's liaisons is
// a FieldError on "extensions", an unknown department ErrNotFound.
// Audited.
func (s *Store) SetRing(ctx context.Context, by Actor, code, strategy string, extensions []string) error {
	if strategy != RingOrder && strategy != RingAll {
		return fieldErr("ring_strategy", "请选择响铃方式：依次响铃或同时响铃")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("calls: set ring: %w", err)
	}
	defer tx.Rollback()
	var dept int64
	err = tx.GetContext(ctx, &dept, `UPDATE departments SET ring_strategy = $2 WHERE code = $1 RETURNING id`, code, strategy)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("department %q: %w", code, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("calls: set ring of %s: %w", code, err)
	}
	var have []string
	const list = `SELECT extension FROM sip_accounts WHERE department_id = $1 AND kind = 'liaison' ORDER BY ring_order, extension`
	if err := tx.SelectContext(ctx, &have, list, dept); err != nil {
		return fmt.Errorf("calls: liaison phones of %s: %w", code, err)
	}
	var order []string
	for _, ext := range extensions {
		switch {
		case !slices.Contains(have, ext):
			return fieldErr("extensions", "分机 %s 不是本部门联络员的话机", ext)
		case slices.Contains(order, ext):
			return fieldErr("extensions", "分机 %s 出现了两次", ext)
		}
		order = append(order, ext)
	}
	for _, ext := range have {
		if !slices.Contains(order, ext) {
			order = append(order, ext)
		}
	}
	for i, ext := range order {
		if _, err := tx.ExecContext(ctx, `UPDATE sip_accounts SET ring_order = $2 WHERE extension = $1`, ext, i+1); err != nil {
			return fmt.Errorf("calls: ring order of %s: %w", ext, err)
		}
	}
	if err := audit(ctx, tx, by, "department.ring", "department", code, map[string]any{"ring_strategy": strategy, "order": order}); err != nil {
		return err
	}
	return tx.Commit()
}

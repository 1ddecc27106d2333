package calls

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
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

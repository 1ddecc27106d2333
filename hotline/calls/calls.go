// Package calls keeps the records of the 96128 hotline in PostgreSQL: the
// SIP accounts of operators' and liaisons' phones, the operators' ACD
// states, and every call with its legs, transfers, recording, voicemail,
// satisfaction score and 查询码. It also holds the ACD queue that hands
// waiting callers to the longest-idle available operator.
package calls

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Errors returned by the store.
var (
	ErrNotFound = errors.New("calls: not found")
	ErrInvalid  = errors.New("calls: invalid")
	// ErrDuplicate: the call (Call-ID and From tag) is recorded already.
	ErrDuplicate = errors.New("calls: duplicate call")
)

// PurgedError is the answer for a recording or message deleted at the end
// of its retention period (hotline/retention): the call's record stays.
type PurgedError struct {
	CallID int64
	At     time.Time
}

func (e *PurgedError) Error() string {
	return fmt.Sprintf("calls: recording of call %d deleted at the end of its retention period on %s", e.CallID, e.At.Format(time.DateOnly))
}

// FieldError is an invalid input; Field names it.
type FieldError struct {
	Field string
	Msg   string
}

// Error names the field and what is wrong with it.
func (e *FieldError) Error() string { return "calls: " + e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Actor is who did something, for the audit log.
type Actor struct {
	AccountID int64
	Username  string
	IP        string
}

// Store is the PostgreSQL store of the hotline.
type Store struct {
	db *sqlx.DB
}

// NewStore returns a Store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

// HA1 returns MD5(user:realm:password) in hex, the digest secret stored
// for a SIP account instead of its password.
func HA1(user, realm, password string) string {
	sum := md5.Sum([]byte(user + ":" + realm + ":" + password))
	return hex.EncodeToString(sum[:])
}

// MaskNumber hides the middle of a phone number for views other than
// staff's: 13812345678 → 138****5678, short numbers keep their last two
// digits.
func MaskNumber(s string) string {
	r := []rune(s)
	switch {
	case len(r) >= 11:
		return string(r[:3]) + "****" + string(r[len(r)-4:])
	case len(r) > 2:
		return strings.Repeat("*", len(r)-2) + string(r[len(r)-2:])
	}
	return strings.Repeat("*", len(r))
}

// audit writes one audit_log row in the caller's transaction.
func audit(ctx context.Context, tx sqlx.ExecerContext, a Actor, action, objType string, objID any, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	js, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("calls: audit detail: %w", err)
	}
	const q = `INSERT INTO audit_log (account_id, actor, ip, action, object_type, object_id, detail)
		VALUES (NULLIF($1, 0), $2, $3, $4, $5, $6, $7)`
	if _, err := tx.ExecContext(ctx, q, a.AccountID, a.Username, a.IP, action, objType, fmt.Sprint(objID), js); err != nil {
		return fmt.Errorf("calls: audit %s: %w", action, err)
	}
	return nil
}

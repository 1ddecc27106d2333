package calls

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The wrap-up codes (小结) admins edit, as they edit the pause reasons
// (desk.go): added at the end of the list, disabled ones kept for the
// calls filed under them.

var wrapUpCodeRE = regexp.MustCompile(`^[a-z_]{2,30}$`)

// AddWrapUpCode adds a wrap-up code at the end of the list (admins), or
// enables again a disabled one of the same code with the new label. code
// may be empty: one is made up (custom_…). It fails with a *FieldError
// for a bad code or label, or a label an enabled code already has.
func (s *Store) AddWrapUpCode(ctx context.Context, code, label string) (Choice, error) {
	code, label = strings.TrimSpace(code), strings.TrimSpace(label)
	if label == "" || utf8.RuneCountInString(label) > 20 {
		return Choice{}, fieldErr("label", "小结名称为 1 到 20 个字")
	}
	if code != "" && !wrapUpCodeRE.MatchString(code) {
		return Choice{}, fieldErr("code", "代码为 2 到 30 位小写英文字母或下划线，如 policy_explained；可留空")
	}
	var taken bool
	const same = `SELECT EXISTS (SELECT 1 FROM wrapup_codes WHERE label = $1 AND NOT disabled AND code <> $2)`
	if err := s.db.GetContext(ctx, &taken, same, label, code); err != nil {
		return Choice{}, fmt.Errorf("calls: add wrap-up code: %w", err)
	}
	if taken {
		return Choice{}, fieldErr("label", "已有名为“%s”的小结", label)
	}
	if code == "" {
		var n int64
		if err := s.db.GetContext(ctx, &n, `SELECT nextval(pg_get_serial_sequence('wrapup_codes', 'id'))`); err != nil {
			return Choice{}, fmt.Errorf("calls: add wrap-up code: %w", err)
		}
		code = "custom_" + letters(n)
	}
	var c Choice
	const q = `INSERT INTO wrapup_codes (code, label, position) VALUES ($1, $2, (SELECT COALESCE(max(position), 0) + 1 FROM wrapup_codes))
		ON CONFLICT (code) DO UPDATE SET label = EXCLUDED.label, disabled = false
		RETURNING id, code, label, position, disabled`
	if err := s.db.GetContext(ctx, &c, q, code, label); err != nil {
		return Choice{}, fmt.Errorf("calls: add wrap-up code: %w", err)
	}
	return c, nil
}

// letters spells n in the letters a–z (codes may not hold digits).
func letters(n int64) string {
	var b []byte
	for n >= 0 {
		b = append([]byte{byte('a' + n%26)}, b...)
		n = n/26 - 1
	}
	return string(b)
}

// DisableWrapUpCode takes a wrap-up code off the list; the calls filed
// under it keep it. It fails with ErrNotFound for an unknown id.
func (s *Store) DisableWrapUpCode(ctx context.Context, id int64) (Choice, error) {
	var c Choice
	const q = `UPDATE wrapup_codes SET disabled = true WHERE id = $1 RETURNING id, code, label, position, disabled`
	if err := s.db.GetContext(ctx, &c, q, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return c, fmt.Errorf("wrap-up code %d: %w", id, ErrNotFound)
		}
		return c, fmt.Errorf("calls: disable wrap-up code %d: %w", id, err)
	}
	return c, nil
}

package staff

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// AuditFieldError names the filter field of an audit log query that is
// wrong and says what to fix.
type AuditFieldError struct {
	Field string
	Msg   string
}

func (e *AuditFieldError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *AuditFieldError) Unwrap() error { return ErrInvalid }

// AuditFilter chooses audit entries. Empty fields do not filter.
type AuditFilter struct {
	Actor      string // the username, exactly (case folded)
	Action     string // the action or its start: "category." finds every category action
	ObjectType string
	ObjectID   string
	From, To   string // dates YYYY-MM-DD in China time, both included
	Limit      int    // 1–200, default 50
	Offset     int    // 0–100000
}

// auditZone is the time zone the date filters are read in.
var auditZone = time.FixedZone("CST", 8*3600)

// maxAuditText bounds the text filters.
const maxAuditText = 100

// check validates the filter and turns its dates into the instants
// [from, to).
func (f AuditFilter) check() (AuditFilter, time.Time, time.Time, error) {
	var from, to time.Time
	bad := func(field, msg string) (AuditFilter, time.Time, time.Time, error) {
		return f, from, to, &AuditFieldError{Field: field, Msg: msg}
	}
	f.Actor = strings.ToLower(strings.TrimSpace(f.Actor))
	f.Action, f.ObjectType, f.ObjectID = strings.TrimSpace(f.Action), strings.TrimSpace(f.ObjectType), strings.TrimSpace(f.ObjectID)
	for _, t := range []struct{ field, v string }{{"actor", f.Actor}, {"action", f.Action}, {"object_type", f.ObjectType}, {"object_id", f.ObjectID}} {
		if utf8.RuneCountInString(t.v) > maxAuditText || !utf8.ValidString(t.v) || strings.ContainsRune(t.v, 0) {
			return bad(t.field, fmt.Sprintf("最多%d个字", maxAuditText))
		}
	}
	var err error
	if f.From != "" {
		if from, err = time.ParseInLocation(time.DateOnly, f.From, auditZone); err != nil {
			return bad("from", "请按 年-月-日 填写日期，如 2026-12-01")
		}
	}
	if f.To != "" {
		if to, err = time.ParseInLocation(time.DateOnly, f.To, auditZone); err != nil {
			return bad("to", "请按 年-月-日 填写日期，如 2026-12-31")
		}
		to = to.AddDate(0, 0, 1)
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return bad("to", "结束日期不能早于开始日期")
	}
	switch {
	case f.Limit == 0:
		f.Limit = 50
	case f.Limit < 1 || f.Limit > 200:
		return bad("limit", "每页条数须在 1 到 200 之间")
	}
	if f.Offset < 0 || f.Offset > 100000 {
		return bad("offset", "页码超出范围")
	}
	return f, from, to, nil
}

// AuditLog lists the entries the filter chooses, newest first, one page,
// and how many there are in all. Details never carry a secret: values under
// keys that name one (password, token, secret …) read "[已隐藏]". It fails
// with an *AuditFieldError for a bad filter.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]Entry, int, error) {
	f, from, to, err := f.check()
	if err != nil {
		return nil, 0, err
	}
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Actor != "" {
		add(`lower(actor) = $%d`, f.Actor)
	}
	if f.Action != "" {
		add(`action LIKE $%d || '%%'`, likePrefix(f.Action))
	}
	if f.ObjectType != "" {
		add(`object_type = $%d`, f.ObjectType)
	}
	if f.ObjectID != "" {
		add(`object_id = $%d`, f.ObjectID)
	}
	if !from.IsZero() {
		add(`at >= $%d`, from)
	}
	if !to.IsZero() {
		add(`at < $%d`, to)
	}
	cond := "TRUE"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM audit_log WHERE `+cond, args...); err != nil {
		return nil, 0, fmt.Errorf("staff: count audit entries: %w", err)
	}
	args = append(args, f.Limit, f.Offset)
	q := `SELECT id, at, actor, ip, action, object_type, object_id, detail FROM audit_log WHERE ` + cond +
		fmt.Sprintf(` ORDER BY at DESC, id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	es := []Entry{}
	if err := s.db.SelectContext(ctx, &es, q, args...); err != nil {
		return nil, 0, fmt.Errorf("staff: list audit entries: %w", err)
	}
	for i := range es {
		es[i].Detail = redactDetail(es[i].Detail)
	}
	return es, total, nil
}

// likePrefix quotes the LIKE wildcards of s.
func likePrefix(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// secretWords mark detail keys whose values are never shown.
var secretWords = []string{"password", "passwd", "secret", "token", "credential", "private", "cookie", "session"}

func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// Redacted replaces the value of a secret key in an audit detail.
const Redacted = "[已隐藏]"

// redactDetail hides the values of secret keys at any depth.
func redactDetail(raw json.RawMessage) json.RawMessage {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return json.RawMessage(`{}`)
	}
	out, err := json.Marshal(redact(v))
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return out
}

func redact(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if secretKey(k) {
				t[k] = Redacted
			} else {
				t[k] = redact(x)
			}
		}
	case []any:
		for i := range t {
			t[i] = redact(t[i])
		}
	case string:
		// A device token or session token pasted into a note.
		if strings.HasPrefix(t, "kt_") && len(t) > 20 {
			return Redacted
		}
	}
	return v
}

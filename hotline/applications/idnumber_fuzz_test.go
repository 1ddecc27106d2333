package applications_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/queries"
)

// creditChars are the characters of a 统一社会信用代码 (GB 32100-2015).
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// FuzzCheckCreditCode checks 统一社会信用代码 as applicants type them: a
// refusal is a *queries.FieldError on credit_code whose message quotes
// only what was typed; an accepted code is 18 valid characters and stops
// being accepted when any one character is changed (the check character
// catches every single substitution).
func FuzzCheckCreditCode(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91350100M000100Y44", "9135010OM000100Y43", "913501A0M000100Y43", "", "91350100M000100Y4",
		"字1350100M000100Y43", "91350100M000100Y4字", "ｙ1350100M000100Y43", "91350100m000100y43"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		err := applications.CheckCreditCode(c)
		if err != nil {
			checkRefusal(t, "credit_code", c, err)
			return
		}
		if len(c) != 18 || strings.Trim(c, creditChars) != "" {
			t.Fatalf("CheckCreditCode accepted %q", c)
		}
		for i := range 18 {
			for _, r := range creditChars {
				if byte(r) == c[i] {
					continue
				}
				if changed := c[:i] + string(r) + c[i+1:]; applications.CheckCreditCode(changed) == nil {
					t.Fatalf("CheckCreditCode accepts both %q and %q", c, changed)
				}
			}
		}
	})
}

// FuzzCheckResidentID checks 居民身份证 numbers: a refusal is a
// *queries.FieldError on id_number quoting only what was typed; an
// accepted number is 17 digits and a check digit or X, with a real date of
// birth, and stops being accepted when any one digit is changed.
func FuzzCheckResidentID(f *testing.F) {
	for _, s := range []string{"110105194912310021", "11010519491231002X", "110105194912310022", "110105194913310021", "11010519491231002x",
		"", "010105194912310021", "1101051949123100211", "11010520991231002X", "11010518991231002X", "１10105194912310021"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, n string) {
		err := applications.CheckResidentID(n)
		if err != nil {
			checkRefusal(t, "id_number", n, err)
			return
		}
		if len(n) != 18 || strings.Trim(n[:17], "0123456789") != "" || !strings.ContainsAny(n[17:], "0123456789X") || n[0] == '0' {
			t.Fatalf("CheckResidentID accepted %q", n)
		}
		for i := range 17 {
			for d := byte('0'); d <= '9'; d++ {
				if d == n[i] {
					continue
				}
				if changed := n[:i] + string(d) + n[i+1:]; applications.CheckResidentID(changed) == nil {
					t.Fatalf("CheckResidentID accepts both %q and %q", n, changed)
				}
			}
		}
	})
}

// checkRefusal fails t unless err is a FieldError on field whose message
// is readable and quotes (“…”) nothing that was not typed.
func checkRefusal(t *testing.T, field, typed string, err error) {
	t.Helper()
	var fe *queries.FieldError
	if !errors.As(err, &fe) || fe.Field != field || fe.Msg == "" || !utf8.ValidString(fe.Msg) {
		t.Fatalf("%q: error %v is not a readable FieldError on %s", typed, err, field)
	}
	for rest := fe.Msg; ; {
		_, after, ok := strings.Cut(rest, "“")
		if !ok {
			break
		}
		quoted, tail, _ := strings.Cut(after, "”")
		if !strings.Contains(typed, quoted) {
			t.Fatalf("%q: message %q quotes %q, which was not typed", typed, fe.Msg, quoted)
		}
		rest = tail
	}
}

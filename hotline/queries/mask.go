package queries

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaskName keeps the first character of a name and masks the rest: 张三 →
// 张*, 欧阳修 → 欧**. A one-character name becomes *.
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	n := utf8.RuneCountInString(name)
	switch n {
	case 0:
		return ""
	case 1:
		return "*"
	}
	first, _ := utf8.DecodeRuneInString(name)
	return string(first) + strings.Repeat("*", n-1)
}

// MaskPhone keeps the first three and the last four digits of a phone number
// and masks the rest: 13812345678 → 138****5678. Numbers of fewer than
// eight digits keep only their last two.
func MaskPhone(phone string) string {
	var digits []byte
	for i := 0; i < len(phone); i++ {
		if phone[i] >= '0' && phone[i] <= '9' {
			digits = append(digits, phone[i])
		}
	}
	n := len(digits)
	switch {
	case n == 0:
		return ""
	case n < 8:
		return strings.Repeat("*", max(n-2, 1)) + string(digits[max(n-2, 1):])
	}
	return string(digits[:3]) + strings.Repeat("*", n-7) + string(digits[n-4:])
}

var (
	// idNumberRE matches a resident identity card number (18 characters).
	idNumberRE = regexp.MustCompile(`\b[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]\b`)
	// mobileRE matches a mainland mobile number, with optional separators.
	mobileRE = regexp.MustCompile(`1[3-9]\d[- \x{3000}]?\d{4}[- \x{3000}]?\d{4}`)
	// landlineRE matches an area code and a local number, 0533-3241001.
	landlineRE = regexp.MustCompile(`0\d{2,3}-?\d{7,8}`)
)

// halfWidth writes the full-width digits and hyphens a Chinese input
// method types (１３８－…) as ASCII, so that the patterns see numbers
// written with them.
var halfWidth = strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7",
	"８", "8", "９", "9", "－", "-")

// Redact masks personal data in a text meant for the public: the asker's
// name and phone number wherever they occur, identity card numbers and
// phone numbers of anyone. The public numbers of departments, passed in
// keep, stay readable.
func Redact(text, name, phone string, keep ...string) string {
	text = halfWidth.Replace(text)
	if n := strings.TrimSpace(name); utf8.RuneCountInString(n) >= 2 {
		text = strings.ReplaceAll(text, n, MaskName(n))
	}
	if p := strings.TrimSpace(phone); len(p) >= 5 {
		text = strings.ReplaceAll(text, p, MaskPhone(p))
	}
	text = idNumberRE.ReplaceAllStringFunc(text, func(s string) string {
		return s[:6] + strings.Repeat("*", len(s)-10) + s[len(s)-4:]
	})
	mask := func(s string) string {
		for _, k := range keep {
			if k != "" && strings.Contains(k, s) {
				return s
			}
		}
		return MaskPhone(s)
	}
	text = mobileRE.ReplaceAllStringFunc(text, mask)
	return landlineRE.ReplaceAllStringFunc(text, mask)
}

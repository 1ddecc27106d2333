package search

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ErrDocNumber is returned for a 文号 (发文字号) that does not parse.
var ErrDocNumber = errors.New("search: 文号 not recognised")

// docNumber is a parsed 文号: 沂政办发〔2019〕5号 → {沂政办发, 2019, 5}.
// Prefix may be empty ("[2019]5"), Year empty for orders (省政府令第268号),
// Number empty for a query typed so far (沂政办发〔2019〕).
type docNumber struct {
	Prefix, Year, Number string
}

var (
	// prefix, opening bracket, year, closing bracket, 年, 第, number, 号.
	docNumberRE = regexp.MustCompile(`^([\p{Han}a-z]{0,20}?)([\[(〔【〖{<])?(\d{4})([\])〕】〗}>])?(年)?(第)?(\d{0,6})(号)?$`)
	// orders and announcements without a year: 省政府令第268号.
	docOrderRE = regexp.MustCompile(`^([\p{Han}a-z]{1,20}?)第(\d{1,6})号$`)
	// a year and a serial number apart, as the kiosk's digit keyboard types them.
	digitDocNumberRE = regexp.MustCompile(`^(\d{4})\s+(\d{1,6})$`)
)

// DocNumberKey returns the canonical search key of a 文号, the same for every
// bracket style: "沂政办发|2019|5" for 沂政办发〔2019〕5号, [2019]5号 becomes
// "|2019|5", (2019)5号 and 2019年第5号 too, and 省政府令第268号 "省政府令||268".
// Full-width characters, spaces and leading zeros do not matter. An empty 文号
// gives "" and no error; one that does not parse fails with ErrDocNumber.
func DocNumberKey(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	d, ok := parseDocNumber(s)
	if !ok || d.Number == "" {
		return "", fmt.Errorf("%w: %q: expected a form such as 沂政办发〔2019〕5号, [2019]5号 or 2019年5号", ErrDocNumber, s)
	}
	return d.key(), nil
}

// DocNumberParts splits a 文号 into its parts, the 机关代字, the year and
// the 序号 (沂政办发〔2019〕5号 → 沂政办发, 2019, 5), for a form that asks
// for them one by one; ok is false when it does not parse.
func DocNumberParts(s string) (prefix, year, number string, ok bool) {
	d, ok := parseDocNumber(s)
	if !ok || d.Number == "" {
		return "", "", "", false
	}
	return d.Prefix, d.Year, d.Number, true
}

// YearNumberKey returns the "year|number" part of a key from DocNumberKey,
// which also matches 文号 typed without the agency prefix.
func YearNumberKey(key string) string {
	parts := strings.SplitN(key, "|", 3)
	if len(parts) != 3 {
		return ""
	}
	return parts[1] + "|" + parts[2]
}

func (d docNumber) key() string { return d.Prefix + "|" + d.Year + "|" + d.Number }

// parseDocNumber reads a 文号; the number may be missing (a query typed so
// far), the year only in the 第N号 form.
func parseDocNumber(s string) (docNumber, bool) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, norm.NFKC.String(s))
	if m := docOrderRE.FindStringSubmatch(s); m != nil {
		return docNumber{Prefix: m[1], Number: trimZeros(m[2])}, trimZeros(m[2]) != ""
	}
	m := docNumberRE.FindStringSubmatch(s)
	if m == nil {
		return docNumber{}, false
	}
	open, year, closing, nian, num, hao := m[2], m[3], m[4], m[5], m[7], m[8]
	if y, _ := strconv.Atoi(year); y < 1900 || y > 2100 {
		return docNumber{}, false
	}
	// The year must be marked off by a bracket or 年, else 20195 is ambiguous.
	if open == "" && closing == "" && nian == "" {
		return docNumber{}, false
	}
	if num == "" && hao != "" {
		return docNumber{}, false
	}
	d := docNumber{Prefix: m[1], Year: year, Number: trimZeros(num)}
	if num != "" && d.Number == "" { // 第0号
		return docNumber{}, false
	}
	return d, true
}

// digitDocNumber reads a 文号 typed on the kiosk's digit keyboard, which
// has neither brackets nor 号: a year, spaces and the 序号 ("2019 5",
// "2019 05"). A lone number ("2019", "96128") is not one; nor are two
// numbers whose first is no year.
func digitDocNumber(q string) (docNumber, bool) {
	m := digitDocNumberRE.FindStringSubmatch(strings.TrimSpace(norm.NFKC.String(q)))
	if m == nil {
		return docNumber{}, false
	}
	if y, _ := strconv.Atoi(m[1]); y < 1900 || y > 2100 || trimZeros(m[2]) == "" {
		return docNumber{}, false
	}
	return docNumber{Year: m[1], Number: trimZeros(m[2])}, true
}

func trimZeros(n string) string { return strings.TrimLeft(n, "0") }

package queries

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
)

// CodeLen is the length of a 查询码: nine random digits, the first not 0,
// and a Damm check digit. It is short enough to read out on the phone and
// to type on a kiosk keypad; Damm's check digit catches every single wrong
// digit and every swap of two adjacent digits.
const CodeLen = 10

// dammTable is the quasigroup of order 10 of H. Michael Damm (2004), weakly
// totally anti-symmetric, with zeros on the diagonal.
var dammTable = [10][10]byte{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

// damm returns the interim digit of the ASCII digits s; a string with its
// check digit appended has interim 0.
func damm(s string) byte {
	var interim byte
	for i := 0; i < len(s); i++ {
		interim = dammTable[interim][s[i]-'0']
	}
	return interim
}

// newCode returns a random 查询码 from crypto/rand: not sequential and not
// guessable from another code. It fails only when the system's random
// source does.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(900_000_000))
	if err != nil {
		return "", fmt.Errorf("queries: random code: %w", err)
	}
	body := fmt.Sprintf("%09d", n.Int64()+100_000_000)
	return body + string('0'+damm(body)), nil
}

// ParseCode reads a 查询码 as a person types or says it: ten digits, with
// spaces, hyphens and full-width digits allowed. It checks the check digit
// without touching the database and fails with an error wrapping ErrBadCode
// when the code is malformed or the check digit does not match.
func ParseCode(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + r - '０')
		case r == ' ' || r == '-' || r == '\u3000':
		default:
			return "", fmt.Errorf("%w: 查询码只含数字", ErrBadCode)
		}
		if b.Len() > CodeLen {
			return "", fmt.Errorf("%w: 查询码是%d位数字", ErrBadCode, CodeLen)
		}
	}
	code := b.String()
	if len(code) != CodeLen || code[0] == '0' {
		return "", fmt.Errorf("%w: 查询码是%d位数字", ErrBadCode, CodeLen)
	}
	if damm(code) != 0 {
		return "", fmt.Errorf("%w: 校验位不符", ErrBadCode)
	}
	return code, nil
}

package queries

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDammCheckDigit(t *testing.T) {
	// The worked example of Damm's algorithm: 572 has check digit 4.
	if got := damm("572"); got != 4 {
		t.Fatalf("damm(572) = %d, want 4", got)
	}
	if damm("5724") != 0 {
		t.Fatal("5724 does not validate")
	}
}

// TestCodesCatchTyposAndSwaps: for many random codes, every single wrong
// digit and every swap of two different adjacent digits is rejected.
func TestCodesCatchTyposAndSwaps(t *testing.T) {
	seen := map[string]bool{}
	for range 300 {
		code, err := newCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(code) != CodeLen || code[0] == '0' || seen[code] {
			t.Fatalf("code %q: wrong form or repeated", code)
		}
		seen[code] = true
		if got, err := ParseCode(code); err != nil || got != code {
			t.Fatalf("ParseCode(%q) = %q, %v", code, got, err)
		}
		for i := range CodeLen {
			for d := byte('0'); d <= '9'; d++ {
				if d == code[i] {
					continue
				}
				typo := code[:i] + string(d) + code[i+1:]
				if _, err := ParseCode(typo); !errors.Is(err, ErrBadCode) {
					t.Fatalf("typo %s of %s accepted", typo, code)
				}
			}
			if i+1 < CodeLen && code[i] != code[i+1] {
				swap := code[:i] + string(code[i+1]) + string(code[i]) + code[i+2:]
				if _, err := ParseCode(swap); !errors.Is(err, ErrBadCode) {
					t.Fatalf("swap %s of %s accepted", swap, code)
				}
			}
		}
	}
}

func TestParseCodeForms(t *testing.T) {
	code, _ := newCode()
	spaced := code[:3] + " " + code[3:6] + "-" + code[6:]
	full := strings.Map(func(r rune) rune { return r - '0' + '０' }, code)
	for _, in := range []string{code, " " + code + " ", spaced, full} {
		if got, err := ParseCode(in); err != nil || got != code {
			t.Errorf("ParseCode(%q) = %q, %v; want %s", in, got, err, code)
		}
	}
	for _, in := range []string{"", "123", code + "1", "a" + code[1:], "0" + code[1:], code[:9]} {
		if _, err := ParseCode(in); !errors.Is(err, ErrBadCode) {
			t.Errorf("ParseCode(%q) = %v, want ErrBadCode", in, err)
		}
	}
}

// FuzzParseCode: never panics; what it accepts is ten digits that validate
// and parse to themselves.
func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"1234567890", "５７２４", "572 4", "", "１２３４５６７８９０", "\xff\xfe", "0000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := ParseCode(s)
		if err != nil {
			if !errors.Is(err, ErrBadCode) {
				t.Fatalf("ParseCode(%q) = %v, not ErrBadCode", s, err)
			}
			return
		}
		if len(code) != CodeLen || damm(code) != 0 || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("ParseCode(%q) accepted %q", s, code)
		}
		if again, err := ParseCode(code); err != nil || again != code {
			t.Fatalf("ParseCode(%q) is not stable: %q, %v", code, again, err)
		}
	})
}

func BenchmarkParseCode(b *testing.B) {
	code, _ := newCode()
	for b.Loop() {
		if _, err := ParseCode(code); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleParseCode() {
	_, err := ParseCode("5724 5724 57")
	fmt.Println(errors.Is(err, ErrBadCode))
	// Output: true
}

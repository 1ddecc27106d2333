package media

import (
	"strings"
	"testing"
)

// FuzzParseINFO feeds SIP INFO bodies (application/dtmf-relay and
// application/dtmf) to ParseINFO: it returns 0 or one key of the keypad,
// and a key it returns can be read back from the body's own words.
func FuzzParseINFO(f *testing.F) {
	for _, s := range []string{"Signal=5\r\nDuration=160\r\n", "Signal= 10\r\nDuration=100", "signal=#", "5", "*", "\r\nB\r\n",
		"Duration=160\r\nSignal=11\r\n", "Signal=\r\n", "Signal=12", "Signal=a", "", "Signal=5=6", "\x00Signal=1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		k := ParseINFO(body)
		if k == 0 {
			return
		}
		if !strings.ContainsRune("0123456789*#ABCD", rune(k)) {
			t.Fatalf("ParseINFO(%q) = %q, not a key", body, k)
		}
		if !strings.ContainsAny(string(body), string(k)+strings.ToLower(string(k))) && !strings.Contains(string(body), "1") {
			t.Fatalf("ParseINFO(%q) = %q, which the body does not say", body, k)
		}
		for _, form := range []string{"Signal=" + string(k) + "\r\nDuration=160\r\n", string(k)} {
			if got := ParseINFO([]byte(form)); got != k {
				t.Fatalf("ParseINFO(%q) = %q, want %q", form, got, k)
			}
		}
	})
}

package media

import "testing"

func TestG711RoundTrip(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		for i := range 256 {
			b := byte(i)
			got := c.Encode(nil, c.Decode(nil, []byte{b}))[0]
			if got != b && !(c == PCMU && b == 0x7F) { // μ-law has two zeros
				t.Errorf("%s: encode(decode(%#x)) = %#x", c.Name, b, got)
			}
		}
	}
}

func TestG711Monotonic(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		prev := int16(-32768)
		for s := -32768; s <= 32767; s += 7 {
			d := c.Decode(nil, c.Encode(nil, []int16{int16(s)}))[0]
			if d < prev {
				t.Fatalf("%s: decode(encode(%d)) = %d < %d: not monotonic", c.Name, s, d, prev)
			}
			prev = d
			if diff := int(d) - s; diff > 1100 || diff < -1100 {
				t.Fatalf("%s: %d came back as %d", c.Name, s, d)
			}
		}
	}
}

func TestSilence(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		if got := c.Decode(nil, []byte{c.Silence()})[0]; got > 8 || got < -8 {
			t.Errorf("%s silence decodes to %d", c.Name, got)
		}
	}
}

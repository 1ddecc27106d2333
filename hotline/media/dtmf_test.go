package media

import (
	"testing"
)

func ev(event byte, end bool, dur uint16) []byte {
	b := []byte{event, 10, byte(dur >> 8), byte(dur)}
	if end {
		b[1] |= 0x80
	}
	return b
}

type evPkt struct {
	ssrc, ts uint32
	payload  []byte
}

func feedAll(d *DTMFDetector, pkts []evPkt) string {
	var out []byte
	for _, p := range pkts {
		out = d.Feed(out, p.ssrc, p.ts, p.payload)
	}
	return string(out)
}

func TestDTMFDetector(t *testing.T) {
	tests := []struct {
		name string
		pkts []evPkt
		want string
	}{
		{"one digit, end sent three times", []evPkt{
			{1, 100, ev(3, false, 160)}, {1, 100, ev(3, false, 320)}, {1, 100, ev(3, true, 800)},
			{1, 100, ev(3, true, 800)}, {1, 100, ev(3, true, 800)}}, "3"},
		{"two digits", []evPkt{
			{1, 100, ev(1, false, 160)}, {1, 100, ev(1, true, 800)}, {1, 100, ev(1, true, 800)},
			{1, 2000, ev(11, false, 160)}, {1, 2000, ev(11, true, 800)}}, "1#"},
		{"same key twice", []evPkt{
			{1, 100, ev(5, true, 800)}, {1, 900, ev(5, true, 800)}, {1, 900, ev(5, true, 800)}}, "55"},
		{"start lost", []evPkt{{1, 100, ev(4, true, 800)}, {1, 100, ev(4, true, 800)}}, "4"},
		{"end lost, next event starts", []evPkt{
			{1, 100, ev(2, false, 160)}, {1, 100, ev(2, false, 320)}, {1, 900, ev(7, false, 160)}, {1, 900, ev(7, true, 800)}}, "27"},
		{"same timestamp, new SSRC", []evPkt{
			{1, 100, ev(8, true, 800)}, {2, 100, ev(9, true, 800)}, {2, 100, ev(9, true, 800)}}, "89"},
		{"short payload and bad event ignored", []evPkt{
			{1, 100, []byte{1, 0x80}}, {1, 200, ev(16, true, 800)}, {1, 300, ev(200, true, 800)}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d DTMFDetector
			if got := feedAll(&d, tt.pkts); got != tt.want {
				t.Fatalf("digits = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDTMFFlush(t *testing.T) {
	var d DTMFDetector
	if got := d.Feed(nil, 1, 100, ev(6, false, 160)); len(got) != 0 {
		t.Fatalf("start packet emitted %q", got)
	}
	if k := d.Flush(); k != '6' {
		t.Fatalf("Flush = %q, want '6'", k)
	}
	if got := d.Feed(nil, 1, 100, ev(6, true, 800)); len(got) != 0 {
		t.Fatalf("late end packet of a flushed event emitted %q", got)
	}
	if k := d.Flush(); k != 0 {
		t.Fatalf("second Flush = %q", k)
	}
}

func TestParseINFO(t *testing.T) {
	for body, want := range map[string]byte{
		"Signal=5\r\nDuration=160\r\n": '5', "Signal= #\r\n": '#', "signal=10": '*', "Signal=11\r\n": '#',
		"3": '3', "Duration=160\r\n": 0, "": 0, "Signal=x": 0, "Signal=d": 'D', "hello": 0,
	} {
		if got := ParseINFO([]byte(body)); got != want {
			t.Errorf("ParseINFO(%q) = %q, want %q", body, got, want)
		}
	}
}

func FuzzDTMFDetector(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 100, 3, 10, 0, 160, 0, 0, 0, 1, 0, 0, 0, 100, 3, 0x8a, 3, 32})
	f.Fuzz(func(t *testing.T, stream []byte) {
		var d DTMFDetector
		seen := map[eventID]bool{}
		total := 0
		for len(stream) >= 12 {
			ssrc := uint32(stream[0])<<24 | uint32(stream[1])<<16 | uint32(stream[2])<<8 | uint32(stream[3])
			ts := uint32(stream[4])<<24 | uint32(stream[5])<<16 | uint32(stream[6])<<8 | uint32(stream[7])
			seen[eventID{ssrc, ts}] = true
			got := d.Feed(nil, ssrc, ts, stream[8:12])
			for _, k := range got {
				if EventKey(0) != '0' || !isKey(k) {
					t.Fatalf("emitted %q", k)
				}
			}
			total += len(got)
			stream = stream[12:]
		}
		if d.Flush() != 0 {
			total++
		}
		if len(seen) <= recentEvents && total > len(seen) {
			t.Fatalf("%d digits from %d distinct events", total, len(seen))
		}
	})
}

func isKey(k byte) bool {
	for i := range byte(16) {
		if EventKey(i) == k {
			return true
		}
	}
	return false
}

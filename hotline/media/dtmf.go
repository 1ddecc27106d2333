package media

import "strings"

// Ways a digit reached us.
const (
	ViaRFC4733 = "rfc4733"
	ViaINFO    = "info"
)

// Digit is a key a caller pressed: '0'–'9', '*', '#' or 'A'–'D'.
type Digit struct {
	Key byte
	Via string // ViaRFC4733 or ViaINFO
}

// EventKey returns the key of an RFC 4733 event code, or 0 for codes
// outside 0–15.
func EventKey(event byte) byte {
	const keys = "0123456789*#ABCD"
	if int(event) < len(keys) {
		return keys[event]
	}
	return 0
}

type eventID struct{ ssrc, ts uint32 }

// recentEvents is how many emitted events a detector remembers.
const recentEvents = 64

// DTMFDetector turns RFC 4733 telephone-event payloads into digits. All
// packets of one event share the RTP timestamp and the end packet is sent
// three times, so it emits one digit per (SSRC, timestamp): on the first
// end packet, or — when every end packet was lost — when the next event of
// the stream begins. It remembers the last 64 events it emitted. The zero
// value is ready to use; it is not safe for concurrent use.
type DTMFDetector struct {
	recent  [recentEvents]eventID
	n       int     // events emitted so far
	pending eventID // begun but not ended
	key     byte    // key of pending, 0 if none
}

func (d *DTMFDetector) emitted(id eventID) bool {
	for i := range min(d.n, recentEvents) {
		if d.recent[i] == id {
			return true
		}
	}
	return false
}

func (d *DTMFDetector) remember(id eventID) {
	d.recent[d.n%recentEvents] = id
	d.n++
}

// Feed reads one telephone-event payload of the stream ssrc sent with RTP
// timestamp ts and appends the digits it completes to dst.
func (d *DTMFDetector) Feed(dst []byte, ssrc, ts uint32, payload []byte) []byte {
	if len(payload) < 4 {
		return dst
	}
	key := EventKey(payload[0])
	if key == 0 {
		return dst
	}
	id := eventID{ssrc, ts}
	if d.emitted(id) {
		return dst
	}
	if d.key != 0 && d.pending != id {
		dst = append(dst, d.key) // the previous event never ended
		d.remember(d.pending)
		d.key = 0
	}
	if payload[1]&0x80 == 0 {
		d.pending, d.key = id, key
		return dst
	}
	d.key = 0
	d.remember(id)
	return append(dst, key)
}

// Flush returns the key of an event that began but never ended (its end
// packets lost), or 0, and forgets it.
func (d *DTMFDetector) Flush() byte {
	k := d.key
	if k != 0 {
		d.remember(d.pending)
		d.key = 0
	}
	return k
}

// ParseINFO reads the digit of a SIP INFO body: application/dtmf-relay
// ("Signal=5\r\nDuration=160") or application/dtmf ("5"). It returns 0 when
// the body carries no digit.
func ParseINFO(body []byte) byte {
	for _, line := range strings.Split(string(body), "\n") {
		line = strings.TrimSpace(line)
		if name, v, ok := strings.Cut(line, "="); ok {
			if strings.EqualFold(strings.TrimSpace(name), "signal") {
				return infoKey(strings.TrimSpace(v))
			}
			continue
		}
		if k := infoKey(line); k != 0 {
			return k
		}
	}
	return 0
}

func infoKey(v string) byte {
	switch {
	case v == "10":
		return '*'
	case v == "11":
		return '#'
	case len(v) != 1:
		return 0
	case v[0] >= '0' && v[0] <= '9', v[0] == '*', v[0] == '#':
		return v[0]
	case v[0] >= 'A' && v[0] <= 'D', v[0] >= 'a' && v[0] <= 'd':
		return v[0] &^ 0x20
	}
	return 0
}

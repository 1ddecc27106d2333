package media

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// Directions of an SDP media stream (RFC 3264).
const (
	SendRecv = "sendrecv"
	SendOnly = "sendonly"
	RecvOnly = "recvonly"
	Inactive = "inactive"
)

// Description is one side's audio stream as an SDP body describes it.
type Description struct {
	Addr      netip.AddrPort // where the side receives RTP; unspecified address = on hold
	Codec     Codec          // the first PCMU/PCMA format of the m-line
	EventPT   int            // telephone-event payload type, or -1
	Direction string         // SendRecv, SendOnly, RecvOnly or Inactive
}

// OnHold reports whether the side asked not to receive media (a=sendonly,
// a=inactive or the old-style c=0.0.0.0).
func (d Description) OnHold() bool {
	return d.Direction == SendOnly || d.Direction == Inactive || d.Addr.Addr().IsUnspecified()
}

// Parse reads the first audio stream of an SDP body and picks, in the
// order the sender listed them, its first format among allow (PCMU and PCMA
// when allow is empty). It returns ErrBadSDP for a body it cannot read and
// ErrNoCodec when no allowed codec is offered.
func Parse(body []byte, allow ...Codec) (Description, error) {
	if len(allow) == 0 {
		allow = []Codec{PCMU, PCMA}
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(body)); err != nil {
		return Description{}, fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		return describe(&sd, md, allow)
	}
	return Description{}, fmt.Errorf("%w: no m=audio line", ErrNoCodec)
}

func describe(sd *sdp.SessionDescription, md *sdp.MediaDescription, allow []Codec) (Description, error) {
	d := Description{EventPT: -1, Direction: direction(sd.Attributes, md.Attributes)}
	if md.MediaName.Port.Value <= 0 || md.MediaName.Port.Value > 65535 {
		return d, fmt.Errorf("%w: audio stream rejected (port %d)", ErrNoCodec, md.MediaName.Port.Value)
	}
	ci := md.ConnectionInformation
	if ci == nil {
		ci = sd.ConnectionInformation
	}
	if ci == nil || ci.Address == nil {
		return d, fmt.Errorf("%w: no c= line", ErrBadSDP)
	}
	ip, err := netip.ParseAddr(strings.TrimSpace(ci.Address.Address))
	if err != nil {
		return d, fmt.Errorf("%w: c= address %q is not an IP address", ErrBadSDP, ci.Address.Address)
	}
	d.Addr = netip.AddrPortFrom(ip.Unmap(), uint16(md.MediaName.Port.Value))
	names := rtpmaps(md.Attributes)
	for _, f := range md.MediaName.Formats {
		pt, err := strconv.Atoi(f)
		if err != nil || pt < 0 || pt > 127 {
			continue
		}
		name := names[pt]
		if name == "" && (pt == 0 || pt == 8) {
			name = map[int]string{0: "PCMU", 8: "PCMA"}[pt]
		}
		switch {
		case strings.EqualFold(name, "telephone-event"):
			if d.EventPT < 0 {
				d.EventPT = pt
			}
		case d.Codec.IsZero():
			for _, c := range allow {
				if strings.EqualFold(name, c.Name) {
					d.Codec = Codec{Name: c.Name, PT: uint8(pt)}
				}
			}
		}
	}
	if d.Codec.IsZero() {
		return d, fmt.Errorf("%w: formats %v", ErrNoCodec, md.MediaName.Formats)
	}
	return d, nil
}

// rtpmaps maps payload types to encoding names of 8 kHz rtpmap lines.
func rtpmaps(attrs []sdp.Attribute) map[int]string {
	m := map[int]string{}
	for _, a := range attrs {
		if a.Key != "rtpmap" {
			continue
		}
		pt, enc, ok := strings.Cut(strings.TrimSpace(a.Value), " ")
		n, err := strconv.Atoi(pt)
		if !ok || err != nil {
			continue
		}
		name, rate, _ := strings.Cut(strings.TrimSpace(enc), "/")
		if rate, _, _ = strings.Cut(rate, "/"); rate == "8000" {
			m[n] = name
		}
	}
	return m
}

func direction(session, media []sdp.Attribute) string {
	dir := SendRecv
	for _, attrs := range [][]sdp.Attribute{session, media} {
		for _, a := range attrs {
			switch a.Key {
			case SendRecv, SendOnly, RecvOnly, Inactive:
				dir = a.Key
			}
		}
	}
	return dir
}

// Answer returns the direction to answer an offer made with direction dir.
func Answer(dir string) string {
	switch dir {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	case Inactive:
		return Inactive
	}
	return SendRecv
}

// Marshal writes the SDP body of our side of a stream: we receive RTP on
// local, speak codec d.Codec and, when d.EventPT >= 0, telephone-event with
// that payload type (the offerer's, when answering). version must grow with
// every new body of the same session.
func Marshal(local netip.AddrPort, d Description, sessionID, version uint64) []byte {
	ip := local.Addr().Unmap()
	fam := "IP4"
	if ip.Is6() {
		fam = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=govhall %d %d IN %s %s\r\ns=96128\r\nc=IN %s %s\r\nt=0 0\r\n",
		sessionID, version, fam, ip, fam, ip)
	fmt.Fprintf(&b, "m=audio %d RTP/AVP %d", local.Port(), d.Codec.PT)
	if d.EventPT >= 0 {
		fmt.Fprintf(&b, " %d", d.EventPT)
	}
	fmt.Fprintf(&b, "\r\na=rtpmap:%d %s/8000\r\n", d.Codec.PT, d.Codec.Name)
	if d.EventPT >= 0 {
		fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", d.EventPT, d.EventPT)
	}
	dir := d.Direction
	if dir == "" {
		dir = SendRecv
	}
	fmt.Fprintf(&b, "a=ptime:20\r\na=%s\r\n", dir)
	return []byte(b.String())
}

package media

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

const sippOffer = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"m=audio 6000 RTP/AVP 8 96\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\n"

const baresipOffer = "v=0\r\no=- 1 2 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n" +
	"m=audio 30000 RTP/AVP 0 8 101\r\nb=AS:64\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n" +
	"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n"

func TestParse(t *testing.T) {
	tests := []struct {
		name, body string
		want       Description
		err        error
	}{
		{"sipp", sippOffer, Description{netip.MustParseAddrPort("127.0.0.1:6000"), PCMA, 96, SendRecv}, nil},
		{"baresip", baresipOffer, Description{netip.MustParseAddrPort("192.0.2.2:30000"), PCMU, 101, SendRecv}, nil},
		{"static without rtpmap", "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18 0\r\nc=IN IP4 10.0.0.2\r\n",
			Description{netip.MustParseAddrPort("10.0.0.2:4000"), PCMU, -1, SendRecv}, nil},
		{"hold sendonly", strings.Replace(baresipOffer, "a=sendrecv", "a=sendonly", 1),
			Description{netip.MustParseAddrPort("192.0.2.2:30000"), PCMU, 101, SendOnly}, nil},
		{"session-level inactive", strings.Replace(sippOffer, "t=0 0\r\n", "t=0 0\r\na=inactive\r\n", 1),
			Description{netip.MustParseAddrPort("127.0.0.1:6000"), PCMA, 96, Inactive}, nil},
		{"only G.729", strings.Replace(sippOffer, "RTP/AVP 8 96", "RTP/AVP 18 96", 1), Description{}, ErrNoCodec},
		{"rejected stream", strings.Replace(sippOffer, "audio 6000", "audio 0", 1), Description{}, ErrNoCodec},
		{"no audio", "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=video 4000 RTP/AVP 96\r\n", Description{}, ErrNoCodec},
		{"no c line", "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", Description{}, ErrBadSDP},
		{"garbage", "hello", Description{}, ErrBadSDP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.body))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestOnHold(t *testing.T) {
	d, err := Parse([]byte(strings.ReplaceAll(sippOffer, "127.0.0.1", "0.0.0.0")))
	if err != nil || !d.OnHold() {
		t.Fatalf("c=0.0.0.0: OnHold = %v, %v", d.OnHold(), err)
	}
	d, _ = Parse([]byte(sippOffer))
	if d.OnHold() {
		t.Fatal("plain offer reported on hold")
	}
}

func TestMarshalEchoesEventPT(t *testing.T) {
	offer, _ := Parse([]byte(sippOffer))
	local := netip.MustParseAddrPort("127.0.0.1:40000")
	ans := Marshal(local, Description{Codec: offer.Codec, EventPT: offer.EventPT, Direction: Answer(offer.Direction)}, 7, 1)
	if len(ans) > 400 {
		t.Errorf("answer is %d bytes; keep SDP small for UDP", len(ans))
	}
	got, err := Parse(ans)
	if err != nil {
		t.Fatalf("our answer does not parse: %v\n%s", err, ans)
	}
	want := Description{Addr: local, Codec: PCMA, EventPT: 96, Direction: SendRecv}
	if got != want {
		t.Fatalf("answer parsed as %+v, want %+v\n%s", got, want, ans)
	}
}

func TestAnswerDirection(t *testing.T) {
	for in, want := range map[string]string{SendRecv: SendRecv, SendOnly: RecvOnly, RecvOnly: SendOnly, Inactive: Inactive, "": SendRecv} {
		if got := Answer(in); got != want {
			t.Errorf("Answer(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sippOffer))
	f.Add([]byte(baresipOffer))
	f.Add([]byte("v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 1 RTP/AVP 8\r\n"))
	f.Add([]byte("v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000/1\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := Parse(body)
		if err != nil {
			if !errors.Is(err, ErrBadSDP) && !errors.Is(err, ErrNoCodec) {
				t.Fatalf("error %v is neither ErrBadSDP nor ErrNoCodec", err)
			}
			return
		}
		if d.Codec != PCMU && d.Codec.Name != "PCMA" && d.Codec.Name != "PCMU" {
			t.Fatalf("picked codec %+v", d.Codec)
		}
		if d.EventPT > 127 || d.Codec.PT > 127 {
			t.Fatalf("payload type out of range: %+v", d)
		}
		local := netip.MustParseAddrPort("127.0.0.1:40000")
		again, err := Parse(Marshal(local, Description{Codec: d.Codec, EventPT: d.EventPT, Direction: Answer(d.Direction)}, 1, 1))
		if err != nil || again.Codec != d.Codec || again.EventPT != d.EventPT {
			t.Fatalf("answer to %+v parses as %+v, %v", d, again, err)
		}
	})
}

package media

// Codec is a G.711 variant with its static RTP payload type.
type Codec struct {
	Name string // "PCMU" or "PCMA"
	PT   uint8  // 0 or 8
}

// The two codecs the hotline speaks.
var (
	PCMU = Codec{Name: "PCMU", PT: 0}
	PCMA = Codec{Name: "PCMA", PT: 8}
)

// IsZero reports whether c is the zero Codec (none negotiated).
func (c Codec) IsZero() bool { return c.Name == "" }

// Decode appends the linear 16-bit samples of the G.711 payload src to dst.
func (c Codec) Decode(dst []int16, src []byte) []int16 {
	table := &ulawTable
	if c.Name == PCMA.Name {
		table = &alawTable
	}
	for _, b := range src {
		dst = append(dst, table[b])
	}
	return dst
}

// Encode appends the G.711 encoding of the samples src to dst.
func (c Codec) Encode(dst []byte, src []int16) []byte {
	enc := EncodeULaw
	if c.Name == PCMA.Name {
		enc = EncodeALaw
	}
	for _, s := range src {
		dst = append(dst, enc(s))
	}
	return dst
}

// Silence returns the encoding of a zero sample.
func (c Codec) Silence() byte {
	if c.Name == PCMA.Name {
		return 0xD5
	}
	return 0xFF
}

// The decode tables are fixed by ITU-T G.711; they are computed once.
var (
	ulawTable = decodeTable(DecodeULaw)
	alawTable = decodeTable(DecodeALaw)
)

func decodeTable(f func(byte) int16) (t [256]int16) {
	for i := range t {
		t[i] = f(byte(i))
	}
	return t
}

// DecodeULaw returns the linear sample of a μ-law byte.
func DecodeULaw(u byte) int16 {
	u = ^u
	t := (int32(u&0x0F) << 3) + 0x84
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

// EncodeULaw returns the μ-law byte of a linear sample.
func EncodeULaw(s int16) byte {
	const bias, clip = 0x84, 32635
	v := int32(s)
	sign := byte(0)
	if v < 0 {
		v = -v
		sign = 0x80
	}
	v = min(v, clip) + bias
	exp := byte(7)
	for mask := int32(0x4000); v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := byte(v>>(exp+3)) & 0x0F
	return ^(sign | exp<<4 | mant)
}

// DecodeALaw returns the linear sample of an A-law byte.
func DecodeALaw(a byte) int16 {
	a ^= 0x55
	t := int32(a&0x0F) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// EncodeALaw returns the A-law byte of a linear sample.
func EncodeALaw(s int16) byte {
	v := int32(s)
	mask := byte(0xD5)
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	v = min(v, 32767) >> 3
	seg := byte(0)
	for x := v >> 5; x > 0 && seg < 7; x >>= 1 {
		seg++
	}
	var aval byte
	if seg == 0 {
		aval = byte(v>>1) & 0x0F
	} else {
		aval = seg<<4 | byte(v>>seg)&0x0F
	}
	return aval ^ mask
}

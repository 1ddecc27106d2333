package printjob

// bitmap is a 1-bit image whose rows are packed most significant bit first,
// 1 = black: the layout of ESC/POS raster data (GS v 0).
type bitmap struct {
	w, h   int
	stride int // bytes per row
	bits   []byte
}

func newBitmap(w, h int) *bitmap {
	stride := (w + 7) / 8
	return &bitmap{w: w, h: h, stride: stride, bits: make([]byte, stride*h)}
}

// set blackens the dot at (x, y); dots outside the image are ignored.
func (b *bitmap) set(x, y int) {
	if x < 0 || y < 0 || x >= b.w || y >= b.h {
		return
	}
	b.bits[y*b.stride+x/8] |= 0x80 >> (x % 8)
}

func (b *bitmap) get(x, y int) bool {
	if x < 0 || y < 0 || x >= b.w || y >= b.h {
		return false
	}
	return b.bits[y*b.stride+x/8]&(0x80>>(x%8)) != 0
}

func (b *bitmap) fillRect(x, y, w, h int) {
	for yy := y; yy < y+h; yy++ {
		for xx := x; xx < x+w; xx++ {
			b.set(xx, yy)
		}
	}
}

// embolden thickens strokes by one dot to the right, the way printers make
// their built-in font bold.
func (b *bitmap) embolden() {
	for y := 0; y < b.h; y++ {
		row := b.bits[y*b.stride : (y+1)*b.stride]
		var carry byte
		for i, v := range row {
			row[i] = v | v>>1 | carry
			carry = v << 7
		}
	}
	b.clearPadding()
}

// clearPadding keeps the unused bits of each row's last byte white.
func (b *bitmap) clearPadding() {
	if b.w%8 == 0 {
		return
	}
	mask := byte(0xFF) << (8 - b.w%8)
	for y := 0; y < b.h; y++ {
		b.bits[y*b.stride+b.stride-1] &= mask
	}
}

// rows returns rows [from, to) as one slice of packed bytes.
func (b *bitmap) rows(from, to int) []byte {
	return b.bits[from*b.stride : to*b.stride]
}

package printjob

import "bytes"

// ESC/POS bytes used by the slip.
const (
	esc = 0x1B
	fs  = 0x1C
	gs  = 0x1D
	dle = 0x10
	eot = 0x04
	lf  = 0x0A
)

// escpos writes ESC/POS commands, remembering alignment and emphasis so
// that each is sent only when it changes.
type escpos struct {
	b      bytes.Buffer
	center bool
	bold   bool
}

// reset initialises the printer (ESC @), enters Chinese mode (FS &) when
// asked, and sets the line pitch (ESC 3 n).
func (w *escpos) reset(p Profile) {
	w.b.Write([]byte{esc, '@'})
	if p.ChineseMode {
		w.b.Write([]byte{fs, '&'})
	}
	w.b.Write([]byte{esc, '3', byte(p.LineDots)})
	w.center, w.bold = false, false
}

// align selects centred (ESC a 1) or left (ESC a 0) justification.
func (w *escpos) align(center bool) {
	if w.center == center {
		return
	}
	w.center = center
	w.b.Write([]byte{esc, 'a', boolByte(center)})
}

// emphasis turns bold (ESC E n) on or off.
func (w *escpos) emphasis(bold bool) {
	if w.bold == bold {
		return
	}
	w.bold = bold
	w.b.Write([]byte{esc, 'E', boolByte(bold)})
}

// raster prints bm with GS v 0 in bands of at most band rows (0 = whole).
func (w *escpos) raster(bm *bitmap, band int) {
	if band <= 0 {
		band = bm.h
	}
	for y := 0; y < bm.h; y += band {
		h := min(band, bm.h-y)
		w.b.Write([]byte{gs, 'v', '0', 0,
			byte(bm.stride), byte(bm.stride >> 8), byte(h), byte(h >> 8)})
		w.b.Write(bm.rows(y, y+h))
	}
}

// nativeQR stores data in the printer's QR symbol buffer and prints it:
// GS ( k functions 165 (model 2), 167 (module size), 169 (error
// correction), 180 (store) and 181 (print).
func (w *escpos) nativeQR(data string, moduleDots int, level byte) {
	w.b.Write([]byte{gs, '(', 'k', 4, 0, '1', 'A', '2', 0})
	w.b.Write([]byte{gs, '(', 'k', 3, 0, '1', 'C', byte(moduleDots)})
	w.b.Write([]byte{gs, '(', 'k', 3, 0, '1', 'E', level})
	n := len(data) + 3
	w.b.Write([]byte{gs, '(', 'k', byte(n), byte(n >> 8), '1', 'P', '0'})
	w.b.WriteString(data)
	w.b.Write([]byte{gs, '(', 'k', 3, 0, '1', 'Q', '0'})
	w.b.WriteByte(lf)
}

// feedDots feeds the paper by n dots (ESC J n).
func (w *escpos) feedDots(n int) {
	for ; n > 0; n -= 255 {
		w.b.Write([]byte{esc, 'J', byte(min(n, 255))})
	}
}

// finish feeds the paper past the tear bar or cutter and cuts: GS V 65 0
// (full) or GS V 66 0 (partial) feed to the cutting position first.
func (w *escpos) finish(p Profile) {
	w.align(false)
	w.emphasis(false)
	if p.FeedLines > 0 {
		w.b.Write([]byte{esc, 'd', byte(p.FeedLines)})
	}
	switch p.Cut {
	case "full":
		w.b.Write([]byte{gs, 'V', 65, 0})
	case "partial":
		w.b.Write([]byte{gs, 'V', 66, 0})
	}
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

package printjob_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"strings"
	"sync"
	"unicode/utf8"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/govhall/govhall/kiosk/printjob"
)

// This file is a small ESC/POS interpreter: it checks a job command by
// command, the way a strict printer would, and renders what the paper
// would show (raster images and simulated native QR codes; text lines as
// blank space) so that zbarimg can read the QR code back.

// printedLine is one line of text or one raster image.
type printedLine struct {
	text   string // decoded text; empty for raster
	cols   int    // columns the text takes
	raster bool
	height int // raster rows
	y      int // top of the line on the paper, in dots
	hash   string
	center bool
	bold   bool
}

// nativeQR is the state of the printer's QR symbol buffer (GS ( k).
type nativeQR struct {
	model, size, level byte
	data               []byte
}

// printout is what the interpreter saw.
type printout struct {
	profile  printjob.Profile
	rows     [][]bool
	lines    []printedLine
	qr       nativeQR
	qrPrints []nativeQR
	cut      string
	dump     []string
	lineDots int
	center   bool
	bold     bool
	chinese  bool
	pending  []byte
	dec      *encoding.Decoder
}

var errJob = errors.New("bad ESC/POS job")

// interpret runs job on a printer described by p.
func interpret(job []byte, p printjob.Profile) (*printout, error) {
	po := &printout{profile: p, lineDots: 30}
	po.dec = simplifiedchinese.GBK.NewDecoder()
	if p.Encoding == "gb18030" {
		po.dec = simplifiedchinese.GB18030.NewDecoder()
	}
	for i := 0; i < len(job); {
		n, err := po.step(job[i:])
		if err != nil {
			return po, fmt.Errorf("%w: at byte %d: %v", errJob, i, err)
		}
		i += n
	}
	if len(po.pending) > 0 {
		return po, fmt.Errorf("%w: text %q never ended with LF", errJob, po.pending)
	}
	return po, nil
}

// step interprets the command at the start of b and returns its length.
func (po *printout) step(b []byte) (int, error) {
	switch c := b[0]; {
	case c == 0x1B:
		return po.esc(b)
	case c == 0x1C:
		return po.fs(b)
	case c == 0x1D:
		return po.gs(b)
	case c == 0x0A:
		return 1, po.endLine()
	case c < 0x20 || c == 0x7F:
		return 0, fmt.Errorf("control byte 0x%02X is not a command this printer knows", c)
	default:
		if po.cut != "" {
			return 0, errors.New("text after the cut")
		}
		po.pending = append(po.pending, c)
		return 1, nil
	}
}

func need(b []byte, n int) error {
	if len(b) < n {
		return fmt.Errorf("command % X cut short: needs %d bytes", b, n)
	}
	return nil
}

func (po *printout) esc(b []byte) (int, error) {
	if err := need(b, 2); err != nil {
		return 0, err
	}
	if b[1] == '@' {
		po.log("ESC @")
		po.center, po.bold, po.lineDots = false, false, 30
		return 2, nil
	}
	if err := need(b, 3); err != nil {
		return 0, err
	}
	n := b[2]
	switch b[1] {
	case 'a':
		if n > 2 && (n < '0' || n > '2') {
			return 0, fmt.Errorf("ESC a %d: no such justification", n)
		}
		po.center = n == 1 || n == '1'
	case 'E':
		po.bold = n&1 == 1
	case '3':
		po.lineDots = int(n)
	case 'd':
		po.feed(int(n) * po.lineDots)
	case 'J':
		po.feed(int(n))
	default:
		return 0, fmt.Errorf("ESC 0x%02X: unknown command", b[1])
	}
	po.log("ESC %c %d", b[1], n)
	return 3, nil
}

func (po *printout) fs(b []byte) (int, error) {
	if err := need(b, 2); err != nil {
		return 0, err
	}
	switch b[1] {
	case '&':
		po.chinese = true
	case '.':
		po.chinese = false
	default:
		return 0, fmt.Errorf("FS 0x%02X: unknown command", b[1])
	}
	po.log("FS %c", b[1])
	return 2, nil
}

func (po *printout) gs(b []byte) (int, error) {
	if err := need(b, 2); err != nil {
		return 0, err
	}
	switch b[1] {
	case 'v':
		return po.raster(b)
	case '(':
		return po.qrCommand(b)
	case 'V':
		return po.cutCommand(b)
	}
	return 0, fmt.Errorf("GS 0x%02X: unknown command", b[1])
}

// raster interprets GS v 0 m xL xH yL yH d1…dk.
func (po *printout) raster(b []byte) (int, error) {
	if err := need(b, 8); err != nil {
		return 0, err
	}
	if b[2] != '0' || b[3] != 0 {
		return 0, fmt.Errorf("GS v %c %d: only GS v 0 in normal mode is expected", b[2], b[3])
	}
	if len(po.pending) > 0 {
		return 0, fmt.Errorf("raster image in the middle of the text line %q", po.pending)
	}
	xBytes, rows := int(b[4])|int(b[5])<<8, int(b[6])|int(b[7])<<8
	if xBytes == 0 || rows == 0 || xBytes*8 > po.profile.WidthDots {
		return 0, fmt.Errorf("GS v 0 of %d×%d bytes does not fit %d dots", xBytes, rows, po.profile.WidthDots)
	}
	if err := need(b, 8+xBytes*rows); err != nil {
		return 0, err
	}
	data := b[8 : 8+xBytes*rows]
	sum := sha256.Sum256(data)
	po.lines = append(po.lines, printedLine{raster: true, height: rows, y: len(po.rows),
		hash: hex.EncodeToString(sum[:6])})
	for y := 0; y < rows; y++ {
		row := make([]bool, po.profile.WidthDots)
		for x := 0; x < xBytes*8; x++ {
			row[x] = data[y*xBytes+x/8]&(0x80>>(x%8)) != 0
		}
		po.rows = append(po.rows, row)
	}
	po.log("GS v 0 %d×%d sha256:%s", xBytes, rows, hex.EncodeToString(sum[:6]))
	return 8 + xBytes*rows, nil
}

// cutCommand interprets GS V m (0, 1, 48, 49) and GS V m n (65, 66).
func (po *printout) cutCommand(b []byte) (int, error) {
	if err := need(b, 3); err != nil {
		return 0, err
	}
	m, n := b[2], 3
	switch m {
	case 0, '0', 65:
		po.cut = "full"
	case 1, '1', 66:
		po.cut = "partial"
	default:
		return 0, fmt.Errorf("GS V %d: unknown cut", m)
	}
	if m >= 65 {
		if err := need(b, 4); err != nil {
			return 0, err
		}
		n = 4
	}
	po.log("GS V % d", b[2:n])
	return n, nil
}

// qrCommand interprets GS ( k pL pH cn fn [parameters] for cn = 49 (QR).
func (po *printout) qrCommand(b []byte) (int, error) {
	if err := need(b, 7); err != nil {
		return 0, err
	}
	if b[2] != 'k' || b[5] != 49 {
		return 0, fmt.Errorf("GS ( %c with cn %d: only GS ( k for QR codes is expected", b[2], b[5])
	}
	plen := int(b[3]) | int(b[4])<<8
	if plen < 2 {
		return 0, fmt.Errorf("GS ( k with pL pH = %d: too short", plen)
	}
	if err := need(b, 5+plen); err != nil {
		return 0, err
	}
	args := b[7 : 5+plen]
	if err := po.qrFunction(b[6], args); err != nil {
		return 0, err
	}
	return 5 + plen, nil
}

func (po *printout) qrFunction(fn byte, args []byte) error {
	want := map[byte]int{65: 2, 67: 1, 69: 1, 81: 1}
	if n, ok := want[fn]; ok && len(args) != n {
		return fmt.Errorf("GS ( k fn %d with %d parameter bytes, want %d", fn, len(args), n)
	}
	switch fn {
	case 65: // fn 165: model
		po.qr.model = args[0]
		po.log("QR model %d", args[0]-48)
	case 67: // fn 167: module size
		po.qr.size = args[0]
		po.log("QR module %d dots", args[0])
	case 69: // fn 169: error correction
		if args[0] < 48 || args[0] > 51 {
			return fmt.Errorf("GS ( k fn 169 with level %d, want 48–51", args[0])
		}
		po.qr.level = args[0]
		po.log("QR level %c", "LMQH"[args[0]-48])
	case 80: // fn 180: store
		if len(args) < 2 || args[0] != '0' {
			return errors.New("GS ( k fn 180 without m = 48")
		}
		po.qr.data = append([]byte(nil), args[1:]...)
		po.log("QR store %d bytes %q", len(args)-1, args[1:])
	case 81: // fn 181: print
		return po.printQR()
	default:
		return fmt.Errorf("GS ( k fn %d: unknown QR function", fn)
	}
	return nil
}

// printQR simulates a printer printing the stored symbol: go-qrcode picks
// the version as firmware does; there is no quiet zone of its own.
func (po *printout) printQR() error {
	q := po.qr
	if q.model != '2' || q.size < 1 || q.size > 16 || q.level < 48 || q.level > 51 || len(q.data) == 0 {
		return fmt.Errorf("GS ( k fn 181 with model %d, size %d, level %d, %d data bytes", q.model, q.size, q.level, len(q.data))
	}
	levels := []qrcode.RecoveryLevel{qrcode.Low, qrcode.Medium, qrcode.High, qrcode.Highest}
	code, err := qrcode.New(string(q.data), levels[q.level-48])
	if err != nil {
		return err
	}
	code.DisableBorder = true
	po.qrPrints = append(po.qrPrints, q)
	po.log("QR print")
	return po.drawModules(code.Bitmap(), int(q.size))
}

func (po *printout) drawModules(mods [][]bool, size int) error {
	w := len(mods) * size
	if w > po.profile.WidthDots {
		return fmt.Errorf("QR symbol of %d dots is wider than the paper", w)
	}
	x0 := 0
	if po.center {
		x0 = (po.profile.WidthDots - w) / 2
	}
	for _, mrow := range mods {
		for i := 0; i < size; i++ {
			row := make([]bool, po.profile.WidthDots)
			for x, dark := range mrow {
				for d := 0; d < size; d++ {
					row[x0+x*size+d] = dark
				}
			}
			po.rows = append(po.rows, row)
		}
	}
	return nil
}

// endLine prints the pending text: it must decode cleanly and fit the line.
func (po *printout) endLine() error {
	raw := po.pending
	po.pending = nil
	text, err := po.dec.Bytes(raw)
	if err != nil || !utf8.Valid(text) || strings.ContainsRune(string(text), utf8.RuneError) {
		return fmt.Errorf("text % X does not decode as %s", raw, po.profile.Encoding)
	}
	if len(raw) > 0 && !po.chinese && hasHighBytes(raw) {
		return fmt.Errorf("Chinese text %q sent without FS & on a printer that needs it", text)
	}
	cols := 0
	for _, r := range string(text) {
		cols += 2
		if r < utf8.RuneSelf {
			cols--
		}
	}
	if cols > po.profile.Columns() {
		return fmt.Errorf("text %q takes %d columns, the paper has %d", text, cols, po.profile.Columns())
	}
	po.lines = append(po.lines, printedLine{text: string(text), cols: cols, y: len(po.rows), center: po.center, bold: po.bold})
	po.log("TEXT %s%s%q", onOff(po.center, "centre "), onOff(po.bold, "bold "), text)
	po.feed(po.lineDots)
	return nil
}

// textFace is the font the interpreter draws text lines with, standing in
// for the printer's own font so that previews show the whole slip.
var textFace = sync.OnceValues(func() (font.Face, error) {
	data, err := os.ReadFile(printjob.DefaultFontPaths()[0])
	if err != nil {
		return nil, err
	}
	f, err := opentype.Parse(data)
	if err != nil {
		return nil, err
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: 24, DPI: 72})
})

func (po *printout) drawText(l printedLine) {
	face, err := textFace()
	if err != nil {
		return // previews only; the checks do not depend on it
	}
	mask := image.NewAlpha(image.Rect(0, 0, po.profile.WidthDots, 24))
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: face}
	x := 0
	if l.center {
		x = (po.profile.WidthDots - l.cols*12) / 2
	}
	for _, r := range l.text {
		d.Dot = fixed.P(x, 21)
		d.DrawString(string(r))
		x += 24
		if r < utf8.RuneSelf {
			x -= 12
		}
	}
	for yy := 0; yy < 24; yy++ {
		for xx := 0; xx < po.profile.WidthDots; xx++ {
			po.rows[l.y+yy][xx] = mask.Pix[yy*mask.Stride+xx] >= 0x40
		}
	}
}

func hasHighBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

func onOff(on bool, s string) string {
	if on {
		return s
	}
	return ""
}

func (po *printout) feed(dots int) {
	for i := 0; i < dots; i++ {
		po.rows = append(po.rows, make([]bool, po.profile.WidthDots))
	}
}

func (po *printout) log(format string, args ...any) {
	po.dump = append(po.dump, fmt.Sprintf(format, args...))
}

// image renders the paper, with a white margin so that the edge of the
// paper never touches a code. Text lines are drawn from a stand-in font.
func (po *printout) image() image.Image {
	const margin = 16
	for _, l := range po.lines {
		if !l.raster {
			po.drawText(l)
		}
	}
	img := image.NewGray(image.Rect(0, 0, po.profile.WidthDots+2*margin, len(po.rows)+2*margin))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for y, row := range po.rows {
		for x, dark := range row {
			if dark {
				img.SetGray(x+margin, y+margin, color.Gray{})
			}
		}
	}
	return img
}

// texts returns the text lines.
func (po *printout) texts() []string {
	var out []string
	for _, l := range po.lines {
		if !l.raster {
			out = append(out, l.text)
		}
	}
	return out
}

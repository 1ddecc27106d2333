package printjob

import (
	"errors"
	"fmt"
	"image"
	"os"
	"strconv"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// DefaultFontPaths returns the fonts used for characters a printer's font
// lacks when none are configured, in the order they are tried: Hanazono
// Mincho A and B (Debian fonts-hanazono: the BMP, CJK Extensions A to F)
// and Unifont Upper (fonts-unifont: emoji and other supplementary-plane
// symbols).
func DefaultFontPaths() []string {
	return []string{
		"/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
		"/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
		"/usr/share/fonts/opentype/unifont/unifont_upper.otf",
	}
}

// Fonts is an ordered list of TrueType/OpenType faces from which characters
// are drawn when the printer cannot print them itself. The first face that
// has a glyph for a character draws it. Fonts is safe for concurrent use; a
// nil *Fonts has no glyphs, so every such character prints as a box.
type Fonts struct {
	faces []*sfnt.Font
	files []*os.File
}

// LoadFonts opens the font files at paths (TTF, OTF, or a TTC/OTC
// collection, whose face N is chosen with a "#N" suffix; face 0 by default).
// Glyphs are read from the files on demand, so the files stay open until
// Close. It fails, naming the file, when one cannot be opened or parsed,
// or when paths is empty.
func LoadFonts(paths ...string) (*Fonts, error) {
	if len(paths) == 0 {
		return nil, fieldErr("fonts", "no font files given")
	}
	fs := &Fonts{}
	for _, p := range paths {
		if err := fs.add(p); err != nil {
			return nil, errors.Join(err, fs.Close())
		}
	}
	return fs, nil
}

func (fs *Fonts) add(spec string) error {
	path, index := spec, 0
	if i := strings.LastIndex(spec, "#"); i >= 0 {
		n, err := strconv.Atoi(spec[i+1:])
		if err != nil || n < 0 {
			return fieldErr("fonts", "%q: the face after # must be a number", spec)
		}
		path, index = spec[:i], n
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("printjob: open font: %w", err)
	}
	fs.files = append(fs.files, f)
	c, err := sfnt.ParseCollectionReaderAt(f)
	if err != nil {
		return fmt.Errorf("printjob: font %s: %w", path, err)
	}
	face, err := c.Font(index)
	if err != nil {
		return fmt.Errorf("printjob: font %s face %d of %d: %w", path, index, c.NumFonts(), err)
	}
	fs.faces = append(fs.faces, face)
	return nil
}

// Close closes the font files. Drawing with fs afterwards draws boxes.
func (fs *Fonts) Close() error {
	if fs == nil {
		return nil
	}
	var errs []error
	for _, f := range fs.files {
		errs = append(errs, f.Close())
	}
	fs.files, fs.faces = nil, nil
	return errors.Join(errs...)
}

// Has reports whether one of the fonts has a glyph for r.
func (fs *Fonts) Has(r rune) bool {
	var buf sfnt.Buffer
	return fs.glyph(&buf, r) != nil
}

func (fs *Fonts) glyph(buf *sfnt.Buffer, r rune) *sfnt.Font {
	if fs == nil {
		return nil
	}
	for _, f := range fs.faces {
		if gi, err := f.GlyphIndex(buf, r); err == nil && gi != 0 {
			return f
		}
	}
	return nil
}

// painter draws characters into bitmaps. It is not safe for concurrent use;
// every build makes its own.
type painter struct {
	fonts *Fonts
	buf   sfnt.Buffer
	z     vector.Rasterizer
}

// baselineDots puts the ideographic em box (-0.12 em to 0.88 em in CJK
// fonts) onto the 24-dot cell.
const baselineDots = 21

// draw paints r into the cell of width cellW at (x0, y0) of bm, from the
// first font that has it, or a box when none has.
func (p *painter) draw(bm *bitmap, x0, y0 int, r rune, cellW int) {
	if r == ' ' || r == '\u3000' {
		return
	}
	if !p.drawGlyph(bm, x0, y0, r, cellW) {
		drawBox(bm, x0, y0, cellW)
	}
}

func (p *painter) drawGlyph(bm *bitmap, x0, y0 int, r rune, cellW int) bool {
	f := p.fonts.glyph(&p.buf, r)
	if f == nil {
		return false
	}
	ppem := fixed.I(glyphDots)
	gi, _ := f.GlyphIndex(&p.buf, r)
	segs, err := f.LoadGlyph(&p.buf, gi, ppem, nil)
	if err != nil {
		return false
	}
	adv, err := f.GlyphAdvance(&p.buf, gi, ppem, font.HintingNone)
	if err != nil {
		return false
	}
	dx := float32(fixed.I(cellW)-adv) / 64 / 2
	p.z.Reset(cellW, glyphDots)
	trace(&p.z, segs, dx, baselineDots)
	mask := image.NewAlpha(image.Rect(0, 0, cellW, glyphDots))
	p.z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	for y := 0; y < glyphDots; y++ {
		for x := 0; x < cellW; x++ {
			// Thermal dots are on or off. A quarter coverage is enough for
			// black: Mincho's horizontal strokes are thinner than a dot at
			// this size and would vanish at a half.
			if mask.Pix[y*mask.Stride+x] >= 0x40 {
				bm.set(x0+x, y0+y)
			}
		}
	}
	return true
}

// trace feeds a glyph outline, shifted by (dx, dy) dots, to z.
func trace(z *vector.Rasterizer, segs sfnt.Segments, dx, dy float32) {
	pt := func(a fixed.Point26_6) (float32, float32) {
		return float32(a.X)/64 + dx, float32(a.Y)/64 + dy
	}
	open := false
	for _, s := range segs {
		x0, y0 := pt(s.Args[0])
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			if open {
				z.ClosePath()
			}
			z.MoveTo(x0, y0)
			open = true
		case sfnt.SegmentOpLineTo:
			z.LineTo(x0, y0)
		case sfnt.SegmentOpQuadTo:
			x1, y1 := pt(s.Args[1])
			z.QuadTo(x0, y0, x1, y1)
		case sfnt.SegmentOpCubeTo:
			x1, y1 := pt(s.Args[1])
			x2, y2 := pt(s.Args[2])
			z.CubeTo(x0, y0, x1, y1, x2, y2)
		}
	}
	if open {
		z.ClosePath()
	}
}

// drawBox draws the replacement for a character no font has: an open
// square, plainly not a character, so nobody misreads it.
func drawBox(bm *bitmap, x0, y0, cellW int) {
	left, right := x0+2, x0+cellW-3
	top, bottom := y0+2, y0+glyphDots-3
	for x := left; x <= right; x++ {
		bm.set(x, top)
		bm.set(x, top+1)
		bm.set(x, bottom)
		bm.set(x, bottom-1)
	}
	for y := top; y <= bottom; y++ {
		bm.set(left, y)
		bm.set(left+1, y)
		bm.set(right, y)
		bm.set(right-1, y)
	}
}

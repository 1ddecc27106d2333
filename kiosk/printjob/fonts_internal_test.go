package printjob

import (
	"strings"
	"testing"
)

// glyphArt draws rs with the default fonts and returns the cells as rows
// of '#' and '.', for checks and for failure messages.
func glyphArt(t *testing.T, fonts *Fonts, rs string) (*bitmap, string) {
	t.Helper()
	p := &painter{fonts: fonts}
	runes := []rune(rs)
	bm := newBitmap(len(runes)*glyphDots, glyphDots)
	for i, r := range runes {
		p.draw(bm, i*glyphDots, 0, r, glyphDots)
	}
	var sb strings.Builder
	for y := 0; y < bm.h; y++ {
		for x := 0; x < bm.w; x++ {
			sb.WriteByte(".#"[b2i(bm.get(x, y))])
		}
		sb.WriteByte('\n')
	}
	return bm, sb.String()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// strokes counts the separate groups of rows in column range [x0, x1) that
// hold a horizontal run of at least minRun dots.
func strokes(bm *bitmap, x0, x1, minRun int) int {
	n, prev := 0, false
	for y := 0; y < bm.h; y++ {
		run, best := 0, 0
		for x := x0; x < x1; x++ {
			if bm.get(x, y) {
				run++
				best = max(best, run)
			} else {
				run = 0
			}
		}
		has := best >= minRun
		if has && !prev {
			n++
		}
		prev = has
	}
	return n
}

func TestPainterKeepsThinStrokes(t *testing.T) {
	fonts, err := LoadFonts(DefaultFontPaths()...)
	if err != nil {
		t.Fatalf("fonts (Debian fonts-hanazono, fonts-unifont): %v", err)
	}
	defer fonts.Close()
	bm, art := glyphArt(t, fonts, "一三")
	if got := strokes(bm, 0, glyphDots, 14); got != 1 {
		t.Errorf("一 has %d horizontal strokes, want 1:\n%s", got, art)
	}
	if got := strokes(bm, glyphDots, 2*glyphDots, 10); got != 3 {
		t.Errorf("三 has %d horizontal strokes, want 3:\n%s", got, art)
	}
}

func TestPainterBoxes(t *testing.T) {
	fonts, err := LoadFonts(DefaultFontPaths()...)
	if err != nil {
		t.Fatal(err)
	}
	_, missing := glyphArt(t, fonts, "𰀀") // CJK Extension G: in none of the fonts
	_, box := glyphArt(t, nil, "中")
	if missing != box {
		t.Errorf("a character missing from every font is not the box:\n%s\nwant\n%s", missing, box)
	}
	if !strings.Contains(box, "..####################..\n..##") {
		t.Errorf("the box has no top edge:\n%s", box)
	}
	for _, r := range []rune{'𠀀', '😀', '𪚥'} {
		if !fonts.Has(r) {
			t.Errorf("default fonts lack %c (U+%04X)", r, r)
		}
	}
	if err := fonts.Close(); err != nil {
		t.Fatal(err)
	}
	if _, after := glyphArt(t, fonts, "𠀀"); after != box {
		t.Error("closed fonts still draw glyphs")
	}
}

func TestLoadFontsErrors(t *testing.T) {
	if _, err := LoadFonts(); err == nil {
		t.Error("LoadFonts() with no paths succeeded")
	}
	if _, err := LoadFonts("/nonexistent/font.ttf"); err == nil || !strings.Contains(err.Error(), "/nonexistent/font.ttf") {
		t.Errorf("missing file: err = %v, want one naming the file", err)
	}
	if _, err := LoadFonts("fonts.go"); err == nil || !strings.Contains(err.Error(), "fonts.go") {
		t.Errorf("not a font: err = %v", err)
	}
	if _, err := LoadFonts(DefaultFontPaths()[0] + "#3"); err == nil {
		t.Error("face 3 of a single font loaded")
	}
	fonts, err := LoadFonts("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#2")
	if err != nil {
		t.Fatalf("face 2 of the Noto CJK collection (fonts-noto-cjk): %v", err)
	}
	defer fonts.Close()
	if !fonts.Has('中') {
		t.Error("Noto Sans CJK SC lacks 中")
	}
}

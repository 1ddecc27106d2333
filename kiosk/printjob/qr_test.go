package printjob_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/govhall/govhall/kiosk/printjob"
)

var testURLs = []string{
	"https://zwgk.example.gov.cn/d/k7Qm2xPa",
	"HTTPS://ZWGK.EXAMPLE.GOV.CN/D/K7QM2XPA",
	"http://127.0.0.1:8080/d/abc?from=kiosk&t=%E6%94%BF",
	"https://zwgk.example.gov.cn/d/" + strings.Repeat("x1Y2", 60),
}

func TestPNGDecodes(t *testing.T) {
	for _, url := range testURLs {
		for _, px := range []int{2, 4, printjob.DefaultPxPerModule} {
			t.Run(fmt.Sprintf("%dpx/%.30s", px, url), func(t *testing.T) {
				data, err := printjob.PNG(url, px)
				if err != nil {
					t.Fatal(err)
				}
				got := zbarimgPNG(t, data)
				if len(got) != 1 || got[0] != url {
					t.Errorf("zbarimg read %q, want exactly [%q]", got, url)
				}
			})
		}
	}
}

// TestPNGModuleGrid checks the geometry: whole modules of exactly px
// pixels, a 4-module quiet zone, and error correction level M in the
// format information.
func TestPNGModuleGrid(t *testing.T) {
	for _, px := range []int{1, 3, 8} {
		data, err := printjob.PNG(testURLs[0], px)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		mods, err := modulesOf(img, px)
		if err != nil {
			t.Fatalf("%d px per module: %v", px, err)
		}
		checkQuietZone(t, mods)
		if level, err := formatLevel(mods); err != nil || level != "M" {
			t.Errorf("%d px: error correction %q (%v), want M", px, level, err)
		}
	}
	// The reader itself must tell levels apart.
	for want, level := range map[string]qrcode.RecoveryLevel{"L": qrcode.Low, "Q": qrcode.High, "H": qrcode.Highest} {
		q, err := qrcode.New(testURLs[0], level)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := formatLevel(q.Bitmap()); err != nil || got != want {
			t.Errorf("formatLevel of a level %s code = %q (%v)", want, got, err)
		}
	}
}

// modulesOf reads the module grid of a QR image whose modules are exactly
// px pixels, failing when any module is not one solid colour.
func modulesOf(img image.Image, px int) ([][]bool, error) {
	b := img.Bounds()
	if b.Dx() != b.Dy() || b.Dx()%px != 0 {
		return nil, fmt.Errorf("image is %v, not a square of whole %d-pixel modules", b, px)
	}
	n := b.Dx() / px
	if (n-8-17)%4 != 0 {
		return nil, fmt.Errorf("%d modules is not a QR version plus a 4-module quiet zone", n)
	}
	mods := make([][]bool, n)
	for my := range mods {
		mods[my] = make([]bool, n)
		for mx := range mods[my] {
			dark := isDark(img.At(b.Min.X+mx*px, b.Min.Y+my*px))
			for y := 0; y < px; y++ {
				for x := 0; x < px; x++ {
					if isDark(img.At(b.Min.X+mx*px+x, b.Min.Y+my*px+y)) != dark {
						return nil, fmt.Errorf("module (%d,%d) is not solid", mx, my)
					}
				}
			}
			mods[my][mx] = dark
		}
	}
	return mods, nil
}

func isDark(c color.Color) bool {
	y := color.GrayModel.Convert(c).(color.Gray).Y
	return y < 128
}

func checkQuietZone(t *testing.T, mods [][]bool) {
	t.Helper()
	n := len(mods)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			inZone := x < 4 || y < 4 || x >= n-4 || y >= n-4
			if inZone && mods[y][x] {
				t.Fatalf("dark module (%d,%d) in the 4-module quiet zone", x, y)
			}
		}
	}
	if !mods[4][4] || !mods[4][n-5] || !mods[n-5][4] {
		t.Fatalf("finder patterns are not right inside the quiet zone")
	}
}

// formatLevel reads the error correction level from the first copy of the
// format information next to the top-left finder pattern (ISO/IEC 18004
// 7.9), checking its BCH code.
func formatLevel(mods [][]bool) (string, error) {
	at := func(x, y int) int { // x, y inside the symbol, quiet zone skipped
		if mods[y+4][x+4] {
			return 1
		}
		return 0
	}
	bits := 0
	read := func(x, y int) { bits = bits<<1 | at(x, y) }
	for x := 0; x < 6; x++ {
		read(x, 8)
	}
	read(7, 8)
	read(8, 8)
	read(8, 7)
	for y := 5; y >= 0; y-- {
		read(8, y)
	}
	bits ^= 0x5412
	data := bits >> 10
	check := data << 10
	for i := 14; i >= 10; i-- {
		if check&(1<<i) != 0 {
			check ^= 0x537 << (i - 10)
		}
	}
	if check != bits&0x3FF {
		return "", fmt.Errorf("format information %015b fails its BCH check", bits)
	}
	return [4]string{"M", "L", "H", "Q"}[data>>3], nil
}

var svgPathRE = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

func TestSVGDecodes(t *testing.T) {
	for _, url := range testURLs {
		svg, err := printjob.SVG(url)
		if err != nil {
			t.Fatal(err)
		}
		s := string(svg)
		for _, want := range []string{`shape-rendering="crispEdges"`, `fill="#fff"`, `xmlns="http://www.w3.org/2000/svg"`} {
			if !strings.Contains(s, want) {
				t.Errorf("SVG lacks %s", want)
			}
		}
		img, mods := rasteriseSVG(t, s, 4)
		checkQuietZone(t, mods)
		png8, _ := printjob.PNG(url, 1)
		pimg, _ := png.Decode(bytes.NewReader(png8))
		pmods, _ := modulesOf(pimg, 1)
		if fmt.Sprint(pmods) != fmt.Sprint(mods) {
			t.Errorf("SVG modules differ from the PNG's")
		}
		if got := zbarimg(t, img); len(got) != 1 || got[0] != url {
			t.Errorf("zbarimg read %q from the SVG, want %q", got, url)
		}
	}
}

// rasteriseSVG draws the module rectangles of an SVG from this package at
// px pixels per unit.
func rasteriseSVG(t *testing.T, svg string, px int) (image.Image, [][]bool) {
	t.Helper()
	m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(svg)
	if m == nil || m[1] != m[2] {
		t.Fatalf("SVG has no square viewBox: %.200s", svg)
	}
	n, _ := strconv.Atoi(m[1])
	mods := make([][]bool, n)
	for i := range mods {
		mods[i] = make([]bool, n)
	}
	for _, r := range svgPathRE.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		w, _ := strconv.Atoi(r[3])
		if r[3] != r[4] || x+w > n || y >= n {
			t.Fatalf("bad rectangle %s", r[0])
		}
		for i := x; i < x+w; i++ {
			mods[y][i] = true
		}
	}
	img := image.NewGray(image.Rect(0, 0, n*px, n*px))
	for y := range img.Bounds().Dy() {
		for x := range img.Bounds().Dx() {
			if !mods[y/px][x/px] {
				img.Pix[y*img.Stride+x] = 0xFF
			}
		}
	}
	return img, mods
}

func TestQRInputErrors(t *testing.T) {
	long := "https://x.cn/" + strings.Repeat("a", printjob.MaxURLBytes)
	cases := []struct {
		name  string
		err   error
		field string
	}{
		{"empty", pngErr("", 8), "url"},
		{"too long", pngErr(long, 8), "url"},
		{"px 0", pngErr(testURLs[0], 0), "px_per_module"},
		{"px too big", pngErr(testURLs[0], printjob.MaxPxPerModule+1), "px_per_module"},
		{"svg empty", svgErr(""), "url"},
	}
	for _, c := range cases {
		var fe *printjob.FieldError
		if !errors.As(c.err, &fe) || fe.Field != c.field || !errors.Is(c.err, printjob.ErrInvalid) {
			t.Errorf("%s: err = %v, want a FieldError for %s wrapping ErrInvalid", c.name, c.err, c.field)
		}
	}
}

func pngErr(url string, px int) error { _, err := printjob.PNG(url, px); return err }
func svgErr(url string) error         { _, err := printjob.SVG(url); return err }

func TestQRETag(t *testing.T) {
	u := testURLs[0]
	base := printjob.QRETag("png", u, 8)
	if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(base) {
		t.Fatalf("ETag %s is not a quoted strong tag", base)
	}
	if printjob.QRETag("png", u, 8) != base {
		t.Error("ETag is not stable")
	}
	for name, other := range map[string]string{
		"url":    printjob.QRETag("png", u+"x", 8),
		"scale":  printjob.QRETag("png", u, 9),
		"format": printjob.QRETag("svg", u, 8),
	} {
		if other == base {
			t.Errorf("ETag does not change with the %s", name)
		}
	}
	if printjob.QRETag("svg", u, 8) != printjob.QRETag("svg", u, 3) {
		t.Error("SVG ETag depends on the PNG scale")
	}
}

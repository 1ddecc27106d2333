package printjob

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"
)

// QR image parameters for the HTTP layer.
const (
	// DefaultPxPerModule is the PNG scale to use when a client asks for none:
	// a short URL (version 3, 37 modules with the quiet zone) gives 296 px.
	DefaultPxPerModule = 8
	// MaxPxPerModule bounds the PNG scale a client may ask for.
	MaxPxPerModule = 40
	// MaxURLBytes bounds the URL put into a QR code.
	MaxURLBytes = 1024
	// PNGContentType and SVGContentType are the media types of PNG and SVG.
	PNGContentType = "image/png"
	SVGContentType = "image/svg+xml"
)

// quietZone is the white border, in modules, that go-qrcode's Bitmap adds
// and that ISO/IEC 18004 requires.
const quietZone = 4

// renderVersion changes whenever the images for the same input change, so
// that ETags of old renderings stop matching.
const renderVersion = "printjob-qr-1"

// qrModules encodes url at error correction level M (or the given higher
// level) and returns its modules, quiet zone included, true = dark.
func qrModules(url string, level qrcode.RecoveryLevel) ([][]bool, error) {
	if url == "" {
		return nil, fieldErr("url", "empty: a QR code needs the document's public URL")
	}
	if len(url) > MaxURLBytes {
		return nil, fieldErr("url", "%d bytes, more than the %d a QR code here may hold", len(url), MaxURLBytes)
	}
	q, err := qrcode.New(url, level)
	if err != nil {
		return nil, fmt.Errorf("printjob: encode QR code: %w", err)
	}
	return q.Bitmap(), nil
}

// PNG returns a PNG image of a QR code holding exactly url, at error
// correction level M, with a 4-module quiet zone and exactly pxPerModule
// pixels per module (1 to MaxPxPerModule). It fails with a FieldError for an
// empty or overlong url or a scale out of range.
func PNG(url string, pxPerModule int) ([]byte, error) {
	if pxPerModule < 1 || pxPerModule > MaxPxPerModule {
		return nil, fieldErr("px_per_module", "%d is not between 1 and %d", pxPerModule, MaxPxPerModule)
	}
	mods, err := qrModules(url, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	n := len(mods) * pxPerModule
	img := image.NewPaletted(image.Rect(0, 0, n, n), color.Palette{color.White, color.Black})
	for y, row := range mods {
		for x, dark := range row {
			if dark {
				fillPaletted(img, x*pxPerModule, y*pxPerModule, pxPerModule)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("printjob: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}

func fillPaletted(img *image.Paletted, x0, y0, size int) {
	for y := y0; y < y0+size; y++ {
		row := img.Pix[y*img.Stride+x0 : y*img.Stride+x0+size]
		for i := range row {
			row[i] = 1
		}
	}
}

// SVG returns an SVG image of a QR code holding exactly url, at error
// correction level M with a 4-module quiet zone, drawn from the module grid
// (one unit per module, crisp edges) on an opaque white background. It fails
// with a FieldError for an empty or overlong url.
func SVG(url string) ([]byte, error) {
	mods, err := qrModules(url, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	n := strconv.Itoa(len(mods))
	size := strconv.Itoa(len(mods) * DefaultPxPerModule)
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + n + ` ` + n +
		`" width="` + size + `" height="` + size + `" shape-rendering="crispEdges">`)
	b.WriteString(`<title>`)
	if err := xml.EscapeText(&b, []byte(url)); err != nil {
		return nil, fmt.Errorf("printjob: escape SVG title: %w", err)
	}
	b.WriteString(`</title><rect width="` + n + `" height="` + n + `" fill="#fff"/><path fill="#000" d="`)
	writeSVGPath(&b, mods)
	b.WriteString(`"/></svg>` + "\n")
	return b.Bytes(), nil
}

// writeSVGPath draws each horizontal run of dark modules as one rectangle.
func writeSVGPath(b *bytes.Buffer, mods [][]bool) {
	for y, row := range mods {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(b, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
}

// QRETag returns a strong HTTP entity tag (quoted) for the QR image of url in
// the given format ("png" or "svg") and scale (ignored for SVG). It hashes
// the inputs and the renderer version, so the server can answer
// If-None-Match without rendering.
func QRETag(format, url string, pxPerModule int) string {
	if format != "png" {
		pxPerModule = 0
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%s", renderVersion, format, pxPerModule, url)
	return `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}

package printjob_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/govhall/govhall/kiosk/printjob"
)

func TestBuiltinProfiles(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range printjob.Profiles() {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
		if seen[p.Name] || p.Description == "" {
			t.Errorf("%s: duplicate or undescribed", p.Name)
		}
		seen[p.Name] = true
		want := map[int]int{printjob.Width58mm: 32, printjob.Width80mm: 48}[p.WidthDots]
		if p.Columns() != want {
			t.Errorf("%s: %d columns, want %d", p.Name, p.Columns(), want)
		}
	}
	// The terminals table defaults to generic-58.
	for _, name := range []string{"generic-58", "generic-80", "kp628e-58", "epson-tm-t88-80"} {
		if !seen[name] {
			t.Errorf("no built-in profile %s", name)
		}
	}
}

func TestLookupProfileUnknown(t *testing.T) {
	_, err := printjob.LookupProfile("star-tsp100")
	if !errors.Is(err, printjob.ErrUnknownProfile) || !strings.Contains(err.Error(), "generic-58") {
		t.Errorf("err = %v, want ErrUnknownProfile listing the known names", err)
	}
}

func TestParseProfile(t *testing.T) {
	p, err := printjob.ParseProfile(" generic-80, native_qr=true , cut=full,encoding=gb18030,qr_module_dots=6,raster_band_rows=240")
	if err != nil {
		t.Fatal(err)
	}
	if !p.NativeQR || p.Cut != "full" || p.Encoding != "gb18030" || p.QRModuleDots != 6 || p.RasterBandRows != 240 || p.WidthDots != printjob.Width80mm {
		t.Errorf("overrides not applied: %+v", p)
	}
	if !strings.HasPrefix(p.Name, "generic-80,") {
		t.Errorf("name %q does not record the overrides", p.Name)
	}
	cases := []struct{ spec, field string }{
		{"generic-58,width_dots=500", "width_dots"},
		{"generic-58,width_dots=wide", "width_dots"},
		{"generic-58,native_qr=maybe", "native_qr"},
		{"generic-58,qr_level=L", "qr_level"},
		{"generic-58,qr_module_dots=17", "qr_module_dots"},
		{"generic-58,encoding=big5", "encoding"},
		{"generic-58,cut=sideways", "cut"},
		{"generic-58,feed_lines=-1", "feed_lines"},
		{"generic-58,line_dots=12", "line_dots"},
		{"generic-58,raster_band_rows=8", "raster_band_rows"},
		{"generic-58,colour=red", "colour"},
		{"generic-58,native_qr", "profile"},
	}
	for _, c := range cases {
		_, err := printjob.ParseProfile(c.spec)
		var fe *printjob.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("ParseProfile(%q) = %v, want a FieldError for %s", c.spec, err, c.field)
		}
	}
	if _, err := printjob.ParseProfile(""); !errors.Is(err, printjob.ErrUnknownProfile) {
		t.Errorf("empty spec: %v", err)
	}
}

// TestRasterBands checks that banded raster output prints the same paper.
func TestRasterBands(t *testing.T) {
	whole, _ := build(t, sampleSlip(), mustProfile(t, "generic-58"))
	banded, _ := build(t, sampleSlip(), mustProfile(t, "generic-58,raster_band_rows=24"))
	if len(banded.lines) <= len(whole.lines) {
		t.Fatalf("banding made %d images, no more than %d", len(banded.lines), len(whole.lines))
	}
	for _, l := range banded.lines {
		if l.raster && l.height > 24 {
			t.Errorf("band of %d rows", l.height)
		}
	}
	if a, b := whole.image(), banded.image(); a.Bounds() != b.Bounds() {
		t.Fatalf("paper lengths differ: %v vs %v", a.Bounds(), b.Bounds())
	}
	for y := range whole.rows {
		for x := range whole.rows[y] {
			if whole.rows[y][x] != banded.rows[y][x] {
				t.Fatalf("dot (%d,%d) differs", x, y)
			}
		}
	}
}

package printjob

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Paper widths in printer dots at 203 dpi (8 dots/mm).
const (
	Width58mm = 384 // 48 mm printable on 57.5 mm paper
	Width80mm = 576 // 72 mm printable on 80 mm paper
)

// Text cell sizes of ESC/POS Font A with the Chinese font: 12×24 dots for
// single-byte characters, 24×24 for double-byte ones.
const (
	cellDots  = 12 // width of one text column
	glyphDots = 24 // height of a character
)

// Profile describes what a printer model understands. The zero value is not
// usable; start from a built-in profile (Profiles, LookupProfile,
// ParseProfile).
type Profile struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// WidthDots is the printable width: Width58mm or Width80mm.
	WidthDots int `json:"width_dots"`
	// NativeQR prints the QR code with the printer's own GS ( k command;
	// otherwise it is sent as a raster image (GS v 0).
	NativeQR bool `json:"native_qr"`
	// QRModuleDots is the size of a QR module in dots (1–16); it is made
	// smaller when the code would not fit the paper.
	QRModuleDots int `json:"qr_module_dots"`
	// QRLevel is the error correction level: "M", "Q" or "H".
	QRLevel string `json:"qr_level"`
	// Encoding is the printer's Chinese encoding: "gb18030" or "gbk".
	Encoding string `json:"encoding"`
	// ChineseMode sends FS & after initialising, for printers that start in
	// single-byte mode.
	ChineseMode bool `json:"chinese_mode"`
	// Cut is "full", "partial" or "none" (no cutter: feed for tearing off).
	Cut string `json:"cut"`
	// FeedLines is how many lines to feed after the slip, before the cut
	// (0–10).
	FeedLines int `json:"feed_lines"`
	// LineDots is the line pitch in dots (24–64), set with ESC 3.
	LineDots int `json:"line_dots"`
	// RasterBandRows splits raster images into GS v 0 commands of at most
	// that many rows, for printers with small buffers; 0 sends each image
	// whole.
	RasterBandRows int `json:"raster_band_rows"`
}

// Columns is the number of single-byte text columns on a line: 32 on 58 mm
// paper, 48 on 80 mm. A Chinese character takes two.
func (p Profile) Columns() int { return p.WidthDots / cellDots }

// Profiles returns the built-in printer profiles.
func Profiles() []Profile {
	base := Profile{QRLevel: "M", Encoding: "gbk", ChineseMode: true, FeedLines: 4, LineDots: 30}
	generic58, generic80, kp628, tm88 := base, base, base, base

	generic58.Name, generic58.WidthDots, generic58.QRModuleDots, generic58.Cut = "generic-58", Width58mm, 8, "none"
	generic58.Description = "58 mm ESC/POS printer of unknown make, GBK font, no cutter: QR as raster"

	generic80.Name, generic80.WidthDots, generic80.QRModuleDots, generic80.Cut = "generic-80", Width80mm, 10, "partial"
	generic80.Description = "80 mm ESC/POS printer of unknown make, GBK font, partial cut: QR as raster"

	kp628.Name, kp628.WidthDots, kp628.QRModuleDots, kp628.Cut = "kp628e-58", Width58mm, 8, "full"
	kp628.NativeQR = true
	kp628.Description = "KP-628E kiosk printer, 58 mm, GBK 24×24 font, auto cutter, native GS ( k QR"

	tm88.Name, tm88.WidthDots, tm88.QRModuleDots, tm88.Cut = "epson-tm-t88-80", Width80mm, 8, "partial"
	tm88.NativeQR, tm88.Encoding = true, "gb18030"
	tm88.Description = "Epson TM-T88V/VI simplified-Chinese model, 80 mm, GB18030, native GS ( k QR"
	return []Profile{generic58, generic80, kp628, tm88}
}

// LookupProfile returns the built-in profile called name, or an error
// wrapping ErrUnknownProfile that lists the known names.
func LookupProfile(name string) (Profile, error) {
	names := make([]string, 0, 4)
	for _, p := range Profiles() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Profile{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownProfile, name, strings.Join(names, ", "))
}

// Validate reports the first setting of p that no printer can use, as a
// FieldError naming the setting.
func (p Profile) Validate() error {
	switch {
	case p.Name == "":
		return fieldErr("name", "a printer profile needs a name")
	case p.WidthDots != Width58mm && p.WidthDots != Width80mm:
		return fieldErr("width_dots", "%d: must be %d (58 mm paper) or %d (80 mm paper)", p.WidthDots, Width58mm, Width80mm)
	case p.QRModuleDots < 1 || p.QRModuleDots > 16:
		return fieldErr("qr_module_dots", "%d: must be between 1 and 16", p.QRModuleDots)
	case !slices.Contains([]string{"M", "Q", "H"}, p.QRLevel):
		return fieldErr("qr_level", "%q: must be M, Q or H (L is too weak for paper)", p.QRLevel)
	case p.Encoding != "gb18030" && p.Encoding != "gbk":
		return fieldErr("encoding", "%q: must be gb18030 or gbk", p.Encoding)
	case !slices.Contains([]string{"full", "partial", "none"}, p.Cut):
		return fieldErr("cut", "%q: must be full, partial or none", p.Cut)
	case p.FeedLines < 0 || p.FeedLines > 10:
		return fieldErr("feed_lines", "%d: must be between 0 and 10", p.FeedLines)
	case p.LineDots < glyphDots || p.LineDots > 64:
		return fieldErr("line_dots", "%d: must be between %d and 64", p.LineDots, glyphDots)
	case p.RasterBandRows != 0 && (p.RasterBandRows < glyphDots || p.RasterBandRows > 2047):
		return fieldErr("raster_band_rows", "%d: must be 0 (no bands) or between %d and 2047", p.RasterBandRows, glyphDots)
	}
	return nil
}

// ParseProfile reads a profile specification as stored for a terminal: the
// name of a built-in profile, optionally followed by comma-separated
// overrides using the JSON names of Profile's fields, such as
// "generic-80,native_qr=true,cut=full,encoding=gb18030". The result is
// validated; errors name the setting at fault.
func ParseProfile(spec string) (Profile, error) {
	parts := strings.Split(strings.TrimSpace(spec), ",")
	p, err := LookupProfile(strings.TrimSpace(parts[0]))
	if err != nil {
		return Profile{}, err
	}
	for _, kv := range parts[1:] {
		key, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return Profile{}, fieldErr("profile", "%q is not of the form setting=value", kv)
		}
		if err := p.set(strings.TrimSpace(key), strings.TrimSpace(val)); err != nil {
			return Profile{}, err
		}
	}
	if len(parts) > 1 {
		p.Name = strings.TrimSpace(spec)
		p.Description = "custom: " + p.Name
	}
	return p, p.Validate()
}

// set applies one override of ParseProfile.
func (p *Profile) set(key, val string) error {
	ints := map[string]*int{"width_dots": &p.WidthDots, "qr_module_dots": &p.QRModuleDots,
		"feed_lines": &p.FeedLines, "line_dots": &p.LineDots, "raster_band_rows": &p.RasterBandRows}
	bools := map[string]*bool{"native_qr": &p.NativeQR, "chinese_mode": &p.ChineseMode}
	strs := map[string]*string{"qr_level": &p.QRLevel, "encoding": &p.Encoding, "cut": &p.Cut}
	if dst, ok := ints[key]; ok {
		n, err := strconv.Atoi(val)
		if err != nil {
			return fieldErr(key, "%q is not a whole number", val)
		}
		*dst = n
		return nil
	}
	if dst, ok := bools[key]; ok {
		b, err := strconv.ParseBool(val)
		if err != nil {
			return fieldErr(key, "%q is not true or false", val)
		}
		*dst = b
		return nil
	}
	if dst, ok := strs[key]; ok {
		*dst = val
		return nil
	}
	return fieldErr(key, "no such printer setting")
}

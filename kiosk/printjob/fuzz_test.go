package printjob_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/govhall/govhall/kiosk/printjob"
)

// FuzzBuild builds slips with arbitrary titles, 文号 and agencies on every
// built-in profile: Build must never panic, and what it returns must be a
// job the interpreter accepts, holding the exact URL in its QR code.
func FuzzBuild(f *testing.F) {
	for _, s := range []string{
		"国务院办公厅关于印发《政府信息公开条例》实施细则的通知",
		strings.Repeat("很长的标题", 3000),
		"😀👨‍👩‍👧‍👦🇨🇳 emoji",
		"𠀀𪚥𰀀𡈽 rare \U0010FFFD",
		"ctl\x00\x1b@\x1dV\x00\x10\x04\x01\n\r\t\x7f",
		"\xff\xfe invalid UTF-8 \xc3",
		"〔〕《》，。、“”……——",
		"e\u0301\u200b\u202e\ufe0f\u3000",
		strings.Repeat("W", 5000),
	} {
		f.Add(s, "国办发〔2024〕3号", "国务院办公厅", uint8(0))
	}
	b := builder(f)
	profiles := printjob.Profiles()
	f.Fuzz(func(t *testing.T, title, docNumber, agency string, which uint8) {
		p := profiles[int(which)%len(profiles)]
		s := sampleSlip()
		s.Title, s.DocNumber, s.Agency, s.ReplacedByTitle = title, docNumber, agency, title
		s.Validity = printjob.ValidityRepealed
		job, err := b.Build(s, p)
		if err != nil {
			if !errors.Is(err, printjob.ErrInvalid) {
				t.Fatalf("Build failed with %v, not a FieldError", err)
			}
			return
		}
		po, err := interpret(job, p)
		if err != nil {
			t.Fatalf("job does not parse: %v", err)
		}
		if p.NativeQR && (len(po.qrPrints) != 1 || string(po.qrPrints[0].data) != s.URL) {
			t.Fatalf("native QR printed %d times, want once with the URL", len(po.qrPrints))
		}
	})
}

// FuzzParseProfile: profile specifications from the terminal registry
// never panic, and whatever parses is valid.
func FuzzParseProfile(f *testing.F) {
	for _, s := range []string{"generic-58", "generic-80,native_qr=true,cut=full", "kp628e-58,width_dots=576,qr_module_dots=99", ",,=", "epson-tm-t88-80,line_dots=0x20"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		p, err := printjob.ParseProfile(spec)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParseProfile(%q) returned an invalid profile: %v", spec, err)
		}
	})
}

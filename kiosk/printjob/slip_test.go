package printjob_test

import (
	"bytes"
	"errors"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govhall/govhall/kiosk/printjob"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// testFonts loads the default fonts once; a missing font package fails.
var testFonts = sync.OnceValues(func() (*printjob.Fonts, error) {
	return printjob.LoadFonts(printjob.DefaultFontPaths()...)
})

func builder(t testing.TB) *printjob.Builder {
	t.Helper()
	fonts, err := testFonts()
	if err != nil {
		t.Fatalf("fonts for rare characters (Debian fonts-hanazono and fonts-unifont; `make test` installs them): %v", err)
	}
	return printjob.NewBuilder(fonts)
}

func sampleSlip() printjob.Slip {
	return printjob.Slip{
		Title:       "国务院办公厅关于进一步优化政务服务提升行政效能推动“高效办成一件事”的指导意见",
		DocNumber:   "国办发〔2024〕3号",
		IndexNo:     "000014349/2024-00012",
		Agency:      "国务院办公厅",
		PublishedAt: time.Date(2024, 1, 16, 0, 0, 0, 0, time.UTC),
		Validity:    printjob.ValidityInForce,
		URL:         "https://zwgk.example.gov.cn/d/k7Qm2xPa",
		// 16:30 UTC is half past midnight the next day in Beijing.
		PrintedAt: time.Date(2025, 1, 1, 16, 30, 0, 0, time.UTC),
		Place:     "示例县政务服务中心一楼政务公开专区",
	}
}

func mustProfile(t testing.TB, name string) printjob.Profile {
	t.Helper()
	p, err := printjob.ParseProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func build(t testing.TB, s printjob.Slip, p printjob.Profile) (*printout, []byte) {
	t.Helper()
	job, err := builder(t).Build(s, p)
	if err != nil {
		t.Fatalf("Build for %s: %v", p.Name, err)
	}
	po, err := interpret(job, p)
	if err != nil {
		t.Fatalf("interpret %s job: %v\n%s", p.Name, err, strings.Join(po.dump, "\n"))
	}
	return po, job
}

// TestSlipQRDecodes prints the slip on every built-in profile, renders the
// paper and reads the QR code back with zbarimg.
func TestSlipQRDecodes(t *testing.T) {
	for _, p := range printjob.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			s := sampleSlip()
			po, _ := build(t, s, p)
			got := zbarimg(t, po.image())
			if len(got) != 1 || got[0] != s.URL {
				t.Errorf("zbarimg read %q from the printed slip, want [%q]", got, s.URL)
			}
			if p.Name == "generic-58" {
				writePreview(t, po, p.Name)
			}
		})
	}
}

// writePreview keeps a picture of the paper for people to look at.
func writePreview(t *testing.T, po *printout, name string) {
	if !*update {
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, po.image()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", name+".preview.png"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNativeQRCommands checks the GS ( k sequence of native profiles byte
// for byte: model 2, the profile's module size, level M, the URL stored
// exactly, printed once.
func TestNativeQRCommands(t *testing.T) {
	for _, name := range []string{"kp628e-58", "epson-tm-t88-80", "generic-80,native_qr=true,qr_level=H,qr_module_dots=5"} {
		p := mustProfile(t, name)
		s := sampleSlip()
		po, job := build(t, s, p)
		if len(po.qrPrints) != 1 {
			t.Fatalf("%s: %d QR prints, want 1", name, len(po.qrPrints))
		}
		q := po.qrPrints[0]
		wantLevel := map[string]byte{"M": 49, "Q": 50, "H": 51}[p.QRLevel]
		if q.model != '2' || int(q.size) != p.QRModuleDots || q.level != wantLevel || string(q.data) != s.URL {
			t.Errorf("%s: QR model %d size %d level %d data %q; want 50, %d, %d, %q",
				name, q.model, q.size, q.level, q.data, p.QRModuleDots, wantLevel, s.URL)
		}
		store := append([]byte{0x1D, '(', 'k', byte(len(s.URL) + 3), 0, 49, 80, 48}, s.URL...)
		if !bytes.Contains(job, store) {
			t.Errorf("%s: job lacks the exact store command % X", name, store)
		}
		for _, l := range po.lines {
			if l.raster && l.height > p.LineDots {
				t.Errorf("%s: a raster image of %d rows in a native-QR job", name, l.height)
			}
		}
	}
}

func TestSlipText(t *testing.T) {
	p := mustProfile(t, "generic-58")
	po, _ := build(t, sampleSlip(), p)
	text := strings.Join(po.texts(), "\n")
	for _, want := range []string{
		"政府信息公开 · 文件查阅凭条",
		"国务院办公厅关于进一步优化政务服", // first 16 characters of the title
		"文号：国办发〔2024〕3号",
		"索引号：000014349/2024-00012",
		"发布机构：国务院办公厅",
		"发布日期：2024年1月16日",
		"有效性：有效（截至2025年1月2日）",
		"https://zwgk.example.gov.cn/d/\nk7Qm2xPa",
		"打印时间：2025-01-02 00:30",
		"打印地点：示例县政务服务中心一楼\n          政务公开专区",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("slip lacks %q; it reads:\n%s", want, text)
		}
	}
	if po.cut != "" {
		t.Errorf("generic-58 has no cutter but the job cuts (%s)", po.cut)
	}
	if strings.Contains(text, "替代文件") {
		t.Error("a document in force shows a replacement")
	}
}

func TestSlipRepealed(t *testing.T) {
	s := sampleSlip()
	s.Validity = printjob.ValidityRepealed
	s.ReplacedByTitle = "国务院办公厅关于优化政务服务的新意见"
	s.ReplacedByDocNumber = "国办发〔2025〕7号"
	s.ReplacedByURL = "https://zwgk.example.gov.cn/d/Z9pL3wQe"
	po, _ := build(t, s, mustProfile(t, "generic-80"))
	text := strings.Join(po.texts(), "\n")
	for _, want := range []string{"有效性：废止（截至2025年1月2日）", "替代文件：《国务院办公厅关于优化政务服务的新意\n",
		"\n          见》国办发〔2025〕7号\n", s.ReplacedByURL} {
		if !strings.Contains(text, want) {
			t.Errorf("repealed slip lacks %q; it reads:\n%s", want, text)
		}
	}
	for _, l := range po.lines {
		if strings.HasPrefix(l.text, "有效性") && !l.bold {
			t.Error("the validity of a repealed document is not bold")
		}
	}
	if po.cut != "partial" {
		t.Errorf("cut = %q, want partial", po.cut)
	}
	s.Validity = printjob.ValidityAmended
	po, _ = build(t, s, mustProfile(t, "generic-80"))
	if text := strings.Join(po.texts(), "\n"); !strings.Contains(text, "修订后文件：") {
		t.Errorf("amended slip does not name the revised document:\n%s", text)
	}
}

// TestSlipRareCharacters checks that characters outside the printer's font
// become raster lines drawn from the fonts, and a character no font has a
// box, while the text lines stay clean.
func TestSlipRareCharacters(t *testing.T) {
	p := mustProfile(t, "generic-58")
	titleRaster := func(b *printjob.Builder, title string) string {
		s := sampleSlip()
		s.Title = title
		job, err := b.Build(s, p)
		if err != nil {
			t.Fatal(err)
		}
		po, err := interpret(job, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range po.lines {
			if !l.raster && strings.ContainsAny(l.text, "𠀀😀𰀀㐀") {
				t.Errorf("rare character printed as text: %q", l.text)
			}
		}
		for _, l := range po.lines {
			if l.raster && l.height == p.LineDots {
				return l.hash
			}
		}
		t.Fatalf("title %q printed no raster line", title)
		return ""
	}
	withFonts, noFonts := builder(t), printjob.NewBuilder(nil)
	for _, title := range []string{"𠀀", "😀", "㐀"} {
		if titleRaster(withFonts, title) == titleRaster(noFonts, title) {
			t.Errorf("%s was drawn as a box although the fonts have it", title)
		}
	}
	if titleRaster(withFonts, "𰀀") != titleRaster(noFonts, "𰀀") {
		t.Error("𰀀 (in no font) was not drawn as the replacement box")
	}
	if titleRaster(noFonts, "𠀀") != titleRaster(noFonts, "𰀀") {
		t.Error("boxes differ between missing characters")
	}
	// A whole slip with such a title still scans.
	s := sampleSlip()
	s.Title, s.Agency = "关于𠀀𡈽村😀人居环境整治的通知𰀀", "𪚥县人民政府"
	po, _ := build(t, s, p)
	if got := zbarimg(t, po.image()); len(got) != 1 || got[0] != s.URL {
		t.Errorf("zbarimg read %q from a slip with rare characters", got)
	}
	writePreview(t, po, "rare-58")

	// GB18030 printers have CJK Extension A in their font.
	s = sampleSlip()
	s.Title = "关于㐀字的说明"
	po, _ = build(t, s, mustProfile(t, "epson-tm-t88-80"))
	if !strings.Contains(strings.Join(po.texts(), "\n"), "关于㐀字的说明") {
		t.Error("a GB18030 printer did not get Extension A as text")
	}
}

func TestSlipLongAndDirtyTitle(t *testing.T) {
	s := sampleSlip()
	s.Title = "关于\x1b@\x00开展\t\n" + strings.Repeat("政务公开", 2000) + "\u202e工作"
	p := mustProfile(t, "generic-58")
	po, _ := build(t, s, p)
	var title []string
	for _, l := range po.lines {
		if l.bold && !l.raster && !strings.Contains(l.text, "凭条") {
			title = append(title, l.text)
		}
	}
	if len(title) != 6 || !strings.HasSuffix(title[5], "…") || !strings.HasPrefix(title[0], "关于@开展 政务公开") {
		t.Errorf("long title printed as %d lines %q, want 6 ending in …", len(title), title)
	}
}

func TestSlipInvalid(t *testing.T) {
	good := sampleSlip()
	p := mustProfile(t, "generic-58")
	cases := []struct {
		field string
		edit  func(*printjob.Slip, *printjob.Profile)
	}{
		{"title", func(s *printjob.Slip, _ *printjob.Profile) { s.Title = " \x00\t" }},
		{"validity", func(s *printjob.Slip, _ *printjob.Profile) { s.Validity = "现行" }},
		{"url", func(s *printjob.Slip, _ *printjob.Profile) { s.URL = "" }},
		{"url", func(s *printjob.Slip, _ *printjob.Profile) { s.URL = "/d/abc" }},
		{"url", func(s *printjob.Slip, _ *printjob.Profile) { s.URL = "https://例子.cn/d/a" }},
		{"url", func(s *printjob.Slip, _ *printjob.Profile) { s.URL = "javascript:alert(1)" }},
		{"replaced_by_url", func(s *printjob.Slip, _ *printjob.Profile) { s.ReplacedByURL = "ftp://x/y" }},
		{"printed_at", func(s *printjob.Slip, _ *printjob.Profile) { s.PrintedAt = time.Time{} }},
		{"width_dots", func(_ *printjob.Slip, p *printjob.Profile) { p.WidthDots = 400 }},
		{"encoding", func(_ *printjob.Slip, p *printjob.Profile) { p.Encoding = "utf-8" }},
	}
	for _, c := range cases {
		s, pp := good, p
		c.edit(&s, &pp)
		_, err := builder(t).Build(s, pp)
		var fe *printjob.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, printjob.ErrInvalid) {
			t.Errorf("want a FieldError for %s, got %v", c.field, err)
		}
	}
}

func TestSlipQRTooLarge(t *testing.T) {
	s := sampleSlip()
	s.URL = "https://zwgk.example.gov.cn/d/" + strings.Repeat("aZ", 430)
	_, err := builder(t).Build(s, mustProfile(t, "generic-58,qr_level=H"))
	if !errors.Is(err, printjob.ErrQRTooLarge) {
		t.Errorf("a 1 KB URL at level H on 58 mm paper: err = %v, want ErrQRTooLarge", err)
	}
}

// TestSlipGolden compares the byte streams with testdata/*.bin and their
// command listings with testdata/*.txt; -update rewrites them.
func TestSlipGolden(t *testing.T) {
	for _, p := range printjob.Profiles() {
		s := sampleSlip()
		if p.WidthDots == printjob.Width80mm {
			s.Validity = printjob.ValidityRepealed
			s.ReplacedByTitle, s.ReplacedByDocNumber = "国务院办公厅关于优化政务服务的新意见", "国办发〔2025〕7号"
			s.ReplacedByURL = "https://zwgk.example.gov.cn/d/Z9pL3wQe"
		}
		po, job := build(t, s, p)
		listing := []byte(strings.Join(po.dump, "\n") + "\n")
		golden(t, p.Name+".bin", job)
		golden(t, p.Name+".txt", listing)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (%d bytes, want %d); rerun with -update if the change is meant", name, len(got), len(want))
	}
}

// TestBuildConcurrent: one Builder (and its fonts) serves many kiosks at
// once; run with -race.
func TestBuildConcurrent(t *testing.T) {
	b := builder(t)
	p := mustProfile(t, "generic-80")
	s := sampleSlip()
	s.Title = "关于𠀀𡈽村😀人居环境整治的通知"
	want, err := b.Build(s, p)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			got, err := b.Build(s, p)
			if err == nil && !bytes.Equal(got, want) {
				err = errors.New("concurrent builds differ")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

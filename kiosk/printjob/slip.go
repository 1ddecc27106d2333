package printjob

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	qrcode "github.com/skip2/go-qrcode"
)

// Validity values of a document (有效性), as the catalog stores them.
const (
	ValidityInForce  = "有效"
	ValidityRepealed = "废止"
	ValidityExpired  = "失效"
	ValidityAmended  = "已修订"
)

// Slip is what a 查阅凭条 says about one document. Empty optional fields
// (DocNumber, IndexNo, Agency, PublishedAt, Place, the replacement) leave
// their line out; the replacement is printed only for a document that is not
// in force.
type Slip struct {
	Title     string
	DocNumber string // 文号, e.g. 国办发〔2024〕12号
	IndexNo   string // 索引号
	Agency    string // 发布机构, full name
	// PublishedAt is the publication date; only its calendar date is used.
	PublishedAt time.Time
	// Validity is ValidityInForce, ValidityRepealed, ValidityExpired or
	// ValidityAmended, as of PrintedAt.
	Validity            string
	ReplacedByTitle     string
	ReplacedByDocNumber string
	ReplacedByURL       string
	// URL is the document's public page (GOVHALL_PUBLIC_BASE_URL + /d/code),
	// printed as the QR code and as text.
	URL string
	// PrintedAt is when the slip is printed, shown in China Standard Time.
	PrintedAt time.Time
	// Place is where it is printed, e.g. the terminal's hall.
	Place string
}

// maxFieldBytes bounds each text field before layout; anything longer
// would be cut by the line limits anyway.
const maxFieldBytes = 2048

// Builder builds slip print jobs. It is safe for concurrent use.
type Builder struct {
	fonts *Fonts
}

// NewBuilder returns a Builder that draws characters the printer lacks from
// fonts. With nil fonts such characters print as boxes.
func NewBuilder(fonts *Fonts) *Builder {
	return &Builder{fonts: fonts}
}

// Build returns the ESC/POS job that prints s on a printer described by p.
// It fails with a FieldError when p or s is invalid (naming the field), and
// with ErrQRTooLarge when the URL's QR code cannot be printed legibly on the
// paper.
func (b *Builder) Build(s Slip, p Profile) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	j := &slipJob{p: p, cs: newCharset(p.Encoding), paint: &painter{fonts: b.fonts}}
	j.w.reset(p)
	j.header(s)
	j.fields(s)
	j.validity(s)
	if err := j.qr(s.URL); err != nil {
		return nil, err
	}
	j.footer(s)
	j.w.finish(p)
	return j.w.b.Bytes(), nil
}

func (s Slip) validate() error {
	if len(cleanText(clip(s.Title))) == 0 {
		return fieldErr("title", "empty: the slip needs the document's title")
	}
	if !slices.Contains([]string{ValidityInForce, ValidityRepealed, ValidityExpired, ValidityAmended}, s.Validity) {
		return fieldErr("validity", "%q: must be 有效, 废止, 失效 or 已修订", s.Validity)
	}
	if err := checkURL("url", s.URL); err != nil {
		return err
	}
	if s.ReplacedByURL != "" {
		if err := checkURL("replaced_by_url", s.ReplacedByURL); err != nil {
			return err
		}
	}
	if s.PrintedAt.IsZero() {
		return fieldErr("printed_at", "not set: the slip states validity as of the print time")
	}
	return nil
}

// checkURL accepts absolute http(s) URLs of printable ASCII, which the
// printer prints as they are and a phone opens as they are.
func checkURL(field, raw string) error {
	if raw == "" {
		return fieldErr(field, "empty: a slip needs the document's public URL")
	}
	if len(raw) > MaxURLBytes {
		return fieldErr(field, "%d bytes, more than %d", len(raw), MaxURLBytes)
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] <= ' ' || raw[i] >= 0x7F {
			return fieldErr(field, "%q has a space, control or non-ASCII byte at %d: percent-encode it", raw, i)
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fieldErr(field, "%q is not an absolute http or https URL", raw)
	}
	return nil
}

// clip cuts s to maxFieldBytes at a character boundary.
func clip(s string) string {
	if len(s) <= maxFieldBytes {
		return s
	}
	i := maxFieldBytes
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// qrLevels maps a profile's QR level to go-qrcode's level and the GS ( k
// function 169 byte.
func qrLevels(level string) (qrcode.RecoveryLevel, byte) {
	switch level {
	case "H":
		return qrcode.Highest, 51
	case "Q":
		return qrcode.High, 50
	default:
		return qrcode.Medium, 49
	}
}

// chinaTime is China Standard Time; China keeps no daylight saving time,
// so a fixed zone needs no time zone database on the kiosk server.
func chinaTime(t time.Time) time.Time {
	return t.In(time.FixedZone("CST", 8*3600))
}

func chineseDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// trimmed is a field cut to maxFieldBytes with its surrounding space gone.
func trimmed(s string) string { return strings.TrimSpace(clip(s)) }

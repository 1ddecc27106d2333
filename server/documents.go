package server

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/kiosk"
)

// docItem is a document in a public listing, as the contract names it.
type docItem struct {
	ID          int64      `json:"id"`
	IndexNo     string     `json:"index_no"`
	DocNumber   string     `json:"doc_number"`
	Title       string     `json:"title"`
	Agency      string     `json:"agency"`
	Category    string     `json:"category"`
	PublishedAt kiosk.Date `json:"published_at"`
	Validity    string     `json:"validity"`
	Kind        string     `json:"kind"`
	URL         string     `json:"url"`
	Snippet     string     `json:"snippet"`
}

func (s *Server) docURL(code string) string { return s.deps.PublicBaseURL + "/d/" + code }

func (s *Server) item(d kiosk.Document) docItem {
	return docItem{ID: d.ID, IndexNo: d.IndexNo, DocNumber: d.DocNumber, Title: d.Title, Agency: d.Agency,
		Category: d.Category, PublishedAt: d.PublishedAt, Validity: d.Validity, Kind: d.Kind,
		URL: s.docURL(d.Code), Snippet: snippet(d)}
}

// snippet is the opening of a public body (empty for 依申请公开 items).
func snippet(d kiosk.Document) string {
	if d.Disclosure == kiosk.OnRequest {
		return "本信息依申请公开，可向" + d.Agency + "提出申请。"
	}
	text := strings.Join(strings.Fields(strings.NewReplacer("#", "", "*", "").Replace(d.Body)), " ")
	if utf8.RuneCountInString(text) > 80 {
		text = string([]rune(text)[:80]) + "…"
	}
	return text
}

// filter reads the listing filters of the contract from the query string.
func filter(c *fiber.Ctx) (kiosk.Filter, error) {
	f := kiosk.Filter{Category: c.Query("category"), Agency: c.Query("agency"), Validity: c.Query("validity"),
		Kind: c.Query("kind"), Limit: clampQuery(c, "limit", 20, 100)}
	f.Offset, _ = strconv.Atoi(c.Query("offset"))
	if f.Offset < 0 || f.Offset > 10000 {
		return f, clientErr(http.StatusBadRequest, "offset 须在 0 到 10000 之间")
	}
	if y := c.Query("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1949 || n > 2100 {
			return f, clientErr(http.StatusBadRequest, "年份 %q 不正确，请填写四位数年份，如 2024", y)
		}
		f.Year = n
	}
	return f, nil
}

// listDocuments is GET /api/v1/documents without a search query: the public
// catalog, newest first.
func (s *Server) listDocuments(c *fiber.Ctx) error {
	f, err := filter(c)
	if err != nil {
		return err
	}
	ds, total, err := s.deps.Catalog.ListPublic(c.UserContext(), f)
	if err != nil {
		return err
	}
	items := make([]docItem, 0, len(ds))
	for _, d := range ds {
		items = append(items, s.item(d))
	}
	return c.JSON(fiber.Map{"total": total, "items": items, "facets": fiber.Map{}})
}

// publicDocument is the public detail of GET /api/v1/documents/{id}.
type publicDocument struct {
	kiosk.Public
	URL      string `json:"url"`
	KindName string `json:"kind_name"`
	QRPNG    string `json:"qr_png"`
	QRSVG    string `json:"qr_svg"`
}

// getDocument is GET /api/v1/documents/{id}: metadata, body and linked documents.
func (s *Server) getDocument(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := s.deps.Catalog.PublicByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(s.publicDoc(p))
}

func (s *Server) publicDoc(p kiosk.Public) publicDocument {
	base := s.deps.PublicBaseURL + "/api/v1/documents/" + strconv.FormatInt(p.ID, 10)
	p.WithheldReason = ""
	return publicDocument{Public: p, URL: s.docURL(p.Code), KindName: kiosk.KindName(p.Kind),
		QRPNG: base + "/qr.png", QRSVG: base + "/qr.svg"}
}

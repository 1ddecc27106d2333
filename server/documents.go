package server

import (
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/kiosk"
)

func (s *Server) docURL(code string) string { return s.deps.PublicBaseURL + "/d/" + code }

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

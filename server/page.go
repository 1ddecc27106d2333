package server

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/kiosk"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// shanghai is the time zone every date shown to citizens is in.
var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// documentPage is GET /d/{code}: the public full-text page a QR code points
// to. Withheld, unpublished and unknown codes answer the same 404 page.
func (s *Server) documentPage(c *fiber.Ctx) error {
	p, err := s.deps.Catalog.PublicByCode(c.UserContext(), c.Params("code"))
	if errors.Is(err, kiosk.ErrNotFound) {
		c.Status(http.StatusNotFound).Type("html", "utf-8")
		return c.SendString(notFoundPage())
	}
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "public, max-age=300")
	return s.writePublicPage(c, p)
}

// writePublicPage renders a document's public page: the page a QR code
// opens, and the reviewers' preview of what will be published.
func (s *Server) writePublicPage(c *fiber.Ctx, p kiosk.Public) error {
	var interps []map[string]any
	for _, l := range p.Interpretations {
		ip, err := s.deps.Catalog.PublicByID(c.UserContext(), l.ID)
		if err != nil {
			return err
		}
		interps = append(interps, map[string]any{"Link": l, "Body": kiosk.RenderBody(ip.Body)})
	}
	data := map[string]any{
		"Doc": p, "Body": kiosk.RenderBody(p.Body), "KindName": kiosk.KindName(p.Kind),
		"Today": time.Now().In(shanghai).Format("2006-01-02"), "URL": s.docURL(p.Code), "Interps": interps,
		"V": applyVersion(),
	}
	c.Type("html", "utf-8")
	return pages.ExecuteTemplate(c.Response().BodyWriter(), "document.html", data)
}

// documentCSP keeps the public page of a document to its stylesheet:
// nothing runs, nothing loads from elsewhere, nobody frames it.
const documentCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// documentCSS is where the public page's stylesheet is served.
func documentCSS() string { return "/apply/static/" + applyVersion() + "/document.css" }

// notFoundPage is the page of a code that is not public.
func notFoundPage() string {
	return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>未找到</title>
<link rel="stylesheet" href="` + documentCSS() + `"></head>
<body class="plain"><h1>没有找到这份文件</h1>
<p>链接可能有误。如需帮助，请拨打政务公开咨询电话 96128。</p></body></html>`
}

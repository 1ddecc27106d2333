package server

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/kiosk/printjob"
)

// qrPixelsPerModule is the scale of the PNG: whole pixels per module, so the
// code stays sharp on screens and when printed.
const qrPixelsPerModule = 8

// documentQR serves GET /api/v1/documents/{id}/qr.png and qr.svg: a QR code
// of exactly the document's public url, cacheable with a strong ETag.
// Documents that are not public answer 404 like unknown ids.
func (s *Server) documentQR(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		p, err := s.deps.Catalog.PublicByID(c.UserContext(), id)
		if err != nil {
			return err
		}
		url := s.docURL(p.Code)
		etag := printjob.QRETag(format, url, qrPixelsPerModule)
		c.Set("ETag", etag)
		c.Set("Cache-Control", "public, max-age=86400")
		if c.Get("If-None-Match") == etag {
			return c.SendStatus(http.StatusNotModified)
		}
		var img []byte
		if format == "svg" {
			img, err = printjob.SVG(url)
			c.Type("svg")
		} else {
			img, err = printjob.PNG(url, qrPixelsPerModule)
			c.Type("png")
		}
		if err != nil {
			return err
		}
		return c.Send(img)
	}
}

// printSlip is POST /api/v1/terminals/{id}/print {"document_id"}: the kiosk
// prints a slip with the document's QR code on its receipt printer. The
// answer reports the job's outcome; a failure carries a message for the
// citizen.
func (s *Server) printSlip(c *fiber.Ctx) error {
	t := terminal(c)
	if id, err := idParam(c, "id"); err != nil || id != t.ID {
		return clientErr(http.StatusForbidden, "a kiosk may only print on its own printer")
	}
	if s.deps.Printer == nil {
		return clientErr(http.StatusServiceUnavailable, "打印功能暂未开通")
	}
	var in struct {
		DocumentID int64 `json:"document_id"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	job, err := s.deps.Catalog.PrintSlip(c.UserContext(), s.deps.Printer, t, in.DocumentID)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if job.Status == "failed" {
		status = http.StatusBadGateway
		return c.Status(status).JSON(fiber.Map{"job_id": job.ID, "status": job.Status, "error": job.Error})
	}
	return c.Status(status).JSON(job)
}

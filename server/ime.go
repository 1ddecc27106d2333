package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/kiosk/ime"
)

// imeCandidates is GET /api/v1/ime?q=zhangsan&mode=name&first=1&limit=60:
// the pinyin input of kiosks, which have no system input method. Each
// candidate replaces the first len letters of the normalised q. An empty
// q answers nothing and builds the table in the background, so that a
// kiosk can warm it before the citizen reaches a field.
func (s *Server) imeCandidates(c *fiber.Ctx) error {
	q, err := ime.Normalize(c.Query("q"))
	if errors.Is(err, ime.ErrInput) {
		return &apiError{status: http.StatusBadRequest, msg: strings.TrimPrefix(err.Error(), ime.ErrInput.Error()+": "), field: "q"}
	}
	// What is typed into a name is nobody else's business: no shared cache.
	c.Set("Cache-Control", "private, max-age=3600")
	if q == "" {
		go ime.Default().Warm()
		return c.JSON(fiber.Map{"q": "", "items": []ime.Candidate{}})
	}
	name := c.Query("mode") == "name"
	items, err := ime.Default().Candidates(q, ime.Options{Name: name, First: name && c.Query("first") == "1",
		Limit: clampQuery(c, "limit", 60, ime.MaxLimit)})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"q": q, "items": items})
}

// imeEndpoints document the input method in /api/v1/openapi.json.
var imeEndpoints = []endpoint{
	{"GET", "/api/v1/ime", "kiosk", "Pinyin input for kiosks: q (letters a–z, full pinyin or initials, at most 32), mode=name (surnames first; first=1 while the name is empty), limit (≤ 200) → {q (normalised), items: [{text, len: letters of q it replaces}]}; an empty q warms the table", ""},
}

func init() { endpoints = append(endpoints, imeEndpoints...) }

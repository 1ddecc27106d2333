package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/kiosk/search"
)

// searchItem is a search hit in the contract's shape, with the extras the
// kiosk uses (why it matched, what replaced it).
type searchItem struct {
	ID          int64               `json:"id"`
	IndexNo     string              `json:"index_no"`
	DocNumber   string              `json:"doc_number"`
	Title       string              `json:"title"`
	Agency      string              `json:"agency"`
	Category    string              `json:"category"`
	PublishedAt *string             `json:"published_at"`
	Validity    string              `json:"validity"`
	Kind        string              `json:"kind"`
	URL         string              `json:"url"`
	Snippet     string              `json:"snippet"`
	Highlights  [][2]int            `json:"highlights"`
	Match       string              `json:"match"`
	ReplacedBy  *search.Replacement `json:"replaced_by"`
	ReplacedURL string              `json:"replaced_by_url,omitempty"`
}

// searchDocuments is GET /api/v1/documents: the public search of the
// contract; without q it browses the catalog, newest and current first.
func (s *Server) searchDocuments(c *fiber.Ctx) error {
	f, err := filter(c)
	if err != nil {
		return err
	}
	req := search.Request{Q: c.Query("q"), Category: f.Category, Agency: f.Agency, Year: f.Year,
		Validity: f.Validity, Kind: f.Kind, Limit: f.Limit, Offset: f.Offset, Place: s.searchPlace(c)}
	res, err := s.deps.Search.Search(c.UserContext(), req)
	if err != nil {
		return searchErr(err)
	}
	items := make([]searchItem, 0, len(res.Items))
	for _, h := range res.Items {
		items = append(items, s.searchItem(h))
	}
	c.Set("Cache-Control", "no-store")
	return c.JSON(fiber.Map{"total": res.Total, "total_exact": res.TotalExact, "items": items, "facets": res.Facets,
		"shape": res.Shape, "relaxed": res.Relaxed, "expanded": res.Expanded})
}

// searchPlace is the place type of the kiosk a search comes from (header
// X-Terminal-Token), "" for any other client: the demand report counts
// searches per place.
func (s *Server) searchPlace(c *fiber.Ctx) string {
	tok := c.Get("X-Terminal-Token")
	if tok == "" || c.Query("q") == "" {
		return ""
	}
	t, err := s.deps.Catalog.TerminalByToken(c.UserContext(), tok)
	if err != nil {
		return ""
	}
	return t.PlaceType
}

func (s *Server) searchItem(h search.Hit) searchItem {
	it := searchItem{ID: h.ID, IndexNo: h.IndexNo, DocNumber: h.DocNumber, Title: h.Title, Agency: h.Agency,
		Category: h.CategoryPath, Validity: h.Validity, Kind: h.Kind, URL: s.docURL(h.Code), Snippet: h.Snippet,
		Highlights: h.Highlights, Match: h.Match, ReplacedBy: h.ReplacedBy}
	if h.PublishedAt != "" {
		it.PublishedAt = &h.PublishedAt
	}
	if h.ReplacedBy != nil {
		it.ReplacedURL = s.docURL(h.ReplacedBy.Code)
	}
	return it
}

// searchErr turns the search package's errors into client errors.
func searchErr(err error) error {
	var fe *search.FieldError
	switch {
	case errors.As(err, &fe):
		return &apiError{status: http.StatusBadRequest, msg: fe.Msg, field: fe.Field}
	case errors.Is(err, search.ErrNotFound):
		return clientErr(http.StatusNotFound, "没有找到您要的内容")
	case errors.Is(err, search.ErrConflict):
		return clientErr(http.StatusConflict, "%v", err)
	}
	return err
}

// suggest is GET /api/v1/search/suggest?q=: completions as the citizen
// types (Chinese, pinyin or initials).
func (s *Server) suggest(c *fiber.Ctx) error {
	items, err := s.deps.Search.Suggest(c.UserContext(), c.Query("q"), clampQuery(c, "limit", 8, 20))
	if err != nil {
		return searchErr(err)
	}
	return c.JSON(fiber.Map{"items": items})
}

// recordClick is POST /api/v1/search/clicks {"query","document_id","action"}:
// a result opened or printed from a search, to learn the ranking. The
// source is the kiosk (device token) or the client address.
func (s *Server) recordClick(c *fiber.Ctx) error {
	var in struct {
		Query      string `json:"query"`
		DocumentID int64  `json:"document_id"`
		Action     string `json:"action"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	source, place := "ip:"+clientIP(c), ""
	if tok := c.Get("X-Terminal-Token"); tok != "" {
		if t, err := s.deps.Catalog.TerminalByToken(c.UserContext(), tok); err == nil {
			source, place = "terminal:"+strconv.FormatInt(t.ID, 10), t.PlaceType
		}
	}
	err := s.deps.Search.RecordClick(c.UserContext(), search.Click{Query: in.Query, DocID: in.DocumentID, Action: in.Action,
		Source: source, Place: place})
	if err != nil {
		return searchErr(err)
	}
	return c.SendStatus(http.StatusNoContent)
}

// synonyms is GET /api/v1/staff/search/synonyms (admin).
func (s *Server) synonyms(c *fiber.Ctx) error {
	items, err := s.deps.Search.Synonyms(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// addSynonym is POST /api/v1/staff/search/synonyms {"term","synonym"} (admin).
func (s *Server) addSynonym(c *fiber.Ctx) error {
	var in struct{ Term, Synonym string }
	if err := decode(c, &in); err != nil {
		return err
	}
	syn, err := s.deps.Search.AddSynonym(c.UserContext(), searchActor(c), in.Term, in.Synonym)
	if err != nil {
		return searchErr(err)
	}
	return c.Status(http.StatusCreated).JSON(syn)
}

// deleteSynonym is DELETE /api/v1/staff/search/synonyms/{id} (admin).
func (s *Server) deleteSynonym(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Search.DeleteSynonym(c.UserContext(), searchActor(c), id); err != nil {
		return searchErr(err)
	}
	return c.SendStatus(http.StatusNoContent)
}

// zeroResults is GET /api/v1/staff/search/zero-results?sort=count: what
// citizens looked for and the catalog lacks.
func (s *Server) zeroResults(c *fiber.Ctx) error {
	items, total, err := s.deps.Search.ZeroResults(c.UserContext(), clampQuery(c, "limit", 50, 500),
		clampQuery(c, "offset", 0, 100000), c.Query("sort") == "count")
	if err != nil {
		return searchErr(err)
	}
	return c.JSON(fiber.Map{"total": total, "items": items})
}

// popularQueries is GET /api/v1/search/popular: hot topics for the kiosk home.
func (s *Server) popularQueries(c *fiber.Ctx) error {
	items, err := s.deps.Search.PopularQueries(c.UserContext(), clampQuery(c, "limit", 10, 50))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

func searchActor(c *fiber.Ctx) search.Actor {
	a := staffActor(c)
	return search.Actor{AccountID: a.AccountID, Username: a.Username, IP: a.IP}
}

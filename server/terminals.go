package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/kiosk"
)

// requireTerminal admits requests carrying a registered kiosk's device
// token (header X-Terminal-Token, or ?terminal= for the page that opens the
// kiosk).
func (s *Server) requireTerminal(c *fiber.Ctx) error {
	tok := c.Get("X-Terminal-Token")
	if tok == "" {
		tok = c.Query("terminal")
	}
	if tok == "" {
		return clientErr(http.StatusUnauthorized, "this endpoint is for registered kiosks: send X-Terminal-Token")
	}
	t, err := s.deps.Catalog.TerminalByToken(c.UserContext(), tok)
	if err != nil {
		return clientErr(http.StatusUnauthorized, "unknown or disabled terminal token")
	}
	c.Locals("terminal", t)
	return c.Next()
}

func terminal(c *fiber.Ctx) kiosk.Terminal {
	t, _ := c.Locals("terminal").(kiosk.Terminal)
	return t
}

// heartbeat is POST /api/v1/terminals/heartbeat {"printer_state","printer_message"}:
// sent by a kiosk every 30 s; answers the kiosk's settings.
func (s *Server) heartbeat(c *fiber.Ctx) error {
	var in struct {
		PrinterState   string `json:"printer_state"`
		PrinterMessage string `json:"printer_message"`
	}
	if len(c.Body()) > 0 {
		if err := decode(c, &in); err != nil {
			return err
		}
	}
	t := s.knownPrinter(c, terminal(c))
	if err := s.deps.Catalog.Heartbeat(c.UserContext(), t.ID, in.PrinterState, in.PrinterMessage, clientIP(c)); err != nil {
		return err
	}
	if in.PrinterState != "" {
		t.PrinterState, t.PrinterMessage = in.PrinterState, in.PrinterMessage
	}
	return c.JSON(s.terminalConfig(t))
}

// terminalConfig is what a kiosk needs to know about itself.
func (s *Server) terminalConfig(t kiosk.Terminal) fiber.Map {
	return fiber.Map{"id": t.ID, "name": t.Name, "place_type": t.PlaceType,
		"idle_seconds": int(s.deps.KioskIdle.Seconds()), "heartbeat_seconds": 30,
		"printer": fiber.Map{"configured": t.PrinterAddr != "", "state": t.PrinterState,
			"message": kiosk.CitizenPrinterMessage(t.PrinterState), "can_print": t.PrinterAddr != "" && kiosk.PrinterReady(t.PrinterState)},
		"speech": s.deps.Speech != nil && s.deps.Speech.Available()}
}

// knownPrinter asks a printer that has never answered for its state, so a
// kiosk starting up learns at once whether it can print. A printer that
// does not answer within a few seconds stays not ready.
func (s *Server) knownPrinter(c *fiber.Ctx, t kiosk.Terminal) kiosk.Terminal {
	if t.PrinterAddr == "" || t.PrinterState != "unknown" || s.deps.Printer == nil {
		return t
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 4*time.Second)
	defer cancel()
	polled, err := s.deps.Catalog.PollPrinter(ctx, s.deps.Printer, t)
	if err != nil {
		s.deps.Log.Warn("printer poll failed", "terminal", t.ID, "err", err)
	}
	return polled
}

// terminalEvent is POST /api/v1/terminals/events {"kind","document_id","query"}.
func (s *Server) terminalEvent(c *fiber.Ctx) error {
	var in struct {
		Kind       string `json:"kind"`
		DocumentID int64  `json:"document_id"`
		Query      string `json:"query"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := s.deps.Catalog.RecordTerminalEvent(c.UserContext(), terminal(c).ID, in.Kind, in.DocumentID, in.Query); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// terminalSelf is GET /api/v1/terminals/me: the kiosk's own settings.
func (s *Server) terminalSelf(c *fiber.Ctx) error {
	return c.JSON(s.terminalConfig(s.knownPrinter(c, terminal(c))))
}

// registerTerminal is POST /api/v1/staff/terminals (admin): answers the
// device token once.
func (s *Server) registerTerminal(c *fiber.Ctx) error {
	var in kiosk.NewTerminal
	if err := decode(c, &in); err != nil {
		return err
	}
	t, token, err := s.deps.Catalog.RegisterTerminal(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(fiber.Map{"terminal": t, "token": token,
		"kiosk_url": s.deps.PublicBaseURL + "/kiosk/?terminal=" + token})
}

// listTerminals is GET /api/v1/staff/terminals: which are offline and since when.
func (s *Server) listTerminals(c *fiber.Ctx) error {
	ts, err := s.deps.Catalog.Terminals(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": ts})
}

// terminalUsage is GET /api/v1/staff/terminals/usage?from=YYYY-MM-DD&to=YYYY-MM-DD:
// per terminal and per place type, for the annual report.
func (s *Server) terminalUsage(c *fiber.Ctx) error {
	now := time.Now().In(shanghai)
	from, to := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, shanghai), now.Add(time.Minute)
	var err error
	if v := c.Query("from"); v != "" {
		if from, err = time.ParseInLocation("2006-01-02", v, shanghai); err != nil {
			return clientErr(http.StatusBadRequest, "from must be YYYY-MM-DD")
		}
	}
	if v := c.Query("to"); v != "" {
		if to, err = time.ParseInLocation("2006-01-02", v, shanghai); err != nil {
			return clientErr(http.StatusBadRequest, "to must be YYYY-MM-DD (exclusive)")
		}
	}
	rows, err := s.deps.Catalog.Usage(c.UserContext(), from, to)
	if err != nil {
		return err
	}
	byPlace := map[string]map[string]int{}
	for _, r := range rows {
		m := byPlace[r.PlaceType]
		if m == nil {
			m = map[string]int{}
			byPlace[r.PlaceType] = m
		}
		m["terminals"]++
		m["searches"] += r.Searches
		m["views"] += r.Views
		m["prints"] += r.Prints
		m["idle_resets"] += r.IdleResets
		m["query_checks"] += r.Checks
	}
	return c.JSON(fiber.Map{"from": from.Format("2006-01-02"), "to": strings.TrimSpace(to.Format("2006-01-02")),
		"terminals": rows, "by_place_type": byPlace})
}

// speak is POST /api/v1/terminals/speech {"text"}: the text read aloud as
// a WAV file, for kiosks whose browser has no Mandarin voice.
func (s *Server) speak(c *fiber.Ctx) error {
	var in struct {
		Text string `json:"text"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if s.deps.Speech == nil {
		return clientErr(http.StatusNotFound, "本机不提供朗读")
	}
	wav, err := s.deps.Speech.Speak(c.UserContext(), in.Text)
	if err != nil {
		return err
	}
	c.Set("Content-Type", "audio/wav")
	c.Set("Cache-Control", "no-store")
	return c.Send(wav)
}

package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/hotline/calendar"
)

// calendarRoutes mounts the working-day calendar: anyone may read the
// notices in force; admins add a year's notice when the State Council
// publishes it, or correct one.
func (s *Server) calendarRoutes(v1 fiber.Router) {
	v1.Get("/calendar/notices", s.calendarNotices)
	v1.Get("/calendar/due", s.calendarDue)
	admin := s.requireRole("admin")
	v1.Post("/staff/calendar/notices", admin, s.saveNotice(false))
	v1.Put("/staff/calendar/notices/:year", admin, s.saveNotice(true))
}

// calendarNotices is GET /api/v1/calendar/notices.
func (s *Server) calendarNotices(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"items": s.deps.Calendar.Calendar().Notices(), "version": s.deps.Calendar.Calendar().Version()})
}

// calendarDue is GET /api/v1/calendar/due?from=…&days=N|kind=K: the same
// computation as `govhall calendar due`.
func (s *Server) calendarDue(c *fiber.Ctx) error {
	from, err := calendar.ParseTime(c.Query("from"))
	if err != nil {
		return clientErr(http.StatusBadRequest, "from: %v", err)
	}
	n := clampQuery(c, "days", 0, 1000)
	if k := c.Query("kind"); k != "" && n == 0 {
		l, err := calendar.ParseLimit(k)
		if err != nil {
			return clientErr(http.StatusBadRequest, "kind: %v", err)
		}
		n = l.Days()
	}
	if n == 0 {
		return clientErr(http.StatusBadRequest, "give days=N (1–1000) or kind=ordinary|complex|…")
	}
	d, err := s.deps.Calendar.Calendar().Due(from, n)
	if err != nil {
		return clientErr(http.StatusBadRequest, "%v", err)
	}
	return c.JSON(d)
}

// saveNotice is POST /api/v1/staff/calendar/notices (a new year) and PUT
// …/{year} (a correction); both re-date the open clocks they touch.
func (s *Server) saveNotice(replace bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var n calendar.Notice
		if err := decode(c, &n); err != nil {
			return err
		}
		a := staffActor(c)
		act := calendar.Actor{AccountID: a.AccountID, Username: a.Username, IP: a.IP}
		save := s.deps.Calendar.AddNotice
		if replace {
			if y, _ := idParam(c, "year"); int(y) != n.Year {
				return clientErr(http.StatusBadRequest, "the year in the path and in the notice differ")
			}
			save = s.deps.Calendar.ReplaceYear
		}
		ch, err := save(c.UserContext(), act, n)
		if err != nil {
			return noticeErr(err, n.Year)
		}
		return c.JSON(ch)
	}
}

// noticeErr turns the calendar's errors about a notice into client errors
// with the field they concern.
func noticeErr(err error, year int) error {
	var fe *calendar.FieldError
	switch {
	case errors.As(err, &fe):
		return &apiError{status: http.StatusBadRequest, msg: fe.Msg, field: fe.Field}
	case errors.Is(err, calendar.ErrExists):
		return &apiError{status: http.StatusConflict, field: "year",
			msg: fmt.Sprintf("%d 年的通知已经录入；如需更正，请用 PUT /api/v1/staff/calendar/notices/%d", year, year)}
	case errors.Is(err, calendar.ErrNotFound):
		return &apiError{status: http.StatusNotFound, field: "year", msg: fmt.Sprintf("%d 年还没有通知，请先录入（POST）", year)}
	}
	return err
}

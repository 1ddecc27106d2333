package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/server/staff"
)

const sessionCookie = "govhall_session"

// login is POST /api/v1/session.
func (s *Server) login(c *fiber.Ctx) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Username == "" || in.Password == "" {
		return clientErr(http.StatusBadRequest, "username and password are required")
	}
	token, acct, wait, err := s.deps.Staff.Login(c.UserContext(), in.Username, in.Password, clientIP(c))
	if errors.Is(err, staff.ErrThrottled) {
		c.Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		return err
	}
	if errors.Is(err, staff.ErrBadCredentials) {
		time.Sleep(300 * time.Millisecond) // slows down guessing even below the lockout
		return err
	}
	if err != nil {
		return err
	}
	s.setSessionCookie(c, token)
	return c.JSON(fiber.Map{"token": token, "account": acct, "expires_in": int(staff.SessionTTL.Seconds())})
}

// logout is DELETE /api/v1/session.
func (s *Server) logout(c *fiber.Ctx) error {
	if err := checkCSRF(c); err != nil {
		return err
	}
	if tok := sessionToken(c); tok != "" {
		if acct, err := s.deps.Staff.Session(c.UserContext(), tok); err == nil {
			s.deps.Staff.Record(c.UserContext(), staff.Actor{AccountID: acct.ID, Username: acct.Username, IP: clientIP(c)}, "logout", "account", acct.Username, nil)
		}
		if err := s.deps.Staff.Logout(c.UserContext(), tok); err != nil {
			return err
		}
	}
	c.ClearCookie(sessionCookie)
	return c.SendStatus(http.StatusNoContent)
}

func sessionToken(c *fiber.Ctx) string {
	if h := c.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimSpace(h[len("Bearer "):])
	}
	return c.Cookies(sessionCookie)
}

// requireRole admits requests with a valid session whose account holds one
// of the roles (admin may do everything staff can, except review decisions,
// which the catalog itself restricts to reviewers). No session: 401; a role
// without the right: 403.
func (s *Server) requireRole(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		tok := sessionToken(c)
		if tok == "" {
			return clientErr(http.StatusUnauthorized, "login required: POST /api/v1/session, then send Authorization: Bearer TOKEN")
		}
		acct, err := s.deps.Staff.Session(c.UserContext(), tok)
		if err != nil {
			return err
		}
		if !acct.Has(roles...) && !acct.Has(staff.RoleAdmin) {
			return clientErr(http.StatusForbidden, "your account (%s) lacks the role for this: one of %s", strings.Join(acct.Roles, ","), strings.Join(roles, ", "))
		}
		if err := checkCSRF(c); err != nil {
			return err
		}
		c.Locals("account", acct)
		return c.Next()
	}
}

func account(c *fiber.Ctx) staff.Account {
	a, _ := c.Locals("account").(staff.Account)
	return a
}

// actor is the kiosk view of the logged-in staff member.
func actor(c *fiber.Ctx) kiosk.Actor {
	a := account(c)
	return kiosk.Actor{AccountID: a.ID, Username: a.Username, IP: clientIP(c), Roles: append([]string(nil), a.Roles...)}
}

func staffActor(c *fiber.Ctx) staff.Actor {
	a := account(c)
	return staff.Actor{AccountID: a.ID, Username: a.Username, IP: clientIP(c)}
}

// me is GET /api/v1/session: who am I.
func (s *Server) me(c *fiber.Ctx) error { return c.JSON(account(c)) }

// audit is GET /api/v1/audit (admin, supervisor).
func (s *Server) audit(c *fiber.Ctx) error {
	es, err := s.deps.Staff.Audit(c.UserContext(), c.Query("object_type"), c.Query("object_id"), clampQuery(c, "limit", 100, 1000))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": es})
}

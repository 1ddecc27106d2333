package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/server/staff"
)

func (s *Server) routes() {
	a := s.app
	a.Use(rejectUnstorableText) // input.go
	a.Use(s.idempotency)        // idempotency.go: POSTs with Idempotency-Key
	a.Get("/healthz", s.healthz)
	a.Get("/d/:code", s.documentPage)

	v1 := a.Group("/api/v1")
	v1.Get("/openapi.json", s.openAPIDoc)
	v1.Post("/session", s.login)
	v1.Delete("/session", s.logout)
	v1.Get("/session", s.requireRole(staffRoles...), s.me)
	v1.Get("/documents", s.searchDocuments)
	v1.Get("/search/suggest", s.suggest)
	v1.Get("/search/popular", s.popularQueries)
	v1.Post("/search/clicks", s.recordClick)
	v1.Get("/documents/:id", s.getDocument)
	v1.Get("/documents/:id/qr.png", s.documentQR("png"))
	v1.Get("/documents/:id/qr.svg", s.documentQR("svg"))
	v1.Get("/departments", s.departments)
	v1.Get("/categories", s.categories)

	editors := s.requireRole(staff.RoleReviewer)
	st := v1.Group("/staff")
	st.Get("/documents", s.requireRole(staffRoles...), s.staffListDocuments)
	st.Get("/documents/:id", s.requireRole(staffRoles...), s.staffGetDocument)
	st.Post("/documents", editors, s.createDocument)
	st.Put("/documents/:id", editors, s.updateDocument)
	st.Post("/documents/:id/submit", editors, s.submitDocument)
	st.Post("/documents/:id/validity", editors, s.requestValidity)
	st.Get("/reviews", editors, s.reviewQueue)
	st.Get("/reviews/:id/diff", editors, s.reviewDiff)
	st.Post("/reviews/:id", editors, s.decideReview)
	admin := s.requireRole(staff.RoleAdmin)
	st.Put("/departments/:code", admin, s.saveDepartment)
	st.Post("/categories", admin, s.createCategory)
	st.Patch("/categories/:id", admin, s.renameCategory)
	st.Delete("/categories/:id", admin, s.deleteCategory)
	st.Get("/search/synonyms", admin, s.synonyms)
	st.Post("/search/synonyms", admin, s.addSynonym)
	st.Delete("/search/synonyms/:id", admin, s.deleteSynonym)
	st.Get("/search/zero-results", s.requireRole(staff.RoleSupervisor), s.zeroResults)
	v1.Get("/audit", s.requireRole(staff.RoleSupervisor), s.audit)

	term := v1.Group("/terminals", s.requireTerminal)
	term.Get("/me", s.terminalSelf)
	term.Post("/heartbeat", s.heartbeat)
	term.Post("/events", s.terminalEvent)
	term.Post("/speech", s.speak)
	term.Post("/:id/print", s.printSlip)
	st.Post("/terminals", admin, s.registerTerminal)
	st.Get("/terminals", s.requireRole(staff.RoleSupervisor), s.listTerminals)
	st.Get("/terminals/usage", s.requireRole(staff.RoleSupervisor), s.terminalUsage)
	if s.deps.Calendar != nil {
		s.calendarRoutes(v1)
	}
	s.kioskRoutes()
	s.consoleRoutes()
	s.statsRoutes() // consolestats.go
	s.reportRoutes(v1)
	if s.deps.Queries != nil {
		s.queryRoutes(v1)
	}
	if s.deps.Queries != nil && s.deps.Applications != nil {
		s.applicationRoutes(v1)
	}
	if s.deps.Calls != nil {
		s.callRoutes(v1)
		s.operatorRoutes()
		s.supervisorRoutes()
	}
	s.observeRoutes() // observe.go: /readyz, /metrics; last, it lists the routes
}

var staffRoles = []string{staff.RoleAdmin, staff.RoleReviewer, staff.RoleOperator, staff.RoleLiaison, staff.RoleSupervisor}

// healthz is GET /healthz: 200 when the database answers, else 503.
func (s *Server) healthz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.deps.DB.PingContext(ctx); err != nil {
		s.log.Warn("health check: database unreachable", "err", err)
		return c.Status(http.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "error": "数据库暂时无法连接"})
	}
	return c.JSON(fiber.Map{"status": "ok"})
}

package server

import (
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// endpoint documents one route for the OpenAPI description. A test checks
// that every registered route has one.
type endpoint struct {
	method, path, tag, summary string
	auth                       string // "" public, "device" kiosk token, else the roles
}

var endpoints = []endpoint{
	{"GET", "/healthz", "ops", "200 {status: ok} when the database answers, else 503", ""},
	{"GET", "/d/{code}", "public", "The public full-text page of a document (the QR target); 404 for anything not public", ""},
	{"GET", "/api/v1/openapi.json", "ops", "This description", ""},
	{"POST", "/api/v1/session", "staff", "Log in {username, password} → {token} and a cookie; repeated failures answer 429 with Retry-After", ""},
	{"GET", "/api/v1/session", "staff", "The logged-in account", "any staff role"},
	{"DELETE", "/api/v1/session", "staff", "Log out", ""},
	{"GET", "/api/v1/documents", "catalog", "Public search: q (Chinese of any length, 文号 in any bracket style, pinyin or initials), category, agency, year, validity, kind, limit, offset → {total, items, facets}", ""},
	{"GET", "/api/v1/documents/{id}", "catalog", "A public document with its body, interpretations, the policy it explains and its replacement", ""},
	{"GET", "/api/v1/documents/{id}/qr.png", "catalog", "QR code (PNG, 8 px per module, EC level M, quiet zone) of exactly the document's url; ETag", ""},
	{"GET", "/api/v1/documents/{id}/qr.svg", "catalog", "QR code (SVG) of exactly the document's url; ETag", ""},
	{"GET", "/api/v1/categories", "catalog", "The category tree with counts of public documents", ""},
	{"GET", "/api/v1/departments", "catalog", "Departments with their agencies' full names", ""},
	{"GET", "/api/v1/search/suggest", "catalog", "Typing suggestions for q (Chinese, pinyin or initials prefix)", ""},
	{"GET", "/api/v1/search/popular", "catalog", "Popular queries (hot topics)", ""},
	{"POST", "/api/v1/search/clicks", "catalog", "Record that a result of a query was opened or printed {query, document_id, action: open|print}", ""},
	{"GET", "/api/v1/calendar/notices", "calendar", "The State Council holiday notices in the working-day calendar", ""},
	{"GET", "/api/v1/calendar/due", "calendar", "Due date of a limit: from (date or RFC 3339), days=N or kind=ordinary|complex|extended|complaint|…", ""},
	{"POST", "/api/v1/staff/calendar/notices", "calendar", "Add a year's notice {year, doc_number, title, published_on, days:[{date, kind: holiday|rest_swap|work_swap, name}]}; re-dates open clocks", "admin"},
	{"PUT", "/api/v1/staff/calendar/notices/{year}", "calendar", "Correct a year's notice; re-dates open clocks", "admin"},
	{"GET", "/api/v1/staff/documents", "review", "Documents in any state (state=draft|in_review|published and the public filters)", "any staff role"},
	{"GET", "/api/v1/staff/documents/{id}", "review", "A document in any state with its review history, pending revision and versions", "any staff role"},
	{"POST", "/api/v1/staff/documents", "review", "Create a draft (the import format's fields)", "reviewer, admin"},
	{"PUT", "/api/v1/staff/documents/{id}", "review", "Edit a draft, or save the revision of a published document (reviewed like a draft; the public text stays until 审定)", "reviewer, admin"},
	{"POST", "/api/v1/staff/documents/{id}/submit", "review", "Send a draft, or a published document's revision, to 初审 (frozen as a version)", "reviewer, admin"},
	{"POST", "/api/v1/staff/documents/{id}/validity", "review", "Open a reviewed change of validity {validity, replaced_by (索引号), reason}", "reviewer, admin"},
	{"GET", "/api/v1/staff/reviews", "review", "Open review cases, oldest first, those the account may decide first (mine, why)", "reviewer, admin"},
	{"GET", "/api/v1/staff/reviews/{id}/diff", "review", "The case's per-character changes against=published (the public text) or previous (the round before)", "reviewer, admin"},
	{"POST", "/api/v1/staff/reviews/{id}", "review", "Decide the current step {decision: approve|return, comment}; each step by a different reviewer", "reviewer"},
	{"PUT", "/api/v1/staff/departments/{code}", "admin", "Create or update a department {name, full_name, gov_office, phone}", "admin"},
	{"POST", "/api/v1/staff/categories", "admin", "Create a category path {path}", "admin"},
	{"PATCH", "/api/v1/staff/categories/{id}", "admin", "Rename a category {name}", "admin"},
	{"DELETE", "/api/v1/staff/categories/{id}", "admin", "Delete an empty category", "admin"},
	{"GET", "/api/v1/staff/search/synonyms", "admin", "The synonym and abbreviation table", "admin"},
	{"POST", "/api/v1/staff/search/synonyms", "admin", "Add a synonym {term, synonym}", "admin"},
	{"DELETE", "/api/v1/staff/search/synonyms/{id}", "admin", "Delete a synonym", "admin"},
	{"GET", "/api/v1/staff/search/zero-results", "admin", "Queries that found nothing (sort=count), the demand signal", "supervisor, admin"},
	{"GET", "/api/v1/audit", "admin", "The audit log (object_type, object_id, limit)", "supervisor, admin"},
	{"POST", "/api/v1/staff/terminals", "terminals", "Register a kiosk {name, place_type: 服务大厅|图书馆|档案馆, address, department, printer_addr, printer_profile} → its device token, once", "admin"},
	{"GET", "/api/v1/staff/terminals", "terminals", "Terminals with online state and offline-since", "supervisor, admin"},
	{"GET", "/api/v1/staff/terminals/usage", "terminals", "Use per terminal and place type (from, to), for the annual report", "supervisor, admin"},
	{"GET", "/api/v1/terminals/me", "kiosk", "The kiosk's settings (idle time, printer state with a sentence for citizens, speech); a printer never heard from is asked first", "device"},
	{"POST", "/api/v1/terminals/heartbeat", "kiosk", "Heartbeat every 30 s {printer_state, printer_message}", "device"},
	{"POST", "/api/v1/terminals/events", "kiosk", "Count a use {kind: search|view|print|idle_reset|query_check|offline_view, document_id, query}", "device"},
	{"POST", "/api/v1/terminals/speech", "kiosk", "Read text aloud {text: at most 400 characters} → audio/wav (espeak-ng, Mandarin), for kiosks without a browser voice", "device"},
	{"POST", "/api/v1/terminals/{id}/print", "kiosk", "Print a slip with the QR code {document_id} on the kiosk's printer → the job's outcome", "device"},
	{"GET", "/kiosk/", "kiosk", "The kiosk web app (open with ?terminal=TOKEN)", ""},
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPI builds the OpenAPI 3.1 description from the endpoint table.
func openAPI(base string) fiber.Map {
	paths := fiber.Map{}
	for _, e := range endpoints {
		item, _ := paths[e.path].(fiber.Map)
		if item == nil {
			item = fiber.Map{}
			paths[e.path] = item
		}
		item[strings.ToLower(e.method)] = operation(e)
	}
	return fiber.Map{
		"openapi": "3.1.0",
		"info": fiber.Map{"title": "govhall", "version": "1",
			"description": "政务公开 kiosks, the 96128 hotline and QR codes. Errors are JSON {error, field?}; staff endpoints answer 401 without a token and 403 for a role without the right."},
		"servers": []fiber.Map{{"url": base}},
		"paths":   paths,
		"components": fiber.Map{"securitySchemes": fiber.Map{
			"staff":  fiber.Map{"type": "http", "scheme": "bearer", "description": "token from POST /api/v1/session"},
			"device": fiber.Map{"type": "apiKey", "in": "header", "name": "X-Terminal-Token"},
		}},
	}
}

func operation(e endpoint) fiber.Map {
	op := fiber.Map{"tags": []string{e.tag}, "summary": e.summary,
		"responses": fiber.Map{"200": fiber.Map{"description": "OK"}, "default": fiber.Map{"description": "error {error, field?}"}}}
	var params []fiber.Map
	for _, m := range pathParam.FindAllStringSubmatch(e.path, -1) {
		params = append(params, fiber.Map{"name": m[1], "in": "path", "required": true, "schema": fiber.Map{"type": "string"}})
	}
	if idempotent(e.method, e.path) {
		params = append(params, idempotencyParam)
	}
	if params != nil {
		op["parameters"] = params
	}
	switch e.auth {
	case "":
	case "device":
		op["security"] = []fiber.Map{{"device": []string{}}}
	default:
		op["security"] = []fiber.Map{{"staff": []string{}}}
		op["description"] = "roles: " + e.auth
	}
	return op
}

// idempotencyParam is the Idempotency-Key header every POST takes but
// those whose answer holds a secret (idempotency.go).
var idempotencyParam = fiber.Map{"name": idempotencyHeader, "in": "header", "required": false,
	"schema": fiber.Map{"type": "string", "minLength": 1, "maxLength": maxIdempotencyKey, "pattern": "^[\\x20-\\x7e]+$"},
	"description": "Makes a retried POST apply once (IETF draft-ietf-httpapi-idempotency-key-header): one key per attempt, " +
		"kept 24 h per path and session, kiosk terminal or client address. A repeat answers the stored 2xx/4xx with Idempotent-Replayed: true; " +
		"the key on another body 422; while the first still runs 409 with Retry-After; a 5xx is not stored. Not 1–255 printable ASCII: 400."}

// openAPIDoc is GET /api/v1/openapi.json.
func (s *Server) openAPIDoc(c *fiber.Ctx) error { return c.JSON(openAPI(s.deps.PublicBaseURL)) }

// Documented reports whether method and a Fiber route path (":id") appear
// in the OpenAPI description, for the test that keeps it complete.
func Documented(method, fiberPath string) bool {
	p := regexp.MustCompile(`:([a-z_]+)`).ReplaceAllString(fiberPath, "{$1}")
	for _, e := range endpoints {
		if e.method == method && e.path == p {
			return true
		}
	}
	return false
}

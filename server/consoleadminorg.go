package server

// adminOrgRoutes registers the admin's pages for the organisation:
// departments, staff accounts, SIP phones, terminals, prompts, pause
// reasons and wrap-up codes (/console/admin/org/...).
func (s *Server) adminOrgRoutes() {}

package server

// adminCatalogRoutes registers the admin's pages for the catalog and
// search: category tree, synonyms, the demand loop, calendar notices
// (/console/admin/catalog/...) and the audit log (/console/admin/audit).
func (s *Server) adminCatalogRoutes() {}

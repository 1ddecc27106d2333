package server

// catalogDeskRoutes registers the reviewers' pages: writing documents, the
// review queue with its per-character diff, validity changes, history.
func (s *Server) catalogDeskRoutes() {}

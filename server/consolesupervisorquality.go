package server

// qualityRoutes registers the quality review (质检) pages and API.
func (s *Server) qualityRoutes(sv SupervisorService) {}

package server

// operatorRoutes registers the operator's desk (话务台).
func (s *Server) operatorRoutes() {}

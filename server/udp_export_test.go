package server

import "github.com/tinysmbd/tinysmbd/server/netbios"

// NetBIOS returns the running NetBIOS services, nil when they are not
// running.
func (s *Server) NetBIOS() *netbios.Service {
	s.udp.mu.Lock()
	defer s.udp.mu.Unlock()
	return s.udp.svc
}

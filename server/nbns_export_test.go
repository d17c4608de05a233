//go:build !tinysmbd_nonbns

package server

import "time"

// SetNBNSRefreshInterval shortens the name service's refresh period for the
// tests between hosts; the returned func restores the default. Call it
// before the server starts.
func SetNBNSRefreshInterval(d time.Duration) (restore func()) {
	old := nbnsRefreshInterval
	nbnsRefreshInterval = d
	return func() { nbnsRefreshInterval = old }
}

// NBNSStates returns the state of every name ("TINYSMBD<20>") on each
// subnet in the order the service uses them: "registering", "registered",
// "conflict" or "released". It returns nil when the name service is not
// running.
func (s *Server) NBNSStates() map[string][]string {
	s.udp.mu.Lock()
	ns := s.udp.nbns
	s.udp.mu.Unlock()
	if ns == nil {
		return nil
	}
	return ns.states()
}

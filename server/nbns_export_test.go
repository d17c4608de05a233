//go:build !tinysmbd_nonbns

package server

import (
	"net/netip"
	"time"
)

// SetNBNSRefreshInterval shortens the name service's refresh period for the
// tests between hosts; the returned func restores the default. Call it
// before the server starts.
func SetNBNSRefreshInterval(d time.Duration) (restore func()) {
	old := nbnsRefreshInterval
	nbnsRefreshInterval = d
	return func() { nbnsRefreshInterval = old }
}

// SetNBNSRescanInterval sets the period of the name service's interface
// rescans, with or without a subnet; tests that rescan with NBNSRescan set
// it to hours so that no periodic rescan runs beside them. The returned
// func restores the defaults. Call it before the server starts.
func SetNBNSRescanInterval(d time.Duration) (restore func()) {
	oldRescan, oldWait := nbnsRescanInterval, nbnsWaitInterval
	nbnsRescanInterval, nbnsWaitInterval = d, d
	return func() { nbnsRescanInterval, nbnsWaitInterval = oldRescan, oldWait }
}

// NBNSRescan has the name service list the interfaces again now and
// returns once it has brought its subnets up to date and claimed the names
// on the new ones (about 750 ms). It returns at once if the name service
// is not running.
func (s *Server) NBNSRescan() {
	s.udp.mu.Lock()
	ns := s.udp.nbns
	s.udp.mu.Unlock()
	if ns == nil {
		return
	}
	done := make(chan struct{})
	select {
	case ns.rescanReq <- done:
	case <-ns.stop:
		return
	}
	select {
	case <-done:
	case <-ns.stop:
	}
}

// NBNSSubnets returns the subnets the name service serves, in its order
// (the order of NBNSStates), as "INTERFACE ADDR/BITS"; nil when it is not
// running.
func (s *Server) NBNSSubnets() []string {
	s.udp.mu.Lock()
	ns := s.udp.nbns
	s.udp.mu.Unlock()
	if ns == nil {
		return nil
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	out := []string{}
	for _, sn := range ns.subnets {
		out = append(out, sn.ifname+" "+netip.PrefixFrom(sn.addr, sn.prefix.Bits()).String())
	}
	return out
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

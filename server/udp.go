package server

import (
	"errors"
	"sync"
)

// udpServices is the state of the UDP services of a Server.
type udpServices struct {
	mu      sync.Mutex
	nbns    *nameService // nil unless running
	browser bool         // startBrowser succeeded
}

// StartNameService starts the NetBIOS name service on Config.NBNSListen,
// and the browser announcements when Config.Browse is set, for servers run
// with Serve rather than ListenAndServe, which starts them itself. It
// returns once the sockets of the subnets up now are bound; the names are
// then claimed in the background, which takes about 750 ms (three
// broadcasts 250 ms apart, RFC 1002 4.2.2), while unicast queries are
// answered at once. No usable interface is not an error: the service logs
// a warning and serves each subnet as it comes up (it lists the interfaces
// again every 30 s, and on Reload). Shutdown
// releases the names and stops the services. Calling it again while they
// run does nothing. With Config.Browse set and Config.NBNSListen empty it
// starts the announcements alone, as ListenAndServe does.
func (s *Server) StartNameService() error {
	if s.cfg.NBNSListen == "" && !s.cfg.Browse {
		return errors.New("server: StartNameService: Config.NBNSListen is empty and Config.Browse is off")
	}
	return s.startUDPServices()
}

// startUDPServices starts the NetBIOS name service (Config.NBNSListen) and
// the browser announcements (Config.Browse), which ListenAndServe runs
// beside the TCP listeners.
func (s *Server) startUDPServices() error {
	if s.isClosed() {
		return ErrServerClosed
	}
	s.udp.mu.Lock()
	defer s.udp.mu.Unlock()
	started := false
	if s.cfg.NBNSListen != "" && s.udp.nbns == nil {
		ns, err := newNameService(s)
		if err != nil {
			return err
		}
		s.udp.nbns = ns
		ns.start()
		started = true
	}
	if s.cfg.Browse && !s.udp.browser {
		if err := s.startBrowser(); err != nil {
			if started {
				s.udp.nbns.close()
				s.udp.nbns = nil
			}
			return err
		}
		s.udp.browser = true
	}
	return nil
}

// stopUDPServices stops the browser, which announces that the server is
// going away, then releases the registered names (RFC 1002 4.2.9) and
// stops the name service; Shutdown calls it first.
func (s *Server) stopUDPServices() {
	s.udp.mu.Lock()
	defer s.udp.mu.Unlock()
	if s.udp.browser {
		s.stopBrowser()
		s.udp.browser = false
	}
	if s.udp.nbns != nil {
		s.udp.nbns.close()
		s.udp.nbns = nil
	}
}

// rescanInterfaces has the name service, if it runs, list the interfaces
// again now rather than at its next periodic rescan.
func (s *Server) rescanInterfaces() {
	s.udp.mu.Lock()
	if s.udp.nbns != nil {
		s.udp.nbns.rescanSoon()
	}
	s.udp.mu.Unlock()
}

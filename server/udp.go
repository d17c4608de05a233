package server

import (
	"errors"
	"sync"

	"github.com/tinysmbd/tinysmbd/server/netbios"
)

// NameServiceBuilt reports whether this binary has the NetBIOS name
// service; the tinysmbd_nonbns build tag leaves it out, and New then
// refuses a Config.NBNSListen.
const NameServiceBuilt = netbios.NameServiceBuilt

// BrowseBuilt reports whether this binary has the browser announcements;
// the tinysmbd_nobrowse build tag leaves them out, and New then refuses
// Config.Browse.
const BrowseBuilt = netbios.BrowseBuilt

// udpServices is the state of the NetBIOS services of a Server.
type udpServices struct {
	mu  sync.Mutex
	svc *netbios.Service // nil unless running
}

// StartNameService starts the NetBIOS name service on Config.NBNSListen,
// and the browser announcements when Config.Browse is set, for servers run
// with Serve rather than ListenAndServe, which starts them itself. It
// returns once the sockets of the subnets up now are bound; the names are
// then claimed in the background, which takes about 750 ms (three
// broadcasts 250 ms apart, RFC 1002 4.2.2), while unicast queries are
// answered at once. No usable interface is not an error: the services log
// a warning and serve each subnet as it comes up (they list the interfaces
// again every 30 s, and on Reload). Shutdown releases the names and stops
// the services. Calling it again while they run does nothing. With
// Config.Browse set and Config.NBNSListen empty it starts the
// announcements alone, as ListenAndServe does.
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
	if !NameServiceBuilt && !BrowseBuilt || s.cfg.NBNSListen == "" && !s.cfg.Browse {
		return nil // New refused a Config asking for either
	}
	s.udp.mu.Lock()
	defer s.udp.mu.Unlock()
	if s.udp.svc != nil {
		return nil
	}
	svc, err := netbios.New(netbios.Config{
		Listen:     s.cfg.NBNSListen,
		Interfaces: s.cfg.Interfaces,
		Name:       s.cfg.NetBIOSName,
		Aliases:    s.cfg.NetBIOSAliases,
		Workgroup:  s.cfg.Workgroup,
		Browse:     s.cfg.Browse,
		Comment:    s.cfg.ServerComment,
		ServerType: serverType,
		OSMajor:    serverOSMajor,
		OSMinor:    serverOSMinor,
		Net:        s.cfg.Net,
		Logger:     s.log,
	})
	if err == nil {
		err = svc.Start()
	}
	if err != nil {
		return err
	}
	s.udp.svc = svc
	return nil
}

// stopUDPServices stops the browser, which announces that the server is
// going away, then releases the registered names (RFC 1002 4.2.9) and
// stops the name service; Shutdown calls it first.
func (s *Server) stopUDPServices() {
	s.udp.mu.Lock()
	defer s.udp.mu.Unlock()
	if s.udp.svc != nil {
		s.udp.svc.Close()
		s.udp.svc = nil
	}
}

// rescanInterfaces has the NetBIOS services, if they run, list the
// interfaces again now rather than at their next periodic rescan.
func (s *Server) rescanInterfaces() {
	s.udp.mu.Lock()
	if s.udp.svc != nil {
		s.udp.svc.RescanSoon()
	}
	s.udp.mu.Unlock()
}

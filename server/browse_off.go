//go:build tinysmbd_nobrowse

package server

// BrowseBuilt is false: the tinysmbd_nobrowse build tag left the browser
// announcements (browse.go) out of this binary, and New refuses
// Config.Browse.
const BrowseBuilt = false

type browse struct{}

func (s *Server) startBrowser() error {
	return errLeftOut("Config.Browse", "browser announcements", "tinysmbd_nobrowse")
}

func (s *Server) stopBrowser() {}

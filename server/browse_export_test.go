//go:build !tinysmbd_nobrowse

package server

import "time"

// StartBrowser and StopBrowser let the tests between hosts run the browser
// alone, without the name service or TCP listeners.
func (s *Server) StartBrowser() error { return s.startBrowser() }
func (s *Server) StopBrowser()        { s.stopBrowser() }

// SetBrowseReplyDelay fixes the AnnouncementRequest reply delay, so a test
// need not wait up to 30 s; the returned func restores the random one.
func SetBrowseReplyDelay(d time.Duration) (restore func()) {
	replyDelay = func() time.Duration { return d }
	return func() { replyDelay = randomReplyDelay }
}

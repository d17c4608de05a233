//go:build tinysmbd_nobrowse

package netbios

import (
	"errors"
	"net"
)

// BrowseBuilt is false: the tinysmbd_nobrowse build tag left the browser
// announcements (browse.go) out of this binary, and New refuses
// Config.Browse.
const BrowseBuilt = false

type announcer struct{}

func newAnnouncer(*Service) (*announcer, error) {
	return nil, errors.New("netbios: this binary was built without browser announcements (build tag tinysmbd_nobrowse)")
}

func (*announcer) start()                                                 {}
func (*announcer) stop()                                                  {}
func (*announcer) announceOn([]*subnet)                                   {}
func (*announcer) handle(out, _ []byte, _ *subnet, _ *net.UDPAddr) []byte { return out }

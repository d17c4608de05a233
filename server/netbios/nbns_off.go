//go:build tinysmbd_nonbns

package netbios

import (
	"errors"
	"net"
)

// NameServiceBuilt is false: the tinysmbd_nonbns build tag left the NetBIOS
// name service (nbns.go) out of this binary, and New refuses a
// Config.Listen.
const NameServiceBuilt = false

type nbState uint8

type nameService struct{ port uint16 }

func newNameService(*Service, uint16) (*nameService, error) {
	return nil, errors.New("netbios: this binary was built without the name service (build tag tinysmbd_nonbns)")
}

func (*nameService) open(*subnet) error                                     { return nil }
func (*nameService) handle(out, _ []byte, _ *subnet, _ *net.UDPAddr) []byte { return out }
func (*nameService) register([]*subnet)                                     {}
func (*nameService) refresh()                                               {}
func (*nameService) release()                                               {}
func (*nameService) states() map[string][]string                            { return nil }

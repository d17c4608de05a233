//go:build tinysmbd_nonbns

package server

// NameServiceBuilt is false: the tinysmbd_nonbns build tag left the NetBIOS
// name service (nbns.go) out of this binary, and New refuses a
// Config.NBNSListen.
const NameServiceBuilt = false

type nameService struct{}

func newNameService(*Server) (*nameService, error) {
	return nil, errLeftOut("Config.NBNSListen", "the NetBIOS name service", "tinysmbd_nonbns")
}

func (*nameService) start() {}
func (*nameService) close() {}

func (*nameService) rescanSoon() {}

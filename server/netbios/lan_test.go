package netbios_test

// The virtual LAN of the tests on pion's vnet, shared by the name service's
// and the browser's.

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v3"
	"github.com/pion/transport/v3/vnet"

	"github.com/tinysmbd/tinysmbd/server/netbios"
)

// newNBNSRouter makes the router of the virtual LAN 10.0.0.0/24, which
// logs errors only.
func newNBNSRouter(t *testing.T) *vnet.Router {
	t.Helper()
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelError
	r, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "10.0.0.0/24", LoggerFactory: lf})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// startNBNSRouter starts r until the test ends.
func startNBNSRouter(t *testing.T, r *vnet.Router) {
	t.Helper()
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Stop() })
}

// ifaceNet is a vnet.Net whose interface list the test sets: vnet cannot
// add, change or remove an address at run time, so the host is given every
// address the test will use and the list shows the ones "up".
type ifaceNet struct {
	*vnet.Net
	mu  sync.Mutex
	ifs []*transport.Interface
}

func (n *ifaceNet) Interfaces() ([]*transport.Interface, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ifs, nil
}

// set makes the interfaces lo (127.0.0.1/8) and one per entry of ifs,
// "NAME ADDR/BITS" each, up.
func (n *ifaceNet) set(t *testing.T, ifs ...string) {
	t.Helper()
	lo := transport.NewInterface(net.Interface{Index: 1, Name: "lo", Flags: net.FlagUp | net.FlagLoopback})
	lo.AddAddress(&net.IPNet{IP: net.IPv4(127, 0, 0, 1), Mask: net.CIDRMask(8, 32)})
	list := []*transport.Interface{lo}
	for i, s := range ifs {
		name, cidr, _ := strings.Cut(s, " ")
		ip, ipn, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		ifc := transport.NewInterface(net.Interface{Index: 2 + i, Name: name, Flags: net.FlagUp | net.FlagBroadcast,
			HardwareAddr: net.HardwareAddr{2, 0, 0, 0, 0, byte(1 + i)}})
		ipn.IP = ip
		ifc.AddAddress(ipn)
		list = append(list, ifc)
	}
	n.mu.Lock()
	n.ifs = list
	n.mu.Unlock()
}

// noPeriodicRescan makes the services of cfg rescan only when a test asks.
func noPeriodicRescan(cfg netbios.Config) netbios.Config {
	cfg.RescanInterval, cfg.WaitInterval = 24*time.Hour, 24*time.Hour
	return cfg
}

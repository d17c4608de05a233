package netbios

import (
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/pion/transport/v3"
)

// fakeNet is a transport.Net whose only working method is Interfaces.
type fakeNet struct {
	transport.Net
	ifs []*transport.Interface
}

func (f fakeNet) Interfaces() ([]*transport.Interface, error) { return f.ifs, nil }

func fakeIface(name string, flags net.Flags, mac string, cidrs ...string) *transport.Interface {
	hw, _ := net.ParseMAC(mac)
	ifc := transport.NewInterface(net.Interface{Name: name, Flags: flags, HardwareAddr: hw})
	for _, c := range cidrs {
		ip, n, err := net.ParseCIDR(c)
		if err != nil {
			panic(err)
		}
		n.IP = ip
		ifc.AddAddress(n)
	}
	return ifc
}

// TestScan: which subnets both services serve, and on which of them the
// browser announces (those with a broadcast address).
func TestScan(t *testing.T) {
	up := net.FlagUp | net.FlagBroadcast
	n := fakeNet{ifs: []*transport.Interface{
		fakeIface("lo", net.FlagUp|net.FlagLoopback, "", "127.0.0.1/8", "::1/128"),
		fakeIface("eth0", up, "02:00:00:00:00:01", "192.168.1.10/24", "fe80::1/64"),
		fakeIface("eth1", up, "", "10.1.0.1/16", "10.1.0.2/16"),   // two addresses, one subnet
		fakeIface("wg0", net.FlagUp, "", "10.9.9.9/32"),           // no broadcast address
		fakeIface("eth2", net.FlagBroadcast, "", "172.16.0.1/24"), // down
		fakeIface("ptp0", net.FlagUp|net.FlagPointToPoint, "", "10.8.0.1/24"),
		fakeIface("wan0", up, "", "100.64.0.2/31"),
	}}
	all4 := netip.IPv4Unspecified()
	tests := []struct {
		name   string
		want   []string
		listen netip.Addr
		subnet []string // addr/prefix/broadcast of each, "announce" where the browser does
		// missing are the entries of want that matched nothing, which
		// the service waits for.
		missing []string
	}{
		{"default", nil, all4, []string{"192.168.1.10 192.168.1.0/24 192.168.1.255 announce", "10.1.0.1 10.1.0.0/16 10.1.255.255 announce", "10.8.0.1 10.8.0.0/24 10.8.0.255"}, nil},
		{"by name", []string{"eth1"}, all4, []string{"10.1.0.1 10.1.0.0/16 10.1.255.255 announce"}, nil},
		{"by second address", []string{"10.1.0.2"}, all4, []string{"10.1.0.2 10.1.0.0/16 10.1.255.255 announce"}, nil},
		{"loopback named", []string{"lo", "eth0"}, all4, []string{"127.0.0.1 127.0.0.0/8 127.255.255.255", "192.168.1.10 192.168.1.0/24 192.168.1.255 announce"}, nil},
		{"no broadcast address named", []string{"wg0", "wan0"}, all4, []string{"10.9.9.9 10.9.9.9/32 10.9.9.9", "100.64.0.2 100.64.0.2/31 100.64.0.3"}, nil},
		{"listener on loopback", nil, netip.MustParseAddr("127.0.0.1"), []string{"127.0.0.1 127.0.0.0/8 127.255.255.255"}, nil},
		{"listener and names", []string{"eth0", "eth1"}, netip.MustParseAddr("10.1.0.1"), []string{"10.1.0.1 10.1.0.0/16 10.1.255.255 announce"}, []string{"eth0"}},
		{"interface down", []string{"eth2"}, all4, nil, []string{"eth2"}},
		{"unknown", []string{"eth9", "eth0"}, all4, []string{"192.168.1.10 192.168.1.0/24 192.168.1.255 announce"}, []string{"eth9"}},
		{"listener on another host's address", nil, netip.MustParseAddr("10.0.0.1"), nil, nil},
	}
	for _, tt := range tests {
		got, missing, err := scan(n, tt.want, tt.listen)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		var desc []string
		for _, sn := range got {
			d := sn.addr.String() + " " + sn.prefix.String() + " " + broadcastAddr(sn.prefix).String()
			if sn.broadcast {
				d += " announce"
			}
			desc = append(desc, d)
		}
		if strings.Join(desc, "; ") != strings.Join(tt.subnet, "; ") {
			t.Errorf("%s: subnets %q; want %q", tt.name, desc, tt.subnet)
		}
		if strings.Join(missing, " ") != strings.Join(tt.missing, " ") {
			t.Errorf("%s: missing %q; want %q", tt.name, missing, tt.missing)
		}
	}
	got, _, _ := scan(n, []string{"eth0"}, all4)
	if net.HardwareAddr(got[0].mac[:]).String() != "02:00:00:00:00:01" {
		t.Errorf("MAC of eth0 = %x", got[0].mac)
	}
}

func TestParseListen(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{":137", "0.0.0.0:137", ""},
		{"0.0.0.0:137", "0.0.0.0:137", ""},
		{"192.168.1.1:137", "192.168.1.1:137", ""},
		{"[::ffff:10.0.0.1]:137", "10.0.0.1:137", ""},
		{"127.0.0.1:0", "127.0.0.1:0", ""},
		{"[::1]:137", "", "IPv4"},
		{"nas.local:137", "", "IPv4"},
		{"127.0.0.1", "", "missing port"},
		{":netbios-ns", "", "bad port"},
		{":65536", "", "bad port"},
	} {
		got, err := parseListen(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseListen(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("parseListen(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestCheckInterfaces(t *testing.T) {
	for _, tc := range []struct {
		want []string
		ok   bool
	}{
		{nil, true},
		{[]string{"eth0", "br-lan", "wlan0.1", "192.168.1.1", "::ffff:10.0.0.1", "Ethernet 2"}, true},
		{[]string{"eth0", ""}, false},
		{[]string{" eth0"}, false},
		{[]string{"eth0\n"}, false},
		{[]string{"::1"}, false},
		{[]string{"fe80::1%eth0"}, false},
		{[]string{"192.168.1.0/24"}, false},
		{[]string{"192.168.1.300"}, false},
		{[]string{"10.1"}, false},
	} {
		err := checkInterfaces(tc.want)
		if (err == nil) != tc.ok {
			t.Errorf("checkInterfaces(%q) = %v; want ok %v", tc.want, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "want an interface name or an IPv4 address") {
			t.Errorf("checkInterfaces(%q) = %v", tc.want, err)
		}
	}
}

//go:build !tinysmbd_nonbns

package netbios_test

// The name service follows the interfaces: it starts without any and
// waits, serves a subnet that comes up, drops one that goes away, and
// claims its names again under an address that changed. The tests rescan
// with Rescan, which returns once the rescan and its claims are done, and
// make the periodic rescans hours apart, so that every change they see is
// one they caused.

import (
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/transport/v3/test"
	"github.com/pion/transport/v3/vnet"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/netbt"
	"github.com/tinysmbd/tinysmbd/server/netbios"
)

// checkRegistered fails unless srv serves exactly subnets ("IFACE
// ADDR/BITS", in order) with every name registered on each.
func checkRegistered(t *testing.T, srv *netbios.Service, subnets ...string) {
	t.Helper()
	if got := srv.Subnets(); !slices.Equal(got, subnets) {
		t.Fatalf("subnets %q; want %q", got, subnets)
	}
	for name, sts := range srv.States() {
		if len(sts) != len(subnets) || slices.ContainsFunc(sts, func(st string) bool { return st != "registered" }) {
			t.Errorf("%s: %q; want registered on each of %q", name, sts, subnets)
		}
	}
}

// TestNameServiceLateInterface is the appliance that boots before its
// network: the server's host joins the virtual LAN only after the name
// service started, which waits, warns once, and serves the subnet when a
// rescan finds it.
func TestNameServiceLateInterface(t *testing.T) {
	t.Cleanup(test.CheckRoutines(t)) // first registered, so it runs after every other cleanup
	r := newNBNSRouter(t)
	serverNet, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{nbnsServerIP}})
	if err != nil {
		t.Fatal(err)
	}
	clientNet, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{nbnsClientIP}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.AddNet(clientNet); err != nil {
		t.Fatal(err)
	}
	startNBNSRouter(t, r)

	// Until the host joins the router, its eth0 has no address: there is
	// nothing but loopback, which the name service does not use unless
	// Interfaces names it.
	srv, logs := startService(t, serverNet, noPeriodicRescan(netbios.Config{}))
	const waiting = "no IPv4 interface with a broadcast address yet; waiting for one"
	srv.Rescan()
	if got := srv.Subnets(); len(got) != 0 {
		t.Fatalf("subnets %q before the interface came up", got)
	}
	if n := strings.Count(logs.String(), waiting); n != 1 {
		t.Errorf("%q logged %d times after two scans; want once", waiting, n)
	}

	if err := r.AddNet(serverNet); err != nil {
		t.Fatal(err)
	}
	srv.Rescan()
	checkRegistered(t, srv, "eth0 "+nbnsServerIP+"/24")
	c := newNBNSClient(t, clientNet, nbnsClientIP)
	if p, ok := c.query(nbnsServerIP+":137", netbiosName, 0x20, true); !ok {
		t.Fatal("no answer once the interface came up")
	} else {
		positive(t, p, netbiosName, 0x20, netbt.NBOntB, nbnsServerIP)
	}
	// Nothing changed: the subnet is kept, its names are not claimed again.
	before := strings.Count(logs.String(), "registered NetBIOS name")
	srv.Rescan()
	checkRegistered(t, srv, "eth0 "+nbnsServerIP+"/24")
	if after := strings.Count(logs.String(), "registered NetBIOS name"); after != before {
		t.Errorf("a rescan without changes registered %d names again", after-before)
	}
}

// TestNameServiceWaitsForInterfaces: an Interfaces entry or a listener
// address that matches nothing is waited for, with a warning naming it,
// logged once however many scans find it missing.
func TestNameServiceWaitsForInterfaces(t *testing.T) {
	t.Cleanup(test.CheckRoutines(t)) // first registered, so it runs after every other cleanup
	v := newNBNSVnet(t, nil)
	for _, tc := range []struct {
		name string
		cfg  netbios.Config
		want []string // in the one warning
		subs []string // subnets served meanwhile
	}{
		{"unknown interface", netbios.Config{Interfaces: []string{"eth9", "eth0"}},
			[]string{"interfaces not found, not up, or without an IPv4 address yet", "a typo in Interfaces?", "interfaces=eth9"}, []string{"eth0 " + nbnsServerIP + "/24"}},
		{"listener on an address not up", netbios.Config{Listen: "10.0.0.9:137"},
			[]string{"no IPv4 interface with a broadcast address yet", "listen=10.0.0.9"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, logs := startService(t, v.serverNet, noPeriodicRescan(tc.cfg))
			srv.Rescan()
			srv.Rescan()
			if got := srv.Subnets(); !slices.Equal(got, tc.subs) {
				t.Errorf("subnets %q; want %q", got, tc.subs)
			}
			var warnings []string
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "level=WARN") && strings.Contains(l, "waiting") {
					warnings = append(warnings, l)
				}
			}
			if len(warnings) != 1 {
				t.Fatalf("%d warnings about waiting; want 1:\n%s", len(warnings), strings.Join(warnings, "\n"))
			}
			for _, w := range tc.want {
				if !strings.Contains(warnings[0], w) {
					t.Errorf("warning %q does not say %q", warnings[0], w)
				}
			}
		})
	}
}

// TestNameServiceRescan follows the server's interfaces through a second
// subnet coming up, an address changing on the first (a DHCP lease
// renewed to another address), the second going away, then everything,
// then the network coming back, and a RescanSoon (what a server's Reload
// asks for) noticing a change.
func TestNameServiceRescan(t *testing.T) {
	t.Cleanup(test.CheckRoutines(t)) // first registered, so it runs after every other cleanup
	const (
		addrA  = nbnsServerIP // eth0 first, 10.0.0.0/25
		addrA2 = "10.0.0.4"   // eth0 after the renewal, same subnet
		addrB  = "10.0.0.130" // eth1, 10.0.0.128/25
	)
	r := newNBNSRouter(t)
	vn, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{addrA, addrA2, addrB}})
	if err != nil {
		t.Fatal(err)
	}
	clientNet, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{nbnsClientIP}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []*vnet.Net{vn, clientNet} {
		if err := r.AddNet(n); err != nil {
			t.Fatal(err)
		}
	}
	// Count the claims each address broadcasts: vnet carries no broadcast,
	// but the router sees every datagram before it drops it.
	var claimsMu sync.Mutex
	claims := map[string]int{}
	r.AddChunkFilter(func(c vnet.Chunk) bool {
		if c.Network() != "udp" {
			return true
		}
		if p, err := netbt.ParseNameServicePacket(c.UserData()); err == nil && !p.IsResponse() && p.Opcode() == netbt.OpcodeRegistration && p.Broadcast() {
			claimsMu.Lock()
			claims[c.SourceAddr().(*net.UDPAddr).IP.String()]++
			claimsMu.Unlock()
		}
		return true
	})
	// claimsFrom takes the count of claims from addr once it reaches want:
	// the router may see the last tries a moment after the claim stood.
	claimsFrom := func(addr string, want int) int {
		deadline := time.Now().Add(10 * time.Second)
		claimsMu.Lock()
		defer claimsMu.Unlock()
		for claims[addr] < want && time.Now().Before(deadline) {
			claimsMu.Unlock()
			time.Sleep(10 * time.Millisecond)
			claimsMu.Lock()
		}
		n := claims[addr]
		delete(claims, addr)
		return n
	}
	startNBNSRouter(t, r)

	n := &ifaceNet{Net: vn}
	n.set(t, "eth0 "+addrA+"/25")
	srv, logs := startService(t, n, noPeriodicRescan(netbios.Config{}))
	c := newNBNSClient(t, clientNet, nbnsClientIP)
	answers := func(addr string) {
		t.Helper()
		p, ok := c.query(addr+":137", netbiosName, 0x20, false)
		if !ok {
			t.Fatalf("no answer from %s", addr)
		}
		positive(t, p, netbiosName, 0x20, netbt.NBOntB, addr)
	}
	silent := func(addr string) {
		t.Helper()
		if _, ok := c.query(addr+":137", netbiosName, 0x20, false); ok {
			t.Errorf("%s still answers", addr)
		}
	}
	// Four names (TINYSMBD and WORKGROUP, <00> and <20> or <1E>), three
	// tries each (RFC 1002 6, BCAST_REQ_RETRY_COUNT).
	const claimsPerSubnet = 4 * 3
	claimed := func(addr string, want int) {
		t.Helper()
		if got := claimsFrom(addr, want); got != want {
			t.Errorf("%d claims broadcast from %s; want %d", got, addr, want)
		}
	}

	srv.Rescan() // returns after the claims made at start
	checkRegistered(t, srv, "eth0 "+addrA+"/25")
	claimed(addrA, claimsPerSubnet)
	answers(addrA)

	t.Log("a second interface comes up")
	n.set(t, "eth0 "+addrA+"/25", "eth1 "+addrB+"/25")
	srv.Rescan()
	checkRegistered(t, srv, "eth0 "+addrA+"/25", "eth1 "+addrB+"/25")
	claimed(addrA, 0)
	claimed(addrB, claimsPerSubnet)
	answers(addrA)
	answers(addrB)
	st, ok := c.status(addrB + ":137")
	if !ok {
		t.Fatal("no node status from eth1")
	}
	if id, _ := st.UnitID(); net.HardwareAddr(id[:]).String() != "02:00:00:00:00:02" {
		t.Errorf("node status from eth1: unit ID %x; want eth1's MAC", id)
	}

	t.Log("eth0's address changes within its subnet")
	n.set(t, "eth0 "+addrA2+"/25", "eth1 "+addrB+"/25")
	srv.Rescan()
	checkRegistered(t, srv, "eth1 "+addrB+"/25", "eth0 "+addrA2+"/25")
	claimed(addrA2, claimsPerSubnet)
	claimed(addrB, 0)
	answers(addrA2)
	answers(addrB)
	silent(addrA)

	t.Log("eth1 goes away")
	n.set(t, "eth0 "+addrA2+"/25")
	srv.Rescan()
	checkRegistered(t, srv, "eth0 "+addrA2+"/25")
	answers(addrA2)
	silent(addrB)
	if !strings.Contains(logs.String(), "address gone; no longer serving its subnet") {
		t.Error("the subnet that went away was not logged")
	}

	t.Log("every interface goes away")
	n.set(t)
	srv.Rescan()
	checkRegistered(t, srv)
	silent(addrA2)
	if n := strings.Count(logs.String(), "waiting for one"); n != 1 {
		t.Errorf("the wait was logged %d times; want once", n)
	}

	t.Log("the network comes back; a RescanSoon notices")
	n.set(t, "eth0 "+addrA+"/25")
	srv.RescanSoon()
	// RescanSoon asks for a rescan without waiting for it; the periodic
	// ones are hours away, so this rescan is the one it asked for.
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Equal(srv.Subnets(), []string{"eth0 " + addrA + "/25"}) {
		if time.Now().After(deadline) {
			t.Fatalf("subnets %q 10 s after RescanSoon", srv.Subnets())
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.Rescan() // and its claims are over
	checkRegistered(t, srv, "eth0 "+addrA+"/25")
	claimed(addrA, claimsPerSubnet)
	answers(addrA)

	// Close releases the names on the subnet it serves now only.
	var releases atomic.Int32
	r.AddChunkFilter(func(c vnet.Chunk) bool {
		if p, err := netbt.ParseNameServicePacket(c.UserData()); c.Network() == "udp" && err == nil && p.Opcode() == netbt.OpcodeRelease {
			if c.SourceAddr().(*net.UDPAddr).IP.String() != addrA {
				t.Errorf("release from %v", c.SourceAddr())
			}
			releases.Add(1)
		}
		return true
	})
	srv.Close()
	// The router sees the last ones after Close returned.
	deadline = time.Now().Add(10 * time.Second)
	for releases.Load() < claimsPerSubnet && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := releases.Load(); got != claimsPerSubnet {
		t.Errorf("%d releases; want %d", got, claimsPerSubnet)
	}
}

// TestNameServiceHostInterfaces is TestNameServiceRescan on the host's own
// network stack, in a private network namespace: the interfaces come from
// the kernel (the service refreshes its stdnet's list before each rescan),
// and claims go out by broadcast to another host, which sees them.
func TestNameServiceHostInterfaces(t *testing.T) {
	if os.Getenv(testpeer.EnvInNamespace) == "" {
		runInNamespace(t, "the host-interface rescan test adds and removes interfaces")
		return
	}
	// Only lo is up: the service waits.
	srv, logs := startService(t, nil, noPeriodicRescan(netbios.Config{}))
	if got := srv.Subnets(); len(got) != 0 {
		t.Fatalf("subnets %q with only lo up", got)
	}
	if !strings.Contains(logs.String(), "waiting for one") {
		t.Error("the wait was not logged")
	}

	ns := nbnsTwoHosts(t) // two subnets come up
	peer := listenNBNSPeer(t, ns)
	ip := requirePeer(t, "ip")
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(ip, args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	// claims waits for the claims of every name from each of addrs: the
	// rescan has sent them all when Rescan returns.
	claims := func(addrs ...string) {
		t.Helper()
		count := map[string]int{}
		for _, a := range addrs {
			count[a] = 0
		}
		for n := 0; n < 4*3*len(addrs); n++ {
			c, ok := peer.next(5*time.Second, claimFrom(netbt.OpcodeRegistration, ""))
			if !ok {
				t.Fatalf("claims seen %v; want 12 from each", count)
			}
			if _, ok := count[c.from.Addr().String()]; !ok {
				t.Fatalf("a claim from %v; want claims from %q only", c.from, addrs)
			}
			count[c.from.Addr().String()]++
		}
		for a, n := range count {
			if n != 4*3 {
				t.Errorf("%d claims from %s; want 12", n, a)
			}
		}
	}
	// answers queries to, the unicast or broadcast address of a subnet,
	// for an answer with addr.
	answers := func(to, addr string) {
		t.Helper()
		var c *nbnsClient
		ns.run(func() {
			if conn, err := net.ListenUDP("udp4", &net.UDPAddr{}); err == nil {
				c = &nbnsClient{t: t, conn: conn, id: 0x300}
			}
		})
		if c == nil {
			t.Fatal("no client socket in the peer's namespace")
		}
		defer c.conn.Close()
		p, ok := c.query(to+":137", netbiosName, 0x20, to != addr)
		if !ok {
			t.Fatalf("no answer to %s", to)
		}
		positive(t, p, netbiosName, 0x20, netbt.NBOntB, addr)
	}

	srv.Rescan()
	checkRegistered(t, srv, nbnsVethSrv1+" "+nbnsSrv1+"/24", nbnsVethSrv2+" "+nbnsSrv2+"/24")
	claims(nbnsSrv1, nbnsSrv2)
	answers(nbnsSrv1, nbnsSrv1)
	answers(nbnsSrv2, nbnsSrv2)
	answers(nbnsBcast1, nbnsSrv1)

	// A new address on the first subnet: the broadcast socket of the old
	// one must be closed before the new one binds the same broadcast
	// address.
	const renewed = "10.214.1.5"
	run("addr", "del", nbnsSrv1+"/24", "dev", nbnsVethSrv1)
	run("addr", "add", renewed+"/24", "brd", "+", "dev", nbnsVethSrv1)
	srv.Rescan()
	checkRegistered(t, srv, nbnsVethSrv2+" "+nbnsSrv2+"/24", nbnsVethSrv1+" "+renewed+"/24")
	claims(renewed)
	answers(renewed, renewed)
	answers(nbnsBcast1, renewed)
	if strings.Contains(logs.String(), "cannot bind the broadcast address") {
		t.Errorf("a broadcast address could not be bound:\n%s", logs.String())
	}

	run("link", "del", nbnsVethSrv2)
	srv.Rescan()
	checkRegistered(t, srv, nbnsVethSrv1+" "+renewed+"/24")
}

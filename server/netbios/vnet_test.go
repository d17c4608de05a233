//go:build !tinysmbd_nonbns

package netbios_test

// Name service tests on pion's virtual network: a vnet.Router with two
// hosts, the server on 10.0.0.2 and a client on 10.0.0.3 sending packets
// built with netbt's builders. vnet has no broadcast, so claims, defence,
// refresh and release are tested between network namespaces instead
// (netns_test.go).

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/transport/v3"
	"github.com/pion/transport/v3/test"
	"github.com/pion/transport/v3/vnet"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/netbt"
	"github.com/tinysmbd/tinysmbd/server/netbios"
)

const (
	nbnsServerIP = "10.0.0.2"
	nbnsClientIP = "10.0.0.3"
	nbnsAlias    = "NASALIAS"
)

// nbnsVnet is a router with the server's and the client's hosts.
type nbnsVnet struct {
	router    *vnet.Router
	serverNet *vnet.Net
	clientNet *vnet.Net
}

// newNBNSVnet builds the virtual LAN. wrapClient, if not nil, wraps the
// client's NIC (in a delay filter, say) before it joins the router.
func newNBNSVnet(t *testing.T, wrapClient func(vnet.NIC) vnet.NIC) *nbnsVnet {
	t.Helper()
	r := newNBNSRouter(t)
	v := &nbnsVnet{router: r}
	var err error
	if v.serverNet, err = vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{nbnsServerIP}}); err != nil {
		t.Fatal(err)
	}
	if v.clientNet, err = vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{nbnsClientIP}}); err != nil {
		t.Fatal(err)
	}
	if err := r.AddNet(v.serverNet); err != nil {
		t.Fatal(err)
	}
	var nic vnet.NIC = v.clientNet
	if wrapClient != nil {
		nic = wrapClient(nic)
	}
	if err := r.AddNet(nic); err != nil {
		t.Fatal(err)
	}
	startNBNSRouter(t, r)
	return v
}

// startService runs the services of cfg on n (nil: the host's network)
// until the test ends, by default the name service alone on port 137, as
// netbiosName in WORKGROUP. Its log is printed if the test fails.
func startService(t *testing.T, n transport.Net, cfg netbios.Config) (*netbios.Service, *testpeer.SyncBuffer) {
	t.Helper()
	logs := new(testpeer.SyncBuffer)
	if cfg.Name == "" {
		cfg.Name = netbiosName
	}
	if cfg.Workgroup == "" {
		cfg.Workgroup = "WORKGROUP"
	}
	if cfg.Listen == "" {
		cfg.Listen = "0.0.0.0:137"
	}
	cfg.Net = n
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := netbios.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		srv.Close()
		if t.Failed() {
			t.Logf("service log:\n%s", testpeer.Tail(logs.String(), 32<<10))
		}
	})
	return srv, logs
}

// nbnsClient plays a NetBIOS client such as nmblookup: a UDP socket on a
// random port.
type nbnsClient struct {
	t    *testing.T
	conn transport.UDPConn
	id   uint16
}

func newNBNSClient(t *testing.T, n transport.Net, ip string) *nbnsClient {
	t.Helper()
	c, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &nbnsClient{t: t, conn: c, id: 0x4000}
}

// exchange sends req (built with transaction ID id) to to, and retries
// every timeout, up to tries times, as nmblookup does, returning the first
// response with that ID and how many requests went out. It returns ok false
// if nothing came.
func (c *nbnsClient) exchange(to string, build func(id uint16) []byte, timeout time.Duration, tries int) (p netbt.NameServicePacket, sent int, ok bool) {
	c.t.Helper()
	c.id++
	id := c.id
	req := build(id)
	dst, err := net.ResolveUDPAddr("udp4", to)
	if err != nil {
		c.t.Fatal(err)
	}
	buf := make([]byte, 1500)
	for sent < tries {
		if _, err := c.conn.WriteTo(req, dst); err != nil {
			c.t.Fatalf("send: %v", err)
		}
		sent++
		deadline := time.Now().Add(timeout)
		for {
			c.conn.SetReadDeadline(deadline)
			n, _, err := c.conn.ReadFrom(buf)
			if err != nil {
				break // timed out: retransmit
			}
			resp, err := netbt.ParseNameServicePacket(buf[:n])
			if err != nil {
				c.t.Fatalf("malformed response: %v\n% x", err, buf[:n])
			}
			if resp.TransactionID() == id && resp.IsResponse() {
				return resp, sent, true
			}
		}
	}
	return netbt.NameServicePacket{}, sent, false
}

// query asks to for name<suffix> once; vnet answers within milliseconds,
// so 300 ms of silence means no answer.
func (c *nbnsClient) query(to, name string, suffix byte, broadcast bool) (netbt.NameServicePacket, bool) {
	c.t.Helper()
	enc := netbt.EncodeName(nil, name, suffix, "")
	p, _, ok := c.exchange(to, func(id uint16) []byte { return netbt.AppendNameQueryRequest(nil, id, enc, broadcast) }, 300*time.Millisecond, 1)
	return p, ok
}

// status sends a node status request for "*" and returns the name table.
func (c *nbnsClient) status(to string) (netbt.NodeStatus, bool) {
	c.t.Helper()
	enc := netbt.EncodeName(nil, netbt.WildcardName, 0, "")
	p, _, ok := c.exchange(to, func(id uint16) []byte { return netbt.AppendNodeStatusRequest(nil, id, enc) }, time.Second, 1)
	if !ok {
		return netbt.NodeStatus{}, false
	}
	an, ok := p.Answer()
	if !ok || p.RCode() != 0 {
		c.t.Fatalf("node status response without answer (rcode %d)", p.RCode())
	}
	st, err := an.NodeStatus()
	if err != nil {
		c.t.Fatalf("node status response: %v", err)
	}
	return st, true
}

// positive checks p is a positive name query response for name<suffix>
// giving addr with NB_FLAGS flags.
func positive(t *testing.T, p netbt.NameServicePacket, name string, suffix byte, flags uint16, addr string) {
	t.Helper()
	an, ok := p.Answer()
	if !ok || p.RCode() != 0 || p.Opcode() != netbt.OpcodeQuery || p.Flags()&netbt.FlagAA == 0 {
		t.Fatalf("want a positive name query response; got opcode %v rcode %d flags %#x answer %v", p.Opcode(), p.RCode(), p.Flags(), ok)
	}
	var buf [netbt.MaxDecodedNameLen]byte
	got, s, _, _, _ := netbt.DecodeName(buf[:0], an.Name())
	es, err := an.AddrEntries()
	if err != nil || es.Len() != 1 {
		t.Fatalf("answer for %q<%02x>: %v, %d entries", got, s, err, es.Len())
	}
	e := es.Entry(0)
	if !strings.EqualFold(string(got), name) || s != suffix || e.Flags != flags || e.Addr != netip.MustParseAddr(addr) || an.TTL() == 0 {
		t.Errorf("answer %q<%02x> flags %#04x addr %v ttl %d; want %q<%02x> flags %#04x addr %s", got, s, e.Flags, e.Addr, an.TTL(), name, suffix, flags, addr)
	}
}

// negative checks p is a negative name query response, NAM_ERR.
func negative(t *testing.T, p netbt.NameServicePacket) {
	t.Helper()
	an, ok := p.Answer()
	if !ok || p.RCode() != netbt.RcodeNamErr || an.Type() != netbt.RRTypeNull {
		t.Fatalf("want a negative name query response; got rcode %d answer %v type %#x", p.RCode(), ok, an.Type())
	}
}

// waitRegistered waits until every name is registered on every subnet.
func waitRegistered(t *testing.T, srv *netbios.Service) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		done := true
		for _, sts := range srv.States() {
			for _, st := range sts {
				done = done && st == "registered"
			}
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("names not registered after 5s: %v", srv.States())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitStates waits up to 3 s until each name of want has the states given
// ("registered,conflict": one a subnet).
func waitStates(t *testing.T, srv *netbios.Service, want map[string]string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		st := srv.States()
		done := true
		for name, w := range want {
			done = done && strings.Join(st[name], ",") == w
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("states %v; want %v", st, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNameServiceVnetQuery is the unicast half of acceptance test 4: name
// queries and node status over vnet.
func TestNameServiceVnetQuery(t *testing.T) {
	t.Cleanup(test.CheckRoutines(t)) // first registered, so it runs after every other cleanup
	v := newNBNSVnet(t, nil)
	srv, _ := startService(t, v.serverNet, netbios.Config{Aliases: []string{nbnsAlias}})
	c := newNBNSClient(t, v.clientNet, nbnsClientIP)
	to := nbnsServerIP + ":137"

	// Unicast queries are answered while the names are still being
	// claimed; broadcast ones only once the claims stand.
	if p, ok := c.query(to, netbiosName, 0x20, false); !ok {
		t.Fatal("no answer to a unicast query during registration")
	} else {
		positive(t, p, netbiosName, 0x20, netbt.NBOntB, nbnsServerIP)
	}
	if sts := srv.States()[netbiosName+"<20>"]; len(sts) == 1 && sts[0] == "registering" {
		if _, ok := c.query(to, netbiosName, 0x20, true); ok {
			t.Error("a broadcast query was answered before the claim stood")
		}
	}
	waitRegistered(t, srv)

	for _, tc := range []struct {
		name   string
		suffix byte
		flags  uint16
	}{
		{netbiosName, 0x00, netbt.NBOntB},
		{netbiosName, 0x20, netbt.NBOntB},
		{"tinysmbd", 0x20, netbt.NBOntB}, // names compare without case
		{nbnsAlias, 0x00, netbt.NBOntB},
		{nbnsAlias, 0x20, netbt.NBOntB},
		{"WORKGROUP", 0x00, netbt.NBGroup},
		{"WORKGROUP", 0x1E, netbt.NBGroup},
	} {
		for _, bcast := range []bool{false, true} {
			p, ok := c.query(to, tc.name, tc.suffix, bcast)
			if !ok {
				t.Errorf("no answer for %s<%02x> (broadcast flag %v)", tc.name, tc.suffix, bcast)
				continue
			}
			positive(t, p, tc.name, tc.suffix, tc.flags, nbnsServerIP)
		}
	}
	// Names that are not ours: a negative answer to a unicast query, as
	// nmbd gives, and silence to a broadcast one.
	for _, tc := range []struct {
		name   string
		suffix byte
	}{{"NOSUCH", 0x00}, {netbiosName, 0x03}, {"WORKGROUP", 0x1D}} {
		if p, ok := c.query(to, tc.name, tc.suffix, false); !ok {
			t.Errorf("no negative answer for %s<%02x>", tc.name, tc.suffix)
		} else {
			negative(t, p)
		}
		if _, ok := c.query(to, tc.name, tc.suffix, true); ok {
			t.Errorf("a broadcast query for %s<%02x> was answered", tc.name, tc.suffix)
		}
	}

	// Node status: the whole name table and the interface's MAC.
	st, ok := c.status(to)
	if !ok {
		t.Fatal("no node status response")
	}
	want := []netbt.NodeName{
		{Name: netbiosName, Suffix: 0x00, Flags: netbt.NameActive},
		{Name: netbiosName, Suffix: 0x20, Flags: netbt.NameActive},
		{Name: nbnsAlias, Suffix: 0x00, Flags: netbt.NameActive},
		{Name: nbnsAlias, Suffix: 0x20, Flags: netbt.NameActive},
		{Name: "WORKGROUP", Suffix: 0x00, Flags: netbt.NameGroup | netbt.NameActive},
		{Name: "WORKGROUP", Suffix: 0x1E, Flags: netbt.NameGroup | netbt.NameActive},
	}
	checkNodeStatus(t, st, want)
	eth0, err := v.serverNet.InterfaceByName("eth0")
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := st.UnitID(); !ok || net.HardwareAddr(id[:]).String() != eth0.HardwareAddr.String() {
		t.Errorf("unit ID %x; want the MAC of eth0, %v", id, eth0.HardwareAddr)
	}
	// A node status request may name one of our names instead of "*"; for
	// another name there is no answer.
	for _, tc := range []struct {
		name   string
		suffix byte
		answer bool
	}{{netbiosName, 0x20, true}, {"NOSUCH", 0x00, false}} {
		enc := netbt.EncodeName(nil, tc.name, tc.suffix, "")
		_, _, ok := c.exchange(to, func(id uint16) []byte { return netbt.AppendNodeStatusRequest(nil, id, enc) }, 300*time.Millisecond, 1)
		if ok != tc.answer {
			t.Errorf("node status for %s<%02x>: answered %v, want %v", tc.name, tc.suffix, ok, tc.answer)
		}
	}
}

// checkNodeStatus compares a name table, in order.
func checkNodeStatus(t *testing.T, st netbt.NodeStatus, want []netbt.NodeName) {
	t.Helper()
	if st.NumNames() != len(want) {
		t.Errorf("%d names in the node status; want %d", st.NumNames(), len(want))
	}
	for i := range min(st.NumNames(), len(want)) {
		name, suffix, flags := st.Name(i)
		if string(name) != want[i].Name || suffix != want[i].Suffix || flags != want[i].Flags {
			t.Errorf("name %d: %q<%02x> flags %#04x; want %q<%02x> flags %#04x", i, name, suffix, flags, want[i].Name, want[i].Suffix, want[i].Flags)
		}
	}
	if len(st.Statistics()) != netbt.StatisticsLen {
		t.Errorf("%d bytes of statistics; want %d", len(st.Statistics()), netbt.StatisticsLen)
	}
}

// TestNameServiceVnetLoss drops the first two queries on the router: the
// client's third try is answered.
func TestNameServiceVnetLoss(t *testing.T) {
	t.Cleanup(test.CheckRoutines(t)) // first registered, so it runs after every other cleanup
	v := newNBNSVnet(t, nil)
	var toServer, dropped atomic.Int32
	v.router.AddChunkFilter(func(c vnet.Chunk) bool {
		if c.Network() != "udp" || c.DestinationAddr().String() != nbnsServerIP+":137" {
			return true
		}
		if toServer.Add(1) <= 2 {
			dropped.Add(1)
			return false
		}
		return true
	})
	startService(t, v.serverNet, netbios.Config{})
	c := newNBNSClient(t, v.clientNet, nbnsClientIP)
	enc := netbt.EncodeName(nil, netbiosName, 0x20, "")
	start := time.Now()
	p, sent, ok := c.exchange(nbnsServerIP+":137", func(id uint16) []byte {
		return netbt.AppendNameQueryRequest(nil, id, enc, false)
	}, 250*time.Millisecond, 3)
	if !ok {
		t.Fatalf("no answer after %d tries (%d dropped)", sent, dropped.Load())
	}
	positive(t, p, netbiosName, 0x20, netbt.NBOntB, nbnsServerIP)
	if sent != 3 || dropped.Load() != 2 {
		t.Errorf("answered after %d tries with %d dropped; want the 3rd try after 2 dropped", sent, dropped.Load())
	}
	t.Logf("answered on try %d, %v after the first", sent, time.Since(start).Round(time.Millisecond))

	// Node status goes through the same loss: the filter has spent its
	// drops, so it is answered at once.
	if _, ok := c.status(nbnsServerIP + ":137"); !ok {
		t.Error("no node status response")
	}
}

// TestNameServiceVnetDelay delays everything reaching the client by 400 ms:
// the client's first try times out after 250 ms and it retries, then the
// late answer to the first try arrives and matches, since retries keep the
// transaction ID (RFC 1002 4.2.1.1).
func TestNameServiceVnetDelay(t *testing.T) {
	t.Cleanup(test.CheckRoutines(t)) // first registered, so it runs after every other cleanup
	const delay = 400 * time.Millisecond
	var df *vnet.DelayFilter
	v := newNBNSVnet(t, func(nic vnet.NIC) vnet.NIC {
		var err error
		if df, err = vnet.NewDelayFilter(nic, delay); err != nil {
			t.Fatal(err)
		}
		return df
	})
	t.Cleanup(func() { df.Close() })
	startService(t, v.serverNet, netbios.Config{})
	c := newNBNSClient(t, v.clientNet, nbnsClientIP)
	enc := netbt.EncodeName(nil, netbiosName, 0x00, "")
	start := time.Now()
	p, sent, ok := c.exchange(nbnsServerIP+":137", func(id uint16) []byte {
		return netbt.AppendNameQueryRequest(nil, id, enc, false)
	}, 250*time.Millisecond, 3)
	took := time.Since(start)
	if !ok {
		t.Fatalf("no answer after %d tries", sent)
	}
	positive(t, p, netbiosName, 0x00, netbt.NBOntB, nbnsServerIP)
	if sent != 2 || took < delay {
		t.Errorf("answered after %d tries in %v; want the 2nd try's wait to see the delayed answer (>= %v)", sent, took, delay)
	}
	t.Logf("answered after %d tries in %v", sent, took.Round(time.Millisecond))
}

// TestNameServiceConfigErrors covers the configurations the services
// refuse.
func TestNameServiceConfigErrors(t *testing.T) {
	v := newNBNSVnet(t, nil)
	for _, tc := range []struct {
		name string
		cfg  netbios.Config
		want string
	}{
		{"nothing on", netbios.Config{}, "neither the name service"},
		{"IPv6 listener", netbios.Config{Listen: "[::1]:137"}, "IPv4"},
		{"no port", netbios.Config{Listen: "10.0.0.2"}, "name service address"},
		// An interface that is not there yet is waited for
		// (TestNameServiceWaitsForInterfaces); one that can never be is
		// refused.
		{"IPv6 interface address", netbios.Config{Listen: ":137", Interfaces: []string{"eth0", "fe80::1"}}, `"fe80::1": want an interface name or an IPv4 address`},
		{"subnet as interface", netbios.Config{Listen: ":137", Interfaces: []string{"10.0.0.0/24"}}, `"10.0.0.0/24": want`},
		{"bad IPv4 address", netbios.Config{Listen: ":137", Interfaces: []string{"10.0.0.256"}}, `"10.0.0.256": want`},
		{"long alias", netbios.Config{Listen: ":137", Aliases: []string{"SIXTEEN-BYTES-XX"}}, "alias"},
		{"no name", netbios.Config{Listen: ":137", Name: ""}, "Name and Workgroup"},
	} {
		tc.cfg.Net = v.serverNet
		if tc.name != "no name" {
			tc.cfg.Name, tc.cfg.Workgroup = netbiosName, "WORKGROUP"
		}
		_, err := netbios.New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New() = %v; want an error mentioning %q", tc.name, err, tc.want)
		}
	}
	srv, err := netbios.New(netbios.Config{Listen: ":137", Name: netbiosName, Workgroup: "WORKGROUP", Net: v.serverNet})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := srv.Start(); !errors.Is(err, netbios.ErrClosed) {
		t.Errorf("Start after Close = %v; want ErrClosed", err)
	}
}

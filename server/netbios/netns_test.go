//go:build !tinysmbd_nonbns

package netbios_test

// Two-host tests of the name service: claims, conflict and defence, refresh
// and release all travel by broadcast, which neither loopback nor pion's
// vnet carries. The server runs in the test's own network namespace (the
// test re-executes itself in a private one, see runInNamespace); the other
// host is a second namespace, unshared by a goroutine locked to its OS
// thread. Sockets opened on that thread belong to the second namespace, so
// a raw UDP socket playing another node, or a second tinysmbd, runs on a
// network stack of its own, joined to the server's by two veth pairs: two
// subnets, to show that each is answered with its own address.

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pion/transport/v3/stdnet"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/netbt"
	"github.com/tinysmbd/tinysmbd/server/netbios"
)

const (
	nbnsVethSrv1  = "tsnb0" // server end, subnet 1
	nbnsVethPeer1 = "tsnb1"
	nbnsVethSrv2  = "tsnb2" // server end, subnet 2
	nbnsVethPeer2 = "tsnb3"
	nbnsSrv1      = "10.214.1.1"
	nbnsPeer1     = "10.214.1.2"
	nbnsBcast1    = "10.214.1.255"
	nbnsSrv2      = "10.214.2.1"
	nbnsPeer2     = "10.214.2.2"
	nbnsBcast2    = "10.214.2.255"
)

// nbnsNetns is the other host's network namespace: functions passed to run
// execute on the one thread that lives in it.
type nbnsNetns struct {
	fns chan func()
	tid int
}

// newNBNSNetns unshares a network namespace on a dedicated thread. The
// thread is never unlocked, so it dies with its goroutine at the end of the
// test and no other goroutine ever runs in the namespace.
func newNBNSNetns(t *testing.T) *nbnsNetns {
	t.Helper()
	ns := &nbnsNetns{fns: make(chan func())}
	errc := make(chan error)
	go func() {
		runtime.LockOSThread()
		if err := syscall.Unshare(syscall.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		ns.tid = syscall.Gettid()
		errc <- nil
		for fn := range ns.fns {
			fn()
		}
	}()
	if err := <-errc; err != nil {
		t.Fatalf("unshare(CLONE_NEWNET): %v", err)
	}
	t.Cleanup(func() { close(ns.fns) })
	return ns
}

// run calls fn in the namespace and waits for it.
func (ns *nbnsNetns) run(fn func()) {
	done := make(chan struct{})
	ns.fns <- func() {
		defer close(done)
		fn()
	}
	<-done
}

// nbnsTwoHosts makes the second host and wires it to this one with two
// veth pairs.
func nbnsTwoHosts(t *testing.T) *nbnsNetns {
	t.Helper()
	ip := requirePeer(t, "ip")
	ns := newNBNSNetns(t)
	cmd := func(args ...string) error {
		if out, err := exec.Command(ip, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	for _, l := range []struct{ srv, peer, srvCIDR, peerCIDR string }{
		{nbnsVethSrv1, nbnsVethPeer1, nbnsSrv1 + "/24", nbnsPeer1 + "/24"},
		{nbnsVethSrv2, nbnsVethPeer2, nbnsSrv2 + "/24", nbnsPeer2 + "/24"},
	} {
		// "netns TID" moves the peer end to the namespace of that thread.
		if err := cmd("link", "add", l.srv, "type", "veth", "peer", "name", l.peer, "netns", strconv.Itoa(ns.tid)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd("link", "del", l.srv) })
		for _, args := range [][]string{{"addr", "add", l.srvCIDR, "brd", "+", "dev", l.srv}, {"link", "set", l.srv, "up"}} {
			if err := cmd(args...); err != nil {
				t.Fatal(err)
			}
		}
		var err error
		ns.run(func() {
			// exec forks from the calling thread, so ip runs in the peer's
			// namespace.
			for _, args := range [][]string{{"addr", "add", l.peerCIDR, "brd", "+", "dev", l.peer}, {"link", "set", l.peer, "up"}, {"link", "set", "lo", "up"}} {
				if err = cmd(args...); err != nil {
					return
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// A veth carries nothing until the kernel's link watcher has seen its
	// carrier and given it a queue, up to a second after "up": a claim
	// broadcast before that is dropped. Wait for both ends.
	for _, l := range []struct{ srv, peer string }{{nbnsVethSrv1, nbnsVethPeer1}, {nbnsVethSrv2, nbnsVethPeer2}} {
		waitLinkUp(t, ip, l.srv, func(f func()) { f() })
		waitLinkUp(t, ip, l.peer, ns.run)
	}
	return ns
}

// waitLinkUp waits until ip reports dev's operational state UP, running ip
// through in (the namespace the device is in).
func waitLinkUp(t *testing.T, ip, dev string, in func(func())) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		var out []byte
		in(func() { out, _ = exec.Command(ip, "-o", "link", "show", "dev", dev).CombinedOutput() })
		if strings.Contains(string(out), " state UP ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is not up after 10 s: %s", dev, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nbnsPacket is a datagram the peer received.
type nbnsPacket struct {
	p    netbt.NameServicePacket
	from netip.AddrPort
	at   time.Time
}

// nbnsPeer is a raw socket on UDP 137 of the other host, playing another
// B-node: it hears the server's broadcasts and sends claims and answers.
type nbnsPeer struct {
	conn *net.UDPConn
	pkts chan nbnsPacket
}

// listenNBNSPeer binds 0.0.0.0:137 in ns.
func listenNBNSPeer(t *testing.T, ns *nbnsNetns) *nbnsPeer {
	t.Helper()
	var err error
	p := &nbnsPeer{pkts: make(chan nbnsPacket, 1024)}
	ns.run(func() { p.conn, err = net.ListenUDP("udp4", &net.UDPAddr{Port: netbt.NameServicePort}) })
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.pkts)
		for {
			buf := make([]byte, 1500)
			n, from, err := p.conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			pkt, err := netbt.ParseNameServicePacket(buf[:n])
			if err != nil {
				t.Errorf("peer received a malformed packet from %v: %v\n% x", from, err, buf[:n])
				continue
			}
			p.pkts <- nbnsPacket{p: pkt, from: netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), at: time.Now()}
		}
	}()
	t.Cleanup(func() { p.conn.Close() })
	return p
}

// collect returns the packets matching keep that arrive within d.
func (p *nbnsPeer) collect(d time.Duration, keep func(nbnsPacket) bool) []nbnsPacket {
	var out []nbnsPacket
	deadline := time.After(d)
	for {
		select {
		case pkt, ok := <-p.pkts:
			if !ok {
				return out
			}
			if keep(pkt) {
				out = append(out, pkt)
			}
		case <-deadline:
			return out
		}
	}
}

// next returns the first packet matching keep within d.
func (p *nbnsPeer) next(d time.Duration, keep func(nbnsPacket) bool) (nbnsPacket, bool) {
	deadline := time.After(d)
	for {
		select {
		case pkt, ok := <-p.pkts:
			if !ok {
				return nbnsPacket{}, false
			}
			if keep(pkt) {
				return pkt, true
			}
		case <-deadline:
			return nbnsPacket{}, false
		}
	}
}

func (p *nbnsPeer) send(t *testing.T, b []byte, to string) {
	t.Helper()
	if _, err := p.conn.WriteToUDPAddrPort(b, netip.AddrPortFrom(netip.MustParseAddr(to), netbt.NameServicePort)); err != nil {
		t.Fatalf("peer send to %s: %v", to, err)
	}
}

// nameOf decodes an encoded name as NAME<xx>.
func nameOf(enc []byte) string {
	var buf [netbt.MaxDecodedNameLen]byte
	name, suffix, _, _, err := netbt.DecodeName(buf[:0], enc)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%s<%02x>", name, suffix)
}

// claimFrom matches requests with opcode op from the server's address src.
func claimFrom(op netbt.Opcode, src string) func(nbnsPacket) bool {
	return func(pkt nbnsPacket) bool {
		return !pkt.p.IsResponse() && pkt.p.Opcode() == op && (src == "" || pkt.from.Addr().String() == src)
	}
}

// answerTo matches the response to transaction id.
func answerTo(id uint16) func(nbnsPacket) bool {
	return func(pkt nbnsPacket) bool { return pkt.p.IsResponse() && pkt.p.TransactionID() == id }
}

// claimEntry returns the question's name and the additional record's entry
// and TTL of a registration, refresh or release request.
func claimEntry(t *testing.T, p netbt.NameServicePacket) (string, netbt.AddrEntry, uint32) {
	t.Helper()
	q, okQ := p.Question()
	ar, okAR := p.Additional()
	if !okQ || !okAR || q.Type() != netbt.RRTypeNB {
		t.Fatalf("claim without question or additional record")
	}
	es, err := ar.AddrEntries()
	if err != nil || es.Len() != 1 {
		t.Fatalf("claim's additional record: %v", err)
	}
	if !strings.EqualFold(string(q.Name()), string(ar.Name())) {
		t.Errorf("claim's question %s and record %s differ", nameOf(q.Name()), nameOf(ar.Name()))
	}
	return nameOf(q.Name()), es.Entry(0), ar.TTL()
}

// nbnsServerNames are the names of the server in TestNameServiceTwoHosts,
// with their NB_FLAGS.
var nbnsServerNames = map[string]uint16{
	netbiosName + "<00>": netbt.NBOntB, netbiosName + "<20>": netbt.NBOntB,
	nbnsAlias + "<00>": netbt.NBOntB, nbnsAlias + "<20>": netbt.NBOntB,
	"WORKGROUP<00>": netbt.NBGroup, "WORKGROUP<1e>": netbt.NBGroup,
}

// TestNameServiceTwoHosts is the broadcast half of acceptance test 4:
// registration, defence, refresh, conflict and release between two hosts,
// and multi-homed answers.
func TestNameServiceTwoHosts(t *testing.T) {
	if os.Getenv(testpeer.EnvInNamespace) == "" {
		runInNamespace(t, "the two-host name service test needs network namespaces and veth pairs of its own")
		return
	}
	ns := nbnsTwoHosts(t)
	peer := listenNBNSPeer(t, ns)
	srv, logs := startService(t, nil, netbios.Config{
		Aliases:         []string{nbnsAlias},
		Interfaces:      []string{nbnsVethSrv1, nbnsSrv2}, // by name and by address
		RefreshInterval: 700 * time.Millisecond,
	})

	ok := t.Run("claims", func(t *testing.T) {
		// RFC 1002 5.1.1.1 and 6: every name on every subnet, TTL 0, three times
		// 250 ms apart with one transaction ID, broadcast, RD set.
		// The window is generous (three tries take 500 ms) because the
		// machine may be loaded; spacing is checked from below only, since
		// load can only stretch it.
		claims := peer.collect(3*time.Second, claimFrom(netbt.OpcodeRegistration, ""))
		type key struct {
			name, src string
			id        uint16
		}
		seen := map[key][]time.Time{}
		for _, c := range claims {
			name, e, ttl := claimEntry(t, c.p)
			src := c.from.Addr().String()
			if c.p.Flags() != netbt.FlagRD|netbt.FlagB || c.from.Port() != netbt.NameServicePort || ttl != 0 {
				t.Errorf("claim of %s from %v: flags %#x ttl %d", name, c.from, c.p.Flags(), ttl)
			}
			if flags, ok := nbnsServerNames[name]; !ok || e.Flags != flags || e.Addr.String() != src {
				t.Errorf("claim of %s from %s: entry %#04x %v", name, src, e.Flags, e.Addr)
			}
			k := key{name, src, c.p.TransactionID()}
			seen[k] = append(seen[k], c.at)
		}
		if len(seen) != 2*len(nbnsServerNames) {
			t.Errorf("%d distinct claims; want %d names on 2 subnets", len(seen), len(nbnsServerNames))
		}
		for k, at := range seen {
			if len(at) != 3 {
				t.Errorf("%s from %s sent %d times; want 3", k.name, k.src, len(at))
				continue
			}
			for i := 1; i < 3; i++ {
				if gap := at[i].Sub(at[i-1]); gap < 200*time.Millisecond {
					t.Errorf("%s from %s: %v between tries; want 250 ms", k.name, k.src, gap)
				}
			}
		}
		waitRegistered(t, srv)
	})
	if !ok {
		t.FailNow()
	}

	t.Run("multihomed", func(t *testing.T) {
		var c *nbnsClient
		ns.run(func() {
			conn, err := net.ListenUDP("udp4", &net.UDPAddr{})
			if err == nil {
				c = &nbnsClient{t: t, conn: conn, id: 0x100}
			}
		})
		if c == nil {
			t.Fatal("no client socket in the peer's namespace")
		}
		defer c.conn.Close()
		for _, addr := range []string{nbnsSrv1, nbnsSrv2} {
			p, ok := c.query(addr+":137", netbiosName, 0x20, false)
			if !ok {
				t.Fatalf("no answer from %s", addr)
			}
			positive(t, p, netbiosName, 0x20, netbt.NBOntB, addr)
		}
		// A broadcast query is heard on the broadcast socket and answered
		// with the address on that subnet.
		for _, tc := range []struct{ bcast, addr string }{{nbnsBcast1, nbnsSrv1}, {nbnsBcast2, nbnsSrv2}} {
			p, ok := c.query(tc.bcast+":137", nbnsAlias, 0x00, true)
			if !ok {
				t.Fatalf("no answer to a broadcast query on %s", tc.bcast)
			}
			positive(t, p, nbnsAlias, 0x00, netbt.NBOntB, tc.addr)
		}
		// The node status carries the MAC of the interface asked.
		ifc, err := net.InterfaceByName(nbnsVethSrv2)
		if err != nil {
			t.Fatal(err)
		}
		st, ok := c.status(nbnsSrv2 + ":137")
		if !ok {
			t.Fatal("no node status response")
		}
		if id, _ := st.UnitID(); net.HardwareAddr(id[:]).String() != ifc.HardwareAddr.String() {
			t.Errorf("unit ID %x; want the MAC of %s, %v", id, nbnsVethSrv2, ifc.HardwareAddr)
		}
	})

	t.Run("defence", func(t *testing.T) {
		peerAddr := netip.MustParseAddr(nbnsPeer1)
		for i, tc := range []struct {
			name   string
			suffix byte
			flags  uint16
			op     netbt.Opcode
			defend bool
		}{
			{netbiosName, 0x00, netbt.NBOntB, netbt.OpcodeRegistration, true},   // unique on unique
			{nbnsAlias, 0x20, netbt.NBGroup, netbt.OpcodeRegistration, true},    // group on unique
			{"WORKGROUP", 0x1E, netbt.NBOntB, netbt.OpcodeRegistration, true},   // unique on group
			{"WORKGROUP", 0x00, netbt.NBGroup, netbt.OpcodeRegistration, false}, // group on group
			{netbiosName, 0x20, netbt.NBOntB, netbt.OpcodeRefresh, true},        // a refresh claims too
			{"OTHER", 0x20, netbt.NBOntB, netbt.OpcodeRegistration, false},      // not ours
		} {
			id := uint16(0x7000 + i)
			enc := netbt.EncodeName(nil, tc.name, tc.suffix, "")
			e := netbt.AddrEntry{Flags: tc.flags, Addr: peerAddr}
			var req []byte
			if tc.op == netbt.OpcodeRefresh {
				req = netbt.AppendNameRefreshRequest(nil, id, enc, 300, e, true)
			} else {
				req = netbt.AppendNameRegistrationRequest(nil, id, enc, 300, e, true)
			}
			peer.send(t, req, nbnsBcast1)
			resp, got := peer.next(500*time.Millisecond, answerTo(id))
			label := fmt.Sprintf("%v of %s<%02x> (flags %#04x)", tc.op, tc.name, tc.suffix, tc.flags)
			if got != tc.defend {
				t.Errorf("%s: defended %v, want %v", label, got, tc.defend)
				continue
			}
			if !got {
				continue
			}
			an, ok := resp.p.Answer()
			if !ok || resp.p.Opcode() != netbt.OpcodeRegistration || resp.p.RCode() != netbt.RcodeActErr || resp.from.Addr().String() != nbnsSrv1 {
				t.Fatalf("%s: response opcode %v rcode %d from %v", label, resp.p.Opcode(), resp.p.RCode(), resp.from)
			}
			es, _ := an.AddrEntries()
			if nameOf(an.Name()) != fmt.Sprintf("%s<%02x>", tc.name, tc.suffix) || es.Len() != 1 || es.Entry(0).Addr.String() != nbnsSrv1 {
				t.Errorf("%s: answer %s %v", label, nameOf(an.Name()), es)
			}
		}
		if n := strings.Count(logs.String(), "defended NetBIOS name"); n != 4 {
			t.Errorf("%d defences logged; want 4", n)
		}
		waitRegistered(t, srv) // defending changes nothing
	})

	t.Run("refresh and conflict", func(t *testing.T) {
		// Refreshes come every 700 ms here (RFC 1002 4.2.4, opcode 8,
		// broadcast). Object to one of TINYSMBD<20> on subnet 2.
		ref, ok := peer.next(2*time.Second, func(pkt nbnsPacket) bool {
			if !claimFrom(netbt.OpcodeRefresh, nbnsSrv2)(pkt) {
				return false
			}
			q, _ := pkt.p.Question()
			return nameOf(q.Name()) == netbiosName+"<20>"
		})
		if !ok {
			t.Fatal("no refresh of TINYSMBD<20> from subnet 2 within 2s")
		}
		if name, e, ttl := claimEntry(t, ref.p); ref.p.Flags() != netbt.FlagB || e.Addr.String() != nbnsSrv2 || ttl != 0 {
			t.Errorf("refresh of %s: flags %#x entry %v ttl %d", name, ref.p.Flags(), e.Addr, ttl)
		}
		q, _ := ref.p.Question()
		peer.send(t, netbt.AppendNameRegistrationResponse(nil, ref.p.TransactionID(), q.Name(), netbt.RcodeActErr, 300,
			netbt.AddrEntry{Addr: netip.MustParseAddr(nbnsPeer2)}), nbnsSrv2)
		// A name conflict demand (RFC 1002 4.2.8) for NASALIAS<00> on
		// subnet 1, unasked.
		peer.send(t, netbt.AppendNameConflictDemand(nil, 0x7777, netbt.EncodeName(nil, nbnsAlias, 0, ""), netbt.NBOntB), nbnsSrv1)

		waitStates(t, srv, map[string]string{netbiosName + "<20>": "registered,conflict", nbnsAlias + "<00>": "conflict,registered"})
		if !strings.Contains(logs.String(), "NetBIOS name in conflict") {
			t.Error("the conflict was not logged")
		}

		// The name is no longer answered for on subnet 2, still on 1.
		var c *nbnsClient
		ns.run(func() {
			conn, err := net.ListenUDP("udp4", &net.UDPAddr{})
			if err == nil {
				c = &nbnsClient{t: t, conn: conn, id: 0x200}
			}
		})
		if c == nil {
			t.Fatal("no client socket")
		}
		defer c.conn.Close()
		if p, ok := c.query(nbnsSrv2+":137", netbiosName, 0x20, false); !ok {
			t.Error("no answer from subnet 2")
		} else {
			negative(t, p)
		}
		if p, ok := c.query(nbnsSrv1+":137", netbiosName, 0x20, false); !ok {
			t.Error("no answer from subnet 1")
		} else {
			positive(t, p, netbiosName, 0x20, netbt.NBOntB, nbnsSrv1)
		}
		st, ok := c.status(nbnsSrv2 + ":137")
		if !ok {
			t.Fatal("no node status from subnet 2")
		}
		for i := range st.NumNames() {
			name, suffix, flags := st.Name(i)
			conflict := string(name) == netbiosName && suffix == 0x20
			if (flags&netbt.NameConflict != 0) != conflict || flags&netbt.NameActive == 0 {
				t.Errorf("node status on subnet 2: %s<%02x> flags %#04x", name, suffix, flags)
			}
		}

		// A name in conflict is no longer refreshed there; the others are.
		since := time.Now()
		round := peer.collect(1500*time.Millisecond, func(pkt nbnsPacket) bool {
			return pkt.at.After(since) && claimFrom(netbt.OpcodeRefresh, "")(pkt)
		})
		others := 0
		for _, r := range round {
			name, e, _ := claimEntry(t, r.p)
			switch {
			case name == netbiosName+"<20>" && e.Addr.String() == nbnsSrv2,
				name == nbnsAlias+"<00>" && e.Addr.String() == nbnsSrv1:
				t.Errorf("%s still refreshed from %v", name, e.Addr)
			default:
				others++
			}
		}
		if others == 0 {
			t.Error("no refreshes at all in 1.5 s")
		}
	})

	t.Run("release", func(t *testing.T) {
		// Close releases what is registered, three times (RFC 1002
		// 4.2.9): all but the two names in conflict.
		start := time.Now()
		srv.Close()
		t.Logf("Close took %v", time.Since(start).Round(time.Millisecond))
		rel := peer.collect(300*time.Millisecond, claimFrom(netbt.OpcodeRelease, ""))
		count := map[string]int{}
		for _, r := range rel {
			name, e, ttl := claimEntry(t, r.p)
			if r.p.Flags() != netbt.FlagB || ttl != 0 || e.Addr != r.from.Addr() || e.Flags != nbnsServerNames[name] {
				t.Errorf("release of %s from %v: flags %#x ttl %d entry %#04x %v", name, r.from, r.p.Flags(), ttl, e.Flags, e.Addr)
			}
			count[name+" "+e.Addr.String()]++
		}
		for name := range nbnsServerNames {
			for _, addr := range []string{nbnsSrv1, nbnsSrv2} {
				want := 3
				if name == netbiosName+"<20>" && addr == nbnsSrv2 || name == nbnsAlias+"<00>" && addr == nbnsSrv1 {
					want = 0
				}
				if got := count[name+" "+addr]; got != want {
					t.Errorf("%s released %d times from %s; want %d", name, got, addr, want)
				}
			}
		}
	})

	t.Run("second instance", func(t *testing.T) {
		// Two tinysmbds with one name: the second's claim is defended by
		// the first, and it gives up its unique names but keeps the
		// workgroup, a group name.
		first, firstLogs := startService(t, nil, netbios.Config{Interfaces: []string{nbnsVethSrv1}})
		waitRegistered(t, first)
		peer.conn.Close() // the second instance needs UDP 137 over there

		logsB := new(testpeer.SyncBuffer)
		var second *netbios.Service
		var err error
		ns.run(func() {
			var n *stdnet.Net
			if n, err = stdnet.NewNet(); err != nil {
				return
			}
			second, err = netbios.New(netbios.Config{
				Name: netbiosName, Workgroup: "WORKGROUP", Listen: "0.0.0.0:137", Net: n, Interfaces: []string{nbnsVethPeer1},
				Logger: slog.New(slog.NewTextHandler(logsB, &slog.HandlerOptions{Level: slog.LevelDebug})),
			})
			if err == nil {
				err = second.Start() // binds from this thread, in the peer's namespace
			}
		})
		if err != nil {
			t.Fatalf("second instance: %v", err)
		}
		defer func() {
			second.Close()
			if t.Failed() {
				t.Logf("second instance's log:\n%s", logsB.String())
			}
		}()
		want := map[string]string{
			netbiosName + "<00>": "conflict", netbiosName + "<20>": "conflict",
			"WORKGROUP<00>": "registered", "WORKGROUP<1e>": "registered",
		}
		waitStates(t, second, want)
		waitRegistered(t, first)
		if n := strings.Count(firstLogs.String(), "defended NetBIOS name"); n < 2 {
			t.Errorf("first instance logged %d defences; want at least 2", n)
		}
		if n := strings.Count(logsB.String(), "NetBIOS name in conflict"); n != 2 {
			t.Errorf("second instance logged %d conflicts; want 2", n)
		}
		// Asked directly, the second instance denies the name; the first
		// owns it.
		c := newNBNSClient(t, mustStdnet(t), "")
		if p, ok := c.query(nbnsPeer1+":137", netbiosName, 0x20, false); !ok {
			t.Error("no answer from the second instance")
		} else {
			negative(t, p)
		}
		if p, ok := c.query(nbnsSrv1+":137", netbiosName, 0x20, false); !ok {
			t.Error("no answer from the first instance")
		} else {
			positive(t, p, netbiosName, 0x20, netbt.NBOntB, nbnsSrv1)
		}
	})
}

func mustStdnet(t *testing.T) *stdnet.Net {
	t.Helper()
	n, err := stdnet.NewNet()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

//go:build !tinysmbd_nonbns

package server

// The NetBIOS name service of a B-node (RFC 1001 15, RFC 1002 4.2 and 5.1.1):
// it claims the server's names by broadcast on each subnet, answers name
// queries and node status requests, defends its unique names, refreshes
// them, and releases them when the server stops. Like Samba's nmbd it binds
// two UDP sockets per subnet, one to the interface's address and one to the
// subnet's broadcast address, so that the socket a datagram arrives on says
// which subnet, and so which address, to answer with. The sockets come from
// a transport.Net, so tests run the service on pion's virtual network.

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/transport/v3"
	"github.com/pion/transport/v3/stdnet"

	"github.com/tinysmbd/tinysmbd/netbt"
)

const (
	// nbnsTTL is the TTL, in seconds, of positive answers: three days, what
	// Samba's nmbd gives for names it holds on a broadcast subnet.
	nbnsTTL = 3 * 24 * 60 * 60
	// claimTTL is the TTL of a B-node's claims, refreshes and releases: 0,
	// as RFC 1002 5.1.1.1 builds them and nmbd sends them.
	claimTTL = 0
	// bcastRetryTimeout and bcastRetryCount are RFC 1002 6's
	// BCAST_REQ_RETRY_TIMEOUT and BCAST_REQ_RETRY_COUNT: a broadcast claim
	// goes out three times, 250 ms apart, and stands if no node objected
	// 250 ms after the last one.
	bcastRetryTimeout = 250 * time.Millisecond
	bcastRetryCount   = 3
	// lateResponseGrace keeps a claim's transaction ID known for a while
	// after its last retry, so that a defence arriving late still marks the
	// name in conflict.
	lateResponseGrace = 2 * time.Second
	// nbnsReadBuffer holds any name service datagram: RFC 1002 4.2 keeps
	// them under 576 bytes; nothing longer is legitimate.
	nbnsReadBuffer = 1500
)

// NameServiceBuilt reports whether this binary has the NetBIOS name
// service; the tinysmbd_nonbns build tag leaves it out.
const NameServiceBuilt = true

// nbnsRefreshInterval is how often registered names are refreshed by
// broadcast. B-nodes need no refresh (RFC 1001 15.5.1; nmbd sends none on
// broadcast subnets), but a refresh lets a node that joined while this one
// was unreachable object to a duplicate name. A variable so that tests can
// shorten it.
var nbnsRefreshInterval = 15 * time.Minute

// nbnsRescanInterval is how often the service lists the interfaces again,
// to serve a subnet that came up (a late DHCP lease, Wi-Fi) and drop one
// that went away; nbnsWaitInterval is that period while it has no subnet
// at all, as nmbd polls every 5 s for its first interface and then every
// 120 s. Variables so that tests can lengthen them and rescan on demand.
var (
	nbnsRescanInterval = 30 * time.Second
	nbnsWaitInterval   = 5 * time.Second
)

// nbState is the state of one name on one subnet.
type nbState uint8

const (
	// nbRegistering: the claim is being broadcast. Unicast queries are
	// answered, broadcast ones not yet.
	nbRegistering nbState = iota
	// nbRegistered: nobody objected; the name is ours and defended.
	nbRegistered
	// nbConflict: another node owns the (unique) name; it is neither
	// answered for nor defended, and the node status shows CNF.
	nbConflict
	// nbReleased: released at shutdown.
	nbReleased
)

func (st nbState) String() string {
	switch st {
	case nbRegistering:
		return "registering"
	case nbRegistered:
		return "registered"
	case nbConflict:
		return "conflict"
	}
	return "released"
}

// nbName is one name of the server's name table.
type nbName struct {
	name    string // upper case, at most 15 bytes
	suffix  byte
	group   bool
	encoded []byte // first-level encoding, no scope
}

// label returns the name as logs and Samba print it: NAME<xx>.
func (n *nbName) label() string {
	const hex = "0123456789abcdef"
	return n.name + "<" + string([]byte{hex[n.suffix>>4], hex[n.suffix&0xF]}) + ">"
}

// nbFlags returns the NB_FLAGS of the name: B-node, and G for a group.
func (n *nbName) nbFlags() uint16 {
	if n.group {
		return netbt.NBGroup | netbt.NBOntB
	}
	return netbt.NBOntB
}

// nbSubnet is one IPv4 address of an interface the service runs on, with
// its subnet: names are claimed, answered and defended per subnet, as
// Samba's nmbd does. All but state is set before the subnet is served and
// never changes: an address that changes makes a new subnet.
type nbSubnet struct {
	ifname string
	addr   netip.Addr
	prefix netip.Prefix
	bcast  *net.UDPAddr // where claims are broadcast
	mac    [6]byte      // the interface's MAC, zero if none
	// uc is bound to addr and sends everything; bc, bound to the broadcast
	// address, hears broadcasts. bc is nil where broadcast addresses cannot
	// be bound, as on pion's vnet, which has no broadcast anyway.
	uc, bc transport.UDPConn
	// state is the state of each name on the subnet, by its index in
	// nameService.names; nameService.mu guards it.
	state []nbState
	// gone is closed when the subnet is dropped, which ends its readers.
	gone chan struct{}
}

// in reports whether list has sn's address and subnet on sn's interface.
// (A loop rather than slices.ContainsFunc, whose dictionary keeps every
// method of netip.Prefix, text parsing included, in the binary.)
func (sn *nbSubnet) in(list []*nbSubnet) bool {
	for _, o := range list {
		if sn.ifname == o.ifname && sn.addr == o.addr && sn.prefix == o.prefix {
			return true
		}
	}
	return false
}

// close ends the subnet's readers and closes its sockets.
func (sn *nbSubnet) close() {
	close(sn.gone)
	sn.uc.Close()
	if sn.bc != nil {
		sn.bc.Close()
	}
}

// pendingClaim is a registration or refresh whose transaction ID a negative
// response may answer.
type pendingClaim struct {
	name    int
	subnet  *nbSubnet
	expires time.Time
}

// nameService is the running service.
type nameService struct {
	log *slog.Logger
	net transport.Net
	// update brings net's list of interfaces up to date before a rescan:
	// pion's stdnet reads it once. It is set for the service's own stdnet
	// only; a Config.Net is the caller's and used as it is.
	update func() error
	want   []string   // Config.Interfaces
	listen netip.Addr // of NBNSListen
	port   uint16     // of every socket, and where broadcasts go
	names  []*nbName

	mu      sync.Mutex
	subnets []*nbSubnet
	pending map[uint16]pendingClaim
	nextID  uint16

	// What the last scan found wanting, so that each is logged once: the
	// Interfaces entries that matched nothing ("any" when no interface
	// will do), and its errors listing the interfaces or binding a new
	// subnet, one a line. Only the registrar (and newNameService before
	// it) uses them.
	waitingFor string
	errs       string

	// rescanReq asks the registrar to rescan now and to close the channel
	// sent, unless nil, when it is done. Buffer 1: one pending request
	// stands for any number.
	rescanReq chan chan struct{}
	stop      chan struct{} // closed by close to end the registrar
	registrar sync.WaitGroup
	reader    sync.WaitGroup
}

// newNameService works out the names and subnets of s's name service and
// opens the sockets of the subnets up now; start sets it going. No subnet
// is not an error: the service waits for one.
func newNameService(s *Server) (*nameService, error) {
	cfg := &s.cfg
	local, err := parseNBNSListen(cfg.NBNSListen)
	if err != nil {
		return nil, err
	}
	if err := checkNBNSInterfaces(cfg.Interfaces); err != nil {
		return nil, err
	}
	ns := &nameService{
		log:       s.log.With("service", "nbns"),
		net:       cfg.Net,
		want:      cfg.Interfaces,
		listen:    local.Addr(),
		port:      local.Port(),
		pending:   make(map[uint16]pendingClaim),
		nextID:    uint16(rand.Uint32()),
		rescanReq: make(chan chan struct{}, 1),
		stop:      make(chan struct{}),
	}
	if ns.net == nil {
		sn, err := stdnet.NewNet()
		if err != nil {
			return nil, fmt.Errorf("server: name service: %w", err)
		}
		ns.net, ns.update = sn, sn.UpdateInterfaces
	}
	// The server's names: <00>, the workstation service, which nmblookup
	// asks for by default, and <20>, the file server, which a client asks
	// for to connect; the workgroup as the groups <00> and <1E> (browser
	// elections), like nmbd.
	var names []nbName
	for _, name := range append([]string{cfg.NetBIOSName}, cfg.NetBIOSAliases...) {
		if len(name) == 0 || len(name) > netbt.MaxNameLen {
			return nil, fmt.Errorf("server: NetBIOS alias %q must be 1 to %d bytes", name, netbt.MaxNameLen)
		}
		names = append(names, nbName{name: name}, nbName{name: name, suffix: 0x20})
	}
	names = append(names, nbName{name: cfg.Workgroup, group: true}, nbName{name: cfg.Workgroup, suffix: 0x1E, group: true})
next:
	for _, n := range names {
		n.name = strings.ToUpper(n.name)
		for _, have := range ns.names {
			if have.name == n.name && have.suffix == n.suffix {
				continue next
			}
		}
		n.encoded = netbt.EncodeName(nil, n.name, n.suffix, "")
		ns.names = append(ns.names, &n)
	}

	found, missing, err := nbnsSubnets(ns.net, ns.want, ns.listen)
	if err != nil {
		return nil, err
	}
	// At start a socket that will not bind (the port taken, no privilege)
	// is an error, while the operator is watching; later it is logged.
	for _, sn := range found {
		if err := ns.open(sn); err != nil {
			for _, o := range ns.subnets {
				o.close()
			}
			return nil, err
		}
		ns.subnets = append(ns.subnets, sn)
	}
	ns.noteScan(missing)
	return ns, nil
}

// open binds sn's sockets on the service's port.
func (ns *nameService) open(sn *nbSubnet) error {
	var err error
	sn.uc, err = ns.net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(sn.addr, ns.port)))
	if err != nil {
		return fmt.Errorf("server: name service: listen on %s (%s) port %d: %w", sn.addr, sn.ifname, ns.port, err)
	}
	if ns.port == 0 {
		// Port 0 in NBNSListen (tests): the first socket picks the port,
		// and the other sockets and the broadcasts follow it.
		if ua, ok := sn.uc.LocalAddr().(*net.UDPAddr); ok {
			ns.port = uint16(ua.Port)
		}
	}
	sn.bcast = net.UDPAddrFromAddrPort(netip.AddrPortFrom(broadcastAddr(sn.prefix), ns.port))
	sn.bc, err = ns.net.ListenUDP("udp4", sn.bcast)
	if err != nil {
		sn.bc = nil
		ns.log.Warn("name service cannot bind the broadcast address; broadcasts on this subnet go unheard",
			"interface", sn.ifname, "broadcast", sn.bcast.String(), "err", err)
	}
	sn.state = make([]nbState, len(ns.names))
	sn.gone = make(chan struct{})
	return nil
}

// serve starts the readers of sn's sockets.
func (ns *nameService) serve(sn *nbSubnet) {
	ns.logSubnet("name service listening", sn)
	for _, c := range []transport.UDPConn{sn.uc, sn.bc} {
		if c == nil {
			continue
		}
		ns.reader.Add(1)
		go func() {
			defer ns.reader.Done()
			ns.readLoop(sn, c)
		}()
	}
}

// parseNBNSListen parses Config.NBNSListen: an IPv4 address or nothing (all
// addresses), and a port.
func parseNBNSListen(addr string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("server: NBNSListen %q: %w", addr, err)
	}
	ip := netip.IPv4Unspecified()
	if host != "" {
		ip, err = netip.ParseAddr(host)
		if err != nil || !ip.Unmap().Is4() {
			return netip.AddrPort{}, fmt.Errorf("server: NBNSListen %q: want an IPv4 address (NetBIOS over TCP/IP is IPv4 only)", addr)
		}
		ip = ip.Unmap()
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("server: NBNSListen %q: bad port", addr)
	}
	return netip.AddrPortFrom(ip, uint16(p)), nil
}

// checkNBNSInterfaces refuses an entry of Config.Interfaces that can never
// name an interface or an IPv4 address, so that it fails at start instead
// of being waited for: blank or padded with spaces, an IPv6 address
// (NetBIOS over TCP/IP is IPv4 only), a subnet, or digits and dots that
// are no IPv4 address. A well-formed name that matches nothing may be an
// interface not up yet; the service waits for it and logs that.
func checkNBNSInterfaces(want []string) error {
	for _, w := range want {
		ip, err := netip.ParseAddr(w)
		if err == nil && ip.Unmap().Is4() {
			continue
		}
		if err == nil || strings.TrimSpace(w) != w || strings.Trim(w, "0123456789./") == "" || strings.ContainsRune(w, '/') {
			return fmt.Errorf("server: name service: Interfaces entry %q: want an interface name or an IPv4 address", w)
		}
	}
	return nil
}

// nbnsSubnets lists the IPv4 subnets the service runs on now. With a list
// of interfaces (names or addresses) it is those of them that are up with
// an IPv4 address, and missing the entries that matched nothing; otherwise
// every interface that is up, not loopback, and has a subnet with a
// broadcast address. A listener bound to one address keeps only that
// address's subnet, since it cannot hear the others.
func nbnsSubnets(n transport.Net, want []string, listen netip.Addr) (found []*nbSubnet, missing []string, err error) {
	ifs, err := n.Interfaces()
	if err != nil {
		return nil, nil, fmt.Errorf("server: name service: list interfaces: %w", err)
	}
	var all []*nbSubnet
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, _ := ifc.Addrs() // an interface without addresses returns an error
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			ones, bits := ipn.Mask.Size()
			if !ok || !ip.Unmap().Is4() || bits == 0 {
				continue
			}
			ip = ip.Unmap()
			if bits == 128 {
				ones -= 96
			}
			sn := &nbSubnet{ifname: ifc.Name, addr: ip, prefix: netip.PrefixFrom(ip, ones).Masked()}
			if len(ifc.HardwareAddr) == 6 {
				sn.mac = [6]byte(ifc.HardwareAddr)
			}
			if len(want) == 0 && (ifc.Flags&net.FlagLoopback != 0 || ones > 30) && listen.IsUnspecified() {
				continue
			}
			if !listen.IsUnspecified() && ip != listen {
				continue
			}
			all = append(all, sn)
		}
	}
	if len(want) == 0 {
		return uniqueSubnets(nil, all...), nil, nil
	}
	for _, w := range want {
		wip, werr := netip.ParseAddr(w)
		ok := false
		for _, sn := range all {
			if sn.ifname == w || werr == nil && sn.addr == wip.Unmap() {
				ok = true
				found = uniqueSubnets(found, sn)
			}
		}
		if !ok {
			missing = append(missing, w)
		}
	}
	return found, missing, nil
}

// uniqueSubnets appends to list each subnet whose prefix is not there yet.
// A second address in a subnet would share its broadcast address, which
// only one socket can bind, so the first address serves the subnet.
func uniqueSubnets(list []*nbSubnet, add ...*nbSubnet) []*nbSubnet {
next:
	for _, sn := range add {
		for _, have := range list {
			if have.prefix == sn.prefix {
				continue next
			}
		}
		list = append(list, sn)
	}
	return list
}

// broadcastAddr returns the last address of p, its directed broadcast
// address.
func broadcastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		a[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(a)
}

// start runs the readers and the registrar, which claims every name, then
// refreshes them and rescans the interfaces.
func (ns *nameService) start() {
	for _, sn := range ns.subnets {
		ns.serve(sn)
	}
	ns.registrar.Add(1)
	go func() {
		defer ns.registrar.Done()
		ns.run()
	}()
}

// run is the registrar: it claims the names on the subnets found at start,
// then refreshes them every nbnsRefreshInterval and rescans the interfaces
// every nbnsRescanInterval (nbnsWaitInterval while there is no subnet) or
// when asked, until the service stops.
func (ns *nameService) run() {
	ns.register(ns.subnets)
	refresh := time.After(nbnsRefreshInterval)
	rescan := time.After(ns.rescanWait())
	for {
		var done chan struct{}
		select {
		case <-ns.stop:
			return
		case <-refresh:
			ns.refresh()
			refresh = time.After(nbnsRefreshInterval)
			continue
		case <-rescan:
		case done = <-ns.rescanReq:
		}
		ns.rescan()
		rescan = time.After(ns.rescanWait())
		if done != nil {
			close(done)
		}
	}
}

// rescanWait is the time to the next periodic rescan.
func (ns *nameService) rescanWait() time.Duration {
	ns.mu.Lock()
	none := len(ns.subnets) == 0
	ns.mu.Unlock()
	if none {
		return nbnsWaitInterval
	}
	return nbnsRescanInterval
}

// rescanSoon asks the registrar to list the interfaces again without
// waiting for it, as SIGHUP makes nmbd reload them.
func (ns *nameService) rescanSoon() {
	select {
	case ns.rescanReq <- nil:
	default: // a rescan is pending already
	}
}

// rescan lists the interfaces again and brings the subnets up to date, as
// nmbd's interface reload does. A subnet that is gone is dropped with its
// sockets, without a release: its address can send nothing any more. A
// new one is bound and its names claimed as at start. An address that
// changed is both, the old subnet closed first, since the two may share a
// broadcast address, which only one socket can bind.
func (ns *nameService) rescan() {
	var found []*nbSubnet
	var missing []string
	var err error
	if ns.update != nil {
		err = ns.update()
	}
	if err == nil {
		found, missing, err = nbnsSubnets(ns.net, ns.want, ns.listen)
	}
	errs := ""
	if err != nil {
		ns.scanError(&errs, "name service cannot list the interfaces; keeping its subnets", err)
		ns.errs = errs
		return
	}

	ns.mu.Lock()
	var keep, gone []*nbSubnet
	for _, sn := range ns.subnets {
		if sn.in(found) {
			keep = append(keep, sn)
		} else {
			gone = append(gone, sn)
		}
	}
	ns.subnets = keep
	ns.mu.Unlock()
	for _, sn := range gone {
		ns.logSubnet("name service: address gone; no longer serving its subnet", sn)
		sn.close()
	}

	var added []*nbSubnet
	for _, sn := range found {
		if sn.in(keep) {
			continue
		}
		if err := ns.open(sn); err != nil {
			// Below port 1024 this is what a run_as user without
			// CAP_NET_BIND_SERVICE gets.
			ns.scanError(&errs, "name service cannot serve a new subnet; retrying at each rescan", err)
			continue
		}
		added = append(added, sn)
	}
	ns.errs = errs
	ns.mu.Lock()
	ns.subnets = append(ns.subnets, added...)
	ns.mu.Unlock()
	for _, sn := range added {
		ns.serve(sn)
	}
	ns.noteScan(missing)
	ns.register(added)
}

// scanError logs err unless the previous scan met it too, and adds it to
// errs, this scan's errors: a failure that lasts is logged once.
func (ns *nameService) scanError(errs *string, msg string, err error) {
	e := err.Error()
	if !strings.Contains(ns.errs, e) {
		ns.log.Error(msg, "err", e)
	}
	*errs += e + "\n"
}

// logSubnet logs msg about sn.
func (ns *nameService) logSubnet(msg string, sn *nbSubnet) {
	ns.log.Info(msg, "interface", sn.ifname, "addr", sn.addr.String(),
		"port", int(ns.port), "subnet", sn.prefix.String())
}

// noteScan logs what a scan found wanting, once until it changes: the
// entries of Interfaces that matched nothing (interfaces not up yet, or
// typos), or, without Interfaces, that there is no subnet at all. The
// service waits and scans again either way.
func (ns *nameService) noteScan(missing []string) {
	ns.mu.Lock()
	none := len(ns.subnets) == 0
	ns.mu.Unlock()
	msg, wait := "name service: interfaces not found, not up, or without an IPv4 address yet; waiting for them (a typo in Interfaces?)", strings.Join(missing, " ")
	if none && len(ns.want) == 0 {
		msg, wait = "name service: no IPv4 interface with a broadcast address yet; waiting for one", "any"
	}
	if wait != "" && wait != ns.waitingFor {
		ns.log.Warn(msg, "interfaces", wait, "listen", ns.listen.String())
	}
	ns.waitingFor = wait
}

// close stops claiming, releases the registered names by broadcast, then
// closes the sockets. RFC 1002 5.1.1.4: nobody answers a B-node's release,
// so it goes out three times, 250 ms apart, like a claim.
func (ns *nameService) close() {
	close(ns.stop)
	ns.registrar.Wait()
	type release struct {
		name int
		sn   *nbSubnet
		id   uint16
	}
	var releases []release
	ns.mu.Lock()
	for ni, n := range ns.names {
		for _, sn := range ns.subnets {
			if sn.state[ni] == nbRegistered {
				sn.state[ni] = nbReleased
				releases = append(releases, release{ni, sn, ns.newIDLocked()})
				ns.log.Info("releasing NetBIOS name", "name", n.label(), "addr", sn.addr.String())
			}
		}
	}
	subnets := ns.subnets
	ns.mu.Unlock()
	var out []byte
	for try := range bcastRetryCount {
		if len(releases) == 0 {
			break
		}
		if try > 0 {
			time.Sleep(bcastRetryTimeout)
		}
		for _, r := range releases {
			n := ns.names[r.name]
			out = netbt.AppendNameReleaseRequest(out[:0], r.id, n.encoded,
				netbt.AddrEntry{Flags: n.nbFlags(), Addr: r.sn.addr}, true)
			ns.send(r.sn, out, r.sn.bcast)
		}
	}
	for _, sn := range subnets {
		sn.close()
	}
	ns.reader.Wait()
}

// newIDLocked returns a fresh NAME_TRN_ID. ns.mu is held.
func (ns *nameService) newIDLocked() uint16 {
	ns.nextID++
	return ns.nextID
}

// send writes one datagram from subnet sn's address; a failure is logged,
// since UDP gives no other feedback and the protocol tolerates loss, unless
// the subnet was dropped meanwhile.
func (ns *nameService) send(sn *nbSubnet, b []byte, to net.Addr) {
	if _, err := sn.uc.WriteTo(b, to); err != nil {
		select {
		case <-sn.gone:
		default:
			ns.log.Warn("name service send failed", "to", to.String(), "err", err)
		}
	}
}

// sleep waits d, or returns false at once if the service is stopping.
func (ns *nameService) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ns.stop:
		return false
	}
}

// register claims every name on each of subnets by broadcast (RFC 1002
// 5.1.1.1 and 5.1.1.2): the same request, with the same transaction ID,
// three times 250 ms apart; a name nobody objected to by then is ours.
func (ns *nameService) register(subnets []*nbSubnet) {
	if len(subnets) == 0 {
		return
	}
	type claim struct {
		name int
		sn   *nbSubnet
		id   uint16
	}
	var claims []claim
	ns.mu.Lock()
	expires := time.Now().Add(bcastRetryCount*bcastRetryTimeout + lateResponseGrace)
	for ni := range ns.names {
		for _, sn := range subnets {
			id := ns.newIDLocked()
			ns.pending[id] = pendingClaim{name: ni, subnet: sn, expires: expires}
			claims = append(claims, claim{ni, sn, id})
		}
	}
	ns.mu.Unlock()

	var out []byte
	for range bcastRetryCount {
		ns.mu.Lock()
		for _, c := range claims {
			n := ns.names[c.name]
			if c.sn.state[c.name] != nbRegistering {
				continue
			}
			out = netbt.AppendNameRegistrationRequest(out[:0], c.id, n.encoded, claimTTL,
				netbt.AddrEntry{Flags: n.nbFlags(), Addr: c.sn.addr}, true)
			ns.send(c.sn, out, c.sn.bcast)
		}
		ns.mu.Unlock()
		if !ns.sleep(bcastRetryTimeout) {
			return
		}
	}
	ns.mu.Lock()
	for _, c := range claims {
		if c.sn.state[c.name] == nbRegistering {
			c.sn.state[c.name] = nbRegistered
			n := ns.names[c.name]
			ns.log.Info("registered NetBIOS name", "name", n.label(), "group", n.group,
				"interface", c.sn.ifname, "addr", c.sn.addr.String())
		}
	}
	ns.mu.Unlock()
}

// refresh broadcasts a refresh of each registered name (RFC 1002 4.2.4),
// once: an objection marks the name in conflict like an objection to the
// claim.
func (ns *nameService) refresh() {
	var out []byte
	now := time.Now()
	ns.mu.Lock()
	for id, pc := range ns.pending {
		if now.After(pc.expires) {
			delete(ns.pending, id)
		}
	}
	for ni, n := range ns.names {
		for _, sn := range ns.subnets {
			if sn.state[ni] != nbRegistered {
				continue
			}
			id := ns.newIDLocked()
			ns.pending[id] = pendingClaim{name: ni, subnet: sn, expires: now.Add(bcastRetryTimeout + lateResponseGrace)}
			out = netbt.AppendNameRefreshRequest(out[:0], id, n.encoded, claimTTL,
				netbt.AddrEntry{Flags: n.nbFlags(), Addr: sn.addr}, true)
			ns.send(sn, out, sn.bcast)
		}
	}
	ns.mu.Unlock()
}

// readLoop serves the datagrams arriving on c, one of subnet sn's sockets,
// until it is closed.
func (ns *nameService) readLoop(sn *nbSubnet, c transport.UDPConn) {
	buf := make([]byte, nbnsReadBuffer)
	out := make([]byte, 0, nbnsReadBuffer)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			select {
			case <-sn.gone:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// ICMP errors and the like; keep serving, without spinning.
			ns.log.Debug("name service read failed", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		ua, ok := from.(*net.UDPAddr)
		if !ok {
			continue
		}
		out = ns.handle(out[:0], buf[:n], sn, from, ua.AddrPort())
	}
}

// fromSelf reports a datagram this service sent: broadcasts loop back to
// the sender's own socket.
func (ns *nameService) fromSelf(src netip.AddrPort) bool {
	return src.Port() == ns.port && ns.ours(src.Addr())
}

// ours reports whether a is the address of one of the service's subnets.
func (ns *nameService) ours(a netip.Addr) bool {
	ns.mu.Lock()
	found := false
	for _, sn := range ns.subnets {
		found = found || sn.addr == a
	}
	ns.mu.Unlock()
	return found
}

// lookup returns the index of the encoded name in the name table, or -1.
// Names compare without regard to ASCII case; a scope never matches, since
// the service has none.
func (ns *nameService) lookup(encoded []byte) int {
	var buf [netbt.MaxDecodedNameLen]byte
	name, suffix, scope, _, err := netbt.DecodeName(buf[:0], encoded)
	if err != nil || len(scope) != 0 {
		return -1
	}
	for i, n := range ns.names {
		if n.suffix == suffix && asciiEqualFold(name, n.name) {
			return i
		}
	}
	return -1
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c, d := b[i], s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if 'a' <= d && d <= 'z' {
			d -= 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// handle serves one datagram that arrived on subnet sn, building any answer
// in out, which it returns for reuse. Answers go from subnet sn's address to
// the sender's address and port, whatever port that is (nmblookup and
// nbtscan use a random one).
func (ns *nameService) handle(out, b []byte, sn *nbSubnet, from net.Addr, src netip.AddrPort) []byte {
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	p, err := netbt.ParseNameServicePacket(b)
	if err != nil {
		ns.log.Debug("malformed name service packet", "from", from.String(), "err", err)
		return out
	}
	if ns.fromSelf(src) {
		return out
	}
	if !p.IsResponse() {
		switch p.Opcode() {
		case netbt.OpcodeQuery:
			q, ok := p.Question()
			if !ok {
				return out
			}
			switch q.Type() {
			case netbt.RRTypeNB:
				return ns.answerQuery(out, p, q, from, sn)
			case netbt.RRTypeNBSTAT:
				return ns.answerStatus(out, p, q, from, sn)
			}
		case netbt.OpcodeRegistration, netbt.OpcodeRefresh, netbt.OpcodeRefreshAlt, netbt.OpcodeMultihomedRegistration:
			return ns.defend(out, p, from, src, sn)
		}
		return out
	}
	switch p.Opcode() {
	case netbt.OpcodeRegistration, netbt.OpcodeRefresh, netbt.OpcodeRefreshAlt:
		ns.objection(p, src, sn)
	case netbt.OpcodeWACK:
		// Only a NetBIOS name server sends WACKs; a B-node has none to wait
		// for, and its claims stand after 750 ms regardless.
		ns.log.Debug("ignoring WACK", "from", from.String())
	}
	return out
}

// answerQuery answers a name query (RFC 1002 5.1.1.5: a B-node answers for
// the names in its table) with the address of the subnet it came from. Unicast
// queries for other names get a negative answer, as nmbd gives; broadcast
// ones silence.
func (ns *nameService) answerQuery(out []byte, p netbt.NameServicePacket, q netbt.Question, from net.Addr, sn *nbSubnet) []byte {
	ni := ns.lookup(q.Name())
	ns.mu.Lock()
	st := nbReleased
	var flags uint16
	if ni >= 0 {
		st = sn.state[ni]
		flags = ns.names[ni].nbFlags()
	}
	ns.mu.Unlock()
	if st == nbRegistered || st == nbRegistering && !p.Broadcast() {
		out = netbt.AppendPositiveNameQueryResponse(out, p.TransactionID(), q.Name(), nbnsTTL,
			netbt.AddrEntry{Flags: flags, Addr: sn.addr})
		ns.send(sn, out, from)
		return out
	}
	if !p.Broadcast() {
		out = netbt.AppendNegativeNameQueryResponse(out, p.TransactionID(), q.Name(), netbt.RcodeNamErr)
		ns.send(sn, out, from)
	}
	return out
}

// answerStatus answers a node status request for "*" or one of our names
// with the name table of the subnet it came from and the interface's MAC as
// unit ID (RFC 1002 4.2.18). nbtscan sets B on a unicast request, so B is
// not looked at.
func (ns *nameService) answerStatus(out []byte, p netbt.NameServicePacket, q netbt.Question, from net.Addr, sn *nbSubnet) []byte {
	if ns.lookup(q.Name()) < 0 {
		var buf [netbt.MaxDecodedNameLen]byte
		name, suffix, scope, _, err := netbt.DecodeName(buf[:0], q.Name())
		if err != nil || string(name) != netbt.WildcardName || suffix != 0 || len(scope) != 0 {
			return out
		}
	}
	var table [16]netbt.NodeName
	names := table[:0]
	ns.mu.Lock()
	for ni, n := range ns.names {
		flags := n.nbFlags() | netbt.NameActive
		switch sn.state[ni] {
		case nbReleased:
			continue
		case nbConflict:
			flags |= netbt.NameConflict
		}
		names = append(names, netbt.NodeName{Name: n.name, Suffix: n.suffix, Flags: flags})
	}
	ns.mu.Unlock()
	out = netbt.AppendNodeStatusResponse(out, p.TransactionID(), q.Name(), names, sn.mac)
	ns.send(sn, out, from)
	return out
}

// defend answers another node's claim on one of our names with a negative
// registration response, ACT_ERR (RFC 1002 5.1.1.5): a unique claim on any
// name we hold, or a group claim on a unique one. Two group claims do not
// collide. The response carries our entry, the owner's (RFC 1002 4.2.1.3:
// in responses NB_FLAGS are the actual owner's).
func (ns *nameService) defend(out []byte, p netbt.NameServicePacket, from net.Addr, src netip.AddrPort, sn *nbSubnet) []byte {
	q, okQ := p.Question()
	ar, okAR := p.Additional()
	if !okQ || !okAR {
		return out
	}
	entries, err := ar.AddrEntries()
	if err != nil || entries.Len() == 0 {
		return out
	}
	claim := entries.Entry(0)
	ni := ns.lookup(q.Name())
	if ni < 0 {
		return out
	}
	n := ns.names[ni]
	ns.mu.Lock()
	st := sn.state[ni]
	ns.mu.Unlock()
	if st != nbRegistered || n.group && claim.Flags&netbt.NBGroup != 0 || claim.Addr == sn.addr {
		return out
	}
	out = netbt.AppendNameRegistrationResponse(out, p.TransactionID(), q.Name(), netbt.RcodeActErr, nbnsTTL,
		netbt.AddrEntry{Flags: n.nbFlags(), Addr: sn.addr})
	ns.send(sn, out, from)
	ns.log.Warn("defended NetBIOS name against another node's claim", "name", n.label(),
		"claimant", claim.Addr.String(), "from", src.String(), "opcode", p.Opcode().String(), "interface", sn.ifname)
	return out
}

// objection handles a negative response to one of our claims or refreshes,
// and a name conflict demand (RFC 1002 4.2.8, RCODE CFT_ERR), which may
// come unasked. Either way the unique name is lost on that subnet; a group
// name cannot be, so an objection to one is only logged.
func (ns *nameService) objection(p netbt.NameServicePacket, src netip.AddrPort, sn *nbSubnet) {
	rcode := p.RCode()
	an, ok := p.Answer()
	if rcode == 0 || !ok {
		return
	}
	ni := ns.lookup(an.Name())
	if ni < 0 {
		return
	}
	// The owner is the sender, unless its answer names another node (nmbd
	// echoes the claim's own entry).
	owner := src.Addr()
	if es, err := an.AddrEntries(); err == nil && es.Len() > 0 {
		if a := es.Entry(0).Addr; !a.IsUnspecified() && !ns.ours(a) {
			owner = a
		}
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if rcode != netbt.RcodeCftErr {
		// A negative registration response only counts as the answer to a
		// claim of ours: same transaction ID, same name, in time.
		pc, ok := ns.pending[p.TransactionID()]
		if !ok || pc.name != ni || time.Now().After(pc.expires) {
			return
		}
		sn = pc.subnet
	}
	n := ns.names[ni]
	if n.group {
		ns.log.Warn("another node objected to our group name; keeping it", "name", n.label(),
			"rcode", int(rcode), "from", src.String(), "interface", sn.ifname)
		return
	}
	if sn.state[ni] == nbConflict || sn.state[ni] == nbReleased {
		return
	}
	sn.state[ni] = nbConflict
	ns.log.Error("NetBIOS name in conflict: another node owns it; no longer answering for it",
		"name", n.label(), "owner", owner.String(), "from", src.String(), "rcode", int(rcode),
		"interface", sn.ifname, "addr", sn.addr.String())
}

// states returns the state of every name on every subnet, for tests.
func (ns *nameService) states() map[string][]string {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	m := make(map[string][]string)
	for ni, n := range ns.names {
		sts := []string{}
		for _, sn := range ns.subnets {
			sts = append(sts, sn.state[ni].String())
		}
		m[n.label()] = sts
	}
	return m
}

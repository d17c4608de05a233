package netbios

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/pion/transport/v3"

	"github.com/tinysmbd/tinysmbd/netbt"
)

// subnet is one IPv4 address of an interface the services run on, with its
// subnet: names are claimed, answered and defended, and the server
// announced, per subnet, as Samba's nmbd does. All but the name states is
// set before the subnet is served and never changes: an address that
// changes makes a new subnet.
type subnet struct {
	ifname string
	addr   netip.Addr
	prefix netip.Prefix
	mac    [6]byte // the interface's MAC, zero if none
	// broadcast: the interface is broadcast-capable and the prefix at most
	// /30, so the subnet has a broadcast address to announce to.
	broadcast bool
	// ns are the name service's sockets and dgm the browser's; either is
	// zero when its service is off (dgm also where there is no broadcast).
	ns, dgm sockets
	// state is the state of each name on the subnet, by its index in
	// nameService.names; Service.mu guards it.
	state []nbState
	// gone is closed when the subnet is dropped, which ends its readers.
	gone chan struct{}
}

// sockets are one service's pair of sockets on a subnet.
type sockets struct {
	// uc is bound to the subnet's address and sends everything; bc, bound
	// to the broadcast address, hears broadcasts, which a socket bound to a
	// unicast address never sees on Linux. bc is nil where broadcast
	// addresses cannot be bound, as on pion's vnet, which has no broadcast
	// anyway.
	uc, bc transport.UDPConn
	bcast  *net.UDPAddr // where broadcasts go
}

func (ss *sockets) close() {
	if ss.uc != nil {
		ss.uc.Close()
	}
	if ss.bc != nil {
		ss.bc.Close()
	}
}

// in reports whether list has sn's address and subnet on sn's interface.
// (A loop rather than slices.ContainsFunc, whose dictionary keeps every
// method of netip.Prefix, text parsing included, in the binary.)
func (sn *subnet) in(list []*subnet) bool {
	for _, o := range list {
		if sn.ifname == o.ifname && sn.addr == o.addr && sn.prefix == o.prefix {
			return true
		}
	}
	return false
}

// close ends the subnet's readers and closes its sockets.
func (sn *subnet) close() {
	close(sn.gone)
	sn.ns.close()
	sn.dgm.close()
}

// parseListen parses Config.Listen: an IPv4 address or nothing (all
// addresses), and a port.
func parseListen(addr string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("netbios: name service address %q: %w", addr, err)
	}
	ip := netip.IPv4Unspecified()
	if host != "" {
		ip, err = netip.ParseAddr(host)
		if err != nil || !ip.Unmap().Is4() {
			return netip.AddrPort{}, fmt.Errorf("netbios: name service address %q: want an IPv4 address (NetBIOS over TCP/IP is IPv4 only)", addr)
		}
		ip = ip.Unmap()
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("netbios: name service address %q: bad port", addr)
	}
	return netip.AddrPortFrom(ip, uint16(p)), nil
}

// checkInterfaces refuses an entry of Config.Interfaces that can never name
// an interface or an IPv4 address, so that it fails at start instead of
// being waited for: blank or padded with spaces, an IPv6 address (NetBIOS
// over TCP/IP is IPv4 only), a subnet, or digits and dots that are no IPv4
// address. A well-formed name that matches nothing may be an interface not
// up yet; the services wait for it and log that.
func checkInterfaces(want []string) error {
	for _, w := range want {
		ip, err := netip.ParseAddr(w)
		if err == nil && ip.Unmap().Is4() {
			continue
		}
		if err == nil || strings.TrimSpace(w) != w || strings.Trim(w, "0123456789./") == "" || strings.ContainsRune(w, '/') {
			return fmt.Errorf("netbios: Interfaces entry %q: want an interface name or an IPv4 address", w)
		}
	}
	return nil
}

// scan lists the IPv4 subnets the services run on now. With a list of
// interfaces (names or addresses) it is those of them that are up with an
// IPv4 address, and missing the entries that matched nothing; otherwise
// every interface that is up, not loopback, and has a subnet with a
// broadcast address. A listener bound to one address keeps only that
// address's subnet, since it cannot hear the others.
func scan(n transport.Net, want []string, listen netip.Addr) (found []*subnet, missing []string, err error) {
	ifs, err := n.Interfaces()
	if err != nil {
		return nil, nil, fmt.Errorf("netbios: list interfaces: %w", err)
	}
	var all []*subnet
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
			sn := &subnet{ifname: ifc.Name, addr: ip, prefix: netip.PrefixFrom(ip, ones).Masked(),
				broadcast: ifc.Flags&net.FlagBroadcast != 0 && ones <= 30}
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
func uniqueSubnets(list []*subnet, add ...*subnet) []*subnet {
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

// bind opens a service's sockets on subnet sn and port: one bound to sn's
// address, which must bind, and one to its broadcast address, which is
// logged when it will not.
func (s *Service) bind(sn *subnet, port uint16, what string, log *slog.Logger) (sockets, error) {
	uc, err := s.net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(sn.addr, port)))
	if err != nil {
		return sockets{}, fmt.Errorf("netbios: %s: listen on %s (%s) port %d: %w", what, sn.addr, sn.ifname, port, err)
	}
	if port == 0 {
		// Port 0 (tests): the broadcast socket follows the one picked.
		port = localPort(uc)
	}
	ss := sockets{uc: uc, bcast: net.UDPAddrFromAddrPort(netip.AddrPortFrom(broadcastAddr(sn.prefix), port))}
	if ss.bc, err = s.net.ListenUDP("udp4", ss.bcast); err != nil {
		ss.bc = nil
		log.Warn(what+" cannot bind the broadcast address; broadcasts on this subnet go unheard",
			"interface", sn.ifname, "broadcast", ss.bcast.String(), "err", err)
	}
	return ss, nil
}

func localPort(c transport.UDPConn) uint16 {
	if a, ok := c.LocalAddr().(*net.UDPAddr); ok {
		return uint16(a.Port)
	}
	return 0
}

// open binds sn's sockets for each service that runs.
func (s *Service) open(sn *subnet) error {
	sn.gone = make(chan struct{})
	if s.naming() {
		if err := s.ns.open(sn); err != nil {
			return err
		}
	}
	if s.browsing() && sn.broadcast {
		var err error
		if sn.dgm, err = s.bind(sn, netbt.DatagramPort, "browse", s.cfg.Logger); err != nil {
			sn.ns.close()
			return err
		}
	}
	return nil
}

// serve starts the readers of sn's sockets.
func (s *Service) serve(sn *subnet) {
	if s.naming() {
		s.logSubnet(s.what+" listening", sn)
		s.reader(sn, sn.ns.uc, s.ns.handle)
		s.reader(sn, sn.ns.bc, s.ns.handle)
	}
	if s.browsing() && sn.dgm.uc != nil {
		s.cfg.Logger.Info("browse: announcing", "interface", sn.ifname, "address", sn.addr)
		s.reader(sn, sn.dgm.uc, s.brw.handle)
		s.reader(sn, sn.dgm.bc, s.brw.handle)
	}
}

// handler serves one datagram b that arrived on subnet sn from from,
// building any answer in out, which it returns for reuse.
type handler func(out, b []byte, sn *subnet, from *net.UDPAddr) []byte

// reader serves the datagrams arriving on c, one of subnet sn's sockets,
// with h until sn is dropped or the socket closed.
func (s *Service) reader(sn *subnet, c transport.UDPConn, h handler) {
	if c == nil {
		return
	}
	s.readers.Add(1)
	go func() {
		defer s.readers.Done()
		// RFC 1002 4.2 keeps datagrams under 576 bytes; nothing longer is
		// legitimate.
		buf := make([]byte, 1500)
		out := make([]byte, 0, 1500)
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
				s.log.Debug("read failed", "addr", c.LocalAddr().String(), "err", err)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			if ua, ok := from.(*net.UDPAddr); ok {
				out = h(out[:0], buf[:n], sn, ua)
			}
		}
	}()
}

// send writes one datagram from c, one of subnet sn's sockets; a failure is
// logged, since UDP gives no other feedback and the protocols tolerate
// loss, unless the subnet was dropped meanwhile.
func (s *Service) send(sn *subnet, c transport.UDPConn, b []byte, to net.Addr, log *slog.Logger) {
	if _, err := c.WriteTo(b, to); err != nil {
		select {
		case <-sn.gone:
		default:
			log.Warn("send failed", "to", to.String(), "err", err)
		}
	}
}

// rescan lists the interfaces again and brings the subnets up to date, as
// nmbd's interface reload does; on each new subnet it claims the names and
// announces the server as at start.
func (s *Service) rescan() {
	added, _ := s.follow(false)
	if s.browsing() {
		s.brw.announceOn(added)
	}
	if s.naming() {
		s.ns.register(added)
	}
}

// follow lists the interfaces and brings the subnets up to date, returning
// the ones it added, bound and served. A subnet that is gone is dropped
// with its sockets, without a release: its address can send nothing any
// more. An address that changed is both, the old subnet closed first, since
// the two may share a broadcast address, which only one socket can bind. At
// start (first) an error listing the interfaces or binding a socket is
// returned, with nothing bound, while the operator is watching; later it
// is logged once and the next rescan tries again.
func (s *Service) follow(first bool) ([]*subnet, error) {
	var found []*subnet
	var missing []string
	var err error
	if s.update != nil {
		err = s.update()
	}
	if err == nil {
		found, missing, err = scan(s.net, s.cfg.Interfaces, s.listen)
	}
	errs := ""
	if err != nil {
		if first {
			return nil, err
		}
		s.scanError(&errs, s.what+" cannot list the interfaces; keeping its subnets", err)
		s.errs = errs
		return nil, nil
	}

	s.mu.Lock()
	var keep, gone []*subnet
	for _, sn := range s.subnets {
		if sn.in(found) {
			keep = append(keep, sn)
		} else {
			gone = append(gone, sn)
		}
	}
	s.subnets = keep
	s.mu.Unlock()
	for _, sn := range gone {
		s.logSubnet(s.what+": address gone; no longer serving its subnet", sn)
		sn.close()
	}

	var added []*subnet
	for _, sn := range found {
		if sn.in(keep) {
			continue
		}
		if err := s.open(sn); err != nil {
			if first {
				for _, o := range added {
					o.close()
				}
				return nil, err
			}
			// Below port 1024 this is what a run_as user without
			// CAP_NET_BIND_SERVICE gets.
			s.scanError(&errs, s.what+" cannot serve a new subnet; retrying at each rescan", err)
			continue
		}
		added = append(added, sn)
	}
	s.errs = errs
	s.mu.Lock()
	s.subnets = append(s.subnets, added...)
	s.mu.Unlock()
	for _, sn := range added {
		s.serve(sn)
	}
	s.noteScan(missing)
	return added, nil
}

// scanError logs err unless the previous scan met it too, and adds it to
// errs, this scan's errors: a failure that lasts is logged once.
func (s *Service) scanError(errs *string, msg string, err error) {
	e := err.Error()
	if !strings.Contains(s.errs, e) {
		s.log.Error(msg, "err", e)
	}
	*errs += e + "\n"
}

// logSubnet logs msg about sn.
func (s *Service) logSubnet(msg string, sn *subnet) {
	port := 0
	if s.naming() {
		port = int(s.ns.port)
	}
	s.log.Info(msg, "interface", sn.ifname, "addr", sn.addr.String(), "port", port, "subnet", sn.prefix.String())
}

// noteScan logs what a scan found wanting, once until it changes: the
// entries of Interfaces that matched nothing (interfaces not up yet, or
// typos), or, without Interfaces, that there is no subnet at all. The
// services wait and scan again either way.
func (s *Service) noteScan(missing []string) {
	s.mu.Lock()
	none := len(s.subnets) == 0
	s.mu.Unlock()
	msg, wait := s.what+": interfaces not found, not up, or without an IPv4 address yet; waiting for them (a typo in Interfaces?)", strings.Join(missing, " ")
	if none && len(s.cfg.Interfaces) == 0 {
		msg, wait = s.what+": no IPv4 interface with a broadcast address yet; waiting for one", "any"
	}
	if wait != "" && wait != s.waitingFor {
		s.log.Warn(msg, "interfaces", wait, "listen", s.listen.String())
	}
	s.waitingFor = wait
}

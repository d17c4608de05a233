//go:build !tinysmbd_nobrowse

package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/pion/transport/v3"
	"github.com/pion/transport/v3/stdnet"

	"github.com/tinysmbd/tinysmbd/netbt"
	"github.com/tinysmbd/tinysmbd/smb/browser"
)

// The browser side of tinysmbd is a nonbrowser server (MS-BRWS 3.2): it
// announces itself to the local master browser of its workgroup and answers
// AnnouncementRequests, and nothing else. It never stands in an election, so
// it can neither become a master browser nor unseat one.

// BrowseBuilt reports whether this binary has the browser announcements;
// the tinysmbd_nobrowse build tag leaves them out.
const BrowseBuilt = true

// maxReplyDelay bounds the random wait before answering an
// AnnouncementRequest (MS-BRWS 3.2.5.1: [0, 30] seconds), which spreads the
// answers of every server on the subnet.
const maxReplyDelay = 30 * time.Second

// hostAnnouncementInterval is the HostAnnouncement timer after it has
// expired count times (MS-BRWS 3.2.6): 1, 1, 2, 4, 8, then 12 minutes, so
// a new server is listed quickly and then costs little.
func hostAnnouncementInterval(count int) time.Duration {
	switch {
	case count <= 1:
		return time.Minute
	case count <= 4:
		return time.Minute << (count - 1)
	}
	return 12 * time.Minute
}

// browseIface is one broadcast-capable IPv4 address the browser announces
// on.
type browseIface struct {
	name  string
	ip    netip.Addr
	bcast *net.UDPAddr
	// uc, bound to ip:138, sends; bc, bound to the broadcast address,
	// receives what is broadcast to the subnet, which a socket bound to a
	// unicast address never sees on Linux.
	uc, bc transport.UDPConn
}

// browseTimer starts a timer; tests replace it to drive the schedule.
type browseTimer func(d time.Duration) (c <-chan time.Time, stop func() bool)

func realTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// browse is the running announcer.
type browse struct {
	s      *Server
	ifaces []*browseIface
	// src and dst are the encoded NETBIOSNAME<00> and WORKGROUP<1D>
	// (MS-BRWS 3.2.5.2: announcements go to the local master browser).
	src, dst []byte
	// group00 and group1E are the encoded WORKGROUP<00> and <1E> that
	// AnnouncementRequests come to.
	group00, group1E []byte
	id               uint16 // DGM_ID of the last datagram

	timer browseTimer
	delay func() time.Duration // the AnnouncementRequest reply delay

	requests chan struct{} // an AnnouncementRequest arrived; buffer 1
	done     chan struct{} // closed by stop
	ran      chan struct{} // closed when run returns
	readers  chan struct{} // one value per reader that returned
}

func newBrowse(s *Server, ifaces []*browseIface) *browse {
	var r [2]byte
	randRead(r[:])
	return &browse{
		s:        s,
		ifaces:   ifaces,
		src:      netbt.EncodeName(nil, s.cfg.NetBIOSName, 0x00, ""),
		dst:      netbt.EncodeName(nil, s.cfg.Workgroup, 0x1D, ""),
		group00:  netbt.EncodeName(nil, s.cfg.Workgroup, 0x00, ""),
		group1E:  netbt.EncodeName(nil, s.cfg.Workgroup, 0x1E, ""),
		id:       binary.BigEndian.Uint16(r[:]),
		timer:    realTimer,
		delay:    replyDelay,
		requests: make(chan struct{}, 1),
		done:     make(chan struct{}),
		ran:      make(chan struct{}),
		readers:  make(chan struct{}, 2*len(ifaces)),
	}
}

// replyDelay is a variable so that tests between hosts need not wait.
var replyDelay = randomReplyDelay

func randomReplyDelay() time.Duration {
	var r [4]byte
	randRead(r[:])
	return time.Duration(binary.LittleEndian.Uint32(r[:])%uint32(maxReplyDelay/time.Millisecond+1)) * time.Millisecond
}

// startBrowser binds UDP 138 on every configured broadcast interface and
// starts announcing (MS-BRWS 3.2.3). With no broadcast interface there is
// nobody to announce to; it logs that and returns nil.
func (s *Server) startBrowser() error {
	n := s.cfg.Net
	if n == nil {
		sn, err := stdnet.NewNet()
		if err != nil {
			return browseError("", err)
		}
		n = sn
	}
	ifaces, err := browseInterfaces(n, s.cfg.Interfaces)
	if err != nil {
		return err
	}
	if len(ifaces) == 0 {
		s.log.Warn("browse: no up IPv4 interface with a broadcast address; not announcing")
		return nil
	}
	for i, ifc := range ifaces {
		if ifc.uc, err = n.ListenUDP("udp4", &net.UDPAddr{IP: ifc.ip.AsSlice(), Port: netbt.DatagramPort}); err == nil {
			ifc.bc, err = n.ListenUDP("udp4", ifc.bcast)
		}
		if err != nil {
			closeBrowseIfaces(ifaces[:i+1])
			return browseError(ifc.name, err)
		}
	}
	b := newBrowse(s, ifaces)
	s.mu.Lock()
	s.brw = b
	s.mu.Unlock()
	b.start()
	return nil
}

// stopBrowser tells the master browser the server is going away and stops
// the announcer; it returns once its goroutines have.
func (s *Server) stopBrowser() {
	s.mu.Lock()
	b := s.brw
	s.brw = nil
	s.mu.Unlock()
	if b != nil {
		b.stop()
	}
}

// browseInterfaces lists the addresses to announce on: every IPv4 address
// with a broadcast address on an up, broadcast-capable interface, limited to
// the interfaces or addresses named in only when it is not empty.
func browseInterfaces(n transport.Net, only []string) ([]*browseIface, error) {
	all, err := n.Interfaces()
	if err != nil {
		return nil, browseError("", err)
	}
	found := make([]bool, len(only))
	var out []*browseIface
	for _, ifc := range all {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if !ok || !ip.Unmap().Is4() {
				continue
			}
			ip = ip.Unmap()
			want := len(only) == 0
			for i, o := range only {
				if o == ifc.Name || o == ip.String() {
					want, found[i] = true, true
				}
			}
			if !want || ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagBroadcast == 0 {
				continue
			}
			ones, bits := ipn.Mask.Size()
			if bits != 32 || ones > 30 { // /31 and /32 have no broadcast address
				continue
			}
			bc := ip.As4()
			m := binary.BigEndian.Uint32(bc[:]) | (1<<(32-ones) - 1)
			binary.BigEndian.PutUint32(bc[:], m)
			bcast := &net.UDPAddr{IP: bc[:], Port: netbt.DatagramPort}
			if slices.ContainsFunc(out, func(o *browseIface) bool { return o.bcast.IP.Equal(bcast.IP) }) {
				continue // a second address in the same subnet
			}
			out = append(out, &browseIface{name: ifc.Name, ip: ip, bcast: bcast})
		}
	}
	for i, ok := range found {
		if !ok {
			return nil, browseError(only[i], errNoInterface)
		}
	}
	return out, nil
}

var errNoInterface = errors.New("no such interface or IPv4 address")

// browseError says which interface err is about, if any.
func browseError(iface string, err error) error {
	if iface != "" {
		iface = " " + iface
	}
	return fmt.Errorf("server: browse%s: %w", iface, err)
}

func closeBrowseIfaces(ifaces []*browseIface) {
	for _, ifc := range ifaces {
		if ifc.uc != nil {
			ifc.uc.Close()
		}
		if ifc.bc != nil {
			ifc.bc.Close()
		}
	}
}

func (b *browse) start() {
	for _, ifc := range b.ifaces {
		b.s.log.Info("browse: announcing", "interface", ifc.name, "address", ifc.ip)
		for _, c := range []transport.UDPConn{ifc.uc, ifc.bc} {
			go b.read(c)
		}
	}
	go b.run()
}

// stop ends the timers, sends the going-away announcement and closes the
// sockets, which ends the readers.
func (b *browse) stop() {
	close(b.done)
	<-b.ran
	// MS-BRWS 3.2.7: ServerType 0 just before shutting down lets the
	// master browser drop the server at once; Periodicity 0 too, as Samba.
	b.announce(0, 0)
	closeBrowseIfaces(b.ifaces)
	for range 2 * len(b.ifaces) {
		<-b.readers
	}
}

// run owns the timers and every announcement sent while running.
func (b *browse) run() {
	defer close(b.ran)
	count := 0
	period := hostAnnouncementInterval(count)
	// The first announcement goes out at once, as Samba's does, rather
	// than when the first timer expires, so the server is listed sooner.
	b.announce(period, serverType)
	tick, stopTick := b.timer(period)
	var reply <-chan time.Time
	stopReply := func() bool { return false }
	for {
		select {
		case <-b.done:
			stopTick()
			stopReply()
			return
		case <-tick:
			count++
			period = hostAnnouncementInterval(count)
			b.announce(period, serverType)
			tick, stopTick = b.timer(period)
		case <-b.requests:
			// Requests that come while a reply is pending share it.
			if reply == nil {
				reply, stopReply = b.timer(b.delay())
			}
		case <-reply:
			reply = nil
			b.announce(period, serverType)
		}
	}
}

// announce broadcasts a HostAnnouncement on every interface, telling the
// master browser to expect the next one within period.
func (b *browse) announce(period time.Duration, typ uint32) {
	frame := browser.AppendHostAnnouncement(make([]byte, 0, 80), browser.Host{
		Periodicity: uint32(period / time.Millisecond),
		Name:        b.s.cfg.NetBIOSName,
		OSMajor:     serverOSMajor,
		OSMinor:     serverOSMinor,
		Type:        typ,
		Comment:     b.s.cfg.ServerComment,
	})
	msg := browser.AppendMailslotWrite(make([]byte, 0, 160), browser.MailslotBrowse, frame)
	b.id++
	pkt := make([]byte, 0, 256)
	for _, ifc := range b.ifaces {
		h := netbt.DatagramHeader{
			// MS-BRWS 3.2.5.2 names WORKGROUP<1D>, a unique name,
			// but a B node cannot know the master's address, so the
			// datagram is broadcast as DIRECT_GROUP, as Windows and
			// Samba send it.
			Type:       netbt.DatagramDirectGroup,
			Flags:      netbt.DatagramFlagFirst | netbt.DatagramNodeB,
			ID:         b.id,
			SourceIP:   ifc.ip,
			SourcePort: localPort(ifc.uc),
		}
		pkt = netbt.AppendDatagram(pkt[:0], h, b.src, b.dst, msg)
		if _, err := ifc.uc.WriteTo(pkt, ifc.bcast); err != nil {
			b.s.log.Warn("browse: host announcement not sent", "interface", ifc.name, "err", err)
		}
	}
}

func localPort(c transport.UDPConn) uint16 {
	if a, ok := c.LocalAddr().(*net.UDPAddr); ok {
		return uint16(a.Port)
	}
	return netbt.DatagramPort
}

// read serves one socket until it is closed.
func (b *browse) read(c transport.UDPConn) {
	defer func() { b.readers <- struct{}{} }()
	buf := make([]byte, 1500) // RFC 1002 caps datagrams at 576 bytes
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				select {
				case <-b.done:
				default:
					b.s.log.Warn("browse: receive failed; no longer answering on this socket", "addr", c.LocalAddr(), "err", err)
				}
			}
			return
		}
		if b.isAnnouncementRequest(buf[:n]) {
			select {
			case b.requests <- struct{}{}:
			default:
			}
		}
	}
}

// isAnnouncementRequest reports whether pkt is a whole datagram carrying an
// AnnouncementRequest to our workgroup. MS-BRWS 3.2.5: a nonbrowser server
// ignores every other browser frame, elections included. MS-BRWS 2.2.2 has
// the request sent to WORKGROUP<00>, but Samba's nmbd, on becoming the
// local master, sends it to WORKGROUP<1E>, which Windows machines hear as
// potential browsers; both are answered. WORKGROUP<1D> asks only the
// master. Names compare byte for byte, as RFC 1001 14.1 has them, in the
// upper case every Windows and Samba sender uses.
func (b *browse) isAnnouncementRequest(pkt []byte) bool {
	d, err := netbt.ParseDatagram(pkt)
	if err != nil || !d.Whole() || len(d.UserData()) == 0 {
		return false
	}
	if to := d.DestinationName(); !bytes.Equal(to, b.group00) && !bytes.Equal(to, b.group1E) {
		return false
	}
	ms, err := browser.ParseMailslot(d.UserData())
	if err != nil || string(ms.Name) != browser.MailslotBrowse {
		return false
	}
	_, err = browser.ParseAnnouncementRequest(ms.Data)
	return err == nil
}

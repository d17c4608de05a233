//go:build !tinysmbd_nobrowse

package netbios

// The browser side is a nonbrowser server (MS-BRWS 3.2): it announces the
// server to the local master browser of its workgroup and answers
// AnnouncementRequests, and nothing else. It never stands in an election,
// so it can neither become a master browser nor unseat one.

import (
	"bytes"
	"log/slog"
	"math/rand/v2"
	"net"
	"time"

	"github.com/tinysmbd/tinysmbd/netbt"
	"github.com/tinysmbd/tinysmbd/smb/browser"
)

// BrowseBuilt reports whether this binary has the browser announcements;
// the tinysmbd_nobrowse build tag leaves them out.
const BrowseBuilt = true

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

// browseTimer starts a timer; tests replace it to drive the schedule.
type browseTimer func(d time.Duration) (c <-chan time.Time, stop func() bool)

func realTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// announcer is the browser announcements' part of a Service.
type announcer struct {
	svc *Service
	log *slog.Logger
	// src and dst are the encoded NAME<00> and WORKGROUP<1D> (MS-BRWS
	// 3.2.5.2: announcements go to the local master browser).
	src, dst []byte
	// group00 and group1E are the encoded WORKGROUP<00> and <1E> that
	// AnnouncementRequests come to.
	group00, group1E []byte
	id               uint16 // DGM_ID of the last datagram; run owns it

	timer browseTimer
	delay func() time.Duration // the AnnouncementRequest reply delay

	requests chan struct{}  // an AnnouncementRequest arrived; buffer 1
	added    chan []*subnet // subnets that came up, to announce on now
	done     chan struct{}  // closed by stop
	ran      chan struct{}  // closed when run returns
}

func newAnnouncer(svc *Service) (*announcer, error) {
	cfg := &svc.cfg
	b := &announcer{
		svc:      svc,
		log:      cfg.Logger.With("service", "browse"),
		src:      netbt.EncodeName(nil, cfg.Name, 0x00, ""),
		dst:      netbt.EncodeName(nil, cfg.Workgroup, 0x1D, ""),
		group00:  netbt.EncodeName(nil, cfg.Workgroup, 0x00, ""),
		group1E:  netbt.EncodeName(nil, cfg.Workgroup, 0x1E, ""),
		id:       uint16(rand.Uint32()),
		timer:    realTimer,
		requests: make(chan struct{}, 1),
		added:    make(chan []*subnet),
		done:     make(chan struct{}),
		ran:      make(chan struct{}),
	}
	b.delay = func() time.Duration { return randomDelay(cfg.MaxReplyDelay) }
	return b, nil
}

// randomDelay returns a delay in [0, max] with millisecond steps; none if
// max is negative.
func randomDelay(max time.Duration) time.Duration {
	if max < 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(max/time.Millisecond)+1)) * time.Millisecond
}

// start announces the server on the subnets served now and starts the
// announcer (MS-BRWS 3.2.3). The first announcement goes out at once, as
// Samba's does, rather than when the first timer expires, so the server is
// listed sooner; and before start returns, so that a subnet a rescan adds
// later is announced on once.
func (b *announcer) start() {
	b.announce(nil, hostAnnouncementInterval(0), b.svc.cfg.ServerType)
	go b.run()
}

// announceOn announces the server at once on subnets that came up.
func (b *announcer) announceOn(subnets []*subnet) {
	if len(subnets) == 0 {
		return
	}
	select {
	case b.added <- subnets:
	case <-b.done:
	}
}

// stop ends the timers and sends the going-away announcement; the Service
// then closes the sockets.
func (b *announcer) stop() {
	close(b.done)
	<-b.ran
	// MS-BRWS 3.2.7: ServerType 0 just before shutting down lets the
	// master browser drop the server at once; Periodicity 0 too, as Samba.
	b.announce(nil, 0, 0)
}

// run owns the timers and every announcement sent after start.
func (b *announcer) run() {
	defer close(b.ran)
	typ := b.svc.cfg.ServerType
	count := 0
	period := hostAnnouncementInterval(count)
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
			b.announce(nil, period, typ)
			tick, stopTick = b.timer(period)
		case subnets := <-b.added:
			b.announce(subnets, period, typ)
		case <-b.requests:
			// Requests that come while a reply is pending share it.
			if reply == nil {
				reply, stopReply = b.timer(b.delay())
			}
		case <-reply:
			reply = nil
			b.announce(nil, period, typ)
		}
	}
}

// announce broadcasts a HostAnnouncement on subnets, or on every subnet
// when nil, telling the master browser to expect the next one within
// period.
func (b *announcer) announce(subnets []*subnet, period time.Duration, typ uint32) {
	cfg := &b.svc.cfg
	frame := browser.AppendHostAnnouncement(make([]byte, 0, 80), browser.Host{
		Periodicity: uint32(period / time.Millisecond),
		Name:        cfg.Name,
		OSMajor:     cfg.OSMajor,
		OSMinor:     cfg.OSMinor,
		Type:        typ,
		Comment:     cfg.Comment,
	})
	msg := browser.AppendMailslotWrite(make([]byte, 0, 160), browser.MailslotBrowse, frame)
	b.id++
	if subnets == nil {
		b.svc.mu.Lock()
		subnets = b.svc.subnets
		b.svc.mu.Unlock()
	}
	pkt := make([]byte, 0, 256)
	for _, sn := range subnets {
		ss := &sn.dgm
		if ss.uc == nil {
			continue
		}
		h := netbt.DatagramHeader{
			// MS-BRWS 3.2.5.2 names WORKGROUP<1D>, a unique name,
			// but a B node cannot know the master's address, so the
			// datagram is broadcast as DIRECT_GROUP, as Windows and
			// Samba send it.
			Type:       netbt.DatagramDirectGroup,
			Flags:      netbt.DatagramFlagFirst | netbt.DatagramNodeB,
			ID:         b.id,
			SourceIP:   sn.addr,
			SourcePort: localPort(ss.uc),
		}
		pkt = netbt.AppendDatagram(pkt[:0], h, b.src, b.dst, msg)
		b.svc.send(sn, ss.uc, pkt, ss.bcast, b.log)
	}
}

// handle notes an AnnouncementRequest; the reply waits for the delay.
func (b *announcer) handle(out, pkt []byte, _ *subnet, _ *net.UDPAddr) []byte {
	if b.isAnnouncementRequest(pkt) {
		select {
		case b.requests <- struct{}{}:
		default:
		}
	}
	return out
}

// isAnnouncementRequest reports whether pkt is a whole datagram carrying an
// AnnouncementRequest to our workgroup. MS-BRWS 3.2.5: a nonbrowser server
// ignores every other browser frame, elections included. MS-BRWS 2.2.2 has
// the request sent to WORKGROUP<00>, but Samba's nmbd, on becoming the
// local master, sends it to WORKGROUP<1E>, which Windows machines hear as
// potential browsers; both are answered. WORKGROUP<1D> asks only the
// master. Names compare byte for byte, as RFC 1001 14.1 has them, in the
// upper case every Windows and Samba sender uses.
func (b *announcer) isAnnouncementRequest(pkt []byte) bool {
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

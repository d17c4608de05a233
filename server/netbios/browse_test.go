//go:build !tinysmbd_nobrowse

package netbios

import (
	"encoding/hex"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/transport/v3/test"

	"github.com/tinysmbd/tinysmbd/netbt"
	"github.com/tinysmbd/tinysmbd/smb/browser"
)

func TestHostAnnouncementInterval(t *testing.T) {
	want := []time.Duration{1, 1, 2, 4, 8, 12, 12, 12}
	for count, w := range want {
		if got := hostAnnouncementInterval(count); got != w*time.Minute {
			t.Errorf("hostAnnouncementInterval(%d) = %v, want %v", count, got, w*time.Minute)
		}
	}
	if got := hostAnnouncementInterval(1 << 20); got != 12*time.Minute {
		t.Errorf("hostAnnouncementInterval(1<<20) = %v", got)
	}
	for range 1000 {
		if d := randomDelay(DefaultMaxReplyDelay); d < 0 || d > DefaultMaxReplyDelay {
			t.Fatalf("randomDelay() = %v, outside [0, 30s]", d)
		}
	}
	if d := randomDelay(-1); d != 0 {
		t.Errorf("randomDelay(-1) = %v, want none", d)
	}
}

// fakeTimers hands the browser timers that fire when the test says.
type fakeTimers chan fakeTimer

type fakeTimer struct {
	d time.Duration
	c chan time.Time
}

func (f fakeTimers) timer(d time.Duration) (<-chan time.Time, func() bool) {
	c := make(chan time.Time, 1)
	f <- fakeTimer{d, c}
	return c, func() bool { return true }
}

func (f fakeTimers) next(t *testing.T) fakeTimer {
	t.Helper()
	select {
	case ft := <-f:
		return ft
	case <-time.After(5 * time.Second):
		t.Fatal("the browser started no timer")
		return fakeTimer{}
	}
}

func listenUDP(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serverType is what server announces for a standalone file server.
const serverType = browser.SVTypeWorkstation | browser.SVTypeServer | browser.SVTypeServerUnix | browser.SVTypeNT | browser.SVTypeServerNT

// loopBrowse runs the announcer of a Service whose one subnet is on
// loopback and whose "broadcast address" is the returned socket, standing
// in for the master.
func loopBrowse(t *testing.T, timers fakeTimers) (*Service, *subnet, *net.UDPConn) {
	t.Helper()
	s, err := New(Config{Name: "nas", Workgroup: "WORKGROUP", Comment: "Files", Browse: true,
		ServerType: serverType, OSMajor: 6, OSMinor: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	master := listenUDP(t)
	t.Cleanup(func() { master.Close() })
	sn := &subnet{
		ifname: "lo",
		addr:   netip.MustParseAddr("127.0.0.1"),
		dgm:    sockets{uc: listenUDP(t), bc: listenUDP(t), bcast: master.LocalAddr().(*net.UDPAddr)},
		gone:   make(chan struct{}),
	}
	s.brw.timer = timers.timer
	s.brw.delay = func() time.Duration { return 17 * time.Second }
	s.subnets, s.state = []*subnet{sn}, running
	s.serve(sn)
	s.brw.start()
	return s, sn, master
}

// receiveAnnouncement reads the next datagram the master gets and checks
// everything but Periodicity and ServerType, which it returns.
func receiveAnnouncement(t *testing.T, master *net.UDPConn, sn *subnet) (period, typ uint32) {
	t.Helper()
	buf := make([]byte, 1500)
	master.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, from, err := master.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("no host announcement: %v", err)
	}
	uport := sn.dgm.uc.LocalAddr().(*net.UDPAddr).Port
	if from.Port != uport {
		t.Errorf("announcement from port %d, want the unicast socket's %d", from.Port, uport)
	}
	d, err := netbt.ParseDatagram(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	if d.Type() != netbt.DatagramDirectGroup || d.Flags() != netbt.DatagramFlagFirst|netbt.DatagramNodeB ||
		d.SourceIP() != sn.addr || d.SourcePort() != uint16(uport) || !d.Whole() {
		t.Errorf("datagram header % x", buf[:14])
	}
	if string(d.SourceName()) != string(netbt.EncodeName(nil, "NAS", 0, "")) ||
		string(d.DestinationName()) != string(netbt.EncodeName(nil, "WORKGROUP", 0x1D, "")) {
		t.Errorf("datagram from %q to %q", d.SourceName(), d.DestinationName())
	}
	ms, err := browser.ParseMailslot(d.UserData())
	if err != nil || string(ms.Name) != browser.MailslotBrowse {
		t.Fatalf("mailslot %q: %v", ms.Name, err)
	}
	a, err := browser.ParseAnnouncement(ms.Data)
	if err != nil || a.Opcode() != browser.OpHostAnnouncement {
		t.Fatalf("announcement % x: %v", ms.Data, err)
	}
	if string(a.ServerName()) != "NAS" || string(a.Comment()) != "Files" || a.VersionMajor() != 6 || a.VersionMinor() != 1 {
		t.Errorf("announced %q %q os %d.%d", a.ServerName(), a.Comment(), a.VersionMajor(), a.VersionMinor())
	}
	return a.Periodicity(), a.ServerType()
}

// TestBrowseAnnouncementBytes pins the whole SMB message of the first
// announcement: Samba's layout (see smb/browser's nmbd captures) with our
// name, type bits and comment.
func TestBrowseAnnouncementBytes(t *testing.T) {
	defer test.CheckRoutines(t)()
	timers := make(fakeTimers, 16)
	s, sn, master := loopBrowse(t, timers)
	defer s.Close()
	buf := make([]byte, 1500)
	master.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := master.ReadFromUDP(buf)
	if err != nil {
		t.Fatal(err)
	}
	d, err := netbt.ParseDatagram(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	want := "ff534d42" + "25" + strings.Repeat("00", 27) + // SMB header: TRANSACTION, all else zero
		"11" + "0000" + "2600" + "0000" + "0000" + "00" + "00" + "0000" + "00000000" + "0000" + // 17 words, 38 data bytes
		"0000" + "0000" + "2600" + "5600" + "03" + "00" + "0100" + "0100" + "0200" + // data at 86; write, priority 1, class 2
		"3700" + hex.EncodeToString([]byte(`\MAILSLOT\BROWSE`+"\x00")) + // ByteCount 55, the name
		"01" + "00" + "60ea0000" + hex.EncodeToString([]byte("NAS"+strings.Repeat("\x00", 13))) + // HostAnnouncement, 60 s
		"0601" + "03980000" + "0f01" + "55aa" + hex.EncodeToString([]byte("Files\x00")) // 6.1, type, 15.1, signature
	if got := hex.EncodeToString(d.UserData()); got != want {
		t.Errorf("announcement\n%s\nwant\n%s", got, want)
	}
	if d.SourceIP() != sn.addr {
		t.Errorf("SOURCE_IP %v", d.SourceIP())
	}
}

// TestBrowseSchedule drives the HostAnnouncement timer through MS-BRWS
// 3.2.6's table, answers an AnnouncementRequest after the reply delay, and
// says goodbye with ServerType 0 on stop.
func TestBrowseSchedule(t *testing.T) {
	defer test.CheckRoutines(t)()
	timers := make(fakeTimers, 16)
	s, sn, master := loopBrowse(t, timers)
	defer s.Close()

	if p, typ := receiveAnnouncement(t, master, sn); p != 60000 || typ != serverType {
		t.Errorf("first announcement: periodicity %d type %#x", p, typ)
	}
	for i, minutes := range []time.Duration{1, 1, 2, 4, 8, 12, 12} {
		ft := timers.next(t)
		if ft.d != minutes*time.Minute {
			t.Fatalf("timer %d: %v, want %v", i, ft.d, minutes*time.Minute)
		}
		ft.c <- time.Now()
		next := hostAnnouncementInterval(i + 1)
		if p, typ := receiveAnnouncement(t, master, sn); p != uint32(next/time.Millisecond) || typ != serverType {
			t.Errorf("announcement %d: periodicity %d type %#x, want %d", i+2, p, typ, next/time.Millisecond)
		}
	}
	tick := timers.next(t) // the periodic timer now pending

	// Two requests while the reply is pending get one reply.
	client := listenUDP(t)
	defer client.Close()
	for range 2 {
		client.WriteTo(announcementRequest("WORKGROUP", 0x00), sn.dgm.uc.LocalAddr())
	}
	reply := timers.next(t)
	if reply.d != 17*time.Second {
		t.Fatalf("reply timer %v, want the 17s delay", reply.d)
	}
	reply.c <- time.Now()
	if p, typ := receiveAnnouncement(t, master, sn); p != 12*60000 || typ != serverType {
		t.Errorf("reply: periodicity %d type %#x", p, typ)
	}
	// The duplicate either shared the pending reply or, read after the
	// reply went out, started a reply timer of its own; nothing else.
	select {
	case ft := <-timers:
		if ft.d != 17*time.Second {
			t.Errorf("unexpected timer %v", ft.d)
		}
	case <-time.After(100 * time.Millisecond):
	}

	s.Close()
	if p, typ := receiveAnnouncement(t, master, sn); p != 0 || typ != 0 {
		t.Errorf("going-away announcement: periodicity %d type %#x", p, typ)
	}
	select {
	case tick.c <- time.Now():
	default:
	}
	master.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _, err := master.ReadFromUDP(make([]byte, 1500)); err == nil {
		t.Errorf("a %d-byte datagram after the going-away announcement", n)
	}
}

// announcementRequest is a datagram from PC<00> to name<suffix> carrying an
// AnnouncementRequest to \MAILSLOT\BROWSE.
func announcementRequest(name string, suffix byte) []byte {
	return datagramTo(name, suffix, browser.MailslotBrowse, []byte{browser.OpAnnouncementRequest, 0, 'P', 'C', 0})
}

func datagramTo(name string, suffix byte, mailslot string, frame []byte) []byte {
	h := netbt.DatagramHeader{
		Type: netbt.DatagramDirectGroup, Flags: netbt.DatagramFlagFirst, ID: 7,
		SourceIP: netip.MustParseAddr("127.0.0.1"), SourcePort: 138,
	}
	return netbt.AppendDatagram(nil, h, netbt.EncodeName(nil, "PC", 0, ""), netbt.EncodeName(nil, name, suffix, ""),
		browser.AppendMailslotWrite(nil, mailslot, frame))
}

// TestIsAnnouncementRequest: MS-BRWS 3.2.3 and 3.2.5, a nonbrowser server
// answers AnnouncementRequests to WORKGROUP<00> (and <1E>, where Samba's
// masters send them) and ignores everything else, among it the datagrams
// Samba's nmbd sent (netbt/testdata).
func TestIsAnnouncementRequest(t *testing.T) {
	s, err := New(Config{Name: "NAS", Workgroup: "WORKGROUP", Browse: true})
	if err != nil {
		t.Fatal(err)
	}
	b := s.brw
	election := []byte{browser.OpRequestElection, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'M', 0}
	host := browser.AppendHostAnnouncement(nil, browser.Host{Name: "OTHER", Type: 3})
	fragment := announcementRequest("WORKGROUP", 0)
	fragment[1] |= netbt.DatagramFlagMore
	tests := []struct {
		name string
		pkt  []byte
		want bool
	}{
		{"request to WORKGROUP<00>", announcementRequest("WORKGROUP", 0), true},
		{"lower-case workgroup", announcementRequest("workgroup", 0), false},
		{"request to WORKGROUP<1E>", announcementRequest("WORKGROUP", 0x1E), true},
		{"nmbd's request", nmbdDatagram(t, "announcement-request"), true},
		{"request to WORKGROUP<1D> is for the master", announcementRequest("WORKGROUP", 0x1D), false},
		{"nmbd's election", nmbdDatagram(t, "election-request"), false},
		{"nmbd's host announcement", nmbdDatagram(t, "host-announcement"), false},
		{"nmbd's local master announcement", nmbdDatagram(t, "local-master-announcement"), false},
		{"nmbd's domain announcement", nmbdDatagram(t, "domain-announcement"), false},
		{"request to another workgroup", announcementRequest("OFFICE", 0), false},
		{"request to LANMAN mailslot", datagramTo("WORKGROUP", 0, browser.MailslotLanman, []byte{2, 0, 0}), false},
		{"election", datagramTo("WORKGROUP", 0x1E, browser.MailslotBrowse, election), false},
		{"election to WORKGROUP<00>", datagramTo("WORKGROUP", 0, browser.MailslotBrowse, election), false},
		{"host announcement", datagramTo("WORKGROUP", 0, browser.MailslotBrowse, host), false},
		{"fragment", fragment, false},
		{"truncated", announcementRequest("WORKGROUP", 0)[:40], false},
		{"garbage", []byte("hello"), false},
	}
	for _, tt := range tests {
		if got := b.isAnnouncementRequest(tt.pkt); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func nmbdDatagram(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "netbt", "testdata", "nmbd-"+name+".bin"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

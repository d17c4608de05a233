//go:build !tinysmbd_nobrowse

package netbios_test

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/netbt"
	"github.com/tinysmbd/tinysmbd/server/netbios"
	"github.com/tinysmbd/tinysmbd/smb/browser"
)

// The browse test puts the server and a peer host on the two ends of a veth
// pair, each end in its own network namespace, because broadcasts only
// leave through a real broadcast interface: loopback has none and pion's
// vnet does not model them.
const (
	// envBrowsePeer makes the test binary act as the peer host (runBrowsePeer).
	envBrowsePeer = "TINYSMBD_BROWSE_PEER"
	// serverType is what server announces for a standalone file server.
	serverType    = browser.SVTypeWorkstation | browser.SVTypeServer | browser.SVTypeServerUnix | browser.SVTypeNT | browser.SVTypeServerNT
	vethServer    = "tsbr0"
	vethPeer      = "tsbr1"
	serverCIDR    = "10.213.0.1/24"
	peerCIDR      = "10.213.0.2/24"
	subnetBcast   = "10.213.0.255"
	browseTimeout = 10 * time.Second
)

// TestInteropBrowse shows that the server's host announcement, broadcast at
// start, reaches another host; that an AnnouncementRequest the peer
// broadcasts is answered; that stopping says goodbye with ServerType 0; and
// that tshark dissects every datagram as a well-formed Host Announcement.
func TestInteropBrowse(t *testing.T) {
	if os.Getenv(testpeer.EnvInNamespace) == "" {
		runInNamespace(t, "the browse test needs its own veth pair and network namespaces")
		return
	}
	ip := requirePeer(t, "ip")
	unshare := requirePeer(t, "unshare")
	cmd := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	cmd(ip, "link", "add", vethServer, "type", "veth", "peer", "name", vethPeer)
	t.Cleanup(func() { exec.Command(ip, "link", "del", vethServer).Run() })
	cmd(ip, "addr", "add", serverCIDR, "brd", "+", "dev", vethServer)
	cmd(ip, "link", "set", vethServer, "up")

	peer := startBrowsePeer(t, unshare, ip)
	// The server's end is up once the peer's is: see waitLinkUp.
	waitLinkUp(t, ip, vethServer, func(f func()) { f() })

	// Dissect live on the server's end; the peer's end proves delivery.
	var dissect *tsharkRun
	if tshark, err := exec.LookPath("tshark"); err == nil {
		dissect = startLiveDissector(t, tshark, vethServer)
	}

	srv, err := netbios.New(netbios.Config{
		Name:          netbiosName,
		Workgroup:     "WORKGROUP",
		Comment:       "tinysmbd browse test",
		Interfaces:    []string{vethServer},
		Browse:        true,
		ServerType:    serverType,
		MaxReplyDelay: -1, // answer at once
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			srv.Close()
		}
	}()

	if a := peer.announcement(t); a.Periodicity() != 60000 || a.ServerType()&browser.SVTypeServer == 0 {
		t.Errorf("first announcement: periodicity %d type %#x", a.Periodicity(), a.ServerType())
	}
	peer.ask(t)
	if a := peer.announcement(t); a.ServerType()&browser.SVTypeServer == 0 {
		t.Errorf("reply to the AnnouncementRequest: type %#x", a.ServerType())
	}
	srv.Close()
	stopped = true
	if a := peer.announcement(t); a.Periodicity() != 0 || a.ServerType() != 0 {
		t.Errorf("going-away announcement: periodicity %d type %#x", a.Periodicity(), a.ServerType())
	}
	// The veth pair dies with the peer's namespace: stop tshark first.
	var out string
	if dissect != nil {
		out = dissect.stop(t)
	}
	peer.close(t)

	t.Run("tshark", func(t *testing.T) {
		if dissect == nil {
			requirePeer(t, "tshark")
		}
		var hosts []string
		for _, f := range testpeer.SplitFrames(out) {
			if regexp.MustCompile(`Malformed|\[Expert Info \((Error|Warning)|Exception`).MatchString(f) {
				t.Errorf("tshark flags frame %s:\n%s", testpeer.FrameNumber(f), f)
			}
			if strings.Contains(f, "Src: 10.213.0.1,") && strings.Contains(f, "Microsoft Windows Browser Protocol") {
				hosts = append(hosts, f)
			}
		}
		if len(hosts) != 3 {
			t.Fatalf("tshark saw %d browser datagrams from the server, want 3:\n%s", len(hosts), testpeer.Tail(out, 16<<10))
		}
		for i, want := range []string{"Update Periodicity: 1 minute", "Update Periodicity: 1 minute", "Update Periodicity: 0 seconds"} {
			for _, line := range []string{
				"Message Type: Direct_group datagram (17)", "Source name: TINYSMBD<00>",
				"Destination name: WORKGROUP<1d> (Local Master Browser)", "Transaction Name: \\MAILSLOT\\BROWSE",
				"Command: Host Announcement (0x01)", "Host Name: TINYSMBD", want, "Host Comment: tinysmbd browse test",
			} {
				if !strings.Contains(hosts[i], line) {
					t.Errorf("announcement %d lacks %q:\n%s", i+1, line, hosts[i])
				}
			}
		}
		for _, bit := range []string{"Workstation: This is a Workstation", "Server: This is a Server",
			"Xenix: This is a Xenix server", "NT Workstation: This is an NT Workstation", "NT Server: This is an NT Server",
			"Potential Browser: This is NOT a Potential Browser", "Master Browser: This is NOT a Master Browser"} {
			if !strings.Contains(hosts[0], bit) {
				t.Errorf("first announcement lacks %q", bit)
			}
		}
	})
}

// browsePeer is the test binary running runBrowsePeer in the peer's
// network namespace.
type browsePeer struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

// startBrowsePeer starts the peer in a namespace of its own, moves the
// veth's far end into it, and waits until it listens on UDP 138.
func startBrowsePeer(t *testing.T, unshare, ip string) *browsePeer {
	t.Helper()
	// The peer reports NS once it is in its namespace (so the veth can
	// follow), then waits for the veth, configures it and runs the helper.
	script := `echo NS; while ! ip link show ` + vethPeer + ` >/dev/null 2>&1; do sleep 0.05; done
ip addr add ` + peerCIDR + ` brd + dev ` + vethPeer + ` && ip link set ` + vethPeer + ` up && ip link set lo up && exec "$@"`
	p := &browsePeer{lines: make(chan string, 64)}
	args := append([]string{"-n", "sh", "-c", script, "sh"}, testpeer.SelfCommand()...)
	p.cmd = exec.Command(unshare, append(args, "-test.run=^$")...)
	p.cmd.Env = append(os.Environ(), envBrowsePeer+"=1")
	p.cmd.Stderr = os.Stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start peer: %v", err)
	}
	t.Cleanup(func() {
		p.stdin.Close()
		p.cmd.Process.Kill()
		p.cmd.Wait()
	})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	p.expect(t, "NS")
	if out, err := exec.Command(ip, "link", "set", vethPeer, "netns", strconv.Itoa(p.cmd.Process.Pid)).CombinedOutput(); err != nil {
		t.Fatalf("moving %s into the peer's namespace: %v\n%s", vethPeer, err, out)
	}
	p.expect(t, "READY")
	return p
}

// expect returns the first line starting with prefix, skipping others.
func (p *browsePeer) expect(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.After(browseTimeout)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("peer exited before %q", prefix)
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-deadline:
			t.Fatalf("peer did not say %q within %v", prefix, browseTimeout)
		}
	}
}

// announcement returns the next HostAnnouncement the peer received from
// the server, checking the datagram around it.
func (p *browsePeer) announcement(t *testing.T) browser.Announcement {
	t.Helper()
	for {
		b, err := hex.DecodeString(strings.TrimPrefix(p.expect(t, "DGRAM "), "DGRAM "))
		if err != nil {
			t.Fatal(err)
		}
		d, err := netbt.ParseDatagram(b)
		if err != nil {
			t.Fatalf("peer got a malformed datagram: %v\n%s", err, hex.Dump(b))
		}
		if d.SourceIP() != netip.MustParseAddr("10.213.0.1") {
			continue // the peer's own broadcast
		}
		var nb [netbt.MaxDecodedNameLen]byte
		name, suffix, _, _, err := netbt.DecodeName(nb[:0], d.DestinationName())
		if err != nil || string(name) != "WORKGROUP" || suffix != 0x1D || d.SourcePort() != netbt.DatagramPort ||
			d.Type() != netbt.DatagramDirectGroup {
			t.Errorf("datagram to %q<%02x> from port %d, type %#x", name, suffix, d.SourcePort(), d.Type())
		}
		ms, err := browser.ParseMailslot(d.UserData())
		if err != nil || string(ms.Name) != browser.MailslotBrowse {
			t.Fatalf("mailslot %q: %v", ms.Name, err)
		}
		a, err := browser.ParseAnnouncement(ms.Data)
		if err != nil || a.Opcode() != browser.OpHostAnnouncement || string(a.ServerName()) != netbiosName {
			t.Fatalf("announcement % x: %v", ms.Data, err)
		}
		return a
	}
}

// ask has the peer broadcast an AnnouncementRequest to WORKGROUP<00>.
func (p *browsePeer) ask(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, "ask\n"); err != nil {
		t.Fatal(err)
	}
}

func (p *browsePeer) close(t *testing.T) {
	t.Helper()
	p.stdin.Close()
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("peer: %v", err)
	}
}

func init() { helperProcesses[envBrowsePeer] = runBrowsePeer }

// runBrowsePeer is the peer host of TestInteropBrowse, run by TestMain in a
// test binary started with envBrowsePeer set: it prints every datagram it
// receives on UDP 138 and broadcasts an AnnouncementRequest for each "ask"
// line on stdin.
func runBrowsePeer() int {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{Port: netbt.DatagramPort})
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	defer c.Close()
	fmt.Println("READY")
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if sc.Text() != "ask" {
				continue
			}
			h := netbt.DatagramHeader{
				Type: netbt.DatagramDirectGroup, Flags: netbt.DatagramFlagFirst, ID: 1,
				SourceIP: netip.MustParseAddr("10.213.0.2"), SourcePort: netbt.DatagramPort,
			}
			pkt := netbt.AppendDatagram(nil, h, netbt.EncodeName(nil, "PEER", 0, ""), netbt.EncodeName(nil, "WORKGROUP", 0, ""),
				browser.AppendMailslotWrite(nil, browser.MailslotBrowse, []byte{browser.OpAnnouncementRequest, 0, 'P', 'E', 'E', 'R', 0}))
			if _, err := c.WriteTo(pkt, &net.UDPAddr{IP: net.ParseIP(subnetBcast), Port: netbt.DatagramPort}); err != nil {
				fmt.Println("ERROR", err)
			}
		}
		c.Close() // stdin closed: the test is over
	}()
	buf := make([]byte, 1500)
	c.SetReadDeadline(time.Now().Add(4 * browseTimeout))
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return 0
		}
		fmt.Println("DGRAM", hex.EncodeToString(buf[:n]))
	}
}

// startLiveDissector starts tshark dissecting iface's UDP 138 as packets
// arrive, and returns once a probe sent to the subnet's discard port has
// come through it: unlike a capture to a file, its output shows when
// capturing has really begun, which "Capturing on" does not promise.
func startLiveDissector(t *testing.T, tshark, iface string) *tsharkRun {
	t.Helper()
	probe, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP("10.213.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	return startTshark(t, tshark, func(r *tsharkRun) bool { return strings.Contains(r.stdout.String(), "Dst Port: 9") },
		func() { probe.WriteTo([]byte("probe"), &net.UDPAddr{IP: net.ParseIP(subnetBcast), Port: 9}) },
		"-i", iface, "-l", "-f", "udp port 138 or udp port 9", "-V")
}

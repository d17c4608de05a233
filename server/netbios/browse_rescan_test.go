//go:build !tinysmbd_nobrowse

package netbios_test

import (
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/transport/v3/test"
	"github.com/pion/transport/v3/vnet"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/netbt"
	"github.com/tinysmbd/tinysmbd/server/netbios"
	"github.com/tinysmbd/tinysmbd/smb/browser"
)

// TestBrowseFollowsInterfaces: the browser announcements, running alone,
// follow the interfaces as the name service does: they wait for a subnet,
// announce at once on one that comes up, stop on one that goes away, and
// say goodbye on those served at the end only.
func TestBrowseFollowsInterfaces(t *testing.T) {
	t.Cleanup(test.CheckRoutines(t)) // first registered, so it runs after every other cleanup
	const (
		addrA = "10.0.0.2"   // eth0, 10.0.0.0/25
		addrB = "10.0.0.130" // eth1, 10.0.0.128/25
	)
	r := newNBNSRouter(t)
	vn, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{addrA, addrB}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.AddNet(vn); err != nil {
		t.Fatal(err)
	}
	// vnet carries no broadcast, but the router sees each announcement
	// before it drops it: the server types announced, by source address.
	var mu sync.Mutex
	types := map[string][]uint32{}
	r.AddChunkFilter(func(c vnet.Chunk) bool {
		d, err := netbt.ParseDatagram(c.UserData())
		if c.Network() != "udp" || err != nil {
			return true
		}
		ms, err := browser.ParseMailslot(d.UserData())
		if err != nil {
			return true
		}
		if a, err := browser.ParseAnnouncement(ms.Data); err == nil && a.Opcode() == browser.OpHostAnnouncement {
			if ua := c.DestinationAddr().(*net.UDPAddr); ua.Port != netbt.DatagramPort || !ua.IP.Equal(net.IPv4(10, 0, 0, 127)) && !ua.IP.Equal(net.IPv4(10, 0, 0, 255)) {
				t.Errorf("announcement to %v", ua)
			}
			mu.Lock()
			src := d.SourceIP().String()
			types[src] = append(types[src], a.ServerType())
			mu.Unlock()
		}
		return true
	})
	// announced waits for want announcements in all from addr (for none,
	// 200 ms) and returns their types, forgetting them.
	announced := func(addr string, want int) []uint32 {
		t.Helper()
		if want == 0 {
			time.Sleep(200 * time.Millisecond)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			got := types[addr]
			if len(got) >= want || time.Now().After(deadline) {
				delete(types, addr)
				mu.Unlock()
				if len(got) != want {
					t.Errorf("%d announcements from %s; want %d", len(got), addr, want)
				}
				return got
			}
			mu.Unlock()
			time.Sleep(10 * time.Millisecond)
		}
	}
	startNBNSRouter(t, r)

	n := &ifaceNet{Net: vn}
	n.set(t)
	logs := new(testpeer.SyncBuffer)
	svc, err := netbios.New(noPeriodicRescan(netbios.Config{Name: netbiosName, Workgroup: "WORKGROUP", Browse: true,
		ServerType: browser.SVTypeServer, Net: n, Logger: slog.New(slog.NewTextHandler(logs, nil))}))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			svc.Close()
		}
		if t.Failed() {
			t.Logf("log:\n%s", logs.String())
		}
	}()
	if got := svc.Subnets(); len(got) != 0 {
		t.Fatalf("subnets %q with only lo up", got)
	}
	if !strings.Contains(logs.String(), "browse: no IPv4 interface with a broadcast address yet; waiting for one") {
		t.Error("the wait was not logged")
	}

	n.set(t, "eth0 "+addrA+"/25")
	svc.Rescan()
	if got := strings.Join(svc.Subnets(), ","); got != "eth0 "+addrA+"/25" {
		t.Fatalf("subnets %q", got)
	}
	announced(addrA, 1)

	n.set(t, "eth0 "+addrA+"/25", "eth1 "+addrB+"/25")
	svc.Rescan()
	announced(addrB, 1)
	announced(addrA, 0)

	n.set(t, "eth1 "+addrB+"/25")
	svc.Rescan()
	if got := strings.Join(svc.Subnets(), ","); got != "eth1 "+addrB+"/25" {
		t.Fatalf("subnets %q", got)
	}
	svc.Close()
	closed = true
	// MS-BRWS 3.2.7: the goodbye, ServerType 0, on the subnet left only.
	if got := announced(addrB, 1); len(got) == 1 && got[0] != 0 {
		t.Errorf("going-away announcement with type %#x", got[0])
	}
	announced(addrA, 0)
}

//go:build tinysmbd_nodns

package main

import (
	"net"
	"strings"
	"testing"
)

func TestListenAddrWithoutResolver(t *testing.T) {
	for _, tc := range []struct {
		addr, want string // want: the TCPAddr, or "" for an error
	}{
		{"0.0.0.0:445", "0.0.0.0:445"},
		{":139", ":139"},
		{"192.168.1.1:445", "192.168.1.1:445"},
		{"[::1]:445", "[::1]:445"},
		{"[fe80::1%eth0]:445", "[fe80::1%eth0]:445"},
		{"localhost:445", ""},
		{"nas.lan:445", ""},
		{"0.0.0.0:microsoft-ds", ""},
		{"0.0.0.0:70000", ""},
	} {
		a, err := parseListenAddr(tc.addr)
		switch {
		case tc.want == "" && (err == nil || !strings.Contains(err.Error(), "tinysmbd_nodns")):
			t.Errorf("parseListenAddr(%q) = %v, %v; want an error naming the build tag", tc.addr, a, err)
		case tc.want != "" && (err != nil || a.String() != tc.want):
			t.Errorf("parseListenAddr(%q) = %v, %v; want %s", tc.addr, a, err, tc.want)
		}
	}

	fc := defaultFileConfig()
	fc.Shares = []shareSection{{Name: "s", Path: memPath}}
	fc.Server.DirectListen = "localhost:445"
	if err := fc.validate(); err == nil || !strings.Contains(err.Error(), `server.direct_listen "localhost:445"`) {
		t.Errorf("validate with a host name = %v; want it refused at start", err)
	}
}

// TestListenTCPLikeNetListen checks that binding without the resolver gives
// the socket net.Listen would: for the IPv4 wildcard, a dual-stack one.
func TestListenTCPLikeNetListen(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "127.0.0.1:0"} {
		l1, err := listenTCP(addr)
		if err != nil {
			t.Fatal(err)
		}
		l2, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		h1, _, _ := net.SplitHostPort(l1.Addr().String())
		h2, _, _ := net.SplitHostPort(l2.Addr().String())
		if h1 != h2 {
			t.Errorf("%s: listenTCP bound %s, net.Listen %s", addr, l1.Addr(), l2.Addr())
		}
		l1.Close()
		l2.Close()
	}
}

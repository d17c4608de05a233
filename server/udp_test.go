//go:build !tinysmbd_nonbns

package server_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v3/vnet"

	"github.com/tinysmbd/tinysmbd/server"
)

// TestStartNameService: the Config's name service settings reach package
// netbios, its errors come back from StartNameService, and Reload has it
// rescan the interfaces at once.
func TestStartNameService(t *testing.T) {
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelError
	r, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "10.0.0.0/24", LoggerFactory: lf})
	if err != nil {
		t.Fatal(err)
	}
	// The host joins the LAN only later: until then it has no subnet.
	n, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{"10.0.0.2"}})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)

	srv, err := server.New(server.Config{NetBIOSAliases: []string{"SIXTEEN-BYTES-XX"}, NBNSListen: ":137", Net: n, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.StartNameService(); err == nil || !strings.Contains(err.Error(), "alias") {
		t.Errorf("StartNameService with a long alias = %v", err)
	}
	srv.Shutdown(context.Background())
	srv, err = server.New(server.Config{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.StartNameService(); err == nil {
		t.Error("StartNameService without NBNSListen succeeded")
	}
	srv.Shutdown(context.Background())
	srv, _ = server.New(server.Config{NBNSListen: ":137", Net: n, Logger: quiet})
	srv.Shutdown(context.Background())
	if err := srv.StartNameService(); !errors.Is(err, server.ErrServerClosed) {
		t.Errorf("StartNameService after Shutdown = %v; want ErrServerClosed", err)
	}

	srv, err = server.New(server.Config{NetBIOSName: "nas", NetBIOSAliases: []string{"files"}, Workgroup: "office",
		NBNSListen: ":137", Net: n, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.StartNameService(); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	var names []string
	for name := range srv.NetBIOS().States() {
		names = append(names, name)
	}
	slices.Sort(names)
	if want := "FILES<00> FILES<20> NAS<00> NAS<20> OFFICE<00> OFFICE<1e>"; strings.Join(names, " ") != want {
		t.Errorf("names %q; want %s", names, want)
	}

	if err := r.AddNet(n); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	if err := srv.Reload(nil, nil); err != nil {
		t.Fatal(err)
	}
	// The periodic rescan without a subnet is 5 s after the start; the
	// one Reload asked for comes at once.
	deadline := time.Now().Add(2 * time.Second)
	for !slices.Equal(srv.NetBIOS().Subnets(), []string{"eth0 10.0.0.2/24"}) {
		if time.Now().After(deadline) {
			t.Fatalf("subnets %q 2 s after Reload", srv.NetBIOS().Subnets())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

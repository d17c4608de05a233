//go:build !tinysmbd_nonbns

package server_test

// The name service beside the SMB server, with a real client: the tests
// of the name service alone are in package netbios.

import (
	"context"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/server"
)

// TestInteropImpacketNodeStatus is the name service's part of acceptance
// test 2: impacket connecting to "*SMBSERVER" on port 139 first asks UDP 137
// for the node status to learn the server's name; answered at once, the
// connection takes well under the 4 s of timeouts it takes unanswered.
func TestInteropImpacketNodeStatus(t *testing.T) {
	python := requirePeer(t, "impacket")
	if os.Getenv(testpeer.EnvInNamespace) == "" {
		runInNamespace(t, "the test binds 127.0.0.1:137 and :139 in a network namespace of its own")
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:139")
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestShares(t)
	ts.cfg.NBNSListen = "127.0.0.1:137"
	srv := startServer(t, ts.cfg, served{l, server.FramingNetBT})
	if err := srv.StartNameService(); err != nil {
		t.Fatal(err)
	}
	waitRegistered(t, srv)

	const script = `
import sys, time
from impacket.smbconnection import SMBConnection, SMB_DIALECT
start = time.time()
c = SMBConnection('*SMBSERVER', '127.0.0.1', sess_port=139, preferredDialect=SMB_DIALECT, timeout=10)
connected = time.time() - start
c.login(sys.argv[1], sys.argv[2])
print("name %s" % c.getRemoteName())
print("connect %.3f" % connected)
print("login ok")
c.logoff()
`
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-c", script, testUser, testPassword).CombinedOutput()
	t.Logf("impacket:\n%s", out)
	if err != nil {
		t.Fatalf("impacket: %v", err)
	}
	text := string(out)
	if !strings.Contains(text, "name "+netbiosName+"\n") {
		t.Errorf("impacket did not learn the name %s from the node status", netbiosName)
	}
	m := regexp.MustCompile(`connect ([0-9.]+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("no connect time printed")
	}
	secs, _ := strconv.ParseFloat(m[1], 64)
	if time.Duration(secs*float64(time.Second)) > 2*time.Second {
		t.Errorf("connecting to *SMBSERVER took %ss; want under 2 s", m[1])
	}
	if !strings.Contains(text, "login ok") {
		t.Errorf("impacket did not log in")
	}
}

// waitRegistered waits until every name of srv's name service is
// registered on every subnet.
func waitRegistered(t *testing.T, srv *server.Server) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		done := true
		for _, sts := range srv.NetBIOS().States() {
			for _, st := range sts {
				done = done && st == "registered"
			}
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("names not registered after 5s: %v", srv.NetBIOS().States())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

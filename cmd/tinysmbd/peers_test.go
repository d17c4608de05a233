package main

// Finding the external programs the tests drive. A missing one skips the
// test with the command that installs it, unless TINYSMBD_REQUIRE_PEERS=1,
// which turns the skip into a failure (CI sets it); docs/testing.md lists
// the peers.

import (
	"os/exec"
	"testing"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
)

// peers names the Debian package that installs each external program.
var peers = map[string]string{
	"smbclient": "smbclient",
	"unshare":   "util-linux",
	"ip":        "iproute2",
}

// requirePeer returns the path of the named program, or skips (fails under
// TINYSMBD_REQUIRE_PEERS=1) with the command that installs it.
func requirePeer(t *testing.T, name string) string {
	t.Helper()
	pkg, ok := peers[name]
	if !ok {
		t.Fatalf("requirePeer: unknown peer %q", name)
	}
	p, err := exec.LookPath(name)
	if err != nil {
		testpeer.SkipOrFatal(t, "%s not installed: apt-get install -y %s", name, pkg)
	}
	return p
}

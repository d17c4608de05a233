package main

// Finding the external programs the tests drive. A missing one skips the
// test with the command that installs it, unless TINYSMBD_REQUIRE_PEERS=1,
// which turns the skip into a failure (CI sets it); docs/testing.md lists
// the peers.

import (
	"os"
	"os/exec"
	"testing"
)

// envRequirePeers turns a missing tool into a failure (CI sets it).
const envRequirePeers = "TINYSMBD_REQUIRE_PEERS"

// peers names the Debian package that installs each external program.
var peers = map[string]string{
	"smbclient": "smbclient",
	"unshare":   "util-linux",
	"ip":        "iproute2",
}

// skipOrFatal skips the test, or fails it when TINYSMBD_REQUIRE_PEERS=1.
func skipOrFatal(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv(envRequirePeers) == "1" {
		t.Fatalf(format+" (and "+envRequirePeers+"=1)", args...)
	}
	t.Skipf(format, args...)
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
		skipOrFatal(t, "%s not installed: apt-get install -y %s", name, pkg)
	}
	return p
}

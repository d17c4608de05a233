package netbios_test

// This package's peer lookup and namespace re-run, over the mechanics
// internal/testpeer shares with server's and cmd/tinysmbd's tests.

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
)

const (
	netbiosName = "TINYSMBD"
	// peerTimeout bounds one client invocation.
	peerTimeout = 30 * time.Second
)

// peers says how to install each external program.
var peers = map[string]string{
	"ip":        "apt-get install -y iproute2",
	"unshare":   "apt-get install -y util-linux",
	"tshark":    "apt-get install -y tshark",
	"nmblookup": "apt-get install -y samba-common-bin",
	"nbtscan":   "apt-get install -y nbtscan",
	"nmbd":      "apt-get install -y samba",
}

// helperProcesses maps an environment variable to what the test binary does
// instead of running tests when a test re-executes it with that variable
// set: a peer host in another network namespace, for instance.
var helperProcesses = map[string]func() int{}

func TestMain(m *testing.M) {
	for env, run := range helperProcesses {
		if os.Getenv(env) != "" {
			os.Exit(run())
		}
	}
	os.Exit(m.Run())
}

// requirePeer returns the path of the named program, or skips (or fails)
// the test with the command that installs it.
func requirePeer(t testing.TB, name string) string {
	t.Helper()
	install, ok := peers[name]
	if !ok {
		t.Fatalf("requirePeer: unknown peer %q", name)
	}
	path, err := exec.LookPath(name)
	if err != nil {
		testpeer.SkipOrFatal(t, "%s not installed: %s", name, install)
	}
	return path
}

// runInNamespace re-runs t, a top-level test, inside a private network
// namespace (testpeer.RunInNamespace) and makes that run t's result.
func runInNamespace(t *testing.T, why string) {
	t.Helper()
	unshare := requirePeer(t, "unshare")
	requirePeer(t, "ip")
	testpeer.RunInNamespace(t, why, 3*peerTimeout, unshare)
}

package netbios_test

// Test helpers shared by this package's tests between hosts and with real
// clients. They mirror server's (its interop_test.go and main_test.go) in
// a reduced form, so that each package's tests stand alone.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// envRequirePeers makes a missing client a failure instead of a skip.
	envRequirePeers = "TINYSMBD_REQUIRE_PEERS"
	// envInNamespace marks the re-executed test binary, so that a test that
	// still cannot do what it needs there fails instead of re-executing.
	envInNamespace = "TINYSMBD_TEST_IN_NETNS"
	// envTestEmulator names the user-mode emulator running this test binary
	// (make qemu-test): a re-executed binary must go through it too.
	envTestEmulator = "TINYSMBD_TEST_EMULATOR"

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

// skipOrFatal skips the test, or fails it when TINYSMBD_REQUIRE_PEERS=1.
func skipOrFatal(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(envRequirePeers) == "1" {
		t.Fatalf(format+" (and "+envRequirePeers+"=1)", args...)
	}
	t.Skipf(format, args...)
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
		skipOrFatal(t, "%s not installed: %s", name, install)
	}
	return path
}

// syncBuffer is a bytes.Buffer safe for the service's logger and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tail returns the last n bytes of s, cut at a line start.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return "[...]\n" + s
}

// selfCommand is the command line that runs this test binary again.
func selfCommand() []string {
	if emu := os.Getenv(envTestEmulator); emu != "" {
		return []string{emu, os.Args[0]}
	}
	return []string{os.Args[0]}
}

// runInNamespace re-executes the test binary, running only t, inside a new
// network namespace (and a user namespace when not root, which maps us to
// root there) with its loopback up, and makes that run's result t's result.
func runInNamespace(t *testing.T, why string) {
	t.Helper()
	if os.Getenv(envInNamespace) != "" {
		t.Fatalf("already inside a private network namespace, and still %s", why)
	}
	unshare := requirePeer(t, "unshare")
	requirePeer(t, "ip")
	t.Logf("%s; re-running %s in a private network namespace", why, t.Name())
	flags := "-rn"
	if os.Geteuid() == 0 {
		flags = "-n"
	}
	args := append([]string{flags, "sh", "-c", `ip link set lo up && exec "$0" "$@"`}, selfCommand()...)
	args = append(args, "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v", "-test.count=1")
	if testing.Short() {
		args = append(args, "-test.short")
	}
	text, hung, err := runSelf(3*peerTimeout, unshare, args)
	if hung && os.Getenv(envTestEmulator) != "" {
		// qemu-user has been seen to hang in a Go program's fork and exec
		// now and then (golang/go#67355): one more try.
		t.Logf("the run under the emulator hung (%v):\n%s\ntrying once more", err, text)
		text, _, err = runSelf(3*peerTimeout, unshare, args)
	}
	name := regexp.QuoteMeta(t.Name())
	switch {
	case regexp.MustCompile(`(?m)^--- PASS: `+name+` `).MatchString(text) && err == nil:
		t.Logf("inside the namespace:\n%s", text)
	case regexp.MustCompile(`(?m)^--- SKIP: `+name+` `).MatchString(text) && err == nil:
		t.Logf("inside the namespace:\n%s", text)
		t.Skipf("skipped inside the namespace (see log)")
	case !strings.Contains(text, "=== RUN"):
		skipOrFatal(t, "cannot run the test in a private user+network namespace (unshare %s: %v): %s",
			flags, err, strings.TrimSpace(text))
	default:
		t.Fatalf("failed inside the private network namespace (%v):\n%s", err, text)
	}
}

// runSelf runs name with args and envInNamespace set, in a process group of
// its own that is killed when timeout is up and once the command exited,
// and returns its combined output; hung reports that the time ran out or
// that something left behind kept the output open.
func runSelf(timeout time.Duration, name string, args []string) (out string, hung bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), envInNamespace+"=1")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return "", false, err
	}
	err = cmd.Wait()
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	return buf.String(), ctx.Err() != nil || errors.Is(err, exec.ErrWaitDelay), err
}

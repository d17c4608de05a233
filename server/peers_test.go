package server_test

// Finding and running the real clients of the interop tests (Samba's
// smbclient and smbtorture, impacket, tshark) against the server on
// loopback; docs/testing.md lists them. A missing client skips the test with
// the command that installs it, unless TINYSMBD_REQUIRE_PEERS=1, which turns
// the skip into a failure (CI sets it).
//
// Samba's clients and impacket send a NetBIOS session request only when the
// port is 139, so the NetBT tests must listen on 127.0.0.1:139. When that
// port cannot be bound (not root, or in use), the test re-runs itself inside
// a private user+network namespace, where an unprivileged process owns its
// own loopback and every port on it.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
)

const (
	// systemPython is Debian's interpreter, the one python3-impacket is
	// installed for; another python3 earlier on PATH may not see it.
	systemPython = "/usr/bin/python3"
	// peerTimeout bounds one client invocation; each test stays under ~30 s.
	peerTimeout = 30 * time.Second
)

// peers says how to find each external program and how to install it.
var peers = map[string]struct {
	install string
	// module, if set, is a Python module that systemPython must import.
	module string
}{
	"smbclient":  {install: "apt-get install -y smbclient"},
	"rpcclient":  {install: "apt-get install -y smbclient"},
	"net":        {install: "apt-get install -y samba-common-bin"},
	"smbtorture": {install: "apt-get install -y samba-testsuite"},
	"tshark":     {install: "apt-get install -y tshark"},
	"impacket":   {install: "apt-get install -y python3-impacket", module: "impacket.smbconnection"},
	"unshare":    {install: "apt-get install -y util-linux"},
	"ip":         {install: "apt-get install -y iproute2"},
	"stdbuf":     {install: "apt-get install -y coreutils"},
}

// requirePeer returns the path of the named client, or skips (or fails) the
// test with the command that installs it. For a Python module it returns the
// interpreter.
func requirePeer(t testing.TB, name string) string {
	t.Helper()
	p, ok := peers[name]
	if !ok {
		t.Fatalf("requirePeer: unknown peer %q", name)
	}
	if p.module != "" {
		if _, err := os.Stat(systemPython); err != nil {
			testpeer.SkipOrFatal(t, "%s not installed (%s missing): %s", name, systemPython, p.install)
		}
		out, err := exec.Command(systemPython, "-c", "import "+p.module).CombinedOutput()
		if err != nil {
			testpeer.SkipOrFatal(t, "%s not installed (%s cannot import %s: %s): %s",
				name, systemPython, p.module, bytes.TrimSpace(out), p.install)
		}
		return systemPython
	}
	path, err := exec.LookPath(name)
	if err != nil {
		testpeer.SkipOrFatal(t, "%s not installed: %s", name, p.install)
	}
	return path
}

// listenNetBT returns a listener on 127.0.0.1:139. If that port cannot be
// bound here, it runs the calling test again inside a private network
// namespace, reports that run as this test's outcome, and returns nil: the
// caller must then return at once.
func listenNetBT(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:139")
	if err == nil {
		return l
	}
	runInNamespace(t, fmt.Sprintf("cannot listen on 127.0.0.1:139: %v", err))
	return nil
}

// runInNamespace re-runs t, a top-level test, inside a private network
// namespace (testpeer.RunInNamespace) and makes that run t's result.
func runInNamespace(t *testing.T, why string) {
	t.Helper()
	unshare := requirePeer(t, "unshare")
	requirePeer(t, "ip")
	testpeer.RunInNamespace(t, why, 3*peerTimeout, unshare)
}

// smbclient runs Samba's smbclient, forced to SMB1 (NT1), against one share.
type smbclient struct {
	t     *testing.T
	bin   string
	host  string // the name in //host/share; "127.0.0.1" unless a test sets it
	port  int
	share string
	auth  []string // -U user%pass or -N
	conf  string   // a private smb.conf, so the host's does not interfere
	local string   // working directory: local files for put/get
}

func newSmbclient(t *testing.T, port int, share string, auth ...string) *smbclient {
	t.Helper()
	bin := requirePeer(t, "smbclient")
	state := t.TempDir()
	conf := filepath.Join(state, "smb.conf")
	var b strings.Builder
	b.WriteString("[global]\n  workgroup = WORKGROUP\n  client min protocol = NT1\n  client max protocol = NT1\n")
	for _, d := range []string{"lock directory", "state directory", "cache directory", "private dir", "ncalrpc dir"} {
		p := filepath.Join(state, strings.ReplaceAll(d, " ", "-"))
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "  %s = %s\n", d, p)
	}
	if err := os.WriteFile(conf, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return &smbclient{t: t, bin: bin, host: "127.0.0.1", port: port, share: share, auth: auth, conf: conf, local: t.TempDir()}
}

// run executes one smbclient -c command string and returns its combined
// output and exit error.
func (c *smbclient) run(commands string, extra ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	out, err := c.command(ctx, nil, commands, extra...).CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v: %w", peerTimeout, ctx.Err())
	}
	return string(out), err
}

// command is the smbclient command line running commands, with extra
// arguments, under ctx; via, when given, is a program and its arguments
// that run smbclient (stdbuf).
func (c *smbclient) command(ctx context.Context, via []string, commands string, extra ...string) *exec.Cmd {
	args := append([]string{}, via...)
	args = append(args, c.bin, "//"+c.host+"/"+c.share, "-I", "127.0.0.1", "-p", strconv.Itoa(c.port), "-s", c.conf,
		"--option=client min protocol=NT1", "--option=client max protocol=NT1")
	args = append(args, c.auth...)
	args = append(args, extra...)
	args = append(args, "-c", commands)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = c.local
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	return cmd
}

// mustRun runs commands and fails the test unless smbclient succeeded with
// no NT_STATUS error and no "Error in dskattr" in its output.
func (c *smbclient) mustRun(commands string) string {
	c.t.Helper()
	out, err := c.run(commands)
	c.t.Logf("smbclient -c %q:\n%s", commands, out)
	if err != nil {
		c.t.Fatalf("smbclient -c %q: %v\n%s", commands, err, out)
	}
	if strings.Contains(out, "NT_STATUS_") {
		c.t.Fatalf("smbclient -c %q reported an error:\n%s", commands, out)
	}
	if strings.Contains(out, "Error in dskattr") {
		c.t.Fatalf("smbclient -c %q: \"Error in dskattr\" (QUERY_INFORMATION_DISK or the FS size info level):\n%s", commands, out)
	}
	return out
}

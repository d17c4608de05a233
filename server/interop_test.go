package server_test

// Interop tests run real SMB1 clients (Samba's smbclient, impacket, tshark as
// a wire-format referee) against the real server on loopback; see
// /work/shared/docs/PEERS.md. A missing client skips the test with the
// command that installs it, unless TINYSMBD_REQUIRE_PEERS=1, which turns the
// skip into a failure (CI sets it).
//
// Samba's clients and impacket send a NetBIOS session request only when the
// port is 139, so the NetBT tests must listen on 127.0.0.1:139. When that
// port cannot be bound (not root, or in use), the test re-runs itself inside
// a private user+network namespace, where an unprivileged process owns its
// own loopback and every port on it.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
	"github.com/tinysmbd/tinysmbd/vfs"
)

const (
	// envRequirePeers makes a missing client a failure instead of a skip.
	envRequirePeers = "TINYSMBD_REQUIRE_PEERS"
	// envInNamespace marks the re-executed test binary, so that a test that
	// still cannot bind its port there fails instead of re-executing again.
	envInNamespace = "TINYSMBD_TEST_IN_NETNS"
	// systemPython is Debian's interpreter, the one python3-impacket is
	// installed for; another python3 earlier on PATH may not see it.
	systemPython = "/usr/bin/python3"

	testUser     = "alice"
	testPassword = "secret"
	netbiosName  = "TINYSMBD"
	// peerTimeout bounds one client invocation; each test stays under ~30 s.
	peerTimeout = 30 * time.Second
)

// peers says how to find each external program and how to install it.
var peers = map[string]struct {
	install string
	// module, if set, is a Python module that systemPython must import.
	module string
}{
	"smbclient": {install: "apt-get install -y smbclient"},
	"rpcclient": {install: "apt-get install -y smbclient"},
	"net":       {install: "apt-get install -y samba-common-bin"},
	"tshark":    {install: "apt-get install -y tshark"},
	"impacket":  {install: "apt-get install -y python3-impacket", module: "impacket.smbconnection"},
	"unshare":   {install: "apt-get install -y util-linux"},
	"ip":        {install: "apt-get install -y iproute2"},
	"stdbuf":    {install: "apt-get install -y coreutils"},
}

// skipOrFatal skips the test, or fails it when TINYSMBD_REQUIRE_PEERS=1.
func skipOrFatal(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(envRequirePeers) == "1" {
		t.Fatalf(format+" (and "+envRequirePeers+"=1)", args...)
	}
	t.Skipf(format, args...)
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
			skipOrFatal(t, "%s not installed (%s missing): %s", name, systemPython, p.install)
		}
		out, err := exec.Command(systemPython, "-c", "import "+p.module).CombinedOutput()
		if err != nil {
			skipOrFatal(t, "%s not installed (%s cannot import %s: %s): %s",
				name, systemPython, p.module, bytes.TrimSpace(out), p.install)
		}
		return systemPython
	}
	path, err := exec.LookPath(name)
	if err != nil {
		skipOrFatal(t, "%s not installed: %s", name, p.install)
	}
	return path
}

// syncBuffer is a bytes.Buffer safe for the server's logger and the test.
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

// served is a listener and the framing its connections use.
type served struct {
	l       net.Listener
	framing server.Framing
}

// startServer serves cfg on each listener until the test ends, then shuts
// the server down and checks that every Serve returned ErrServerClosed. The
// server's debug log and request trace are printed if the test failed.
func startServer(t testing.TB, cfg server.Config, ls ...served) *server.Server {
	t.Helper()
	logs := new(syncBuffer)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		cfg.Trace = true
	}
	srv, err := server.New(cfg)
	if err != nil {
		for _, s := range ls {
			s.l.Close()
		}
		t.Fatalf("server.New: %v", err)
	}
	results := make(chan error, len(ls))
	for _, s := range ls {
		go func() { results <- srv.Serve(s.l, s.framing) }()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		for range ls {
			select {
			case err := <-results:
				if !errors.Is(err, server.ErrServerClosed) {
					t.Errorf("Serve returned %v, want ErrServerClosed", err)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("Serve did not return after Shutdown")
			}
		}
		if t.Failed() {
			t.Logf("server log:\n%s", tail(logs.String(), 64<<10))
		}
	})
	return srv
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

// testShares is the usual configuration: user alice/secret, share "share"
// (authenticated only) backed by a temporary directory, and share "public"
// (guests welcome) backed by another.
type testShares struct {
	cfg       server.Config
	dir       string // the root of "share"
	publicDir string // the root of "public"
}

func newTestShares(t testing.TB) testShares {
	t.Helper()
	ts := testShares{dir: t.TempDir(), publicDir: t.TempDir()}
	fsShare, err := vfs.NewRootFs(ts.dir)
	if err != nil {
		t.Fatalf("vfs.NewRootFs(%s): %v", ts.dir, err)
	}
	fsPublic, err := vfs.NewRootFs(ts.publicDir)
	if err != nil {
		t.Fatalf("vfs.NewRootFs(%s): %v", ts.publicDir, err)
	}
	ts.cfg = server.Config{
		NetBIOSName: netbiosName,
		Users:       []server.User{{Name: testUser, Password: testPassword}},
		Shares: []server.Share{
			{Name: "share", Fs: fsShare, Comment: "alice's files"},
			{Name: "public", Fs: fsPublic, GuestOK: true, Comment: "for everyone"},
		},
	}
	return ts
}

// listenDirect listens on a random loopback port for direct-hosted SMB.
func listenDirect(t testing.TB) (net.Listener, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return l, l.Addr().(*net.TCPAddr).Port
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

// runInNamespace re-executes the test binary, running only t, inside a new
// network namespace (and a user namespace when not root, which maps us to
// root there) with its loopback up, and makes that run's result t's result.
func runInNamespace(t *testing.T, why string) {
	t.Helper()
	if os.Getenv(envInNamespace) != "" {
		t.Fatalf("already inside a private network namespace, and still %s", why)
	}
	if strings.Contains(t.Name(), "/") {
		t.Fatalf("runInNamespace must be called from a top-level test, not %s", t.Name())
	}
	unshare := requirePeer(t, "unshare")
	requirePeer(t, "ip")
	t.Logf("%s; re-running %s in a private network namespace", why, t.Name())

	flags := "-rn" // a user namespace lets an unprivileged user own the netns
	if os.Geteuid() == 0 {
		flags = "-n"
	}
	args := append([]string{flags, "sh", "-c", `ip link set lo up && exec "$0" "$@"`}, selfCommand()...)
	args = append(args, "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v", "-test.count=1")
	if testing.Short() {
		args = append(args, "-test.short")
	}
	text, err := runSelf(t, 3*peerTimeout, envInNamespace+"=1", unshare, args...)
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

// diskTree maps every path under dir (slash-separated, relative) to its
// size, or -1 for a directory.
func diskTree(t testing.TB, dir string) map[string]int64 {
	t.Helper()
	m := make(map[string]int64)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		if d.IsDir() {
			m[filepath.ToSlash(rel)] = -1
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		m[filepath.ToSlash(rel)] = fi.Size()
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return m
}

func checkTree(t testing.TB, dir string, want map[string]int64) {
	t.Helper()
	got := diskTree(t, dir)
	if fmt.Sprint(sortedTree(got)) != fmt.Sprint(sortedTree(want)) {
		t.Fatalf("files on disk under the share:\n got %v\nwant %v", sortedTree(got), sortedTree(want))
	}
}

func sortedTree(m map[string]int64) []string {
	s := make([]string, 0, len(m))
	for k, v := range m {
		if v < 0 {
			s = append(s, k+"/")
		} else {
			s = append(s, fmt.Sprintf("%s=%d", k, v))
		}
	}
	sort.Strings(s)
	return s
}

func randomFile(t testing.TB, path string, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

func sameFile(t testing.TB, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: %d bytes, want %d; first difference at offset %d", path, len(got), len(want), i)
	}
}

const unicodeName = "Grüße 日本.txt"

// smbclientSteps runs the smbclient acceptance steps against a server
// already listening on port and serving ts.
func smbclientSteps(t *testing.T, ts testShares, port int) {
	c := newSmbclient(t, port, "share", "-U", testUser+"%"+testPassword)
	const bigSize = 3 << 20
	big := randomFile(t, filepath.Join(c.local, "big.bin"), bigSize)
	uni := randomFile(t, filepath.Join(c.local, "uni.bin"), 12345)
	tree := map[string]int64{}

	steps := []struct {
		name  string
		cmd   string
		check func(t *testing.T, out string)
	}{
		{"ls-empty", "ls", func(t *testing.T, out string) {
			if !regexp.MustCompile(`\d+ blocks of size \d+\. \d+ blocks available`).MatchString(out) {
				t.Errorf("ls did not print the disk size line:\n%s", out)
			}
			if !regexp.MustCompile(`(?m)^\s+\.\s+D\s+0 `).MatchString(out) {
				t.Errorf("ls did not list \".\" as a directory:\n%s", out)
			}
		}},
		{"mkdir", "mkdir sub", func(t *testing.T, out string) { tree["sub"] = -1 }},
		{"cd-put", "cd sub; put big.bin big.bin", func(t *testing.T, out string) {
			tree["sub/big.bin"] = bigSize
			sameFile(t, filepath.Join(ts.dir, "sub", "big.bin"), big)
		}},
		{"ls-sub", `ls sub\*`, func(t *testing.T, out string) {
			if !regexp.MustCompile(`(?m)^\s+big\.bin\s+A?\s+` + strconv.Itoa(bigSize) + ` `).MatchString(out) {
				t.Errorf("ls sub\\* does not show big.bin with size %d:\n%s", bigSize, out)
			}
		}},
		{"cd-get", "cd sub; get big.bin got.bin", func(t *testing.T, out string) {
			sameFile(t, filepath.Join(c.local, "got.bin"), big)
		}},
		{"rename", `rename sub\big.bin sub\renamed.bin`, func(t *testing.T, out string) {
			delete(tree, "sub/big.bin")
			tree["sub/renamed.bin"] = bigSize
		}},
		{"allinfo", `allinfo sub\renamed.bin`, func(t *testing.T, out string) {
			for _, want := range []string{"write_time:", "attributes:", fmt.Sprintf("stream: [::$DATA], %d bytes", bigSize)} {
				if !strings.Contains(out, want) {
					t.Errorf("allinfo output lacks %q:\n%s", want, out)
				}
			}
		}},
		{"put-unicode", `put uni.bin "` + unicodeName + `"`, func(t *testing.T, out string) {
			tree[unicodeName] = int64(len(uni))
			sameFile(t, filepath.Join(ts.dir, unicodeName), uni)
		}},
		{"ls-unicode", "ls", func(t *testing.T, out string) {
			if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(unicodeName) + `\s+A?\s+` + strconv.Itoa(len(uni)) + ` `).MatchString(out) {
				t.Errorf("ls does not show %q with size %d:\n%s", unicodeName, len(uni), out)
			}
			if !regexp.MustCompile(`(?m)^\s+sub\s+D\s+0 `).MatchString(out) {
				t.Errorf("ls does not show directory sub:\n%s", out)
			}
		}},
		{"get-unicode", `get "` + unicodeName + `" uni-back.bin`, func(t *testing.T, out string) {
			sameFile(t, filepath.Join(c.local, "uni-back.bin"), uni)
		}},
		{"del", `del sub\renamed.bin`, func(t *testing.T, out string) { delete(tree, "sub/renamed.bin") }},
		{"rmdir", "rmdir sub", func(t *testing.T, out string) { delete(tree, "sub") }},
		{"del-unicode", `del "` + unicodeName + `"`, func(t *testing.T, out string) { delete(tree, unicodeName) }},
	}
	for _, st := range steps {
		ok := t.Run(st.name, func(t *testing.T) {
			c.t = t
			out := c.mustRun(st.cmd)
			st.check(t, out)
			checkTree(t, ts.dir, tree)
		})
		if !ok {
			t.Fatalf("step %s failed; later steps depend on it", st.name)
		}
	}
	t.Run("get-missing", func(t *testing.T) {
		c.t = t
		out, err := c.run("get no-such-file.txt x")
		t.Logf("smbclient -c %q:\n%s", "get no-such-file.txt x", out)
		if err == nil {
			t.Errorf("get of a missing file exited 0")
		}
		if !strings.Contains(out, "NT_STATUS_OBJECT_NAME_NOT_FOUND") {
			t.Errorf("want NT_STATUS_OBJECT_NAME_NOT_FOUND:\n%s", out)
		}
	})
}

// TestInteropSmbclientNetBT is acceptance test 1 over the NetBIOS session
// service on port 139, where smbclient sends a session request first.
func TestInteropSmbclientNetBT(t *testing.T) {
	requirePeer(t, "smbclient")
	l := listenNetBT(t)
	if l == nil {
		return
	}
	ts := newTestShares(t)
	startServer(t, ts.cfg, served{l, server.FramingNetBT})
	smbclientSteps(t, ts, 139)
}

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	n atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// TestInteropSmbclientCalledNameRetry sets StrictCalledName and has
// smbclient call the server by a name it does not have: the server answers
// the NetBT session request with negative response 0x82 (called name not
// present, RFC 1002 4.3.4), and smbclient must reconnect with "*SMBSERVER"
// and succeed. The server's own NetBIOS name must be accepted at once.
func TestInteropSmbclientCalledNameRetry(t *testing.T) {
	requirePeer(t, "smbclient")
	l := listenNetBT(t)
	if l == nil {
		return
	}
	ts := newTestShares(t)
	ts.cfg.StrictCalledName = true
	cl := &countingListener{Listener: l}
	startServer(t, ts.cfg, served{cl, server.FramingNetBT})
	for _, tc := range []struct {
		name  string
		conns int32
	}{{"NOSUCHHOST", 2}, {netbiosName, 1}} {
		before := cl.n.Load()
		c := newSmbclient(t, 139, "share", "-U", testUser+"%"+testPassword)
		c.host = tc.name
		out, err := c.run("ls", "-d", "3")
		if err != nil || strings.Contains(out, "NT_STATUS_") {
			t.Fatalf("smbclient //%s/share -I 127.0.0.1 -p 139 (%v):\n%s", tc.name, err, out)
		}
		if got := cl.n.Load() - before; got != tc.conns {
			t.Errorf("//%s/share took %d connections, want %d (%s):\n%s", tc.name, got, tc.conns,
				map[bool]string{true: "refused with 0x82, then *SMBSERVER", false: "accepted at once"}[tc.conns == 2],
				tail(out, 4<<10))
		}
	}
}

// TestInteropSmbclientDirect is acceptance test 1 over direct-hosted TCP.
func TestInteropSmbclientDirect(t *testing.T) {
	requirePeer(t, "smbclient")
	l, port := listenDirect(t)
	ts := newTestShares(t)
	startServer(t, ts.cfg, served{l, server.FramingDirect})
	smbclientSteps(t, ts, port)
}

// TestInteropSmbclientGuest connects with -N (no password) to the share that
// admits guests, and checks that the one that does not refuses.
func TestInteropSmbclientGuest(t *testing.T) {
	requirePeer(t, "smbclient")
	l, port := listenDirect(t)
	ts := newTestShares(t)
	startServer(t, ts.cfg, served{l, server.FramingDirect})

	c := newSmbclient(t, port, "public", "-N")
	data := randomFile(t, filepath.Join(c.local, "g.txt"), 1000)
	out := c.mustRun("put g.txt guest.txt; ls")
	if !regexp.MustCompile(`(?m)^\s+guest\.txt\s+A?\s+1000 `).MatchString(out) {
		t.Errorf("guest ls does not show guest.txt:\n%s", out)
	}
	sameFile(t, filepath.Join(ts.publicDir, "guest.txt"), data)

	c.share = "share"
	out, err := c.run("ls")
	t.Logf("smbclient -N //127.0.0.1/share -c ls:\n%s", out)
	if err == nil || !strings.Contains(out, "NT_STATUS_") {
		t.Errorf("a guest reached share \"share\", which does not admit guests (err=%v):\n%s", err, out)
	}
}

// TestInteropSmbclientWrongPassword expects NT_STATUS_LOGON_FAILURE.
func TestInteropSmbclientWrongPassword(t *testing.T) {
	requirePeer(t, "smbclient")
	l, port := listenDirect(t)
	ts := newTestShares(t)
	startServer(t, ts.cfg, served{l, server.FramingDirect})

	c := newSmbclient(t, port, "share", "-U", testUser+"%not-"+testPassword)
	out, err := c.run("ls")
	t.Logf("smbclient -U %s%%wrong -c ls:\n%s", testUser, out)
	if err == nil {
		t.Errorf("smbclient with a wrong password exited 0")
	}
	if !strings.Contains(out, "NT_STATUS_LOGON_FAILURE") {
		t.Errorf("want NT_STATUS_LOGON_FAILURE in the output")
	}
}

// impacketChecks are the "ok" lines testdata/interop/impacket_check.py
// prints when everything works.
var impacketChecks = []string{
	"login_bad_password", "dialect", "login", "put_file", "get_file", "mkdir",
	"list_directory", "list_file", "rename", "tree_connect", "read_at_offset",
	"missing_file", "path_traversal_refused", "delete", "logoff",
}

func runImpacket(t *testing.T, ts testShares, port int) {
	t.Helper()
	python := requirePeer(t, "impacket")
	script, err := filepath.Abs(filepath.Join("testdata", "interop", "impacket_check.py"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--name", netbiosName, "--user", testUser, "--password", testPassword, "--share", "share")
	out, err := cmd.CombinedOutput()
	t.Logf("impacket_check.py:\n%s", out)
	if ctx.Err() != nil {
		t.Fatalf("impacket_check.py timed out after %v", peerTimeout)
	}
	lines := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		lines[line] = true
		if strings.HasPrefix(line, "FAIL ") {
			t.Errorf("impacket: %s", strings.TrimPrefix(line, "FAIL "))
		}
	}
	for _, name := range impacketChecks {
		if !lines["ok "+name] {
			t.Errorf("impacket: check %q did not print \"ok %s\"", name, name)
		}
	}
	if !lines["done"] {
		t.Errorf("impacket_check.py did not run to the end")
	}
	if err != nil {
		t.Errorf("impacket_check.py: %v", err)
	}
	if left := diskTree(t, ts.dir); len(left) != 0 {
		t.Errorf("files left in the share after the script deleted them: %v", sortedTree(left))
	}
}

// TestInteropImpacketNetBT is acceptance test 2: impacket's SMB1 client on
// port 139 (NetBT session request with our NetBIOS name as the called name).
func TestInteropImpacketNetBT(t *testing.T) {
	requirePeer(t, "impacket")
	l := listenNetBT(t)
	if l == nil {
		return
	}
	ts := newTestShares(t)
	startServer(t, ts.cfg, served{l, server.FramingNetBT})
	runImpacket(t, ts, 139)
}

// TestInteropImpacketDirect runs the same checks over direct-hosted TCP.
func TestInteropImpacketDirect(t *testing.T) {
	requirePeer(t, "impacket")
	l, port := listenDirect(t)
	ts := newTestShares(t)
	startServer(t, ts.cfg, served{l, server.FramingDirect})
	runImpacket(t, ts, port)
}

// TestInteropTsharkDissects is acceptance test 6: tshark captures smbclient
// talking to the server over NetBT (139) and direct TCP, and must dissect
// every SMB without a malformed packet or an error-level expert info.
func TestInteropTsharkDissects(t *testing.T) {
	tshark := requirePeer(t, "tshark")
	requirePeer(t, "smbclient")
	if os.Geteuid() != 0 {
		// Capturing needs CAP_NET_RAW, which a user namespace grants.
		runInNamespace(t, "capturing packets needs root")
		return
	}
	l := listenNetBT(t)
	if l == nil {
		return
	}
	ts := newTestShares(t)
	ts.cfg.Shares[1].Fs = afero.NewMemMapFs() // "public": nothing on disk needed
	ld, port := listenDirect(t)
	startServer(t, ts.cfg, served{l, server.FramingNetBT}, served{ld, server.FramingDirect})

	pcap := filepath.Join(t.TempDir(), "smb.pcap")
	capture := startCapture(t, tshark, fmt.Sprintf("tcp port 139 or tcp port %d", port), pcap)

	for _, p := range []int{139, port} {
		c := newSmbclient(t, p, "share", "-U", testUser+"%"+testPassword)
		data := randomFile(t, filepath.Join(c.local, "f.bin"), 150000)
		c.mustRun("put f.bin f.bin; get f.bin back.bin; ls; del f.bin")
		sameFile(t, filepath.Join(c.local, "back.bin"), data)
	}
	capture.stop(t)

	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, tshark, "-r", pcap, "-d", fmt.Sprintf("tcp.port==%d,nbss", port),
		"-O", "nbss,smb").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark -r: %v\n%s", err, tail(string(out), 16<<10))
	}
	text := string(out)
	summary, _ := exec.Command(tshark, "-r", pcap, "-d", fmt.Sprintf("tcp.port==%d,nbss", port)).CombinedOutput()
	t.Logf("capture summary:\n%s", summary)

	bad := regexp.MustCompile(`Malformed|\[Expert Info \(Error|Exception`)
	warn := regexp.MustCompile(`\[Expert Info \(Warning[^\n]*`)
	for _, frame := range splitFrames(text) {
		if bad.MatchString(frame) {
			t.Errorf("tshark flags frame %s:\n%s", frameNumber(frame), frame)
		} else if warn.MatchString(frame) {
			t.Logf("tshark warns in frame %s (not fatal: not a malformed packet):\n%s", frameNumber(frame), strings.Join(warn.FindAllString(frame, -1), "\n"))
		}
	}
	for _, want := range []string{
		"NetBIOS Session Service", "Session request", "Positive session response",
		"Negotiate Protocol Request", "Negotiate Protocol Response",
		"Session Setup AndX Request", "Session Setup AndX Response",
		"Tree Connect AndX Request", "Tree Connect AndX Response",
		"NT Create AndX Request", "NT Create AndX Response",
		"Write AndX Request", "Write AndX Response",
		"Read AndX Request", "Read AndX Response",
		"Close Request", "Close Response",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("tshark did not dissect %q", want)
		}
	}
	if t.Failed() {
		t.Logf("tshark -O nbss,smb (tail):\n%s", tail(text, 48<<10))
	}
}

// frameNumber returns N from the "Frame N:" line that starts frame.
func frameNumber(frame string) string {
	if m := regexp.MustCompile(`^Frame (\d+):`).FindStringSubmatch(frame); m != nil {
		return m[1]
	}
	return "?"
}

// splitFrames cuts tshark's -O output at each "Frame N:" line.
func splitFrames(text string) []string {
	idx := regexp.MustCompile(`(?m)^Frame \d+:`).FindAllStringIndex(text, -1)
	var frames []string
	for i, loc := range idx {
		end := len(text)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		frames = append(frames, text[loc[0]:end])
	}
	if len(frames) == 0 {
		frames = []string{text}
	}
	return frames
}

type capture struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan error
}

// startCapture runs tshark writing packets matching filter on lo to pcap,
// and returns once tshark says it is capturing.
func startCapture(t *testing.T, tshark, filter, pcap string) *capture {
	t.Helper()
	c := &capture{stderr: new(syncBuffer), done: make(chan error, 1)}
	c.cmd = exec.Command(tshark, "-i", "lo", "-f", filter, "-w", pcap)
	c.cmd.Stdout = io.Discard
	c.cmd.Stderr = c.stderr
	// tshark captures through a dumpcap child that inherits the stderr
	// pipe: killing tshark alone would leave Wait blocked on that pipe. The
	// capture gets a process group of its own, killed as a whole, and
	// WaitDelay bounds the wait for the pipe regardless.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.cmd.WaitDelay = 2 * time.Second
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start tshark: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		err := c.cmd.Wait()
		close(exited)
		c.done <- err
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(c.stderr.String(), "Capturing on") {
		select {
		case err := <-c.done:
			t.Fatalf("tshark exited before capturing (%v):\n%s", err, c.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("tshark did not start capturing within 15s:\n%s", c.stderr.String())
		}
	}
	// "Capturing on" is printed before dumpcap's filter is attached: on a
	// loaded machine (or under qemu) the first packets of the session were
	// missed. A second of grace costs little beside a dissection test.
	time.Sleep(time.Second)
	return c
}

// stop lets the last packets reach tshark, then stops it with SIGINT so it
// finishes the file.
func (c *capture) stop(t *testing.T) {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
	c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
		t.Fatalf("tshark did not stop on SIGINT:\n%s", c.stderr.String())
	}
	t.Logf("tshark: %s", strings.TrimSpace(c.stderr.String()))
}

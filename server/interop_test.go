package server_test

// Interop tests run real SMB1 clients (Samba's smbclient, impacket, tshark as
// a wire-format referee) against the real server on loopback; peers_test.go
// finds them, and docs/testing.md says how to install them.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/server"
	"github.com/tinysmbd/tinysmbd/vfs"
)

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
				testpeer.Tail(out, 4<<10))
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
		t.Fatalf("tshark -r: %v\n%s", err, testpeer.Tail(string(out), 16<<10))
	}
	text := string(out)
	summary, _ := exec.Command(tshark, "-r", pcap, "-d", fmt.Sprintf("tcp.port==%d,nbss", port)).CombinedOutput()
	t.Logf("capture summary:\n%s", summary)

	bad := regexp.MustCompile(`Malformed|\[Expert Info \(Error|Exception`)
	warn := regexp.MustCompile(`\[Expert Info \(Warning[^\n]*`)
	for _, frame := range testpeer.SplitFrames(text) {
		if bad.MatchString(frame) {
			t.Errorf("tshark flags frame %s:\n%s", testpeer.FrameNumber(frame), frame)
		} else if warn.MatchString(frame) {
			t.Logf("tshark warns in frame %s (not fatal: not a malformed packet):\n%s", testpeer.FrameNumber(frame), strings.Join(warn.FindAllString(frame, -1), "\n"))
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
		t.Logf("tshark -O nbss,smb (tail):\n%s", testpeer.Tail(text, 48<<10))
	}
}

// checkDissection has tshark dissect pcap with args and fails the test for
// every frame it marks malformed, with an error-level expert info or a
// dissector exception.
func checkDissection(t *testing.T, tshark, pcap string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, tshark, append([]string{"-r", pcap}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("tshark -r: %v\n%s", err, testpeer.Tail(string(out), 16<<10))
	}
	bad := regexp.MustCompile(`Malformed Packet|\[Expert Info \(Error|Exception`)
	for _, frame := range testpeer.SplitFrames(string(out)) {
		if bad.MatchString(frame) {
			t.Errorf("tshark flags frame %s:\n%s", testpeer.FrameNumber(frame), testpeer.Tail(frame, 8<<10))
		}
	}
}

type capture struct {
	cmd    *exec.Cmd
	stderr *testpeer.SyncBuffer
	done   chan error
}

// startCapture runs tshark writing packets matching filter on lo to pcap,
// and returns once tshark says it is capturing.
func startCapture(t *testing.T, tshark, filter, pcap string) *capture {
	t.Helper()
	c := &capture{stderr: new(testpeer.SyncBuffer), done: make(chan error, 1)}
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

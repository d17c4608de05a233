//go:build !tinysmbd_noipc

package server_test

// Interop tests of IPC$: share listing through srvsvc (smbclient -L,
// impacket), RAP on \PIPE\LANMAN (smbtorture rap.basic, smbclient's
// workgroup list), and tshark dissecting all of it without complaint.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/server"
)

const ipcServerComment = "tinysmbd test"

// ipcShares is newTestShares plus an administrative share "admin$", which
// srvsvc lists (clients hide it) and RAP does not, and extra in-memory
// shares extra000... after it.
func ipcShares(t *testing.T, extra int) testShares {
	ts := newTestShares(t)
	ts.cfg.ServerComment = ipcServerComment
	mem := afero.NewMemMapFs()
	ts.cfg.Shares = append(ts.cfg.Shares, server.Share{Name: "admin$", Fs: mem, Comment: "hidden"})
	for i := range extra {
		ts.cfg.Shares = append(ts.cfg.Shares, server.Share{Name: fmt.Sprintf("extra%03d", i), Fs: mem})
	}
	return ts
}

// smbclientList runs smbclient -L against port with auth (-U user%pass or
// -N) and returns its output.
func smbclientList(t *testing.T, port int, auth ...string) string {
	t.Helper()
	c := newSmbclient(t, port, "", auth...)
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	args := append([]string{"-L", "127.0.0.1", "-p", strconv.Itoa(port), "-s", c.conf,
		"--option=client min protocol=NT1", "--option=client max protocol=NT1"}, auth...)
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	out, err := cmd.CombinedOutput()
	t.Logf("smbclient %s:\n%s", strings.Join(args, " "), out)
	if err != nil {
		t.Fatalf("smbclient -L: %v", err)
	}
	return string(out)
}

// checkListing checks an smbclient -L output: the share table lists want
// (name and type) and nothing else, the RAP workgroup listing that follows
// shows this server and its workgroup, and no error is printed.
func checkListing(t *testing.T, out string, want [][2]string) {
	t.Helper()
	for _, bad := range []string{"NT_STATUS_", "Error returning browse list", "no workgroup available"} {
		if strings.Contains(out, bad) {
			t.Errorf("smbclient -L printed %q", bad)
		}
	}
	var got [][2]string
	section := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 0 || strings.HasPrefix(f[0], "---"):
		case f[0] == "Sharename" || f[0] == "Server" || f[0] == "Workgroup":
			section = f[0]
		case section == "Sharename" && len(f) >= 2:
			got = append(got, [2]string{f[0], f[1]})
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("shares listed: %v, want %v", got, want)
	}
	if !regexp.MustCompile(`(?m)^\s+` + netbiosName + `\s+` + ipcServerComment + `\s*$`).MatchString(out) {
		t.Errorf("the server list lacks %q with comment %q", netbiosName, ipcServerComment)
	}
	if !regexp.MustCompile(`(?m)^\s+WORKGROUP\s+` + netbiosName + `\s*$`).MatchString(out) {
		t.Errorf("the workgroup list lacks WORKGROUP with master %s", netbiosName)
	}
}

// TestInteropIPCList is acceptance test 2's listing: smbclient -L on port
// 139 lists the shares through srvsvc, then the server and workgroup
// through RAP NetServerEnum2. A guest sees only the shares that admit
// guests, and IPC$.
func TestInteropIPCList(t *testing.T) {
	requirePeer(t, "smbclient")
	l := listenNetBT(t)
	if l == nil {
		return
	}
	ts := ipcShares(t, 0)
	startServer(t, ts.cfg, served{l, server.FramingNetBT})
	t.Run("user", func(t *testing.T) {
		out := smbclientList(t, 139, "-U", testUser+"%"+testPassword)
		checkListing(t, out, [][2]string{{"share", "Disk"}, {"public", "Disk"}, {"admin$", "Disk"}, {"IPC$", "IPC"}})
		if !regexp.MustCompile(`(?m)^\s+share\s+Disk\s+alice's files$`).MatchString(out) {
			t.Errorf("share's comment is missing")
		}
		if !regexp.MustCompile(`(?m)^\s+IPC\$\s+IPC\s+IPC Service \(` + ipcServerComment + `\)$`).MatchString(out) {
			t.Errorf("IPC$'s comment is not \"IPC Service (%s)\"", ipcServerComment)
		}
	})
	t.Run("guest", func(t *testing.T) {
		checkListing(t, smbclientList(t, 139, "-N"), [][2]string{{"public", "Disk"}, {"IPC$", "IPC"}})
	})
}

// TestInteropIPCRapBasic is acceptance test 3: smbtorture's rap.basic
// passes its 6 subtests, as against Samba.
func TestInteropIPCRapBasic(t *testing.T) {
	torture := requirePeer(t, "smbtorture")
	l := listenNetBT(t)
	if l == nil {
		return
	}
	ts := ipcShares(t, 0)
	startServer(t, ts.cfg, served{l, server.FramingNetBT})
	out := runTorture(t, torture, "rap.basic")
	if n := strings.Count(out, "\nsuccess: "); n != 6 || strings.Contains(out, "\nfailure: ") || strings.Contains(out, "\nerror: ") {
		t.Fatalf("rap.basic: %d subtests passed, want 6:\n%s", n, out)
	}
}

// runTorture runs smbtorture's suite against //127.0.0.1/share on port 139
// as alice and returns its subunit output.
func runTorture(t *testing.T, torture, suite string) string {
	t.Helper()
	c := newSmbclient(t, 139, "share")
	ctx, cancel := context.WithTimeout(context.Background(), 2*peerTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, torture, "//127.0.0.1/share", "-p", "139", "-s", c.conf,
		"-U", testUser+"%"+testPassword, "--option=client min protocol=NT1", "--option=client max protocol=NT1",
		"--format=subunit", suite)
	out, err := cmd.CombinedOutput()
	t.Logf("smbtorture %s:\n%s", suite, out)
	if ctx.Err() != nil {
		t.Fatalf("smbtorture %s timed out", suite)
	}
	if err != nil {
		t.Errorf("smbtorture %s: %v", suite, err)
	}
	return "\n" + string(out)
}

// ipcChecks are the "ok" lines testdata/interop/ipc_check.py prints.
var ipcChecks = []string{
	"list_shares", "guest_list_shares", "request_fragments", "share_enum_level_2", "share_get_info",
	"server_get_info", "unknown_opnum_fault", "wksta_get_info", "ndr64_rejected", "pipe_allowlist",
}

// runIPCCheck runs ipc_check.py against port, where ts is served with extra
// shares.
func runIPCCheck(t *testing.T, port, extra int) {
	t.Helper()
	python := requirePeer(t, "impacket")
	script, err := filepath.Abs(filepath.Join("testdata", "interop", "ipc_check.py"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script, "--port", strconv.Itoa(port), "--name", netbiosName,
		"--user", testUser, "--password", testPassword, "--shares", "share,public,admin$",
		"--guest-shares", "public", "--extra", strconv.Itoa(extra))
	out, err := cmd.CombinedOutput()
	t.Logf("ipc_check.py:\n%s", out)
	if ctx.Err() != nil {
		t.Fatalf("ipc_check.py timed out after %v", peerTimeout)
	}
	lines := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		lines[line] = true
		if strings.HasPrefix(line, "FAIL ") {
			t.Errorf("impacket: %s", strings.TrimPrefix(line, "FAIL "))
		}
	}
	for _, name := range ipcChecks {
		if !lines["ok "+name] {
			t.Errorf("impacket: check %q did not print \"ok %s\"", name, name)
		}
	}
	if !lines["done"] || err != nil {
		t.Errorf("ipc_check.py did not run to the end (%v)", err)
	}
}

// TestInteropIPCImpacket is acceptance test 2's impacket part: listShares
// and the other srvsvc and wkssvc calls over DCE/RPC, with enough shares
// that the NetrShareEnum reply spans several fragments, and the pipe name
// allowlist.
func TestInteropIPCImpacket(t *testing.T) {
	requirePeer(t, "impacket")
	l, port := listenDirect(t)
	ts := ipcShares(t, 150)
	startServer(t, ts.cfg, served{l, server.FramingDirect})
	runIPCCheck(t, port, 150)
}

// TestInteropIPCDissects captures smbclient -L, smbtorture rap.basic and
// the impacket checks and has tshark dissect every DCE/RPC, srvsvc, wkssvc
// and RAP PDU without a malformed packet or an error-level expert info.
func TestInteropIPCDissects(t *testing.T) {
	tshark := requirePeer(t, "tshark")
	requirePeer(t, "smbclient")
	requirePeer(t, "impacket")
	torture := requirePeer(t, "smbtorture")
	if os.Geteuid() != 0 {
		runInNamespace(t, "capturing packets needs root")
		return
	}
	l := listenNetBT(t)
	if l == nil {
		return
	}
	ts := ipcShares(t, 60)
	startServer(t, ts.cfg, served{l, server.FramingNetBT})
	pcap := filepath.Join(t.TempDir(), "ipc.pcap")
	capture := startCapture(t, tshark, "tcp port 139", pcap)
	smbclientList(t, 139, "-U", testUser+"%"+testPassword)
	runTorture(t, torture, "rap.basic")
	runIPCCheck(t, 139, 60)
	capture.stop(t)

	checkDissection(t, tshark, pcap, "-O", "smb,dcerpc,srvsvc,wkssvc,lanman")
	summary, _ := exec.Command(tshark, "-r", pcap).CombinedOutput()
	for _, want := range []string{
		"Bind_ack", "NetShareEnumAll response", "NetShareGetInfo response", "NetSrvGetInfo response",
		"NetWkstaGetInfo response", "Fault", "NetServerEnum2 Response", "NetShareEnum Response",
		"NetServerGetInfo Response", "NetRemoteTOD Response",
	} {
		if !bytes.Contains(summary, []byte(want)) {
			t.Errorf("tshark's summary lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("capture summary:\n%s", testpeer.Tail(string(summary), 32<<10))
	}
}

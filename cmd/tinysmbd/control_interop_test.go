package main

// The operations acceptance test: the real binary serves a directory, a
// live smbclient (forced to NT1) holds a file open, and `tinysmbd status`
// over the control socket must show the session and the open file;
// `tinysmbd reload` and SIGHUP must apply an edited config without dropping
// the session. A missing smbclient skips, or fails with
// TINYSMBD_REQUIRE_PEERS=1 (peers_test.go).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
)

// buildBinary builds cmd/tinysmbd into a directory others may read and
// execute (the permission test runs it as nobody).
func buildBinary(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "tinysmbd-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "tinysmbd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// binCommand runs the built binary, behind the user-mode emulator when the
// tests run under one (TINYSMBD_TEST_EMULATOR, as testpeer.SelfCommand): go build
// inherits GOARCH, so the binary is for the same foreign architecture.
func binCommand(bin string, args ...string) *exec.Cmd {
	if emu := os.Getenv(testpeer.EnvTestEmulator); emu != "" {
		return exec.Command(emu, append([]string{bin}, args...)...)
	}
	return exec.Command(bin, args...)
}

// opsFixture is a running tinysmbd binary with its config and control
// socket.
type opsFixture struct {
	t       *testing.T
	bin     string
	dir     string
	conf    string
	socket  string
	port    int
	proc    *exec.Cmd
	logPath string
	waitErr chan error
	env     []string // added to the binary's environment
}

// writeConfig writes the config with the given [[shares]] (name → path).
func (f *opsFixture) writeConfig(shares ...string) {
	f.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "[server]\nnetbt_listen = \"\"\ndirect_listen = \"127.0.0.1:%d\"\ncontrol_socket = %q\nmemory_limit = \"6MiB\"\n", f.port, f.socket)
	b.WriteString("[[users]]\nname = \"alice\"\npassword = \"secret\"\n")
	for i := 0; i+1 < len(shares); i += 2 {
		fmt.Fprintf(&b, "[[shares]]\nname = %q\npath = %q\n", shares[i], shares[i+1])
	}
	if err := os.WriteFile(f.conf, []byte(b.String()), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

// start runs the binary and waits until its control socket answers.
func (f *opsFixture) start() {
	f.t.Helper()
	logFile, err := os.Create(f.logPath)
	if err != nil {
		f.t.Fatal(err)
	}
	defer logFile.Close()
	f.proc = binCommand(f.bin, "-config", f.conf, "-v")
	f.proc.Stdout, f.proc.Stderr = logFile, logFile
	if f.env != nil {
		f.proc.Env = append(os.Environ(), f.env...)
	}
	if err := f.proc.Start(); err != nil {
		f.t.Fatal(err)
	}
	f.waitErr = make(chan error, 1)
	go func() { f.waitErr <- f.proc.Wait() }()
	f.t.Cleanup(func() {
		f.proc.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-f.waitErr:
			if err != nil {
				f.t.Errorf("tinysmbd exited with %v after SIGTERM", err)
			}
		case <-time.After(20 * time.Second):
			f.proc.Process.Kill()
			f.t.Errorf("tinysmbd did not exit after SIGTERM")
		}
		if f.t.Failed() {
			f.t.Logf("tinysmbd log:\n%s", f.serverLog())
		}
	})
	f.eventually("the control socket", func() bool {
		c, err := net.Dial("unix", f.socket)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func (f *opsFixture) serverLog() string {
	b, _ := os.ReadFile(f.logPath)
	return string(b)
}

// eventually polls cond until it holds; the generous bound only keeps a
// broken server from hanging the test, it is not a timing assertion.
func (f *opsFixture) eventually(what string, cond func() bool) {
	f.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			f.t.Fatalf("gave up waiting for %s", what)
		}
		select {
		case err := <-f.waitErr:
			f.t.Fatalf("tinysmbd exited (%v) while waiting for %s", err, what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// control runs `tinysmbd CMD -socket SOCKET [ARGS]` and returns its output.
func (f *opsFixture) control(cmd string, args ...string) string {
	f.t.Helper()
	out, err := binCommand(f.bin, append([]string{cmd, "-socket", f.socket}, args...)...).CombinedOutput()
	if err != nil {
		f.t.Fatalf("tinysmbd %s: %v\n%s", cmd, err, out)
	}
	return string(out)
}

func newOpsFixture(t *testing.T) *opsFixture {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	return &opsFixture{
		t: t, bin: buildBinary(t), dir: dir, port: port, logPath: filepath.Join(dir, "tinysmbd.log"),
		conf: filepath.Join(dir, "tinysmbd.toml"), socket: filepath.Join(dir, "control.sock"),
	}
}

// smbclientArgs are the arguments that make smbclient speak NT1 to the
// fixture's share, with a private smb.conf so the host's does not matter.
func (f *opsFixture) smbclientArgs(share string) []string {
	f.t.Helper()
	conf := filepath.Join(f.dir, "smb.conf")
	var b strings.Builder
	b.WriteString("[global]\n  client min protocol = NT1\n  client max protocol = NT1\n")
	for _, d := range []string{"lock directory", "state directory", "cache directory", "private dir"} {
		p := filepath.Join(f.dir, "samba-"+strings.ReplaceAll(d, " ", "-"))
		os.MkdirAll(p, 0o700)
		fmt.Fprintf(&b, "  %s = %s\n", d, p)
	}
	if err := os.WriteFile(conf, []byte(b.String()), 0o600); err != nil {
		f.t.Fatal(err)
	}
	return []string{"//127.0.0.1/" + share, "-p", strconv.Itoa(f.port), "-s", conf, "-U", "alice%secret"}
}

func mkShareDir(t *testing.T, dir, file string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if file != "" {
		if err := os.WriteFile(filepath.Join(dir, file), []byte("held open by smbclient\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestInteropStatusAndReload is the acceptance test for status and
// reload.
func TestInteropStatusAndReload(t *testing.T) {
	smbclient := requirePeer(t, "smbclient")
	f := newOpsFixture(t)
	shareDir := mkShareDir(t, filepath.Join(f.dir, "share"), "held.txt")
	extraDir := mkShareDir(t, filepath.Join(f.dir, "extra"), "")
	f.writeConfig("share", shareDir)
	f.start()

	// smbclient reads its commands from stdin: "open" leaves held.txt open
	// until the pipe closes.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cli := exec.CommandContext(ctx, smbclient, f.smbclientArgs("share")...)
	stdin, err := cli.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var cliOut bytes.Buffer
	cli.Stdout, cli.Stderr = &cliOut, &cliOut
	if err := cli.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cli.Wait()
		if t.Failed() {
			t.Logf("smbclient:\n%s", cliOut.String())
		}
	}()
	io.WriteString(stdin, "open held.txt\n")

	var status string
	f.eventually("held.txt in tinysmbd status", func() bool {
		status = f.control("status")
		return strings.Contains(status, "/held.txt")
	})
	t.Logf("tinysmbd status:\n%s", status)
	for what, re := range map[string]string{
		"alice's session from 127.0.0.1 with NT LM 0.12": `(?m)^\d+\s+\d+\s+\S*\\?alice\s+127\.0\.0\.1:\d+\s+NT LM 0\.12\s`,
		"the tree on share":                     `(?m)^Trees\n.*\n\d+\s+\d+\s+\d+\s+share\s`,
		"held.txt open for reading and writing": `(?m)^\d+\s+\d+\s+\d+\s+\d+\s+RW.\s+0x[0-9a-f]{8}\s+share\s+/held\.txt\s`,
		"no locks":                              `(?m)^Byte-range locks: none$`,
	} {
		if !regexp.MustCompile(re).MatchString(status) {
			t.Errorf("status does not show %s (want /%s/)", what, re)
		}
	}

	// tinysmbd reload: a new share; the open file stays.
	f.writeConfig("share", shareDir, "extra", extraDir)
	if out := f.control("reload"); !strings.Contains(out, "reloaded: 2 shares, 1 users") {
		t.Errorf("tinysmbd reload said %q", out)
	}
	if status = f.control("status"); !strings.Contains(status, "/held.txt") {
		t.Errorf("held.txt is no longer open after a reload that kept its share:\n%s", status)
	}
	out, err := exec.Command(smbclient, append(f.smbclientArgs("extra"), "-c", "ls")...).CombinedOutput()
	if err != nil || strings.Contains(string(out), "NT_STATUS_") {
		t.Errorf("smbclient ls on the new share: %v\n%s", err, out)
	}

	// A broken config changes nothing and says why.
	if err := os.WriteFile(f.conf, []byte("[server]\nread_ony = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = binCommand(f.bin, "reload", "-socket", f.socket).CombinedOutput()
	if err == nil || !strings.Contains(string(out), `unknown key "server.read_ony"`) {
		t.Errorf("tinysmbd reload of a broken config: %v\n%s", err, out)
	}
	if status = f.control("status"); !strings.Contains(status, "/held.txt") {
		t.Errorf("a failed reload closed held.txt:\n%s", status)
	}

	// SIGHUP: share removed; its tree and file go, the session stays.
	f.writeConfig("extra", extraDir)
	f.proc.Process.Signal(syscall.SIGHUP)
	f.eventually("held.txt gone from tinysmbd status after SIGHUP", func() bool {
		status = f.control("status")
		return !strings.Contains(status, "/held.txt")
	})
	if !regexp.MustCompile(`alice\s+127\.0\.0\.1:`).MatchString(status) {
		t.Errorf("alice's session is gone after the reload:\n%s", status)
	}
	if regexp.MustCompile(`(?m)^\d+\s+\d+\s+\d+\s+share\s`).MatchString(status) {
		t.Errorf("the tree on the removed share is still listed:\n%s", status)
	}
}

// TestInteropControlSocketRefusesOthers: a user who is neither root, the
// server's user nor in control_group is refused by the peer-credential
// check even when the socket file's mode would let them connect. Needs
// root, to run the client as nobody.
func TestInteropControlSocketRefusesOthers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run the client as another user")
	}
	f := newOpsFixture(t)
	f.writeConfig("share", mkShareDir(t, filepath.Join(f.dir, "share"), ""))
	f.start()
	if fi, err := os.Stat(f.socket); err != nil || fi.Mode().Perm() != 0o660 {
		t.Fatalf("control socket: %v, mode %v; want 0660", err, fi.Mode().Perm())
	}
	// Open the way to the socket for everyone, as a careless chmod would.
	for p := f.socket; p != "/" && p != os.TempDir(); p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	cmd := binCommand(f.bin, "status", "-socket", f.socket)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "permission denied") {
		t.Errorf("tinysmbd status as nobody: %v, %q; want a refusal", err, out)
	}
	// The server logs before it answers, but its log reaches f.serverLog
	// through a pipe and a copying goroutine, which may still lag behind
	// (seen under qemu-mips).
	f.eventually("the server's log of the refusal", func() bool {
		return strings.Contains(f.serverLog(), "control socket: connection refused")
	})
	if strings.Contains(f.control("status"), "permission denied") {
		t.Errorf("root was refused")
	}
}

// TestReloadExitCodes runs `tinysmbd reload` through each outcome that
// docs/operations.md and -h give an exit code, against the real binary.
func TestReloadExitCodes(t *testing.T) {
	f := newOpsFixture(t)
	f.writeConfig("share", mkShareDir(t, filepath.Join(f.dir, "share"), ""))
	f.start()
	reload := func(want int, args ...string) (stdout, stderr string) {
		t.Helper()
		var o, e bytes.Buffer
		cmd := binCommand(f.bin, append([]string{"reload"}, args...)...)
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		if got := cmd.ProcessState.ExitCode(); got != want {
			t.Errorf("tinysmbd reload %q exited %d (%v), want %d\nstdout: %s\nstderr: %s", args, got, err, want, o.String(), e.String())
		}
		return o.String(), e.String()
	}
	sock := []string{"-socket", f.socket}

	if out, _ := reload(0, sock...); out != "reloaded: 1 shares, 1 users\n" {
		t.Errorf("an unchanged config: reload printed %q", out)
	}

	// Two [server] keys that need a restart, named in the answer and the log.
	conf, err := os.ReadFile(f.conf)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(conf), "[server]\n", "[server]\nntlmv1 = true\nworkgroup = \"OTHER\"\n", 1)
	if err := os.WriteFile(f.conf, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	const want = "reloaded: 1 shares, 1 users\nneeds a restart: workgroup, ntlmv1\n"
	if out, _ := reload(3, sock...); out != want {
		t.Errorf("a config with restart keys: reload printed %q, want %q", out, want)
	}
	// The server still runs with the old values, so they are named again.
	if out, _ := reload(3, sock...); out != want {
		t.Errorf("reloading it again printed %q, want %q", out, want)
	}
	if log := f.serverLog(); !strings.Contains(log, `keys="workgroup, ntlmv1"`) {
		t.Errorf("the log does not name the keys that need a restart:\n%s", log)
	}

	if err := os.WriteFile(f.conf, []byte("[server]\nread_ony = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut := reload(4, sock...); !strings.Contains(errOut, `unknown key "server.read_ony"`) {
		t.Errorf("a broken config: reload said %q", errOut)
	}
	if _, errOut := reload(1, "-socket", filepath.Join(f.dir, "absent.sock")); !strings.Contains(errOut, "cannot reach the server") {
		t.Errorf("no server: reload said %q", errOut)
	}
	reload(2, "-bogus")
}

package main

import (
	"bytes"
	"context"
	"fmt"
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

const (
	// envRunMain makes the test binary run tinysmbd's main instead of the
	// tests, so a test can start the real program without a separate build.
	envRunMain = "TINYSMBD_TEST_RUN_MAIN"
	// envInNetns marks the re-run of a test inside a private network
	// namespace, where it may bind 139 and 445 without meeting other tests.
	envInNetns = "TINYSMBD_TEST_IN_NETNS"
	// peerTimeout bounds one external command.
	peerTimeout = 60 * time.Second
)

func TestMain(m *testing.M) {
	if os.Getenv(envRunMain) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestCheckRunAs(t *testing.T) {
	for _, tc := range []struct {
		spec string
		ok   bool
	}{
		{"", true},
		{"nobody", true},
		{"nobody:nogroup", true},
		{"65534:65534", true},
		{":nogroup", false},
		{"nobody:", false},
		{"a:b:c", false},
	} {
		if err := checkRunAs(tc.spec); (err == nil) != tc.ok {
			t.Errorf("checkRunAs(%q) = %v; want ok %v", tc.spec, err, tc.ok)
		}
	}
	fc := defaultFileConfig()
	fc.Shares = []shareSection{{Name: "s", Path: memPath}}
	fc.Server.RunAs = "a:b:c"
	if err := fc.validate(); err == nil || !strings.Contains(err.Error(), `server.run_as "a:b:c"`) {
		t.Errorf("validate with run_as a:b:c = %v", err)
	}
}

func TestLookupRunAs(t *testing.T) {
	for _, spec := range []string{"root", "0", "root:root", "root:0"} {
		id, err := lookupRunAs(spec)
		if err != nil {
			t.Errorf("lookupRunAs(%q): %v", spec, err)
			continue
		}
		if id.uid != 0 || id.gid != 0 {
			t.Errorf("lookupRunAs(%q) = %+v; want uid 0, gid 0", spec, id)
		}
	}
	if id, err := lookupRunAs("root:root"); err == nil && (len(id.groups) != 1 || id.groups[0] != 0) {
		t.Errorf("root:root groups = %v; want the named group alone", id.groups)
	}
	for _, spec := range []string{"no-such-user-tinysmbd", "root:no-such-group-tinysmbd"} {
		if _, err := lookupRunAs(spec); err == nil || !strings.Contains(err.Error(), spec) {
			t.Errorf("lookupRunAs(%q) = %v; want an error naming it", spec, err)
		}
	}
}

// TestRunAsNobody starts tinysmbd as root with run_as = "nobody" on the
// privileged ports 139 and 445, then checks that the running process has
// nobody's ids and no capabilities left, that a client is still served, and
// that a file it writes belongs to nobody. It runs in a private network
// namespace, so the ports cannot clash with another test or a real server.
func TestRunAsNobody(t *testing.T) {
	if os.Geteuid() != 0 {
		testpeer.SkipOrFatal(t, "run_as needs root to change user; run the tests as root (CI does)")
	}
	if os.Getenv(envInNetns) == "" {
		rerunInNetns(t)
		return
	}
	smbclient := requirePeer(t, "smbclient")
	want, err := lookupRunAs("nobody")
	if err != nil {
		testpeer.SkipOrFatal(t, "no user nobody on this system: %v", err)
	}

	dir := t.TempDir()
	share := filepath.Join(dir, "share")
	if err := os.Mkdir(share, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(share, 0o777); err != nil { // past the umask: nobody writes here
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(share, "hello.txt"), []byte("hello from root\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "tinysmbd.toml")
	cfg := fmt.Sprintf("[server]\nnetbt_listen = \"127.0.0.1:139\"\ndirect_listen = \"127.0.0.1:445\"\n"+
		"run_as = \"nobody\"\n\n[[shares]]\nname = \"share\"\npath = %q\nguest_ok = true\n", share)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	var logs testpeer.SyncBuffer
	self := testpeer.SelfCommand()
	cmd := exec.Command(self[0], append(self[1:], "-config", cfgPath)...)
	cmd.Env = append(os.Environ(), envRunMain+"=1")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
		t.Logf("tinysmbd's log:\n%s", logs.String())
	}()

	// The listeners accept before the ids change, so wait for the line
	// logged after the change, not for the port.
	deadline := time.Now().Add(peerTimeout)
	for !strings.Contains(logs.String(), "dropped privileges") {
		select {
		case err := <-exited:
			t.Fatalf("tinysmbd exited before dropping privileges: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no \"dropped privileges\" log line after %v", peerTimeout)
		}
	}

	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	fields := func(key string) string {
		m := regexp.MustCompile(`(?m)^` + key + `:[ \t]*(.*)$`).FindSubmatch(status)
		if m == nil {
			t.Fatalf("no %s line in /proc/<pid>/status:\n%s", key, status)
		}
		return strings.Join(strings.Fields(string(m[1])), " ")
	}
	all := func(n int) string { s := strconv.Itoa(n); return s + " " + s + " " + s + " " + s }
	if got := fields("Uid"); got != all(want.uid) {
		t.Errorf("Uid (real, effective, saved, fs) = %s; want %s", got, all(want.uid))
	}
	if got := fields("Gid"); got != all(want.gid) {
		t.Errorf("Gid (real, effective, saved, fs) = %s; want %s", got, all(want.gid))
	}
	var groups []string
	for _, g := range want.groups {
		groups = append(groups, strconv.Itoa(g))
	}
	if got := fields("Groups"); got != strings.Join(groups, " ") {
		t.Errorf("Groups = %q; want %q (root's groups must be gone)", got, strings.Join(groups, " "))
	}
	for _, c := range []string{"CapPrm", "CapEff", "CapAmb"} {
		if got := fields(c); strings.Trim(got, "0") != "" {
			t.Errorf("%s = %s; want no capabilities", c, got)
		}
	}

	local := t.TempDir()
	if err := os.WriteFile(filepath.Join(local, "up.txt"), []byte("written as nobody\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(local, "smb.conf")
	if err := os.WriteFile(conf, []byte("[global]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, port := range []string{"445", "139"} {
		ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
		c := exec.CommandContext(ctx, smbclient, "//127.0.0.1/share", "-p", port, "-N", "-s", conf,
			"--option=client min protocol=NT1", "--option=client max protocol=NT1",
			"-c", "get hello.txt got-"+port+".txt; put up.txt up-"+port+".txt")
		c.Dir = local
		out, err := c.CombinedOutput()
		cancel()
		if err != nil || bytes.Contains(out, []byte("NT_STATUS_")) {
			t.Fatalf("smbclient on port %s: %v\n%s", port, err, out)
		}
		if got, err := os.ReadFile(filepath.Join(local, "got-"+port+".txt")); err != nil || string(got) != "hello from root\n" {
			t.Errorf("port %s: get hello.txt = %q, %v", port, got, err)
		}
		fi, err := os.Stat(filepath.Join(share, "up-"+port+".txt"))
		if err != nil {
			t.Fatalf("port %s: the put file is not in the share: %v", port, err)
		}
		if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != want.uid || int(st.Gid) != want.gid {
			t.Errorf("port %s: put file owned by %d:%d; want nobody's %d:%d", port, st.Uid, st.Gid, want.uid, want.gid)
		}
	}

	cmd.Process.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		t.Errorf("tinysmbd after SIGTERM: %v", err)
	}
}

// rerunInNetns runs t again, alone, inside a new network namespace with its
// loopback up, and makes that run's outcome t's.
func rerunInNetns(t *testing.T) {
	t.Helper()
	unshare := requirePeer(t, "unshare")
	requirePeer(t, "ip")
	ctx, cancel := context.WithTimeout(context.Background(), 3*peerTimeout)
	defer cancel()
	args := append([]string{"-n", "sh", "-c", `ip link set lo up && exec "$0" "$@"`}, testpeer.SelfCommand()...)
	args = append(args, "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd := exec.CommandContext(ctx, unshare, args...)
	cmd.Env = append(os.Environ(), envInNetns+"=1")
	out, err := cmd.CombinedOutput()
	text := string(out)
	t.Logf("inside a private network namespace:\n%s", text)
	switch {
	case strings.Contains(text, "--- PASS: "+t.Name()+" ") && err == nil:
	case strings.Contains(text, "--- SKIP: "+t.Name()+" ") && err == nil:
		t.Skip("skipped inside the namespace (see log)")
	case !strings.Contains(text, "=== RUN"):
		testpeer.SkipOrFatal(t, "cannot create a network namespace (unshare -n: %v)", err)
	default:
		t.Fatalf("failed inside the network namespace: %v", err)
	}
}

package main

// The command line's guest rule with the real binary and smbclient (NT1):
// -share NAME=PATH next to -user is logon only; ",guest" opens it.

import (
	"context"
	"fmt"
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
)

// serveFlags runs the binary with args besides a config that sets the
// port and the control socket, until the test's cleanup or stop; it
// returns the log file's path once the port answers.
func serveFlags(t *testing.T, f *opsFixture, args ...string) (logPath string, stop func()) {
	t.Helper()
	conf := fmt.Sprintf("[server]\nnetbt_listen = \"\"\ndirect_listen = \"127.0.0.1:%d\"\ncontrol_socket = %q\n", f.port, f.socket)
	if err := os.WriteFile(f.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath = filepath.Join(t.TempDir(), "tinysmbd.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	proc := binCommand(f.bin, append([]string{"-config", f.conf}, args...)...)
	proc.Stdout, proc.Stderr = logFile, logFile
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	f.waitErr = make(chan error, 1)
	go func() { f.waitErr <- proc.Wait() }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		proc.Process.Signal(syscall.SIGTERM)
		select {
		case <-f.waitErr:
		case <-time.After(20 * time.Second):
			proc.Process.Kill()
			t.Errorf("tinysmbd did not exit after SIGTERM")
		}
	}
	t.Cleanup(stop)
	f.eventually("the SMB port", func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(f.port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return logPath, stop
}

// smbclientAs runs smbclient on share with auth ("-N", or "-U", "u%p")
// and commands, in dir, as a Unix user named intruder (smbclient -N logs
// on with $USER's name and no password), and returns its output.
func smbclientAs(t *testing.T, f *opsFixture, dir, share, commands string, auth ...string) string {
	t.Helper()
	args := f.smbclientArgs(share)
	args = append(args[:len(args)-2], auth...)
	args = append(args, "-c", commands)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, requirePeer(t, "smbclient"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "USER=intruder", "LOGNAME=intruder")
	out, _ := cmd.CombinedOutput()
	t.Logf("smbclient %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

// TestInteropShareFlagGuest: the README's quick start, -share
// docs=DIR -user alice:secret, refuses guests (smbclient -N) and lets alice
// in; ",guest" lets the guest write and logs a warning; ",ro,guest" lets
// the guest read only, without the warning.
func TestInteropShareFlagGuest(t *testing.T) {
	requirePeer(t, "smbclient")
	f := newOpsFixture(t)
	local := t.TempDir()
	if err := os.WriteFile(filepath.Join(local, "x.txt"), []byte("from the client"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		opts        string
		guestPut    string // what the guest's put prints, "" for success
		alicePut    bool
		warning     bool
		guestOKLogs string
	}{
		{"", "NT_STATUS_ACCESS_DENIED", true, false, "guest_ok=false"},
		{",guest", "", true, true, "guest_ok=true"},
		{",ro,guest", "NT_STATUS_ACCESS_DENIED", false, false, "guest_ok=true"},
	} {
		docs := mkShareDir(t, filepath.Join(t.TempDir(), "Documents"), "")
		logPath, stop := serveFlags(t, f, "-share", "docs="+docs+c.opts, "-user", "alice:secret")
		out := smbclientAs(t, f, local, "docs", "put x.txt guest.txt", "-N")
		if c.guestPut == "" && strings.Contains(out, "NT_STATUS_") || c.guestPut != "" && !strings.Contains(out, c.guestPut) {
			t.Errorf("docs%s: guest's put printed %q, want %q", c.opts, out, c.guestPut)
		}
		_, err := os.Stat(filepath.Join(docs, "guest.txt"))
		if (err == nil) != (c.guestPut == "") {
			t.Errorf("docs%s: guest.txt written: %v", c.opts, err == nil)
		}
		out = smbclientAs(t, f, local, "docs", "put x.txt alice.txt", "-U", "alice%secret")
		if _, err := os.Stat(filepath.Join(docs, "alice.txt")); (err == nil) != c.alicePut {
			t.Errorf("docs%s: alice's put: %q", c.opts, out)
		}
		stop()
		b, _ := os.ReadFile(logPath)
		log := string(b)
		if !strings.Contains(log, c.guestOKLogs) || strings.Contains(log, "guests can write to this share") != c.warning {
			t.Errorf("docs%s: start log (want %s, warning %v):\n%s", c.opts, c.guestOKLogs, c.warning, log)
		}
	}
}

// TestInteropReloadGroupMember: bob holds a file open on the family share
// through smbclient; a reload that takes him out of [[groups]] family
// closes that tree, open file and all, with a log line, and his next
// connection is refused; alice, still a member, keeps hers.
func TestInteropReloadGroupMember(t *testing.T) {
	smbclient := requirePeer(t, "smbclient")
	f := newOpsFixture(t)
	fam := mkShareDir(t, filepath.Join(f.dir, "family"), "held.txt")
	writeFamily := func(members string) {
		conf := fmt.Sprintf("[server]\nnetbt_listen = \"\"\ndirect_listen = \"127.0.0.1:%d\"\ncontrol_socket = %q\n"+
			"[[users]]\nname = \"alice\"\npassword = \"secret\"\n[[users]]\nname = \"bob\"\npassword = \"secret\"\n"+
			"[[groups]]\nname = \"family\"\nmembers = [%s]\n"+
			"[[shares]]\nname = \"family\"\npath = %q\nvalid_users = [\"@family\"]\n", f.port, f.socket, members, fam)
		if err := os.WriteFile(f.conf, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeFamily(`"alice", "bob"`)
	f.start()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hold := func(user string) (send func(string), done func() string) {
		args := f.smbclientArgs("family")
		args[len(args)-1] = user + "%secret"
		cli := exec.CommandContext(ctx, smbclient, args...)
		stdin, err := cli.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		cli.Stdout, cli.Stderr = &out, &out
		if err := cli.Start(); err != nil {
			t.Fatal(err)
		}
		send = func(cmd string) { fmt.Fprintf(stdin, "%s\n", cmd) }
		send("open held.txt")
		return send, func() string {
			stdin.Close()
			cli.Wait()
			t.Logf("smbclient as %s:\n%s", user, out.String())
			return out.String()
		}
	}
	sendBob, doneBob := hold("bob")
	sendAlice, doneAlice := hold("alice")
	f.eventually("both opens in tinysmbd status", func() bool {
		return strings.Count(f.control("status"), "/held.txt") == 2
	})

	writeFamily(`"alice"`)
	if out := f.control("reload"); !strings.Contains(out, "reloaded: 1 shares, 2 users") {
		t.Errorf("tinysmbd reload said %q", out)
	}
	status := f.control("status")
	t.Logf("tinysmbd status after the reload:\n%s", status)
	if strings.Count(status, "/held.txt") != 1 {
		t.Errorf("want alice's open alone after the reload")
	}
	if log := f.serverLog(); !regexp.MustCompile(`tree disconnected: the user lost access by reload.* user=bob share=family`).MatchString(log) {
		t.Errorf("no log line for bob's tree:\n%s", log)
	}
	// Both go on in their smbclient: bob's tree is gone, alice's works.
	sendBob("ls")
	sendAlice("ls")
	if out := doneBob(); !strings.Contains(out, "NT_STATUS_") {
		t.Errorf("bob's ls on the closed tree succeeded")
	}
	if out := doneAlice(); strings.Contains(out, "NT_STATUS_") || !strings.Contains(out, "held.txt") {
		t.Errorf("alice's ls after the reload failed")
	}
	args := f.smbclientArgs("family")
	args[len(args)-1] = "bob%secret"
	out, _ := exec.Command(smbclient, append(args, "-c", "ls")...).CombinedOutput()
	t.Logf("smbclient ls as bob after the reload:\n%s", out)
	if !strings.Contains(string(out), "NT_STATUS_ACCESS_DENIED") {
		t.Errorf("bob reconnected after leaving the family")
	}
}

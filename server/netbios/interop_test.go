//go:build !tinysmbd_nonbns

package netbios_test

// Interop tests of the name service with real clients: Samba's nmblookup,
// nbtscan and nmbd, on 127.0.0.1:137 and between network namespaces, which the tests bind in a private
// network namespace (runInNamespace) so that nothing on the host's port 137
// is disturbed; tshark checks every datagram.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/server/netbios"
)

// runPeer runs a client with a timeout and returns its combined output,
// failing the test if it exits with an error.
func runPeer(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := runPeerErr(t, bin, args...)
	if err != nil {
		t.Errorf("%s %s: %v", filepath.Base(bin), strings.Join(args, " "), err)
	}
	return out
}

func runPeerErr(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	t.Logf("%s %s:\n%s", filepath.Base(bin), strings.Join(args, " "), out)
	return string(out), err
}

// nmblookupConf writes an empty smb.conf, so the host's does not
// interfere.
func nmblookupConf(t *testing.T) string {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "smb.conf")
	if err := os.WriteFile(conf, []byte("[global]\n  workgroup = WORKGROUP\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf
}

// TestInteropNmblookup is acceptance test 1: nmblookup finds the server by
// name and lists its names by node status, nbtscan too, and tshark finds
// nothing malformed in the exchange.
func TestInteropNmblookup(t *testing.T) {
	nmblookup := requirePeer(t, "nmblookup")
	nbtscan := requirePeer(t, "nbtscan")
	if os.Getenv(testpeer.EnvInNamespace) == "" {
		runInNamespace(t, "the name service test binds 127.0.0.1:137 in a network namespace of its own")
		return
	}
	var capt *tsharkRun
	pcap := filepath.Join(t.TempDir(), "nbns.pcap")
	tshark, tsharkErr := exec.LookPath("tshark")
	if tsharkErr == nil {
		capt = startCapture(t, tshark, "udp port 137", pcap)
	}

	srv, _ := startService(t, nil, netbios.Config{Listen: "127.0.0.1:137"})
	waitRegistered(t, srv)
	conf := nmblookupConf(t)

	for _, tc := range []struct{ name, want string }{
		{netbiosName, "127.0.0.1 " + netbiosName + "<00>"},
		{netbiosName + "#20", "127.0.0.1 " + netbiosName + "<20>"},
		{"WORKGROUP", "127.0.0.1 WORKGROUP<00>"},
	} {
		out := runPeer(t, nmblookup, "-s", conf, "-U", "127.0.0.1", tc.name)
		if !strings.Contains(out, tc.want) {
			t.Errorf("nmblookup -U 127.0.0.1 %s: no %q in the output", tc.name, tc.want)
		}
	}
	// A name the server does not have: a negative answer, so nmblookup
	// fails at once instead of timing out.
	start := time.Now()
	if out, err := runPeerErr(t, nmblookup, "-s", conf, "-U", "127.0.0.1", "NOSUCHNAME"); err == nil ||
		!strings.Contains(out, "name_query failed to find name NOSUCHNAME") || time.Since(start) > time.Second {
		t.Errorf("nmblookup of a name the server does not have: %v after %v", err, time.Since(start))
	}

	out := runPeer(t, nmblookup, "-s", conf, "-A", "127.0.0.1")
	for _, re := range []string{
		`(?m)^\s+` + netbiosName + `\s+<00> -\s+B <ACTIVE>`,
		`(?m)^\s+` + netbiosName + `\s+<20> -\s+B <ACTIVE>`,
		`(?m)^\s+WORKGROUP\s+<00> - <GROUP> B <ACTIVE>`,
		`(?m)^\s+WORKGROUP\s+<1e> - <GROUP> B <ACTIVE>`,
		`MAC Address = 00-00-00-00-00-00`, // loopback's
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("nmblookup -A 127.0.0.1: no match for %s", re)
		}
	}

	// nbtscan reads a longer statistics block than RFC 1002's 46 bytes and
	// says "Incomplete packet" about Samba's answer as about ours; the
	// names are what matters.
	out = runPeer(t, nbtscan, "-v", "127.0.0.1")
	for _, re := range []string{
		`(?m)^` + netbiosName + `\s+<00>\s+UNIQUE`,
		`(?m)^` + netbiosName + `\s+<20>\s+UNIQUE`,
		`(?m)^WORKGROUP\s+<00>\s+GROUP`,
		`(?m)^WORKGROUP\s+<1e>\s+GROUP`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("nbtscan -v 127.0.0.1: no match for %s", re)
		}
	}
	out = runPeer(t, nbtscan, "127.0.0.1")
	if !regexp.MustCompile(`127\.0\.0\.1\s+` + netbiosName + `\s+<server>`).MatchString(out) {
		t.Errorf("nbtscan 127.0.0.1 does not show %s as a <server>", netbiosName)
	}

	if capt == nil {
		requirePeer(t, "tshark")
		return
	}
	capt.stop(t)
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	dump, err := exec.CommandContext(ctx, tshark, "-r", pcap, "-O", "nbns").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark -r: %v\n%s", err, testpeer.Tail(string(dump), 16<<10))
	}
	summary, _ := exec.Command(tshark, "-r", pcap).CombinedOutput()
	t.Logf("capture summary:\n%s", summary)
	bad := regexp.MustCompile(`Malformed Packet|\[Expert Info \((Error|Warning)|Exception`)
	frames := testpeer.SplitFrames(string(dump))
	for _, frame := range frames {
		if bad.MatchString(frame) {
			t.Errorf("tshark flags frame %s:\n%s", testpeer.FrameNumber(frame), frame)
		}
	}
	for _, want := range []string{"Registration NB " + netbiosName + "<20>", "Name query response NB 127.0.0.1", "Name query response NBSTAT",
		"Name query response, Requested name does not exist"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("tshark summary lacks %q", want)
		}
	}
}

// startNmbd runs Samba's nmbd in the peer's namespace (ns), on the peer end
// of the first veth pair, with the given name and aliases, until the test
// ends. Its debug output (level 3) collects in the returned buffer.
func startNmbd(t *testing.T, ns *nbnsNetns, nmbd, name string, aliases ...string) *testpeer.SyncBuffer {
	t.Helper()
	dir := t.TempDir()
	var conf strings.Builder
	fmt.Fprintf(&conf, "[global]\n  workgroup = WORKGROUP\n  netbios name = %s\n  netbios aliases = %s\n", name, strings.Join(aliases, " "))
	fmt.Fprintf(&conf, "  interfaces = %s\n  bind interfaces only = yes\n  disable netbios = no\n", nbnsVethPeer1)
	conf.WriteString("  local master = no\n  domain master = no\n  preferred master = no\n  dns proxy = no\n")
	for _, d := range []string{"lock directory", "state directory", "cache directory", "private dir", "ncalrpc dir", "pid directory"} {
		p := filepath.Join(dir, strings.ReplaceAll(d, " ", "-"))
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&conf, "  %s = %s\n", d, p)
	}
	fmt.Fprintf(&conf, "  log file = %s\n", filepath.Join(dir, "log.%m"))
	path := filepath.Join(dir, "smb.conf")
	if err := os.WriteFile(path, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out := new(testpeer.SyncBuffer)
	cmd := exec.Command(nmbd, "--foreground", "--no-process-group", "--debug-stdout", "-d", "3", "-s", path)
	cmd.Stdout, cmd.Stderr = out, out
	var err error
	ns.run(func() { err = cmd.Start() }) // forked from the namespace's thread
	if err != nil {
		t.Fatalf("start nmbd: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("nmbd output:\n%s", testpeer.Tail(out.String(), 32<<10))
		}
	})
	return out
}

// waitLog waits until every regular expression in want matches log.
func waitLog(t *testing.T, what string, log *testpeer.SyncBuffer, d time.Duration, want ...string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		missing := ""
		for _, w := range want {
			if !regexp.MustCompile(w).MatchString(log.String()) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q after %v", what, missing, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestInteropNmbd pits the name service against Samba's nmbd, another
// B-node, across a veth pair: nmbd gives up a name tinysmbd holds when
// tinysmbd defends it, and tinysmbd gives up a name nmbd holds.
func TestInteropNmbd(t *testing.T) {
	nmbd := requirePeer(t, "nmbd")
	if os.Getenv(testpeer.EnvInNamespace) == "" {
		runInNamespace(t, "the nmbd test needs network namespaces and a veth pair of its own")
		return
	}
	ns := nbnsTwoHosts(t)

	// tinysmbd first; then nmbd, whose alias is tinysmbd's name.
	first, firstLogs := startService(t, nil, netbios.Config{Interfaces: []string{nbnsVethSrv1}})
	waitRegistered(t, first)
	nmbdLog := startNmbd(t, ns, nmbd, "NMBDPEER", netbiosName)
	// nmbd logs a name as added to the subnet once its claim stands.
	peer := regexp.QuoteMeta(nbnsPeer1)
	waitLog(t, "nmbd", nmbdLog, 20*time.Second,
		"Failed to register my name "+netbiosName+"<20> on subnet "+peer,
		"Failed to register my name "+netbiosName+"<00> on subnet "+peer,
		"Added netbios name NMBDPEER<00> with first IP "+peer+" .* to subnet "+peer,
		"Added netbios name NMBDPEER<20> with first IP "+peer+" .* to subnet "+peer)
	for _, name := range []string{netbiosName + "<00>", netbiosName + "<20>"} {
		if !strings.Contains(firstLogs.String(), `msg="defended NetBIOS name against another node's claim" service=nbns name=`+name+` claimant=`+nbnsPeer1) {
			t.Errorf("tinysmbd did not log its defence of %s", name)
		}
	}
	waitRegistered(t, first)
	first.Close()

	// Now tinysmbd claims nmbd's name and must give it up.
	second, secondLogs := startService(t, nil, netbios.Config{Name: "NMBDPEER", Interfaces: []string{nbnsVethSrv1}})
	want := map[string]string{"NMBDPEER<00>": "conflict", "NMBDPEER<20>": "conflict", "WORKGROUP<00>": "registered", "WORKGROUP<1e>": "registered"}
	waitStates(t, second, want)
	if n := strings.Count(secondLogs.String(), "NetBIOS name in conflict: another node owns it; no longer answering for it\" service=nbns name=NMBDPEER"); n != 2 {
		t.Errorf("%d conflicts logged; want 2", n)
	}
	if !strings.Contains(secondLogs.String(), "owner="+nbnsPeer1) {
		t.Errorf("the conflict does not name nmbd's address %s as the owner", nbnsPeer1)
	}
}

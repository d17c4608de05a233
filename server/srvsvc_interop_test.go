//go:build !tinysmbd_noipc

package server_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/server"
)

// rpcclientSigningOff is the option every rpcclient run here passes:
// rpcclient signs IPC$ by default, and the test must hold whether or not
// the server signs.
const rpcclientSigningOff = "--option=client ipc signing=no"

// rpcclientCase is one rpcclient command and what its output must hold.
type rpcclientCase struct {
	command string
	want    []string // regular expressions, each matched against the output
	not     []string // plain substrings the output must not contain
	fails   bool     // rpcclient exits 1, as it does on a WERR from Samba
}

// rpcclientShareCases are the acceptance commands over ipcShares: share
// "share", "public", the administrative "admin$" and IPC$.
var rpcclientShareCases = func() []rpcclientCase {
	sd := []string{`(?m)^\s+SID: S-1-1-0$`, `Permissions: 0x1f01ff`}
	all := []string{`(?m)^netname: share$`, `(?m)^netname: public$`, `(?m)^netname: admin\$$`, `(?m)^netname: IPC\$$`}
	cases := []rpcclientCase{
		// NetShareEnum (opnum 36, NetrShareEnumSticky in MS-SRVS) at
		// rpcclient's default level 2: Samba leaves out the '$' shares.
		{command: "netshareenum", want: []string{`(?m)^netname: share$`, `(?m)^\s+path:\s+C:\\$`}, not: []string{"admin$", "IPC$"}},
	}
	// rpcclient makes the call at levels 0 and 501 but has no printer for
	// them: after a successful call it says so, as against Samba.
	unprinted := func(level string) []string { return []string{`(?m)^unsupported info level ` + level + `$`} }
	for _, level := range []string{"", " 0", " 1", " 2", " 502"} {
		c := rpcclientCase{command: "netshareenumall" + level, want: all}
		switch level {
		case " 0":
			c.want = unprinted("0")
		case " 502":
			c.want = append(append([]string{}, all...), sd...)
		}
		cases = append(cases, c)
	}
	cases = append(cases,
		rpcclientCase{command: "netsharegetinfo share", want: append([]string{`(?m)^netname: share$`, `(?m)^\s+max_uses:\s+-1$`}, sd...)},
		rpcclientCase{command: "netsharegetinfo share 0", want: unprinted("0")},
		rpcclientCase{command: "netsharegetinfo share 1", want: []string{`(?m)^netname: share$`, `(?m)^\s+remark:\s+alice's files$`}},
		rpcclientCase{command: "netsharegetinfo share 2", want: []string{`(?m)^netname: share$`, `(?m)^\s+path:\s+C:\\$`}},
		rpcclientCase{command: "netsharegetinfo share 501", want: unprinted("501")},
		rpcclientCase{command: "netsharegetinfo share 502", want: append([]string{`(?m)^netname: share$`}, sd...)},
		rpcclientCase{command: "netsharegetinfo IPC$ 502", want: append([]string{`(?m)^netname: IPC\$$`}, sd...)},
		rpcclientCase{command: "netsharegetinfo share 1005", want: []string{`(?m)^flags: 0x0$`}},
		rpcclientCase{command: "netsharegetinfo share 99", want: []string{`(?m)^result was WERR_INVALID_LEVEL$`}, fails: true},
	)
	for i := range cases {
		if !cases[i].fails {
			cases[i].not = append(cases[i].not, "result was", "NT_STATUS_", "WERR_")
		}
	}
	return cases
}()

// runRpcclient runs one rpcclient command over SMB1 against port as alice
// and returns its output and exit error.
func runRpcclient(t *testing.T, bin string, port int, command string) (string, error) {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "smb.conf")
	if err := os.WriteFile(conf, []byte("[global]\n  workgroup = WORKGROUP\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	args := []string{"-s", conf, "-p", strconv.Itoa(port), "-U", testUser + "%" + testPassword,
		"--option=client min protocol=NT1", "--option=client max protocol=NT1", rpcclientSigningOff,
		"-c", command, "127.0.0.1"}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	out, err := cmd.CombinedOutput()
	t.Logf("rpcclient -c %q:\n%s", command, out)
	if ctx.Err() != nil {
		t.Fatalf("rpcclient -c %q timed out after %v", command, peerTimeout)
	}
	return string(out), err
}

// checkRpcclientShares runs every rpcclientShareCases command against port.
func checkRpcclientShares(t *testing.T, bin string, port int) {
	t.Helper()
	for _, c := range rpcclientShareCases {
		out, err := runRpcclient(t, bin, port, c.command)
		if (err != nil) != c.fails {
			t.Errorf("rpcclient -c %q: exit error %v", c.command, err)
		}
		for _, re := range c.want {
			if !regexp.MustCompile(re).MatchString(out) {
				t.Errorf("rpcclient -c %q: output lacks %s", c.command, re)
			}
		}
		for _, s := range c.not {
			if strings.Contains(out, s) {
				t.Errorf("rpcclient -c %q: output has %q", c.command, s)
			}
		}
	}
}

// TestInteropRpcclientShareLevels: stock rpcclient's netshareenum,
// netshareenumall at its default and at levels 0, 1, 2 and 502, and
// netsharegetinfo at its default (502) and each level print what they print
// against Samba; an unknown level gets WERR_INVALID_LEVEL.
func TestInteropRpcclientShareLevels(t *testing.T) {
	bin := requirePeer(t, "rpcclient")
	l, port := listenDirect(t)
	ts := ipcShares(t, 0)
	startServer(t, ts.cfg, served{l, server.FramingDirect})
	checkRpcclientShares(t, bin, port)
}

// TestInteropSrvsvcLevelsDissect captures the same rpcclient commands and
// has tshark dissect every srvsvc PDU without a malformed packet, an
// error-level expert info or an exception.
func TestInteropSrvsvcLevelsDissect(t *testing.T) {
	tshark := requirePeer(t, "tshark")
	bin := requirePeer(t, "rpcclient")
	if os.Geteuid() != 0 {
		runInNamespace(t, "capturing packets needs root")
		return
	}
	l, port := listenDirect(t)
	ts := ipcShares(t, 0)
	startServer(t, ts.cfg, served{l, server.FramingDirect})
	pcap := filepath.Join(t.TempDir(), "srvsvc.pcap")
	capture := startCapture(t, tshark, "tcp port "+strconv.Itoa(port), pcap)
	checkRpcclientShares(t, bin, port)
	capture.stop(t)

	decode := "tcp.port==" + strconv.Itoa(port) + ",nbss"
	checkDissection(t, tshark, pcap, "-d", decode, "-O", "dcerpc,srvsvc")
	summary, _ := exec.Command(tshark, "-r", pcap, "-d", decode).CombinedOutput()
	for _, want := range []string{"NetShareEnum response", "NetShareEnumAll response", "NetShareGetInfo response"} {
		if n := bytes.Count(summary, []byte(want)); n == 0 {
			t.Errorf("tshark's summary lacks %q", want)
		}
	}
	t.Logf("srvsvc replies dissected: %d NetShareEnumAll, %d NetShareGetInfo, %d NetShareEnum",
		bytes.Count(summary, []byte("NetShareEnumAll response")), bytes.Count(summary, []byte("NetShareGetInfo response")),
		bytes.Count(summary, []byte("NetShareEnum response")))
	if t.Failed() {
		t.Logf("capture summary:\n%s", testpeer.Tail(string(summary), 32<<10))
	}
}

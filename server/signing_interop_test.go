//go:build !tinysmbd_noipc

package server_test

// Interop tests of SMB1 message signing with real clients: Samba's RPC
// and RAP tools, which require signing on IPC$ in their default
// configuration, smbclient with signing required, impacket against a
// server that requires it, and smbclient refusing a mandatory server when
// its own signing is disabled.

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tinysmbd/tinysmbd/server"
)

// runSambaTool runs rpcclient or net with the private smb.conf of c (NT1
// only) and no signing options, and returns its output. The tool must exit
// with status wantExit.
func runSambaTool(t *testing.T, c *smbclient, wantExit int, name string, args ...string) string {
	t.Helper()
	bin := requirePeer(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	args = append(args, "-s", c.conf, "--option=client min protocol=NT1", "--option=client max protocol=NT1")
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	out, err := cmd.CombinedOutput()
	t.Logf("%s %s:\n%s", name, strings.Join(args, " "), out)
	if code := cmd.ProcessState.ExitCode(); code != wantExit {
		t.Fatalf("%s: %v, want exit status %d", name, err, wantExit)
	}
	for _, bad := range []string{"NT_STATUS_", "BAD SIG"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("%s printed %q", name, bad)
		}
	}
	return string(out)
}

// TestInteropSigningRPCTools: stock rpcclient (srvinfo, netshareenumall)
// and net rap share sign on IPC$ and are answered by a server in its
// default signing mode.
func TestInteropSigningRPCTools(t *testing.T) {
	requirePeer(t, "smbclient")
	l, port := listenDirect(t)
	ts := ipcShares(t, 0)
	startServer(t, ts.cfg, served{l, server.FramingDirect})
	c := newSmbclient(t, port, "")
	user := testUser + "%" + testPassword
	p := strconv.Itoa(port)

	out := runSambaTool(t, c, 0, "rpcclient", "-p", p, "-U", user, "-c", "srvinfo", "127.0.0.1")
	if !regexp.MustCompile(`(?m)^\s+`+netbiosName+`\s`).MatchString(out) || !strings.Contains(out, "platform_id") {
		t.Errorf("rpcclient srvinfo does not show %s and its platform_id", netbiosName)
	}
	out = runSambaTool(t, c, 0, "rpcclient", "-p", p, "-U", user, "-c", "netshareenumall", "127.0.0.1")
	for _, share := range []string{"share", "public", "IPC$"} {
		if !strings.Contains(out, "netname: "+share+"\n") {
			t.Errorf("rpcclient netshareenumall does not list %s", share)
		}
	}
	// net rap share exits with the number of shares listed, against
	// Samba too.
	out = runSambaTool(t, c, 3, "net", "rap", "share", "-S", "127.0.0.1", "-p", p, "-U", user)
	for _, share := range []string{"share", "public", "IPC$"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(share) + `\s*$`).MatchString(out) {
			t.Errorf("net rap share does not list %s", share)
		}
	}
}

// TestInteropSigningSmbclientRequired: smbclient with client signing =
// required lists, puts and gets back a 3 MB random file, renames and
// deletes it, with each logon form and so each MAC key (MS-CIFS 3.1.4.1):
// NTLMSSP with and without key exchange, with NTLMv2, the NTLM2 session
// response and plain NTLMv1, and the non-extended NTLMv2 and NTLMv1
// challenge/response, whose key includes the response.
func TestInteropSigningSmbclientRequired(t *testing.T) {
	requirePeer(t, "smbclient")
	l, port := listenDirect(t)
	ts := newTestShares(t)
	ts.cfg.NTLMv1 = true
	startServer(t, ts.cfg, served{l, server.FramingDirect})
	data := make([]byte, 3<<20)
	rand.Read(data)
	for _, form := range []struct {
		name string
		opts []string
	}{
		{"ntlmssp-ntlmv2", nil},
		{"ntlmssp-no-key-exchange", []string{"--option=ntlmssp_client:keyexchange=no"}},
		{"ntlmssp-ntlm2-session", []string{"--option=client ntlmv2 auth=no"}},
		{"ntlmssp-ntlmv1", []string{"--option=client ntlmv2 auth=no", "--option=ntlmssp_client:ntlm2=no",
			"--option=ntlmssp_client:keyexchange=no"}},
		{"challenge-ntlmv2", []string{"--option=client use spnego=no"}},
		{"challenge-ntlmv1", []string{"--option=client use spnego=no", "--option=client ntlmv2 auth=no"}},
	} {
		t.Run(form.name, func(t *testing.T) {
			c := newSmbclient(t, port, "share", "-U", testUser+"%"+testPassword)
			if err := os.WriteFile(filepath.Join(c.local, "up.bin"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := c.run("ls; put up.bin r.bin; get r.bin down.bin; rename r.bin s.bin; ls; del s.bin; ls",
				append([]string{"--option=client signing=required"}, form.opts...)...)
			t.Logf("smbclient:\n%s", out)
			if err != nil || strings.Contains(out, "NT_STATUS_") {
				t.Fatalf("smbclient with signing required: %v", err)
			}
			got, err := os.ReadFile(filepath.Join(c.local, "down.bin"))
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("the file read back differs from the one written (%d bytes, %v)", len(got), err)
			}
			if !regexp.MustCompile(`(?m)^\s+s\.bin\s+A\s+3145728\s`).MatchString(out) {
				t.Errorf("ls after the rename does not show s.bin of 3145728 bytes")
			}
			if left := diskTree(t, ts.dir); len(left) != 0 {
				t.Errorf("files left in the share: %v", sortedTree(left))
			}
		})
	}
}

// TestInteropSigningMandatory: a server with signing mandatory serves
// impacket, which signs because the server requires it, and smbclient with
// client signing = disabled gives up at NEGOTIATE with
// NT_STATUS_ACCESS_DENIED, as it does against Samba with server signing =
// mandatory.
func TestInteropSigningMandatory(t *testing.T) {
	requirePeer(t, "smbclient")
	requirePeer(t, "impacket")
	l, port := listenDirect(t)
	ts := newTestShares(t)
	ts.cfg.Signing = server.SigningMandatory
	startServer(t, ts.cfg, served{l, server.FramingDirect})
	t.Run("impacket", func(t *testing.T) { runImpacket(t, ts, port) })
	t.Run("smbclient-disabled", func(t *testing.T) {
		c := newSmbclient(t, port, "share", "-U", testUser+"%"+testPassword)
		out, err := c.run("ls", "--option=client signing=disabled")
		t.Logf("smbclient:\n%s", out)
		if err == nil || !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
			t.Errorf("smbclient with signing disabled: %v, want a failure with NT_STATUS_ACCESS_DENIED", err)
		}
	})
}

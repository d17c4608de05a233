//go:build !tinysmbd_noipc

package server_test

// Interop checks of the logon policy with Samba's smbclient:
// what a real client sees when NTLMv1 is not allowed, when it logs on
// anonymously, and when it sends a message too large before logging on.

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/server"
)

// TestInteropSmbclientNTLMv1 has smbclient answer with NTLMv1 only
// ("client ntlmv2 auth = no"): refused with NT_STATUS_LOGON_FAILURE by
// default, served with ntlmv1 set.
func TestInteropSmbclientNTLMv1(t *testing.T) {
	requirePeer(t, "smbclient")
	for _, allow := range []bool{false, true} {
		l, port := listenDirect(t)
		ts := newTestShares(t)
		ts.cfg.NTLMv1 = allow
		ts.cfg.LogonFailureDelay = -1
		startServer(t, ts.cfg, served{l, server.FramingDirect})
		c := newSmbclient(t, port, "share", "-U", testUser+"%"+testPassword, "--option=client ntlmv2 auth=no")
		if !allow {
			out, err := c.run("ls")
			t.Logf("ntlmv1 = false, smbclient with NTLMv1 only:\n%s", out)
			if err == nil || !strings.Contains(out, "NT_STATUS_LOGON_FAILURE") {
				t.Errorf("NTLMv1 logon not refused with NT_STATUS_LOGON_FAILURE (err=%v):\n%s", err, out)
			}
			continue
		}
		c.mustRun("ls")
	}
}

// TestInteropSmbclientAnonymous logs on with an empty user and password
// (-U%): the share list (of guest shares, as for a guest) comes through
// IPC$, but no disk share opens, not even one that admits guests;
// restrict_anonymous refuses the logon.
func TestInteropSmbclientAnonymous(t *testing.T) {
	requirePeer(t, "smbclient")
	l, port := listenDirect(t)
	ts := newTestShares(t)
	startServer(t, ts.cfg, served{l, server.FramingDirect})

	// A null session lists what a guest would: the guest shares and
	// IPC$, not alice's "share".
	out := smbclientList(t, port, "-U%")
	for _, want := range []string{"public", "IPC$"} {
		if !strings.Contains(out, want) {
			t.Errorf("anonymous share list lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "alice's files") {
		t.Errorf("anonymous share list shows \"share\", which admits no guests:\n%s", out)
	}
	c := newSmbclient(t, port, "public", "-U%")
	out, err := c.run("ls")
	t.Logf("smbclient -U%% //127.0.0.1/public -c ls:\n%s", out)
	if err == nil || !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
		t.Errorf("an anonymous session reached a disk share (err=%v):\n%s", err, out)
	}

	l, port = listenDirect(t)
	ts.cfg.RestrictAnonymous = true
	startServer(t, ts.cfg, served{l, server.FramingDirect})
	c = newSmbclient(t, port, "IPC$", "-U%")
	out, err = c.run("ls")
	t.Logf("restrict_anonymous, smbclient -U%% //127.0.0.1/IPC$:\n%s", out)
	if err == nil || !strings.Contains(out, "NT_STATUS_LOGON_FAILURE") {
		t.Errorf("restrict_anonymous admitted a null session (err=%v):\n%s", err, out)
	}
}

// TestInteropSmbclientDuringStallFlood: while 1,024 connections from 16
// other loopback addresses stop after NEGOTIATE, smbclient logs on and
// lists the share, and an anonymous share listing comes through too.
func TestInteropSmbclientDuringStallFlood(t *testing.T) {
	requirePeer(t, "smbclient")
	l, port := listenDirect(t)
	ts := newTestShares(t)
	ts.cfg.HandshakeTimeout = 5 * time.Second
	startServer(t, ts.cfg, served{l, server.FramingDirect})
	f := newFlood()
	f.stallAfterNegotiate("127.0.0.1:"+strconv.Itoa(port), floodAddrs(16), 64)
	f.finished.Wait()
	t.Logf("%d stalled connections answered, %d refused", f.served.Load(), f.refused.Load())
	if f.served.Load() == 0 {
		t.Fatal("no stalled connection was answered: the flood did not reach the server")
	}
	start := time.Now()
	newSmbclient(t, port, "share", "-U", testUser+"%"+testPassword).mustRun("ls")
	t.Logf("smbclient ls served in %v during the flood", time.Since(start).Round(time.Millisecond))
	if out := smbclientList(t, port, "-U%"); !strings.Contains(out, "IPC$") {
		t.Errorf("anonymous share list during the flood lacks IPC$:\n%s", out)
	}
	for _, c := range f.held {
		c.Close()
	}
}

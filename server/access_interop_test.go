//go:build !tinysmbd_nocore && !tinysmbd_noipc

package server_test

// smbclient (NT1) against the per-share lists of access_test.go's NAS.

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
)

// aclSmbclient runs smbclient as user (with aclPassword, or -N for "")
// against share on port, with commands, and returns its output.
func aclSmbclient(t *testing.T, port int, share, user, commands string) string {
	t.Helper()
	auth := []string{"-N"}
	if user != "" {
		auth = []string{"-U", user + "%" + aclPassword}
	}
	c := newSmbclient(t, port, share, auth...)
	c.local = t.TempDir()
	if err := os.WriteFile(filepath.Join(c.local, "up.txt"), []byte("uploaded"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := c.run("lcd " + c.local + "; " + commands)
	t.Logf("smbclient //127.0.0.1/%s as %q -c %q:\n%s", share, user, commands, out)
	return out
}

// listedShares is the Sharename column of smbclient -L's output.
func listedShares(out string) []string {
	var got []string
	section := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 0 || strings.HasPrefix(f[0], "---"):
		case f[0] == "Sharename":
			section = true
		case f[0] == "Server" || f[0] == "Workgroup" || strings.HasPrefix(f[0], "Reconnecting") || strings.HasPrefix(f[0], "SMB1"):
			section = false
		case section && len(f) >= 2:
			got = append(got, f[0])
		}
	}
	return got
}

// TestInteropACL: smbclient is refused a share outside valid_users at tree
// connect, a read_users member's put fails, a write_users member's put on
// a read-only share lands, and smbclient -L lists each user only the
// shares they may connect to.
func TestInteropACL(t *testing.T) {
	requirePeer(t, "smbclient")
	cfg, fss := aclConfig(t)
	l, port := listenDirect(t)
	startServer(t, cfg, served{l, server.FramingDirect})

	if out := aclSmbclient(t, port, "family", "dave", "ls"); !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
		t.Errorf("dave on family: want NT_STATUS_ACCESS_DENIED")
	}
	if out := aclSmbclient(t, port, "FAMILY", "dave", "ls"); !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
		t.Errorf("dave on FAMILY: want NT_STATUS_ACCESS_DENIED")
	}
	out := aclSmbclient(t, port, "family", "bob", "get victim.txt; put up.txt; mkdir d; del victim.txt")
	if strings.Count(out, "NT_STATUS_ACCESS_DENIED") != 1 || strings.Count(out, "NT_STATUS_MEDIA_WRITE_PROTECTED") != 2 {
		t.Errorf("bob on family: want put NT_STATUS_ACCESS_DENIED, mkdir and del NT_STATUS_MEDIA_WRITE_PROTECTED")
	}
	checkUntouched(t, "family", fss["family"])
	if out := aclSmbclient(t, port, "archive", "alice", "put up.txt"); !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
		t.Errorf("alice's put on the read-only archive: want NT_STATUS_ACCESS_DENIED")
	}
	if out := aclSmbclient(t, port, "archive", "carol", "put up.txt; mkdir d; del victim.txt"); strings.Contains(out, "NT_STATUS_") {
		t.Errorf("carol's put on archive failed")
	}
	if b, err := afero.ReadFile(fss["archive"], "/up.txt"); err != nil || string(b) != "uploaded" {
		t.Errorf("archive/up.txt holds %q, %v", b, err)
	}
	if ok, _ := afero.Exists(fss["archive"], "/victim.txt"); ok {
		t.Error("carol's del left victim.txt")
	}
	if out := aclSmbclient(t, port, "family", "alice", "put up.txt"); strings.Contains(out, "NT_STATUS_") {
		t.Errorf("alice's put on family failed")
	}

	for user, want := range map[string][]string{
		"alice": {"family", "alice", "archive", "pub", "IPC$"},
		"bob":   {"family", "archive", "pub", "IPC$"},
		"dave":  {"archive", "pub", "IPC$"},
		"kate":  {"archive", "kate", "pub", "IPC$"},
		"":      {"pub", "IPC$"},
	} {
		auth := []string{"-N"}
		if user != "" {
			auth = []string{"-U", user + "%" + aclPassword}
		}
		if got := listedShares(smbclientList(t, port, auth...)); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("smbclient -L as %q lists %v, want %v", user, got, want)
		}
	}
}

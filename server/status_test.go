package server_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
)

// NTSTATUS values the status and reload tests expect (MS-ERREF 2.3.1).
const (
	statusBadNetName = 0xC00000CC
	// accessReadWrite is what ntCreateAndXRequest asks for:
	// FILE_GENERIC_READ | FILE_GENERIC_WRITE.
	accessReadWrite = 0x0012019F
)

// dialTCP connects a raw SMB client to l's server over loopback.
func dialTCP(t *testing.T, l net.Listener) *streamLink {
	t.Helper()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return &streamLink{c: c, buf: make([]byte, 256<<10)}
}

// roundTrip sends req and returns the parsed reply, checking its command
// and MID.
func roundTrip(t *testing.T, link *streamLink, req []byte, cmd byte, mid uint16) smbResponse {
	t.Helper()
	link.send(t, req)
	r, err := parseResponse(link.next(t))
	if err != nil {
		t.Fatal(err)
	}
	if r.cmd != cmd || r.mid != mid {
		t.Fatalf("got %v, want a reply to 0x%02x mid %d", r, cmd, mid)
	}
	return r
}

// logonStatus negotiates on a fresh connection and returns the status of
// a logon as user with password.
func logonStatus(t *testing.T, l net.Listener, user, password string) uint32 {
	t.Helper()
	link := dialTCP(t, l)
	neg := checkNegotiate(t, roundTrip(t, link, negotiateRequest(1), cmdNegotiate, 1))
	return roundTrip(t, link, sessionSetupRequest(2, neg, user, password), cmdSessionSetup, 2).status
}

// TestStatusAndReload follows one client through Status and two reloads:
// a reload that keeps its share keeps its tree and open file, one that
// removes the share disconnects them, a changed password applies to the
// next logon, and a new share is connectable at once.
func TestStatusAndReload(t *testing.T) {
	cfg := benchConfig(t)
	shareFs := cfg.Shares[0].Fs
	l, _ := listenDirect(t)
	srv := startServer(t, cfg, served{l, server.FramingDirect})
	link := dialTCP(t, l)
	s := benchLogon(t, link)

	st := srv.Status()
	if len(st.Connections) != 1 {
		t.Fatalf("Status has %d connections, want 1: %+v", len(st.Connections), st)
	}
	c := st.Connections[0]
	if c.Dialect != "NT LM 0.12" || c.RemoteAddr != link.c.LocalAddr().String() || c.Framing != server.FramingDirect {
		t.Errorf("connection: dialect %q from %s (%v), want NT LM 0.12 from %s (direct)",
			c.Dialect, c.RemoteAddr, c.Framing, link.c.LocalAddr())
	}
	if len(c.Sessions) != 1 || c.Sessions[0].UID != s.uid || c.Sessions[0].User != testUser || c.Sessions[0].Guest {
		t.Errorf("sessions %+v, want alice as UID %d", c.Sessions, s.uid)
	}
	if len(c.Trees) != 1 || c.Trees[0].TID != s.tid || c.Trees[0].Share != "share" || c.Trees[0].UID != s.uid {
		t.Errorf("trees %+v, want TID %d on share", c.Trees, s.tid)
	}
	want := server.FileStatus{FID: s.fid, TID: s.tid, UID: s.uid, Share: "share", Path: "/" + benchFileName, Access: accessReadWrite}
	if len(c.Files) != 1 {
		t.Fatalf("files %+v, want %s", c.Files, benchFileName)
	}
	got := c.Files[0]
	got.PID, got.Opened = 0, time.Time{}
	if got.FID != want.FID || got.TID != want.TID || got.UID != want.UID || got.Share != want.Share ||
		got.Path != want.Path || got.Access&want.Access != want.Access || got.Directory || len(got.Locks) != 0 {
		t.Errorf("file %+v, want %+v", got, want)
	}
	for _, ts := range []time.Time{c.Since, c.Sessions[0].Since, c.Trees[0].Since, c.Files[0].Opened} {
		if ts.IsZero() || ts.Before(st.Started) {
			t.Errorf("a time in %+v is zero or before the server started (%v)", c, st.Started)
		}
	}

	// Same share Fs, a new share, alice's password changed.
	newFs := afero.NewMemMapFs()
	err := srv.Reload([]server.User{{Name: testUser, Password: "changed"}}, []server.Share{
		{Name: "share", Fs: shareFs, Comment: "kept"},
		{Name: "new", Fs: newFs},
	})
	if err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if r := roundTrip(t, link, readAndXRequest(10, s.uid, s.tid, s.fid, 0, 16), hCmdReadAndX, 10); r.status != statusSuccess {
		t.Errorf("READ_ANDX on the kept share after Reload: status 0x%08x, want success", r.status)
	}
	if f := srv.Status().Connections[0].Files; len(f) != 1 {
		t.Errorf("files after a Reload that keeps the share: %+v", f)
	}
	if r := roundTrip(t, link, treeConnectAndXRequest(11, s.uid, `\\`+netbiosName+`\NEW`), cmdTreeConnect, 11); r.status != statusSuccess {
		t.Errorf("TREE_CONNECT to the new share: status 0x%08x", r.status)
	}
	if st := logonStatus(t, l, testUser, testPassword); st != statusLogonFailure {
		t.Errorf("logon with the old password after Reload: status 0x%08x, want STATUS_LOGON_FAILURE", st)
	}
	if st := logonStatus(t, l, testUser, "changed"); st != statusSuccess {
		t.Errorf("logon with the new password after Reload: status 0x%08x, want success", st)
	}

	// "share" removed: its tree and file go, the session and "new" stay.
	if err := srv.Reload([]server.User{{Name: testUser, Password: "changed"}}, []server.Share{{Name: "new", Fs: newFs}}); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	c = srv.Status().Connections[0]
	if len(c.Files) != 0 || len(c.Trees) != 1 || c.Trees[0].Share != "new" || len(c.Sessions) != 1 {
		t.Errorf("after removing the share: trees %+v, files %+v, sessions %+v; want only the tree on new", c.Trees, c.Files, c.Sessions)
	}
	if r := roundTrip(t, link, readAndXRequest(12, s.uid, s.tid, s.fid, 0, 16), hCmdReadAndX, 12); r.status != statusInvalidHandle {
		t.Errorf("READ_ANDX on the removed share's tree: status 0x%08x, want STATUS_INVALID_HANDLE", r.status)
	}
	if r := roundTrip(t, link, treeConnectAndXRequest(13, s.uid, `\\`+netbiosName+`\SHARE`), cmdTreeConnect, 13); r.status != statusBadNetName {
		t.Errorf("TREE_CONNECT to the removed share: status 0x%08x, want STATUS_BAD_NETWORK_NAME", r.status)
	}
}

// TestReloadRefusesBadInput: an invalid list changes nothing.
func TestReloadRefusesBadInput(t *testing.T) {
	cfg := benchConfig(t)
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]struct {
		users  []server.User
		shares []server.Share
	}{
		"share without Fs":  {cfg.Users, []server.Share{{Name: "x"}}},
		"share named IPC$":  {cfg.Users, []server.Share{{Name: "ipc$", Fs: afero.NewMemMapFs()}}},
		"duplicate share":   {cfg.Users, []server.Share{cfg.Shares[0], cfg.Shares[0]}},
		"user without name": {[]server.User{{Password: "x"}}, cfg.Shares},
	} {
		if err := srv.Reload(r.users, r.shares); err == nil {
			t.Errorf("%s: Reload succeeded", name)
		}
	}
}

// fixedAuth is an Authenticator with one account.
type fixedAuth struct {
	user string
	hash [16]byte
}

func (a fixedAuth) NTHash(user string) ([16]byte, bool) { return a.hash, user == a.user }

// TestAuthenticator: logons are checked against Config.Authenticator, which
// excludes Config.Users and users in Reload.
func TestAuthenticator(t *testing.T) {
	cfg := benchConfig(t)
	cfg.Users = nil
	// MS-NLMP 4.2.2.1.2's NTOWFv1 of "Password".
	cfg.Authenticator = fixedAuth{"bob", [16]byte{0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca, 0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52}}
	l, _ := listenDirect(t)
	srv := startServer(t, cfg, served{l, server.FramingDirect})
	if st := logonStatus(t, l, "bob", "Password"); st != statusSuccess {
		t.Errorf("bob's logon: status 0x%08x, want success", st)
	}
	if st := logonStatus(t, l, "bob", "wrong"); st != statusLogonFailure {
		t.Errorf("bob's logon with a wrong password: status 0x%08x, want STATUS_LOGON_FAILURE", st)
	}
	if err := srv.Reload([]server.User{{Name: "x", Password: "y"}}, cfg.Shares); err == nil {
		t.Error("Reload with users succeeded although Config.Authenticator is set")
	}
	cfg.Users = []server.User{{Name: "x", Password: "y"}}
	if _, err := server.New(cfg); err == nil || errors.Is(err, server.ErrServerClosed) {
		t.Errorf("New with Users and Authenticator: err %v, want an error", err)
	}
}

// TestStatusAndReloadWhileServing takes snapshots and reloads (keeping the
// share) while a client reads and writes, so that -race sees the reader
// goroutine and the operator's calls overlap; the client's requests must
// all succeed and every snapshot must show its open file.
func TestStatusAndReloadWhileServing(t *testing.T) {
	cfg := benchConfig(t)
	l, _ := listenDirect(t)
	srv := startServer(t, cfg, served{l, server.FramingDirect})
	s := benchLogon(t, dialTCP(t, l))
	rt := &roundTrips{s: s, size: 512,
		read:  readAndXRequest(10, s.uid, s.tid, s.fid, 0, 512),
		write: writeAndXRequest(11, s.uid, s.tid, s.fid, benchFileSize-512, make([]byte, 512)),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			if err := srv.Reload(cfg.Users, cfg.Shares); err != nil {
				t.Errorf("Reload: %v", err)
				return
			}
			st := srv.Status()
			if len(st.Connections) != 1 || len(st.Connections[0].Files) != 1 {
				t.Errorf("Status while serving: %+v", st)
				return
			}
		}
	}()
	for served := 0; ; served++ {
		select {
		case <-done:
			if served == 0 {
				t.Log("the snapshots finished before the first request; no overlap this time")
			}
			return
		default:
		}
		rt.readOnce(t)
		rt.writeOnce(t)
	}
}

package server_test

// Servers and logged-on sessions for the raw client of kit_test.go: a
// server started for the length of a test, one served until the test shuts
// it down and checks for leaks, and the hostile server, a live server on
// loopback with a file to attack and sessions that log on to it.

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/server"
)

const (
	testUser     = "alice"
	testPassword = "secret"
	netbiosName  = "TINYSMBD"

	// hostileFileText is what a hostile server's victim.txt holds.
	hostileFileText = "precious contents"
	// hostileMaxMessage is a hostile server's MaxMessageSize: below NetBT's
	// 17-bit maximum, so that a header can claim more.
	hostileMaxMessage = 0x10000
)

// served is a listener and the framing its connections use.
type served struct {
	l       net.Listener
	framing server.Framing
}

// startServer serves cfg on each listener until the test ends, then shuts
// the server down and checks that every Serve returned ErrServerClosed. The
// server's debug log and request trace are printed if the test failed.
func startServer(t testing.TB, cfg server.Config, ls ...served) *server.Server {
	t.Helper()
	logs := new(testpeer.SyncBuffer)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		cfg.Trace = true
	}
	srv, err := server.New(cfg)
	if err != nil {
		for _, s := range ls {
			s.l.Close()
		}
		t.Fatalf("server.New: %v", err)
	}
	results := make(chan error, len(ls))
	for _, s := range ls {
		go func() { results <- srv.Serve(s.l, s.framing) }()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		for range ls {
			select {
			case err := <-results:
				if !errors.Is(err, server.ErrServerClosed) {
					t.Errorf("Serve returned %v, want ErrServerClosed", err)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("Serve did not return after Shutdown")
			}
		}
		if t.Failed() {
			t.Logf("server log:\n%s", testpeer.Tail(logs.String(), 64<<10))
		}
	})
	return srv
}

// listenDirect listens on a random loopback port for direct-hosted SMB.
func listenDirect(t testing.TB) (net.Listener, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return l, l.Addr().(*net.TCPAddr).Port
}

// segConfig is a server with one in-memory share and user alice.
func segConfig() server.Config {
	return server.Config{
		NetBIOSName: netbiosName,
		Users:       []server.User{{Name: testUser, Password: testPassword}},
		Shares:      []server.Share{{Name: "share", Fs: afero.NewMemMapFs()}},
	}
}

// serveUntilShutdown serves cfg on a loopback listener with NetBT framing
// and returns its address and a function that shuts the server down and
// checks that Serve returned ErrServerClosed. Leak tests call it inside
// test.CheckRoutines, so nothing here may outlive shutdown.
func serveUntilShutdown(t *testing.T, cfg server.Config) (addr string, shutdown func()) {
	t.Helper()
	srv, addr, served := serveLoopback(t, cfg)
	return addr, shutdownFunc(t, srv, served)
}

// shutdownFunc returns a func that shuts srv down and checks what its Serve,
// whose result arrives on served, returned.
func shutdownFunc(t *testing.T, srv *server.Server, served <-chan error) func() {
	return func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, server.ErrServerClosed) {
			t.Fatalf("Serve returned %v, want ErrServerClosed", err)
		}
	}
}

// serveLoopback serves cfg on a loopback listener with NetBT framing and
// returns the server, its address and where Serve's result arrives; the
// caller shuts it down.
func serveLoopback(t *testing.T, cfg server.Config) (*server.Server, string, <-chan error) {
	t.Helper()
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, served := serveServer(t, srv)
	return srv, addr, served
}

// serveServer serves srv on a loopback listener with NetBT framing and
// returns its address and where Serve's result arrives.
func serveServer(t *testing.T, srv *server.Server) (string, <-chan error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l, server.FramingNetBT) }()
	return l.Addr().String(), served
}

// hostileServer is a live server on loopback speaking NetBT framing, with
// user alice and share "share" over fs, which holds hostileFileText in
// "victim.txt".
type hostileServer struct {
	addr string
	fs   afero.Fs
	srv  *server.Server
}

func newHostileServer(t *testing.T) *hostileServer {
	t.Helper()
	return newHostileServerWith(t, server.FramingNetBT, nil)
}

// newHostileServerWith is newHostileServer with the given framing and
// with edit, if not nil, applied to the config.
func newHostileServerWith(t *testing.T, framing server.Framing, edit func(*server.Config)) *hostileServer {
	t.Helper()
	fs := afero.NewMemMapFs()
	if err := afero.WriteFile(fs, "/victim.txt", []byte(hostileFileText), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := segConfig()
	cfg.Shares = []server.Share{{Name: "share", Fs: fs}}
	// Below NetBT's 17-bit maximum, so that a header can claim more.
	cfg.MaxMessageSize = hostileMaxMessage
	if edit != nil {
		edit(&cfg)
	}
	l, _ := listenDirect(t)
	srv := startServer(t, cfg, served{l, framing})
	return &hostileServer{addr: l.Addr().String(), fs: fs, srv: srv}
}

func (hs *hostileServer) dial(t testing.TB) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", hs.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).SetNoDelay(true)
	c.SetDeadline(time.Now().Add(3 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// healthy checks that a fresh client still gets NEGOTIATE and ECHO answered.
func (hs *hostileServer) healthy(t testing.TB) {
	t.Helper()
	c := hs.dial(t)
	defer c.Close()
	hostileWrite(t, c, negotiateRequest(1))
	checkNegotiate(t, expectReply(t, c, cmdNegotiate, 1))
	payload := echoPayload(2, 64)
	hostileWrite(t, c, echoRequest(2, payload))
	checkEcho(t, expectReply(t, c, cmdEcho, 2), 2, payload)
}

func (hs *hostileServer) login(t *testing.T) *hostileSession {
	t.Helper()
	return loginOn(t, hs.dial(t))
}

// loginOn logs on as testUser over c and connects "share".
func loginOn(t *testing.T, c net.Conn) *hostileSession {
	t.Helper()
	hostileWrite(t, c, negotiateRequest(1))
	neg := checkNegotiate(t, expectReply(t, c, cmdNegotiate, 1))
	hostileWrite(t, c, sessionSetupRequest(2, neg, testUser, testPassword))
	s := &hostileSession{c: c, uid: expectReply(t, c, cmdSessionSetup, 2).uid, mid: 2, neg: neg}
	s.tid = s.treeConnect(t)
	return s
}

// hostileSession is a logged-on client of a hostileServer, with "share"
// connected.
type hostileSession struct {
	c        net.Conn
	uid, tid uint16
	mid      uint16
	neg      negotiated
}

// sessionSetup logs on a second session on the connection and returns its
// UID; the session's own UID and tree stay as they are.
func (s *hostileSession) sessionSetup(t *testing.T) uint16 {
	t.Helper()
	s.mid++
	hostileWrite(t, s.c, sessionSetupRequest(s.mid, s.neg, testUser, testPassword))
	return expectReply(t, s.c, cmdSessionSetup, s.mid).uid
}

func (s *hostileSession) treeConnect(t *testing.T) uint16 {
	t.Helper()
	s.mid++
	hostileWrite(t, s.c, treeConnectAndXRequest(s.mid, s.uid, `\\TINYSMBD\SHARE`))
	return expectReply(t, s.c, cmdTreeConnect, s.mid).tid
}

// open opens name with core OPEN (MS-CIFS 2.2.4.3.1) for read/write.
func (s *hostileSession) open(t *testing.T, name string) uint16 {
	t.Helper()
	s.mid++
	// AccessMode 0x42: read/write, DENY_NONE, so that sessions on other
	// connections may open the same file.
	hostileWrite(t, s.c, smbRequest(cmdOpen, s.mid, s.uid, s.tid, clientFlags2&^flags2Unicode, le16(0x42, 0), path(name)))
	return binary.LittleEndian.Uint16(expectReply(t, s.c, cmdOpen, s.mid).words)
}

// call sends one request of this session (its UID and TID unless given)
// and checks the status of the reply.
func (s *hostileSession) call(t *testing.T, cmd byte, uid, tid uint16, words, data []byte, status uint32) smbResponse {
	t.Helper()
	s.mid++
	hostileWrite(t, s.c, smbRequest(cmd, s.mid, uid, tid, clientFlags2, words, data))
	return expectStatus(t, s.c, cmd, s.mid, status)
}

// dialFrom connects to addr from the loopback address local, so the
// server sees another client.
func dialFrom(t testing.TB, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(3 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// expectClosedWithin waits up to d for the server to close c, sending
// nothing.
func expectClosedWithin(t testing.TB, c net.Conn, d time.Duration) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	expectClosed(t, c)
}

// negotiateOn sends NEGOTIATE on c and returns what it said.
func negotiateOn(t testing.TB, c net.Conn) negotiated {
	t.Helper()
	hostileWrite(t, c, negotiateRequest(1))
	return checkNegotiate(t, expectReply(t, c, cmdNegotiate, 1))
}

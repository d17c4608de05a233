//go:build !tinysmbd_nocore

package server_test

// Limits, timeouts and logon policy, each against a live server
// over loopback with exact request bytes, built with the test kit
// (kit_test.go, kitserver_test.go). Timeouts are configured small; a test only waits for "closed
// within a generous bound", or checks a lower bound (a delay cannot end
// early), never that something happened quickly. Like hostile_test.go they
// use the core OPEN and CREATE commands, so builds without them skip them.

import (
	"crypto/des"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/crypto/md4"

	"github.com/tinysmbd/tinysmbd/server"
)

// Statuses the limits return (MS-ERREF 2.3).
const (
	statusTooManySessions    = 0xC00000CE
	statusTooManyOpenedFiles = 0xC000011F

	cmdFindFirst2Setup = 0x0001
	nbssNegative       = 0x83
	// transDataStart is where a one-setup-word TRANSACTION2 primary's
	// bytes begin: header, WordCount, 15 words, ByteCount.
	transDataStart = 32 + 1 + 30 + 2
)

// treeConnectWords and treeConnectData are a TREE_CONNECT_ANDX
// (MS-CIFS 2.2.4.55.1) to \\TINYSMBD\share, Unicode, 1-byte password.
var treeConnectWords = []byte{0xFF, 0, 0, 0, 0, 0, 1, 0}

func treeConnectData(share string) []byte {
	d := append([]byte{0}, utf16z(`\\TINYSMBD\`+share)...)
	return append(d, "?????\x00"...)
}

// eventuallyServed dials until a connection is served, for the moment
// after a slot was freed that the server notices at its own pace.
func (hs *hostileServer) eventuallyServed(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", hs.addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(3 * time.Second))
		c.Write(negotiateRequest(1))
		typ, _, err := readFrame(c)
		c.Close()
		if err == nil && typ == nbssMessage {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection served within 10s after one was freed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLimitConnectionsPerClient: beyond max_connections_per_client, a NetBT
// connection gets negative session response 0x83 and is closed; another
// address is still served, and a freed slot is usable again.
func TestLimitConnectionsPerClient(t *testing.T) {
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) { c.MaxConnectionsPerClient = 2 })
	held := []net.Conn{hs.dial(t), hs.dial(t)}
	for _, c := range held {
		negotiateOn(t, c)
	}
	c := hs.dial(t)
	hostileWrite(t, c, sessionRequest(netbiosName))
	// RFC 1002 4.3.4: NEGATIVE SESSION RESPONSE, error code 0x83 "called
	// name present, but insufficient resources".
	typ, p, err := readFrame(c)
	if err != nil || typ != nbssNegative || len(p) != 1 || p[0] != 0x83 {
		t.Fatalf("got type 0x%02x % x %v, want negative session response 0x83", typ, p, err)
	}
	expectClosed(t, c)

	other := dialFrom(t, "127.0.0.2", hs.addr)
	negotiateOn(t, other)

	held[0].Close()
	hs.eventuallyServed(t)
}

// TestLimitConnectionsTotal: at max_connections, a new connection from
// another address takes the slot of the oldest one not logged on, which is
// closed; with every slot logged on, a direct-hosted connection is closed
// without a byte.
func TestLimitConnectionsTotal(t *testing.T) {
	hs := newHostileServerWith(t, server.FramingDirect, func(c *server.Config) {
		c.MaxConnections = 1
		c.MaxConnectionsPerClient = -1
	})
	stalled := hs.dial(t)
	negotiateOn(t, stalled)
	first := loginOn(t, dialFrom(t, "127.0.0.2", hs.addr))
	expectClosed(t, stalled)
	c := hs.dial(t)
	hostileWrite(t, c, negotiateRequest(1))
	expectClosed(t, c)
	first.c.Close()
	hs.eventuallyServed(t)
}

// TestLimitSessionsPerConnection: a third logon on a connection allowing
// two gets STATUS_TOO_MANY_SESSIONS; the first two keep working.
func TestLimitSessionsPerConnection(t *testing.T) {
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) { c.MaxSessionsPerConnection = 2 })
	c := hs.dial(t)
	neg := negotiateOn(t, c)
	var uids []uint16
	for mid := uint16(2); mid <= 3; mid++ {
		hostileWrite(t, c, sessionSetupRequest(mid, neg, testUser, testPassword))
		uids = append(uids, expectReply(t, c, cmdSessionSetup, mid).uid)
	}
	hostileWrite(t, c, sessionSetupRequest(4, neg, testUser, testPassword))
	expectStatus(t, c, cmdSessionSetup, 4, statusTooManySessions)
	hostileWrite(t, c, smbRequest(cmdTreeConnect, 5, uids[1], 0, clientFlags2, treeConnectWords, treeConnectData("SHARE")))
	expectStatus(t, c, cmdTreeConnect, 5, statusSuccess)
}

// TestLimitTreesPerConnection: a third tree connect on a connection
// allowing two gets STATUS_INSUFF_SERVER_RESOURCES; after a disconnect
// there is room again.
func TestLimitTreesPerConnection(t *testing.T) {
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) { c.MaxTreesPerConnection = 2 })
	s := hs.login(t) // one tree
	s.treeConnect(t)
	s.call(t, cmdTreeConnect, s.uid, 0, treeConnectWords, treeConnectData("SHARE"), statusInsuffServerResources)
	s.call(t, hCmdTreeDisconnect, s.uid, s.tid, nil, nil, statusSuccess)
	s.call(t, cmdTreeConnect, s.uid, 0, treeConnectWords, treeConnectData("IPC$"), statusSuccess)
}

// oemCall sends a core request (OEM strings) and checks its status.
func (s *hostileSession) oemCall(t *testing.T, cmd byte, words, data []byte, status uint32) smbResponse {
	t.Helper()
	s.mid++
	hostileWrite(t, s.c, smbRequest(cmd, s.mid, s.uid, s.tid, clientFlags2&^flags2Unicode, words, data))
	return expectStatus(t, s.c, cmd, s.mid, status)
}

// TestLimitOpenFilesPerSession: beyond max_open_files_per_session an open
// gets STATUS_TOO_MANY_OPENED_FILES, and a create is refused before it
// creates anything; a close makes room.
func TestLimitOpenFilesPerSession(t *testing.T) {
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) { c.MaxOpenFilesPerSession = 2 })
	s := hs.login(t)
	fid := s.open(t, `\victim.txt`)
	s.open(t, `\victim.txt`)
	// Core OPEN (MS-CIFS 2.2.4.3.1) and CREATE (2.2.4.4.1).
	s.oemCall(t, cmdOpen, le16(2, 0), path(`\victim.txt`), statusTooManyOpenedFiles)
	s.oemCall(t, cmdCreate, le32(le16(0), 0), path(`\new.txt`), statusTooManyOpenedFiles)
	if _, err := hs.fs.Stat("/new.txt"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused CREATE left new.txt behind (stat: %v)", err)
	}
	s.call(t, hCmdClose, s.uid, s.tid, append(le16(fid), 0, 0, 0, 0), nil, statusSuccess)
	s.oemCall(t, cmdCreate, le32(le16(0), 0), path(`\new.txt`), statusSuccess)
}

// findFirst2 is a TRANS2_FIND_FIRST2 (MS-CIFS 2.2.6.2.1) for \* returning
// one SMB_INFO_STANDARD entry and keeping the search open.
func findFirst2(s *hostileSession, t *testing.T, status uint32) {
	t.Helper()
	params := le16(0x16, 1, 0, 1) // attributes, SearchCount, Flags, level
	params = le32(params, 0)      // SearchStorageType
	params = append(params, utf16z(`\*`)...)
	const po = transDataStart + 1
	w := trans2Words(uint16(len(params)), 0, uint16(len(params)), po, 0, 0, cmdFindFirst2Setup)
	s.call(t, hCmdTransaction2, s.uid, s.tid, w, append([]byte{0}, params...), status)
}

// TestLimitSearchesPerSession: beyond max_searches_per_session a
// FIND_FIRST2 that would keep its handle gets STATUS_TOO_MANY_OPENED_FILES
// (ERRDOS/ERRnofids, as Samba's dptr_create).
func TestLimitSearchesPerSession(t *testing.T) {
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) { c.MaxSearchesPerSession = 2 })
	for _, n := range []string{"/a.txt", "/b.txt", "/c.txt"} {
		if err := afero.WriteFile(hs.fs, n, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := hs.login(t)
	findFirst2(s, t, statusSuccess)
	findFirst2(s, t, statusSuccess)
	findFirst2(s, t, statusTooManyOpenedFiles)
	// Another session on another connection has its own handles.
	findFirst2(hs.login(t), t, statusSuccess)
}

// TestLimitTransactionSize: the pending transactions of a connection may
// declare max_transaction_size bytes together; a primary that would go
// over gets STATUS_INSUFF_SERVER_RESOURCES before anything is allocated.
func TestLimitTransactionSize(t *testing.T) {
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) { c.MaxTransactionSize = 4096 })
	s := hs.login(t)
	primary := func(totalData uint16, status uint32) {
		t.Helper()
		s.call(t, hCmdTransaction2, s.uid, s.tid, trans2Words(4, totalData, 4, transDataStart, 0, 0, hTrans2FindNext2), make([]byte, 4), status)
	}
	primary(5000, statusInsuffServerResources) // alone over the limit
	primary(4000, statusSuccess)               // 4004 bytes pending
	primary(100, statusInsuffServerResources)  // 4004 + 104 > 4096
	primary(88, statusSuccess)                 // 4004 + 92 = 4096
	s.call(t, cmdEcho, s.uid, s.tid, le16(1), []byte("still here"), statusSuccess)
}

// echoFrame is a framed ECHO carrying n payload bytes.
func echoFrame(mid uint16, n int) []byte { return echoRequest(mid, make([]byte, n)) }

// TestLimitPreAuthMessageSize: before a logon a message over 16 KiB closes
// the connection on its header; after one, max_message_size applies.
func TestLimitPreAuthMessageSize(t *testing.T) {
	hs := newHostileServer(t)
	c := hs.dial(t)
	negotiateOn(t, c)
	hostileWrite(t, c, echoFrame(2, 15000))
	expectReply(t, c, cmdEcho, 2)
	hostileWrite(t, c, echoFrame(3, 20000))
	expectClosed(t, c)

	s := hs.login(t)
	hostileWrite(t, s.c, echoFrame(10, 20000))
	expectReply(t, s.c, cmdEcho, 10)
	hs.healthy(t)
}

// TestLimitHandshakeTimeout: a connection that has not logged on within
// handshake_timeout is closed, whether it sent nothing, part of a message,
// or stopped after NEGOTIATE or after a guest logon; one that logged on in
// time stays.
func TestLimitHandshakeTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) {
		c.HandshakeTimeout = timeout
		c.Shares = append(c.Shares, server.Share{Name: "public", Fs: afero.NewMemMapFs(), GuestOK: true})
	})
	silent := hs.dial(t)
	trickle := hs.dial(t)
	hostileWrite(t, trickle, sessionRequest(netbiosName))
	expectPositiveResponse(t, trickle)
	hostileWrite(t, trickle, negotiateRequest(1)[:10])
	negotiatedOnly := hs.dial(t)
	negotiateOn(t, negotiatedOnly)
	guest := hs.dial(t)
	neg := negotiateOn(t, guest)
	hostileWrite(t, guest, sessionSetupRequest(2, neg, "mallory", "wrong"))
	expectStatus(t, guest, cmdSessionSetup, 2, statusSuccess)
	good := hs.login(t)

	for _, c := range []net.Conn{silent, trickle, negotiatedOnly, guest} {
		expectClosedWithin(t, c, 10*time.Second)
	}
	time.Sleep(2 * timeout)
	good.c.SetDeadline(time.Now().Add(3 * time.Second))
	good.call(t, cmdEcho, good.uid, good.tid, le16(1), []byte("here"), statusSuccess)
}

// TestLimitIdleTimeout: a connection without open files that says nothing
// for idle_timeout is closed; one holding a file stays.
func TestLimitIdleTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) { c.IdleTimeout = timeout })
	idle := hs.login(t)
	busy := hs.login(t)
	busy.open(t, `\victim.txt`)
	expectClosedWithin(t, idle.c, 10*time.Second)
	time.Sleep(2 * timeout)
	busy.c.SetDeadline(time.Now().Add(3 * time.Second))
	busy.call(t, cmdEcho, busy.uid, busy.tid, le16(1), []byte("here"), statusSuccess)
}

// TestLimitWriteTimeout: a client that sends but never reads is
// disconnected once a reply has waited write_timeout; the server goes on.
func TestLimitWriteTimeout(t *testing.T) {
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) { c.WriteTimeout = 200 * time.Millisecond })
	c := hs.dial(t)
	c.(*net.TCPConn).SetReadBuffer(4096)
	negotiateOn(t, c)
	// Each ECHO asks for 64 replies of 15,000 bytes: about 1 MB that the
	// socket buffers cannot hold for long.
	req := smbRequest(cmdEcho, 2, 0, noTID, clientFlags2, le16(64), make([]byte, 15000))
	c.SetDeadline(time.Now().Add(30 * time.Second))
	var err error
	for range 10000 {
		if _, err = c.Write(req); err != nil {
			break
		}
	}
	var ne net.Error
	switch {
	case err == nil:
		t.Fatal("the server took 150 MB of requests without closing")
	case errors.As(err, &ne) && ne.Timeout():
		t.Fatalf("writes blocked for 30s: the server neither read nor closed: %v", err)
	case !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE):
		t.Fatalf("write: %v, want the connection reset", err)
	}
	hs.healthy(t)
}

// TestLimitMpxBackPressure: with max_mpx_count replies unwritten (the
// client reads none), the server stops reading. Over net.Pipe every Write
// returns only once the server has read it, so the count of finished
// writes is what the server took in; all replies arrive once the client
// reads.
func TestLimitMpxBackPressure(t *testing.T) {
	const mpx = 2
	cfg := segConfig()
	cfg.MaxMpxCount = mpx
	l := newPipeListener()
	startServer(t, cfg, served{l, server.FramingDirect})
	c, srv := net.Pipe()
	defer c.Close()
	l.give(t, srv)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	neg := negotiateOn(t, c)
	_ = neg

	const n = 10
	var written atomic.Int32
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if _, err := c.Write(echoRequest(uint16(10+i), []byte("ping"))); err != nil {
				done <- err
				return
			}
			written.Add(1)
		}
		done <- nil
	}()
	// Give the server time to take in all it would; it must have
	// stopped at one request past the mpx slots (that one waits for a
	// slot after being read). A slow machine only lowers the count.
	time.Sleep(300 * time.Millisecond)
	if got := written.Load(); got > mpx+1 {
		t.Fatalf("the server read %d requests with none of their replies taken, want at most %d", got, mpx+1)
	}
	for i := range n {
		checkEcho(t, expectReply(t, c, cmdEcho, uint16(10+i)), 1, []byte("ping"))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// desKey spreads 7 key bytes over the 8 bytes DES takes (MS-NLMP 6:
// the 56-bit key with a parity bit, ignored, after each 7 bits).
func desKey(k []byte) []byte {
	b := []byte{
		k[0] >> 1, k[0]<<6 | k[1]>>2, k[1]<<5 | k[2]>>3, k[2]<<4 | k[3]>>4,
		k[3]<<3 | k[4]>>5, k[4]<<2 | k[5]>>6, k[5]<<1 | k[6]>>7, k[6],
	}
	for i := range b {
		b[i] <<= 1
	}
	return b
}

// desl is MS-NLMP 6's DESL: the 16-byte key, zero-padded to 21 bytes, as
// three DES keys each encrypting data.
func desl(key []byte, data []byte) []byte {
	k := make([]byte, 21)
	copy(k, key)
	out := make([]byte, 24)
	for i := range 3 {
		c, err := des.NewCipher(desKey(k[7*i:]))
		if err != nil {
			panic(err)
		}
		c.Encrypt(out[8*i:], data)
	}
	return out
}

// ntHashOf is NTOWFv1 (MS-NLMP 3.3.1): MD4 of the UTF-16LE password.
func ntHashOf(password string) []byte {
	h := md4.New()
	pw := utf16z(password)
	h.Write(pw[:len(pw)-2])
	return h.Sum(nil)
}

// lmHashOf is LMOWFv1 (MS-NLMP 3.3.1): the upper-case password, padded to
// 14 bytes, as two DES keys encrypting "KGS!@#$%".
func lmHashOf(password string) []byte {
	pw := make([]byte, 14)
	copy(pw, strings.ToUpper(password))
	out := make([]byte, 16)
	for i := range 2 {
		c, err := des.NewCipher(desKey(pw[7*i:]))
		if err != nil {
			panic(err)
		}
		c.Encrypt(out[8*i:], []byte("KGS!@#$%"))
	}
	return out
}

// logon negotiates on a fresh connection and sends one non-extended
// SESSION_SETUP_ANDX whose responses build makes from the challenge.
func (hs *hostileServer) logon(t *testing.T, user string, build func(challenge []byte) (lm, nt []byte)) (net.Conn, smbResponse) {
	t.Helper()
	c := hs.dial(t)
	neg := negotiateOn(t, c)
	lm, nt := build(neg.challenge)
	hostileWrite(t, c, sessionSetupResponses(2, neg, user, lm, nt))
	typ, p, err := readFrame(c)
	if err != nil || typ != nbssMessage {
		t.Fatalf("SESSION_SETUP_ANDX: no reply (type 0x%02x, %v)", typ, err)
	}
	r, err := parseResponse(p)
	if err != nil {
		t.Fatal(err)
	}
	return c, r
}

// TestLimitHandshakeEndsAtTreeConnect: a guest session that has connected
// a guest share, and a null session that has connected IPC$ (a share
// listing under way), are logged on: the handshake timeout no longer
// applies to them.
func TestLimitHandshakeEndsAtTreeConnect(t *testing.T) {
	const timeout = 200 * time.Millisecond
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) {
		c.HandshakeTimeout = timeout
		c.Shares = append(c.Shares, server.Share{Name: "public", Fs: afero.NewMemMapFs(), GuestOK: true})
	})
	wrong := func(ch []byte) ([]byte, []byte) { return nil, desl(ntHashOf("nope"), ch) }
	var conns []net.Conn
	var uids []uint16
	for _, l := range []struct {
		user, share string
		build       func([]byte) ([]byte, []byte)
	}{{"mallory", "PUBLIC", wrong}, {"", "IPC$", nullLogon}} {
		c, r := hs.logon(t, l.user, l.build)
		if r.status != statusSuccess {
			t.Fatalf("logon as %q: %v", l.user, r)
		}
		hostileWrite(t, c, smbRequest(cmdTreeConnect, 3, r.uid, 0, clientFlags2, treeConnectWords, treeConnectData(l.share)))
		expectStatus(t, c, cmdTreeConnect, 3, statusSuccess)
		conns, uids = append(conns, c), append(uids, r.uid)
	}
	time.Sleep(3 * timeout)
	for i, c := range conns {
		c.SetDeadline(time.Now().Add(3 * time.Second))
		hostileWrite(t, c, smbRequest(cmdEcho, 4, uids[i], 0, clientFlags2, le16(1), []byte("here")))
		expectReply(t, c, cmdEcho, 4)
	}
}

// TestLogonNTLMv1AndLM: NTLMv1 and LM responses to the right password are
// refused unless ntlmv1 is set; NTLMv2 always works.
func TestLogonNTLMv1AndLM(t *testing.T) {
	v1 := func(ch []byte) ([]byte, []byte) {
		return desl(lmHashOf(testPassword), ch), desl(ntHashOf(testPassword), ch)
	}
	lmOnly := func(ch []byte) ([]byte, []byte) { return desl(lmHashOf(testPassword), ch), nil }
	v1InLM := func(ch []byte) ([]byte, []byte) { return desl(ntHashOf(testPassword), ch), nil }
	for _, allow := range []bool{false, true} {
		hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) {
			c.NTLMv1 = allow
			c.LogonFailureDelay = -1
			c.LogonFailureLimit = -1
		})
		want := uint32(statusLogonFailure)
		if allow {
			want = statusSuccess
		}
		for name, build := range map[string]func([]byte) ([]byte, []byte){"NTLMv1": v1, "LM": lmOnly, "NTLMv1 in the LM field": v1InLM} {
			if _, r := hs.logon(t, testUser, build); r.status != want {
				t.Errorf("ntlmv1=%v, %s logon: %v, want status 0x%08x", allow, name, r, want)
			}
		}
		s := hs.login(t) // NTLMv2
		s.call(t, cmdEcho, s.uid, s.tid, le16(1), []byte("v2"), statusSuccess)
	}
}

// nullLogon is the null session's empty name and responses.
func nullLogon([]byte) ([]byte, []byte) { return nil, nil }

// TestLogonGuestAndAnonymous: an unknown user is a guest only when a share
// admits guests, and reaches only those; a null session reaches IPC$ and
// no disk share; restrict_anonymous refuses it.
func TestLogonGuestAndAnonymous(t *testing.T) {
	guestCfg := func(c *server.Config) {
		c.Shares = append(c.Shares, server.Share{Name: "public", Fs: afero.NewMemMapFs(), GuestOK: true})
	}
	wrong := func(ch []byte) ([]byte, []byte) { return nil, desl(ntHashOf("nope"), ch) }
	hs := newHostileServerWith(t, server.FramingNetBT, guestCfg)
	tc := func(c net.Conn, mid, uid uint16, share string, status uint32) {
		t.Helper()
		hostileWrite(t, c, smbRequest(cmdTreeConnect, mid, uid, 0, clientFlags2, treeConnectWords, treeConnectData(share)))
		expectStatus(t, c, cmdTreeConnect, mid, status)
	}

	c, r := hs.logon(t, "mallory", wrong)
	// MS-CIFS 2.2.4.53.2: Action bit 0, logged on as guest.
	if r.status != statusSuccess || len(r.words) < 6 || binary.LittleEndian.Uint16(r.words[4:])&1 == 0 {
		t.Fatalf("unknown user: %v, want a guest logon", r)
	}
	tc(c, 3, r.uid, "SHARE", statusAccessDenied)
	tc(c, 4, r.uid, "PUBLIC", statusSuccess)

	c, r = hs.logon(t, "", nullLogon)
	if r.status != statusSuccess {
		t.Fatalf("null session: %v, want success", r)
	}
	tc(c, 3, r.uid, "IPC$", statusSuccess)
	tc(c, 4, r.uid, "PUBLIC", statusAccessDenied)
	tc(c, 5, r.uid, "SHARE", statusAccessDenied)

	restricted := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) {
		guestCfg(c)
		c.RestrictAnonymous = true
	})
	if _, r := restricted.logon(t, "", nullLogon); r.status != statusLogonFailure {
		t.Errorf("null session with restrict_anonymous: %v, want STATUS_LOGON_FAILURE", r)
	}

	noGuests := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) { c.LogonFailureDelay = -1 })
	if _, r := noGuests.logon(t, "mallory", wrong); r.status != statusLogonFailure {
		t.Errorf("unknown user without a guest share: %v, want STATUS_LOGON_FAILURE", r)
	}
}

// TestLogonFailureLimit: after logon_failure_limit failures an address's
// logons fail even with the right password, while another address logs on.
func TestLogonFailureLimit(t *testing.T) {
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) {
		c.LogonFailureDelay = -1
		c.LogonFailureLimit = 2
		c.LogonFailureWindow = time.Hour
	})
	c := hs.dial(t)
	neg := negotiateOn(t, c)
	for mid := uint16(2); mid <= 3; mid++ {
		hostileWrite(t, c, sessionSetupRequest(mid, neg, testUser, "wrong"))
		expectStatus(t, c, cmdSessionSetup, mid, statusLogonFailure)
	}
	hostileWrite(t, c, sessionSetupRequest(4, neg, testUser, testPassword))
	expectStatus(t, c, cmdSessionSetup, 4, statusLogonFailure)

	other := dialFrom(t, "127.0.0.2", hs.addr)
	neg = negotiateOn(t, other)
	hostileWrite(t, other, sessionSetupRequest(2, neg, testUser, testPassword))
	expectStatus(t, other, cmdSessionSetup, 2, statusSuccess)
}

// TestLogonFailureDelay: the reply to a failed logon comes no sooner than
// logon_failure_delay (a lower bound, which a slow machine cannot break),
// and meanwhile another connection is served.
func TestLogonFailureDelay(t *testing.T) {
	const delay = 300 * time.Millisecond
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) { c.LogonFailureDelay = delay })
	c := hs.dial(t)
	neg := negotiateOn(t, c)
	start := time.Now()
	hostileWrite(t, c, sessionSetupRequest(2, neg, testUser, "wrong"))
	hs.healthy(t)
	expectStatus(t, c, cmdSessionSetup, 2, statusLogonFailure)
	if waited := time.Since(start); waited < delay {
		t.Fatalf("failed logon answered after %v, want at least %v", waited, delay)
	}
}

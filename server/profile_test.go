package server_test

// Tests of the build profiles (server/profile.go): each checks what its
// subsystem does in a binary that has it and what the stub does in one
// built without it, so `go test -tags tinysmbd_noipc` and the like cover
// the stubs.

import (
	"encoding/binary"
	"net"
	"strings"
	"testing"

	"github.com/tinysmbd/tinysmbd/server"
)

// TestProfileConfig: a setting that needs a subsystem the binary lacks is
// refused by New, naming the build tag, never ignored.
func TestProfileConfig(t *testing.T) {
	for _, tt := range []struct {
		name  string
		built bool
		tag   string
		set   func(*server.Config)
	}{
		{"NBNSListen", server.NameServiceBuilt, "tinysmbd_nonbns", func(c *server.Config) { c.NBNSListen = "127.0.0.1:0" }},
		{"Browse", server.BrowseBuilt, "tinysmbd_nobrowse", func(c *server.Config) { c.Browse = true }},
	} {
		cfg := segConfig()
		tt.set(&cfg)
		_, err := server.New(cfg)
		switch {
		case tt.built && err != nil:
			t.Errorf("%s: New: %v", tt.name, err)
		case !tt.built && (err == nil || !strings.Contains(err.Error(), tt.tag)):
			t.Errorf("%s in a binary built with %s: New returned %v, want an error naming the tag", tt.name, tt.tag, err)
		}
	}
}

// profileSession logs on to a server with segConfig's shares.
func profileSession(t *testing.T) (net.Conn, uint16) {
	t.Helper()
	c := dialTransport(t, "tcp", segConfig(), server.FramingDirect)
	c.Write(negotiateRequest(1))
	neg := checkNegotiate(t, expectReply(t, c, cmdNegotiate, 1))
	c.Write(sessionSetupRequest(2, neg, testUser, testPassword))
	return c, expectReply(t, c, cmdSessionSetup, 2).uid
}

// profileReply reads the reply to cmd mid, whatever its status.
func profileReply(t *testing.T, c net.Conn, cmd byte, mid uint16) smbResponse {
	t.Helper()
	typ, p, err := readFrame(c)
	if err != nil || typ != nbssMessage {
		t.Fatalf("reply to 0x%02x: type %#x, %v", cmd, typ, err)
	}
	r, err := parseResponse(p)
	if err != nil {
		t.Fatal(err)
	}
	if r.cmd != cmd || r.mid != mid {
		t.Fatalf("got %v, want the reply to 0x%02x mid %d", r, cmd, mid)
	}
	return r
}

// TestProfileIPC: IPC$ connects in every build. Without tinysmbd_noipc
// srvsvc opens and a TRANSACTION to a mailslot is not supported; with it
// no pipe opens and TRANSACTION is an unknown command.
func TestProfileIPC(t *testing.T) {
	c, uid := profileSession(t)
	c.Write(treeConnectAndXRequest(3, uid, `\\TINYSMBD\IPC$`))
	r := expectReply(t, c, cmdTreeConnect, 3)
	if r.status != statusSuccess {
		t.Fatalf("TREE_CONNECT_ANDX IPC$: %v", r)
	}
	tid := r.tid

	c.Write(ntCreateAndXRequest(4, uid, tid, `\srvsvc`))
	want := uint32(statusNameNotFound)
	if server.IPCBuilt {
		want = statusSuccess
	}
	if r := profileReply(t, c, benchCmdNTCreate, 4); r.status != want {
		t.Errorf("NT_CREATE_ANDX \\srvsvc on IPC$: %v, want status %#08x", r, want)
	}

	// TRANSACTION (MS-CIFS 2.2.4.33.1) named \MAILSLOT\BROWSE in OEM
	// characters, without parameters, data or setup: 14 words, the name
	// at 32+1+28+2 = 63 and the empty parameters and data after it.
	name := []byte("\\MAILSLOT\\BROWSE\x00")
	end := uint16(63 + len(name))
	w := le16(0, 0, 0, 0)                  // total and maximal counts
	w = append(w, 0, 0)                    // MaxSetupCount, Reserved1
	w = append(w, le16(0, 0, 0, 0)...)     // Flags, Timeout, Reserved2
	w = append(w, le16(0, end, 0, end)...) // parameters and data
	w = append(w, 0, 0)                    // SetupCount, Reserved3
	c.Write(smbRequest(ipcCmdTrans, 5, uid, tid, flags2NTStatus, w, name))
	want = statusSMBBadCommand
	if server.IPCBuilt {
		want = statusNotSupp
	}
	if r := profileReply(t, c, ipcCmdTrans, 5); r.status != want {
		t.Errorf("TRANSACTION \\MAILSLOT\\BROWSE: %v, want status %#08x", r, want)
	}
}

// TestProfileCore: a NEGOTIATE offering only LAN Manager dialects gets
// LANMAN2.1 (WordCount 13) when the core protocol is built in and no
// dialect (0xFFFF) without it; SEEK is an unknown command without it.
func TestProfileCore(t *testing.T) {
	c := dialTransport(t, "tcp", segConfig(), server.FramingDirect)
	c.Write(smbRequest(cmdNegotiate, 1, 0, 0, 0, nil, []byte("\x02LANMAN1.0\x00\x02LANMAN2.1\x00")))
	r := expectReply(t, c, cmdNegotiate, 1)
	idx := binary.LittleEndian.Uint16(r.words)
	switch {
	case server.CoreBuilt && (len(r.words) != 26 || idx != 1):
		t.Errorf("LANMAN NEGOTIATE: %v % x, want WordCount 13 and DialectIndex 1", r, r.words)
	case !server.CoreBuilt && (len(r.words) != 2 || idx != 0xFFFF):
		t.Errorf("LANMAN NEGOTIATE without the core protocol: %v % x, want DialectIndex 0xFFFF", r, r.words)
	}

	c, uid := profileSession(t)
	c.Write(treeConnectAndXRequest(3, uid, `\\TINYSMBD\share`))
	tid := expectReply(t, c, cmdTreeConnect, 3).tid
	// SEEK (MS-CIFS 2.2.4.19.1) of FID 0x1234, which is not open.
	c.Write(smbRequest(cmdSeek, 4, uid, tid, clientFlags2, le16(0x1234, 0, 0, 0), nil))
	want := uint32(statusSMBBadCommand)
	if server.CoreBuilt {
		want = statusInvalidHandle
	}
	if r := profileReply(t, c, cmdSeek, 4); r.status != want {
		t.Errorf("SEEK: %v, want status %#08x", r, want)
	}
}

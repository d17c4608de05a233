//go:build !tinysmbd_nocore

package server_test

// Hostile-input tests: each class of malformed or malicious
// stream is sent, byte for byte, to a live server over loopback TCP. The
// outcome is exact — a given NTSTATUS reply, or a close of that connection
// with nothing sent — and afterwards a fresh, well-behaved client on the
// same server must still be served: one bad client never hurts another.
// The tests open files with the core OPEN and CREATE commands, so they are
// left out of builds without them (tinysmbd_nocore).

import (
	"bytes"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/pion/transport/v3/test"
	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
)

// TestHostileFraming: NetBT-level hostility ends that connection only,
// without a reply.
func TestHostileFraming(t *testing.T) {
	hs := newHostileServer(t)
	neg := negotiateRequest(1)[4:]
	cases := []struct {
		name   string
		stream []byte
		// halfClose closes our write side after the stream, so that a
		// length lie ends in EOF.
		halfClose bool
	}{
		{"length claims more than sent", claimLength(frame(0, neg), len(neg)+100), true},
		{"length beyond max_message_size", claimLength(frame(0, neg[:16]), 0x1FFFF), false},
		{"unknown packet type 0x42", frame(0x42, []byte("junk")), false},
		{"positive response from client", frame(nbssPositive, nil), false},
		{"session request of garbage", frame(nbssRequest, []byte("\x20ABCDE")), false},
		{"session request, name length lies", frame(nbssRequest, []byte{0x7F, 'A', 'A', 0}), false},
		{"SMB2 magic", frame(nbssMessage, append([]byte{0xFE, 'S', 'M', 'B', 64, 0}, make([]byte, 58)...)), false},
		{"non-SMB magic", frame(nbssMessage, append([]byte("GET / HTTP/1.0\r\n"), make([]byte, 40)...)), false},
		{"truncated header", frame(nbssMessage, neg[:31]), false},
		{"empty message", frame(nbssMessage, nil), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := hs.dial(t)
			hostileWrite(t, c, tc.stream)
			if tc.halfClose {
				c.(*net.TCPConn).CloseWrite()
			}
			// A garbage session request earns a negative response
			// (RFC 1002 4.3.4) before the close.
			if tc.stream[0] == nbssRequest {
				typ, p, err := readFrame(c)
				if err != nil || typ != 0x83 || len(p) != 1 {
					t.Fatalf("got type 0x%02x % x %v, want a negative session response", typ, p, err)
				}
			}
			expectClosed(t, c)
			hs.healthy(t)
		})
	}
}

// TestHostileMessageBody: a good header with a broken body is answered
// STATUS_INVALID_SMB and the connection stays usable.
func TestHostileMessageBody(t *testing.T) {
	hs := newHostileServer(t)
	cases := []struct {
		name string
		msg  []byte
	}{
		// WordCount 40 with no words after it.
		{"WordCount beyond the message", append(smbRequest(cmdEcho, 7, 0, noTID, clientFlags2, nil, nil)[4:36], 40, 0, 0)},
		{"ByteCount beyond the message", withByteCount(smbRequest(cmdEcho, 7, 0, noTID, clientFlags2, le16(1), []byte("abc")), 500)[4:]},
		{"no ByteCount", smbRequest(cmdEcho, 7, 0, noTID, clientFlags2, le16(1), nil)[4:39]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := hs.dial(t)
			hostileWrite(t, c, frame(nbssMessage, tc.msg))
			expectStatus(t, c, cmdEcho, 7, hStatusInvalidSMB)
			hostileWrite(t, c, negotiateRequest(8))
			checkNegotiate(t, expectReply(t, c, cmdNegotiate, 8))
			hs.healthy(t)
		})
	}
}

// TestHostileBeforeNegotiateAndLogin: commands out of order are refused
// with the DOS statuses MS-CIFS 3.3.5.2 names.
func TestHostileBeforeNegotiateAndLogin(t *testing.T) {
	hs := newHostileServer(t)
	t.Run("session setup before negotiate", func(t *testing.T) {
		c := hs.dial(t)
		hostileWrite(t, c, sessionSetupRequest(5, negotiated{challenge: make([]byte, 8)}, testUser, testPassword))
		expectStatus(t, c, cmdSessionSetup, 5, hStatusInvalidSMB)
		hs.healthy(t)
	})
	treeConnect := func(mid, uid uint16) []byte {
		data := append([]byte{0}, utf16z(`\\TINYSMBD\SHARE`)...)
		return smbRequest(cmdTreeConnect, mid, uid, 0, clientFlags2, []byte{0xFF, 0, 0, 0, 0, 0, 1, 0}, append(data, "?????\x00"...))
	}
	t.Run("tree connect before negotiate", func(t *testing.T) {
		c := hs.dial(t)
		hostileWrite(t, c, treeConnect(5, 100))
		expectStatus(t, c, cmdTreeConnect, 5, hStatusBadUID)
		hs.healthy(t)
	})
	t.Run("tree connect without a session", func(t *testing.T) {
		c := hs.dial(t)
		hostileWrite(t, c, negotiateRequest(1))
		expectReply(t, c, cmdNegotiate, 1)
		hostileWrite(t, c, treeConnect(2, 0))
		expectStatus(t, c, cmdTreeConnect, 2, hStatusBadUID)
		hostileWrite(t, c, smbRequest(cmdOpen, 3, 0, 1, clientFlags2, le16(2, 0), path(`\victim.txt`)))
		expectStatus(t, c, cmdOpen, 3, hStatusBadUID)
		hs.healthy(t)
	})
	t.Run("unknown command", func(t *testing.T) {
		c := hs.dial(t)
		hostileWrite(t, c, smbRequest(0xEE, 5, 0, 0, clientFlags2, nil, nil))
		expectStatus(t, c, 0xEE, 5, statusSMBBadCommand)
		hs.healthy(t)
	})
}

// TestHostileAndX: chains that loop, go backwards, leave the message, run
// deep or name forbidden followers end in STATUS_INVALID_SMB.
func TestHostileAndX(t *testing.T) {
	hs := newHostileServer(t)
	s := hs.login(t)
	fid := s.open(t, `\victim.txt`)
	// chain is a READ_ANDX whose AndX header names next at offset off.
	chain := func(next byte, off uint16, extra []byte) []byte {
		w := readAndXWords(fid, 4)
		w[0] = next
		binary.LittleEndian.PutUint16(w[2:], off)
		m := smbRequest(hCmdReadAndX, 0, s.uid, s.tid, clientFlags2, w, extra)[4:]
		return m
	}
	const first = 32 // the first parameter block
	deep := func() []byte {
		// 300 READ_ANDX blocks, each pointing at the next.
		var m []byte
		blk := 1 + 24 + 2
		for i := 0; i < 300; i++ {
			w := readAndXWords(fid, 4)
			w[0] = hCmdReadAndX
			binary.LittleEndian.PutUint16(w[2:], uint16(first+(i+1)*blk))
			if i == 299 {
				w[0] = 0xFF
			}
			b := append([]byte{12}, w...)
			b = append(b, 0, 0)
			if i == 0 {
				m = smbRequest(hCmdReadAndX, 0, s.uid, s.tid, clientFlags2, w, nil)[4:]
				continue
			}
			m = append(m, b...)
		}
		return m
	}
	cases := []struct {
		name string
		msg  []byte
	}{
		{"offset loops to itself", chain(hCmdReadAndX, first, nil)},
		{"offset points backwards", chain(hCmdClose, 8, nil)},
		{"offset beyond the end", chain(hCmdClose, 0xFFF0, nil)},
		{"offset at the end", chain(hCmdClose, uint16(first+1+24+2), nil)},
		{"follower not allowed", chain(cmdNegotiate, uint16(first+1+24+2), []byte{0, 0, 0})},
		{"chain 300 deep", deep()},
		// A CLOSE follower (MS-CIFS 2.2.4.5.1) whose ByteCount
		// runs past the message.
		{"follower ByteCount beyond the message", chain(hCmdClose, uint16(first+1+24+2), []byte{3, 0, 0, 0, 0, 0, 0, 100, 0})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.mid++
			binary.LittleEndian.PutUint16(tc.msg[30:], s.mid)
			hostileWrite(t, s.c, frame(nbssMessage, tc.msg))
			expectStatus(t, s.c, hCmdReadAndX, s.mid, hStatusInvalidSMB)
			hs.healthy(t)
		})
	}
}

// TestHostileTransactions: transaction offsets, totals and secondaries of
// the wrong kind are refused, and the connection goes on.
func TestHostileTransactions(t *testing.T) {
	hs := newHostileServer(t)
	s := hs.login(t)
	const dataStart = 32 + 1 + 30 + 2
	t.Run("parameter offset beyond the message", func(t *testing.T) {
		s.call(t, hCmdTransaction2, s.uid, s.tid, trans2Words(4, 0, 4, 0xF000, 0, 0, hTrans2FindNext2), make([]byte, 4), statusInvalidParameter)
	})
	t.Run("data count beyond the message", func(t *testing.T) {
		s.call(t, hCmdTransaction2, s.uid, s.tid, trans2Words(4, 200, 4, dataStart, 200, dataStart+4, hTrans2FindNext2), make([]byte, 8), statusInvalidParameter)
	})
	t.Run("TRANSACTION_SECONDARY after a TRANSACTION2 primary", func(t *testing.T) {
		// MS17-010: a primary that waits for more data...
		s.call(t, hCmdTransaction2, s.uid, s.tid, trans2Words(4, 100, 4, dataStart, 0, 0, hTrans2FindNext2), make([]byte, 4), statusSuccess)
		mid := s.mid
		// ...then a TRANSACTION_SECONDARY (MS-CIFS 2.2.4.34.1, 8
		// words) with the same MID, completing the data.
		w := le16(4, 100, 0, 0, 0, 100, 32+1+16+2, 0)
		hostileWrite(t, s.c, smbRequest(hCmdTransSecondary, mid, s.uid, s.tid, clientFlags2, w, make([]byte, 100)))
		expectStatus(t, s.c, hCmdTransSecondary, mid, statusInvalidParameter)
		// The right kind of secondary now finds nothing pending.
		w = append(le16(4, 100, 0, 0, 0, 100, 32+1+18+2, 0), le16(0xFFFF)...)
		hostileWrite(t, s.c, smbRequest(hCmdTrans2Secondary, mid, s.uid, s.tid, clientFlags2, w, make([]byte, 100)))
		expectStatus(t, s.c, hCmdTrans2Secondary, mid, statusInvalidParameter)
	})
	t.Run("TRANSACTION2_SECONDARY after a TRANSACTION primary", func(t *testing.T) {
		// The confusion the other way round: a TRANSACTION (MS-CIFS
		// 2.2.4.33.1; OEM name "\\PIPE\\", then 4 parameter bytes)
		// waiting for data, then a TRANSACTION2_SECONDARY.
		const oem = clientFlags2 &^ flags2Unicode
		name := []byte("\\PIPE\\\x00")
		s.mid++
		mid := s.mid
		w := trans2Words(4, 100, 4, uint16(dataStart+len(name)), 0, 0, 0x26)
		hostileWrite(t, s.c, smbRequest(ipcCmdTrans, mid, s.uid, s.tid, oem, w, append(name, 0, 0, 0, 0)))
		expectStatus(t, s.c, ipcCmdTrans, mid, statusSuccess)
		w = append(le16(4, 100, 0, 0, 0, 100, 32+1+18+2, 0), le16(0xFFFF)...)
		hostileWrite(t, s.c, smbRequest(hCmdTrans2Secondary, mid, s.uid, s.tid, clientFlags2, w, make([]byte, 100)))
		expectStatus(t, s.c, hCmdTrans2Secondary, mid, statusInvalidParameter)
	})
	t.Run("secondary grows the totals", func(t *testing.T) {
		s.call(t, hCmdTransaction2, s.uid, s.tid, trans2Words(4, 100, 4, dataStart, 0, 0, hTrans2FindNext2), make([]byte, 4), statusSuccess)
		mid := s.mid
		w := append(le16(4, 0xFFFF, 0, 0, 0, 100, 32+1+18+2, 0), le16(0xFFFF)...)
		hostileWrite(t, s.c, smbRequest(hCmdTrans2Secondary, mid, s.uid, s.tid, clientFlags2, w, make([]byte, 100)))
		expectStatus(t, s.c, hCmdTrans2Secondary, mid, statusInvalidParameter)
	})
	t.Run("gigantic TotalDataCount with tiny data", func(t *testing.T) {
		// 0xFFFF + 0xFFFF is within the reassembly limit: the
		// primary waits (interim response), the lying secondary whose
		// displacement runs past the total is refused.
		s.call(t, hCmdTransaction2, s.uid, s.tid, trans2Words(0xFFFF, 0xFFFF, 4, dataStart, 1, dataStart+4, hTrans2FindNext2), make([]byte, 5), statusSuccess)
		mid := s.mid
		w := append(le16(0xFFFF, 0xFFFF, 0, 0, 0, 4, 32+1+18+2, 0xFFFE), le16(0xFFFF)...)
		hostileWrite(t, s.c, smbRequest(hCmdTrans2Secondary, mid, s.uid, s.tid, clientFlags2, w, make([]byte, 4)))
		expectStatus(t, s.c, hCmdTrans2Secondary, mid, statusInvalidParameter)
	})
	t.Run("pending transactions beyond max_pending_transactions", func(t *testing.T) {
		// Each primary waits for 100 data bytes; the server holds at
		// most MaxPendingTransactions (default 16) of them. The bytes
		// they declare are limited too: limits_test.go.
		p := hs.login(t)
		w := trans2Words(4, 100, 4, dataStart, 0, 0, hTrans2FindNext2)
		for range 16 {
			p.call(t, hCmdTransaction2, p.uid, p.tid, w, make([]byte, 4), statusSuccess)
		}
		p.call(t, hCmdTransaction2, p.uid, p.tid, w, make([]byte, 4), statusInsuffServerResources)
		p.call(t, cmdEcho, p.uid, p.tid, le16(1), []byte("still here"), statusSuccess)
	})
	t.Run("NT_TRANSACT with 32-bit totals", func(t *testing.T) {
		// MS-CIFS 2.2.4.62.1: 19 words + setup; totals 0xFFFFFFF0.
		w := []byte{0, 0, 0}
		w = le32(w, 0xFFFFFFF0)
		w = le32(w, 0xFFFFFFF0)
		w = le32(w, 0)
		w = le32(w, 0)
		w = le32(w, 4)
		w = le32(w, 0x1000)
		w = le32(w, 0)
		w = le32(w, 0)
		w = append(w, 0, 1, 0) // SetupCount 0, Function 1
		s.call(t, hCmdNTTransact, s.uid, s.tid, w, make([]byte, 4), statusInvalidParameter)
	})
	hs.healthy(t)
}

// TestHostileWriteAndXLength is CVE-2017-12163: a WRITE_ANDX whose
// DataLength exceeds the bytes present is refused and writes nothing.
func TestHostileWriteAndXLength(t *testing.T) {
	hs := newHostileServer(t)
	s := hs.login(t)
	fid := s.open(t, `\victim.txt`)
	const dataOff = 32 + 1 + 28 + 2 + 1 // after one pad byte
	payload := append([]byte{0}, "EVIL"...)
	for _, n := range []uint32{5, 1000, 0x10004} {
		s.call(t, hCmdWriteAndX, s.uid, s.tid, writeAndXWords(fid, n, dataOff), payload, statusInvalidParameter)
	}
	// DataOffset past the end, and one inside the parameter words.
	s.call(t, hCmdWriteAndX, s.uid, s.tid, writeAndXWords(fid, 4, 0x2000), payload, statusInvalidParameter)
	s.call(t, hCmdWriteAndX, s.uid, s.tid, writeAndXWords(fid, 4, 40), payload, statusInvalidParameter)
	got, err := afero.ReadFile(hs.fs, "/victim.txt")
	if err != nil || string(got) != hostileFileText {
		t.Fatalf("victim.txt holds %q (%v) after refused writes, want %q", got, err, hostileFileText)
	}
	// The honest write still works on the same connection.
	s.call(t, hCmdWriteAndX, s.uid, s.tid, writeAndXWords(fid, 4, dataOff), payload, statusSuccess)
	if got, _ := afero.ReadFile(hs.fs, "/victim.txt"); !bytes.HasPrefix(got, []byte("EVIL")) {
		t.Fatalf("victim.txt holds %q after an honest write", got)
	}
	hs.healthy(t)
}

// TestHostileForeignIDs: UIDs, TIDs, FIDs and search handles that belong to
// another connection, another tree or nobody get the status for that ID.
func TestHostileForeignIDs(t *testing.T) {
	hs := newHostileServer(t)
	a := hs.login(t)
	fidA := a.open(t, `\victim.txt`)
	b := hs.login(t)
	secondTID := b.treeConnect(t)

	// A client that takes NT status codes gets STATUS_INVALID_HANDLE
	// for a bad UID or TID, except on the commands Windows answers
	// with the DOS codes (dispatch.go badContext).
	t.Run("UID of nobody", func(t *testing.T) {
		b.call(t, hCmdReadAndX, b.uid+77, b.tid, readAndXWords(fidA, 4), nil, statusInvalidHandle)
		b.call(t, hCmdLogoffAndX, b.uid+77, 0, []byte{0xFF, 0, 0, 0}, nil, hStatusBadUID)
	})
	t.Run("UID of another connection", func(t *testing.T) {
		c := hs.dial(t)
		hostileWrite(t, c, negotiateRequest(1))
		expectReply(t, c, cmdNegotiate, 1)
		hostileWrite(t, c, smbRequest(hCmdReadAndX, 2, a.uid, a.tid, clientFlags2, readAndXWords(fidA, 4), nil))
		expectStatus(t, c, hCmdReadAndX, 2, hStatusBadUID)
		hostileWrite(t, c, smbRequest(hCmdLogoffAndX, 3, a.uid, 0, clientFlags2, []byte{0xFF, 0, 0, 0}, nil))
		expectStatus(t, c, hCmdLogoffAndX, 3, hStatusBadUID)
	})
	t.Run("TID of nobody", func(t *testing.T) {
		b.call(t, hCmdReadAndX, b.uid, 0x7777, readAndXWords(fidA, 4), nil, statusInvalidHandle)
		b.call(t, hCmdTreeDisconnect, b.uid, 0x7777, nil, nil, hStatusBadTID)
	})
	t.Run("FID of nobody", func(t *testing.T) {
		b.call(t, hCmdReadAndX, b.uid, b.tid, readAndXWords(0x4321, 4), nil, statusInvalidHandle)
	})
	t.Run("FID of another connection", func(t *testing.T) {
		// b has opened nothing; a's FID means nothing on b's
		// connection even where the TIDs coincide.
		b.call(t, hCmdReadAndX, b.uid, b.tid, readAndXWords(fidA, 4), nil, statusInvalidHandle)
		b.call(t, hCmdClose, b.uid, b.tid, append(le16(fidA), 0, 0, 0, 0), nil, statusInvalidHandle)
	})
	t.Run("FID of another tree", func(t *testing.T) {
		fidB := b.open(t, `\victim.txt`)
		b.call(t, hCmdReadAndX, b.uid, secondTID, readAndXWords(fidB, 4), nil, statusInvalidHandle)
		b.call(t, hCmdWriteAndX, b.uid, secondTID, writeAndXWords(fidB, 4, 32+1+28+2+1), []byte("\x00EVIL"), statusInvalidHandle)
	})
	t.Run("FID of another session", func(t *testing.T) {
		// A FID opened by one UID is not usable under another UID of
		// the same connection, as in Samba (raw.context session1).
		uid2 := b.sessionSetup(t)
		fidB := b.open(t, `\victim.txt`)
		b.call(t, hCmdReadAndX, uid2, b.tid, readAndXWords(fidB, 4), nil, statusInvalidHandle)
		b.call(t, hCmdReadAndX, b.uid, b.tid, readAndXWords(fidB, 4), nil, statusSuccess)
		// TREE_DISCONNECT needs no valid UID: a tree outlives the
		// session that connected it (raw.context tree_ulogoff).
		tid := b.treeConnect(t)
		b.call(t, hCmdTreeDisconnect, uid2+77, tid, nil, nil, statusSuccess)
	})
	t.Run("search handle of nobody", func(t *testing.T) {
		b.call(t, hCmdFindClose2, b.uid, b.tid, le16(0x5555), nil, statusInvalidHandle)
		// FIND_NEXT2 (MS-CIFS 2.2.6.3.1): SID, SearchCount, level
		// 0x104, ResumeKey, Flags, empty name.
		params := append(le16(0x5555, 10, 0x104), 0, 0, 0, 0)
		params = append(params, le16(0x0004)...)
		params = append(params, 0, 0)
		const po = 32 + 1 + 30 + 2 + 1
		b.call(t, hCmdTransaction2, b.uid, b.tid, trans2Words(uint16(len(params)), 0, uint16(len(params)), po, 0, 0, hTrans2FindNext2), append([]byte{0}, params...), statusInvalidHandle)
	})
	t.Run("UID and TID after logoff and disconnect", func(t *testing.T) {
		d := hs.login(t)
		fid := d.open(t, `\victim.txt`)
		// TREE_DISCONNECT (MS-CIFS 2.2.4.51.1), then the old TID.
		d.call(t, hCmdTreeDisconnect, d.uid, d.tid, nil, nil, statusSuccess)
		d.call(t, hCmdReadAndX, d.uid, d.tid, readAndXWords(fid, 4), nil, statusInvalidHandle)
		d.call(t, hCmdTreeDisconnect, d.uid, d.tid, nil, nil, hStatusBadTID)
		tid := d.treeConnect(t)
		d.call(t, hCmdLogoffAndX, d.uid, 0, []byte{0xFF, 0, 0, 0}, nil, statusSuccess)
		d.call(t, hCmdReadAndX, d.uid, tid, readAndXWords(fid, 4), nil, statusInvalidHandle)
		d.call(t, hCmdLogoffAndX, d.uid, 0, []byte{0xFF, 0, 0, 0}, nil, hStatusBadUID)
	})
	// a is untouched by all of it.
	a.call(t, hCmdReadAndX, a.uid, a.tid, readAndXWords(fidA, 4), nil, statusSuccess)
	if got, _ := afero.ReadFile(hs.fs, "/victim.txt"); string(got) != hostileFileText {
		t.Fatalf("victim.txt holds %q", got)
	}
	hs.healthy(t)
}

// fuzzConfig is segConfig plus a guest share "public", so that a fixed
// stream can log on (as guest: no challenge to answer) and reach the file
// commands.
func fuzzConfig() server.Config {
	cfg := segConfig()
	cfg.Shares = append(cfg.Shares, server.Share{Name: "public", Fs: afero.NewMemMapFs(), GuestOK: true})
	cfg.Logger = slog.New(slog.DiscardHandler)
	// Mutated logons fail by the thousand: without these, each would hold
	// its connection for the failure delay, and after ten 127.0.0.1 would
	// be locked out, so the fuzzer would stop reaching past the logon.
	cfg.LogonFailureDelay = -1
	cfg.LogonFailureLimit = -1
	return cfg
}

// The IDs a fresh connection's first session, tree and file get; the guest
// seed relies on them, and TestHostileGuestSeed checks it.
const (
	seedUID = 1
	seedTID = 1
	seedFID = 1
)

// guestSeed is a valid session as one stream: session request, NEGOTIATE,
// guest logon, tree connect to "public", CREATE, WRITE_ANDX, READ_ANDX,
// ECHO, CLOSE. It returns the stream and the commands of its replies.
func guestSeed() ([]byte, []byte) {
	tc := append([]byte{0}, utf16z(`\\TINYSMBD\PUBLIC`)...)
	tc = append(tc, "?????\x00"...)
	const oem = clientFlags2 &^ flags2Unicode
	const dataOff = 32 + 1 + 28 + 2 + 1
	stream := bytes.Join([][]byte{
		sessionRequest(netbiosName),
		negotiateRequest(1),
		sessionSetupRequest(2, negotiated{challenge: make([]byte, 8)}, "visitor", "x"),
		smbRequest(cmdTreeConnect, 3, seedUID, 0, clientFlags2, []byte{0xFF, 0, 0, 0, 0, 0, 1, 0}, tc),
		smbRequest(cmdCreate, 4, seedUID, seedTID, oem, le32(le16(0), 0), path(`\seed.txt`)),
		smbRequest(hCmdWriteAndX, 5, seedUID, seedTID, clientFlags2, writeAndXWords(seedFID, 5, dataOff), []byte("\x00hello")),
		smbRequest(hCmdReadAndX, 6, seedUID, seedTID, clientFlags2, readAndXWords(seedFID, 5), nil),
		echoRequest(7, []byte("ping")),
		smbRequest(hCmdClose, 8, seedUID, seedTID, clientFlags2, append(le16(seedFID), 0, 0, 0, 0), nil),
	}, nil)
	return stream, []byte{cmdNegotiate, cmdSessionSetup, cmdTreeConnect, cmdCreate, hCmdWriteAndX, hCmdReadAndX, cmdEcho, hCmdClose}
}

// TestHostileGuestSeed checks that the valid-session seed is what it
// claims: every request in it succeeds, so mutations of it reach the file
// commands.
func TestHostileGuestSeed(t *testing.T) {
	l, _ := listenDirect(t)
	startServer(t, fuzzConfig(), served{l, server.FramingNetBT})
	c := (&hostileServer{addr: l.Addr().String()}).dial(t)
	stream, cmds := guestSeed()
	hostileWrite(t, c, stream)
	expectPositiveResponse(t, c)
	// READ_ANDX and WRITE_ANDX may be answered after the requests behind
	// them (inflight.go): the MID says which reply is which.
	got := make(map[uint16]smbResponse)
	for range cmds {
		_, p, err := readFrame(c)
		if err != nil {
			t.Fatalf("after %d replies: %v", len(got), err)
		}
		r, err := parseResponse(p)
		if err != nil {
			t.Fatal(err)
		}
		got[r.mid] = r
	}
	for i, cmd := range cmds {
		r, ok := got[uint16(i+1)]
		if !ok || r.cmd != cmd || r.status != statusSuccess {
			t.Fatalf("mid %d: got %v (present %v), want a successful reply to command 0x%02x", i+1, r, ok, cmd)
		}
		if cmd == hCmdReadAndX && !bytes.Contains(r.data, []byte("hello")) {
			t.Fatalf("READ_ANDX returned % x, want the bytes written", r.data)
		}
	}
}

// hostileSeeds are the streams of the tests above, and a valid session, as
// whole connections' input.
func hostileSeeds() [][]byte {
	neg := negotiateRequest(1)
	cat := func(b ...[]byte) []byte { return bytes.Join(b, nil) }
	valid, _ := guestSeed()
	return [][]byte{
		valid,
		cat(neg, sessionSetupRequest(2, negotiated{challenge: make([]byte, 8)}, testUser, testPassword)),
		claimLength(frame(0, neg[4:]), len(neg)+100),
		claimLength(frame(0, neg[4:20]), 0x1FFFF),
		frame(0x42, []byte("junk")),
		frame(nbssRequest, []byte("\x20ABCDE")),
		frame(nbssMessage, append([]byte{0xFE, 'S', 'M', 'B', 64, 0}, make([]byte, 58)...)),
		frame(nbssMessage, []byte("GET / HTTP/1.0\r\n\r\n")),
		frame(nbssMessage, neg[4:35]),
		cat(neg, withByteCount(smbRequest(cmdEcho, 7, 0, noTID, clientFlags2, le16(1), []byte("abc")), 500)),
		cat(neg, smbRequest(cmdTreeConnect, 2, 100, 0, clientFlags2, []byte{0xFF, 0, 0, 0, 0, 0, 1, 0}, []byte{0, 0})),
		cat(neg, smbRequest(hCmdTransaction2, 2, 100, 1, clientFlags2, trans2Words(0xFFFF, 0xFFFF, 4, 0xF000, 1, 0xF000, 1), make([]byte, 5))),
		cat(neg, smbRequest(hCmdWriteAndX, 2, 100, 1, clientFlags2, writeAndXWords(1, 1000, 64), []byte("\x00EVIL"))),
	}
}

// feedConnection sends stream as a whole connection's input to addr,
// half-closes, and drains replies until the server closes or a short
// deadline passes.
func feedConnection(t testing.TB, addr string, stream []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	go func() {
		c.Write(stream)
		c.(*net.TCPConn).CloseWrite()
	}()
	io.Copy(io.Discard, c)
}

// healthyAt is hostileServer.healthy for a bare address.
func healthyAt(t testing.TB, addr string) {
	t.Helper()
	(&hostileServer{addr: addr}).healthy(t)
}

// FuzzServerConnection feeds arbitrary streams to a live server: whatever
// arrives, the server neither panics nor stops serving a fresh client.
func FuzzServerConnection(f *testing.F) {
	for _, s := range hostileSeeds() {
		f.Add(s)
	}
	l, _ := listenDirect(f)
	startServer(f, fuzzConfig(), served{l, server.FramingNetBT})
	addr := l.Addr().String()
	f.Fuzz(func(t *testing.T, stream []byte) {
		feedConnection(t, addr, stream)
		healthyAt(t, addr)
	})
}

// TestHostileSeedsNoGoroutineLeak replays the fuzz seeds against a server
// that is then shut down: every goroutine a hostile connection started must
// be gone (pion's goroutine-leak check).
func TestHostileSeedsNoGoroutineLeak(t *testing.T) {
	defer test.CheckRoutines(t)()
	addr, shutdown := serveUntilShutdown(t, fuzzConfig())
	for _, s := range hostileSeeds() {
		feedConnection(t, addr, s)
		healthyAt(t, addr)
	}
	shutdown()
}

// TestHostileSecurityBlobs: NTLMSSP with offsets beyond the blob and
// SPNEGO with an absurd ASN.1 length or nesting are STATUS_INVALID_PARAMETER
// (as Samba's gensec answers an unparsable token), the connection stays
// up, and another client is served.
func TestHostileSecurityBlobs(t *testing.T) {
	hs := newHostileServer(t)
	c := hs.dial(t)
	hostileWrite(t, c, smbRequest(cmdNegotiate, 1, 0, 0, clientFlags2|flags2ExtSec, nil, []byte("\x02NT LM 0.12\x00")))
	expectReply(t, c, cmdNegotiate, 1)

	// A raw NTLMSSP NEGOTIATE (MS-NLMP 2.2.1.1) starts the logon...
	negotiate := []byte("NTLMSSP\x00\x01\x00\x00\x00\x97\x82\x08\xe2" + "\x00\x00\x00\x00\x00\x00\x00\x00" + "\x00\x00\x00\x00\x00\x00\x00\x00")
	hostileWrite(t, c, extSecSessionSetup(2, 0, negotiate))
	r := expectStatus(t, c, cmdSessionSetup, 2, 0xC0000016) // STATUS_MORE_PROCESSING_REQUIRED
	// ...and an AUTHENTICATE whose six fields all point 4 GiB away ends it.
	auth := []byte("NTLMSSP\x00\x03\x00\x00\x00")
	for range 6 { // LM, NT, domain, user, workstation, session key
		auth = append(auth, le16(24, 24)...)
		auth = le32(auth, 0xFFFFFF00)
	}
	auth = le32(auth, 0xe2088297)
	hostileWrite(t, c, extSecSessionSetup(3, r.uid, auth))
	expectStatus(t, c, cmdSessionSetup, 3, statusInvalidParameter)

	// SPNEGO NegTokenInit claiming 4 GiB of content.
	hostileWrite(t, c, extSecSessionSetup(4, 0, []byte{0x60, 0x84, 0xFF, 0xFF, 0xFF, 0xF0, 0x06, 0x06, 0x2b, 6, 1, 5, 5, 2}))
	expectStatus(t, c, cmdSessionSetup, 4, statusInvalidParameter)

	// 200 nested indefinite-length context tags.
	nest := []byte{0x60, 0x80}
	for range 200 {
		nest = append(nest, 0xa0, 0x80)
	}
	hostileWrite(t, c, extSecSessionSetup(5, 0, nest))
	expectStatus(t, c, cmdSessionSetup, 5, statusInvalidParameter)
	hs.healthy(t)
}

// TestHostileFEALists: an SMB_FEA_LIST whose SizeOfListInBytes lies
// (larger than the data, or smaller than itself) is STATUS_INVALID_PARAMETER
// for SET_PATH_INFORMATION level SMB_INFO_SET_EAS and for
// TRANS2_CREATE_DIRECTORY, which then creates nothing (MS-CIFS 2.2.1.2.2).
func TestHostileFEALists(t *testing.T) {
	hs := newHostileServer(t)
	s := hs.login(t)
	s.tid = s.treeConnect(t)
	lies := [][]byte{
		le32(nil, 0x7FFFFFF0),                               // 2 GiB claimed, 4 bytes sent
		append(le32(nil, 2), 0, 0, 0, 0),                    // shorter than its own size field
		append(le32(nil, 64), 0, 2, 1, 0, 'E', 'A', 0, 'x'), // 64 claimed, 12 sent
	}
	setEAs := append(le16(2), 0, 0, 0, 0) // InformationLevel SMB_INFO_SET_EAS, Reserved
	setEAs = append(setEAs, utf16z(`\f.txt`)...)
	mkdir := append(le32(nil, 0), utf16z(`\EADIR`)...)
	for _, list := range lies {
		w, d := trans2(0x0006, setEAs, list) // TRANS2_SET_PATH_INFORMATION
		s.call(t, hCmdTransaction2, s.uid, s.tid, w, d, statusInvalidParameter)
		w, d = trans2(0x000D, mkdir, list) // TRANS2_CREATE_DIRECTORY
		s.call(t, hCmdTransaction2, s.uid, s.tid, w, d, statusInvalidParameter)
	}
	if _, err := hs.fs.Stat("/EADIR"); err == nil {
		t.Error("TRANS2_CREATE_DIRECTORY with a lying EA list created the directory")
	}
	hs.healthy(t)
}

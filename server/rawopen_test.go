//go:build !tinysmbd_nocore

package server_test

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"

	"github.com/tinysmbd/tinysmbd/smb/ntlm"
)

const (
	rawCmdOpenAndX = 0x2D
	// statusMoreProcessing is STATUS_MORE_PROCESSING_REQUIRED.
	statusMoreProcessing = 0xC0000016
)

// negotiateExtSecRequest offers NT LM 0.12 with extended security.
func negotiateExtSecRequest(mid uint16) []byte {
	return smbRequest(cmdNegotiate, mid, 0, 0, clientFlags2|flags2ExtSec, nil, []byte("\x02NT LM 0.12\x00"))
}

// sessionSetupBlobRequest is the 12-word extended-security
// SESSION_SETUP_ANDX (MS-SMB 2.2.4.6.1) carrying a raw NTLMSSP token, OEM
// strings: no follower, MaxBufferSize 0xFFFF, MaxMpxCount 2, VcNumber 1,
// SessionKey 0, SecurityBlobLength, Reserved, Capabilities (Unicode, large
// files, NT SMBs, NT status, extended security); then the blob and empty
// NativeOS and NativeLanMan.
func sessionSetupBlobRequest(mid, uid uint16, blob []byte) []byte {
	w := []byte{0xFF, 0, 0, 0}
	w = append(w, le16(0xFFFF, 2, 1, 0, 0, uint16(len(blob)), 0, 0)...)
	w = binary.LittleEndian.AppendUint32(w, capUnicode|capLargeFiles|capNTSMBs|capStatus32|0x80000000)
	data := append(append([]byte(nil), blob...), 0, 0)
	return smbRequest(cmdSessionSetup, mid, uid, 0, (clientFlags2|flags2ExtSec)&^flags2Unicode, w, data)
}

// ntlmsspLogon logs on as testUser with raw NTLMSSP (MS-NLMP 3.1.5.1),
// using MIDs mid and mid+1, naming uid in the first leg, and returns the
// UID the server answers.
func ntlmsspLogon(t *testing.T, c net.Conn, mid, uid uint16) uint16 {
	t.Helper()
	return ntlmsspLogonAs(t, c, mid, uid, testUser, testPassword)
}

// ntlmsspLogonAs is ntlmsspLogon as user with password.
func ntlmsspLogonAs(t *testing.T, c net.Conn, mid, uid uint16, user, password string) uint16 {
	t.Helper()
	neg := ntlm.AppendNegotiate(nil, ntlm.NegotiateUnicode|ntlm.NegotiateNTLM|ntlm.RequestTarget|ntlm.NegotiateExtendedSessionSecurity|ntlm.NegotiateTargetInfo|ntlm.Negotiate128, "", "")
	hostileWrite(t, c, sessionSetupBlobRequest(mid, uid, neg))
	r := expectStatus(t, c, cmdSessionSetup, mid, statusMoreProcessing)
	// MS-SMB 2.2.4.6.2: SecurityBlobLength is word 3; the blob starts
	// the data.
	n := binary.LittleEndian.Uint16(r.words[6:])
	chal, err := ntlm.ParseChallenge(r.data[:n])
	if err != nil {
		t.Fatalf("CHALLENGE: %v", err)
	}
	var hash [16]byte
	copy(hash[:], ntHashOf(password))
	auth, _ := ntlm.AppendClientAuthenticate(nil, neg, chal, ntlm.ClientParams{User: user, Domain: sessionSetupDomain, NTHash: hash, ClientChallenge: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}})
	hostileWrite(t, c, sessionSetupBlobRequest(mid+1, r.uid, auth))
	return expectStatus(t, c, cmdSessionSetup, mid+1, statusSuccess).uid
}

// ntlmNegotiateToken is a minimal NTLMSSP NEGOTIATE_MESSAGE.
func ntlmNegotiateToken() []byte {
	return ntlm.AppendNegotiate(nil, ntlm.NegotiateUnicode|ntlm.NegotiateNTLM, "", "")
}

// Behaviours smbtorture's raw.open, raw.context and raw.session check, each
// with the exact request bytes a client sends.

// TestChainedOpenUsesItsFID: the READ_ANDX of an OPEN_ANDX+READ_ANDX chain
// reads the file the OPEN_ANDX opened whatever its FID field says, as
// smbtorture's chained-openx sends it (FID 0).
func TestChainedOpenUsesItsFID(t *testing.T) {
	hs := newHostileServer(t)
	s := hs.login(t)
	// OPEN_ANDX (MS-CIFS 2.2.4.41.1), 15 words: READ_ANDX follows at
	// offset 32+1+30+2+len(name) = 77; Flags 0; AccessMode read/write
	// DENY_NONE; no search or file attributes; no time; OpenMode
	// "open if it exists"; no allocation, timeout or reserved bits.
	name := []byte("\\victim.txt\x00")
	follower := uint16(32 + 1 + 30 + 2 + len(name))
	words := []byte{0x2E, 0}
	words = append(words, le16(follower, 0, 0x42, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0)...)
	m := smbRequest(rawCmdOpenAndX, 9, s.uid, s.tid, clientFlags2&^flags2Unicode, words, name)[4:]
	// READ_ANDX (MS-CIFS 2.2.4.42.1), 10 words: no follower, FID 0,
	// offset 0, 4 bytes, no timeout, nothing remaining; ByteCount 0.
	m = append(m, 10, 0xFF, 0, 0, 0,
		0, 0, // FID
		0, 0, 0, 0, // Offset
		4, 0, 4, 0, // MaxCountOfBytesToReturn, MinCountOfBytesToReturn
		0, 0, 0, 0, // Timeout
		0, 0, // Remaining
		0, 0) // ByteCount
	hostileWrite(t, s.c, frame(nbssMessage, m))
	typ, p, err := readFrame(s.c)
	if err != nil || typ != nbssMessage {
		t.Fatalf("reply: type 0x%02x, %v", typ, err)
	}
	r, err := parseResponse(p)
	if err != nil || r.status != statusSuccess {
		t.Fatalf("OPEN_ANDX+READ_ANDX: %v (%v)", r, err)
	}
	if !bytes.HasSuffix(p, []byte(hostileFileText[:4])) {
		t.Fatalf("chained READ_ANDX returned % x, want the file's first 4 bytes %q", p[len(p)-8:], hostileFileText[:4])
	}
	fid := binary.LittleEndian.Uint16(r.words[4:])
	s.call(t, hCmdClose, s.uid, s.tid, append(le16(fid), 0, 0, 0, 0), nil, statusSuccess)
	// Outside a chain, FID 0 is nobody's.
	s.call(t, hCmdReadAndX, s.uid, s.tid, readAndXWords(0, 4), nil, statusInvalidHandle)
}

// TestSessionSetupUIDs: a non-extended logon ignores the UID field, and an
// NTLMSSP logon naming a UID the connection does not know is refused with
// ERRSRV/ERRbaduid (raw.context session1); naming a logged-on UID
// re-authenticates that session and keeps the UID (raw.session reauth1).
func TestSessionSetupUIDs(t *testing.T) {
	hs := newHostileServer(t)
	c := hs.dial(t)
	hostileWrite(t, c, negotiateExtSecRequest(1))
	expectReply(t, c, cmdNegotiate, 1)
	uid := ntlmsspLogon(t, c, 2, 0)
	if uid == 0 {
		t.Fatal("logon gave UID 0")
	}
	// An unknown UID: refused before any NTLMSSP token is looked at.
	hostileWrite(t, c, sessionSetupBlobRequest(4, uid+5, ntlmNegotiateToken()))
	expectStatus(t, c, cmdSessionSetup, 4, hStatusBadUID)
	// The logged-on UID again: the same session, same UID.
	if got := ntlmsspLogon(t, c, 5, uid); got != uid {
		t.Fatalf("re-authentication of UID %d answered UID %d", uid, got)
	}
	// The session still works: a tree connect under it succeeds.
	data := append([]byte{0}, utf16z(`\\TINYSMBD\SHARE`)...)
	data = append(data, "?????\x00"...)
	hostileWrite(t, c, smbRequest(cmdTreeConnect, 7, uid, 0, clientFlags2|flags2ExtSec, []byte{0xFF, 0, 0, 0, 0, 0, 1, 0}, data))
	expectReply(t, c, cmdTreeConnect, 7)
}

// TestQueryPathInfoNameAsStored: QUERY_PATH_INFORMATION reports the name
// as the file system spells it, not as the request did (smbtorture
// raw.rename osxrename tells a case-only rename from a clash by it).
func TestQueryPathInfoNameAsStored(t *testing.T) {
	hs := newHostileServer(t)
	s := hs.login(t)
	// TRANSACTION2 QUERY_PATH_INFORMATION (MS-CIFS 2.2.6.6.1): one pad
	// byte so the parameters start at 66; InformationLevel
	// SMB_QUERY_FILE_NAME_INFO (0x0104), Reserved, Unicode FileName.
	params := append(le16(0x0104, 0, 0), utf16z(`\VICTIM.TXT`)...)
	const po = 32 + 1 + 30 + 2 + 1
	r := s.call(t, hCmdTransaction2, s.uid, s.tid, trans2Words(uint16(len(params)), 0, uint16(len(params)), po, 0, 0, 0x0005), append([]byte{0}, params...), statusSuccess)
	// MS-CIFS 2.2.4.46.2: DataCount is word 6, DataOffset word 7.
	dc, do := binary.LittleEndian.Uint16(r.words[12:]), int(binary.LittleEndian.Uint16(r.words[14:]))
	data := r.data[do-(35+len(r.words)):][:dc]
	want := append([]byte{22, 0, 0, 0}, utf16z(`\victim.txt`)[:22]...)
	if !bytes.Equal(data, want) {
		t.Fatalf("FILE_NAME_INFO % x, want % x", data, want)
	}
}

// TestNTTransactRename: NT_TRANSACT_RENAME succeeds on an open FID and
// renames nothing, as Windows Server 2003 and Samba answer it.
func TestNTTransactRename(t *testing.T) {
	hs := newHostileServer(t)
	s := hs.login(t)
	fid := s.open(t, `\victim.txt`)
	// Parameters: FID, Flags 0, Unicode new name.
	params := append(le16(fid, 0), utf16z(`\renamed.txt`)...)
	s.mid++
	hostileWrite(t, s.c, ntTransactRequest(s.mid, s.uid, s.tid, 0x0005, params, nil))
	expectStatus(t, s.c, hCmdNTTransact, s.mid, statusSuccess)
	if got := s.readClose(t, fid); string(got) != hostileFileText {
		t.Fatalf("victim.txt reads %q after NT_TRANSACT_RENAME", got)
	}
	s.ntCreate(t, `\renamed.txt`, 0x80, 1, statusNameNotFound)
	// A FID nobody opened is refused.
	params = append(le16(0x4321, 0), utf16z(`\renamed.txt`)...)
	s.mid++
	hostileWrite(t, s.c, ntTransactRequest(s.mid, s.uid, s.tid, 0x0005, params, nil))
	expectStatus(t, s.c, hCmdNTTransact, s.mid, statusInvalidHandle)
}

// TestDOSAttributesKept: HIDDEN, SYSTEM and a cleared ARCHIVE, which a Unix
// file system cannot hold, are reported as a client set them (raw.open
// mknew and create, raw.unlink, raw.sfileinfo archive).
func TestDOSAttributesKept(t *testing.T) {
	hs := newHostileServer(t)
	s := hs.login(t)
	queryAttrs := func(name string) uint16 {
		// QUERY_INFORMATION (MS-CIFS 2.2.4.9.2): FileAttributes is word 0.
		r := s.oemCall(t, 0x08, nil, path(name), statusSuccess)
		return binary.LittleEndian.Uint16(r.words)
	}
	// CREATE_NEW (MS-CIFS 2.2.4.16.1): FileAttributes HIDDEN, no time.
	r := s.oemCall(t, 0x0F, le16(0x0002, 0, 0), path(`\hid.txt`), statusSuccess)
	fid := binary.LittleEndian.Uint16(r.words)
	s.call(t, hCmdClose, s.uid, s.tid, append(le16(fid), 0, 0, 0, 0), nil, statusSuccess)
	if a := queryAttrs(`\hid.txt`); a != 0x0022 {
		t.Fatalf("created HIDDEN: attributes 0x%04x, want HIDDEN|ARCHIVE 0x0022", a)
	}
	// DELETE (MS-CIFS 2.2.4.7.1) with SearchAttributes 0 does not see a
	// hidden file.
	s.oemCall(t, 0x06, le16(0), path(`\hid.txt`), statusNoSuchFile)
	// SET_INFORMATION (MS-CIFS 2.2.4.10.1): NORMAL, no time, 5 reserved
	// words; ARCHIVE cleared stays cleared.
	s.oemCall(t, 0x09, le16(0x0080, 0, 0, 0, 0, 0, 0, 0), path(`\hid.txt`), statusSuccess)
	if a := queryAttrs(`\hid.txt`); a != 0x0080 {
		t.Fatalf("set NORMAL: attributes 0x%04x, want 0x0080", a)
	}
	s.oemCall(t, 0x09, le16(0x0004, 0, 0, 0, 0, 0, 0, 0), path(`\hid.txt`), statusSuccess)
	// A rename takes the attributes along, a delete forgets them.
	s.oemCall(t, 0x07, le16(0x0006), append(path(`\hid.txt`), path(`\sys.txt`)...), statusSuccess)
	if a := queryAttrs(`\sys.txt`); a != 0x0004 {
		t.Fatalf("renamed SYSTEM file: attributes 0x%04x, want 0x0004", a)
	}
	s.oemCall(t, 0x06, le16(0x0006), path(`\sys.txt`), statusSuccess)
	r = s.oemCall(t, 0x0F, le16(0, 0, 0), path(`\sys.txt`), statusSuccess)
	s.call(t, hCmdClose, s.uid, s.tid, append(le16(binary.LittleEndian.Uint16(r.words)), 0, 0, 0, 0), nil, statusSuccess)
	if a := queryAttrs(`\sys.txt`); a != 0x0020 {
		t.Fatalf("recreated file: attributes 0x%04x, want ARCHIVE 0x0020", a)
	}
}

// openAndXWords is a 15-word OPEN_ANDX (MS-CIFS 2.2.4.41.1) without a
// follower: Flags, AccessMode, no search or file attributes, no time,
// OpenMode, AllocationSize, no timeout.
func openAndXWords(flags, access, openMode uint16, alloc uint32) []byte {
	w := []byte{0xFF, 0, 0, 0}
	w = append(w, le16(flags, access, 0, 0, 0, 0, openMode)...)
	w = binary.LittleEndian.AppendUint32(w, alloc)
	return append(w, make([]byte, 8)...)
}

// TestOpenAndXSamba: OPEN_ANDX answers as Samba does where smbtorture
// raw.open openx looks: an OpenMode that fails without creating is
// ERRDOS/ERRbadaccess unless the open is for execute, which creates;
// AllocationSize sizes a created file; the extended response reports
// SEC_STD_ALL.
func TestOpenAndXSamba(t *testing.T) {
	hs := newHostileServer(t)
	s := hs.login(t)
	const statusBadAccess = 0x000C0001
	s.oemCall(t, rawCmdOpenAndX, openAndXWords(0, 0x42, 0x0000, 0), []byte(`\x.txt`+"\x00"), statusBadAccess)
	r := s.oemCall(t, rawCmdOpenAndX, openAndXWords(0, 0x43, 0x0000, 0), []byte(`\x.exe`+"\x00"), statusSuccess)
	s.call(t, hCmdClose, s.uid, s.tid, append(r.words[4:6], 0, 0, 0, 0), nil, statusSuccess)
	// Flags: extended response (0x10); create, fail if it exists.
	r = s.oemCall(t, rawCmdOpenAndX, openAndXWords(0x10, 0x42, 0x0010, 1000), []byte(`\big.txt`+"\x00"), statusSuccess)
	// MS-CIFS 2.2.4.41.2: FileDataSize at byte 12 of the words, OpenResults
	// at 22; MS-SMB 2.2.4.1.2: MaximalAccessRights at 30.
	if n := binary.LittleEndian.Uint32(r.words[12:]); n != 1000 {
		t.Errorf("FileDataSize %d, want the AllocationSize 1000", n)
	}
	if res := binary.LittleEndian.Uint16(r.words[22:]); res != 2 {
		t.Errorf("OpenResults %d, want 2 (created)", res)
	}
	if len(r.words) != 38 || !bytes.Equal(r.words[30:], []byte{0, 0, 0x1F, 0, 0, 0, 0, 0}) {
		t.Errorf("extended words % x, want MaximalAccessRights 0x001F0000 and no guest rights", r.words[30:])
	}
}

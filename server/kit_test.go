package server_test

// The raw SMB1 client of the server's tests: request builders, a reader of
// transport packets and replies, and the checks on them. Tests that drive
// the server byte by byte (segmentation, hostile input, the commands one by
// one) build their requests here and start servers with kitserver_test.go.
//
// The client is deliberately independent of packages smb, smb/ntlm and
// netbt: it checks the server against the specs, not against code it shares.

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4"
)

// SMB1 command codes (MS-CIFS 2.2.2.1), one name each.
const (
	bCmdCreateDirectory = 0x00
	cmdOpen             = 0x02
	hCmdClose           = 0x04
	cmdDelete           = 0x06
	bCmdSetInformation  = 0x09
	cmdSeek             = 0x12
	ipcCmdTrans         = 0x25
	hCmdTransSecondary  = 0x26
	cmdEcho             = 0x2B
	hCmdReadAndX        = 0x2E
	hCmdWriteAndX       = 0x2F
	hCmdTransaction2    = 0x32
	hCmdTrans2Secondary = 0x33
	hCmdFindClose2      = 0x34
	hCmdTreeDisconnect  = 0x71
	cmdNegotiate        = 0x72
	cmdSessionSetup     = 0x73
	hCmdLogoffAndX      = 0x74
	cmdTreeConnect      = 0x75
	hCmdNTTransact      = 0xA0
	benchCmdNTCreate    = 0xA2

	hTrans2FindNext2 = 0x0002
)

// Statuses (MS-ERREF 2.3). The DOS-only ones are ErrorCode<<16 |
// ErrorClass ERRSRV (MS-CIFS 2.2.2.4), sent with FLAGS2_NT_STATUS cleared.
const (
	statusSuccess               = 0
	statusInvalidHandle         = 0xC0000008
	statusInvalidParameter      = 0xC000000D
	statusAccessDenied          = 0xC0000022
	statusNameNotFound          = 0xC0000034
	statusPathNotFound          = 0xC000003A
	statusLogonFailure          = 0xC000006D
	statusNotSupp               = 0xC00000BB
	statusInsuffServerResources = 0xC0000205

	hStatusInvalidSMB   = 0x00010002
	hStatusBadTID       = 0x00050002
	statusSMBBadCommand = 0x00160002 // what a command the server lacks gets
	hStatusBadUID       = 0x005B0002
)

// Header flags and capabilities (MS-CIFS 2.2.3.1, 2.2.4.52.2).
const (
	flagsReply      = 0x80
	flags2LongNames = 0x0001
	flags2ExtSec    = 0x0800 // FLAGS2_EXTENDED_SECURITY (MS-SMB 2.2.3.1)
	flags2NTStatus  = 0x4000
	flags2Unicode   = 0x8000
	capUnicode      = 0x00000004
	capLargeFiles   = 0x00000008
	capNTSMBs       = 0x00000010
	capStatus32     = 0x00000040
	capExtendedSec  = 0x80000000
)

// NetBT session packet types (RFC 1002 4.3.1).
const (
	nbssMessage   = 0x00
	nbssRequest   = 0x81
	nbssPositive  = 0x82
	nbssKeepalive = 0x85
)

const (
	testPID = 0xFEFF
	noTID   = 0xFFFF
	// clientFlags2 leaves out FLAGS2_EXTENDED_SECURITY on purpose: the
	// NEGOTIATE response then carries an 8-byte challenge, and the logon is a
	// plain NTLMv2 SESSION_SETUP_ANDX without NTLMSSP/SPNEGO.
	clientFlags2       = flags2Unicode | flags2NTStatus | flags2LongNames
	sessionSetupDomain = "WORKGROUP"
)

// frame prefixes an SMB message with its 4-byte transport header. For
// messages under 64 KiB, NetBT (type 0, flags 0, 16-bit length; RFC 1002
// 4.3.1) and direct TCP (zero byte, 24-bit length; MS-SMB 2.1) agree.
func frame(typ byte, payload []byte) []byte {
	b := make([]byte, 4, 4+len(payload))
	b[0] = typ
	b[1] = byte(len(payload) >> 16)
	binary.BigEndian.PutUint16(b[2:], uint16(len(payload)))
	return append(b, payload...)
}

// claimLength makes the header of the transport packet p claim n bytes,
// whatever follows it; NetBT lengths up to 17 bits use the E flag (RFC 1002
// 4.3.1).
func claimLength(p []byte, n int) []byte {
	p[1] = byte(n >> 16 & 1)
	binary.BigEndian.PutUint16(p[2:], uint16(n))
	return p
}

// smbRequest builds one framed SMB1 request (MS-CIFS 2.2.3.1).
func smbRequest(cmd byte, mid, uid, tid uint16, flags2 uint16, words, data []byte) []byte {
	if len(words)%2 != 0 {
		panic("odd parameter block")
	}
	m := make([]byte, 0, 32+1+len(words)+2+len(data))
	m = append(m, 0xFF, 'S', 'M', 'B', cmd)
	m = append(m, 0, 0, 0, 0) // status
	m = append(m, 0x18)       // flags: case-insensitive, canonicalized paths
	m = binary.LittleEndian.AppendUint16(m, flags2)
	m = append(m, 0, 0)               // PIDHigh
	m = append(m, make([]byte, 8)...) // SecurityFeatures
	m = append(m, 0, 0)               // Reserved
	m = binary.LittleEndian.AppendUint16(m, tid)
	m = binary.LittleEndian.AppendUint16(m, testPID)
	m = binary.LittleEndian.AppendUint16(m, uid)
	m = binary.LittleEndian.AppendUint16(m, mid)
	m = append(m, byte(len(words)/2))
	m = append(m, words...)
	m = binary.LittleEndian.AppendUint16(m, uint16(len(data)))
	m = append(m, data...)
	return frame(nbssMessage, m)
}

// withByteCount makes the framed request m claim bc bytes of data,
// whatever it carries.
func withByteCount(m []byte, bc uint16) []byte {
	wc := int(m[4+32])
	binary.LittleEndian.PutUint16(m[4+33+2*wc:], bc)
	return m
}

// le16 is v in little-endian order, as request words are.
func le16(v ...uint16) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint16(b, x)
	}
	return b
}

// le32 appends v to b in little-endian order.
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }

func utf16z(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return append(b, 0, 0)
}

// path is an OEM SMB_STRING: buffer format 0x04 and a null-terminated name.
func path(name string) []byte { return append(append([]byte{4}, name...), 0) }

// negotiateRequest offers only "NT LM 0.12", without extended security, so
// that the server sends an 8-byte challenge for a plain NTLMv2 logon.
func negotiateRequest(mid uint16) []byte {
	return smbRequest(cmdNegotiate, mid, 0, 0, clientFlags2, nil, []byte("\x02NT LM 0.12\x00"))
}

// echoRequest asks for one echo of data (MS-CIFS 2.2.4.39.1).
func echoRequest(mid uint16, data []byte) []byte {
	return smbRequest(cmdEcho, mid, 0, noTID, clientFlags2, []byte{1, 0}, data)
}

// echoPayload is distinct per MID, so a reply paired with the wrong request
// shows.
func echoPayload(mid uint16, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(int(mid)*7 + i)
	}
	return b
}

func hmacMD5(key []byte, parts ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// ntowfv2 is MS-NLMP 3.3.2's NTOWFv2: HMAC_MD5(MD4(UNICODE(password)),
// UNICODE(Uppercase(user) || domain)).
func ntowfv2(password, user, domain string) []byte {
	h := md4.New()
	pw := utf16z(password)
	h.Write(pw[:len(pw)-2])
	ud := utf16z(strings.ToUpper(user) + domain)
	return hmacMD5(h.Sum(nil), ud[:len(ud)-2])
}

// sessionSetupRequest builds a non-extended-security SESSION_SETUP_ANDX
// (MS-CIFS 2.2.4.53.1) carrying LMv2 and NTLMv2 responses (MS-NLMP 3.3.2)
// to the 8-byte challenge from NEGOTIATE.
func sessionSetupRequest(mid uint16, neg negotiated, user, password string) []byte {
	key := ntowfv2(password, user, sessionSetupDomain)
	var cc1, cc2 [8]byte
	rand.Read(cc1[:])
	rand.Read(cc2[:])
	lm := append(hmacMD5(key, neg.challenge, cc2[:]), cc2[:]...)
	ft := uint64(time.Now().UnixNano()/100) + 116444736000000000
	blob := []byte{1, 1, 0, 0, 0, 0, 0, 0}
	blob = binary.LittleEndian.AppendUint64(blob, ft)
	blob = append(blob, cc1[:]...)
	blob = append(blob, 0, 0, 0, 0) // Reserved3
	blob = append(blob, 0, 0, 0, 0) // AV pairs: MsvAvEOL only
	blob = append(blob, 0, 0, 0, 0)
	nt := append(hmacMD5(key, neg.challenge, blob), blob...)
	return sessionSetupResponses(mid, neg, user, lm, nt)
}

// sessionSetupResponses builds a non-extended-security SESSION_SETUP_ANDX
// carrying the given LM (OEM) and NT (Unicode) password responses.
func sessionSetupResponses(mid uint16, neg negotiated, user string, lm, nt []byte) []byte {
	var w []byte
	w = append(w, 0xFF, 0, 0, 0)                    // no AndX follower
	w = binary.LittleEndian.AppendUint16(w, 0xFFFF) // MaxBufferSize
	w = binary.LittleEndian.AppendUint16(w, 2)      // MaxMpxCount
	w = binary.LittleEndian.AppendUint16(w, 1)      // VcNumber
	w = binary.LittleEndian.AppendUint32(w, neg.sessionKey)
	w = binary.LittleEndian.AppendUint16(w, uint16(len(lm)))
	w = binary.LittleEndian.AppendUint16(w, uint16(len(nt)))
	w = binary.LittleEndian.AppendUint32(w, 0)
	w = binary.LittleEndian.AppendUint32(w, capUnicode|capLargeFiles|capNTSMBs|capStatus32)

	d := append(append([]byte{}, lm...), nt...)
	// MS-CIFS 2.2.4.53.1: Pad aligns the Unicode strings to 2 bytes from the
	// start of the SMB header.
	if (32+1+len(w)+2+len(d))%2 != 0 {
		d = append(d, 0)
	}
	d = append(d, utf16z(user)...)
	d = append(d, utf16z(sessionSetupDomain)...)
	d = append(d, utf16z("Go")...)
	d = append(d, utf16z("tinysmbd segmentation test")...)
	return smbRequest(cmdSessionSetup, mid, 0, 0, clientFlags2, w, d)
}

// sessionRequest builds a NetBT session request (RFC 1002 4.3.2) calling
// name with suffix 0x20 from "SEGTEST".
func sessionRequest(name string) []byte {
	enc := func(name string, suffix byte) []byte {
		var raw [16]byte
		copy(raw[:], strings.ToUpper(name)+strings.Repeat(" ", 15))
		raw[15] = suffix
		b := []byte{32}
		for _, c := range raw {
			b = append(b, 'A'+c>>4, 'A'+c&0x0F)
		}
		return append(b, 0)
	}
	return frame(nbssRequest, append(enc(name, 0x20), enc("SEGTEST", 0)...))
}

// extSecSessionSetup is a 12-word extended-security SESSION_SETUP_ANDX
// (MS-SMB 2.2.4.6.1) carrying blob.
func extSecSessionSetup(mid, uid uint16, blob []byte) []byte {
	w := []byte{0xFF, 0, 0, 0}
	w = append(w, le16(0xFFFF, 2, 0)...)
	w = le32(w, 0) // SessionKey
	w = append(w, le16(uint16(len(blob)))...)
	w = le32(w, 0)
	// Capabilities: extended security, NT status, NT SMBs, large files,
	// Unicode.
	w = le32(w, 0x80000000|0x40|0x10|0x8|0x4)
	d := append(append([]byte{}, blob...), 0)
	d = append(d, utf16z("Unix")...)
	d = append(d, utf16z("hostile")...)
	return smbRequest(cmdSessionSetup, mid, uid, 0, clientFlags2|flags2ExtSec, w, d)
}

// treeConnectAndXRequest builds a TREE_CONNECT_ANDX under user-level
// security (MS-CIFS 2.2.4.55.1): a one-byte empty password, the Unicode
// path and the OEM service "?????" (any type).
func treeConnectAndXRequest(mid, uid uint16, path string) []byte {
	w := []byte{0xFF, 0, 0, 0, 0, 0, 1, 0} // no AndX; Flags 0; PasswordLength 1
	// The data block starts at 32+1+8+2 = 43; after the password byte the
	// path is at 44, already 2-aligned.
	d := append([]byte{0}, utf16z(path)...)
	d = append(d, "?????\x00"...)
	return smbRequest(cmdTreeConnect, mid, uid, noTID, clientFlags2, w, d)
}

// ntCreateAndXRequest opens an existing file for reading and writing
// (MS-CIFS 2.2.4.64.1).
func ntCreateAndXRequest(mid, uid, tid uint16, name string) []byte {
	return ntCreateRequest(mid, uid, tid, name, 0x0012019F, 1, 0x40) // FILE_GENERIC_READ|WRITE, FILE_OPEN, FILE_NON_DIRECTORY_FILE
}

// ntCreateRequest is an NT_CREATE_ANDX (MS-CIFS 2.2.4.64.1) with the given
// DesiredAccess, CreateDisposition and CreateOptions and a Unicode name.
func ntCreateRequest(mid, uid, tid uint16, name string, access, disposition, options uint32) []byte {
	w, d := ntCreateBlock(name, access, disposition, options)
	return smbRequest(benchCmdNTCreate, mid, uid, tid, clientFlags2, w, d)
}

// ntCreateBlock is ntCreateRequest's words and data.
func ntCreateBlock(name string, access, disposition, options uint32) (words, data []byte) {
	n := utf16z(name)
	w := []byte{0xFF, 0, 0, 0, 0} // no AndX; Reserved
	w = binary.LittleEndian.AppendUint16(w, uint16(len(n)))
	w = binary.LittleEndian.AppendUint32(w, 0)           // Flags
	w = binary.LittleEndian.AppendUint32(w, 0)           // RootDirectoryFID
	w = binary.LittleEndian.AppendUint32(w, access)      // DesiredAccess
	w = binary.LittleEndian.AppendUint64(w, 0)           // AllocationSize
	w = binary.LittleEndian.AppendUint32(w, 0x80)        // ATTR_NORMAL
	w = binary.LittleEndian.AppendUint32(w, 7)           // share read, write, delete
	w = binary.LittleEndian.AppendUint32(w, disposition) // CreateDisposition
	w = binary.LittleEndian.AppendUint32(w, options)     // CreateOptions
	w = binary.LittleEndian.AppendUint32(w, 2)           // SECURITY_IMPERSONATION
	w = append(w, 0)                                     // SecurityFlags
	// The data block starts at 32+1+48+2 = 83: one pad byte aligns the
	// Unicode name.
	return w, append([]byte{0}, n...)
}

// readAndXRequest asks for n bytes at off (MS-SMB 2.2.4.2.1, WordCount 12):
// readAndXWords with the high bits of the offset and count.
func readAndXRequest(mid, uid, tid, fid uint16, off uint64, n int) []byte {
	w := readAndXWords(fid, uint16(n))
	binary.LittleEndian.PutUint32(w[6:], uint32(off))
	binary.LittleEndian.PutUint32(w[14:], uint32(n>>16)) // MaxCountHigh
	binary.LittleEndian.PutUint32(w[20:], uint32(off>>32))
	return smbRequest(hCmdReadAndX, mid, uid, tid, clientFlags2, w, nil)
}

// writeAndXRequest writes data at off (MS-SMB 2.2.4.3.1, WordCount 14). The
// data block starts at 32+1+28+2 = 63; one pad byte puts the payload at
// writeAndXDataOff.
func writeAndXRequest(mid, uid, tid, fid uint16, off uint64, data []byte) []byte {
	w := writeAndXWords(fid, uint32(len(data)), writeAndXDataOff)
	binary.LittleEndian.PutUint32(w[6:], uint32(off))
	binary.LittleEndian.PutUint32(w[24:], uint32(off>>32))
	return smbRequest(hCmdWriteAndX, mid, uid, tid, clientFlags2, w, append([]byte{0}, data...))
}

// writeAndXDataOff is where writeAndXRequest puts the data, counted from
// the SMB header.
const writeAndXDataOff = 32 + 1 + 28 + 2 + 1

// readAndXWords is a 12-word READ_ANDX (MS-CIFS 2.2.4.42.1) without a
// follower.
func readAndXWords(fid uint16, n uint16) []byte {
	w := []byte{0xFF, 0, 0, 0}
	w = append(w, le16(fid)...)
	w = le32(w, 0)
	w = append(w, le16(n, n)...)
	w = le32(w, 0)
	w = append(w, le16(0)...)
	return le32(w, 0)
}

// writeAndXWords is a 14-word WRITE_ANDX (MS-CIFS 2.2.4.43.1) whose data
// starts at dataOff from the header and claims length (high:low) bytes.
func writeAndXWords(fid uint16, length uint32, dataOff uint16) []byte {
	w := []byte{0xFF, 0, 0, 0}
	w = append(w, le16(fid)...)
	w = le32(w, 0)               // Offset
	w = le32(w, 0)               // Timeout
	w = append(w, le16(0, 0)...) // WriteMode, Remaining
	w = append(w, le16(uint16(length>>16), uint16(length), dataOff)...)
	return le32(w, 0) // OffsetHigh
}

// trans2Words is a TRANSACTION2 primary's 15 words (MS-CIFS 2.2.4.46.1)
// with one setup word.
func trans2Words(totalP, totalD, pc, po, dc, do, setup uint16) []byte {
	w := le16(totalP, totalD, 64, 4096)
	w = append(w, 0, 0)       // MaxSetupCount, Reserved1
	w = append(w, le16(0)...) // Flags
	w = le32(w, 0)            // Timeout
	w = append(w, le16(0)...) // Reserved2
	w = append(w, le16(pc, po, dc, do)...)
	w = append(w, 1, 0) // SetupCount, Reserved3
	return append(w, le16(setup)...)
}

// trans2 builds the words and data of a TRANSACTION2 primary with one setup
// word, its parameters at a 4-byte aligned offset (MS-CIFS 2.2.4.46.1),
// and a MaxDataCount of 1024.
func trans2(sub uint16, params, data []byte) (words, d []byte) {
	const wc = 15
	off := 32 + 1 + 2*wc + 2
	pad := (4 - off%4) % 4
	pOff := off + pad
	dOff := pOff + len(params)
	w := trans2Words(uint16(len(params)), uint16(len(data)), uint16(len(params)), uint16(pOff), uint16(len(data)), uint16(dOff), sub)
	binary.LittleEndian.PutUint16(w[6:], 1024) // MaxDataCount
	d = append(make([]byte, pad), params...)
	return w, append(d, data...)
}

// smbResponse is a parsed SMB1 response.
type smbResponse struct {
	cmd    byte
	status uint32
	flags  byte
	flags2 uint16
	tid    uint16
	uid    uint16
	mid    uint16
	words  []byte
	data   []byte
}

func (r smbResponse) String() string {
	return fmt.Sprintf("cmd 0x%02x mid %d status 0x%08x wc %d bc %d", r.cmd, r.mid, r.status, len(r.words)/2, len(r.data))
}

// parseResponse checks one SMB1 message (without transport header).
func parseResponse(m []byte) (smbResponse, error) {
	if len(m) < 35 {
		return smbResponse{}, fmt.Errorf("SMB message of %d bytes is shorter than a header", len(m))
	}
	if !bytes.Equal(m[:4], []byte{0xFF, 'S', 'M', 'B'}) {
		return smbResponse{}, fmt.Errorf("no SMB1 protocol id: % x", m[:4])
	}
	r := smbResponse{
		cmd:    m[4],
		status: binary.LittleEndian.Uint32(m[5:]),
		flags:  m[9],
		flags2: binary.LittleEndian.Uint16(m[10:]),
		tid:    binary.LittleEndian.Uint16(m[24:]),
		uid:    binary.LittleEndian.Uint16(m[28:]),
		mid:    binary.LittleEndian.Uint16(m[30:]),
	}
	wc := int(m[32])
	if len(m) < 33+2*wc+2 {
		return r, fmt.Errorf("%v: WordCount %d overruns the %d-byte message", r, wc, len(m))
	}
	r.words = m[33 : 33+2*wc]
	bc := int(binary.LittleEndian.Uint16(m[33+2*wc:]))
	if len(m) < 35+2*wc+bc {
		return r, fmt.Errorf("%v: ByteCount %d overruns the %d-byte message", r, bc, len(m))
	}
	r.data = m[35+2*wc : 35+2*wc+bc]
	if r.flags&flagsReply == 0 {
		return r, fmt.Errorf("%v: reply flag not set", r)
	}
	return r, nil
}

// readFrame reads one transport packet: its type and payload.
func readFrame(r io.Reader) (byte, []byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(h[1])<<16 | int(binary.BigEndian.Uint16(h[2:]))
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return h[0], nil, fmt.Errorf("reading a %d-byte payload: %w", n, err)
	}
	return h[0], p, nil
}

// splitRecord cuts a record (one server write) into transport packets; the
// record must hold whole packets only.
func splitRecord(rec []byte) ([][]byte, error) {
	var out [][]byte
	for len(rec) > 0 {
		if len(rec) < 4 {
			return out, fmt.Errorf("%d stray bytes at the end of a write", len(rec))
		}
		n := 4 + (int(rec[1])<<16 | int(binary.BigEndian.Uint16(rec[2:])))
		if n > len(rec) {
			return out, fmt.Errorf("packet of %d bytes cut by the end of the write (%d left)", n, len(rec))
		}
		out = append(out, rec[:n])
		rec = rec[n:]
	}
	return out, nil
}

func hostileWrite(t testing.TB, c net.Conn, b ...[]byte) {
	t.Helper()
	for _, p := range b {
		if _, err := c.Write(p); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
}

// expectReply reads the next packet and checks it is a successful reply to
// cmd with the given MID.
func expectReply(t testing.TB, r io.Reader, cmd byte, mid uint16) smbResponse {
	t.Helper()
	typ, p, err := readFrame(r)
	if err != nil {
		t.Fatalf("waiting for the reply to 0x%02x mid %d: %v", cmd, mid, err)
	}
	if typ != nbssMessage {
		t.Fatalf("waiting for the reply to 0x%02x mid %d: got NetBT packet type 0x%02x", cmd, mid, typ)
	}
	resp, err := parseResponse(p)
	if err != nil {
		t.Fatalf("reply to 0x%02x mid %d: %v", cmd, mid, err)
	}
	if resp.cmd != cmd || resp.mid != mid {
		t.Fatalf("got %v, want the reply to command 0x%02x mid %d", resp, cmd, mid)
	}
	if resp.status != statusSuccess {
		t.Fatalf("%v: want STATUS_SUCCESS", resp)
	}
	return resp
}

// expectStatus reads the next reply and checks its command, MID and status.
// A DOS-only status must come with FLAGS2_NT_STATUS cleared, an NT status
// with it set (the clients here always set it).
func expectStatus(t testing.TB, c net.Conn, cmd byte, mid uint16, status uint32) smbResponse {
	t.Helper()
	typ, p, err := readFrame(c)
	if err != nil {
		t.Fatalf("waiting for the reply to 0x%02x mid %d: %v", cmd, mid, err)
	}
	if typ != nbssMessage {
		t.Fatalf("got NetBT packet type 0x%02x, want a session message", typ)
	}
	r, err := parseResponse(p)
	if err != nil {
		t.Fatal(err)
	}
	if r.cmd != cmd || r.mid != mid || r.status != status {
		t.Fatalf("got %v, want command 0x%02x mid %d status 0x%08x", r, cmd, mid, status)
	}
	dosOnly := status>>30 == 0 && status&0xFF00 == 0 && status>>16 != 0
	if nt := r.flags2&flags2NTStatus != 0; nt == dosOnly && status != statusSuccess {
		t.Fatalf("%v: FLAGS2_NT_STATUS %v for status 0x%08x", r, nt, status)
	}
	return r
}

// expectClosed checks that the server closes c without sending a byte
// more. A reset counts as a close: the server may close with our bytes
// still unread.
func expectClosed(t testing.TB, c net.Conn) {
	t.Helper()
	var buf [256]byte
	n, err := io.ReadFull(c, buf[:])
	switch {
	case n > 0:
		t.Fatalf("server sent % x instead of closing", buf[:n])
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
	default:
		t.Fatalf("connection not closed: %v", err)
	}
}

func checkEcho(t testing.TB, resp smbResponse, mid uint16, want []byte) {
	t.Helper()
	if len(resp.words) != 2 || binary.LittleEndian.Uint16(resp.words) != 1 {
		t.Fatalf("echo reply mid %d: parameter words % x, want SequenceNumber 1", mid, resp.words)
	}
	if !bytes.Equal(resp.data, want) {
		t.Fatalf("echo reply mid %d: data of %d bytes does not match the %d sent", mid, len(resp.data), len(want))
	}
}

// negotiated is what a client keeps from the NEGOTIATE response.
type negotiated struct {
	sessionKey uint32
	caps       uint32
	challenge  []byte
}

func checkNegotiate(t testing.TB, resp smbResponse) negotiated {
	t.Helper()
	// MS-CIFS 2.2.4.52.2: the NT LM 0.12 response has WordCount 17.
	if len(resp.words) != 34 {
		t.Fatalf("NEGOTIATE reply has WordCount %d, want 17", len(resp.words)/2)
	}
	if idx := binary.LittleEndian.Uint16(resp.words); idx != 0 {
		t.Fatalf("NEGOTIATE reply chose dialect index %d; only index 0 was offered", idx)
	}
	n := negotiated{
		sessionKey: binary.LittleEndian.Uint32(resp.words[15:]),
		caps:       binary.LittleEndian.Uint32(resp.words[19:]),
	}
	chLen := int(resp.words[33])
	if n.caps&capExtendedSec == 0 && chLen == 8 && len(resp.data) >= 8 {
		n.challenge = resp.data[:8:8]
	}
	return n
}

// transData returns the parameters and data of a TRANSACTION response.
func transData(t testing.TB, r smbResponse) (params, data []byte) {
	t.Helper()
	if len(r.words) != 20 {
		t.Fatalf("TRANSACTION reply %v: WordCount %d, want 10", r, len(r.words)/2)
	}
	w := r.words
	pc, po := int(binary.LittleEndian.Uint16(w[6:])), int(binary.LittleEndian.Uint16(w[8:]))
	dc, do := int(binary.LittleEndian.Uint16(w[12:])), int(binary.LittleEndian.Uint16(w[14:]))
	// The offsets count from the header: the data block starts at
	// 32+1+20+2 = 55.
	base := 55
	if po < base && pc > 0 || do < base && dc > 0 || po-base+pc > len(r.data) || do-base+dc > len(r.data) {
		t.Fatalf("TRANSACTION reply offsets out of the data block: %v", r)
	}
	return r.data[max(po-base, 0):][:pc], r.data[max(do-base, 0):][:dc]
}

// ntTransactSetup is an NT_TRANSACT primary (MS-CIFS 2.2.7) with setup
// words and whole parameters, answered with at most 64 parameter bytes and
// maxData data bytes.
func ntTransactSetup(mid, uid, tid, function uint16, setup, params []byte, maxData uint32) []byte {
	return ntTransactMax(mid, uid, tid, function, setup, params, 64, maxData)
}

// ntTransactMax is ntTransactSetup answered with at most maxParams
// parameter bytes.
func ntTransactMax(mid, uid, tid, function uint16, setup, params []byte, maxParams, maxData uint32) []byte {
	return ntTransactData(mid, uid, tid, function, setup, params, nil, maxParams, maxData)
}

// ntTransactRequest is an NT_TRANSACT primary (MS-CIFS 2.2.4.62.1) with no
// setup words carrying params and data whole, answered with at most 1024
// parameter and 4096 data bytes.
func ntTransactRequest(mid, uid, tid uint16, function uint16, params, data []byte) []byte {
	return ntTransactData(mid, uid, tid, function, nil, params, data, 1024, 4096)
}

// ntTransactData is an NT_TRANSACT primary with setup words carrying params
// and data whole: the parameters start 4-byte aligned after the words, the
// data right after them.
func ntTransactData(mid, uid, tid, function uint16, setup, params, data []byte, maxParams, maxData uint32) []byte {
	off := 32 + 1 + 2*(19+len(setup)/2) + 2
	pad := (4 - off%4) % 4
	po := off + pad
	w := []byte{0, 0, 0} // MaxSetupCount, Reserved1
	for _, v := range []int{len(params), len(data), int(maxParams), int(maxData), len(params), po, len(data), po + len(params)} {
		w = binary.LittleEndian.AppendUint32(w, uint32(v))
	}
	w = append(w, byte(len(setup)/2))
	w = append(w, le16(function)...)
	w = append(w, setup...)
	body := append(append(make([]byte, pad), params...), data...)
	return smbRequest(hCmdNTTransact, mid, uid, tid, clientFlags2, w, body)
}

//go:build !tinysmbd_nocore

package server_test

// Tests of the core protocol's commands (server/core.go) over a real
// connection, with requests built byte by byte from MS-CIFS 2.2.4 with the
// raw client of kit_test.go.

import (
	"bytes"
	"encoding/binary"
	"net"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
)

const (
	cmdCreate          = 0x03
	cmdRead            = 0x0A
	cmdWrite           = 0x0B
	cmdCreateTemporary = 0x0E
	cmdCreateNew       = 0x0F
	cmdProcessExit     = 0x11
	cmdSetInformation2 = 0x22
	cmdQueryInfo2      = 0x23
	cmdWriteAndClose   = 0x2C
	cmdSearch          = 0x81
	cmdFind            = 0x82
	cmdFindUnique      = 0x83
	cmdFindClose       = 0x84

	statusNoMoreFiles       = 0x80000006
	statusNameCollision     = 0xC0000035
	coreFlags2              = flags2NTStatus // an OEM client without long names, as DOS
	dirEntryLen             = 43
	resumeKeyLen            = 21
	searchAttrDirectory     = 0x10
	searchAttrVolume        = 0x08
	searchAttrHiddenSysDirs = 0x16
)

// coreClient is a logged-on session with a tree connected to "share".
type coreClient struct {
	t        *testing.T
	c        net.Conn
	uid, tid uint16
	mid      uint16
}

func newCoreClient(t *testing.T, fs afero.Fs) *coreClient {
	cfg := segConfig()
	cfg.Shares = []server.Share{{Name: "share", Fs: fs}}
	c := dialTransport(t, "tcp", cfg, server.FramingDirect)
	cc := &coreClient{t: t, c: c}
	if _, err := c.Write(negotiateRequest(1)); err != nil {
		t.Fatal(err)
	}
	neg := checkNegotiate(t, expectReply(t, c, cmdNegotiate, 1))
	if _, err := c.Write(sessionSetupRequest(2, neg, testUser, testPassword)); err != nil {
		t.Fatal(err)
	}
	cc.uid = expectReply(t, c, cmdSessionSetup, 2).uid
	// TREE_CONNECT_ANDX (MS-CIFS 2.2.4.55.1), OEM: no AndX follower,
	// Flags 0, PasswordLength 1.
	words := []byte{0xFF, 0, 0, 0, 0, 0, 1, 0}
	data := append([]byte{0}, "\\\\TINYSMBD\\SHARE\x00?????\x00"...)
	cc.mid = 3
	r := cc.call(cmdTreeConnect, coreFlags2, words, data)
	if r.status != statusSuccess {
		t.Fatalf("TREE_CONNECT_ANDX: %v", r)
	}
	cc.tid = r.tid
	return cc
}

// call sends one request and returns its reply, whatever the status.
func (cc *coreClient) call(cmd byte, flags2 uint16, words, data []byte) smbResponse {
	cc.t.Helper()
	cc.mid++
	if _, err := cc.c.Write(smbRequest(cmd, cc.mid, cc.uid, cc.tid, flags2, words, data)); err != nil {
		cc.t.Fatal(err)
	}
	typ, p, err := readFrame(cc.c)
	if err != nil || typ != nbssMessage {
		cc.t.Fatalf("reply to 0x%02x: type %#x, %v", cmd, typ, err)
	}
	r, err := parseResponse(p)
	if err != nil {
		cc.t.Fatal(err)
	}
	if r.cmd != cmd || r.mid != cc.mid {
		cc.t.Fatalf("got %v, want the reply to 0x%02x mid %d", r, cmd, cc.mid)
	}
	return r
}

// ok calls and fails the test unless the reply is a success with wc words.
func (cc *coreClient) ok(cmd byte, wc int, words, data []byte) smbResponse {
	cc.t.Helper()
	r := cc.call(cmd, coreFlags2, words, data)
	if r.status != statusSuccess || len(r.words) != 2*wc {
		cc.t.Fatalf("0x%02x: %v, want success with WordCount %d", cmd, r, wc)
	}
	return r
}

func (cc *coreClient) fails(cmd byte, status uint32, words, data []byte) {
	cc.t.Helper()
	if r := cc.call(cmd, coreFlags2, words, data); r.status != status {
		cc.t.Fatalf("0x%02x: %v, want status %#08x", cmd, r, status)
	}
}

func (cc *coreClient) createNew(name string) uint16 {
	cc.t.Helper()
	return binary.LittleEndian.Uint16(cc.ok(cmdCreateNew, 1, le32(le16(0), 0), path(name)).words)
}

func (cc *coreClient) write(fid uint16, off uint32, data string) uint16 {
	cc.t.Helper()
	w := le16(fid, uint16(len(data)))
	w = append(le32(w, off), 0, 0)
	d := append(append([]byte{1}, le16(uint16(len(data)))...), data...)
	return binary.LittleEndian.Uint16(cc.ok(cmdWrite, 1, w, d).words)
}

func (cc *coreClient) read(fid uint16, off uint32, n uint16) string {
	cc.t.Helper()
	w := append(le32(le16(fid, n), off), 0, 0)
	r := cc.ok(cmdRead, 5, w, nil)
	got := binary.LittleEndian.Uint16(r.words)
	if len(r.data) != 3+int(got) || r.data[0] != 1 || binary.LittleEndian.Uint16(r.data[1:]) != got {
		cc.t.Fatalf("READ reply: count %d, data block % x", got, r.data)
	}
	return string(r.data[3:])
}

func (cc *coreClient) seek(fid, mode uint16, off int32) uint32 {
	cc.t.Helper()
	r := cc.ok(cmdSeek, 2, le32(le16(fid, mode), uint32(off)), nil)
	return binary.LittleEndian.Uint32(r.words)
}

// info2 returns the QUERY_INFORMATION2 words: dates, times, size,
// allocation, attributes.
func (cc *coreClient) info2(fid uint16) []byte {
	cc.t.Helper()
	return cc.ok(cmdQueryInfo2, 11, le16(fid), nil).words
}

func TestCoreFileCommands(t *testing.T) {
	fs := afero.NewMemMapFs()
	cc := newCoreClient(t, fs)

	fid := cc.createNew(`\A.TXT`)
	cc.fails(cmdCreateNew, statusNameCollision, le32(le16(0), 0), path(`\A.TXT`))
	if n := cc.write(fid, 0, "hello world"); n != 11 {
		t.Fatalf("WRITE wrote %d", n)
	}
	if got := cc.read(fid, 6, 5); got != "world" {
		t.Errorf("READ 5 at 6 = %q", got)
	}
	if got := cc.read(fid, 100, 5); got != "" {
		t.Errorf("READ past the end = %q", got)
	}
	cc.fails(cmdRead, statusInvalidHandle, append(le32(le16(fid+1, 1), 0), 0, 0), nil)

	// SEEK follows Samba's arithmetic (smbtorture raw.seek): a read moved
	// the position to its end; -1 from the start reads 0xFFFFFFFF and
	// 1000 past that 999.
	cc.read(fid, 6, 5)
	if p := cc.seek(fid, 1, 0); p != 11 {
		t.Errorf("SEEK current+0 after a read to 11 = %d", p)
	}
	if p := cc.seek(fid, 2, -3); p != 8 {
		t.Errorf("SEEK end-3 = %d", p)
	}
	if p := cc.seek(fid, 2, -100); p != 0 {
		t.Errorf("SEEK end-100 = %d, want 0", p)
	}
	if p := cc.seek(fid, 0, -1); p != 0xFFFFFFFF {
		t.Errorf("SEEK start-1 = %#x", p)
	}
	if p := cc.seek(fid, 1, 1000); p != 999 {
		t.Errorf("SEEK current+1000 = %d", p)
	}
	cc.fails(cmdSeek, statusInvalidHandle, le32(le16(fid+1, 0), 0), nil)

	// A WRITE of 0 bytes sets the end of file (MS-CIFS 2.2.4.12).
	w := append(le32(le16(fid, 0), 4), 0, 0)
	if r := cc.ok(cmdWrite, 1, w, []byte{1, 0, 0}); binary.LittleEndian.Uint16(r.words) != 0 {
		t.Errorf("truncating WRITE reports %v", r)
	}
	info := cc.info2(fid)
	if size := binary.LittleEndian.Uint32(info[12:]); size != 4 {
		t.Errorf("size after truncating to 4 = %d", size)
	}
	if attrs := binary.LittleEndian.Uint16(info[20:]); attrs&0x10 != 0 {
		t.Errorf("a file's attributes %#x carry DIRECTORY", attrs)
	}

	// SET_INFORMATION2: 2001-02-03 04:05:06, DOS time in 2-second units.
	date := uint16(21<<9 | 2<<5 | 3)
	tm := uint16(4<<11 | 5<<5 | 3)
	cc.ok(cmdSetInformation2, 0, le16(fid, 0, 0, 0, 0, date, tm), nil)
	info = cc.info2(fid)
	if d, tt := binary.LittleEndian.Uint16(info[8:]), binary.LittleEndian.Uint16(info[10:]); d != date || tt != tm {
		t.Errorf("write date/time after SET_INFORMATION2 = %#x %#x, want %#x %#x", d, tt, date, tm)
	}

	// WRITE_AND_CLOSE writes and closes, except that writing nothing
	// leaves the file open, as Windows 2000 and Samba do.
	cc.ok(cmdWriteAndClose, 1, append(le32(le16(fid, 0), 0), 0, 0, 0, 0), []byte{0})
	cc.info2(fid)
	wc := append(le32(le16(fid, 2), 4), 0, 0, 0, 0)
	if r := cc.ok(cmdWriteAndClose, 1, wc, []byte("\x00XY")); binary.LittleEndian.Uint16(r.words) != 2 {
		t.Errorf("WRITE_AND_CLOSE wrote %v", r)
	}
	cc.fails(cmdQueryInfo2, statusInvalidHandle, le16(fid), nil)
	if b, err := afero.ReadFile(fs, "/A.TXT"); err != nil || string(b) != "hellXY" {
		t.Errorf("file holds %q, %v", b, err)
	}

	// OPEN: read-only, the reply echoing the access mode; a directory is
	// refused as Samba refuses it; a missing name is not found.
	r := cc.ok(cmdOpen, 7, le16(0x40, 0), path(`\a.txt`))
	fid = binary.LittleEndian.Uint16(r.words)
	if size, mode := binary.LittleEndian.Uint32(r.words[8:]), binary.LittleEndian.Uint16(r.words[12:]); size != 6 || mode != 0x40 {
		t.Errorf("OPEN reply size %d mode %#x", size, mode)
	}
	if got := cc.read(fid, 0, 100); got != "hellXY" {
		t.Errorf("READ after OPEN = %q", got)
	}
	cc.fails(cmdWrite, statusAccessDenied, append(le32(le16(fid, 1), 0), 0, 0), []byte{1, 1, 0, 'z'})
	cc.ok(bCmdCreateDirectory, 0, nil, path(`\SUB`))
	cc.fails(cmdOpen, statusAccessDenied, le16(0, 0), path(`\SUB`))
	cc.fails(cmdOpen, statusNameNotFound, le16(0, 0), path(`\NONE.TXT`))

	// PROCESS_EXIT closes the files of the PID.
	cc.ok(cmdProcessExit, 0, nil, nil)
	cc.fails(cmdQueryInfo2, statusInvalidHandle, le16(fid), nil)

	// CREATE truncates an existing file; CREATE_TEMPORARY picks a name.
	r = cc.ok(cmdCreate, 1, le32(le16(0), 0), path(`\a.txt`))
	if size := binary.LittleEndian.Uint32(cc.info2(binary.LittleEndian.Uint16(r.words))[12:]); size != 0 {
		t.Errorf("size after CREATE over an existing file = %d", size)
	}
	r = cc.ok(cmdCreateTemporary, 1, le32(le16(0), 0), path(`\SUB`))
	if len(r.data) != 10 || r.data[0] != 4 || !strings.HasPrefix(string(r.data[1:]), "TMP") || r.data[9] != 0 {
		t.Fatalf("CREATE_TEMPORARY data % x", r.data)
	}
	if _, err := fs.Stat("/SUB/" + string(r.data[1:9])); err != nil {
		t.Errorf("temporary file: %v", err)
	}
}

// search sends a SEARCH-family request and returns the reply.
func (cc *coreClient) search(cmd byte, flags2, max, attrs uint16, pattern string, key []byte) smbResponse {
	cc.t.Helper()
	d := path(pattern)
	d = append(d, 5)
	d = append(d, le16(uint16(len(key)))...)
	d = append(d, key...)
	return cc.call(cmd, flags2, le16(max, attrs), d)
}

// entries checks a SEARCH reply's data block and returns its names and the
// last resume key.
func entries(t *testing.T, r smbResponse) (names []string, last []byte) {
	t.Helper()
	if r.status != statusSuccess || len(r.words) != 2 {
		t.Fatalf("SEARCH: %v", r)
	}
	n := int(binary.LittleEndian.Uint16(r.words))
	if len(r.data) != 3+n*dirEntryLen || r.data[0] != 5 || int(binary.LittleEndian.Uint16(r.data[1:])) != n*dirEntryLen {
		t.Fatalf("SEARCH: %d entries in data % x", n, r.data)
	}
	if r.flags2&flags2Unicode != 0 {
		t.Errorf("SEARCH reply has FLAGS2_UNICODE set")
	}
	for i := range n {
		e := r.data[3+i*dirEntryLen : 3+(i+1)*dirEntryLen]
		name := e[30:43]
		names = append(names, string(name[:bytes.IndexByte(name, 0)]))
		last = e[:resumeKeyLen]
	}
	return names, last
}

func TestCoreSearch(t *testing.T) {
	fs := afero.NewMemMapFs()
	for _, name := range []string{"/b.txt", "/A.TXT", "/LongFileName.txt", "/two.dots.x", "/SUB/c.dat"} {
		if err := afero.WriteFile(fs, name, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cc := newCoreClient(t, fs)

	// A DOS-style search, two entries at a time, resumed with the last key.
	var all []string
	r := cc.search(cmdSearch, coreFlags2, 2, searchAttrHiddenSysDirs, `\????????.???`, nil)
	for {
		names, key := entries(t, r)
		if len(names) == 0 {
			break
		}
		all = append(all, names...)
		r = cc.search(cmdSearch, coreFlags2, 2, 0, "", key)
	}
	// Names longer than 8.3 do not match ????????.??? (MS-FSA 2.1.4.4
	// matches the long name); a client without
	// FLAGS2_LONG_NAMES gets them upper-cased. The order is the share's
	// byte order, "." first; ".." does not match "????????.???" under
	// the DOS wildcard rules (MS-FSA 2.1.4.4).
	if want := []string{".", "A.TXT", "SUB", "B.TXT"}; strings.Join(all, " ") != strings.Join(want, " ") {
		t.Errorf("SEARCH listed %q, want %q", all, want)
	}
	// The search closed at its end.
	r = cc.search(cmdSearch, coreFlags2, 2, 0, "", make([]byte, resumeKeyLen))
	if r.status != statusNoMoreFiles {
		t.Errorf("continuing a finished search: %v", r)
	}

	// Without the directory attribute, directories are left out; a client
	// with long names gets 8.3 names as stored, and the others' short
	// names (vfs.Mangle).
	r = cc.search(cmdSearch, coreFlags2|flags2LongNames, 10, 0, `\*.*`, nil)
	if names, _ := entries(t, r); strings.Join(names, " ") != "A.TXT LO3ZD4~4.TXT b.txt TW813B~0.X" {
		t.Errorf("files only: %q", names)
	}

	// "Must have" attributes in the high byte: directories alone, then
	// files alone (smbtorture's base.dir2).
	r = cc.search(cmdSearch, coreFlags2, 10, 0x1010, `\*`, nil)
	if names, _ := entries(t, r); strings.Join(names, " ") != ". .. SUB" {
		t.Errorf("must-have DIRECTORY: %q", names)
	}
	r = cc.search(cmdSearch, coreFlags2, 10, 0x2010, `\*`, nil)
	if names, _ := entries(t, r); strings.Join(names, " ") != "A.TXT LO3ZD4~4.TXT B.TXT TW813B~0.X" {
		t.Errorf("must-have ARCHIVE: %q", names)
	}

	// One name that is not there.
	r = cc.search(cmdSearch, coreFlags2, 1, 0, `\NONE.TXT`, nil)
	if r.status != statusNoMoreFiles {
		t.Errorf("searching a missing name: %v", r)
	}
	// A pattern in a subdirectory.
	r = cc.search(cmdFind, coreFlags2, 10, 0, `\SUB\*.DAT`, nil)
	names, key := entries(t, r)
	if strings.Join(names, " ") != "C.DAT" {
		t.Errorf(`FIND \SUB\*.DAT: %q`, names)
	}
	if r = cc.search(cmdFindClose, coreFlags2, 0, 0, "", key); r.status != statusSuccess || len(r.words) != 2 ||
		!bytes.Equal(r.data, []byte{5, 0, 0}) {
		t.Errorf("FIND_CLOSE: %v data % x", r, r.data)
	}

	// FIND_UNIQUE closes at once.
	r = cc.search(cmdFindUnique, coreFlags2, 1, 0, `\*.TXT`, nil)
	names, key = entries(t, r)
	if len(names) != 1 {
		t.Fatalf("FIND_UNIQUE: %q", names)
	}
	if r = cc.search(cmdFind, coreFlags2, 1, 0, "", key); r.status != statusNoMoreFiles {
		t.Errorf("continuing a FIND_UNIQUE: %v", r)
	}

	// The volume label is the share's name.
	r = cc.search(cmdSearch, coreFlags2, 1, searchAttrVolume, `\????????.???`, nil)
	names, _ = entries(t, r)
	if strings.Join(names, " ") != "SHARE" || r.data[3+21] != searchAttrVolume {
		t.Errorf("volume label: %q, attributes %#x", names, r.data[3+21])
	}

	// A FIND_CLOSE without a resume key is malformed.
	if r = cc.search(cmdFindClose, coreFlags2, 0, 0, "", nil); r.status != statusInvalidParameter {
		t.Errorf("FIND_CLOSE without a key: %v", r)
	}
}

// TestLANMANNegotiate checks the LAN Manager dialects a DOS or OS/2 client
// offers: the best one is chosen, the WordCount 13 response carries an
// 8-byte challenge, and the logon that follows is verified against it.
func TestLANMANNegotiate(t *testing.T) {
	c := dialTransport(t, "tcp", segConfig(), server.FramingDirect)
	dialects := "\x02PC NETWORK PROGRAM 1.0\x00\x02MICROSOFT NETWORKS 3.0\x00\x02LANMAN1.0\x00\x02LM1.2X002\x00\x02LANMAN2.1\x00"
	if _, err := c.Write(smbRequest(cmdNegotiate, 1, 0, 0, 0, nil, []byte(dialects))); err != nil {
		t.Fatal(err)
	}
	r := expectReply(t, c, cmdNegotiate, 1)
	if len(r.words) != 26 || len(r.data) != 8 {
		t.Fatalf("LANMAN NEGOTIATE reply: %v, want WordCount 13 and an 8-byte challenge", r)
	}
	w := func(i int) uint16 { return binary.LittleEndian.Uint16(r.words[2*i:]) }
	if w(0) != 4 || w(1) != 3 || w(11) != 8 {
		t.Errorf("DialectIndex %d, SecurityMode %#x, EncryptionKeyLength %d; want 4 (LANMAN2.1), 3, 8", w(0), w(1), w(11))
	}
	if _, err := c.Write(sessionSetupRequest(2, negotiated{challenge: r.data}, testUser, testPassword)); err != nil {
		t.Fatal(err)
	}
	expectReply(t, c, cmdSessionSetup, 2)

	// Only the core dialect: refused with DialectIndex 0xFFFF.
	c = dialTransport(t, "tcp", segConfig(), server.FramingDirect)
	if _, err := c.Write(smbRequest(cmdNegotiate, 1, 0, 0, 0, nil, []byte("\x02PC NETWORK PROGRAM 1.0\x00"))); err != nil {
		t.Fatal(err)
	}
	if r := expectReply(t, c, cmdNegotiate, 1); len(r.words) != 2 || binary.LittleEndian.Uint16(r.words) != 0xFFFF {
		t.Errorf("core-only NEGOTIATE reply: %v % x", r, r.words)
	}
}

//go:build !tinysmbd_nocore

package server_test

// Tests of the per-share lists (server/access.go): who may connect, who
// reads and who writes, tried from the intruder's side with requests built
// byte by byte.

import (
	"encoding/binary"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/server"
	"github.com/tinysmbd/tinysmbd/smb/ntlm"
)

const (
	aclPassword      = "secret"
	optDirectory     = 0x00000001 // FILE_DIRECTORY_FILE
	optDeleteOnClose = 0x00001000 // FILE_DELETE_ON_CLOSE
	accessDelete     = 0x00010000 // DELETE
	accessWriteDAC   = 0x00040000 // WRITE_DAC
	accessGenericAll = 0x10000000 // GENERIC_ALL
	accessMaximum    = 0x02000000 // MAXIMUM_ALLOWED
	dispSupersede    = 0          // FILE_SUPERSEDE
)

// aclTree fills a share: victim.txt holding hostileFileText and an empty
// directory sub.
func aclTree(t *testing.T) afero.Fs {
	t.Helper()
	fs := afero.NewMemMapFs()
	if err := afero.WriteFile(fs, "/victim.txt", []byte(hostileFileText), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := fs.Mkdir("/sub", 0o755); err != nil {
		t.Fatal(err)
	}
	return fs
}

// aclConfig is a NAS: alice and bob are the family, bob only reads the
// family share, alice has a share of her own, carol may write the
// read-only archive, dave and kate belong nowhere, and pub admits guests.
func aclConfig(t *testing.T) (server.Config, map[string]afero.Fs) {
	fss := map[string]afero.Fs{"family": aclTree(t), "alice": aclTree(t), "archive": aclTree(t), "kate": aclTree(t), "pub": aclTree(t)}
	cfg := segConfig()
	cfg.Users = nil
	for _, u := range []string{"alice", "bob", "carol", "dave", "kate"} {
		cfg.Users = append(cfg.Users, server.User{Name: u, Password: aclPassword})
	}
	cfg.Groups = []server.Group{{Name: "family", Members: []string{"alice", "BOB"}}}
	cfg.Shares = []server.Share{
		{Name: "family", Fs: fss["family"], ValidUsers: []string{"@Family"}, ReadUsers: []string{"bob"}},
		{Name: "alice", Fs: fss["alice"], ValidUsers: []string{"Alice"}},
		{Name: "archive", Fs: fss["archive"], ReadOnly: true, WriteUsers: []string{"carol"}},
		{Name: "kate", Fs: fss["kate"], ValidUsers: []string{"kate"}},
		{Name: "pub", Fs: fss["pub"], GuestOK: true},
	}
	return cfg, fss
}

func aclServer(t *testing.T, cfg server.Config) (*server.Server, string) {
	t.Helper()
	l, _ := listenDirect(t)
	srv := startServer(t, cfg, served{l, server.FramingNetBT})
	return srv, l.Addr().String()
}

// aclLogon logs user on over a new connection; the session has no tree.
func aclLogon(t *testing.T, addr, user string) *hostileSession {
	t.Helper()
	hs := &hostileServer{addr: addr}
	c := hs.dial(t)
	hostileWrite(t, c, negotiateRequest(1))
	neg := checkNegotiate(t, expectReply(t, c, cmdNegotiate, 1))
	hostileWrite(t, c, sessionSetupRequest(2, neg, user, aclPassword))
	return &hostileSession{c: c, uid: expectReply(t, c, cmdSessionSetup, 2).uid, mid: 2, neg: neg}
}

// aclConnect logs user on over a new connection and connects to share,
// which must get status.
func aclConnect(t *testing.T, addr, user, share string, status uint32) *hostileSession {
	t.Helper()
	s := aclLogon(t, addr, user)
	if st := s.treeConnectTo(t, share); st != status {
		t.Fatalf("%s to %s: 0x%08x, want 0x%08x", user, share, st, status)
	}
	return s
}

// logonAnother adds a session for user to the connection and returns its
// UID.
func (s *hostileSession) logonAnother(t *testing.T, user string) uint16 {
	t.Helper()
	s.mid++
	hostileWrite(t, s.c, sessionSetupRequest(s.mid, s.neg, user, aclPassword))
	return expectReply(t, s.c, cmdSessionSetup, s.mid).uid
}

// try sends one request of the session and returns the reply's status.
func (s *hostileSession) try(t *testing.T, cmd byte, unicode bool, words, data []byte) smbResponse {
	t.Helper()
	s.mid++
	flags2 := uint16(clientFlags2)
	if !unicode {
		flags2 &^= flags2Unicode
	}
	return s.tryRaw(t, smbRequest(cmd, s.mid, s.uid, s.tid, flags2, words, data))
}

// tryRaw sends msg, whose MID must be s.mid, and returns the reply.
func (s *hostileSession) tryRaw(t *testing.T, msg []byte) smbResponse {
	t.Helper()
	hostileWrite(t, s.c, msg)
	typ, p, err := readFrame(s.c)
	if err != nil || typ != nbssMessage {
		t.Fatalf("reply to mid %d: type 0x%02x, %v", s.mid, typ, err)
	}
	r, err := parseResponse(p)
	if err != nil || r.mid != s.mid {
		t.Fatalf("reply to mid %d: %v, %v", s.mid, r, err)
	}
	return r
}

// treeConnectTo connects to share by the name as given and returns the
// status; on success the tree becomes the session's.
func (s *hostileSession) treeConnectTo(t *testing.T, share string) uint32 {
	t.Helper()
	data := append([]byte{0}, utf16z(`\\TINYSMBD\`+share)...)
	data = append(data, "?????\x00"...)
	r := s.try(t, cmdTreeConnect, true, []byte{0xFF, 0, 0, 0, 0, 0, 1, 0}, data)
	if r.status == statusSuccess {
		s.tid = r.tid
	}
	return r.status
}

func ntCreateWords(name string, access, disp, options uint32) (words, data []byte) {
	m := ntCreateRequest(0, 0, 0, name, access, disp, options)[4+32:]
	wc := int(m[0])
	return m[1 : 1+2*wc], m[1+2*wc+2:]
}

// fidOfCreate is the FID of an NT_CREATE_ANDX reply (MS-CIFS 2.2.4.64.2).
func fidOfCreate(r smbResponse) uint16 { return binary.LittleEndian.Uint16(r.words[5:]) }

// attempt is one way to change a share and the status it got.
type attempt struct {
	what   string
	status uint32
}

// feaList is a FEALIST (MS-CIFS 2.2.1.2.2) with one EA, user.x = "1".
func feaList() []byte {
	fea := []byte{0, 6, 1, 0}
	fea = append(fea, "user.x\x00"...)
	fea = append(fea, '1')
	return append(binary.LittleEndian.AppendUint32(nil, uint32(4+len(fea))), fea...)
}

// writeAttempts tries every way SMB1 has to change victim.txt, sub and
// new names on the session's tree, and then every change through a handle
// opened for reading, and reports each status.
func writeAttempts(t *testing.T, s *hostileSession) []attempt {
	t.Helper()
	var out []attempt
	add := func(what string, r smbResponse) {
		out = append(out, attempt{what, r.status})
		if r.status == statusSuccess && (r.cmd == benchCmdNTCreate || r.cmd == rawCmdOpenAndX) {
			fid := fidOfCreate(r)
			if r.cmd == rawCmdOpenAndX {
				fid = binary.LittleEndian.Uint16(r.words[4:])
			}
			s.try(t, hCmdClose, true, append(le16(fid), 0, 0, 0, 0), nil)
		}
	}
	for _, c := range []struct {
		what         string
		name         string
		access, disp uint32
		options      uint32
	}{
		{"NT_CREATE read+write", `victim.txt`, accessReadWrite, dispOpen, 0},
		{"NT_CREATE GENERIC_ALL", `victim.txt`, accessGenericAll, dispOpen, 0},
		{"NT_CREATE WRITE_DAC", `victim.txt`, accessWriteDAC, dispOpen, 0},
		{"NT_CREATE DELETE", `victim.txt`, accessDelete, dispOpen, 0},
		{"NT_CREATE read, FILE_OVERWRITE_IF", `victim.txt`, accessRead, dispOverwriteIf, 0},
		{"NT_CREATE read, FILE_SUPERSEDE", `victim.txt`, accessRead, dispSupersede, 0},
		{"NT_CREATE delete-on-close", `victim.txt`, accessRead | accessDelete, dispOpen, optDeleteOnClose},
		{"NT_CREATE new file for writing", `new.txt`, accessReadWrite, dispCreate, 0},
		{"NT_CREATE new file, read only", `new.txt`, accessRead, dispCreate, 0},
		{"NT_CREATE new directory", `newdir`, accessRead, dispCreate, optDirectory},
	} {
		w, d := ntCreateWords(c.name, c.access, c.disp, c.options)
		add(c.what, s.try(t, benchCmdNTCreate, true, w, d))
	}
	// OPEN_ANDX (MS-CIFS 2.2.4.41.1): AccessMode write (1) or read/write
	// (2), DENY_NONE (0x40); OpenMode open (1), truncate (2), create (0x10).
	for _, c := range []struct {
		what         string
		name         string
		access, mode uint16
	}{
		{"OPEN_ANDX write", `\victim.txt`, 0x41, 0x0001},
		{"OPEN_ANDX read/write, truncate", `\victim.txt`, 0x42, 0x0002},
		{"OPEN_ANDX read, truncate", `\victim.txt`, 0x40, 0x0002},
		{"OPEN_ANDX create", `\new.txt`, 0x42, 0x0010},
	} {
		add(c.what, s.try(t, rawCmdOpenAndX, false, openAndXWords(0, c.access, c.mode, 0), []byte(c.name+"\x00")))
	}
	add("OPEN (core) for writing", s.try(t, cmdOpen, false, le16(0x41, 0), path(`\victim.txt`)))
	add("CREATE (core) over a file", s.try(t, 0x03, false, le32(le16(0), 0), path(`\victim.txt`)))
	add("CREATE (core) new", s.try(t, 0x03, false, le32(le16(0), 0), path(`\new.txt`)))
	add("CREATE_NEW", s.try(t, 0x0F, false, le32(le16(0), 0), path(`\new.txt`)))
	add("CREATE_TEMPORARY", s.try(t, 0x0E, false, le32(le16(0), 0), path(`\`)))
	add("CREATE_DIRECTORY", s.try(t, bCmdCreateDirectory, false, nil, path(`\newdir`)))
	add("DELETE_DIRECTORY", s.try(t, bCmdDeleteDirectory, false, nil, path(`\sub`)))
	add("DELETE", s.try(t, cmdDelete, false, le16(0x16), path(`\victim.txt`)))
	add("RENAME", s.try(t, bCmdRename, false, le16(0x16), append(path(`\victim.txt`), path(`\moved.txt`)...)))
	add("SET_INFORMATION", s.try(t, bCmdSetInformation, false, append(le16(0x01), make([]byte, 14)...), path(`\victim.txt`)))
	for _, c := range []struct {
		what  string
		level uint16
	}{{"NT_RENAME rename", renameFlagRen}, {"NT_RENAME hard link", renameFlagLink}, {"NT_RENAME copy", renameFlagCopy}} {
		add(c.what, s.try(t, cmdNTRename, false, ntRenameWords(0x16, c.level, 0), append(path(`\victim.txt`), path(`\moved.txt`)...)))
	}
	setPath := func(level uint16, data []byte) smbResponse {
		w, d := trans2(0x06, append(le16(level, 0, 0), utf16z(`\victim.txt`)...), data)
		return s.try(t, hCmdTransaction2, true, w, d)
	}
	add("TRANS2_SET_PATH_INFO basic", setPath(0x0101, make([]byte, 40)))
	add("TRANS2_SET_PATH_INFO EAs", setPath(0x0002, feaList()))
	w, d := trans2(0x0D, append(le32(nil, 0), utf16z(`\newdir`)...), nil)
	add("TRANS2_CREATE_DIRECTORY", s.try(t, hCmdTransaction2, true, w, d))
	// TRANS2_OPEN2 (MS-CIFS 2.2.6.1.1): Flags, AccessMode, Reserved,
	// FileAttributes, CreationTime, OpenMode, AllocationSize, 10 reserved
	// bytes, FileName.
	for _, c := range []struct {
		what         string
		name         string
		access, mode uint16
	}{{"TRANS2_OPEN2 write", `\victim.txt`, 0x41, 0x0001}, {"TRANS2_OPEN2 create", `\new.txt`, 0x42, 0x0010}} {
		p := le32(le16(0, c.access, 0, 0), 0)
		p = le32(append(p, le16(c.mode)...), 0)
		w, d := trans2(0x00, append(append(p, make([]byte, 10)...), utf16z(c.name)...), nil)
		add(c.what, s.try(t, hCmdTransaction2, true, w, d))
	}
	// NT_TRANSACT_CREATE (MS-CIFS 2.2.7.1.1) for reading and writing.
	name := utf16z(`victim.txt`)
	p := le32(le32(le32(nil, 0), 0), accessReadWrite)
	p = append(p, make([]byte, 8)...) // AllocationSize
	for _, v := range []uint32{0, 7, dispOpen, 0, 0, 0, uint32(len(name) - 2), 2} {
		p = le32(p, v)
	}
	p = append(append(p, 0, 0, 0, 0), name...)
	s.mid++
	add("NT_TRANSACT_CREATE read+write", s.tryRaw(t, ntTransactRequest(s.mid, s.uid, s.tid, 1, p, nil)))

	// Through a handle opened for reading.
	w, d = ntCreateWords(`victim.txt`, accessRead, dispOpen, 0)
	r := s.try(t, benchCmdNTCreate, true, w, d)
	if r.status != statusSuccess {
		t.Fatalf("open for reading: %v", r)
	}
	fid := fidOfCreate(r)
	const dataOff = 32 + 1 + 28 + 2 + 1
	add("WRITE_ANDX", s.try(t, hCmdWriteAndX, true, writeAndXWords(fid, 4, dataOff), []byte("\x00EVIL")))
	add("WRITE (core)", s.try(t, 0x0B, false, append(le32(le16(fid, 4), 0), 0, 0), append(append([]byte{1}, le16(4)...), "EVIL"...)))
	// SET_INFORMATION2 (MS-CIFS 2.2.4.22.1): FID, then creation, access
	// and write date and time; 2025-01-01 12:00 as the write time.
	add("SET_INFORMATION2", s.try(t, 0x22, false, le16(fid, 0, 0, 0, 0, 0x5A21, 0x6000), nil))
	setFile := func(level uint16, data []byte) smbResponse {
		w, d := trans2(0x08, le16(fid, level, 0), data)
		return s.try(t, hCmdTransaction2, true, w, d)
	}
	add("TRANS2_SET_FILE_INFO delete-on-close", setFile(0x0102, []byte{1}))
	add("TRANS2_SET_FILE_INFO end of file", setFile(levelSetEOFInfo, make([]byte, 8)))
	add("TRANS2_SET_FILE_INFO allocation", setFile(0x0103, make([]byte, 8)))
	add("TRANS2_SET_FILE_INFO basic", setFile(0x0101, append(make([]byte, 32), 0x01, 0, 0, 0, 0, 0, 0, 0)))
	add("TRANS2_SET_FILE_INFO EAs", setFile(0x0002, feaList()))
	rename := append(append([]byte{0, 0, 0, 0}, 0, 0, 0, 0), le32(nil, 18)...)
	add("TRANS2_SET_FILE_INFO rename", setFile(levelRenamePassthrough, append(rename, utf16z(`moved.txt`)[:18]...)))
	// WRITE_AND_CLOSE (MS-CIFS 2.2.4.40.1): FID, count, offset, last write
	// time; a pad byte before the data. It closes the FID either way.
	add("WRITE_AND_CLOSE", s.try(t, 0x2C, false, le32(le32(le16(fid, 4), 0), 0), append([]byte{0}, "EVIL"...)))
	s.try(t, hCmdClose, true, append(le16(fid), 0, 0, 0, 0), nil)
	return out
}

// readOnlyAnswers are the statuses a read-only share gives (Samba 4.17's
// for "read only = yes"), which a ReadUsers member gets on a writable
// share and a user not in WriteUsers on a read-only one.
var readOnlyAnswers = map[string]uint32{
	"NT_CREATE read+write":                 statusAccessDenied,
	"NT_CREATE GENERIC_ALL":                statusAccessDenied,
	"NT_CREATE WRITE_DAC":                  statusAccessDenied,
	"NT_CREATE DELETE":                     statusAccessDenied,
	"NT_CREATE read, FILE_OVERWRITE_IF":    statusAccessDenied,
	"NT_CREATE read, FILE_SUPERSEDE":       statusAccessDenied,
	"NT_CREATE delete-on-close":            statusAccessDenied,
	"NT_CREATE new file for writing":       statusAccessDenied,
	"NT_CREATE new file, read only":        statusNameNotFound,
	"NT_CREATE new directory":              statusNameNotFound,
	"OPEN_ANDX write":                      statusAccessDenied,
	"OPEN_ANDX read/write, truncate":       statusAccessDenied,
	"OPEN_ANDX read, truncate":             statusAccessDenied,
	"OPEN_ANDX create":                     statusAccessDenied,
	"OPEN (core) for writing":              statusAccessDenied,
	"CREATE (core) over a file":            statusAccessDenied,
	"CREATE (core) new":                    statusAccessDenied,
	"CREATE_NEW":                           statusAccessDenied,
	"CREATE_TEMPORARY":                     statusAccessDenied,
	"CREATE_DIRECTORY":                     statusMediaWriteProtected,
	"DELETE_DIRECTORY":                     statusMediaWriteProtected,
	"DELETE":                               statusMediaWriteProtected,
	"RENAME":                               statusMediaWriteProtected,
	"SET_INFORMATION":                      statusMediaWriteProtected,
	"NT_RENAME rename":                     statusMediaWriteProtected,
	"NT_RENAME hard link":                  statusMediaWriteProtected,
	"NT_RENAME copy":                       statusMediaWriteProtected,
	"TRANS2_SET_PATH_INFO basic":           statusAccessDenied,
	"TRANS2_SET_PATH_INFO EAs":             statusAccessDenied,
	"TRANS2_CREATE_DIRECTORY":              statusMediaWriteProtected,
	"TRANS2_OPEN2 write":                   statusAccessDenied,
	"TRANS2_OPEN2 create":                  statusAccessDenied,
	"NT_TRANSACT_CREATE read+write":        statusAccessDenied,
	"TRANS2_SET_FILE_INFO allocation":      statusAccessDenied,
	"WRITE_AND_CLOSE":                      statusAccessDenied,
	"WRITE_ANDX":                           statusAccessDenied,
	"WRITE (core)":                         statusAccessDenied,
	"SET_INFORMATION2":                     statusAccessDenied,
	"TRANS2_SET_FILE_INFO delete-on-close": statusAccessDenied,
	"TRANS2_SET_FILE_INFO end of file":     statusAccessDenied,
	"TRANS2_SET_FILE_INFO basic":           statusAccessDenied,
	"TRANS2_SET_FILE_INFO EAs":             statusMediaWriteProtected,
	"TRANS2_SET_FILE_INFO rename":          statusAccessDenied,
}

func checkReadOnlyAnswers(t *testing.T, who string, got []attempt) {
	t.Helper()
	if len(got) != len(readOnlyAnswers) {
		t.Errorf("%s: %d attempts, want %d", who, len(got), len(readOnlyAnswers))
	}
	for _, a := range got {
		if want, ok := readOnlyAnswers[a.what]; !ok || a.status != want {
			t.Errorf("%s: %s: 0x%08x, want 0x%08x", who, a.what, a.status, want)
		}
	}
}

// checkUntouched checks that a share still holds what aclTree put there
// and nothing else.
func checkUntouched(t *testing.T, share string, fs afero.Fs) {
	t.Helper()
	if b, err := afero.ReadFile(fs, "/victim.txt"); err != nil || string(b) != hostileFileText {
		t.Errorf("%s: victim.txt holds %q, %v", share, b, err)
	}
	names, err := afero.ReadDir(fs, "/")
	if err != nil || len(names) != 2 {
		var l []string
		for _, fi := range names {
			l = append(l, fi.Name())
		}
		t.Errorf("%s: root holds %v, %v; want sub and victim.txt", share, l, err)
	}
}

// TestACLReadUsersGetReadOnlyAnswers: a ReadUsers member on a writable
// share and a user outside WriteUsers on a read-only share try every write
// path SMB1 has and get the read-only share's answer to each; nothing
// changes.
func TestACLReadUsersGetReadOnlyAnswers(t *testing.T) {
	cfg, fss := aclConfig(t)
	_, addr := aclServer(t, cfg)
	for _, c := range []struct{ user, share string }{{"bob", "family"}, {"alice", "archive"}, {"dave", "archive"}} {
		s := aclLogon(t, addr, c.user)
		if st := s.treeConnectTo(t, c.share); st != statusSuccess {
			t.Fatalf("%s to %s: 0x%08x", c.user, c.share, st)
		}
		checkReadOnlyAnswers(t, c.user+" on "+c.share, writeAttempts(t, s))
		// Reading works.
		w, d := ntCreateWords(`victim.txt`, accessMaximum, dispOpen, 0)
		r := s.try(t, benchCmdNTCreate, true, w, d)
		if r.status != statusSuccess {
			t.Fatalf("%s: open MAXIMUM_ALLOWED: %v", c.user, r)
		}
		if got := s.readClose(t, fidOfCreate(r)); string(got) != hostileFileText[:min(64, len(hostileFileText))] {
			t.Errorf("%s read %q", c.user, got)
		}
	}
	checkUntouched(t, "family", fss["family"])
	checkUntouched(t, "archive", fss["archive"])
}

// TestACLWriteUsersWriteReadOnlyShare: a WriteUsers member changes a
// read-only share by every kind of request, while the next user on the
// same share, at the same time, still may not.
func TestACLWriteUsersWriteReadOnlyShare(t *testing.T) {
	cfg, fss := aclConfig(t)
	_, addr := aclServer(t, cfg)
	carol := aclConnect(t, addr, "carol", "archive", statusSuccess)
	alice := aclConnect(t, addr, "alice", "ARCHIVE", statusSuccess)
	fid := carol.ntCreate(t, `new.txt`, accessReadWrite, dispCreate, statusSuccess)
	const dataOff = 32 + 1 + 28 + 2 + 1
	carol.call(t, hCmdWriteAndX, carol.uid, carol.tid, writeAndXWords(fid, 4, dataOff), []byte("\x00GOOD"), statusSuccess)
	carol.closeFID(t, fid)
	carol.oem(t, bCmdCreateDirectory, nil, path(`\newdir`), statusSuccess)
	carol.oem(t, bCmdRename, le16(0x16), append(path(`\new.txt`), path(`\newdir\kept.txt`)...), statusSuccess)
	carol.oem(t, cmdDelete, le16(0x16), path(`\victim.txt`), statusSuccess)
	carol.oem(t, bCmdDeleteDirectory, nil, path(`\sub`), statusSuccess)
	carol.setPathInfo(t, `\newdir\kept.txt`, 0x0002, feaList(), statusSuccess)
	if b, err := afero.ReadFile(fss["archive"], "/newdir/kept.txt"); err != nil || string(b) != "GOOD" {
		t.Errorf("newdir/kept.txt holds %q, %v", b, err)
	}
	// alice, on the same share, is refused as on any read-only share.
	alice.ntCreate(t, `\newdir\kept.txt`, accessReadWrite, dispOpen, statusAccessDenied)
	alice.oem(t, cmdDelete, le16(0x16), path(`\newdir\kept.txt`), statusMediaWriteProtected)
	alice.oem(t, bCmdCreateDirectory, nil, path(`\alicedir`), statusMediaWriteProtected)
	// Share modes hold across the two views: carol's open that denies
	// reading keeps alice's read open out.
	w, d := ntCreateWords(`\newdir\kept.txt`, accessReadWrite, dispOpen, 0)
	copy(w[31:], []byte{0, 0, 0, 0}) // ShareAccess: none
	r := carol.try(t, benchCmdNTCreate, true, w, d)
	if r.status != statusSuccess {
		t.Fatalf("carol's exclusive open: %v", r)
	}
	alice.ntCreate(t, `\newdir\kept.txt`, accessRead, dispOpen, statusSharingViolation)
	carol.closeFID(t, fidOfCreate(r))
	alice.readClose(t, alice.ntCreate(t, `\newdir\kept.txt`, accessRead, dispOpen, statusSuccess))
}

// TestACLTreeConnect: who may connect where, whatever the case of the
// share name; the denial is STATUS_ACCESS_DENIED, as Samba's for "valid
// users", and IPC$ stays open to everyone.
func TestACLTreeConnect(t *testing.T) {
	cfg, _ := aclConfig(t)
	_, addr := aclServer(t, cfg)
	want := map[string]map[string]uint32{
		"alice": {"family": statusSuccess, "alice": statusSuccess, "archive": statusSuccess, "kate": statusAccessDenied, "pub": statusSuccess},
		"bob":   {"family": statusSuccess, "alice": statusAccessDenied, "archive": statusSuccess, "kate": statusAccessDenied, "pub": statusSuccess},
		"dave":  {"family": statusAccessDenied, "alice": statusAccessDenied, "archive": statusSuccess, "kate": statusAccessDenied, "pub": statusSuccess},
		// An unknown name logs on as a guest; one that only folds to
		// "kate" (U+212A KELVIN SIGN) is no kate.
		"mallory":   {"family": statusAccessDenied, "alice": statusAccessDenied, "archive": statusAccessDenied, "kate": statusAccessDenied, "pub": statusSuccess},
		"\u212Aate": {"family": statusAccessDenied, "alice": statusAccessDenied, "archive": statusAccessDenied, "kate": statusAccessDenied, "pub": statusSuccess},
		"ALICE":     {"alice": statusSuccess, "kate": statusAccessDenied},
		"family":    {"family": statusAccessDenied},
		"@family":   {"family": statusAccessDenied},
	}
	for user, shares := range want {
		s := aclLogon(t, addr, user)
		if st := s.treeConnectTo(t, "IPC$"); st != statusSuccess {
			t.Errorf("%s to IPC$: 0x%08x", user, st)
		}
		for share, st := range shares {
			for _, spelt := range []string{share, strings.ToUpper(share), strings.ToUpper(share[:1]) + share[1:], share + " ", share + "\\"} {
				want := st
				if strings.ToUpper(spelt) != strings.ToUpper(share) {
					want = statusBadNetName
				}
				if got := s.treeConnectTo(t, spelt); got != want {
					t.Errorf("%s to %q: 0x%08x, want 0x%08x", user, spelt, got, want)
				}
			}
		}
	}
}

// TestACLOtherSessionOnTree: a second session on the connection that
// uses a tree another session connected gets its own rights there, as
// in Samba: none for a user outside ValidUsers, read for a reader.
func TestACLOtherSessionOnTree(t *testing.T) {
	cfg, fss := aclConfig(t)
	_, addr := aclServer(t, cfg)
	s := aclConnect(t, addr, "alice", "family", statusSuccess)
	alice := s.uid
	s.uid = s.logonAnother(t, "dave")
	s.ntCreate(t, `victim.txt`, accessRead, dispOpen, statusAccessDenied)
	s.oem(t, cmdDelete, le16(0x16), path(`\victim.txt`), statusAccessDenied)
	s.uid = s.logonAnother(t, "bob")
	checkReadOnlyAnswers(t, "bob on alice's tree", writeAttempts(t, s))
	s.uid = alice
	s.readClose(t, s.ntCreate(t, `victim.txt`, accessReadWrite, dispOpen, statusSuccess))
	checkUntouched(t, "family", fss["family"])
}

// TestACLReauthentication: a session re-authenticated as another user
// (MS-SMB 3.3.5.3 keeps its UID and trees) gets that user's rights on the
// trees it holds: none for a user outside ValidUsers, read for a reader.
func TestACLReauthentication(t *testing.T) {
	cfg, fss := aclConfig(t)
	_, addr := aclServer(t, cfg)
	s := (&hostileServer{addr: addr}).dial(t)
	hostileWrite(t, s, negotiateExtSecRequest(1))
	expectReply(t, s, cmdNegotiate, 1)
	hs := &hostileSession{c: s, mid: 3}
	hs.uid = ntlmsspLogonAs(t, s, 2, 0, "alice", aclPassword)
	if st := hs.treeConnectTo(t, "family"); st != statusSuccess {
		t.Fatalf("alice to family: 0x%08x", st)
	}
	hs.closeFID(t, hs.ntCreate(t, `victim.txt`, accessReadWrite, dispOpen, statusSuccess))
	for _, c := range []struct {
		user   string
		access uint32
		status uint32
	}{
		{"dave", accessRead, statusAccessDenied},
		{"bob", accessReadWrite, statusAccessDenied},
		{"bob", accessRead, statusSuccess},
		{"alice", accessReadWrite, statusSuccess},
	} {
		hs.mid++
		ntlmsspLogonAs(t, s, hs.mid, hs.uid, c.user, aclPassword)
		hs.mid++
		fid := hs.ntCreate(t, `victim.txt`, c.access, dispOpen, c.status)
		if c.status == statusSuccess {
			hs.closeFID(t, fid)
		}
	}
	hs.mid++
	ntlmsspLogonAs(t, s, hs.mid, hs.uid, "bob", aclPassword)
	hs.mid++
	checkReadOnlyAnswers(t, "alice re-authenticated as bob", writeAttempts(t, hs))
	checkUntouched(t, "family", fss["family"])
}

// TestACLReload: a reload that takes bob out of the family disconnects his
// tree, open files and all, with a log line; one that makes alice a reader
// disconnects her writable tree; carol's tree elsewhere stays, and the
// family she joins takes her at her next tree connect.
func TestACLReload(t *testing.T) {
	cfg, _ := aclConfig(t)
	logs := new(testpeer.SyncBuffer)
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	srv, addr := aclServer(t, cfg)
	bob := aclConnect(t, addr, "bob", "family", statusSuccess)
	bobFID := bob.ntCreate(t, `victim.txt`, accessRead, dispOpen, statusSuccess)
	alice := aclLogon(t, addr, "alice")
	alice.treeConnectTo(t, "family")
	aliceFID := alice.ntCreate(t, `victim.txt`, accessReadWrite, dispOpen, statusSuccess)
	carol := aclLogon(t, addr, "carol")
	carol.treeConnectTo(t, "archive")
	carolFID := carol.ntCreate(t, `victim.txt`, accessReadWrite, dispOpen, statusSuccess)

	groups := []server.Group{{Name: "family", Members: []string{"alice", "carol"}}}
	shares := cfg.Shares
	shares[0].ReadUsers = []string{"alice"}
	if err := srv.ReloadGroups(cfg.Users, groups, shares); err != nil {
		t.Fatal(err)
	}
	for s, fid := range map[*hostileSession]uint16{bob: bobFID, alice: aliceFID} {
		s.call(t, hCmdReadAndX, s.uid, s.tid, readAndXWords(fid, 8), nil, statusInvalidHandle)
		w, d := ntCreateWords(`victim.txt`, accessRead, dispOpen, 0)
		if r := s.try(t, benchCmdNTCreate, true, w, d); r.status != hStatusBadTID {
			t.Errorf("open on the dropped tree: %v, want STATUS_SMB_BAD_TID", r)
		}
	}
	if st := bob.treeConnectTo(t, "family"); st != statusAccessDenied {
		t.Errorf("bob reconnects: 0x%08x", st)
	}
	if st := alice.treeConnectTo(t, "family"); st != statusSuccess {
		t.Errorf("alice reconnects: 0x%08x", st)
	}
	alice.ntCreate(t, `victim.txt`, accessReadWrite, dispOpen, statusAccessDenied)
	// carol's tree on the unchanged archive keeps its open file; the
	// family she joined takes her at the next tree connect.
	carol.readClose(t, carolFID)
	if st := carol.treeConnectTo(t, "family"); st != statusSuccess {
		t.Errorf("carol to family after joining: 0x%08x", st)
	}
	carol.closeFID(t, carol.ntCreate(t, `victim.txt`, accessReadWrite, dispOpen, statusSuccess))
	for _, line := range []string{`tree disconnected: the user lost access by reload`, `user=bob share=family`, `user=alice share=family`} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, logs.String())
		}
	}
}

// TestACLReloadClosesOtherSessionsFiles: files a reader's second session
// opened on another session's tree close when a reload takes the reader
// out; the tree and its owner's files stay.
func TestACLReloadClosesOtherSessionsFiles(t *testing.T) {
	cfg, _ := aclConfig(t)
	srv, addr := aclServer(t, cfg)
	s := aclLogon(t, addr, "alice")
	s.treeConnectTo(t, "family")
	alice := s.uid
	aliceFID := s.ntCreate(t, `victim.txt`, accessRead, dispOpen, statusSuccess)
	s.uid = s.logonAnother(t, "bob")
	bobFID := s.ntCreate(t, `victim.txt`, accessRead, dispOpen, statusSuccess)
	groups := []server.Group{{Name: "family", Members: []string{"alice"}}}
	if err := srv.ReloadGroups(cfg.Users, groups, cfg.Shares); err != nil {
		t.Fatal(err)
	}
	s.call(t, hCmdReadAndX, s.uid, s.tid, readAndXWords(bobFID, 8), nil, statusInvalidHandle)
	s.ntCreate(t, `victim.txt`, accessRead, dispOpen, statusAccessDenied)
	s.uid = alice
	s.readClose(t, aliceFID)
}

// TestACLConfigErrors: guests with ValidUsers and groups kept twice are
// refused by New and by Reload, which then changes nothing; a name that is
// no account matches nobody, so a misspelt writer gains nothing.
func TestACLConfigErrors(t *testing.T) {
	for name, edit := range map[string]func(*server.Config){
		"guest with valid": func(c *server.Config) { c.Shares[0].GuestOK = true },
		"groups twice":     func(c *server.Config) { c.Users = nil; c.Authenticator = groupAccounts{} },
	} {
		t.Run(name, func(t *testing.T) {
			cfg, _ := aclConfig(t)
			edit(&cfg)
			if _, err := server.New(cfg); err == nil {
				t.Error("New accepted it")
			}
			good, _ := aclConfig(t)
			srv, err := server.New(good)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Authenticator == nil {
				if err := srv.ReloadGroups(cfg.Users, cfg.Groups, cfg.Shares); err == nil {
					t.Error("ReloadGroups accepted it")
				}
			}
		})
	}
	cfg, _ := aclConfig(t)
	cfg.Shares[2].WriteUsers = []string{"carl", "@writers"}
	_, addr := aclServer(t, cfg)
	carol := aclConnect(t, addr, "carol", "archive", statusSuccess)
	carol.ntCreate(t, `victim.txt`, accessReadWrite, dispOpen, statusAccessDenied)
}

// groupAccounts is a firmware's own account store that keeps groups too.
type groupAccounts struct {
	mu     *sync.Mutex
	groups map[string][]string
}

func (a groupAccounts) NTHash(user string) ([16]byte, bool) {
	return ntlm.NTHash(aclPassword), true
}

func (a groupAccounts) InGroup(user, group string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.groups[strings.ToLower(group)] {
		if strings.EqualFold(m, user) {
			return true
		}
	}
	return false
}

// TestACLGroupAuthenticator: "@group" entries are answered by an
// Authenticator that keeps groups; a change in its store applies to the
// next tree connect and, at Reload, closes the trees of users that left.
func TestACLGroupAuthenticator(t *testing.T) {
	accts := groupAccounts{mu: new(sync.Mutex), groups: map[string][]string{"staff": {"Alice"}}}
	cfg := segConfig()
	cfg.Users = nil
	cfg.Authenticator = accts
	cfg.Shares = []server.Share{{Name: "staff", Fs: aclTree(t), ValidUsers: []string{"@staff"}}}
	srv, addr := aclServer(t, cfg)
	alice := aclConnect(t, addr, "alice", "staff", statusSuccess)
	bob := aclConnect(t, addr, "bob", "staff", statusAccessDenied)
	accts.mu.Lock()
	accts.groups["staff"] = []string{"bob"}
	accts.mu.Unlock()
	if st := bob.treeConnectTo(t, "staff"); st != statusSuccess {
		t.Errorf("bob after joining: 0x%08x", st)
	}
	if err := srv.Reload(nil, cfg.Shares); err != nil {
		t.Fatal(err)
	}
	w, d := ntCreateWords(`victim.txt`, accessRead, dispOpen, 0)
	if r := alice.try(t, benchCmdNTCreate, true, w, d); r.status != hStatusBadTID {
		t.Errorf("alice's tree after she left: %v", r)
	}
	bob.readClose(t, bob.ntCreate(t, `victim.txt`, accessRead, dispOpen, statusSuccess))
}

//go:build !tinysmbd_nocore

package server_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/tinysmbd/tinysmbd/server"
	"github.com/tinysmbd/tinysmbd/vfs"
)

const (
	cmdNTRename     = 0xA5
	cmdQueryInfo    = 0x08
	renameFlagRen   = 0x0104
	renameFlagLink  = 0x0103
	renameFlagCopy  = 0x0105
	renameFlagMove  = 0x0102
	statusIsADir    = 0xC00000BA
	levelStandardQ  = 0x0102 // SMB_QUERY_FILE_STANDARD_INFO
	attrHidden      = 0x0002
	attrSystem      = 0x0004
	attrNormal      = 0x0080
	ntRenameAttrsHS = 0x0006
)

// ntRenameWords is NT_RENAME's four words (MS-CIFS 2.2.4.66.1):
// SearchAttributes, InformationLevel, ClusterCount.
func ntRenameWords(search, level uint16, clusters uint32) []byte {
	return le32(le16(search, level), clusters)
}

// ntRename sends an OEM NT_RENAME and checks the status.
func (s *hostileSession) ntRename(t *testing.T, search, level uint16, from, to string, status uint32) {
	t.Helper()
	s.oemCall(t, cmdNTRename, ntRenameWords(search, level, 0), append(path(from), path(to)...), status)
}

// rootFsServer is a hostile server whose share is a RootFs over a
// temporary directory, which can hard-link.
func rootFsServer(t *testing.T) *hostileSession {
	fsys, err := vfs.NewRootFs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.(*vfs.RootFs).Close() })
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) {
		c.Shares = []server.Share{{Name: "share", Fs: fsys}}
	})
	return hs.login(t)
}

// createFile creates name with CREATE_NEW (MS-CIFS 2.2.4.16.1), no
// attributes, writes data and returns the FID, still open.
func (s *hostileSession) createFile(t *testing.T, name, data string) uint16 {
	t.Helper()
	fid := binary.LittleEndian.Uint16(s.oemCall(t, 0x0F, le16(0, 0, 0), path(name), statusSuccess).words)
	// WRITE (MS-CIFS 2.2.4.12.1): FID, count, offset 0, remaining 0; a
	// data block of type 0x01.
	w := le32(le16(fid, uint16(len(data))), 0)
	s.oemCall(t, 0x0B, append(w, 0, 0), append(append([]byte{1}, le16(uint16(len(data)))...), data...), statusSuccess)
	return fid
}

func (s *hostileSession) closeFID(t *testing.T, fid uint16) {
	t.Helper()
	s.call(t, hCmdClose, s.uid, s.tid, append(le16(fid), 0, 0, 0, 0), nil, statusSuccess)
}

// attrs reads FileAttributes with QUERY_INFORMATION (MS-CIFS 2.2.4.9.2).
func (s *hostileSession) attrs(t *testing.T, name string) uint16 {
	t.Helper()
	return binary.LittleEndian.Uint16(s.oemCall(t, cmdQueryInfo, nil, path(name), statusSuccess).words)
}

// setAttrs sets FileAttributes with SET_INFORMATION (MS-CIFS 2.2.4.10.1):
// no time, five reserved words.
func (s *hostileSession) setAttrs(t *testing.T, name string, a uint16) {
	t.Helper()
	s.oemCall(t, bCmdSetInformation, le16(a, 0, 0, 0, 0, 0, 0, 0), path(name), statusSuccess)
}

// links reads NumberOfLinks with TRANSACTION2 QUERY_PATH_INFORMATION
// SMB_QUERY_FILE_STANDARD_INFO (MS-CIFS 2.2.8.3.7): AllocationSize,
// EndOfFile, then NumberOfLinks at offset 16.
func (s *hostileSession) links(t *testing.T, name string) uint32 {
	t.Helper()
	params := append(le16(levelStandardQ, 0, 0), utf16z(name)...)
	const po = 32 + 1 + 30 + 2 + 1
	r := s.call(t, hCmdTransaction2, s.uid, s.tid, trans2Words(uint16(len(params)), 0, uint16(len(params)), po, 0, 0, 0x0005), append([]byte{0}, params...), statusSuccess)
	dc, do := binary.LittleEndian.Uint16(r.words[12:]), int(binary.LittleEndian.Uint16(r.words[14:]))
	data := r.data[do-(35+len(r.words)):][:dc]
	if len(data) < 22 {
		t.Fatalf("STANDARD_INFO of %d bytes", len(data))
	}
	return binary.LittleEndian.Uint32(data[16:])
}

// TestNTRename walks NT_RENAME's levels as smbtorture raw.rename ntrename
// does, with Samba's statuses.
func TestNTRename(t *testing.T) {
	s := rootFsServer(t)
	fid := s.createFile(t, `\a.txt`, "payload")
	// The exact request a Unicode client sends: WordCount 4,
	// SearchAttributes 0, RENAME_FLAG_RENAME, ClusterCount 0; ByteCount 31;
	// buffer format, \a.txt, buffer format, the pad to an even offset,
	// \b.txt.
	req := []byte{
		0xff, 'S', 'M', 'B', cmdNTRename, 0, 0, 0, 0, 0x18, 0x03, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		byte(s.tid), byte(s.tid >> 8), 0x2a, 0, byte(s.uid), byte(s.uid >> 8), 0x40, 0,
		4, 0, 0, 0x04, 0x01, 0, 0, 0, 0,
		31, 0,
		4, '\\', 0, 'a', 0, '.', 0, 't', 0, 'x', 0, 't', 0, 0, 0,
		4, 0, '\\', 0, 'b', 0, '.', 0, 't', 0, 'x', 0, 't', 0, 0, 0,
	}
	if !bytes.Equal(req[32:], append(append([]byte{4}, ntRenameWords(0, renameFlagRen, 0)...),
		append(append([]byte{31, 0, 4}, utf16z(`\a.txt`)...), append([]byte{4, 0}, utf16z(`\b.txt`)...)...)...)) {
		t.Fatal("request bytes disagree with ntRenameWords and utf16z")
	}
	frame := func() []byte { return append([]byte{0, 0, 0, byte(len(req))}, req...) }
	// An open that does not share delete access keeps the file in place.
	hostileWrite(t, s.c, frame())
	expectStatus(t, s.c, cmdNTRename, 0x40, statusSharingViolation)
	s.closeFID(t, fid)
	hostileWrite(t, s.c, frame())
	expectStatus(t, s.c, cmdNTRename, 0x40, statusSuccess)
	if got := s.readClose(t, s.open(t, `\b.txt`)); string(got) != "payload" {
		t.Fatalf("b.txt reads %q", got)
	}

	// A rename by name shares read and write only, as Samba's: an open
	// holding DELETE access stops it even when that open shares delete
	// (SEC_RIGHTS_FILE_ALL, as smbtorture's create_complex_file asks);
	// one without DELETE access that shares delete does not. RENAME
	// follows the same rule.
	fid = s.ntCreate(t, `\b.txt`, 0x001F01FF, 1, statusSuccess)
	s.ntRename(t, 0, renameFlagRen, `\b.txt`, `\c.txt`, statusSharingViolation)
	s.oemCall(t, 0x07, le16(0), append(path(`\b.txt`), path(`\c.txt`)...), statusSharingViolation)
	s.closeFID(t, fid)
	fid = s.ntCreate(t, `\b.txt`, 0x00000001, 1, statusSuccess)
	s.ntRename(t, 0, renameFlagRen, `\b.txt`, `\c.txt`, statusSuccess)
	s.oemCall(t, 0x07, le16(0), append(path(`\c.txt`), path(`\b.txt`)...), statusSuccess)
	s.closeFID(t, fid)

	// Renaming a file to itself succeeds; a missing one is not found.
	s.ntRename(t, 0, renameFlagRen, `\b.txt`, `\b.txt`, statusSuccess)
	s.ntRename(t, 0, renameFlagRen, `\a.txt`, `\a.txt`, statusNameNotFound)
	// No wildcards, whatever the level.
	s.ntRename(t, 0, renameFlagRen, `\*.txt`, `\a.txt`, statusPathSyntaxBad)
	s.ntRename(t, 0, renameFlagLink, `\b.txt`, `\?.txt`, statusPathSyntaxBad)
	s.ntRename(t, 0, 0, `\*.txt`, `\a.txt`, statusPathSyntaxBad)
	// A hidden file needs HIDDEN in SearchAttributes.
	s.setAttrs(t, `\b.txt`, attrHidden)
	s.ntRename(t, 0, renameFlagRen, `\b.txt`, `\a.txt`, statusNoSuchFile)
	s.ntRename(t, attrHidden, renameFlagRen, `\b.txt`, `\a.txt`, statusSuccess)
	s.setAttrs(t, `\a.txt`, attrNormal)

	// A hard link: both names are one file with one set of attributes.
	s.ntRename(t, 0, renameFlagLink, `\a.txt`, `\b.txt`, statusSuccess)
	s.setAttrs(t, `\a.txt`, attrSystem)
	for _, n := range []string{`\a.txt`, `\b.txt`} {
		if l, a := s.links(t, n), s.attrs(t, n); l != 2 || a != attrSystem {
			t.Fatalf("%s after link: %d links, attributes %#04x; want 2, SYSTEM", n, l, a)
		}
	}
	s.setAttrs(t, `\a.txt`, attrNormal)
	s.ntRename(t, 0, renameFlagLink, `\a.txt`, `\b.txt`, statusNameCollision)
	s.oemCall(t, cmdDelete, le16(ntRenameAttrsHS), path(`\b.txt`), statusSuccess)
	if l, a := s.links(t, `\a.txt`), s.attrs(t, `\a.txt`); l != 1 || a != attrNormal {
		t.Fatalf("a.txt after unlink: %d links, attributes %#04x; want 1, NORMAL", l, a)
	}

	// A copy is a file of its own.
	s.ntRename(t, 0, renameFlagCopy, `\a.txt`, `\b.txt`, statusSuccess)
	s.setAttrs(t, `\a.txt`, attrSystem)
	if l, a := s.links(t, `\b.txt`), s.attrs(t, `\b.txt`); l != 1 || a != attrNormal {
		t.Fatalf("copy: %d links, attributes %#04x; want 1, NORMAL", l, a)
	}
	if got := s.readClose(t, s.open(t, `\b.txt`)); string(got) != "payload" {
		t.Fatalf("copy reads %q", got)
	}
	s.ntRename(t, 0, renameFlagCopy, `\a.txt`, `\b.txt`, statusNameCollision)
	s.oemCall(t, 0x00, nil, path(`\d`), statusSuccess) // CREATE_DIRECTORY
	s.ntRename(t, 0, renameFlagCopy, `\d`, `\e`, statusIsADir)
	s.ntRename(t, 0, renameFlagLink, `\d`, `\e`, statusIsADir)

	// Other levels: Samba's answers for a non-Windows-7 server.
	s.ntRename(t, 0, renameFlagMove, `\b.txt`, `\c.txt`, statusInvalidParameter)
	for _, level := range []uint16{0, 300, 0x0106, 0x0FFF} {
		s.ntRename(t, 0, level, `\b.txt`, `\c.txt`, statusAccessDenied)
	}
	// ClusterCount means nothing to a rename.
	s.oemCall(t, cmdNTRename, ntRenameWords(0, renameFlagRen, 0xff), append(path(`\b.txt`), path(`\c.txt`)...), statusSuccess)
	// A malformed request (RENAME's one word) is refused.
	s.oemCall(t, cmdNTRename, le16(0), append(path(`\c.txt`), path(`\f.txt`)...), statusInvalidParameter)
}

// TestNTRenameLinkUnsupported: a share whose Fs cannot hard-link
// (MemMapFs) answers STATUS_NOT_SUPPORTED and creates nothing.
func TestNTRenameLinkUnsupported(t *testing.T) {
	s := newHostileServer(t).login(t)
	s.ntRename(t, 0, renameFlagLink, `\victim.txt`, `\link.txt`, statusNotSupp)
	s.oemCall(t, cmdQueryInfo, nil, path(`\link.txt`), statusNameNotFound)
	// Copy needs nothing of the Fs beyond afero.
	s.ntRename(t, 0, renameFlagCopy, `\victim.txt`, `\copy.txt`, statusSuccess)
	if got := s.readClose(t, s.open(t, `\copy.txt`)); string(got) != hostileFileText {
		t.Fatalf("copy reads %q", got)
	}
}

//go:build !tinysmbd_nocore

package server_test

// Tests of NT_TRANSACT_NOTIFY_CHANGE, NT_CANCEL of it and the security
// descriptor functions, with requests built byte by byte from MS-CIFS
// 2.2.7.

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/tinysmbd/tinysmbd/smb"
)

const (
	cmdNTCancel         = 0xA4
	statusNotifyEnumDir = 0x0000010C
	statusCancelled     = 0xC0000120
	statusBufferTooSmal = 0xC0000023
)

// notifySetup is the NOTIFY_CHANGE setup (MS-CIFS 2.2.7.4.1): filter,
// FID, WatchTree, Reserved.
func notifySetup(filter uint32, fid uint16, tree bool) []byte {
	s := append(le32(nil, filter), le16(fid)...)
	if tree {
		return append(s, 1, 0)
	}
	return append(s, 0, 0)
}

// mkdirOpen creates directory name and opens it for listing
// (NT_CREATE_ANDX, FILE_CREATE, FILE_DIRECTORY_FILE).
func (s *hostileSession) mkdirOpen(t *testing.T, name string) uint16 {
	t.Helper()
	s.mid++
	hostileWrite(t, s.c, ntCreateRequest(s.mid, s.uid, s.tid, name, 0x1, 2, 1))
	return binary.LittleEndian.Uint16(expectStatus(t, s.c, benchCmdNTCreate, s.mid, statusSuccess).words[5:])
}

// notify sends a NOTIFY_CHANGE for names in fid and returns its MID,
// without waiting: the reply comes when the request completes.
func (s *hostileSession) notify(t *testing.T, fid uint16) uint16 {
	t.Helper()
	return s.notifyWith(t, fid, 0x3, false, 1000)
}

// notifyWith sends a NOTIFY_CHANGE on fid for the changes in filter, with
// the subtree when tree is set, answered with at most maxParams bytes of
// changes, and returns its MID without waiting.
func (s *hostileSession) notifyWith(t *testing.T, fid uint16, filter uint32, tree bool, maxParams uint32) uint16 {
	t.Helper()
	s.mid++
	hostileWrite(t, s.c, ntTransactMax(s.mid, s.uid, s.tid, 4, notifySetup(filter, fid, tree), nil, maxParams, 0))
	return s.mid
}

// change is a FILE_NOTIFY_INFORMATION entry (MS-FSCC 2.7.1) a test
// expects.
type change struct {
	action uint32
	name   string
}

// expectChanges reads the reply to the NOTIFY_CHANGE mid: STATUS_SUCCESS
// with want as its parameters (MS-CIFS 2.2.7.4.2) and no data; no want is
// the empty reply of a list that did not fit.
func (s *hostileSession) expectChanges(t *testing.T, mid uint16, want ...change) {
	t.Helper()
	var list []byte
	last := -1
	for _, c := range want {
		list, last = smb.AppendFileNotifyInformation(list, last, c.action, c.name)
	}
	p, d := transParamsData(t, expectStatus(t, s.c, hCmdNTTransact, mid, statusSuccess))
	if !bytes.Equal(p, list) || d != nil {
		t.Fatalf("changes % x data % x, want % x (%v)", p, d, list, want)
	}
}

// emptyNTTransact is the words of an NT_TRANSACT response (MS-CIFS
// 2.2.4.62.2) with no parameters, data or setup: both offsets point past
// the 18 words, ByteCount (32+1+36+2 = 71) and one pad byte, which makes
// the data block.
var emptyNTTransact = []byte{
	0, 0, 0, // Reserved1
	0, 0, 0, 0, 0, 0, 0, 0, // TotalParameterCount, TotalDataCount
	0, 0, 0, 0, 72, 0, 0, 0, 0, 0, 0, 0, // ParameterCount, Offset, Displacement
	0, 0, 0, 0, 72, 0, 0, 0, 0, 0, 0, 0, // DataCount, Offset, Displacement
	0, // SetupCount
}

// TestNotifyChangeCompletedByCreate: NOTIFY_CHANGE stays pending while
// the connection serves other requests, and a create in the directory by
// another connection completes it with the name added.
func TestNotifyChangeCompletedByCreate(t *testing.T) {
	hs := newHostileServer(t)
	a, b := hs.login(t), hs.login(t)
	dir := a.mkdirOpen(t, `\watched`)
	mid := a.notify(t, dir)
	// Pending: other requests are answered meanwhile, including a
	// change outside the directory.
	a.readClose(t, a.open(t, `\victim.txt`))
	a.ntCreate(t, `\elsewhere.txt`, 0x80, 2, statusSuccess)
	b.ntCreate(t, `\watched\new.txt`, 0x80, 2, statusSuccess)
	a.expectChanges(t, mid, change{smb.FileActionAdded, "new.txt"})
	// One change completes one request: a new one waits again.
	mid = a.notify(t, dir)
	a.expectQuiet(t) // the notify is registered and pending
	b.call(t, hCmdClose, b.uid, b.tid, append(le16(b.mkdirOpen(t, `\watched\sub`)), 0, 0, 0, 0), nil, statusSuccess)
	a.expectChanges(t, mid, change{smb.FileActionAdded, "sub"})
}

// TestNotifyChangeBuffered: once a handle has asked, the changes made while
// no request waits are kept and answered at once by the next request, in
// order; a second handle on the directory sees only the changes after its
// own first request (smbtorture raw.notify dir).
func TestNotifyChangeBuffered(t *testing.T) {
	hs := newHostileServer(t)
	a, b := hs.login(t), hs.login(t)
	dir := a.mkdirOpen(t, `\watched`)
	mid := a.notify(t, dir)
	hostileWrite(t, a.c, smbRequest(cmdNTCancel, mid, a.uid, a.tid, clientFlags2, nil, nil))
	expectStatus(t, a.c, hCmdNTTransact, mid, statusCancelled)
	b.closeFID(t, b.ntCreate(t, `\watched\f1`, 0x80, 2, statusSuccess))
	b.closeFID(t, b.ntCreate(t, `\watched\f2`, 0x80, 2, statusSuccess))
	b.oemCall(t, cmdDelete, le16(0x6), path(`\watched\f1`), statusSuccess)
	other := a.ntCreate(t, `\watched`, 0x1, 1, statusSuccess)
	otherMid := a.notify(t, other)
	a.expectChanges(t, a.notify(t, dir), change{smb.FileActionAdded, "f1"},
		change{smb.FileActionAdded, "f2"}, change{smb.FileActionRemoved, "f1"})
	b.oemCall(t, cmdDelete, le16(0x6), path(`\watched\f2`), statusSuccess)
	a.expectChanges(t, otherMid, change{smb.FileActionRemoved, "f2"})
	a.expectChanges(t, a.notify(t, dir), change{smb.FileActionRemoved, "f2"})
}

// TestNotifyChangeRename: a rename within the directory is its old and new
// names, a move to a subdirectory is a removal and an addition with the
// subdirectory's path for a tree watch; a file also shows as modified
// under its new name, as Windows and Samba report it.
func TestNotifyChangeRename(t *testing.T) {
	hs := newHostileServer(t)
	a, b := hs.login(t), hs.login(t)
	dir := a.mkdirOpen(t, `\watched`)
	b.closeFID(t, b.mkdirOpen(t, `\watched\sub`))
	b.closeFID(t, b.ntCreate(t, `\watched\old.txt`, 0x80, 2, statusSuccess))
	const names, attrs, creation = 0x3, 0x4, 0x40
	mid := a.notifyWith(t, dir, names|attrs|creation, true, 1000)
	a.expectQuiet(t)
	b.ntRename(t, 0x16, renameFlagRen, `\watched\old.txt`, `\watched\new.txt`, statusSuccess)
	a.expectChanges(t, mid, change{smb.FileActionRenamedOldName, "old.txt"},
		change{smb.FileActionRenamedNewName, "new.txt"}, change{smb.FileActionModified, "new.txt"})
	b.ntRename(t, 0x16, renameFlagRen, `\watched\new.txt`, `\watched\sub\moved.txt`, statusSuccess)
	b.ntRename(t, 0x16, renameFlagRen, `\watched\sub`, `\watched\sub2`, statusSuccess)
	a.expectChanges(t, a.notify(t, dir), change{smb.FileActionRemoved, "new.txt"},
		change{smb.FileActionAdded, `sub\moved.txt`}, change{smb.FileActionModified, `sub\moved.txt`},
		change{smb.FileActionRenamedOldName, "sub"}, change{smb.FileActionRenamedNewName, "sub2"})
}

// TestNotifyChangeModified: a written file closing and an attribute
// change are MODIFIED in the classes of their filter bits; the bits not
// asked for see nothing.
func TestNotifyChangeModified(t *testing.T) {
	hs := newHostileServer(t)
	a, b := hs.login(t), hs.login(t)
	size := a.mkdirOpen(t, `\watched`)
	attrs := a.ntCreate(t, `\watched`, 0x1, 1, statusSuccess)
	fid := b.ntCreate(t, `\watched\f.txt`, 0x12019f, 2, statusSuccess)
	const sizeBit, attrBit = 0x8, 0x4
	sizeMid := a.notifyWith(t, size, sizeBit, false, 1000)
	attrMid := a.notifyWith(t, attrs, attrBit, false, 1000)
	a.expectQuiet(t)
	// A write shows when its handle closes.
	b.write(t, fid, 0, []byte("data"), false, statusSuccess)
	a.expectQuiet(t)
	b.closeFID(t, fid)
	a.expectChanges(t, sizeMid, change{smb.FileActionModified, "f.txt"})
	b.setAttrs(t, `\watched\f.txt`, 0x2)
	a.expectChanges(t, attrMid, change{smb.FileActionModified, "f.txt"})
	// The attribute change was not the size watch's.
	sizeMid = a.notifyWith(t, size, sizeBit, false, 1000)
	a.expectQuiet(t)
	hostileWrite(t, a.c, smbRequest(cmdNTCancel, sizeMid, a.uid, a.tid, clientFlags2, nil, nil))
	expectStatus(t, a.c, hCmdNTTransact, sizeMid, statusCancelled)
}

// TestNotifyChangeOverflow: more changes than the first request's
// MaxParameterCount, a list longer than a later request takes, and a
// MaxParameterCount of 0 are answered STATUS_SUCCESS with no list, as
// Samba answers SMB1 (smbtorture raw.notify overflow); the buffer then
// starts afresh.
func TestNotifyChangeOverflow(t *testing.T) {
	hs := newHostileServer(t)
	a, b := hs.login(t), hs.login(t)
	dir := a.mkdirOpen(t, `\watched`)
	// Room for 64 bytes: three entries of 20 bytes (18 padded to 4), not
	// four.
	mid := a.notifyWith(t, dir, 0x3, false, 64)
	hostileWrite(t, a.c, smbRequest(cmdNTCancel, mid, a.uid, a.tid, clientFlags2, nil, nil))
	expectStatus(t, a.c, hCmdNTTransact, mid, statusCancelled)
	for _, n := range []string{`\watched\f11`, `\watched\f12`, `\watched\f13`, `\watched\f14`} {
		b.closeFID(t, b.ntCreate(t, n, 0x80, 2, statusSuccess))
	}
	a.expectChanges(t, a.notifyWith(t, dir, 0x3, false, 1000))
	// Two entries fit the buffer but not a request taking 16 bytes.
	b.oemCall(t, cmdDelete, le16(0x6), path(`\watched\f11`), statusSuccess)
	b.oemCall(t, cmdDelete, le16(0x6), path(`\watched\f12`), statusSuccess)
	a.expectChanges(t, a.notifyWith(t, dir, 0x3, false, 16))
	b.oemCall(t, cmdDelete, le16(0x6), path(`\watched\f13`), statusSuccess)
	a.expectChanges(t, a.notifyWith(t, dir, 0x3, false, 1000), change{smb.FileActionRemoved, "f13"})
	// A handle whose first request takes nothing keeps nothing.
	zero := a.ntCreate(t, `\watched`, 0x1, 1, statusSuccess)
	mid = a.notifyWith(t, zero, 0x3, false, 0)
	a.expectQuiet(t)
	b.oemCall(t, cmdDelete, le16(0x6), path(`\watched\f14`), statusSuccess)
	a.expectChanges(t, mid)
}

// TestNotifyChangeCancel: NT_CANCEL with the MID of a pending notify
// completes it with STATUS_CANCELLED and gets no reply itself.
func TestNotifyChangeCancel(t *testing.T) {
	hs := newHostileServer(t)
	a := hs.login(t)
	dir := a.mkdirOpen(t, `\watched`)
	mid := a.notify(t, dir)
	hostileWrite(t, a.c, smbRequest(cmdNTCancel, mid, a.uid, a.tid, clientFlags2, nil, nil))
	r := expectStatus(t, a.c, hCmdNTTransact, mid, statusCancelled)
	if len(r.words) != 0 || len(r.data) != 0 {
		t.Fatalf("cancelled reply words % x data % x", r.words, r.data)
	}
	// The next reply is the next request's: NT_CANCEL had none, and the
	// cancelled request does not fire on a later change.
	a.ntCreate(t, `\watched\x.txt`, 0x80, 2, statusSuccess)
	a.readClose(t, a.open(t, `\victim.txt`))
}

// TestNotifyChangeEndedByClose: closing the directory, disconnecting the
// tree or logging off completes the pending notify with STATUS_SUCCESS
// and no changes before the reply to the request that ended it, as Samba
// answers SMB1 (smbtorture raw.notify close, tdis, ulogoff).
func TestNotifyChangeEndedByClose(t *testing.T) {
	hs := newHostileServer(t)
	a := hs.login(t)
	dir := a.mkdirOpen(t, `\watched`)
	mid := a.notify(t, dir)
	a.mid++
	hostileWrite(t, a.c, smbRequest(hCmdClose, a.mid, a.uid, a.tid, clientFlags2, append(le16(dir), 0, 0, 0, 0), nil))
	r := expectStatus(t, a.c, hCmdNTTransact, mid, statusSuccess)
	if !bytes.Equal(r.words, emptyNTTransact) || !bytes.Equal(r.data, []byte{0}) {
		t.Fatalf("cleanup reply words % x data % x", r.words, r.data)
	}
	expectStatus(t, a.c, hCmdClose, a.mid, statusSuccess)

	dir = a.mkdirOpen(t, `\watched2`)
	mid = a.notify(t, dir)
	a.mid++
	hostileWrite(t, a.c, smbRequest(hCmdTreeDisconnect, a.mid, a.uid, a.tid, clientFlags2, nil, nil))
	expectStatus(t, a.c, hCmdNTTransact, mid, statusSuccess)
	expectStatus(t, a.c, hCmdTreeDisconnect, a.mid, statusSuccess)

	a.tid = a.treeConnect(t)
	dir = a.ntCreate(t, `\watched`, 0x1, 1, statusSuccess)
	mid = a.notify(t, dir)
	a.mid++
	hostileWrite(t, a.c, smbRequest(hCmdLogoffAndX, a.mid, a.uid, a.tid, clientFlags2, []byte{0xFF, 0, 0, 0}, nil))
	expectStatus(t, a.c, hCmdNTTransact, mid, statusSuccess)
	expectStatus(t, a.c, hCmdLogoffAndX, a.mid, statusSuccess)
}

// TestNotifyChangeNeedsADirectory: a file FID is STATUS_INVALID_PARAMETER,
// an unknown FID STATUS_INVALID_HANDLE, both at once.
func TestNotifyChangeNeedsADirectory(t *testing.T) {
	hs := newHostileServer(t)
	a := hs.login(t)
	fid := a.open(t, `\victim.txt`)
	a.mid++
	hostileWrite(t, a.c, ntTransactSetup(a.mid, a.uid, a.tid, 4, notifySetup(0x3, fid, false), nil, 1000))
	expectStatus(t, a.c, hCmdNTTransact, a.mid, statusInvalidParameter)
	a.mid++
	hostileWrite(t, a.c, ntTransactSetup(a.mid, a.uid, a.tid, 4, notifySetup(0x3, fid+7, false), nil, 1000))
	expectStatus(t, a.c, hCmdNTTransact, a.mid, statusInvalidHandle)
}

// securityDescriptor is the descriptor every file reports (MS-DTYP 2.4.6):
// self-relative, DACL present; owner S-1-5-32-544, group S-1-5-32-545, a
// DACL granting Everyone FILE_ALL_ACCESS.
var securityDescriptor = []byte{
	1, 0, 0x04, 0x80, 0x14, 0, 0, 0, 0x24, 0, 0, 0, 0, 0, 0, 0, 0x34, 0, 0, 0,
	1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0,
	1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x21, 2, 0, 0,
	2, 0, 0x1c, 0, 1, 0, 0, 0,
	0, 0, 0x14, 0, 0xff, 0x01, 0x1f, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
}

// transParamsData splits an NT_TRANSACT response into its parameters and
// data (MS-CIFS 2.2.4.62.2: ParameterCount/Offset at words 11 and 15,
// DataCount/Offset at 23 and 27).
func transParamsData(t *testing.T, r smbResponse) (params, data []byte) {
	t.Helper()
	if len(r.words) < 36 {
		t.Fatalf("NT_TRANSACT response with %d word bytes", len(r.words))
	}
	base := 32 + 1 + len(r.words) + 2
	at := func(count, off int) []byte {
		n, o := int(binary.LittleEndian.Uint32(r.words[count:])), int(binary.LittleEndian.Uint32(r.words[off:]))
		if n == 0 {
			return nil
		}
		return r.data[o-base : o-base+n]
	}
	return at(11, 15), at(23, 27)
}

func TestQuerySecurityDesc(t *testing.T) {
	hs := newHostileServer(t)
	a := hs.login(t)
	fid := a.open(t, `\victim.txt`)
	query := func(info, maxData uint32, status uint32) (params, data []byte) {
		a.mid++
		hostileWrite(t, a.c, ntTransactSetup(a.mid, a.uid, a.tid, 6, nil, le32(le16(fid, 0), info), maxData))
		return transParamsData(t, expectStatus(t, a.c, hCmdNTTransact, a.mid, status))
	}
	p, d := query(7, 1024, statusSuccess)
	if !bytes.Equal(p, le32(nil, uint32(len(securityDescriptor)))) || !bytes.Equal(d, securityDescriptor) {
		t.Fatalf("owner, group, DACL: params % x data % x", p, d)
	}
	p, d = query(1, 1024, statusSuccess)
	if want := append([]byte{1, 0, 0, 0x80, 0x14, 0, 0, 0}, make([]byte, 12)...); !bytes.Equal(d, append(want, securityDescriptor[20:36]...)) || !bytes.Equal(p, le32(nil, 36)) {
		t.Fatalf("owner only: params % x data % x", p, d)
	}
	// MS-CIFS 3.3.5.59.6: too small a buffer gets the length needed.
	p, d = query(7, 16, statusBufferTooSmal)
	if !bytes.Equal(p, le32(nil, uint32(len(securityDescriptor)))) || d != nil {
		t.Fatalf("buffer too small: params % x data % x", p, d)
	}
	a.mid++
	hostileWrite(t, a.c, ntTransactSetup(a.mid, a.uid, a.tid, 6, nil, le32(le16(fid+9, 0), 7), 1024))
	expectStatus(t, a.c, hCmdNTTransact, a.mid, statusInvalidHandle)
}

func TestSetSecurityDesc(t *testing.T) {
	hs := newHostileServer(t)
	a := hs.login(t)
	set := func(fid uint16, status uint32) {
		a.mid++
		hostileWrite(t, a.c, ntTransactSetup(a.mid, a.uid, a.tid, 3, nil, le32(le16(fid, 0), 4), 0))
		expectStatus(t, a.c, hCmdNTTransact, a.mid, status)
	}
	set(a.ntCreate(t, `\victim.txt`, 0x00060000, 1, statusSuccess), statusSuccess) // READ_CONTROL|WRITE_DAC
	set(a.ntCreate(t, `\victim.txt`, 0x80, 1, statusSuccess), statusAccessDenied)  // FILE_READ_ATTRIBUTES
}

//go:build !tinysmbd_nocore

package server_test

// Tests of Windows delete semantics across connections as smbtorture
// base.delete checks them: the DeletePending and NumberOfLinks that
// TRANS2_QUERY_FILE_INFORMATION reports, and the statuses of opens and path
// queries while a file is delete pending.

import (
	"encoding/binary"
	"testing"
)

const (
	statusDeletePending   = 0xC0000056
	statusCannotDelete    = 0xC0000121
	levelAllInfoQ         = 0x0107  // SMB_QUERY_FILE_ALL_INFO
	levelDisposition      = 0x0102  // SMB_SET_FILE_DISPOSITION_INFO
	createDeleteOnClose   = 0x1000  // FILE_DELETE_ON_CLOSE
	accessReadWriteDelete = 0x10003 // FILE_READ_DATA | FILE_WRITE_DATA | DELETE
	attrReadonly          = 0x0001  // ATTR_READONLY
	trans2QueryFileInfo   = 0x0007  // TRANS2_QUERY_FILE_INFORMATION
	allInfoStandardOffset = 40      // ALL_INFO: four times, attributes, reserved
	standardLinksOffset   = 16      // after AllocationSize and EndOfFile
	standardPendingOffset = 16 + 4  // after NumberOfLinks
	ntCreateAttrsWord     = 27      // ExtFileAttributes: after AndX, NameLength, Flags, RootDirectoryFID, DesiredAccess, AllocationSize
)

// ntCreateOpts sends NT_CREATE_ANDX with CreateOptions and ExtFileAttributes
// and checks the status; on success it returns the FID.
func (s *hostileSession) ntCreateOpts(t *testing.T, name string, access, disp, opts, attrs uint32, status uint32) uint16 {
	t.Helper()
	w, d := ntCreateBlock(name, access, disp, opts)
	binary.LittleEndian.PutUint32(w[ntCreateAttrsWord:], attrs)
	r := s.call(t, benchCmdNTCreate, s.uid, s.tid, w, d, status)
	if status != statusSuccess {
		return 0
	}
	return binary.LittleEndian.Uint16(r.words[5:])
}

// standardInfo reads NumberOfLinks and DeletePending of fid from the
// STANDARD part of SMB_QUERY_FILE_ALL_INFO and from SMB_QUERY_FILE_STANDARD_INFO
// (MS-CIFS 2.2.8.3.7, 2.2.8.3.10), failing when the two disagree.
func (s *hostileSession) standardInfo(t *testing.T, fid uint16) (links uint32, pending bool) {
	t.Helper()
	std := s.transData(t, trans2QueryFileInfo, le16(fid, levelStandardQ), statusSuccess)
	all := s.transData(t, trans2QueryFileInfo, le16(fid, levelAllInfoQ), statusSuccess)
	if len(std) < 22 || len(all) < allInfoStandardOffset+22 {
		t.Fatalf("STANDARD_INFO of %d bytes, ALL_INFO of %d", len(std), len(all))
	}
	all = all[allInfoStandardOffset:]
	links, pending = binary.LittleEndian.Uint32(std[standardLinksOffset:]), std[standardPendingOffset] != 0
	if l, p := binary.LittleEndian.Uint32(all[standardLinksOffset:]), all[standardPendingOffset] != 0; l != links || p != pending {
		t.Fatalf("ALL_INFO says links %d pending %v, STANDARD_INFO links %d pending %v", l, p, links, pending)
	}
	return links, pending
}

// transData sends a TRANSACTION2 with one setup word sub and params and
// returns the reply's data block.
func (s *hostileSession) transData(t *testing.T, sub uint16, params []byte, status uint32) []byte {
	t.Helper()
	w, d := trans2(sub, params, nil)
	r := s.call(t, hCmdTransaction2, s.uid, s.tid, w, d, status)
	if status != statusSuccess {
		return nil
	}
	dc, do := binary.LittleEndian.Uint16(r.words[12:]), int(binary.LittleEndian.Uint16(r.words[14:]))
	return r.data[do-(35+len(r.words)):][:dc]
}

// wantStandard checks what fid reports.
func (s *hostileSession) wantStandard(t *testing.T, fid uint16, links uint32, pending bool) {
	t.Helper()
	if l, p := s.standardInfo(t, fid); l != links || p != pending {
		t.Errorf("FID %d: NumberOfLinks %d DeletePending %v, want %d %v", fid, l, p, links, pending)
	}
}

// TestDeleteOnCloseAcrossConnections: FILE_DELETE_ON_CLOSE given at create
// is not reported until its open closes; then the other connection's open
// reports DeletePending 1 and NumberOfLinks 0, a path query and a new open
// get STATUS_DELETE_PENDING, and the last close deletes the file
// (base.delete deltest16, deltest20a).
func TestDeleteOnCloseAcrossConnections(t *testing.T) {
	hs := newHostileServer(t)
	a, b := hs.login(t), hs.login(t)
	fa := a.ntCreateOpts(t, `\doc.txt`, accessReadWriteDelete, dispCreate, createDeleteOnClose, 0, statusSuccess)
	fb := b.ntCreateOpts(t, `\doc.txt`, accessReadWriteDelete, dispOpen, 0, 0, statusSuccess)
	a.wantStandard(t, fa, 1, false)
	b.wantStandard(t, fb, 1, false)
	b.transData(t, trans2QueryPathInfo, append(le16(levelStandardQ, 0, 0), utf16z(`\doc.txt`)...), statusSuccess)

	a.closeFID(t, fa)
	b.wantStandard(t, fb, 0, true)
	b.transData(t, trans2QueryPathInfo, append(le16(levelStandardQ, 0, 0), utf16z(`\doc.txt`)...), statusDeletePending)
	a.ntCreateOpts(t, `\doc.txt`, accessReadWriteDelete, dispOpen, 0, 0, statusDeletePending)

	b.closeFID(t, fb)
	a.ntCreateOpts(t, `\doc.txt`, accessReadWriteDelete, dispOpen, 0, 0, statusNameNotFound)
}

// TestDispositionAcrossConnections: FILE_DISPOSITION_INFORMATION marks the
// file at once for every open, and clearing it through another
// connection's open undoes it (base.delete deltest8, deltest13).
func TestDispositionAcrossConnections(t *testing.T) {
	hs := newHostileServer(t)
	a, b := hs.login(t), hs.login(t)
	fa := a.ntCreateOpts(t, `\disp.txt`, accessReadWriteDelete, dispCreate, 0, 0, statusSuccess)
	fb := b.ntCreateOpts(t, `\disp.txt`, accessReadWriteDelete, dispOpen, 0, 0, statusSuccess)
	wantSetInfoReply(t, a.setFileInfo(t, fa, levelDisposition, []byte{1}, statusSuccess))
	a.wantStandard(t, fa, 0, true)
	b.wantStandard(t, fb, 0, true)
	wantSetInfoReply(t, b.setFileInfo(t, fb, levelDisposition, []byte{0}, statusSuccess))
	a.wantStandard(t, fa, 1, false)
	b.wantStandard(t, fb, 1, false)
	a.closeFID(t, fa)
	b.closeFID(t, fb)
	a.closeFID(t, a.ntCreateOpts(t, `\disp.txt`, accessReadWriteDelete, dispOpen, 0, 0, statusSuccess))
}

// TestDeleteOnCloseReadOnlyCreate: creating a read-only file with
// FILE_DELETE_ON_CLOSE is STATUS_CANNOT_DELETE and creates nothing
// (MS-FSA 2.1.5.1.1; base.delete deltest12).
func TestDeleteOnCloseReadOnlyCreate(t *testing.T) {
	s := newHostileServer(t).login(t)
	s.ntCreateOpts(t, `\ro.txt`, accessAll, dispCreate, createDeleteOnClose, attrReadonly, statusCannotDelete)
	s.ntCreateOpts(t, `\ro.txt`, accessAll, dispOpen, 0, 0, statusNameNotFound)
}

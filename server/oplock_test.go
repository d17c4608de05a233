//go:build !tinysmbd_nocore

package server_test

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/server"
)

const cmdLockingAndX = 0x24

// oplockOpen sends an NT_CREATE_ANDX of victim.txt asking for the oplock
// flags (MS-CIFS 2.2.4.64.1: 0x2 oplock, 0x4 batch), without waiting for
// the reply.
func (s *hostileSession) oplockOpen(t *testing.T, flags uint32) {
	t.Helper()
	s.oplockOpenDisp(t, flags, 1) // FILE_OPEN
}

// oplockOpenDisp is oplockOpen with the given CreateDisposition.
func (s *hostileSession) oplockOpenDisp(t *testing.T, flags, disposition uint32) {
	t.Helper()
	s.mid++
	w, d := ntCreateBlock(`\victim.txt`, accessAll, disposition, 0)
	binary.LittleEndian.PutUint32(w[7:], flags)
	hostileWrite(t, s.c, smbRequest(benchCmdNTCreate, s.mid, s.uid, s.tid, clientFlags2, w, d))
}

// oplockOpened reads the reply to oplockOpen and returns the FID and the
// OplockLevel (word byte 4 of MS-CIFS 2.2.4.64.2).
func (s *hostileSession) oplockOpened(t *testing.T) (fid uint16, level byte) {
	t.Helper()
	r := expectStatus(t, s.c, benchCmdNTCreate, s.mid, statusSuccess)
	return binary.LittleEndian.Uint16(r.words[5:]), r.words[4]
}

// expectBreak reads the oplock break request to none the server sends the
// holder and checks it byte for byte (MS-CIFS 2.2.4.32.1).
func expectBreak(t *testing.T, s *hostileSession, fid uint16) {
	t.Helper()
	expectBreakTo(t, s, fid, 0)
}

// expectBreakTo is expectBreak for a break to NewOplockLevel level (0
// none, 1 level II).
func expectBreakTo(t *testing.T, s *hostileSession, fid uint16, level byte) {
	t.Helper()
	typ, p, err := readFrame(s.c)
	if err != nil || typ != nbssMessage {
		t.Fatalf("waiting for the break: type 0x%02x, %v", typ, err)
	}
	want := []byte{0xFF, 'S', 'M', 'B', cmdLockingAndX, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	want = binary.LittleEndian.AppendUint16(want, s.tid)
	want = append(want, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF) // PID, UID, MID
	want = append(want, 8, 0xFF, 0, 0, 0)             // WordCount, AndX
	want = binary.LittleEndian.AppendUint16(want, fid)
	want = append(want, 0x02, level, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) // OPLOCK_RELEASE, NewOplockLevel
	if !bytes.Equal(p, want) {
		t.Fatalf("break request\n got % x\nwant % x", p, want)
	}
}

// oplockAck is the holder's LOCKING_ANDX acknowledging the break to none.
func oplockAck(fid uint16) []byte { return oplockAckTo(fid, 0) }

// oplockAckTo acknowledges a break keeping NewOplockLevel level.
func oplockAckTo(fid uint16, level byte) []byte {
	w := []byte{0xFF, 0, 0, 0}
	w = binary.LittleEndian.AppendUint16(w, fid)
	w = append(w, 0x02, level)
	w = le32(w, 0)
	return append(w, 0, 0, 0, 0)
}

// holdOplock logs two sessions in, on two connections, and has the first
// open victim.txt asking flags, checking the level granted.
func holdOplock(t *testing.T, flags uint32, want byte) (a, b *hostileSession, fid uint16) {
	t.Helper()
	_, a, b, fid = holdOplockWith(t, false, false, flags, want)
	return a, b, fid
}

// holdOplockWith is holdOplock with a's and b's clients taking level II
// oplocks as aII and bII say.
func holdOplockWith(t *testing.T, aII, bII bool, flags uint32, want byte) (hs *hostileServer, a, b *hostileSession, fid uint16) {
	t.Helper()
	hs = newHostileServer(t)
	login := func(levelII bool) *hostileSession {
		if levelII {
			return hs.loginLevelII(t)
		}
		return hs.login(t)
	}
	a, b = login(aII), login(bII)
	a.oplockOpen(t, flags)
	return hs, a, b, a.wantOpened(t, want)
}

// TestOplockGrantBreakAck: a lone open gets the batch oplock it asks for;
// an open from another connection makes the server send the holder a
// break and waits until the holder acknowledges (which gets no reply),
// then opens without an oplock.
func TestOplockGrantBreakAck(t *testing.T) {
	a, b, fid := holdOplock(t, 0x6, 2)
	b.oplockOpen(t, 0x2)
	expectBreak(t, a, fid)
	a.mid++
	hostileWrite(t, a.c, smbRequest(cmdLockingAndX, a.mid, a.uid, a.tid, clientFlags2, oplockAck(fid), nil))
	if _, level := b.oplockOpened(t); level != 0 {
		t.Fatalf("second open got OplockLevel %d, want 0", level)
	}
	// The acknowledgement had no reply: the next reply a reads is its
	// CLOSE's.
	a.call(t, hCmdClose, a.uid, a.tid, append(le16(fid), 0, 0, 0, 0), nil, statusSuccess)
}

// TestOplockBreakClose: the holder answering the break with a CLOSE lets
// the waiting open go on; an exclusive oplock is granted and broken alike.
func TestOplockBreakClose(t *testing.T) {
	a, b, fid := holdOplock(t, 0x2, 1)
	b.oplockOpen(t, 0x6)
	expectBreak(t, a, fid)
	a.call(t, hCmdClose, a.uid, a.tid, append(le16(fid), 0, 0, 0, 0), nil, statusSuccess)
	// The holder is gone: the waiting open is the only one and gets the
	// batch oplock it asked for.
	if _, level := b.oplockOpened(t); level != 2 {
		t.Fatalf("second open got OplockLevel %d, want 2", level)
	}
}

// TestOplockBreakTimeout: a holder that never answers loses its oplock
// when the wait ends, and the waiting open goes on.
func TestOplockBreakTimeout(t *testing.T) {
	defer server.SetOplockBreakWait(time.Millisecond)()
	a, b, fid := holdOplock(t, 0x6, 2)
	b.oplockOpen(t, 0)
	expectBreak(t, a, fid)
	if _, level := b.oplockOpened(t); level != 0 {
		t.Fatalf("second open got OplockLevel %d", level)
	}
}

// TestOplockNotGrantedBesideOpen: an open of a file open elsewhere gets no
// oplock, and the holder's own I/O breaks nothing.
func TestOplockNotGrantedBesideOpen(t *testing.T) {
	_, b, _ := holdOplock(t, 0, 0)
	b.oplockOpen(t, 0x6)
	fid, level := b.oplockOpened(t)
	if level != 0 {
		t.Fatalf("OplockLevel %d beside another open, want 0", level)
	}
	b.readClose(t, fid)
}

// TestOplockBreakDelete: deleting a file another client holds a batch
// oplock on breaks it first; the holder closing lets the delete succeed.
func TestOplockBreakDelete(t *testing.T) {
	a, b, fid := holdOplock(t, 0x6, 2)
	b.mid++
	name := utf16z(`\victim.txt`)
	hostileWrite(t, b.c, smbRequest(cmdDelete, b.mid, b.uid, b.tid, clientFlags2, le16(0x06), append([]byte{0x04}, name...)))
	expectBreak(t, a, fid)
	a.call(t, hCmdClose, a.uid, a.tid, append(le16(fid), 0, 0, 0, 0), nil, statusSuccess)
	expectStatus(t, b.c, cmdDelete, b.mid, statusSuccess)
}

// capLevelIIOplocks is CAP_LEVEL_II_OPLOCKS (MS-CIFS 2.2.4.52.2).
const capLevelIIOplocks = 0x00000080

// loginLevelII is login for a client that takes level II oplocks: it sets
// CAP_LEVEL_II_OPLOCKS in SESSION_SETUP_ANDX, which it may only do when
// the server advertised it.
func (hs *hostileServer) loginLevelII(t *testing.T) *hostileSession {
	t.Helper()
	c := hs.dial(t)
	hostileWrite(t, c, negotiateRequest(1))
	neg := checkNegotiate(t, expectReply(t, c, cmdNegotiate, 1))
	if neg.caps&capLevelIIOplocks == 0 {
		t.Fatalf("NEGOTIATE capabilities 0x%08x lack CAP_LEVEL_II_OPLOCKS", neg.caps)
	}
	req := sessionSetupRequest(2, neg, testUser, testPassword)
	// Capabilities is the twelfth word byte pair past MaxBufferSize:
	// NetBT header, SMB header, WordCount, then 22 bytes of words.
	req[4+32+1+22] |= capLevelIIOplocks
	hostileWrite(t, c, req)
	s := &hostileSession{c: c, uid: expectReply(t, c, cmdSessionSetup, 2).uid, mid: 2, neg: neg}
	s.tid = s.treeConnect(t)
	return s
}

// wantOpened reads the reply to oplockOpen, checks the OplockLevel
// granted and returns the FID.
func (s *hostileSession) wantOpened(t *testing.T, want byte) uint16 {
	t.Helper()
	fid, level := s.oplockOpened(t)
	if level != want {
		t.Fatalf("OplockLevel %d, want %d", level, want)
	}
	return fid
}

// ack sends s's acknowledgement of a break of fid keeping level, which
// gets no reply.
func (s *hostileSession) ack(t *testing.T, fid uint16, level byte) {
	t.Helper()
	s.mid++
	hostileWrite(t, s.c, smbRequest(cmdLockingAndX, s.mid, s.uid, s.tid, clientFlags2, oplockAckTo(fid, level), nil))
}

// writeByte writes one byte at off through fid with WRITE_ANDX, without
// waiting for the reply.
func (s *hostileSession) writeByte(t *testing.T, fid uint16, off uint64) {
	t.Helper()
	s.mid++
	hostileWrite(t, s.c, writeAndXRequest(s.mid, s.uid, s.tid, fid, off, []byte{'x'}))
}

// levelIIPair has a hold a batch oplock on victim.txt and b open it asking
// for one too: a is broken to level II, acknowledges keeping it, and b is
// granted level II. Both clients take level II oplocks.
func levelIIPair(t *testing.T) (a, b *hostileSession, fa, fb uint16) {
	t.Helper()
	_, a, b, fa = holdOplockWith(t, true, true, 0x6, 2)
	b.oplockOpen(t, 0x6)
	expectBreakTo(t, a, fa, 1)
	a.ack(t, fa, 1)
	fb = b.wantOpened(t, 3)
	return a, b, fa, fb
}

// TestOplockLevelIIBreakOnWrite: a second open breaks a batch oplock to
// level II and gets level II itself (smbtorture raw.oplock BATCH6); a
// WRITE_ANDX through either handle — the first on a FID, so it runs on an
// I/O runner — then breaks both to none, the writer's own first, without
// waiting for acknowledgements; a client acknowledging a level II break
// anyway gets no reply (the next frame it reads answers its CLOSE); and
// the next write breaks nothing.
func TestOplockLevelIIBreakOnWrite(t *testing.T) {
	a, b, fa, fb := levelIIPair(t)
	b.writeByte(t, fb, 0)
	expectBreakTo(t, b, fb, 0)
	expectStatus(t, b.c, hCmdWriteAndX, b.mid, statusSuccess)
	expectBreakTo(t, a, fa, 0)
	a.ack(t, fa, 0)
	b.writeByte(t, fb, 1)
	expectStatus(t, b.c, hCmdWriteAndX, b.mid, statusSuccess)
	a.closeFID(t, fa)
	b.closeFID(t, fb)
}

// TestOplockLevelIIBreakOnLock: a byte-range lock, by a level II holder
// itself, breaks every level II oplock to none (raw.oplock BRL1); an open
// while the file has locks is granted no oplock (raw.oplock BRL4).
func TestOplockLevelIIBreakOnLock(t *testing.T) {
	a, b, fa, fb := levelIIPair(t)
	w := []byte{0xFF, 0, 0, 0}
	w = binary.LittleEndian.AppendUint16(w, fa)
	w = append(w, 0, 0) // exclusive lock, no oplock release
	w = le32(w, 0)      // Timeout
	w = append(w, 0, 0, 1, 0)
	d := le16(1) // PID, then Offset and Length (MS-CIFS 2.2.4.32.1)
	d = le32(d, 0)
	d = le32(d, 1)
	a.mid++
	hostileWrite(t, a.c, smbRequest(cmdLockingAndX, a.mid, a.uid, a.tid, clientFlags2, w, d))
	expectBreakTo(t, a, fa, 0)
	expectStatus(t, a.c, cmdLockingAndX, a.mid, statusSuccess)
	expectBreakTo(t, b, fb, 0)
	b.oplockOpen(t, 0x6)
	b.wantOpened(t, 0)
}

// TestOplockLevelIIBesidePlainOpen: an oplock asked for beside an open
// holding none is level II, with no break (raw.oplock BATCH10); a write
// through the plain open breaks it.
func TestOplockLevelIIBesidePlainOpen(t *testing.T) {
	_, a, b, fa := holdOplockWith(t, false, true, 0, 0)
	b.oplockOpen(t, 0x6)
	fb := b.wantOpened(t, 3)
	a.writeByte(t, fa, 0)
	expectStatus(t, a.c, hCmdWriteAndX, a.mid, statusSuccess)
	expectBreakTo(t, b, fb, 0)
	b.closeFID(t, fb)
}

// TestOplockOverwriteBreaksToNone: an open that overwrites the file breaks
// the holder to none though its client takes level II, and, once
// acknowledged, is granted level II beside it (raw.oplock EXCLUSIVE5).
func TestOplockOverwriteBreaksToNone(t *testing.T) {
	_, a, b, fa := holdOplockWith(t, true, true, 0x2, 1)
	b.oplockOpenDisp(t, 0x6, 5) // FILE_OVERWRITE_IF
	expectBreakTo(t, a, fa, 0)
	a.ack(t, fa, 0)
	b.wantOpened(t, 3)
	a.closeFID(t, fa)
}

// TestOplockHolderWithoutLevelII: a holder whose client does not take
// level II oplocks is broken to none, even by a client that does, which
// then gets level II (raw.oplock BATCH24). (A client that does not take
// them gets none beside another open: TestOplockNotGrantedBesideOpen.)
func TestOplockHolderWithoutLevelII(t *testing.T) {
	_, a, b, fa := holdOplockWith(t, false, true, 0x6, 2)
	b.oplockOpen(t, 0x6)
	expectBreakTo(t, a, fa, 0)
	a.ack(t, fa, 0)
	b.wantOpened(t, 3)
}

// TestOplockSetEOFByPath: setting the end of file by path breaks a batch
// oplock to none and waits for the acknowledgement before it answers
// (raw.oplock BATCH11).
func TestOplockSetEOFByPath(t *testing.T) {
	hs, a, b, fa := holdOplockWith(t, true, true, 0x6, 2)
	b.mid++
	wds, d := trans2(0x06, append(le16(levelEOFPassthrough, 0, 0), utf16z(`\victim.txt`)...), binary.LittleEndian.AppendUint64(nil, 100))
	hostileWrite(t, b.c, smbRequest(hCmdTransaction2, b.mid, b.uid, b.tid, clientFlags2, wds, d))
	expectBreakTo(t, a, fa, 0)
	a.ack(t, fa, 0)
	wantSetInfoReply(t, expectStatus(t, b.c, hCmdTransaction2, b.mid, statusSuccess))
	if n := fileSize(t, hs.fs, "/victim.txt"); n != 100 {
		t.Fatalf("size %d after SET end of file", n)
	}
	a.closeFID(t, fa)
}

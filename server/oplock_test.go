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
	s.mid++
	w, d := ntCreateBlock(`\victim.txt`, accessAll, 1, 0)
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

// expectBreak reads the oplock break request the server sends the holder
// and checks it byte for byte (MS-CIFS 2.2.4.32.1).
func expectBreak(t *testing.T, s *hostileSession, fid uint16) {
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
	want = append(want, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) // OPLOCK_RELEASE to none
	if !bytes.Equal(p, want) {
		t.Fatalf("break request\n got % x\nwant % x", p, want)
	}
}

// oplockAck is the holder's LOCKING_ANDX acknowledging the break.
func oplockAck(fid uint16) []byte {
	w := []byte{0xFF, 0, 0, 0}
	w = binary.LittleEndian.AppendUint16(w, fid)
	w = append(w, 0x02, 0)
	w = le32(w, 0)
	return append(w, 0, 0, 0, 0)
}

// holdOplock logs two sessions in, on two connections, and has the first
// open victim.txt asking flags, checking the level granted.
func holdOplock(t *testing.T, flags uint32, want byte) (a, b *hostileSession, fid uint16) {
	t.Helper()
	hs := newHostileServer(t)
	a, b = hs.login(t), hs.login(t)
	a.oplockOpen(t, flags)
	fid, level := a.oplockOpened(t)
	if level != want {
		t.Fatalf("OplockLevel %d, want %d", level, want)
	}
	return a, b, fid
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

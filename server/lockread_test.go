//go:build !tinysmbd_nocore

package server_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
)

// Tests of LOCK_AND_READ and WRITE_AND_UNLOCK (server/lockread.go), the
// sequences smbtorture's raw.read "lockread" and raw.write "write unlock"
// run, with exact reply bytes.

const (
	cmdLockByteRange     = 0x0C
	cmdUnlockByteRange   = 0x0D
	cmdLockAndRead       = 0x13
	cmdWriteAndUnlock    = 0x14
	capLockAndRead       = 0x00000100
	statusFileLockConfl  = 0xC0000054
	statusLockNotGranted = 0xC0000055
	statusRangeNotLocked = 0xC000007E
)

// lockAndRead sends LOCK_AND_READ (MS-CIFS 2.2.4.20.1) and returns the
// reply.
func (cc *coreClient) lockAndRead(fid uint16, off uint32, n uint16) smbResponse {
	cc.t.Helper()
	return cc.call(cmdLockAndRead, coreFlags2, append(le32(le16(fid, n), off), 0, 0), nil)
}

// writeAndUnlock sends WRITE_AND_UNLOCK (MS-CIFS 2.2.4.21.1) and returns
// the reply.
func (cc *coreClient) writeAndUnlock(fid uint16, off uint32, data string) smbResponse {
	cc.t.Helper()
	w := append(le32(le16(fid, uint16(len(data))), off), 0, 0)
	d := append(append([]byte{1}, le16(uint16(len(data)))...), data...)
	return cc.call(cmdWriteAndUnlock, coreFlags2, w, d)
}

// lockAs takes an exclusive LOCK_BYTE_RANGE (MS-CIFS 2.2.4.10.1) for
// another process of the same session: the request's PID is pid.
func (cc *coreClient) lockAs(pid, fid uint16, off, n uint32) {
	cc.t.Helper()
	cc.mid++
	msg := smbRequest(cmdLockByteRange, cc.mid, cc.uid, cc.tid, coreFlags2, le32(le32(le16(fid), n), off), nil)
	binary.LittleEndian.PutUint16(msg[4+26:], pid)
	if _, err := cc.c.Write(msg); err != nil {
		cc.t.Fatal(err)
	}
	_, p, err := readFrame(cc.c)
	if err != nil {
		cc.t.Fatal(err)
	}
	if r, err := parseResponse(p); err != nil || r.status != statusSuccess {
		cc.t.Fatalf("LOCK_BYTE_RANGE as PID %d: %v %v", pid, r, err)
	}
}

func wantReply(t *testing.T, what string, r smbResponse, status uint32, words, data []byte) {
	t.Helper()
	if r.status != status || !bytes.Equal(r.words, words) || !bytes.Equal(r.data, data) {
		t.Fatalf("%s: status %#08x words % x data % x; want %#08x, % x, % x", what, r.status, r.words, r.data, status, words, data)
	}
}

func TestLockAndReadCapability(t *testing.T) {
	cfg := segConfig()
	cfg.Shares = nil
	c := dialTransport(t, "tcp", cfg, server.FramingDirect)
	if _, err := c.Write(negotiateRequest(1)); err != nil {
		t.Fatal(err)
	}
	if n := checkNegotiate(t, expectReply(t, c, cmdNegotiate, 1)); n.caps&capLockAndRead == 0 {
		t.Errorf("NEGOTIATE capabilities %#x lack CAP_LOCK_AND_READ", n.caps)
	}
}

func TestLockAndRead(t *testing.T) {
	fs := afero.NewMemMapFs()
	cc := newCoreClient(t, fs)
	fid := cc.createNew(`\LOCKREAD.TXT`)
	// MS-CIFS 2.2.4.20.2: CountOfBytesReturned, 4 reserved words; the data
	// block is format 0x01, its length and the bytes.
	empty := []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	wantReply(t, "empty file", cc.lockAndRead(fid, 1, 1), statusSuccess, empty, []byte{1, 0, 0})
	// The lock taken stays: the same request fails, first NOT_GRANTED,
	// then at the same offset FILE_LOCK_CONFLICT, as LOCKING_ANDX.
	wantReply(t, "relock", cc.lockAndRead(fid, 1, 1), statusLockNotGranted, nil, nil)
	wantReply(t, "relock again", cc.lockAndRead(fid, 1, 1), statusFileLockConfl, nil, nil)
	wantReply(t, "zero bytes", cc.lockAndRead(fid, 1, 0), statusSuccess, empty, []byte{1, 0, 0})
	wantReply(t, "bad FID", cc.lockAndRead(fid+1, 0, 1), statusInvalidHandle, nil, nil)

	cc.write(fid, 0, "TEST DATA")
	// The zero-byte lock at 1 lies inside 0..8: refused.
	wantReply(t, "over a zero-byte lock", cc.lockAndRead(fid, 0, 9), statusLockNotGranted, nil, nil)
	// UNLOCK_BYTE_RANGE releases LOCK_AND_READ's locks: words FID,
	// CountOfBytes, OffsetInBytes.
	cc.ok(cmdUnlockByteRange, 0, le32(le32(le16(fid), 1), 1), nil)
	cc.ok(cmdUnlockByteRange, 0, le32(le32(le16(fid), 0), 1), nil)
	wantReply(t, "small read", cc.lockAndRead(fid, 0, 9), statusSuccess,
		[]byte{9, 0, 0, 0, 0, 0, 0, 0, 0, 0}, append([]byte{1, 9, 0}, "TEST DATA"...))
	wantReply(t, "max offset", cc.lockAndRead(fid, 0xFFFFFFFF, 9), statusSuccess, empty, []byte{1, 0, 0})

	// Another process's lock inside the range: the lock fails at once.
	cc.lockAs(testPID+1, fid, 103, 1)
	wantReply(t, "locked region", cc.lockAndRead(fid, 100, 10), statusLockNotGranted, nil, nil)
}

func TestWriteAndUnlock(t *testing.T) {
	fs := afero.NewMemMapFs()
	cc := newCoreClient(t, fs)
	fid := cc.createNew(`\WUNLOCK.TXT`)
	wantReply(t, "zero write", cc.writeAndUnlock(fid, 0, ""), statusSuccess, []byte{0, 0}, nil)
	// Nothing locked: the data is written all the same, and the answer is
	// RANGE_NOT_LOCKED.
	wantReply(t, "unlocked write", cc.writeAndUnlock(fid, 4, "123456789"), statusRangeNotLocked, nil, nil)
	if got := cc.read(fid, 0, 13); got != "\x00\x00\x00\x00123456789" {
		t.Fatalf("file after the unlocked write: %q", got)
	}
	// Locked by LOCK_AND_READ: written and unlocked, once.
	wantReply(t, "lock", cc.lockAndRead(fid, 4, 9), statusSuccess,
		[]byte{9, 0, 0, 0, 0, 0, 0, 0, 0, 0}, append([]byte{1, 9, 0}, "123456789"...))
	wantReply(t, "locked write", cc.writeAndUnlock(fid, 4, "abcdefghi"), statusSuccess, []byte{9, 0}, nil)
	wantReply(t, "write again", cc.writeAndUnlock(fid, 4, "ABCDEFGHI"), statusRangeNotLocked, nil, nil)
	if b, _ := afero.ReadFile(fs, "/WUNLOCK.TXT"); string(b) != "\x00\x00\x00\x00ABCDEFGHI" {
		t.Fatalf("file holds %q", b)
	}
	// Another process's lock forbids the write.
	cc.lockAs(testPID+1, fid, 0, 2)
	wantReply(t, "conflicting write", cc.writeAndUnlock(fid, 0, "zz"), statusFileLockConfl, nil, nil)
	wantReply(t, "bad FID", cc.writeAndUnlock(fid+1, 0, "zz"), statusInvalidHandle, nil, nil)
}

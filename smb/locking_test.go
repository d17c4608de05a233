package smb

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseLockingAndXRequest(t *testing.T) {
	// FID 0x4001, LARGE_FILES|SHARED, timeout 1000 ms, one unlock and one
	// lock: PID 0x1234, offset 0x00000001_EF000000, length 0x00000000_00000010,
	// then PID 0x0001, offset 2^63, length 1. Words: AndX (4), FID,
	// TypeOfLock, NewOplockLevel, Timeout, NumberOfRequestedUnlocks,
	// NumberOfRequestedLocks.
	words := cmdHex("ff000000 0140 11 00 e8030000 0100 0100")
	data := cmdHex(`
		3412 0000 01000000 000000ef 00000000 10000000
		0100 0000 00000080 00000000 00000000 01000000`)
	q, err := ParseLockingAndXRequest(cmdFirst(t, cmdMsg(ComLockingAndX, 0, words, data)))
	if err != nil {
		t.Fatal(err)
	}
	if q.FID() != 0x4001 || q.TypeOfLock() != LockingLargeFiles|LockingSharedLock || !q.Large() ||
		q.Timeout() != 1000 || q.NumberOfRequestedUnlocks() != 1 || q.NumberOfRequestedLocks() != 1 {
		t.Fatalf("fields: %#x %#x %d %d %d", q.FID(), q.TypeOfLock(), q.Timeout(), q.NumberOfRequestedUnlocks(), q.NumberOfRequestedLocks())
	}
	if got, want := q.Unlock(0), (LockRange{PID: 0x1234, Offset: 0x1EF000000, Length: 0x10}); got != want {
		t.Errorf("Unlock(0) = %+v, want %+v", got, want)
	}
	if got, want := q.Lock(0), (LockRange{PID: 1, Offset: 1 << 63, Length: 1}); got != want {
		t.Errorf("Lock(0) = %+v, want %+v", got, want)
	}

	// The 32-bit form: PID, offset, length.
	words = cmdHex("ff000000 0200 00 00 00000000 0000 0100")
	q, err = ParseLockingAndXRequest(cmdFirst(t, cmdMsg(ComLockingAndX, 0, words, cmdHex("0500 0a000000 04000000"))))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := q.Lock(0), (LockRange{PID: 5, Offset: 10, Length: 4}); got != want || q.Large() {
		t.Errorf("Lock(0) = %+v, want %+v", got, want)
	}

	// Ranges that do not fit the data block, and a wrong WordCount.
	short := cmdHex("ff000000 0200 10 00 00000000 0000 0100")
	if _, err := ParseLockingAndXRequest(cmdFirst(t, cmdMsg(ComLockingAndX, 0, short, cmdHex("0500 0a000000 04000000")))); !errors.Is(err, errLockingRanges) {
		t.Errorf("64-bit range in 10 bytes: err = %v", err)
	}
	if _, err := ParseLockingAndXRequest(cmdFirst(t, cmdMsg(ComLockingAndX, 0, words[:14], nil))); !errors.Is(err, errWords) {
		t.Errorf("7 words: err = %v", err)
	}
}

func TestEncodeLockingAndXResponse(t *testing.T) {
	r := new(Response)
	req := Header(cmdMsg(ComLockingAndX, 0, nil, nil)[:HeaderLen])
	r.Begin(nil, req, 0)
	EncodeLockingAndXResponse(r)
	// MS-CIFS 2.2.4.32.2: WordCount 2, no follower, AndXOffset 0,
	// ByteCount 0.
	cmdSame(t, r.Bytes()[HeaderLen:], cmdHex("02 ff 00 0000 0000"))
}

func TestParseByteRangeRequest(t *testing.T) {
	q, err := ParseByteRangeRequest(cmdFirst(t, cmdMsg(ComLockByteRange, 0, cmdHex("0700 a00f0000 ffffffee"), nil)))
	if err != nil || q.FID() != 7 || q.CountOfBytes() != 4000 || q.OffsetInBytes() != 0xEEFFFFFF {
		t.Fatalf("%#x %d %#x, err %v", q.FID(), q.CountOfBytes(), q.OffsetInBytes(), err)
	}
	if _, err := ParseByteRangeRequest(cmdFirst(t, cmdMsg(ComUnlockByteRange, 0, cmdHex("0700"), nil))); !errors.Is(err, errWords) {
		t.Fatalf("err = %v", err)
	}
}

func TestLockingAndXParseAllocs(t *testing.T) {
	b := cmdFirst(t, cmdMsg(ComLockingAndX, 0, cmdHex("ff000000 0200 00 00 00000000 0000 0100"), cmdHex("0500 0a000000 04000000")))
	n := testing.AllocsPerRun(100, func() {
		q, err := ParseLockingAndXRequest(b)
		if err != nil || q.Lock(0).Length != 4 {
			t.Fatal("parse")
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func TestAppendOplockBreakRequest(t *testing.T) {
	got := AppendOplockBreakRequest([]byte{0, 0, 0, 0}, 0x1234, 0x4001, 0)
	want := []byte{
		0, 0, 0, 0, // caller's prefix
		0xFF, 'S', 'M', 'B', 0x24, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x34, 0x12, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF,
		8, 0xFF, 0, 0, 0, 0x01, 0x40, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0,
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x\nwant % x", got, want)
	}
	// The request parses back as an oplock release with no ranges.
	m, err := ParseMessage(got[4:])
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseLockingAndXRequest(m.First)
	if err != nil {
		t.Fatal(err)
	}
	if q.FID() != 0x4001 || q.TypeOfLock() != LockingOplockRelease || q.NewOplockLevel() != 0 ||
		q.NumberOfRequestedLocks() != 0 || q.NumberOfRequestedUnlocks() != 0 {
		t.Fatalf("parsed back: fid %#x type %#x level %d", q.FID(), q.TypeOfLock(), q.NewOplockLevel())
	}
}

package smb

import (
	"errors"
	"testing"
)

// lockAndReadReq and writeAndUnlockReq are the requests smbtorture's
// raw.read "lockread" and raw.write "write unlock" send, built by hand
// from MS-CIFS 2.2.4.20.1 and 2.2.4.21.1: FID 0x4001, 9 bytes at offset 4.
var (
	lockAndReadReq    = cmdMsg(ComLockAndRead, cmdOEM, cmdHex("0140 0900 04000000 0000"), nil)
	writeAndUnlockReq = cmdMsg(ComWriteAndUnlock, cmdOEM, cmdHex("0140 0900 04000000 0000"),
		cmdHex("01 0900 544553542044415441"))
)

func TestParseLockAndReadRequest(t *testing.T) {
	q, err := ParseLockAndReadRequest(cmdFirst(t, lockAndReadReq))
	if err != nil {
		t.Fatal(err)
	}
	if q.FID() != 0x4001 || q.CountOfBytesToRead() != 9 || q.ReadOffsetInBytes() != 4 || q.EstimateOfRemainingBytesToBeRead() != 0 {
		t.Errorf("got %#x %d %d %d", q.FID(), q.CountOfBytesToRead(), q.ReadOffsetInBytes(), q.EstimateOfRemainingBytesToBeRead())
	}
	m := cmdMsg(ComLockAndRead, cmdOEM, cmdHex("0100 ffff ffffffff 0a00"), nil)
	if q, err = ParseLockAndReadRequest(cmdFirst(t, m)); err != nil || q.CountOfBytesToRead() != 0xFFFF ||
		q.ReadOffsetInBytes() != 0xFFFFFFFF || q.EstimateOfRemainingBytesToBeRead() != 10 {
		t.Errorf("max offset: %v", err)
	}
	bad := cmdMsg(ComLockAndRead, cmdOEM, cmdHex("0100 ffff 00000000"), nil)
	if _, err := ParseLockAndReadRequest(cmdFirst(t, bad)); !errors.Is(err, errWords) {
		t.Errorf("WordCount 4: err = %v", err)
	}
}

func TestLockAndReadResponseBytes(t *testing.T) {
	r := cmdReply(lockAndReadReq)
	pos := BeginLockAndReadResponse(r, 64)
	n := copy(r.Extend(64), "TEST DATA")
	r.Truncate(r.Pos() - (64 - n))
	SetReadDataLength(r, pos, n)
	got := r.Bytes()
	if got[4] != ComLockAndRead || got[9]&FlagsReply == 0 {
		t.Fatalf("header command %#x flags %#x", got[4], got[9])
	}
	// MS-CIFS 2.2.4.20.2: WordCount 5, CountOfBytesReturned 9, 8 reserved
	// bytes, ByteCount 12, BufferFormat 0x01, CountOfBytesRead 9, data.
	cmdSame(t, got[HeaderLen:], cmdHex("05 0900 0000000000000000 0c00 01 0900 544553542044415441"))
	cmdParseBack(t, got, 5, 12)
}

func TestParseWriteAndUnlockRequest(t *testing.T) {
	tests := []struct {
		name   string
		msg    []byte
		offset uint32
		data   string
		err    error
	}{
		{name: "small write", msg: writeAndUnlockReq, offset: 4, data: "TEST DATA"},
		{name: "zero write", msg: cmdMsg(ComWriteAndUnlock, cmdOEM, cmdHex("0140 0000 00000000 0000"), cmdHex("01 0000"))},
		{name: "short data", msg: cmdMsg(ComWriteAndUnlock, cmdOEM, cmdHex("0140 0300 00000000 0000"), cmdHex("01 0300 4142")), err: errCoreData},
		{name: "WordCount 1", msg: cmdMsg(ComWriteAndUnlock, cmdOEM, cmdHex("0140"), cmdHex("01 0000")), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseWriteAndUnlockRequest(cmdFirst(t, tt.msg))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if q.FID() != 0x4001 || q.WriteOffsetInBytes() != tt.offset || string(q.Data()) != tt.data ||
				int(q.CountOfBytesToWrite()) != len(tt.data) {
				t.Errorf("got %#x %d %q", q.FID(), q.WriteOffsetInBytes(), q.Data())
			}
		})
	}
}

func TestWriteAndUnlockResponseBytes(t *testing.T) {
	r := cmdReply(writeAndUnlockReq)
	EncodeWriteResponse(r, ComWriteAndUnlock, 9)
	got := r.Bytes()
	if got[4] != ComWriteAndUnlock {
		t.Fatalf("header command %#x", got[4])
	}
	// MS-CIFS 2.2.4.21.2: WordCount 1, CountOfBytesWritten 9, ByteCount 0.
	cmdSame(t, got[HeaderLen:], cmdHex("01 0900 0000"))
	cmdParseBack(t, got, 1, 0)
}

func TestLockAndReadNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 8192)
	n := testing.AllocsPerRun(100, func() {
		m, _ := ParseMessage(lockAndReadReq)
		q, err := ParseLockAndReadRequest(m.First)
		if err != nil {
			panic(err)
		}
		var r Response
		r.Begin(buf[:4], m.Header, cmdOEM)
		pos := BeginLockAndReadResponse(&r, int(q.CountOfBytesToRead()))
		r.Extend(int(q.CountOfBytesToRead()))
		SetReadDataLength(&r, pos, 9)
		m, _ = ParseMessage(writeAndUnlockReq)
		if w, err := ParseWriteAndUnlockRequest(m.First); err != nil || len(w.Data()) != 9 {
			panic(err)
		}
	})
	if n != 0 {
		t.Errorf("LOCK_AND_READ / WRITE_AND_UNLOCK allocate %v times per run", n)
	}
}

func BenchmarkParseLockAndReadRequest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		m, _ := ParseMessage(lockAndReadReq)
		if _, err := ParseLockAndReadRequest(m.First); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseWriteAndUnlockRequest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		m, _ := ParseMessage(writeAndUnlockReq)
		if _, err := ParseWriteAndUnlockRequest(m.First); err != nil {
			b.Fatal(err)
		}
	}
}

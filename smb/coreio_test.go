package smb

import (
	"errors"
	"testing"
)

func TestParseReadRequest(t *testing.T) {
	q, err := ParseReadRequest(cmdFirst(t, cmdGolden(t, "core_read_req")))
	if err != nil {
		t.Fatal(err)
	}
	if q.FID() != 0xc8e6 || q.CountOfBytesToRead() != 9 || q.ReadOffsetInBytes() != 0 || q.EstimateOfRemainingBytesToBeRead() != 0 {
		t.Errorf("got %#x %d %d %d", q.FID(), q.CountOfBytesToRead(), q.ReadOffsetInBytes(), q.EstimateOfRemainingBytesToBeRead())
	}
	m := cmdMsg(ComRead, cmdOEM, cmdHex("0100 ffff 78563412 0a00"), nil)
	if q, err = ParseReadRequest(cmdFirst(t, m)); err != nil || q.CountOfBytesToRead() != 0xFFFF ||
		q.ReadOffsetInBytes() != 0x12345678 || q.EstimateOfRemainingBytesToBeRead() != 10 {
		t.Errorf("hand-built: %v", err)
	}
	if _, err := ParseReadRequest(cmdFirst(t, cmdMsg(ComRead, cmdOEM, cmdHex("0100 ffff"), nil))); !errors.Is(err, errWords) {
		t.Errorf("WordCount 2: err = %v", err)
	}
}

func TestReadResponseGolden(t *testing.T) {
	gold := cmdGolden(t, "core_read_resp")
	r := cmdReply(gold)
	BeginReadResponse(r, 9)
	r.Append([]byte("TEST DATA"))
	cmdSame(t, r.Bytes(), gold)

	// A short read: 64 bytes announced, 9 delivered.
	r = cmdReply(gold)
	pos := BeginReadResponse(r, 64)
	data := r.Extend(64)
	n := copy(data, "TEST DATA")
	r.Truncate(r.Pos() - (64 - n))
	SetReadDataLength(r, pos, n)
	cmdSame(t, r.Bytes(), gold)
	b := cmdParseBack(t, r.Bytes(), 5, 12)
	if b.Word(0) != 9 || b.Data[0] != 1 || rd16(b.Data, 1) != 9 {
		t.Errorf("lengths parsed back: %d %d %d", b.Word(0), b.Data[0], rd16(b.Data, 1))
	}
}

func TestParseWriteRequest(t *testing.T) {
	tests := []struct {
		name   string
		msg    []byte
		fid    uint16
		offset uint32
		data   string
		err    error
	}{
		{name: "smbtorture", msg: cmdGolden(t, "core_write_req"), fid: 0x903b, offset: 4, data: "EW\x86J\xdc\xfd\x1a\xed\xac"},
		{name: "truncate", msg: cmdGolden(t, "core_write_truncate_req"), fid: 0x903b},
		{name: "count without data", msg: cmdMsg(ComWrite, cmdOEM, cmdHex("0100 ffff 00000000 0000"), nil), err: errCoreData},
		{name: "short data", msg: cmdMsg(ComWrite, cmdOEM, cmdHex("0100 0300 00000000 0000"), cmdHex("01 0300 4142")), err: errCoreData},
		{name: "DataLength ignored", msg: cmdMsg(ComWrite, cmdOEM, cmdHex("0100 0200 10000000 0000"), cmdHex("01 0900 414243")),
			fid: 1, offset: 16, data: "AB"},
		{name: "WordCount 4", msg: cmdMsg(ComWrite, cmdOEM, cmdHex("0100 0000 00000000"), cmdHex("01 0000")), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseWriteRequest(cmdFirst(t, tt.msg))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if q.FID() != tt.fid || q.WriteOffsetInBytes() != tt.offset || string(q.Data()) != tt.data ||
				int(q.CountOfBytesToWrite()) != len(tt.data) || q.EstimateOfRemainingBytesToBeWritten() != 0 {
				t.Errorf("got %#x %d %q", q.FID(), q.WriteOffsetInBytes(), q.Data())
			}
		})
	}
}

func TestWriteResponseGolden(t *testing.T) {
	for _, tt := range []struct {
		gold string
		cmd  uint8
	}{{"core_write_resp", ComWrite}, {"core_writeclose_resp", ComWriteAndClose}} {
		gold := cmdGolden(t, tt.gold)
		r := cmdReply(gold)
		EncodeWriteResponse(r, tt.cmd, 9)
		cmdSame(t, r.Bytes(), gold)
		cmdParseBack(t, r.Bytes(), 1, 0)
	}
}

func TestParseWriteAndCloseRequest(t *testing.T) {
	tests := []struct {
		name   string
		msg    []byte
		offset uint32
		mtime  uint32
		data   string
		err    error
	}{
		{name: "smbtorture", msg: cmdGolden(t, "core_writeclose_req"), offset: 4, data: "EW\x86J\xdc\xfd\x1a\xed\xac"},
		{name: "WordCount 12", msg: cmdMsg(ComWriteAndClose, cmdOEM,
			cmdHex("0100 0200 08000000 78563412 00000000 00000000 00000000"), cmdHex("00 4142")),
			offset: 8, mtime: 0x12345678, data: "AB"},
		{name: "count 0, no pad", msg: cmdMsg(ComWriteAndClose, cmdOEM, cmdHex("0100 0000 00000000 00000000"), nil)},
		{name: "no pad", msg: cmdMsg(ComWriteAndClose, cmdOEM, cmdHex("0100 0100 00000000 00000000"), nil), err: errCoreReserve},
		{name: "short", msg: cmdMsg(ComWriteAndClose, cmdOEM, cmdHex("0100 0300 00000000 00000000"), cmdHex("00 4142")), err: errCoreData},
		{name: "WordCount 7", msg: cmdMsg(ComWriteAndClose, cmdOEM, make([]byte, 14), nil), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseWriteAndCloseRequest(cmdFirst(t, tt.msg))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if q.WriteOffsetInBytes() != tt.offset || q.LastWriteTime() != tt.mtime || string(q.Data()) != tt.data ||
				int(q.CountOfBytesToWrite()) != len(tt.data) {
				t.Errorf("got %d %#x %q (FID %#x)", q.WriteOffsetInBytes(), q.LastWriteTime(), q.Data(), q.FID())
			}
		})
	}
}

func TestSeek(t *testing.T) {
	q, err := ParseSeekRequest(cmdFirst(t, cmdGolden(t, "core_seek_req")))
	if err != nil {
		t.Fatal(err)
	}
	if q.FID() != 0x4aa0 || q.Mode() != SeekFromCurrent || q.Offset() != -3 {
		t.Errorf("got %#x %d %d", q.FID(), q.Mode(), q.Offset())
	}
	if _, err := ParseSeekRequest(cmdFirst(t, cmdMsg(ComSeek, cmdOEM, make([]byte, 6), nil))); !errors.Is(err, errWords) {
		t.Errorf("WordCount 3: err = %v", err)
	}
	gold := cmdGolden(t, "core_seek_resp")
	r := cmdReply(gold)
	EncodeSeekResponse(r, 14)
	cmdSame(t, r.Bytes(), gold)
	cmdParseBack(t, r.Bytes(), 2, 0)
}

func TestQueryInformation2(t *testing.T) {
	q, err := ParseQueryInformation2Request(cmdFirst(t, cmdGolden(t, "core_qinfo2_req")))
	if err != nil || q.FID() != 0xe4b2 {
		t.Fatalf("FID %#x, err %v", q.FID(), err)
	}
	if _, err := ParseQueryInformation2Request(cmdFirst(t, cmdMsg(ComQueryInformation2, cmdOEM, nil, nil))); !errors.Is(err, errWords) {
		t.Errorf("WordCount 0: err = %v", err)
	}
	gold := cmdGolden(t, "core_qinfo2_resp")
	r := cmdReply(gold)
	QueryInformation2Response{
		CreateDate: 0x5d7a, CreationTime: 0x100e, LastAccessDate: 0x5d7a, LastAccess: 0x100e,
		LastWriteDate: 0x5d7a, LastWriteTime: 0x100e, FileDataSize: 1024, FileAllocationSize: 4096,
		FileAttributes: 0x20,
	}.Encode(r)
	cmdSame(t, r.Bytes(), gold)
	cmdParseBack(t, r.Bytes(), 11, 0)
}

func TestSetInformation2(t *testing.T) {
	s, err := ParseSetInformation2Request(cmdFirst(t, cmdGolden(t, "core_sinfo2_req")))
	if err != nil {
		t.Fatal(err)
	}
	got := [7]uint16{s.FID(), s.CreateDate(), s.CreationTime(), s.LastAccessDate(), s.LastAccessTime(), s.LastWriteDate(), s.LastWriteTime()}
	if want := [7]uint16{0xec95, 0x5d79, 0x101b, 0x5d79, 0x1022, 0x5d79, 0x1027}; got != want {
		t.Errorf("got %#x, want %#x", got, want)
	}
	if _, err := ParseSetInformation2Request(cmdFirst(t, cmdMsg(ComSetInformation2, cmdOEM, make([]byte, 12), nil))); !errors.Is(err, errWords) {
		t.Errorf("WordCount 6: err = %v", err)
	}
	gold := cmdGolden(t, "core_sinfo2_resp")
	r := cmdReply(gold)
	EncodeEmptyResponse(r, ComSetInformation2)
	cmdSame(t, r.Bytes(), gold)
}

func TestProcessExit(t *testing.T) {
	if err := ParseProcessExitRequest(cmdFirst(t, cmdGolden(t, "core_exit_req"))); err != nil {
		t.Fatal(err)
	}
	if err := ParseProcessExitRequest(cmdFirst(t, cmdMsg(ComProcessExit, cmdOEM, cmdHex("0000"), nil))); !errors.Is(err, errWords) {
		t.Errorf("WordCount 1: err = %v", err)
	}
	gold := cmdGolden(t, "core_exit_resp")
	r := cmdReply(gold)
	EncodeEmptyResponse(r, ComProcessExit)
	cmdSame(t, r.Bytes(), gold)
}

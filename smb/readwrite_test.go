package smb

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseReadAndXRequest(t *testing.T) {
	type fields struct {
		fid          uint16
		offset       uint64
		maxCount     uint16
		minCount     uint16
		timeout      uint32
		maxCountHigh uint16
		count        uint32
		remaining    uint16
		offsetHigh   uint32
	}
	tests := []struct {
		name string
		msg  []byte
		want fields
		err  error
	}{
		{name: "WordCount 12 (smbclient)", msg: cmdGolden(t, "readandx_req_wc12"),
			want: fields{fid: 0x08b5, maxCount: 12, minCount: 12, count: 12}},
		{name: "WordCount 10 (impacket)", msg: cmdGolden(t, "readandx_req_wc10"),
			want: fields{fid: 0x8e18, maxCount: 5, minCount: 5, count: 5}},
		{name: "large read, 64-bit offset",
			msg:  cmdMsg(ComReadAndX, cmdUni, cmdHex("ff000000 0700 00000080 0000 0000 0100 0000 0000 02000000"), nil),
			want: fields{fid: 7, offset: 0x2_8000_0000, timeout: 1, maxCountHigh: 1, count: 0x10000, offsetHigh: 2}},
		{name: "MaxCountHigh 0xFFFF is a timeout",
			msg:  cmdMsg(ComReadAndX, cmdUni, cmdHex("ff000000 0700 00100000 0010 0000 ffffffff 0000 00000000"), nil),
			want: fields{fid: 7, offset: 0x1000, maxCount: 0x1000, timeout: 0xFFFFFFFF, maxCountHigh: 0xFFFF, count: 0x1000}},
		{name: "WordCount 11", msg: cmdMsg(ComReadAndX, 0, make([]byte, 22), nil), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseReadAndXRequest(cmdFirst(t, tt.msg))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			got := fields{q.FID(), q.Offset(), q.MaxCountOfBytesToReturn(), q.MinCountOfBytesToReturn(),
				q.Timeout(), q.MaxCountHigh(), q.MaxCount(), q.Remaining(), q.OffsetHigh()}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestReadAndXResponseGolden(t *testing.T) {
	tests := []struct {
		gold, data string
	}{
		{gold: "readandx_resp", data: "hello world\n"},
		{gold: "readandx_resp_5", data: "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.gold, func(t *testing.T) {
			gold := cmdGolden(t, tt.gold)
			r := cmdReply(gold)
			off := BeginReadAndXResponse(r, 0xFFFF, len(tt.data))
			if off != 60 {
				t.Errorf("DataOffset = %d, want 60", off)
			}
			// The writev path: header now, payload separately.
			cmdSame(t, r.Bytes(), gold[:off])
			r.Append([]byte(tt.data))
			cmdSame(t, r.Bytes(), gold)
			b := cmdParseBack(t, r.Bytes(), 12, 1+len(tt.data))
			if int(b.Word(6)) != off || int(b.Word(5)) != len(tt.data) {
				t.Errorf("DataOffset, DataLength = %d, %d", b.Word(6), b.Word(5))
			}
		})
	}
}

func TestReadAndXResponseLarge(t *testing.T) {
	req := cmdMsg(ComReadAndX, cmdUni, make([]byte, 24), nil)
	var r Response
	r.Begin(make([]byte, 4, 128), Header(req[:HeaderLen]), cmdUni) // a NetBT header reserved in front
	const n = 0x1F000
	off := BeginReadAndXResponse(&r, 0xFFFF, n)
	want := cmdHex("0c ff000000 ffff 0000 0000 00f0 3c00 0100 0000000000000000 01f0 00")
	cmdSame(t, r.Bytes()[4+HeaderLen:], want)
	if off != 60 || r.Len() != off {
		t.Fatalf("DataOffset %d, Len %d", off, r.Len())
	}
}

// TestReadAndXResponseChained checks that a follower's AndXOffset lands past
// the payload when the payload is appended.
func TestReadAndXResponseChained(t *testing.T) {
	req := cmdMsg(ComReadAndX, cmdUni, make([]byte, 24), nil)
	var r Response
	r.Begin(nil, Header(req[:HeaderLen]), cmdUni)
	BeginReadAndXResponse(&r, 0xFFFF, 3)
	r.Append([]byte("abc"))
	EncodeEmptyResponse(&r, ComClose)
	m, err := ParseMessage(r.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	c := m.Chain()
	c.Next()
	if !bytes.Equal(c.Block().Data, []byte("\x00abc")) {
		t.Errorf("READ_ANDX data = %q", c.Block().Data)
	}
	if !c.Next() || c.Block().Command != ComClose || c.Block().Offset != 60+3 {
		t.Fatalf("follower = %+v, err %v", c.Block(), c.Err())
	}
}

// cmdLargeWrite rebuilds the 102400-byte WRITE_ANDX smbclient sent, from its
// captured first 96 bytes and a pattern for the rest.
func cmdLargeWrite(tb testing.TB) []byte {
	prefix := cmdGolden(tb, "writeandx_req_large_prefix")
	msg := make([]byte, 64+102400)
	copy(msg, prefix)
	for i := len(prefix); i < len(msg); i++ {
		msg[i] = byte(i)
	}
	return msg
}

func TestParseWriteAndXRequest(t *testing.T) {
	type fields struct {
		fid        uint16
		offset     uint64
		timeout    uint32
		mode       uint16
		remaining  uint16
		lenHigh    uint16
		length     uint32
		dataOffset uint16
		offsetHigh uint32
	}
	large := cmdLargeWrite(t)
	tests := []struct {
		name string
		msg  []byte
		want fields
		data []byte
		err  error
	}{
		{name: "WordCount 12 (impacket)", msg: cmdGolden(t, "writeandx_req_wc12"),
			want: fields{fid: 0x8e18, length: 3, dataOffset: 60}, data: []byte("abc")},
		{name: "102400 bytes, WordCount 14 (smbclient)", msg: large,
			want: fields{fid: 0x4642, lenHigh: 1, length: 102400, dataOffset: 64}, data: large[64:]},
		{name: "64-bit offset, data right after ByteCount",
			msg:  cmdMsg(ComWriteAndX, cmdOEM, cmdHex("ff000000 0100 00000010 00000000 0100 0000 0000 0200 3f00 05000000"), []byte("xy")),
			want: fields{fid: 1, offset: 0x5_1000_0000, mode: WriteModeWritethrough, length: 2, dataOffset: 63, offsetHigh: 5},
			data: []byte("xy")},
		{name: "empty write", msg: cmdMsg(ComWriteAndX, cmdOEM, cmdHex("ff000000 0100 00000000 00000000 0000 0000 0000 0000 3b00"), nil),
			want: fields{fid: 1, dataOffset: 59}, data: []byte{}},
		{name: "data past message",
			msg: cmdMsg(ComWriteAndX, cmdOEM, cmdHex("ff000000 0100 00000000 00000000 0000 0000 0000 0400 3c00"), []byte("\x00abc")),
			err: errWriteData},
		{name: "DataLengthHigh past message",
			msg: cmdMsg(ComWriteAndX, cmdOEM, cmdHex("ff000000 0100 00000000 00000000 0000 0000 0100 0300 3c00"), []byte("\x00abc")),
			err: errWriteData},
		{name: "DataOffset inside parameter words",
			msg: cmdMsg(ComWriteAndX, cmdOEM, cmdHex("ff000000 0100 00000000 00000000 0000 0000 0000 0200 2100"), []byte("\x00abc")),
			err: errWriteData},
		{name: "DataOffset past message",
			msg: cmdMsg(ComWriteAndX, cmdOEM, cmdHex("ff000000 0100 00000000 00000000 0000 0000 0000 0000 ffff"), nil),
			err: errWriteData},
		{name: "WordCount 13", msg: cmdMsg(ComWriteAndX, 0, make([]byte, 26), nil), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseWriteAndXRequest(cmdFirst(t, tt.msg))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			got := fields{q.FID(), q.Offset(), q.Timeout(), q.WriteMode(), q.Remaining(), q.DataLengthHigh(),
				q.DataLength(), q.DataOffset(), q.OffsetHigh()}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if !bytes.Equal(q.Data(), tt.data) {
				t.Errorf("Data = %q..., want %q...", q.Data()[:min(8, len(q.Data()))], tt.data[:min(8, len(tt.data))])
			}
		})
	}
}

func TestWriteAndXResponseGolden(t *testing.T) {
	tests := []struct {
		gold  string
		count uint32
	}{
		{gold: "writeandx_resp", count: 3},
		{gold: "writeandx_resp_large", count: 102400},
	}
	for _, tt := range tests {
		t.Run(tt.gold, func(t *testing.T) {
			gold := cmdGolden(t, tt.gold)
			r := cmdReply(gold)
			EncodeWriteAndXResponse(r, tt.count, 0)
			cmdSame(t, r.Bytes(), gold)
			b := cmdParseBack(t, r.Bytes(), 6, 0)
			if got := uint32(b.Word(4))<<16 | uint32(b.Word(2)); got != tt.count {
				t.Errorf("CountHigh:Count = %d", got)
			}
		})
	}
}

// TestReadAndXResponseShortRead follows the read-in-place path: announce
// the requested count, read into Extend's bytes, and patch the lengths
// when the file delivered less.
func TestReadAndXResponseShortRead(t *testing.T) {
	req := cmdMsg(ComReadAndX, cmdUni, make([]byte, 24), nil)
	var r Response
	r.Begin(make([]byte, 4, 256), Header(req[:HeaderLen]), cmdUni)
	pos := r.Pos()
	off := BeginReadAndXResponse(&r, 0xFFFF, 0x10010)
	p := r.Extend(100)
	n := copy(p, "short")
	SetReadAndXDataLength(&r, pos, n)
	r.Truncate(off + n)
	b := cmdParseBack(t, r.Bytes()[4:], 12, 1+n)
	if b.Word(5) != uint16(n) || b.Word(7) != 0 || int(b.Word(6)) != off {
		t.Errorf("DataLength %d, DataLengthHigh %d, DataOffset %d", b.Word(5), b.Word(7), b.Word(6))
	}
	if string(b.Data[1:]) != "short" {
		t.Errorf("data = %q", b.Data[1:])
	}
}

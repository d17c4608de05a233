package smb

// WRITE_ANDX WriteMode bits (MS-CIFS 2.2.4.43.1).
const (
	WriteModeWritethrough       uint16 = 0x0001
	WriteModeReadBytesAvailable uint16 = 0x0002
	WriteModeRaw                uint16 = 0x0004
	WriteModeMsgStart           uint16 = 0x0008
)

var errWriteData = parseError("smb: WRITE_ANDX data outside the message")

// ReadAndXRequest is a view of the parameter words of a READ_ANDX request,
// WordCount 10 or 12 (MS-CIFS 2.2.4.42.1, MS-SMB 2.2.4.2.1). It aliases the
// request buffer.
type ReadAndXRequest []byte

// ParseReadAndXRequest validates b as a READ_ANDX request.
func ParseReadAndXRequest(b Block) (ReadAndXRequest, error) {
	// MS-CIFS 2.2.4.42.1: WordCount is 0x0A, or 0x0C with OffsetHigh.
	if len(b.Words) != 2*10 && len(b.Words) != 2*12 {
		return nil, errWords
	}
	return ReadAndXRequest(b.Words), nil
}

func (q ReadAndXRequest) FID() uint16 { return rd16(q, 4) }

// Offset is the file offset, 64-bit when the request carries OffsetHigh.
func (q ReadAndXRequest) Offset() uint64 {
	return uint64(q.OffsetHigh())<<32 | uint64(rd32(q, 6))
}

func (q ReadAndXRequest) MaxCountOfBytesToReturn() uint16 { return rd16(q, 10) }
func (q ReadAndXRequest) MinCountOfBytesToReturn() uint16 { return rd16(q, 12) }

// Timeout is the 32-bit Timeout_or_MaxCountHigh field read as a pipe read's
// timeout in milliseconds (MS-SMB 2.2.4.2.1).
func (q ReadAndXRequest) Timeout() uint32 { return rd32(q, 14) }

// MaxCountHigh is the first 16 bits of the same field read as a file read's
// upper count bits (MS-SMB 2.2.4.2.1).
func (q ReadAndXRequest) MaxCountHigh() uint16 { return rd16(q, 14) }

// MaxCount is the number of bytes a file read asks for,
// MaxCountHigh:MaxCountOfBytesToReturn. MS-SMB's additions to the server's
// READ_ANDX processing (MS-CIFS 3.3.5.36) ignore a MaxCountHigh of 0xFFFF,
// which is what a Timeout of 0xFFFFFFFF from an older client looks like.
// The server should use MaxCount only for files and only after negotiating
// CapLargeReadX; otherwise the field is a timeout and
// MaxCountOfBytesToReturn is the whole count.
func (q ReadAndXRequest) MaxCount() uint32 {
	hi := q.MaxCountHigh()
	if hi == 0xFFFF {
		hi = 0
	}
	return uint32(hi)<<16 | uint32(q.MaxCountOfBytesToReturn())
}

func (q ReadAndXRequest) Remaining() uint16 { return rd16(q, 18) }

// OffsetHigh is the upper 32 bits of the offset; 0 in the 10-word form.
func (q ReadAndXRequest) OffsetHigh() uint32 {
	if len(q) < 2*12 {
		return 0
	}
	return rd32(q, 20)
}

// readAndXPad is the pad byte before the data of a READ_ANDX response.
// Windows and Samba both send exactly one, which puts the data of a
// response that starts the message at offset 60.
const readAndXPad = 1

// BeginReadAndXResponse appends a READ_ANDX response (MS-CIFS 2.2.4.42.2,
// MS-SMB 2.2.4.2.2) for a payload of dataLen bytes that it does not write:
// the 12 parameter words, ByteCount and the pad byte, and returns DataOffset,
// the payload's offset from the header start. The caller then either appends
// exactly dataLen bytes to r (or reads them into r.Extend, fixing the
// lengths with SetReadAndXDataLength after a short read), or sends them
// after r's bytes as a separate buffer (writev) and counts them in the NetBT
// length; only when the payload is in r may another AndX response follow.
// End must not be called.
//
// DataLength carries the low 16 bits of dataLen and DataLengthHigh the next
// 16; ByteCount carries the low 16 bits of pad plus payload, which is what
// Samba sends for reads over 64 KiB and what clients ignore in favour of
// DataLength (MS-SMB 2.2.4.2.2).
func BeginReadAndXResponse(r *Response, available uint16, dataLen int) (dataOffset int) {
	r.BeginWords(ComReadAndX)
	// Pos is now past the AndX header: 20 more parameter bytes, ByteCount
	// and the pad precede the data.
	dataOffset = r.Pos() + 20 + 2 + readAndXPad
	r.U16(available)
	r.U16(0) // DataCompactionMode
	r.U16(0) // Reserved1
	r.U16(uint16(dataLen))
	r.U16(uint16(dataOffset))
	r.U16(uint16(dataLen >> 16))
	r.Zeros(8) // Reserved2
	r.BeginData()
	r.U8(0)
	r.PutU16At(r.bc-r.hdr, uint16(readAndXPad+dataLen))
	return dataOffset
}

// WriteAndXRequest is a view of a WRITE_ANDX request, WordCount 12 or 14
// (MS-CIFS 2.2.4.43.1, MS-SMB 2.2.4.3.1). It aliases the request buffer.
type WriteAndXRequest struct {
	w    []byte
	data []byte
}

// ParseWriteAndXRequest validates b as a WRITE_ANDX request, including that
// the data DataOffset and DataLength describe lies inside the message.
func ParseWriteAndXRequest(b Block) (WriteAndXRequest, error) {
	// MS-CIFS 2.2.4.43.1: WordCount is 0x0C, or 0x0E with OffsetHigh.
	if len(b.Words) != 2*12 && len(b.Words) != 2*14 {
		return WriteAndXRequest{}, errWords
	}
	w := WriteAndXRequest{w: b.Words}
	// MS-SMB 2.2.4.3.1: the length is DataLengthHigh:DataLength, and a
	// write over 64 KiB has a ByteCount that cannot hold it, so the data is
	// bounded by the message, not by the data block. It must not start
	// before the data block: parameter words are not payload.
	off, n := int(rd16(b.Words, 22)), int(w.DataLength())
	if off < b.DataOffset() || off > len(b.Msg) || n > len(b.Msg)-off {
		return WriteAndXRequest{}, errWriteData
	}
	w.data = b.Msg[off : off+n]
	return w, nil
}

func (q WriteAndXRequest) FID() uint16 { return rd16(q.w, 4) }

// Offset is the file offset, 64-bit when the request carries OffsetHigh.
func (q WriteAndXRequest) Offset() uint64 {
	return uint64(q.OffsetHigh())<<32 | uint64(rd32(q.w, 6))
}

func (q WriteAndXRequest) Timeout() uint32        { return rd32(q.w, 10) }
func (q WriteAndXRequest) WriteMode() uint16      { return rd16(q.w, 14) }
func (q WriteAndXRequest) Remaining() uint16      { return rd16(q.w, 16) }
func (q WriteAndXRequest) DataLengthHigh() uint16 { return rd16(q.w, 18) }

// DataLength is the payload length, DataLengthHigh:DataLength.
func (q WriteAndXRequest) DataLength() uint32 {
	return uint32(rd16(q.w, 18))<<16 | uint32(rd16(q.w, 20))
}

// DataOffset is the payload's offset from the header start.
func (q WriteAndXRequest) DataOffset() uint16 { return rd16(q.w, 22) }

// OffsetHigh is the upper 32 bits of the offset; 0 in the 12-word form.
func (q WriteAndXRequest) OffsetHigh() uint32 {
	if len(q.w) < 2*14 {
		return 0
	}
	return rd32(q.w, 24)
}

// Data is the payload. It aliases the request buffer and dies with it.
func (q WriteAndXRequest) Data() []byte { return q.data }

// EncodeWriteAndXResponse appends a WRITE_ANDX response: count bytes
// written, split into Count and CountHigh (MS-SMB 2.2.4.3.2), and Available,
// which only pipes use (MS-CIFS 2.2.4.43.2).
func EncodeWriteAndXResponse(r *Response, count uint32, available uint16) {
	r.BeginWords(ComWriteAndX)
	r.U16(uint16(count))
	r.U16(available)
	r.U16(uint16(count >> 16))
	r.U16(0) // Reserved
	r.BeginData()
	r.End()
}

// SetReadAndXDataLength rewrites the lengths of a READ_ANDX response begun at
// pos (the offset of its WordCount byte from the header start) by
// BeginReadAndXResponse, after a short read delivered dataLen bytes instead
// of the number announced.
func SetReadAndXDataLength(r *Response, pos int, dataLen int) {
	// Words: AndX header (4), Available, DataCompactionMode, Reserved1,
	// DataLength at byte 10, DataOffset, DataLengthHigh at byte 14.
	r.PutU16At(pos+1+10, uint16(dataLen))
	r.PutU16At(pos+1+14, uint16(dataLen>>16))
	r.PutU16At(pos+1+24, uint16(readAndXPad+dataLen))
}

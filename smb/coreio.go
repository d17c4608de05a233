package smb

// The core protocol's file I/O: SMB_COM_READ, SMB_COM_WRITE, SMB_COM_SEEK,
// SMB_COM_WRITE_AND_CLOSE, SMB_COM_QUERY_INFORMATION2,
// SMB_COM_SET_INFORMATION2 and SMB_COM_PROCESS_EXIT. Offsets and counts are
// 32 and 16 bits; dates and times are the SMB_DATE/SMB_TIME pairs of FAT.

// bufferFormatDataBlock introduces a data buffer with a 16-bit length
// (MS-CIFS 2.2.2.2: 0x01, "data block").
const bufferFormatDataBlock = 0x01

var (
	errCoreData    = parseError("smb: data block shorter than the count of bytes to write")
	errCoreReserve = parseError("smb: WRITE_AND_CLOSE without its pad byte")
)

// encodeWords appends a response block of the given parameter words and an
// empty data block: the shape of most core responses. One shared loop keeps
// the firmware binary smaller than inlined appends per encoder.
func encodeWords(r *Response, cmd uint8, words ...uint16) {
	r.BeginWords(cmd)
	for _, w := range words {
		r.U16(w)
	}
	r.BeginData()
	r.End()
}

// FIDRequest is a view of the parameter words of a request whose only field
// is a FID: SMB_COM_QUERY_INFORMATION2 (MS-CIFS 2.2.4.31.1, WordCount 1).
// It aliases the request buffer.
type FIDRequest []byte

// ParseQueryInformation2Request validates b as a QUERY_INFORMATION2
// request.
func ParseQueryInformation2Request(b Block) (FIDRequest, error) {
	if err := wantWords(b, 1); err != nil {
		return nil, err
	}
	return FIDRequest(b.Words), nil
}

func (f FIDRequest) FID() uint16 { return rd16(f, 0) }

// ReadRequest is a view of the parameter words of an SMB_COM_READ request
// (MS-CIFS 2.2.4.11.1, WordCount 5). It aliases the request buffer.
type ReadRequest []byte

// ParseReadRequest validates b as a READ request.
func ParseReadRequest(b Block) (ReadRequest, error) {
	if err := wantWords(b, 5); err != nil {
		return nil, err
	}
	return ReadRequest(b.Words), nil
}

func (q ReadRequest) FID() uint16                { return rd16(q, 0) }
func (q ReadRequest) CountOfBytesToRead() uint16 { return rd16(q, 2) }
func (q ReadRequest) ReadOffsetInBytes() uint32  { return rd32(q, 4) }

// EstimateOfRemainingBytesToBeRead is the client's hint of what it will
// read next; servers may ignore it.
func (q ReadRequest) EstimateOfRemainingBytesToBeRead() uint16 { return rd16(q, 8) }

// ReadResponseOverhead is what a READ response adds to its data: the
// header, WordCount, 5 words, ByteCount, buffer format and DataLength.
// Samba answers at most MaxBufferSize minus this many bytes, so the reply
// fits the client's buffer.
const ReadResponseOverhead = HeaderLen + 1 + 2*5 + 2 + 3

// BeginReadResponse appends a READ response (MS-CIFS 2.2.4.11.2, WordCount
// 5) for dataLen bytes of data that it does not write: CountOfBytesReturned,
// the 8 reserved bytes, ByteCount, buffer format 0x01 and CountOfBytesRead.
// It returns the offset of the response's WordCount byte from the header
// start. The caller then appends exactly dataLen bytes (for example by
// reading into r.Extend(dataLen)) and, after a short read, fixes the lengths
// with SetReadDataLength. End must not be called.
func BeginReadResponse(r *Response, dataLen int) (pos int) {
	return beginReadResponse(r, ComRead, dataLen)
}

// beginReadResponse is BeginReadResponse for READ or LOCK_AND_READ (cmd),
// whose responses share one layout.
func beginReadResponse(r *Response, cmd uint8, dataLen int) (pos int) {
	pos = r.Pos()
	r.BeginWords(cmd)
	r.U16(uint16(dataLen))
	r.Zeros(8) // Reserved[4]
	r.BeginData()
	r.U8(bufferFormatDataBlock)
	r.U16(uint16(dataLen))
	r.PutU16At(r.bc-r.hdr, uint16(3+dataLen))
	return pos
}

// SetReadDataLength rewrites the three lengths of a READ response begun at
// pos by BeginReadResponse once dataLen bytes were delivered.
func SetReadDataLength(r *Response, pos, dataLen int) {
	// WordCount, CountOfBytesReturned at 1, Reserved to 11, ByteCount at
	// 11, buffer format at 13, CountOfBytesRead at 14.
	r.PutU16At(pos+1, uint16(dataLen))
	r.PutU16At(pos+11, uint16(3+dataLen))
	r.PutU16At(pos+14, uint16(dataLen))
}

// WriteRequest is a view of an SMB_COM_WRITE request (MS-CIFS 2.2.4.12.1,
// WordCount 5). Data aliases the request buffer.
type WriteRequest struct {
	w    []byte
	data []byte
}

// ParseWriteRequest validates b as a WRITE request. The data block is
// buffer format 0x01, a 16-bit length and the bytes; like Samba (and
// Windows, which smbtorture tests against), the parser trusts
// CountOfBytesToWrite over that length and ignores the format byte, but the
// block must hold three bytes plus that many. A count of 0 is a request to
// truncate or extend the file to the offset (MS-CIFS 2.2.4.12).
func ParseWriteRequest(b Block) (WriteRequest, error) {
	if err := wantWords(b, 5); err != nil {
		return WriteRequest{}, err
	}
	n := int(rd16(b.Words, 2))
	if len(b.Data) < 3+n {
		return WriteRequest{}, errCoreData
	}
	return WriteRequest{w: b.Words, data: b.Data[3 : 3+n]}, nil
}

func (q WriteRequest) FID() uint16                 { return rd16(q.w, 0) }
func (q WriteRequest) CountOfBytesToWrite() uint16 { return rd16(q.w, 2) }
func (q WriteRequest) WriteOffsetInBytes() uint32  { return rd32(q.w, 4) }

// EstimateOfRemainingBytesToBeWritten is the client's hint; servers may
// ignore it.
func (q WriteRequest) EstimateOfRemainingBytesToBeWritten() uint16 { return rd16(q.w, 8) }

// Data is the payload, CountOfBytesToWrite bytes. It aliases the request
// buffer and dies with it.
func (q WriteRequest) Data() []byte { return q.data }

// EncodeWriteResponse appends the response of WRITE or WRITE_AND_CLOSE
// (cmd): CountOfBytesWritten and no data (MS-CIFS 2.2.4.12.2, 2.2.4.40.2).
func EncodeWriteResponse(r *Response, cmd uint8, count uint16) { encodeWords(r, cmd, count) }

// WriteAndCloseRequest is a view of an SMB_COM_WRITE_AND_CLOSE request
// (MS-CIFS 2.2.4.40.1, WordCount 6, or 12 with three reserved doublewords).
// Data aliases the request buffer.
type WriteAndCloseRequest struct {
	w    []byte
	data []byte
}

// ParseWriteAndCloseRequest validates b. MS-CIFS 2.2.4.40.1: the data block
// is one pad byte and then CountOfBytesToWrite bytes; with a count of 0 the
// pad may be missing too. A count of 0 writes nothing: unlike WRITE's, it
// does not truncate, as Samba answers it.
func ParseWriteAndCloseRequest(b Block) (WriteAndCloseRequest, error) {
	if len(b.Words) != 2*6 && len(b.Words) != 2*12 {
		return WriteAndCloseRequest{}, errWords
	}
	n := int(rd16(b.Words, 2))
	if n == 0 {
		return WriteAndCloseRequest{w: b.Words}, nil
	}
	if len(b.Data) < 1 {
		return WriteAndCloseRequest{}, errCoreReserve
	}
	if len(b.Data) < 1+n {
		return WriteAndCloseRequest{}, errCoreData
	}
	return WriteAndCloseRequest{w: b.Words, data: b.Data[1 : 1+n]}, nil
}

func (q WriteAndCloseRequest) FID() uint16                 { return rd16(q.w, 0) }
func (q WriteAndCloseRequest) CountOfBytesToWrite() uint16 { return rd16(q.w, 2) }
func (q WriteAndCloseRequest) WriteOffsetInBytes() uint32  { return rd32(q.w, 4) }

// LastWriteTime is a UTIME to set as the file's write time when it is
// closed; 0 and 0xFFFFFFFF leave it to the server (MS-CIFS 2.2.4.40.1, as
// for CLOSE).
func (q WriteAndCloseRequest) LastWriteTime() uint32 { return rd32(q.w, 8) }

// Data is the payload. It aliases the request buffer and dies with it.
func (q WriteAndCloseRequest) Data() []byte { return q.data }

// SEEK modes (MS-CIFS 2.2.4.19.1).
const (
	SeekFromStart   uint16 = 0
	SeekFromCurrent uint16 = 1
	SeekFromEnd     uint16 = 2
)

// SeekRequest is a view of the parameter words of an SMB_COM_SEEK request
// (MS-CIFS 2.2.4.19.1, WordCount 4). It aliases the request buffer.
type SeekRequest []byte

// ParseSeekRequest validates b as a SEEK request.
func ParseSeekRequest(b Block) (SeekRequest, error) {
	if err := wantWords(b, 4); err != nil {
		return nil, err
	}
	return SeekRequest(b.Words), nil
}

func (q SeekRequest) FID() uint16 { return rd16(q, 0) }

// Mode is SeekFromStart, SeekFromCurrent or SeekFromEnd.
func (q SeekRequest) Mode() uint16 { return rd16(q, 2) }

// Offset is signed: MS-CIFS 2.2.4.19.1 lets a client seek backwards from the
// current position or the end.
func (q SeekRequest) Offset() int32 { return int32(rd32(q, 4)) }

// EncodeSeekResponse appends the SEEK response: the new position from the
// start of the file (MS-CIFS 2.2.4.19.2, WordCount 2).
func EncodeSeekResponse(r *Response, offset uint32) {
	encodeWords(r, ComSeek, uint16(offset), uint16(offset>>16))
}

// QueryInformation2Response is the SMB_COM_QUERY_INFORMATION2 response,
// fields in wire order (MS-CIFS 2.2.4.31.2, WordCount 11). Each date and
// time is an SMB_DATE and SMB_TIME (MS-CIFS 2.2.1.4.1) on the server's wall
// clock.
type QueryInformation2Response struct {
	CreateDate, CreationTime     uint16
	LastAccessDate, LastAccess   uint16
	LastWriteDate, LastWriteTime uint16
	// FileDataSize and FileAllocationSize are the low 32 bits.
	FileDataSize       uint32
	FileAllocationSize uint32
	FileAttributes     uint16
}

// Encode appends the response block to r.
func (q QueryInformation2Response) Encode(r *Response) {
	encodeWords(r, ComQueryInformation2, q.CreateDate, q.CreationTime, q.LastAccessDate, q.LastAccess,
		q.LastWriteDate, q.LastWriteTime, uint16(q.FileDataSize), uint16(q.FileDataSize>>16),
		uint16(q.FileAllocationSize), uint16(q.FileAllocationSize>>16), q.FileAttributes)
}

// SetInformation2Request is a view of the parameter words of an
// SMB_COM_SET_INFORMATION2 request (MS-CIFS 2.2.4.30.1, WordCount 7). Each
// date/time pair set to 0, 0 leaves that time unchanged. It aliases the
// request buffer; the response is EncodeEmptyResponse.
type SetInformation2Request []byte

// ParseSetInformation2Request validates b as a SET_INFORMATION2 request.
func ParseSetInformation2Request(b Block) (SetInformation2Request, error) {
	if err := wantWords(b, 7); err != nil {
		return nil, err
	}
	return SetInformation2Request(b.Words), nil
}

func (s SetInformation2Request) FID() uint16            { return rd16(s, 0) }
func (s SetInformation2Request) CreateDate() uint16     { return rd16(s, 2) }
func (s SetInformation2Request) CreationTime() uint16   { return rd16(s, 4) }
func (s SetInformation2Request) LastAccessDate() uint16 { return rd16(s, 6) }
func (s SetInformation2Request) LastAccessTime() uint16 { return rd16(s, 8) }
func (s SetInformation2Request) LastWriteDate() uint16  { return rd16(s, 10) }
func (s SetInformation2Request) LastWriteTime() uint16  { return rd16(s, 12) }

// ParseProcessExitRequest validates an SMB_COM_PROCESS_EXIT request, which
// has no fields: the PID in the header names the process whose files the
// server closes (MS-CIFS 2.2.4.18.1). Its response is EncodeEmptyResponse.
func ParseProcessExitRequest(b Block) error { return wantWords(b, 0) }

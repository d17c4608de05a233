package smb

import "encoding/binary"

// Response builds one SMB response message by appending into a caller's
// buffer, usually a pooled one with a 4-byte NetBT header reserved in front.
// Offsets the spec counts "from the start of the SMB header" (AndXOffset,
// DataOffset, string alignment) are computed against where the header began,
// so the prefix does not matter. A Response never allocates unless the buffer
// must grow.
//
// Building a command: BeginWords, the parameter words (U8/U16/...), BeginData,
// the data bytes, End. AndX responses are linked automatically: starting a
// block after an AndX block fills that block's AndXCommand and AndXOffset
// (MS-CIFS 2.2.3.4).
type Response struct {
	buf      []byte
	hdr      int // index of the SMB header in buf
	prevAndX int // index of the previous AndX block's WordCount byte, or -1
	wc       int // index of the current WordCount byte
	bc       int // index of the current ByteCount field
	ntStatus bool
}

// Begin appends a response header for req to dst: the request's header with
// FlagsReply set, the status cleared, and Flags2 as the server answers it.
func (r *Response) Begin(dst []byte, req Header, flags2 uint16) {
	r.hdr = len(dst)
	r.buf = append(dst, req...)
	h := Header(r.buf[r.hdr : r.hdr+HeaderLen])
	h.SetFlags(req.Flags() | FlagsReply)
	h.SetFlags2(flags2)
	h.SetStatus(0)
	// MS-CIFS 3.3.4.1: SecuritySignature is zero unless the reply is
	// signed (Sign fills it in).
	clear(h.SecurityFeatures())
	r.prevAndX = -1
	r.wc, r.bc = -1, -1
	r.ntStatus = flags2&Flags2NTStatus != 0
}

// Header returns the response header. It aliases the buffer and is invalid
// after the next append that grows it.
func (r *Response) Header() Header { return Header(r.buf[r.hdr : r.hdr+HeaderLen]) }

// SetStatus writes s into the header, as an NTSTATUS or as its DOS error
// class and code, depending on Flags2NTStatus (MS-CIFS 2.2.3.1). A DOSOnly
// status always goes out in DOS form, with Flags2NTStatus cleared.
func (r *Response) SetStatus(s NTStatus) {
	h := r.Header()
	if s.DOSOnly() {
		h.SetFlags2(h.Flags2() &^ Flags2NTStatus)
		h.SetStatus(uint32(s))
		return
	}
	h.SetStatus(s.Wire(r.ntStatus))
}

// Bytes returns everything appended to the buffer so far, prefix included.
func (r *Response) Bytes() []byte { return r.buf }

// Len is the length of the SMB message so far, header included.
func (r *Response) Len() int { return len(r.buf) - r.hdr }

// Pos is the offset of the next appended byte from the start of the header.
func (r *Response) Pos() int { return len(r.buf) - r.hdr }

// BeginWords starts the parameter block of command cmd. For an AndX command
// it appends the AndX header (no follower yet), and it links the previous
// AndX block, if any, to this one.
func (r *Response) BeginWords(cmd uint8) {
	if r.prevAndX >= 0 {
		words := r.buf[r.prevAndX+1:]
		words[0] = cmd
		words[1] = 0
		binary.LittleEndian.PutUint16(words[2:], uint16(r.Pos()))
		r.prevAndX = -1
	}
	r.wc = len(r.buf)
	r.buf = append(r.buf, 0)
	if IsAndX(cmd) {
		r.buf = append(r.buf, ComNoAndXCommand, 0, 0, 0)
		r.prevAndX = r.wc
	}
}

// BeginData ends the parameter block, writing its WordCount, and starts the
// data block.
func (r *Response) BeginData() {
	r.buf[r.wc] = byte((len(r.buf) - r.wc - 1) / 2)
	r.bc = len(r.buf)
	r.buf = append(r.buf, 0, 0)
}

// End ends the data block, writing its ByteCount.
func (r *Response) End() {
	binary.LittleEndian.PutUint16(r.buf[r.bc:], uint16(len(r.buf)-r.bc-2))
}

// Empty appends a block with no words and no data: the body of an error
// response (MS-CIFS 2.2.3.1: on error, WordCount and ByteCount are 0 unless the
// command says otherwise). It does not link an AndX predecessor's offset past
// itself: an error ends the chain.
func (r *Response) Empty(cmd uint8) {
	if r.prevAndX >= 0 {
		words := r.buf[r.prevAndX+1:]
		words[0] = cmd
		binary.LittleEndian.PutUint16(words[2:], uint16(r.Pos()))
		r.prevAndX = -1
	}
	r.buf = append(r.buf, 0, 0, 0)
}

func (r *Response) U8(v uint8)   { r.buf = append(r.buf, v) }
func (r *Response) U16(v uint16) { r.buf = binary.LittleEndian.AppendUint16(r.buf, v) }
func (r *Response) U32(v uint32) { r.buf = binary.LittleEndian.AppendUint32(r.buf, v) }
func (r *Response) U64(v uint64) { r.buf = binary.LittleEndian.AppendUint64(r.buf, v) }

// Append appends raw bytes.
func (r *Response) Append(p []byte) { r.buf = append(r.buf, p...) }

// Zeros appends n zero bytes.
func (r *Response) Zeros(n int) {
	for range n {
		r.buf = append(r.buf, 0)
	}
}

// Align pads with zeros until Pos is a multiple of n.
func (r *Response) Align(n int) {
	for r.Pos()%n != 0 {
		r.buf = append(r.buf, 0)
	}
}

// PutU16At and PutU32At patch a field written earlier, at an offset from the
// header start, once a later length or offset is known.
func (r *Response) PutU16At(pos int, v uint16) {
	binary.LittleEndian.PutUint16(r.buf[r.hdr+pos:], v)
}

func (r *Response) PutU32At(pos int, v uint32) {
	binary.LittleEndian.PutUint32(r.buf[r.hdr+pos:], v)
}

// String appends s null-terminated, as UTF-16LE aligned to 2 bytes from the
// header start when unicode is set (MS-CIFS 2.2.1.1), else as OEM bytes.
func (r *Response) String(s string, unicode bool) {
	if unicode {
		r.Align(2)
		r.buf = AppendUTF16(r.buf, s)
		r.buf = append(r.buf, 0, 0)
		return
	}
	r.buf = AppendOEM(r.buf, s)
	r.buf = append(r.buf, 0)
}

// Extend appends n bytes, not zeroed, and returns them for the caller to
// fill in place: a READ's file data goes straight into the reply this way.
// The slice is invalid after the next append.
func (r *Response) Extend(n int) []byte {
	r.buf = growLen(r.buf, n)
	return r.buf[len(r.buf)-n:]
}

// Truncate cuts the message back to pos bytes from the header start. A
// handler that began an AndX block and then fails truncates to where the
// block began; the block is gone, so it is no longer the one a following
// block or error (Empty) links from, and the link its predecessor got
// still points at pos, where that follower will start.
func (r *Response) Truncate(pos int) {
	r.buf = r.buf[:r.hdr+pos]
	if r.prevAndX >= len(r.buf) {
		r.prevAndX = -1
	}
}

func growLen(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), 2*cap(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

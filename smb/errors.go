package smb

import (
	"encoding/binary"
	"errors"
)

// ErrMalformed is what every parse error in this package matches with
// errors.Is: the request is not a well-formed SMB1 message, and the server
// answers STATUS_INVALID_SMB (ERRSRV/ERRerror) without looking further.
var ErrMalformed = errors.New("smb: malformed message")

// IsMalformed reports whether err came from a parser of this package
// rejecting its input.
func IsMalformed(err error) bool { return errors.Is(err, ErrMalformed) }

// parseError is the type of the package's parse sentinels. A string type
// keeps the sentinels comparable constants-in-spirit, costs nothing to
// return, and ties them all to ErrMalformed without allocating a wrapper.
type parseError string

func (e parseError) Error() string { return string(e) }

// Is makes every parseError match ErrMalformed.
func (e parseError) Is(target error) bool { return target == ErrMalformed }

// rd16, rd32 and rd64 read little-endian fields of a validated view.
func rd16(b []byte, i int) uint16 { return binary.LittleEndian.Uint16(b[i:]) }
func rd32(b []byte, i int) uint32 { return binary.LittleEndian.Uint32(b[i:]) }
func rd64(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i:]) }

// wantWords checks a command's fixed WordCount; a mismatch means the block
// cannot be the command it claims to be.
func wantWords(b Block, n int) error {
	if len(b.Words) != 2*n {
		return errWords
	}
	return nil
}

// dataEnd is the offset from the header start just past b's data block:
// the bound for strings read from it.
func dataEnd(b Block) int { return b.DataOffset() + len(b.Data) }

var errBufferFormat = parseError("smb: string field without buffer format 0x04")

// readFormatString reads an SMB_STRING field at off: buffer format 0x04,
// then a null-terminated string, Unicode aligned from the header start
// (MS-CIFS 2.2.2.2, 2.2.1.1). The bytes alias b's message.
func readFormatString(b Block, off int, unicode bool) (s []byte, next int, err error) {
	end := dataEnd(b)
	if off < b.DataOffset() || off >= end || b.Msg[off] != bufferFormatString {
		return nil, 0, errBufferFormat
	}
	return ReadString(b.Msg, off+1, end, unicode)
}

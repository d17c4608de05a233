package smb

import "encoding/binary"

// HeaderLen is the fixed size of the SMB1 header (MS-CIFS 2.2.3.1).
const HeaderLen = 32

// Protocol identifiers: SMB1 messages begin "\xffSMB" (MS-CIFS 2.2.3.1); SMB2
// messages begin "\xfeSMB" (MS-SMB2 2.2.1), which an SMB1-only server must
// recognise to refuse cleanly.
var (
	ProtocolSMB1 = [4]byte{0xFF, 'S', 'M', 'B'}
	ProtocolSMB2 = [4]byte{0xFE, 'S', 'M', 'B'}
)

// Header flags (MS-CIFS 2.2.3.1).
const (
	FlagsLockAndRead     uint8 = 0x01
	FlagsCaseInsensitive uint8 = 0x08
	FlagsCanonicalPaths  uint8 = 0x10
	FlagsOplock          uint8 = 0x20
	FlagsOplockBatch     uint8 = 0x40
	FlagsReply           uint8 = 0x80
)

// Header Flags2 bits (MS-CIFS 2.2.3.1, MS-SMB 2.2.3.1).
const (
	Flags2LongNames         uint16 = 0x0001
	Flags2EAs               uint16 = 0x0002
	Flags2SecuritySignature uint16 = 0x0004
	// Flags2SecuritySignatureRequired: the client requires signing
	// (MS-SMB 2.2.3.1).
	Flags2SecuritySignatureRequired uint16 = 0x0010
	Flags2IsLongName                uint16 = 0x0040
	Flags2ReparsePath               uint16 = 0x0400
	Flags2ExtendedSecurity          uint16 = 0x0800
	Flags2DFS                       uint16 = 0x1000
	Flags2PagingIO                  uint16 = 0x2000
	Flags2NTStatus                  uint16 = 0x4000
	Flags2Unicode                   uint16 = 0x8000
)

var (
	errShort      = parseError("smb: message too short")
	errProtocol   = parseError("smb: not an SMB1 message")
	errWordCount  = parseError("smb: parameter block overruns message")
	errByteCount  = parseError("smb: data block overruns message")
	errWords      = parseError("smb: wrong parameter word count")
	errOffset     = parseError("smb: offset or length outside message")
	errAndXOrder  = parseError("smb: AndX offset does not move forward")
	errAndXDepth  = parseError("smb: AndX chain too long")
	errAndXFollow = parseError("smb: AndX follower not allowed after its predecessor")
	errString     = parseError("smb: malformed string")
)

// Header is a view of the 32-byte SMB1 header, fields in wire order
// (MS-CIFS 2.2.3.1). It aliases the message buffer.
type Header []byte

// ParseHeader checks that b begins with an SMB1 header.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return nil, errShort
	}
	if [4]byte(b[:4]) != ProtocolSMB1 {
		return nil, errProtocol
	}
	return Header(b[:HeaderLen]), nil
}

func (h Header) Command() uint8           { return h[4] }
func (h Header) Status() uint32           { return binary.LittleEndian.Uint32(h[5:]) }
func (h Header) Flags() uint8             { return h[9] }
func (h Header) Flags2() uint16           { return binary.LittleEndian.Uint16(h[10:]) }
func (h Header) PIDHigh() uint16          { return binary.LittleEndian.Uint16(h[12:]) }
func (h Header) SecurityFeatures() []byte { return h[14:22] }
func (h Header) TID() uint16              { return binary.LittleEndian.Uint16(h[24:]) }
func (h Header) PIDLow() uint16           { return binary.LittleEndian.Uint16(h[26:]) }
func (h Header) UID() uint16              { return binary.LittleEndian.Uint16(h[28:]) }
func (h Header) MID() uint16              { return binary.LittleEndian.Uint16(h[30:]) }

// PID is the 32-bit process ID, PIDHigh:PIDLow.
func (h Header) PID() uint32 { return uint32(h.PIDHigh())<<16 | uint32(h.PIDLow()) }

// Unicode reports whether strings in this message are UTF-16LE.
func (h Header) Unicode() bool { return h.Flags2()&Flags2Unicode != 0 }

// IsReply reports whether the message is a server response.
func (h Header) IsReply() bool { return h.Flags()&FlagsReply != 0 }

func (h Header) SetCommand(c uint8)    { h[4] = c }
func (h Header) SetStatus(s uint32)    { binary.LittleEndian.PutUint32(h[5:], s) }
func (h Header) SetFlags(f uint8)      { h[9] = f }
func (h Header) SetFlags2(f uint16)    { binary.LittleEndian.PutUint16(h[10:], f) }
func (h Header) SetTID(tid uint16)     { binary.LittleEndian.PutUint16(h[24:], tid) }
func (h Header) SetUID(uid uint16)     { binary.LittleEndian.PutUint16(h[28:], uid) }
func (h Header) SetMID(mid uint16)     { binary.LittleEndian.PutUint16(h[30:], mid) }
func (h Header) SetPIDLow(pid uint16)  { binary.LittleEndian.PutUint16(h[26:], pid) }
func (h Header) SetPIDHigh(pid uint16) { binary.LittleEndian.PutUint16(h[12:], pid) }

package smb

import "bytes"

// Dialect names a client may offer in SMB_COM_NEGOTIATE (MS-CIFS 1.7,
// 2.2.4.52.1). The server speaks DialectNTLM012 and, for old clients, the
// LAN Manager dialects; the SMB2 names appear in the lists of clients that
// also speak SMB2 and must be skipped, not rejected.
const (
	DialectPCNetworkProgram = "PC NETWORK PROGRAM 1.0"
	DialectLANMAN10         = "LANMAN1.0"
	DialectLM12X002         = "LM1.2X002"
	DialectLANMAN21         = "LANMAN2.1"
	DialectNTLANMAN10       = "NT LANMAN 1.0"
	DialectNTLM012          = "NT LM 0.12"
	DialectSMB2002          = "SMB 2.002"
	DialectSMB2Wildcard     = "SMB 2.???"
)

// NoDialect is the DialectIndex of a negotiate response that accepts none of
// the offered dialects (MS-CIFS 2.2.4.52.2).
const NoDialect uint16 = 0xFFFF

// Capabilities bits of the negotiate response (MS-CIFS 2.2.4.52.2,
// MS-SMB 2.2.4.5.2) and of the session setup request.
const (
	CapRawMode           uint32 = 0x00000001
	CapMpxMode           uint32 = 0x00000002
	CapUnicode           uint32 = 0x00000004
	CapLargeFiles        uint32 = 0x00000008
	CapNTSMBs            uint32 = 0x00000010
	CapRPCRemoteAPIs     uint32 = 0x00000020
	CapStatus32          uint32 = 0x00000040
	CapLevelIIOplocks    uint32 = 0x00000080
	CapLockAndRead       uint32 = 0x00000100
	CapNTFind            uint32 = 0x00000200
	CapDFS               uint32 = 0x00001000
	CapInfolevelPassthru uint32 = 0x00002000
	CapLargeReadX        uint32 = 0x00004000
	CapLargeWriteX       uint32 = 0x00008000
	CapUnix              uint32 = 0x00800000
	CapExtendedSecurity  uint32 = 0x80000000
)

// SecurityMode bits of the negotiate response (MS-CIFS 2.2.4.52.2).
const (
	NegotiateUserSecurity               uint8 = 0x01
	NegotiateEncryptPasswords           uint8 = 0x02
	NegotiateSecuritySignaturesEnabled  uint8 = 0x04
	NegotiateSecuritySignaturesRequired uint8 = 0x08
)

// Buffer format bytes that precede some data-block fields (MS-CIFS 2.2.2.2):
// a dialect name in SMB_COM_NEGOTIATE, a null-terminated string (SMB_STRING)
// in the core path-based commands.
const (
	bufferFormatDialect = 0x02
	bufferFormatString  = 0x04
)

var errDialect = parseError("smb: dialect entry without buffer format 0x02")

// NegotiateRequest is a view of an SMB_COM_NEGOTIATE request: no parameter
// words and a list of dialect names (MS-CIFS 2.2.4.52.1). It aliases the
// request buffer.
type NegotiateRequest struct {
	data []byte
}

// ParseNegotiateRequest validates the dialect list of b. An empty list is
// valid; the server answers it with NoDialect.
func ParseNegotiateRequest(b Block) (NegotiateRequest, error) {
	if len(b.Words) != 0 {
		return NegotiateRequest{}, errWords
	}
	// MS-CIFS 2.2.4.52.1: each entry is BufferFormat 0x02 then a
	// null-terminated OEM string. A missing terminator on the last entry is
	// tolerated, as ReadString tolerates it elsewhere.
	d := b.Data
	for len(d) > 0 {
		if d[0] != bufferFormatDialect {
			return NegotiateRequest{}, errDialect
		}
		i := bytes.IndexByte(d[1:], 0)
		if i < 0 {
			break
		}
		d = d[1+i+1:]
	}
	return NegotiateRequest{data: b.Data}, nil
}

// Dialects returns an iterator over the offered dialect names, in order.
func (n NegotiateRequest) Dialects() DialectIter {
	return DialectIter{rest: n.data, index: -1}
}

// Count is the number of dialects offered.
func (n NegotiateRequest) Count() int {
	c := 0
	for it := n.Dialects(); it.Next(); {
		c++
	}
	return c
}

// IndexOf returns the DialectIndex of name, the position of its first
// occurrence in the list, or -1. Dialect names compare exactly: they are
// protocol identifiers, not user text.
func (n NegotiateRequest) IndexOf(name string) int {
	for it := n.Dialects(); it.Next(); {
		if string(it.Name()) == name {
			return it.Index()
		}
	}
	return -1
}

// DialectIter walks a validated dialect list without allocating.
//
//	for it := req.Dialects(); it.Next(); {
//		use(it.Index(), it.Name())
//	}
type DialectIter struct {
	rest  []byte
	cur   []byte
	index int
}

// Next advances to the next dialect and reports whether there is one.
func (it *DialectIter) Next() bool {
	if len(it.rest) == 0 {
		return false
	}
	d := it.rest[1:] // the 0x02 buffer format, checked by the parser
	if i := bytes.IndexByte(d, 0); i >= 0 {
		it.cur, it.rest = d[:i], d[i+1:]
	} else {
		it.cur, it.rest = d, nil
	}
	it.index++
	return true
}

// Name is the current dialect name, without its terminator. It aliases the
// request buffer.
func (it *DialectIter) Name() []byte { return it.cur }

// Index is the current dialect's position in the list: the value the
// response's DialectIndex names it by.
func (it *DialectIter) Index() int { return it.index }

// NegotiateResponseNT is the SMB_COM_NEGOTIATE response for the NT LM 0.12
// dialect, fields in wire order (MS-CIFS 2.2.4.52.2, WordCount 17;
// MS-SMB 2.2.4.5.2 for extended security).
type NegotiateResponseNT struct {
	DialectIndex  uint16
	SecurityMode  uint8
	MaxMpxCount   uint16
	MaxNumberVcs  uint16
	MaxBufferSize uint32
	MaxRawSize    uint32
	SessionKey    uint32
	// Capabilities decides the data block: with CapExtendedSecurity it
	// carries ServerGUID and SecurityBlob, otherwise Challenge, DomainName
	// and ServerName.
	Capabilities uint32
	// SystemTime is a FILETIME: 100 ns intervals since 1601-01-01 UTC.
	SystemTime uint64
	// ServerTimeZone is the server's offset from UTC in minutes, positive
	// west of Greenwich (MS-CIFS 2.2.4.52.2).
	ServerTimeZone int16

	// Challenge is the 8-byte NTLM challenge; its length is sent as
	// ChallengeLength.
	Challenge  []byte
	DomainName string
	ServerName string

	ServerGUID   [16]byte
	SecurityBlob []byte
}

// Encode appends the response block to r. DomainName and ServerName are
// UTF-16LE when the response header says Unicode or Capabilities has
// CapUnicode, otherwise OEM.
func (n NegotiateResponseNT) Encode(r *Response) {
	ext := n.Capabilities&CapExtendedSecurity != 0
	r.BeginWords(ComNegotiate)
	r.U16(n.DialectIndex)
	r.U8(n.SecurityMode)
	r.U16(n.MaxMpxCount)
	r.U16(n.MaxNumberVcs)
	r.U32(n.MaxBufferSize)
	r.U32(n.MaxRawSize)
	r.U32(n.SessionKey)
	r.U32(n.Capabilities)
	r.U64(n.SystemTime)
	r.U16(uint16(n.ServerTimeZone))
	if ext {
		// MS-SMB 2.2.4.5.2.1: ChallengeLength MUST be 0 with extended
		// security; the challenge travels inside the security blob.
		r.U8(0)
	} else {
		r.U8(uint8(len(n.Challenge)))
	}
	r.BeginData()
	if ext {
		r.Append(n.ServerGUID[:])
		r.Append(n.SecurityBlob)
	} else {
		r.Append(n.Challenge)
		// MS-CIFS 2.2.4.52.2 puts DomainName right after the challenge
		// with no pad, so in Unicode it sits on an odd offset; Windows
		// and Samba send it that way and clients read it that way. The
		// names are Unicode whenever the server offers CapUnicode, as
		// Samba sends them and Wireshark reads them, since the client
		// has not yet seen the server's Flags2 when it parses them.
		u := r.Header().Unicode() || n.Capabilities&CapUnicode != 0
		r.unpaddedString(n.DomainName, u)
		r.unpaddedString(n.ServerName, u)
	}
	r.End()
}

// NegotiateResponseLANMAN is the SMB_COM_NEGOTIATE response for the LAN
// Manager dialects (LANMAN1.0 through LANMAN2.1), fields in wire order
// (MS-CIFS 2.2.4.52.2, WordCount 13).
type NegotiateResponseLANMAN struct {
	DialectIndex  uint16
	SecurityMode  uint16
	MaxBufferSize uint16
	MaxMpxCount   uint16
	MaxNumberVcs  uint16
	RawMode       uint16
	SessionKey    uint32
	// ServerTime and ServerDate are SMB_TIME and SMB_DATE (MS-CIFS 2.2.1.4.1).
	ServerTime     uint16
	ServerDate     uint16
	ServerTimeZone int16
	// Challenge is the encryption key; its length is EncryptionKeyLength.
	Challenge []byte
}

// Encode appends the response block to r.
func (n NegotiateResponseLANMAN) Encode(r *Response) {
	r.BeginWords(ComNegotiate)
	r.U16(n.DialectIndex)
	r.U16(n.SecurityMode)
	r.U16(n.MaxBufferSize)
	r.U16(n.MaxMpxCount)
	r.U16(n.MaxNumberVcs)
	r.U16(n.RawMode)
	r.U32(n.SessionKey)
	r.U16(n.ServerTime)
	r.U16(n.ServerDate)
	r.U16(uint16(n.ServerTimeZone))
	r.U16(uint16(len(n.Challenge)))
	r.U16(0) // Reserved
	r.BeginData()
	r.Append(n.Challenge)
	r.End()
}

// EncodeNegotiateResponseCore appends the one-word negotiate response: the
// whole answer for the core dialect "PC NETWORK PROGRAM 1.0", and, with
// index NoDialect, the refusal of every offered dialect (MS-CIFS 2.2.4.52.2).
func EncodeNegotiateResponseCore(r *Response, index uint16) {
	r.BeginWords(ComNegotiate)
	r.U16(index)
	r.BeginData()
	r.End()
}

// unpaddedString appends s null-terminated, UTF-16LE without alignment when
// unicode is set: for the few fields the spec places with no pad byte.
func (r *Response) unpaddedString(s string, unicode bool) {
	if unicode {
		r.buf = AppendUTF16(r.buf, s)
		r.buf = append(r.buf, 0, 0)
		return
	}
	r.buf = AppendOEM(r.buf, s)
	r.buf = append(r.buf, 0)
}

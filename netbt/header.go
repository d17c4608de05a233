package netbt

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// Packet types of the session service, RFC 1002 4.3.1.
const (
	TypeSessionMessage   byte = 0x00
	TypeSessionRequest   byte = 0x81
	TypePositiveResponse byte = 0x82
	TypeNegativeResponse byte = 0x83
	TypeRetarget         byte = 0x84
	TypeKeepalive        byte = 0x85
)

// Error codes of a negative session response, RFC 1002 4.3.4.
const (
	CodeNotListeningOnCalledName   byte = 0x80
	CodeNotListeningForCallingName byte = 0x81
	CodeCalledNameNotPresent       byte = 0x82
	CodeInsufficientResources      byte = 0x83
	CodeUnspecified                byte = 0x8F
)

const (
	// HeaderLen is the size of the header in front of every packet, in both
	// modes.
	HeaderLen = 4

	// MaxSessionLength is the largest payload of a session service packet:
	// 16 LENGTH bits plus the E (length extension) flag, RFC 1002 4.3.1.
	MaxSessionLength = 1<<17 - 1

	// MaxDirectLength is the largest payload of a direct-hosted packet, whose
	// length field is 24 bits wide (MS-SMB2 2.1).
	MaxDirectLength = 1<<24 - 1
)

// Mode selects the framing of a connection.
type Mode uint8

const (
	// SessionService is the RFC 1002 session service (TCP port 139): typed
	// packets with a 17-bit length, opened by a session request.
	SessionService Mode = iota

	// DirectTCP is direct-hosted SMB (TCP port 445): session messages only,
	// with a zero first byte and a 24-bit length.
	DirectTCP
)

// MaxLength returns the largest payload length the mode's header can carry.
func (m Mode) MaxLength() int {
	if m == DirectTCP {
		return MaxDirectLength
	}
	return MaxSessionLength
}

// String returns the mode's name.
func (m Mode) String() string {
	if m == DirectTCP {
		return "direct-tcp"
	}
	return "session-service"
}

var (
	// ErrBadHeader reports a packet header that does not belong to the
	// connection's mode. The stream cannot be resynchronised after it.
	ErrBadHeader = errors.New("netbt: malformed packet header")

	// ErrFrameTooLarge reports a header announcing more payload than the
	// reader's limit. It is returned before any buffer grows for it.
	ErrFrameTooLarge = errors.New("netbt: frame exceeds maximum length")

	errShortHeader    = errors.New("netbt: header shorter than 4 bytes")
	errNegativeLength = errors.New("netbt: negative response length is not 1")
	errRetargetLength = errors.New("netbt: retarget response length is not 6")
)

// Header is a decoded packet header.
type Header struct {
	Type   byte // always TypeSessionMessage in DirectTCP mode
	Length int  // payload bytes following the header
}

// ParseHeader decodes the first HeaderLen bytes of b according to m.
func ParseHeader(b []byte, m Mode) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, errShortHeader
	}
	if m == DirectTCP {
		// MS-SMB2 2.1: the first byte of the Direct TCP header MUST be zero;
		// the other three are the length.
		if b[0] != 0 {
			return Header{}, ErrBadHeader
		}
		return Header{Type: TypeSessionMessage, Length: int(b[1])<<16 | int(b[2])<<8 | int(b[3])}, nil
	}
	// RFC 1002 4.3.1: FLAGS bits 0-6 are reserved and must be zero; bit 7,
	// the low-order bit, is E, the 17th length bit.
	if b[1]&^1 != 0 {
		return Header{}, ErrBadHeader
	}
	switch b[0] {
	case TypeSessionMessage, TypeSessionRequest, TypePositiveResponse,
		TypeNegativeResponse, TypeRetarget, TypeKeepalive:
	default:
		// Any other type means the peer is not speaking the session service
		// (an HTTP request on port 139, say); nothing after it can be framed.
		return Header{}, ErrBadHeader
	}
	return Header{Type: b[0], Length: int(b[1])<<16 | int(binary.BigEndian.Uint16(b[2:]))}, nil
}

// PutHeader writes the header of a packet of type typ with length payload
// bytes into dst[:HeaderLen], a prefix the caller reserved before appending
// the payload. A session message header is the same in both modes as long as
// length fits in MaxSessionLength, so a SessionService writer must keep its
// messages within that; DirectTCP ones may reach MaxDirectLength.
// PutHeader panics if length cannot be represented for typ or dst is short.
func PutHeader(dst []byte, typ byte, length int) {
	if length < 0 || length > MaxDirectLength || typ != TypeSessionMessage && length > MaxSessionLength {
		panic("netbt: PutHeader length out of range")
	}
	_ = dst[HeaderLen-1]
	dst[0] = typ
	dst[1] = byte(length >> 16)
	binary.BigEndian.PutUint16(dst[2:], uint16(length))
}

// AppendPositiveResponse appends a positive session response, which accepts
// a session request (RFC 1002 4.3.3).
func AppendPositiveResponse(dst []byte) []byte {
	return append(dst, TypePositiveResponse, 0, 0, 0)
}

// AppendNegativeResponse appends a negative session response carrying one
// of the Code constants (RFC 1002 4.3.4).
func AppendNegativeResponse(dst []byte, code byte) []byte {
	return append(dst, TypeNegativeResponse, 0, 0, 1, code)
}

// AppendKeepalive appends a session keepalive (RFC 1002 4.3.7).
func AppendKeepalive(dst []byte) []byte {
	return append(dst, TypeKeepalive, 0, 0, 0)
}

// AppendRetarget appends a retarget response sending the client to to,
// which must be an IPv4 address (RFC 1002 4.3.5); AppendRetarget panics
// otherwise.
func AppendRetarget(dst []byte, to netip.AddrPort) []byte {
	ip := to.Addr().Unmap()
	if !ip.Is4() {
		panic("netbt: retarget address is not IPv4")
	}
	a := ip.As4()
	return append(dst, TypeRetarget, 0, 0, 6, a[0], a[1], a[2], a[3], byte(to.Port()>>8), byte(to.Port()))
}

// ParseNegativeResponse returns the error code in the payload of a negative
// session response.
func ParseNegativeResponse(payload []byte) (byte, error) {
	// RFC 1002 4.3.4: LENGTH is 1, the error code.
	if len(payload) != 1 {
		return 0, errNegativeLength
	}
	return payload[0], nil
}

// ParseRetarget returns the address and port in the payload of a retarget
// response.
func ParseRetarget(payload []byte) (netip.AddrPort, error) {
	// RFC 1002 4.3.5: LENGTH is 6, an IPv4 address then a port.
	if len(payload) != 6 {
		return netip.AddrPort{}, errRetargetLength
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(payload[:4])), binary.BigEndian.Uint16(payload[4:])), nil
}

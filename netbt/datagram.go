package netbt

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// DatagramPort is the UDP port of the NetBIOS datagram service
// (RFC 1002 4.4).
const DatagramPort = 138

// Datagram service message types (RFC 1002 4.4.1, MSG_TYPE).
const (
	DatagramDirectUnique          byte = 0x10
	DatagramDirectGroup           byte = 0x11
	DatagramBroadcast             byte = 0x12
	DatagramError                 byte = 0x13
	DatagramQueryRequest          byte = 0x14
	DatagramPositiveQueryResponse byte = 0x15
	DatagramNegativeQueryResponse byte = 0x16
)

// Datagram header FLAGS (RFC 1002 4.4.1): M says more fragments follow, F
// that this is the first one; SNT, two bits, is the sender's node type.
const (
	DatagramFlagMore  byte = 0x01
	DatagramFlagFirst byte = 0x02
	DatagramNodeB     byte = 0x0 << 2
	DatagramNodeP     byte = 0x1 << 2
	DatagramNodeM     byte = 0x2 << 2
	DatagramNodeNBDD  byte = 0x3 << 2
	datagramNodeMask  byte = 0x3 << 2
)

// Datagram ERROR_CODE values (RFC 1002 4.4.3).
const (
	DatagramErrNameNotPresent byte = 0x82
	DatagramErrSourceFormat   byte = 0x83
	DatagramErrDestFormat     byte = 0x84
)

const (
	// datagramBaseLen is MSG_TYPE through SOURCE_PORT, the part every
	// datagram service packet has (RFC 1002 4.4.1).
	datagramBaseLen = 10
	// datagramDataLen adds DGM_LENGTH and PACKET_OFFSET, which only the
	// three data-carrying types have (RFC 1002 4.4.2).
	datagramDataLen = 14
)

var (
	errDatagramShort  = errors.New("netbt: datagram shorter than its header")
	errDatagramType   = errors.New("netbt: unknown datagram message type")
	errDatagramLength = errors.New("netbt: DGM_LENGTH beyond the datagram")
)

// Datagram is a validated NetBIOS datagram service packet (RFC 1002 4.4).
// Its slices alias the packet it was parsed from and die with it.
type Datagram struct {
	b []byte
	// src, dst and data are SOURCE_NAME, DESTINATION_NAME and USER_DATA,
	// each empty when the type has no such field.
	src, dst, data []byte
}

// DatagramHeader is the fixed part of a datagram the builders write.
type DatagramHeader struct {
	Type byte
	// Flags holds the M and F bits and the node type; see DatagramFlagFirst.
	Flags      byte
	ID         uint16
	SourceIP   netip.Addr
	SourcePort uint16
}

// ParseDatagram validates a datagram service packet: the header for its
// type, DGM_LENGTH against the packet, and the encoded names inside it.
func ParseDatagram(b []byte) (Datagram, error) {
	if len(b) < datagramBaseLen {
		return Datagram{}, errDatagramShort
	}
	d := Datagram{b: b}
	switch b[0] {
	case DatagramDirectUnique, DatagramDirectGroup, DatagramBroadcast:
		if len(b) < datagramDataLen {
			return Datagram{}, errDatagramShort
		}
		// RFC 1002 4.4.2: DGM_LENGTH counts the bytes after
		// PACKET_OFFSET: the two names and the user data. UDP may pad
		// the packet, so bytes past it are not an error.
		end := datagramDataLen + int(binary.BigEndian.Uint16(b[10:]))
		if end > len(b) {
			return Datagram{}, errDatagramLength
		}
		body := b[datagramDataLen:end]
		n, err := scanName(body)
		if err != nil {
			return Datagram{}, err
		}
		m, err := scanName(body[n:])
		if err != nil {
			return Datagram{}, err
		}
		d.src = body[:n:n]
		d.dst = body[n : n+m : n+m]
		d.data = body[n+m : len(body) : len(body)]
	case DatagramError:
		// RFC 1002 4.4.3: one ERROR_CODE byte after SOURCE_PORT.
		if len(b) < datagramBaseLen+1 {
			return Datagram{}, errDatagramShort
		}
	case DatagramQueryRequest, DatagramPositiveQueryResponse, DatagramNegativeQueryResponse:
		// RFC 1002 4.4.4: DESTINATION_NAME after SOURCE_PORT.
		n, err := scanName(b[datagramBaseLen:])
		if err != nil {
			return Datagram{}, err
		}
		d.dst = b[datagramBaseLen : datagramBaseLen+n : datagramBaseLen+n]
	default:
		return Datagram{}, errDatagramType
	}
	return d, nil
}

// Type is MSG_TYPE, one of the Datagram constants.
func (d Datagram) Type() byte { return d.b[0] }

// Flags is the FLAGS byte; see More, First and NodeType.
func (d Datagram) Flags() byte { return d.b[1] }

// More reports the M flag: more fragments of this datagram follow.
func (d Datagram) More() bool { return d.b[1]&DatagramFlagMore != 0 }

// First reports the F flag: this is the first fragment.
func (d Datagram) First() bool { return d.b[1]&DatagramFlagFirst != 0 }

// NodeType is the SNT field, one of DatagramNodeB, P, M or NBDD.
func (d Datagram) NodeType() byte { return d.b[1] & datagramNodeMask }

// ID is DGM_ID, which ties the fragments of one datagram together.
func (d Datagram) ID() uint16 { return binary.BigEndian.Uint16(d.b[2:]) }

// SourceIP is SOURCE_IP, the sender's address as it claims it.
func (d Datagram) SourceIP() netip.Addr { return netip.AddrFrom4([4]byte(d.b[4:8])) }

// SourcePort is SOURCE_PORT.
func (d Datagram) SourcePort() uint16 { return binary.BigEndian.Uint16(d.b[8:]) }

// PacketOffset is PACKET_OFFSET, where this fragment's user data sits in
// the whole datagram; 0 for the types that carry no user data.
func (d Datagram) PacketOffset() uint16 {
	if !d.carriesData() {
		return 0
	}
	return binary.BigEndian.Uint16(d.b[12:])
}

// Whole reports whether the datagram is unfragmented: first, last and at
// offset 0, so its user data is the complete message.
func (d Datagram) Whole() bool {
	return d.b[1]&(DatagramFlagFirst|DatagramFlagMore) == DatagramFlagFirst && d.PacketOffset() == 0
}

// SourceName is the encoded SOURCE_NAME, ready for DecodeName; empty for
// types without one.
func (d Datagram) SourceName() []byte { return d.src }

// DestinationName is the encoded DESTINATION_NAME, ready for DecodeName;
// empty for ERROR packets.
func (d Datagram) DestinationName() []byte { return d.dst }

// UserData is USER_DATA, this fragment's payload.
func (d Datagram) UserData() []byte { return d.data }

// ErrorCode is ERROR_CODE of an ERROR packet, 0 for other types.
func (d Datagram) ErrorCode() byte {
	if d.b[0] != DatagramError {
		return 0
	}
	return d.b[datagramBaseLen]
}

// carriesData reports whether the type has DGM_LENGTH, PACKET_OFFSET and
// user data (RFC 1002 4.4.2).
func (d Datagram) carriesData() bool { return d.b[0]-DatagramDirectUnique <= 2 }

// putDatagramBase writes MSG_TYPE through SOURCE_PORT into b.
func putDatagramBase(b []byte, h DatagramHeader) {
	b[0], b[1] = h.Type, h.Flags
	binary.BigEndian.PutUint16(b[2:], h.ID)
	ip := h.SourceIP.As4()
	copy(b[4:8], ip[:])
	binary.BigEndian.PutUint16(b[8:], h.SourcePort)
}

// AppendDatagram appends a DIRECT_UNIQUE, DIRECT_GROUP or BROADCAST
// datagram (RFC 1002 4.4.2) at PACKET_OFFSET 0 carrying userData from
// source to destination, both names encoded by EncodeName. The caller
// keeps the packet within the 576 bytes RFC 1002 4.4.1 allows a datagram.
// h.SourceIP must be an IPv4 address.
func AppendDatagram(dst []byte, h DatagramHeader, source, destination, userData []byte) []byte {
	var b [datagramDataLen]byte
	putDatagramBase(b[:], h)
	binary.BigEndian.PutUint16(b[10:], uint16(len(source)+len(destination)+len(userData)))
	dst = append(dst, b[:]...)
	dst = append(dst, source...)
	dst = append(dst, destination...)
	return append(dst, userData...)
}

// AppendDatagramError appends a datagram ERROR packet (RFC 1002 4.4.3).
func AppendDatagramError(dst []byte, h DatagramHeader, code byte) []byte {
	var b [datagramBaseLen + 1]byte
	putDatagramBase(b[:], h)
	b[datagramBaseLen] = code
	return append(dst, b[:]...)
}

// AppendDatagramQuery appends a DATAGRAM QUERY REQUEST or a positive or
// negative QUERY RESPONSE (RFC 1002 4.4.4) for an encoded destination name.
func AppendDatagramQuery(dst []byte, h DatagramHeader, destination []byte) []byte {
	var b [datagramBaseLen]byte
	putDatagramBase(b[:], h)
	return append(append(dst, b[:]...), destination...)
}

package netbt

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"
)

// NameServicePort is the UDP port of the NetBIOS name service (RFC 1002
// 4.2.1).
const NameServicePort = 137

// WildcardName is the name nmblookup, nbtscan and impacket put in
// a node status request (RFC 1002 4.2.17) to mean "whoever you are": "*"
// padded to 15 bytes with zero bytes rather than spaces, so that with
// suffix 0 it is "*" and 15 NULs. DecodeName returns it unchanged, since it
// trims only spaces.
const WildcardName = "*\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

// nsHeaderLen is the fixed header of every name service packet, RFC 1002
// 4.2.1.1: NAME_TRN_ID, the OPCODE/NM_FLAGS/RCODE word and four counts.
const nsHeaderLen = 12

// Opcode is the OPCODE field of a name service packet header, RFC 1002
// 4.2.1.1.
type Opcode uint8

// Opcodes of RFC 1002 4.2.1.1. The RFC gives a refresh two values: its
// table says 8 and its packet diagram (4.2.4) says 9; Samba sends 8 and
// accepts both.
const (
	OpcodeQuery        Opcode = 0x0
	OpcodeRegistration Opcode = 0x5
	OpcodeRelease      Opcode = 0x6
	OpcodeWACK         Opcode = 0x7
	OpcodeRefresh      Opcode = 0x8
	OpcodeRefreshAlt   Opcode = 0x9
	// OpcodeMultihomedRegistration is Microsoft's registration of a name
	// owned by several addresses of one host (MS-NBTE).
	OpcodeMultihomedRegistration Opcode = 0xF
)

// String returns the opcode's name as RFC 1002 spells it, for logs.
func (o Opcode) String() string {
	switch o {
	case OpcodeQuery:
		return "query"
	case OpcodeRegistration:
		return "registration"
	case OpcodeRelease:
		return "release"
	case OpcodeWACK:
		return "WACK"
	case OpcodeRefresh, OpcodeRefreshAlt:
		return "refresh"
	case OpcodeMultihomedRegistration:
		return "multi-homed registration"
	}
	return "opcode " + strconv.Itoa(int(o))
}

// Bits of the header's second 16-bit word (RFC 1002 4.2.1.1): R, then the
// OPCODE, then NM_FLAGS, then RCODE. Flags reports the NM_FLAGS bits in
// these positions.
const (
	FlagResponse uint16 = 0x8000 // R: response, not request
	FlagAA       uint16 = 0x0400 // authoritative answer
	FlagTC       uint16 = 0x0200 // truncation
	FlagRD       uint16 = 0x0100 // recursion desired
	FlagRA       uint16 = 0x0080 // recursion available
	FlagB        uint16 = 0x0010 // broadcast

	flagsMask  uint16 = 0x07F0
	opcodeMask uint16 = 0x7800
	rcodeMask  uint16 = 0x000F
)

// RCODE values of RFC 1002 4.2.6 and 4.2.14.
const (
	RcodeFmtErr uint8 = 0x1 // format error
	RcodeSrvErr uint8 = 0x2 // server failure
	RcodeNamErr uint8 = 0x3 // the name does not exist
	RcodeImpErr uint8 = 0x4 // unsupported request
	RcodeRfsErr uint8 = 0x5 // refused
	RcodeActErr uint8 = 0x6 // active error: the name is owned by another node
	RcodeCftErr uint8 = 0x7 // name in conflict
)

// Question and resource record types and the class, RFC 1002 4.2.1.2 and
// 4.2.1.3.
const (
	RRTypeA      uint16 = 0x0001
	RRTypeNS     uint16 = 0x0002
	RRTypeNull   uint16 = 0x000A
	RRTypeNB     uint16 = 0x0020
	RRTypeNBSTAT uint16 = 0x0021
	ClassIN      uint16 = 0x0001
)

// NB_FLAGS of an ADDR_ENTRY, RFC 1002 4.2.1.3: the G (group) bit and the
// owner node type ONT.
const (
	NBGroup   uint16 = 0x8000
	NBOntMask uint16 = 0x6000
	NBOntB    uint16 = 0x0000
	NBOntP    uint16 = 0x2000
	NBOntM    uint16 = 0x4000
	// NBOntH is the value RFC 1002 reserves, which Microsoft uses for
	// hybrid nodes (MS-NBTE).
	NBOntH uint16 = 0x6000
)

// NAME_FLAGS of a node status NODE_NAME entry, RFC 1002 4.2.18: G and ONT as
// in NB_FLAGS, then deregistering, conflict, active and permanent.
const (
	NameGroup      uint16 = 0x8000
	NameDeregister uint16 = 0x1000
	NameConflict   uint16 = 0x0800
	NameActive     uint16 = 0x0400
	NamePermanent  uint16 = 0x0200
)

const (
	// nodeNameLen is one NODE_NAME entry: a 16-byte name, not encoded, and
	// NAME_FLAGS.
	nodeNameLen = 16 + 2
	// StatisticsLen is the STATISTICS field of a node status response,
	// RFC 1002 4.2.18: the 6-byte UNIT_ID, then counters.
	StatisticsLen = 46
	// addrEntryLen is an ADDR_ENTRY: NB_FLAGS and a 4-byte NB_ADDRESS.
	addrEntryLen = 6
	// rrFixedLen follows an RR_NAME: RR_TYPE, RR_CLASS, TTL, RDLENGTH.
	rrFixedLen = 10
	// questionPointer is a label string pointer to offset 12, the
	// QUESTION_NAME, as registration, refresh and release requests use for
	// their RR_NAME (RFC 1002 4.2.2).
	questionPointer = 0xC00C
)

var (
	errNSShort     = errors.New("netbt: name service packet shorter than its 12-byte header")
	errNSCount     = errors.New("netbt: name service packet with more than one entry in a section")
	errNSTruncated = errors.New("netbt: name service record runs past the end of the packet")
	errNSPointer   = errors.New("netbt: label pointer does not point at an earlier name")
	errNSRRType    = errors.New("netbt: resource record has another RR_TYPE")
	errNSRDLength  = errors.New("netbt: RDLENGTH does not fit the record type")
)

// NameServicePacket is a validated name service packet (RFC 1002 4.2.1): a
// header and at most one question, answer, authority and additional record,
// which is all any packet of RFC 1002 or MS-NBTE carries. Names and RDATA
// alias the packet and die with it.
type NameServicePacket struct {
	b        []byte
	question Question
	// rr holds the answer, authority and additional records.
	rr [3]ResourceRecord
}

// Question is the question section entry of a name service packet.
type Question struct {
	name       []byte
	typ, class uint16
}

// ResourceRecord is an answer, authority or additional record of a name
// service packet.
type ResourceRecord struct {
	name       []byte
	typ, class uint16
	ttl        uint32
	rdata      []byte
}

// ParseNameServicePacket validates a name service packet. Each count of the
// header must be 0 or 1, and every name and record must fit. Bytes after the
// last record are ignored, as Samba's nmbd does.
func ParseNameServicePacket(b []byte) (NameServicePacket, error) {
	if len(b) < nsHeaderLen {
		return NameServicePacket{}, errNSShort
	}
	p := NameServicePacket{b: b}
	for i := 4; i < nsHeaderLen; i += 2 {
		if binary.BigEndian.Uint16(b[i:]) > 1 {
			return NameServicePacket{}, errNSCount
		}
	}
	var starts [4]int // offsets of the full names seen so far
	seen := 0
	off := nsHeaderLen
	readName := func() ([]byte, error) {
		if off >= len(b) {
			return nil, errNameTruncated
		}
		// RFC 1002 4.1 and 4.2.2: a length byte with the top two bits set
		// is a label string pointer. Only pointers to a whole name seen
		// earlier are followed, which rules out loops and forward
		// references.
		if b[off]&labelPointer == labelPointer {
			if off+2 > len(b) {
				return nil, errNameTruncated
			}
			target := int(binary.BigEndian.Uint16(b[off:]) &^ (labelPointer << 8))
			for _, s := range starts[:seen] {
				if s == target {
					n, _ := scanName(b[s:])
					off += 2
					return b[s : s+n : s+n], nil
				}
			}
			return nil, errNSPointer
		}
		n, err := scanName(b[off:])
		if err != nil {
			return nil, err
		}
		starts[seen] = off
		seen++
		name := b[off : off+n : off+n]
		off += n
		return name, nil
	}
	if binary.BigEndian.Uint16(b[4:]) == 1 {
		name, err := readName()
		if err != nil {
			return NameServicePacket{}, err
		}
		if off+4 > len(b) {
			return NameServicePacket{}, errNSTruncated
		}
		p.question = Question{name: name, typ: binary.BigEndian.Uint16(b[off:]), class: binary.BigEndian.Uint16(b[off+2:])}
		off += 4
	}
	for i := range p.rr {
		if binary.BigEndian.Uint16(b[6+2*i:]) == 0 {
			continue
		}
		name, err := readName()
		if err != nil {
			return NameServicePacket{}, err
		}
		if off+rrFixedLen > len(b) {
			return NameServicePacket{}, errNSTruncated
		}
		rdlen := int(binary.BigEndian.Uint16(b[off+8:]))
		if off+rrFixedLen+rdlen > len(b) {
			return NameServicePacket{}, errNSTruncated
		}
		p.rr[i] = ResourceRecord{
			name:  name,
			typ:   binary.BigEndian.Uint16(b[off:]),
			class: binary.BigEndian.Uint16(b[off+2:]),
			ttl:   binary.BigEndian.Uint32(b[off+4:]),
			rdata: b[off+rrFixedLen : off+rrFixedLen+rdlen : off+rrFixedLen+rdlen],
		}
		off += rrFixedLen + rdlen
	}
	return p, nil
}

// TransactionID returns NAME_TRN_ID, which a response copies from its
// request.
func (p NameServicePacket) TransactionID() uint16 { return binary.BigEndian.Uint16(p.b) }

// IsResponse reports the R bit.
func (p NameServicePacket) IsResponse() bool {
	return binary.BigEndian.Uint16(p.b[2:])&FlagResponse != 0
}

// Opcode returns the OPCODE field.
func (p NameServicePacket) Opcode() Opcode {
	return Opcode(binary.BigEndian.Uint16(p.b[2:]) & opcodeMask >> 11)
}

// Flags returns the NM_FLAGS bits (FlagAA, FlagTC, FlagRD, FlagRA, FlagB) in
// their header positions.
func (p NameServicePacket) Flags() uint16 { return binary.BigEndian.Uint16(p.b[2:]) & flagsMask }

// Broadcast reports the B flag: the request was broadcast.
func (p NameServicePacket) Broadcast() bool { return p.Flags()&FlagB != 0 }

// RCode returns the RCODE field; 0 is success.
func (p NameServicePacket) RCode() uint8 { return uint8(binary.BigEndian.Uint16(p.b[2:]) & rcodeMask) }

// Question returns the question entry, if QDCOUNT is 1.
func (p NameServicePacket) Question() (Question, bool) {
	return p.question, binary.BigEndian.Uint16(p.b[4:]) == 1
}

// Answer returns the answer record, if ANCOUNT is 1.
func (p NameServicePacket) Answer() (ResourceRecord, bool) {
	return p.rr[0], binary.BigEndian.Uint16(p.b[6:]) == 1
}

// Authority returns the authority record, if NSCOUNT is 1.
func (p NameServicePacket) Authority() (ResourceRecord, bool) {
	return p.rr[1], binary.BigEndian.Uint16(p.b[8:]) == 1
}

// Additional returns the additional record, if ARCOUNT is 1.
func (p NameServicePacket) Additional() (ResourceRecord, bool) {
	return p.rr[2], binary.BigEndian.Uint16(p.b[10:]) == 1
}

// Name returns the encoded QUESTION_NAME, ready for DecodeName.
func (q Question) Name() []byte { return q.name }

// Type returns QUESTION_TYPE: RRTypeNB for a name query, RRTypeNBSTAT for a
// node status request.
func (q Question) Type() uint16 { return q.typ }

// Class returns QUESTION_CLASS, ClassIN in every RFC 1002 packet.
func (q Question) Class() uint16 { return q.class }

// Name returns the encoded RR_NAME, ready for DecodeName. A label pointer
// has been followed, so the name may lie elsewhere in the packet.
func (r ResourceRecord) Name() []byte { return r.name }

// Type returns RR_TYPE.
func (r ResourceRecord) Type() uint16 { return r.typ }

// Class returns RR_CLASS.
func (r ResourceRecord) Class() uint16 { return r.class }

// TTL returns the TTL in seconds; in a WACK response, how long to wait.
func (r ResourceRecord) TTL() uint32 { return r.ttl }

// RData returns the record's RDATA.
func (r ResourceRecord) RData() []byte { return r.rdata }

// AddrEntries returns the ADDR_ENTRY array of an NB record (RFC 1002
// 4.2.13): one entry in registrations, refreshes and releases, one per owner
// in query responses.
func (r ResourceRecord) AddrEntries() (AddrEntries, error) {
	if r.typ != RRTypeNB {
		return nil, errNSRRType
	}
	if len(r.rdata)%addrEntryLen != 0 {
		return nil, errNSRDLength
	}
	return AddrEntries(r.rdata), nil
}

// WACKRequest returns the RDATA of a WACK response (RFC 1002 4.2.16): the
// header word of the request it answers, OPCODE and NM_FLAGS.
func (r ResourceRecord) WACKRequest() (uint16, error) {
	if r.typ != RRTypeNull {
		return 0, errNSRRType
	}
	if len(r.rdata) != 2 {
		return 0, errNSRDLength
	}
	return binary.BigEndian.Uint16(r.rdata), nil
}

// AddrEntries is a validated ADDR_ENTRY array.
type AddrEntries []byte

// Len returns the number of entries.
func (a AddrEntries) Len() int { return len(a) / addrEntryLen }

// Entry returns entry i.
func (a AddrEntries) Entry(i int) AddrEntry {
	e := a[i*addrEntryLen : (i+1)*addrEntryLen]
	return AddrEntry{Flags: binary.BigEndian.Uint16(e), Addr: netip.AddrFrom4([4]byte(e[2:]))}
}

// AddrEntry is one owner of a name: NB_FLAGS (NBGroup, NBOnt*) and the IPv4
// NB_ADDRESS.
type AddrEntry struct {
	Flags uint16
	Addr  netip.Addr
}

// NodeStatus is the validated RDATA of a node status response (RFC 1002
// 4.2.18).
type NodeStatus struct {
	names []byte
	stats []byte
}

// NodeStatus parses the RDATA of an NBSTAT record: NUM_NAMES, the NODE_NAME
// array, then the statistics. Statistics shorter than the RFC's 46 bytes
// are accepted; UnitID reports whether the 6-byte unit ID is there.
func (r ResourceRecord) NodeStatus() (NodeStatus, error) {
	if r.typ != RRTypeNBSTAT {
		return NodeStatus{}, errNSRRType
	}
	if len(r.rdata) < 1 || len(r.rdata) < 1+int(r.rdata[0])*nodeNameLen {
		return NodeStatus{}, errNSRDLength
	}
	end := 1 + int(r.rdata[0])*nodeNameLen
	return NodeStatus{names: r.rdata[1:end:end], stats: r.rdata[end:]}, nil
}

// NumNames returns NUM_NAMES.
func (s NodeStatus) NumNames() int { return len(s.names) / nodeNameLen }

// Name returns entry i of the name table: the name with its trailing
// spaces removed (aliasing the packet), the suffix byte and NAME_FLAGS.
func (s NodeStatus) Name(i int) (name []byte, suffix byte, flags uint16) {
	e := s.names[i*nodeNameLen : (i+1)*nodeNameLen]
	end := MaxNameLen
	for end > 0 && e[end-1] == ' ' {
		end--
	}
	return e[:end:end], e[MaxNameLen], binary.BigEndian.Uint16(e[16:])
}

// Statistics returns the STATISTICS field.
func (s NodeStatus) Statistics() []byte { return s.stats }

// UnitID returns the UNIT_ID that starts the statistics, the MAC address of
// the responder's interface by convention, if the statistics hold one.
func (s NodeStatus) UnitID() ([6]byte, bool) {
	if len(s.stats) < 6 {
		return [6]byte{}, false
	}
	return [6]byte(s.stats), true
}

// NodeName is one entry of the name table a node status response carries.
type NodeName struct {
	Name   string // at most MaxNameLen bytes, padded with spaces on the wire
	Suffix byte
	Flags  uint16 // NameGroup, NBOnt*, NameConflict, NameActive, ...
}

// The builders below take names encoded by EncodeName or taken from a parsed
// packet, and addresses that must be IPv4; they panic otherwise, since
// callers pass values they control. Every count they write is 0 or 1.

// appendNSHeader appends a header: the transaction ID, the word holding R,
// OPCODE, NM_FLAGS and RCODE, then QDCOUNT, ANCOUNT, NSCOUNT and ARCOUNT.
func appendNSHeader(dst []byte, id uint16, op Opcode, word uint16, qd, an, ns, ar uint16) []byte {
	word |= uint16(op) << 11
	return append(dst, byte(id>>8), byte(id), byte(word>>8), byte(word),
		0, byte(qd), 0, byte(an), 0, byte(ns), 0, byte(ar))
}

// appendRRHead appends a resource record up to and including RDLENGTH; the
// caller appends rdlen bytes of RDATA.
func appendRRHead(dst, name []byte, typ uint16, ttl uint32, rdlen int) []byte {
	dst = append(dst, name...)
	return append(dst, byte(typ>>8), byte(typ), byte(ClassIN>>8), byte(ClassIN),
		byte(ttl>>24), byte(ttl>>16), byte(ttl>>8), byte(ttl), byte(rdlen>>8), byte(rdlen))
}

// appendAddrEntry appends NB_FLAGS and NB_ADDRESS.
func appendAddrEntry(dst []byte, e AddrEntry) []byte {
	if !e.Addr.Is4() {
		panic("netbt: NB_ADDRESS is not IPv4")
	}
	a := e.Addr.As4()
	return append(dst, byte(e.Flags>>8), byte(e.Flags), a[0], a[1], a[2], a[3])
}

// appendQuestion appends a question entry.
func appendQuestion(dst, name []byte, typ uint16) []byte {
	dst = append(dst, name...)
	return append(dst, byte(typ>>8), byte(typ), byte(ClassIN>>8), byte(ClassIN))
}

func broadcastFlag(broadcast bool) uint16 {
	if broadcast {
		return FlagB
	}
	return 0
}

// AppendNameQueryRequest appends a name query request (RFC 1002 4.2.12) for
// name, with RD set and B when broadcast.
func AppendNameQueryRequest(dst []byte, id uint16, name []byte, broadcast bool) []byte {
	dst = appendNSHeader(dst, id, OpcodeQuery, FlagRD|broadcastFlag(broadcast), 1, 0, 0, 0)
	return appendQuestion(dst, name, RRTypeNB)
}

// AppendPositiveNameQueryResponse appends a positive name query response
// (RFC 1002 4.2.13) listing the owners of name. An end node always sets AA
// and RA (RFC 1002 4.2.15), and RD as the diagram shows.
func AppendPositiveNameQueryResponse(dst []byte, id uint16, name []byte, ttl uint32, entries ...AddrEntry) []byte {
	dst = appendNSHeader(dst, id, OpcodeQuery, FlagResponse|FlagAA|FlagRD|FlagRA, 0, 1, 0, 0)
	dst = appendRRHead(dst, name, RRTypeNB, ttl, len(entries)*addrEntryLen)
	for _, e := range entries {
		dst = appendAddrEntry(dst, e)
	}
	return dst
}

// AppendNegativeNameQueryResponse appends a negative name query response
// (RFC 1002 4.2.14), usually with RcodeNamErr. The RFC's diagram has ANCOUNT
// 0 although the packet carries the NULL record; the count here is 1, as
// Samba sends it.
func AppendNegativeNameQueryResponse(dst []byte, id uint16, name []byte, rcode uint8) []byte {
	dst = appendNSHeader(dst, id, OpcodeQuery, FlagResponse|FlagAA|FlagRD|FlagRA|uint16(rcode&0xF), 0, 1, 0, 0)
	return appendRRHead(dst, name, RRTypeNull, 0, 0)
}

// appendClaim appends a registration, refresh or release request: the
// question and, in the additional section, the same name as a label pointer
// to the question (RFC 1002 4.2.2: it keeps datagrams under 576 bytes) with
// the claimant's ADDR_ENTRY.
func appendClaim(dst []byte, id uint16, op Opcode, flags uint16, name []byte, ttl uint32, e AddrEntry) []byte {
	dst = appendNSHeader(dst, id, op, flags, 1, 0, 0, 1)
	dst = appendQuestion(dst, name, RRTypeNB)
	dst = appendRRHead(dst, []byte{questionPointer >> 8, questionPointer & 0xFF}, RRTypeNB, ttl, addrEntryLen)
	return appendAddrEntry(dst, e)
}

// AppendNameRegistrationRequest appends a name registration request (RFC
// 1002 4.2.2) claiming name for e, with RD set and B when broadcast.
func AppendNameRegistrationRequest(dst []byte, id uint16, name []byte, ttl uint32, e AddrEntry, broadcast bool) []byte {
	return appendClaim(dst, id, OpcodeRegistration, FlagRD|broadcastFlag(broadcast), name, ttl, e)
}

// AppendNameRefreshRequest appends a name refresh request (RFC 1002 4.2.4)
// with opcode OpcodeRefresh, B set when broadcast.
func AppendNameRefreshRequest(dst []byte, id uint16, name []byte, ttl uint32, e AddrEntry, broadcast bool) []byte {
	return appendClaim(dst, id, OpcodeRefresh, broadcastFlag(broadcast), name, ttl, e)
}

// AppendNameReleaseRequest appends a name release request (RFC 1002 4.2.9),
// whose TTL is 0, B set when broadcast.
func AppendNameReleaseRequest(dst []byte, id uint16, name []byte, e AddrEntry, broadcast bool) []byte {
	return appendClaim(dst, id, OpcodeRelease, broadcastFlag(broadcast), name, 0, e)
}

// AppendNameRegistrationResponse appends a positive (rcode 0, RFC 1002
// 4.2.5) or negative (RFC 1002 4.2.6) name registration response. A node
// defending its name against a registration answers with RcodeActErr; e is
// the owner's entry, since in responses NB_FLAGS describe the actual owner
// (RFC 1002 4.2.1.3). nmbd echoes the claim's entry instead; claimants look
// only at RCODE.
func AppendNameRegistrationResponse(dst []byte, id uint16, name []byte, rcode uint8, ttl uint32, e AddrEntry) []byte {
	dst = appendNSHeader(dst, id, OpcodeRegistration, FlagResponse|FlagAA|FlagRD|FlagRA|uint16(rcode&0xF), 0, 1, 0, 0)
	dst = appendRRHead(dst, name, RRTypeNB, ttl, addrEntryLen)
	return appendAddrEntry(dst, e)
}

// AppendNameConflictDemand appends a name conflict demand (RFC 1002 4.2.8):
// a negative registration response with RcodeCftErr, TTL 0, NB_FLAGS
// carrying only the owner node type ont, and a zero NB_ADDRESS.
func AppendNameConflictDemand(dst []byte, id uint16, name []byte, ont uint16) []byte {
	dst = appendNSHeader(dst, id, OpcodeRegistration, FlagResponse|FlagAA|FlagRD|FlagRA|uint16(RcodeCftErr), 0, 1, 0, 0)
	dst = appendRRHead(dst, name, RRTypeNB, 0, addrEntryLen)
	return appendAddrEntry(dst, AddrEntry{Flags: ont & NBOntMask, Addr: netip.IPv4Unspecified()})
}

// AppendNameReleaseResponse appends a positive (rcode 0, RFC 1002 4.2.10)
// or negative (RFC 1002 4.2.11) name release response.
func AppendNameReleaseResponse(dst []byte, id uint16, name []byte, rcode uint8, e AddrEntry) []byte {
	dst = appendNSHeader(dst, id, OpcodeRelease, FlagResponse|FlagAA|uint16(rcode&0xF), 0, 1, 0, 0)
	dst = appendRRHead(dst, name, RRTypeNB, 0, addrEntryLen)
	return appendAddrEntry(dst, e)
}

// AppendWACKResponse appends a wait for acknowledgement response (RFC 1002
// 4.2.16): the requester should wait ttl more seconds for the answer to the
// request whose header word (OPCODE and NM_FLAGS) was request. The RFC's
// diagram labels the record type "NULL (0x0020)"; NULL is 0x000A, which is
// what is sent.
func AppendWACKResponse(dst []byte, id uint16, name []byte, ttl uint32, request uint16) []byte {
	dst = appendNSHeader(dst, id, OpcodeWACK, FlagResponse|FlagAA, 0, 1, 0, 0)
	dst = appendRRHead(dst, name, RRTypeNull, ttl, 2)
	request &= opcodeMask | flagsMask
	return append(dst, byte(request>>8), byte(request))
}

// AppendNodeStatusRequest appends a node status request (RFC 1002 4.2.17),
// usually for the name "*" with suffix 0.
func AppendNodeStatusRequest(dst []byte, id uint16, name []byte) []byte {
	dst = appendNSHeader(dst, id, OpcodeQuery, 0, 1, 0, 0, 0)
	return appendQuestion(dst, name, RRTypeNBSTAT)
}

// AppendNodeStatusResponse appends a node status response (RFC 1002 4.2.18)
// for the request's name: the name table, then STATISTICS with unitID (a MAC
// address) as UNIT_ID and every counter zero, as Samba sends them.
// AppendNodeStatusResponse panics if there are more than 255 names or a name
// is longer than MaxNameLen.
func AppendNodeStatusResponse(dst []byte, id uint16, name []byte, names []NodeName, unitID [6]byte) []byte {
	if len(names) > 255 {
		panic("netbt: node status with more than 255 names")
	}
	dst = appendNSHeader(dst, id, OpcodeQuery, FlagResponse|FlagAA, 0, 1, 0, 0)
	dst = appendRRHead(dst, name, RRTypeNBSTAT, 0, 1+len(names)*nodeNameLen+StatisticsLen)
	dst = append(dst, byte(len(names)))
	for _, n := range names {
		if len(n.Name) > MaxNameLen {
			panic("netbt: NetBIOS name longer than 15 bytes")
		}
		dst = append(dst, n.Name...)
		for range MaxNameLen - len(n.Name) {
			dst = append(dst, ' ')
		}
		dst = append(dst, n.Suffix, byte(n.Flags>>8), byte(n.Flags))
	}
	dst = append(dst, unitID[:]...)
	var zero [StatisticsLen - 6]byte
	return append(dst, zero[:]...)
}

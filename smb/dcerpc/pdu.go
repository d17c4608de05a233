// Package dcerpc is connection-oriented DCE/RPC (C706 chapter 12, MS-RPCE
// 2.2.2) as SMB named pipes carry it, with the NDR transfer syntax, and the
// srvsvc and wkssvc calls through which clients list a file server's shares.
// Like package smb it owns no sockets, goroutines or files: the server
// writes into a Pipe what a client wrote to the named pipe and reads the
// replies back. ParseHeader allocates nothing; its view aliases the input.
package dcerpc

import "encoding/binary"

// HeaderLen is the size of the header every PDU starts with (C706 12.6.3.1).
const HeaderLen = 16

// PDU types (C706 12.6.4).
const (
	TypeRequest          uint8 = 0
	TypeResponse         uint8 = 2
	TypeFault            uint8 = 3
	TypeBind             uint8 = 11
	TypeBindAck          uint8 = 12
	TypeBindNak          uint8 = 13
	TypeAlterContext     uint8 = 14
	TypeAlterContextResp uint8 = 15
	TypeOrphaned         uint8 = 19
)

// PDU flags, pfc_flags (C706 12.6.3.1).
const (
	FlagFirstFrag     uint8 = 0x01
	FlagLastFrag      uint8 = 0x02
	FlagDidNotExecute uint8 = 0x20
	FlagObjectUUID    uint8 = 0x80
)

// Fault status codes of a fault PDU (C706 appendix E, MS-RPCE 2.2.2.11).
const (
	FaultOpRangeError uint32 = 0x1c010002 // nca_s_op_rng_error: no such opnum
	FaultUnknownIf    uint32 = 0x1c010003 // nca_s_unk_if: no such context
	FaultProtoError   uint32 = 0x1c01000b // nca_s_proto_error
	FaultBadStubData  uint32 = 0x000006f7 // RPC_X_BAD_STUB_DATA: undecodable arguments
)

type parseError string

func (e parseError) Error() string { return string(e) }

var (
	errShort   = parseError("dcerpc: PDU shorter than its header")
	errVersion = parseError("dcerpc: not DCE/RPC version 5")
	errDataRep = parseError("dcerpc: data representation is not little-endian ASCII IEEE")
	errFragLen = parseError("dcerpc: fragment length shorter than the header")
)

// Errors of Pipe.Write.
var (
	// ErrBroken is returned once a PDU header was not DCE/RPC's: the pipe
	// has lost its framing for good (a server reports the pipe
	// disconnected).
	ErrBroken error = parseError("dcerpc: pipe broken by a malformed PDU")
	// ErrFull is returned while too many replies wait to be read.
	ErrFull error = parseError("dcerpc: too many replies waiting to be read")
)

// Header is a view of the common PDU header.
type Header []byte

// ParseHeader validates the header at the start of b; b may hold less than
// the whole fragment.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return nil, errShort
	}
	// C706 12.6.3.1: rpc_vers 5; MS-RPCE 2.2.2.1: minor version 0 or 1.
	if b[0] != 5 || b[1] > 1 {
		return nil, errVersion
	}
	// C706 14.1: packed_drep. Every client of SMB pipes sends
	// little-endian integers, ASCII and IEEE floats; NDR as written here
	// supports nothing else.
	if b[4] != 0x10 || b[5] != 0 {
		return nil, errDataRep
	}
	if binary.LittleEndian.Uint16(b[8:]) < HeaderLen {
		return nil, errFragLen
	}
	return Header(b[:HeaderLen:HeaderLen]), nil
}

// Type is PTYPE.
func (h Header) Type() uint8 { return h[2] }

// Flags is pfc_flags.
func (h Header) Flags() uint8 { return h[3] }

// FragLength is the length of the whole fragment, header included.
func (h Header) FragLength() int { return int(binary.LittleEndian.Uint16(h[8:])) }

// AuthLength is the length of the authentication verifier.
func (h Header) AuthLength() int { return int(binary.LittleEndian.Uint16(h[10:])) }

// CallID ties the fragments of a call and its reply together.
func (h Header) CallID() uint32 { return binary.LittleEndian.Uint32(h[12:]) }

// appendHeader begins a PDU; finish fills its fragment length.
func appendHeader(b []byte, typ, flags uint8, callID uint32) []byte {
	h := [HeaderLen]byte{0: 5, 2: typ, 3: flags, 4: 0x10}
	binary.LittleEndian.PutUint32(h[12:], callID)
	return append(b, h[:]...)
}

// finish sets the fragment length of the PDU that starts at start.
func finish(b []byte, start int) {
	binary.LittleEndian.PutUint16(b[start+8:], uint16(len(b)-start))
}

// SyntaxID names an interface or a transfer syntax in its wire form
// (p_syntax_id_t, C706 12.6.3.1): the UUID, then the major and minor
// versions as 16-bit numbers.
type SyntaxID [20]byte

var (
	// ndrSyntax is NDR version 2, 8a885d04-1ceb-11c9-9fe8-08002b104860.
	ndrSyntax = SyntaxID{0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8,
		0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 2, 0, 0, 0}
	// btfnPrefix starts the bind time feature negotiation "transfer
	// syntax" 6cb71c2c-9812-4540-xxxx, whose last 8 bytes are a bitmask of
	// features (MS-RPCE 3.3.1.5.3).
	btfnPrefix = [8]byte{0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40, 0x45}
)

// Bind results and provider reasons of a presentation context
// (C706 12.6.3.1 p_cont_def_result_t, p_provider_reason_t; MS-RPCE
// 2.2.2.4).
const (
	resultAcceptance        = 0
	resultProviderRejection = 2
	resultNegotiateAck      = 3

	reasonAbstractNotSupported = 1
	reasonTransferNotSupported = 2
	reasonLocalLimitExceeded   = 3

	// featureKeepOnOrphan is the one negotiable feature a Pipe has: an
	// orphaned PDU drops its call, never the pipe. Security context
	// multiplexing needs RPC authentication, which is not offered.
	featureKeepOnOrphan = 0x02
)

// Bind_nak reasons (C706 12.6.4.4 p_reject_reason_t).
const (
	nakNotSpecified = 0
	nakAuthType     = 8 // authentication_type_not_recognized
)

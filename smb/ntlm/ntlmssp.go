package ntlm

import (
	"encoding/binary"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// NegotiateFlags bits (MS-NLMP 2.2.2.5).
const (
	NegotiateUnicode                 uint32 = 0x00000001
	NegotiateOEM                     uint32 = 0x00000002
	RequestTarget                    uint32 = 0x00000004
	NegotiateSign                    uint32 = 0x00000010
	NegotiateSeal                    uint32 = 0x00000020
	NegotiateDatagram                uint32 = 0x00000040
	NegotiateLMKey                   uint32 = 0x00000080
	NegotiateNTLM                    uint32 = 0x00000200
	NegotiateAnonymous               uint32 = 0x00000800
	NegotiateOEMDomainSupplied       uint32 = 0x00001000
	NegotiateOEMWorkstationSupplied  uint32 = 0x00002000
	NegotiateAlwaysSign              uint32 = 0x00008000
	TargetTypeDomain                 uint32 = 0x00010000
	TargetTypeServer                 uint32 = 0x00020000
	NegotiateExtendedSessionSecurity uint32 = 0x00080000
	NegotiateIdentify                uint32 = 0x00100000
	RequestNonNTSessionKey           uint32 = 0x00400000
	NegotiateTargetInfo              uint32 = 0x00800000
	NegotiateVersion                 uint32 = 0x02000000
	Negotiate128                     uint32 = 0x20000000
	NegotiateKeyExch                 uint32 = 0x40000000
	Negotiate56                      uint32 = 0x80000000
)

// Message types (MS-NLMP 2.2.1).
const (
	MessageNegotiate    uint32 = 1
	MessageChallenge    uint32 = 2
	MessageAuthenticate uint32 = 3
)

// Signature is the 8 bytes every NTLMSSP message starts with (MS-NLMP 2.2.1).
const Signature = "NTLMSSP\x00"

// Message layout (MS-NLMP 2.2.1.1-2.2.1.3): fixed headers, then a payload
// the variable fields point into by (length, max length, offset) triples.
const (
	negotiateMinLen     = 16 // through NegotiateFlags: all an old client sends
	negotiateFieldsLen  = 32 // through WorkstationFields
	negotiateVersionLen = 40

	challengeMinLen     = 32 // through ServerChallenge
	challengeInfoLen    = 48 // through TargetInfoFields
	challengeVersionLen = 56

	authenticateMinLen   = 52 // through WorkstationFields: the layout before session keys
	authenticateFlagsLen = 64 // through NegotiateFlags
	authenticateVerLen   = 72 // + Version
	authenticateMICLen   = 88 // + MIC

	versionLen = 8
	micLen     = 16
	micOffset  = 72
)

var (
	errShort       = errors.New("ntlm: message too short")
	errSignature   = errors.New("ntlm: bad NTLMSSP signature")
	errMessageType = errors.New("ntlm: unexpected NTLMSSP message type")
	errField       = errors.New("ntlm: payload field outside the message")
	errAVPair      = errors.New("ntlm: malformed AV pair list")
)

// MessageType returns the NTLMSSP message type of b, or 0 when b does not
// start with an NTLMSSP signature and type.
func MessageType(b []byte) uint32 {
	if len(b) < 12 || string(b[:8]) != Signature {
		return 0
	}
	return binary.LittleEndian.Uint32(b[8:12])
}

// IsNTLMSSP reports whether b starts with the NTLMSSP signature, which is how
// a raw token is told from a SPNEGO one.
func IsNTLMSSP(b []byte) bool { return len(b) >= 8 && string(b[:8]) == Signature }

// checkHeader checks the minimum length, signature and message type.
func checkHeader(b []byte, min int, typ uint32) error {
	if len(b) < min {
		return errShort
	}
	if string(b[:8]) != Signature {
		return errSignature
	}
	if binary.LittleEndian.Uint32(b[8:12]) != typ {
		return errMessageType
	}
	return nil
}

// checkField validates the (Len, MaxLen, BufferOffset) triple at pos. An empty
// field may point anywhere (clients leave garbage offsets behind zero
// lengths); a non-empty one must lie wholly inside the message. The sum is
// taken in 64 bits so a huge offset cannot wrap on 32-bit targets.
func checkField(b []byte, pos int) error {
	n := binary.LittleEndian.Uint16(b[pos:])
	if n == 0 {
		return nil
	}
	off := binary.LittleEndian.Uint32(b[pos+4:])
	if uint64(off)+uint64(n) > uint64(len(b)) {
		return errField
	}
	return nil
}

// field returns the payload bytes a validated triple at pos points to.
func field(b []byte, pos int) []byte {
	n := int(binary.LittleEndian.Uint16(b[pos:]))
	if n == 0 {
		return nil
	}
	off := int(binary.LittleEndian.Uint32(b[pos+4:]))
	return b[off : off+n : off+n]
}

// fieldOffset returns the offset of a non-empty field and whether it is one.
func fieldOffset(b []byte, pos int) (int, bool) {
	if binary.LittleEndian.Uint16(b[pos:]) == 0 {
		return 0, false
	}
	return int(binary.LittleEndian.Uint32(b[pos+4:])), true
}

// Negotiate is a validated NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1). It aliases
// the parsed buffer.
type Negotiate []byte

// ParseNegotiate validates b as a NEGOTIATE_MESSAGE. Messages that stop after
// NegotiateFlags are accepted: MS-NLMP 2.2.1.1 lets the domain and
// workstation fields be absent when their SUPPLIED flags are clear, and old
// clients omit them.
func ParseNegotiate(b []byte) (Negotiate, error) {
	if err := checkHeader(b, negotiateMinLen, MessageNegotiate); err != nil {
		return nil, err
	}
	if len(b) >= negotiateFieldsLen {
		if err := checkField(b, 16); err != nil {
			return nil, err
		}
		if err := checkField(b, 24); err != nil {
			return nil, err
		}
	}
	return Negotiate(b), nil
}

// Flags returns NegotiateFlags.
func (m Negotiate) Flags() uint32 { return binary.LittleEndian.Uint32(m[12:]) }

// DomainName returns the OEM domain the client supplied, or nil. MS-NLMP
// 2.2.1.1: the field is meaningful only with NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED.
func (m Negotiate) DomainName() []byte {
	if len(m) < negotiateFieldsLen || m.Flags()&NegotiateOEMDomainSupplied == 0 {
		return nil
	}
	return field(m, 16)
}

// Workstation returns the OEM workstation name the client supplied, or nil
// (MS-NLMP 2.2.1.1: only with NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED).
func (m Negotiate) Workstation() []byte {
	if len(m) < negotiateFieldsLen || m.Flags()&NegotiateOEMWorkstationSupplied == 0 {
		return nil
	}
	return field(m, 24)
}

// Version returns the VERSION structure (MS-NLMP 2.2.2.10) when
// NTLMSSP_NEGOTIATE_VERSION is set and the message has room for it.
func (m Negotiate) Version() (v [8]byte, ok bool) {
	if len(m) < negotiateVersionLen || m.Flags()&NegotiateVersion == 0 {
		return v, false
	}
	return [8]byte(m[32:40]), true
}

// Challenge is a validated CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2). It aliases
// the parsed buffer.
type Challenge []byte

// ParseChallenge validates b as a CHALLENGE_MESSAGE, including the structure
// of its TargetInfo AV pair list. Messages that end after ServerChallenge
// are accepted, as NT4-era servers send them.
func ParseChallenge(b []byte) (Challenge, error) {
	if err := checkHeader(b, challengeMinLen, MessageChallenge); err != nil {
		return nil, err
	}
	if err := checkField(b, 12); err != nil {
		return nil, err
	}
	if len(b) >= challengeInfoLen {
		if err := checkField(b, 40); err != nil {
			return nil, err
		}
		if err := validAVPairs(field(b, 40)); err != nil {
			return nil, err
		}
	}
	return Challenge(b), nil
}

// Flags returns NegotiateFlags.
func (m Challenge) Flags() uint32 { return binary.LittleEndian.Uint32(m[20:]) }

// ServerChallenge returns the 8-byte nonce.
func (m Challenge) ServerChallenge() [8]byte { return [8]byte(m[24:32]) }

// TargetName returns the raw TargetName (UTF-16LE when NTLMSSP_NEGOTIATE_UNICODE
// is set, else OEM), or nil.
func (m Challenge) TargetName() []byte { return field(m, 12) }

// TargetInfo returns the AV pair list (MS-NLMP 2.2.2.1), or nil when absent.
func (m Challenge) TargetInfo() AVPairs {
	if len(m) < challengeInfoLen {
		return nil
	}
	return AVPairs(field(m, 40))
}

// Version returns the VERSION structure when NTLMSSP_NEGOTIATE_VERSION is set.
func (m Challenge) Version() (v [8]byte, ok bool) {
	if len(m) < challengeVersionLen || m.Flags()&NegotiateVersion == 0 {
		return v, false
	}
	return [8]byte(m[48:56]), true
}

// Authenticate is a validated AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3). It
// aliases the parsed buffer.
type Authenticate []byte

// Field positions in the AUTHENTICATE_MESSAGE header.
const (
	authLM          = 12
	authNT          = 20
	authDomain      = 28
	authUser        = 36
	authWorkstation = 44
	authSessionKey  = 52
	authFlags       = 60
)

// ParseAuthenticate validates b as an AUTHENTICATE_MESSAGE. The 52-byte form
// without EncryptedRandomSessionKeyFields and NegotiateFlags is accepted for
// old clients; Flags then reports 0 and the server keeps the flags it
// negotiated.
func ParseAuthenticate(b []byte) (Authenticate, error) {
	if err := checkHeader(b, authenticateMinLen, MessageAuthenticate); err != nil {
		return nil, err
	}
	for pos := authLM; pos <= authWorkstation; pos += 8 {
		if err := checkField(b, pos); err != nil {
			return nil, err
		}
	}
	if len(b) >= authenticateFlagsLen {
		if err := checkField(b, authSessionKey); err != nil {
			return nil, err
		}
	}
	return Authenticate(b), nil
}

// HasFlags reports whether the message carries NegotiateFlags (and the
// EncryptedRandomSessionKey field before them).
func (m Authenticate) HasFlags() bool { return len(m) >= authenticateFlagsLen }

// Flags returns NegotiateFlags, or 0 for the short form.
func (m Authenticate) Flags() uint32 {
	if !m.HasFlags() {
		return 0
	}
	return binary.LittleEndian.Uint32(m[authFlags:])
}

// LMResponse returns LmChallengeResponse.
func (m Authenticate) LMResponse() []byte { return field(m, authLM) }

// NTResponse returns NtChallengeResponse.
func (m Authenticate) NTResponse() []byte { return field(m, authNT) }

// DomainName returns the raw DomainName (UTF-16LE or OEM per the negotiated
// NTLMSSP_NEGOTIATE_UNICODE).
func (m Authenticate) DomainName() []byte { return field(m, authDomain) }

// UserName returns the raw UserName.
func (m Authenticate) UserName() []byte { return field(m, authUser) }

// Workstation returns the raw Workstation.
func (m Authenticate) Workstation() []byte { return field(m, authWorkstation) }

// EncryptedRandomSessionKey returns the RC4-encrypted exported session key,
// present when NTLMSSP_NEGOTIATE_KEY_EXCH is negotiated.
func (m Authenticate) EncryptedRandomSessionKey() []byte {
	if !m.HasFlags() {
		return nil
	}
	return field(m, authSessionKey)
}

// payloadStart returns the lowest offset of a non-empty payload field: the
// header ends there, which is how MS-NLMP 2.2.1.3's optional Version and
// MIC fields are known to be present (their flags do not say).
func (m Authenticate) payloadStart() int {
	start := len(m)
	last := authWorkstation
	if m.HasFlags() {
		last = authSessionKey
	}
	for pos := authLM; pos <= last; pos += 8 {
		if off, ok := fieldOffset(m, pos); ok && off < start {
			start = off
		}
	}
	return start
}

// Version returns the VERSION structure when NTLMSSP_NEGOTIATE_VERSION is set
// and the header has room for it.
func (m Authenticate) Version() (v [8]byte, ok bool) {
	if m.Flags()&NegotiateVersion == 0 || m.payloadStart() < authenticateVerLen {
		return v, false
	}
	return [8]byte(m[64:72]), true
}

// NTLMv2Info returns the AV pairs inside an NTLMv2 NtChallengeResponse
// (MS-NLMP 2.2.2.7: 16-byte NTProofStr, then 28 fixed bytes of the client
// challenge structure, then AvPairs), or nil for other responses.
func (m Authenticate) NTLMv2Info() AVPairs {
	nt := m.NTResponse()
	if len(nt) <= 16+28 {
		return nil
	}
	return AVPairs(nt[16+28:])
}

// MsvAvFlags bits (MS-NLMP 2.2.2.1).
const (
	AvFlagConstrained  uint32 = 0x1
	AvFlagMICPresent   uint32 = 0x2
	AvFlagUntrustedSPN uint32 = 0x4
)

// MICPresent reports whether the client says it sent a MIC: MS-NLMP 2.2.2.1
// MsvAvFlags bit 0x2 in the NTLMv2 response, with the header long enough to
// hold the MIC field.
func (m Authenticate) MICPresent() bool {
	v, ok := m.NTLMv2Info().Lookup(MsvAvFlags)
	if !ok || len(v) < 4 || binary.LittleEndian.Uint32(v)&AvFlagMICPresent == 0 {
		return false
	}
	return m.HasFlags() && m.payloadStart() >= authenticateMICLen
}

// MIC returns the 16-byte MIC when MICPresent, else nil.
func (m Authenticate) MIC() []byte {
	if !m.MICPresent() {
		return nil
	}
	return m[micOffset : micOffset+micLen : micOffset+micLen]
}

// AV pair IDs (MS-NLMP 2.2.2.1).
const (
	MsvAvEOL             uint16 = 0
	MsvAvNbComputerName  uint16 = 1
	MsvAvNbDomainName    uint16 = 2
	MsvAvDnsComputerName uint16 = 3
	MsvAvDnsDomainName   uint16 = 4
	MsvAvDnsTreeName     uint16 = 5
	MsvAvFlags           uint16 = 6
	MsvAvTimestamp       uint16 = 7
	MsvAvSingleHost      uint16 = 8
	MsvAvTargetName      uint16 = 9
	MsvAvChannelBindings uint16 = 10
)

// AVPairs is a list of AV_PAIR structures (MS-NLMP 2.2.2.1), aliasing the
// message it came from. Lookup checks bounds itself, so lists taken from
// unvalidated places (the NTLMv2 client blob) are safe to query.
type AVPairs []byte

// Lookup returns the value of the first pair with id, stopping at MsvAvEOL
// or at the first pair that does not fit.
func (l AVPairs) Lookup(id uint16) ([]byte, bool) {
	for len(l) >= 4 {
		aid := binary.LittleEndian.Uint16(l)
		n := int(binary.LittleEndian.Uint16(l[2:]))
		if aid == MsvAvEOL || 4+n > len(l) {
			return nil, false
		}
		if aid == id {
			return l[4 : 4+n : 4+n], true
		}
		l = l[4+n:]
	}
	return nil, false
}

// validAVPairs checks that every pair fits and nothing but padding follows
// the MsvAvEOL terminator, when there is one (MS-NLMP 2.2.2.1 requires it;
// some servers omit it, and nothing is lost by tolerating that).
func validAVPairs(l []byte) error {
	for len(l) > 0 {
		if len(l) < 4 {
			return errAVPair
		}
		n := int(binary.LittleEndian.Uint16(l[2:]))
		if binary.LittleEndian.Uint16(l) == MsvAvEOL {
			return nil
		}
		if 4+n > len(l) {
			return errAVPair
		}
		l = l[4+n:]
	}
	return nil
}

// AppendDecodedString appends raw, a string field of an NTLMSSP message, to
// dst as UTF-8. With unicode it is UTF-16LE (an odd trailing byte is
// dropped, unpaired surrogates become U+FFFD); without, it is in the client's
// OEM code page, which the server cannot know, so bytes above 0x7f are read as
// Latin-1. Nothing is allocated when dst has room.
func AppendDecodedString(dst, raw []byte, unicode bool) []byte {
	if !unicode {
		for _, c := range raw {
			dst = utf8.AppendRune(dst, rune(c))
		}
		return dst
	}
	for i := 0; i+1 < len(raw); i += 2 {
		r := rune(binary.LittleEndian.Uint16(raw[i:]))
		if utf16.IsSurrogate(r) {
			if r < 0xdc00 && i+3 < len(raw) {
				r2 := rune(binary.LittleEndian.Uint16(raw[i+2:]))
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					dst = utf8.AppendRune(dst, dec)
					i += 2
					continue
				}
			}
			r = utf8.RuneError
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

package ntlm

import (
	"encoding/binary"
	"unicode/utf16"
)

// defaultVersion is the VERSION structure (MS-NLMP 2.2.2.10) the builders
// write: Windows 6.1 build 0, NTLMSSP_REVISION_W2K3 (15), as Samba sends.
// The field is informational only (MS-NLMP 2.2.2.10: "for debugging").
var defaultVersion = [8]byte{6, 1, 0, 0, 0, 0, 0, 15}

// maxField is the most a (Len, MaxLen, Offset) triple can describe.
const maxField = 0xffff

// appendHeader appends the signature and message type.
func appendHeader(dst []byte, typ uint32) []byte {
	dst = append(dst, Signature...)
	return binary.LittleEndian.AppendUint32(dst, typ)
}

// appendPayload appends p to msg (which starts at base) and fills the field
// triple at msg[base+pos:], truncating p to what 16 bits can describe.
func appendPayload(msg []byte, base, pos int, p []byte) []byte {
	if len(p) > maxField {
		p = p[:maxField]
	}
	off := len(msg) - base
	f := msg[base+pos:]
	binary.LittleEndian.PutUint16(f[0:], uint16(len(p)))
	binary.LittleEndian.PutUint16(f[2:], uint16(len(p)))
	binary.LittleEndian.PutUint32(f[4:], uint32(off))
	return append(msg, p...)
}

// appendStringPayload is appendPayload for a string field encoded as
// UTF-16LE or OEM.
func appendStringPayload(msg []byte, base, pos int, s string, unicode bool) []byte {
	start := len(msg)
	msg = appendEncoded(msg, s, unicode)
	if len(msg)-start > maxField {
		msg = msg[:start+maxField]
	}
	f := msg[base+pos:]
	n := len(msg) - start
	binary.LittleEndian.PutUint16(f[0:], uint16(n))
	binary.LittleEndian.PutUint16(f[2:], uint16(n))
	binary.LittleEndian.PutUint32(f[4:], uint32(start-base))
	return msg
}

// appendEncoded appends s as UTF-16LE, or as OEM bytes (Latin-1, '?' for
// anything beyond) when !unicode.
func appendEncoded(dst []byte, s string, unicode bool) []byte {
	for _, r := range s {
		if !unicode {
			if r > 0xff {
				r = '?'
			}
			dst = append(dst, byte(r))
			continue
		}
		if r1, r2 := utf16.EncodeRune(r); r1 != '\uFFFD' {
			dst = binary.LittleEndian.AppendUint16(dst, uint16(r1))
			dst = binary.LittleEndian.AppendUint16(dst, uint16(r2))
			continue
		}
		dst = binary.LittleEndian.AppendUint16(dst, uint16(r))
	}
	return dst
}

// AppendNegotiate appends a NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1). A non-empty
// domain or workstation is sent as OEM and sets its SUPPLIED flag; the
// Version field is written when flags has NegotiateVersion.
func AppendNegotiate(dst []byte, flags uint32, domain, workstation string) []byte {
	if domain != "" {
		flags |= NegotiateOEMDomainSupplied
	}
	if workstation != "" {
		flags |= NegotiateOEMWorkstationSupplied
	}
	base := len(dst)
	dst = appendHeader(dst, MessageNegotiate)
	dst = binary.LittleEndian.AppendUint32(dst, flags)
	hdr := negotiateFieldsLen
	if flags&NegotiateVersion != 0 {
		hdr = negotiateVersionLen
	}
	dst = append(dst, make([]byte, hdr-16)...)
	if flags&NegotiateVersion != 0 {
		copy(dst[base+32:], defaultVersion[:])
	}
	binary.LittleEndian.PutUint32(dst[base+20:], uint32(hdr))
	binary.LittleEndian.PutUint32(dst[base+28:], uint32(hdr))
	if domain != "" {
		dst = appendStringPayload(dst, base, 16, domain, false)
	}
	if workstation != "" {
		dst = appendStringPayload(dst, base, 24, workstation, false)
	}
	return dst
}

// ChallengeParams are the contents of a CHALLENGE_MESSAGE.
type ChallengeParams struct {
	Flags           uint32
	ServerChallenge [8]byte
	// TargetName is sent as UTF-16LE or OEM per Flags' NegotiateUnicode;
	// MS-NLMP 2.2.1.2 wants it when the client set NTLMSSP_REQUEST_TARGET.
	TargetName string
	// The names below become TargetInfo AV pairs (always UTF-16LE) when Flags
	// has NegotiateTargetInfo. MS-NLMP 2.2.2.1 requires the NetBIOS pair;
	// empty DNS names are left out.
	NetBIOSDomain   string
	NetBIOSComputer string
	DNSDomain       string
	DNSComputer     string
	// Timestamp is a FILETIME for MsvAvTimestamp, left out when zero. Its
	// presence is what makes clients send a MIC (MS-NLMP 3.1.5.1.2).
	Timestamp uint64
}

// AppendChallenge appends a CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) with the full
// 56-byte header; Version holds Windows 6.1 / NTLM revision 15 when Flags has
// NegotiateVersion and is zero otherwise, as 2.2.1.2 requires.
func AppendChallenge(dst []byte, p ChallengeParams) []byte {
	base := len(dst)
	dst = appendHeader(dst, MessageChallenge)
	dst = append(dst, make([]byte, challengeVersionLen-12)...)
	h := dst[base:]
	binary.LittleEndian.PutUint32(h[16:], challengeVersionLen)
	binary.LittleEndian.PutUint32(h[20:], p.Flags)
	copy(h[24:32], p.ServerChallenge[:])
	binary.LittleEndian.PutUint32(h[44:], challengeVersionLen)
	if p.Flags&NegotiateVersion != 0 {
		copy(h[48:56], defaultVersion[:])
	}
	if p.TargetName != "" {
		dst = appendStringPayload(dst, base, 12, p.TargetName, p.Flags&NegotiateUnicode != 0)
	}
	if p.Flags&NegotiateTargetInfo != 0 {
		start := len(dst)
		dst = appendAVString(dst, MsvAvNbDomainName, p.NetBIOSDomain)
		dst = appendAVString(dst, MsvAvNbComputerName, p.NetBIOSComputer)
		if p.DNSDomain != "" {
			dst = appendAVString(dst, MsvAvDnsDomainName, p.DNSDomain)
		}
		if p.DNSComputer != "" {
			dst = appendAVString(dst, MsvAvDnsComputerName, p.DNSComputer)
		}
		if p.Timestamp != 0 {
			dst = binary.LittleEndian.AppendUint16(dst, MsvAvTimestamp)
			dst = binary.LittleEndian.AppendUint16(dst, 8)
			dst = binary.LittleEndian.AppendUint64(dst, p.Timestamp)
		}
		dst = appendAVPair(dst, MsvAvEOL, nil)
		info := dst[start:]
		dst = dst[:start]
		dst = appendPayload(dst, base, 40, info)
	}
	return dst
}

// appendAVPair appends one AV_PAIR (MS-NLMP 2.2.2.1).
func appendAVPair(dst []byte, id uint16, v []byte) []byte {
	dst = binary.LittleEndian.AppendUint16(dst, id)
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(v)))
	return append(dst, v...)
}

// appendAVString appends an AV_PAIR whose value is s in UTF-16LE.
func appendAVString(dst []byte, id uint16, s string) []byte {
	start := len(dst)
	dst = binary.LittleEndian.AppendUint16(dst, id)
	dst = append(dst, 0, 0)
	dst = appendEncoded(dst, s, true)
	binary.LittleEndian.PutUint16(dst[start+2:], uint16(len(dst)-start-4))
	return dst
}

// AuthenticateParams are the contents of an AUTHENTICATE_MESSAGE.
type AuthenticateParams struct {
	Flags                     uint32
	LMResponse, NTResponse    []byte
	Domain, User, Workstation string // UTF-16LE or OEM per Flags
	EncryptedRandomSessionKey []byte
	// WithMIC reserves the MIC field, filled from MIC; a client computes the
	// real MIC over the message built with a zero MIC and then writes it at
	// MICOffset (see AppendClientAuthenticate).
	WithMIC bool
	MIC     [16]byte
}

// MICOffset is where the MIC sits in an AUTHENTICATE_MESSAGE that has one.
const MICOffset = micOffset

// AppendAuthenticate appends an AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3). The
// Version field is written when Flags has NegotiateVersion or WithMIC is
// set, since the MIC follows it.
func AppendAuthenticate(dst []byte, p AuthenticateParams) []byte {
	hdr := authenticateFlagsLen
	if p.Flags&NegotiateVersion != 0 || p.WithMIC {
		hdr = authenticateVerLen
	}
	if p.WithMIC {
		hdr = authenticateMICLen
	}
	base := len(dst)
	dst = appendHeader(dst, MessageAuthenticate)
	dst = append(dst, make([]byte, hdr-12)...)
	h := dst[base:]
	for pos := authLM; pos <= authSessionKey; pos += 8 {
		binary.LittleEndian.PutUint32(h[pos+4:], uint32(hdr))
	}
	binary.LittleEndian.PutUint32(h[authFlags:], p.Flags)
	if hdr >= authenticateVerLen && p.Flags&NegotiateVersion != 0 {
		copy(h[64:72], defaultVersion[:])
	}
	if p.WithMIC {
		copy(h[micOffset:], p.MIC[:])
	}
	uni := p.Flags&NegotiateUnicode != 0
	// Payload in the order Windows writes it; any order is valid.
	dst = appendStringPayload(dst, base, authDomain, p.Domain, uni)
	dst = appendStringPayload(dst, base, authUser, p.User, uni)
	dst = appendStringPayload(dst, base, authWorkstation, p.Workstation, uni)
	dst = appendPayload(dst, base, authLM, p.LMResponse)
	dst = appendPayload(dst, base, authNT, p.NTResponse)
	dst = appendPayload(dst, base, authSessionKey, p.EncryptedRandomSessionKey)
	return dst
}

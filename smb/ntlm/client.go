package ntlm

import (
	"encoding/binary"
)

// NTLMv2Response computes a client's NTLMv2 responses (MS-NLMP 3.3.2). The
// NtChallengeResponse, NTProofStr || temp with temp = 0x01 0x01 Z(6) ||
// timestamp || clientChallenge || Z(4) || targetInfo || Z(4), is appended to
// dst; lm is the LMv2 response. It exists so the server side can be tested
// end to end without a real client, and for tools.
func NTLMv2Response(dst []byte, ntHash [16]byte, user, domain string, serverChallenge, clientChallenge [8]byte, timestamp uint64, targetInfo []byte) (nt []byte, lm [24]byte, sessionBaseKey [16]byte) {
	key := NTOWFv2(ntHash, user, domain)
	start := len(dst)
	dst = append(dst, make([]byte, 16)...)
	dst = append(dst, 1, 1, 0, 0, 0, 0, 0, 0)
	dst = binary.LittleEndian.AppendUint64(dst, timestamp)
	dst = append(dst, clientChallenge[:]...)
	dst = append(dst, 0, 0, 0, 0)
	dst = append(dst, targetInfo...)
	dst = append(dst, 0, 0, 0, 0)
	proof := hmacMD5(key[:], serverChallenge[:], dst[start+16:])
	copy(dst[start:], proof[:])
	lmProof := hmacMD5(key[:], serverChallenge[:], clientChallenge[:])
	copy(lm[:16], lmProof[:])
	copy(lm[16:], clientChallenge[:])
	return dst, lm, hmacMD5(key[:], proof[:])
}

// ClientParams are what AppendClientAuthenticate needs besides the messages.
type ClientParams struct {
	User, Domain, Workstation string
	NTHash                    [16]byte
	ClientChallenge           [8]byte
	// RandomSessionKey becomes the exported session key when
	// NTLMSSP_NEGOTIATE_KEY_EXCH is negotiated.
	RandomSessionKey [16]byte
	// Timestamp is used when the challenge carries no MsvAvTimestamp.
	Timestamp uint64
}

// AppendClientAuthenticate answers challenge as an NTLMv2 client would
// (MS-NLMP 3.1.5.1.2): it echoes the challenge's flags, uses the server's
// MsvAvTimestamp when there is one (and then sends Z(24) as the LM response,
// sets MsvAvFlags' MIC bit and computes the MIC over negotiate, challenge and
// the message), and encrypts RandomSessionKey under KEY_EXCH. It returns the
// message and the exported session key.
func AppendClientAuthenticate(dst []byte, negotiate []byte, challenge Challenge, p ClientParams) ([]byte, [16]byte) {
	flags := challenge.Flags()
	chal := challenge.ServerChallenge()
	info := challenge.TargetInfo()
	ts, hasTS := info.Lookup(MsvAvTimestamp)
	useMIC := hasTS && len(ts) == 8
	timestamp := p.Timestamp
	if useMIC {
		timestamp = binary.LittleEndian.Uint64(ts)
	}
	// The target info the client signs: the server's pairs without their
	// terminator, then MsvAvFlags when a MIC follows, then MsvAvEOL.
	var ti []byte
	for l := info; len(l) >= 4; {
		id := binary.LittleEndian.Uint16(l)
		n := int(binary.LittleEndian.Uint16(l[2:]))
		if id == MsvAvEOL || 4+n > len(l) {
			break
		}
		if id != MsvAvFlags {
			ti = append(ti, l[:4+n]...)
		}
		l = l[4+n:]
	}
	if useMIC {
		ti = appendAVPair(ti, MsvAvFlags, binary.LittleEndian.AppendUint32(nil, AvFlagMICPresent))
	}
	ti = appendAVPair(ti, MsvAvEOL, nil)

	nt, lm, sbk := NTLMv2Response(nil, p.NTHash, p.User, p.Domain, chal, p.ClientChallenge, timestamp, ti)
	lmResp := lm[:]
	if useMIC {
		lmResp = make([]byte, 24)
	}
	exported := sbk
	var encKey []byte
	if flags&NegotiateKeyExch != 0 {
		e := encryptSessionKey(sbk, p.RandomSessionKey)
		encKey = e[:]
		exported = p.RandomSessionKey
	}
	base := len(dst)
	dst = AppendAuthenticate(dst, AuthenticateParams{
		Flags:                     flags,
		LMResponse:                lmResp,
		NTResponse:                nt,
		Domain:                    p.Domain,
		User:                      p.User,
		Workstation:               p.Workstation,
		EncryptedRandomSessionKey: encKey,
		WithMIC:                   useMIC,
	})
	if useMIC {
		mic := computeMIC(exported, negotiate, challenge, dst[base:])
		copy(dst[base+micOffset:], mic[:])
	}
	return dst, exported
}

// computeMIC returns HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE ||
// AUTHENTICATE) with the AUTHENTICATE's MIC field taken as zero (MS-NLMP
// 3.1.5.1.2, 3.2.5.1.2), without copying the message to zero it.
func computeMIC(exported [16]byte, negotiate, challenge, authenticate []byte) [16]byte {
	m := newHMACMD5(exported[:])
	m.Write(negotiate)
	m.Write(challenge)
	m.Write(authenticate[:micOffset])
	var zero [micLen]byte
	m.Write(zero[:])
	m.Write(authenticate[micOffset+micLen:])
	return m.Sum()
}

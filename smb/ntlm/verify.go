package ntlm

import (
	"crypto/subtle"
	"strings"
)

// Method names the response algorithm that authenticated a user; servers log
// it and may refuse the weak ones.
type Method uint8

// Methods, strongest first. MethodNTLMv1InLM is the NTLMv1 response computed
// from the NT hash but sent in the LM field, which some clients do instead of
// a real LM response.
const (
	MethodNone Method = iota
	MethodAnonymous
	MethodNTLMv2
	MethodLMv2
	MethodNTLM2Session
	MethodNTLMv1
	MethodNTLMv1InLM
	MethodLM
)

// methodNames are Method's String values.
var methodNames = [...]string{"none", "anonymous", "NTLMv2", "LMv2", "NTLM2-session", "NTLMv1", "NTLMv1-in-LM", "LM"}

// String returns the method's conventional name, for logs.
func (m Method) String() string {
	if int(m) < len(methodNames) {
		return methodNames[m]
	}
	return "unknown"
}

// IsV1 reports whether m is one of the NTLMv1-era methods that servers refuse
// unless explicitly allowed (DES-based, crackable from a capture).
func (m Method) IsV1() bool { return m >= MethodNTLM2Session }

// domainVariants lists the domains the NTLMv2 key is tried with: the one the
// client sent, the empty domain (clients that leave it out of the hash) and
// the upper-cased one (clients that upper-case it), in the order Samba's
// ntlm_password_check tries them. Duplicates are dropped.
func domainVariants(domain string) (out [3]string, n int) {
	out[0], n = domain, 1
	if domain != "" {
		out[n] = ""
		n++
		if up := strings.ToUpper(domain); up != domain {
			out[n] = up
			n++
		}
	}
	return out, n
}

// VerifyNTLMv2 checks an NTLMv2 NtChallengeResponse (MS-NLMP 3.3.2):
// NTProofStr = HMAC_MD5(NTOWFv2, ServerChallenge || temp) must equal the
// response's first 16 bytes. It tries the domain as given, empty and
// upper-cased, and returns SessionBaseKey = HMAC_MD5(NTOWFv2, NTProofStr).
func VerifyNTLMv2(ntHash [16]byte, user, domain string, serverChallenge [8]byte, ntResp []byte) (sessionBaseKey [16]byte, ok bool) {
	// MS-NLMP 2.2.2.8: an NTLMv2_RESPONSE is 16 bytes of proof followed by
	// the client blob; anything of NTLMv1 size or less is not one.
	if len(ntResp) <= 24 {
		return sessionBaseKey, false
	}
	doms, n := domainVariants(domain)
	for _, d := range doms[:n] {
		key := NTOWFv2(ntHash, user, d)
		proof := hmacMD5(key[:], serverChallenge[:], ntResp[16:])
		if subtle.ConstantTimeCompare(proof[:], ntResp[:16]) == 1 {
			return hmacMD5(key[:], proof[:]), true
		}
	}
	return sessionBaseKey, false
}

// VerifyLMv2 checks an LMv2 LmChallengeResponse (MS-NLMP 3.3.2):
// HMAC_MD5(LMOWFv2, ServerChallenge || ClientChallenge) || ClientChallenge,
// trying the same domain variants as VerifyNTLMv2. The spec derives no key
// from LMv2 alone; the returned key is HMAC_MD5(LMOWFv2, proof), the NTLMv2
// construction applied to the LMv2 proof, so a session that only sent LMv2
// still gets a secret key.
func VerifyLMv2(ntHash [16]byte, user, domain string, serverChallenge [8]byte, lmResp []byte) (sessionKey [16]byte, ok bool) {
	if len(lmResp) != 24 {
		return sessionKey, false
	}
	doms, n := domainVariants(domain)
	for _, d := range doms[:n] {
		key := NTOWFv2(ntHash, user, d)
		proof := hmacMD5(key[:], serverChallenge[:], lmResp[16:24])
		if subtle.ConstantTimeCompare(proof[:], lmResp[:16]) == 1 {
			return hmacMD5(key[:], proof[:]), true
		}
	}
	return sessionKey, false
}

// VerifyNTLMv1 checks an NTLMv1 response (MS-NLMP 3.3.1):
// DESL(NTOWFv1, ServerChallenge). It returns SessionBaseKey = MD4(NTOWFv1).
func VerifyNTLMv1(ntHash [16]byte, serverChallenge [8]byte, resp []byte) (sessionBaseKey [16]byte, ok bool) {
	if len(resp) != 24 {
		return sessionBaseKey, false
	}
	want := desl(ntHash, serverChallenge[:])
	if subtle.ConstantTimeCompare(want[:], resp) != 1 {
		return sessionBaseKey, false
	}
	return md4Sum(ntHash[:]), true
}

// NTLM2SessionChallenge returns the challenge an NTLMv1 response is computed
// over when extended session security is negotiated (MS-NLMP 3.3.1):
// MD5(ServerChallenge || ClientChallenge)[0..7], where the client challenge is
// the first 8 bytes of the LM response.
func NTLM2SessionChallenge(serverChallenge, clientChallenge [8]byte) [8]byte {
	sum := md5Sum(serverChallenge[:], clientChallenge[:])
	return [8]byte(sum[:8])
}

// VerifyNTLM2Session checks an NTLMv1 response made with extended session
// security (the "NTLM2 session response", MS-NLMP 3.3.1): the client
// challenge is lmResp[0..7] and the NT response is DESL(NTOWFv1,
// NTLM2SessionChallenge). It returns SessionBaseKey = MD4(NTOWFv1).
func VerifyNTLM2Session(ntHash [16]byte, serverChallenge [8]byte, lmResp, ntResp []byte) (sessionBaseKey [16]byte, ok bool) {
	if len(lmResp) < 8 || len(ntResp) != 24 {
		return sessionBaseKey, false
	}
	c := NTLM2SessionChallenge(serverChallenge, [8]byte(lmResp[:8]))
	want := desl(ntHash, c[:])
	if subtle.ConstantTimeCompare(want[:], ntResp) != 1 {
		return sessionBaseKey, false
	}
	return md4Sum(ntHash[:]), true
}

// VerifyLM checks a LAN Manager response (MS-NLMP 3.3.1):
// DESL(LMOWFv1, ServerChallenge). Only a server that kept the LM hash (or
// the password) can use it. The key returned is the LM session key,
// LMOWFv1[0..7] || Z(8), the one Windows and Samba use for LM-only logons.
func VerifyLM(lmHash [16]byte, serverChallenge [8]byte, lmResp []byte) (sessionKey [16]byte, ok bool) {
	if len(lmResp) != 24 {
		return sessionKey, false
	}
	want := desl(lmHash, serverChallenge[:])
	if subtle.ConstantTimeCompare(want[:], lmResp) != 1 {
		return sessionKey, false
	}
	copy(sessionKey[:8], lmHash[:8])
	return sessionKey, true
}

// VerifyChallengeResponse authenticates the LM/NT response pair of a
// non-extended-security SESSION_SETUP_ANDX (MS-CIFS 3.3.5.3) against the
// user's NT hash. NTLMv2 is tried when ntResp is longer than 24 bytes, then
// LMv2; a present but wrong NTLMv2 response fails without falling back.
// NTLMv1 and the NTLMv1 response carried in the LM field are tried only when
// allowV1 is set. It returns the session base key the SMB signing key is
// built from.
func VerifyChallengeResponse(ntHash [16]byte, user, domain string, challenge [8]byte, lmResp, ntResp []byte, allowV1 bool) (sessionKey [16]byte, ok bool) {
	key, m := verifyResponses(ntHash, user, domain, challenge, lmResp, ntResp, allowV1, false)
	return key, m != MethodNone
}

// KeyExchangeKeyV1 returns KXKEY for NTLMv1 (MS-NLMP 3.4.5.1): with extended
// session security HMAC_MD5(SessionBaseKey, ServerChallenge ||
// LmChallengeResponse[0..7]); else with NTLMSSP_NEGOTIATE_LM_KEY the two DES
// encryptions of LmChallengeResponse[0..7] under LMOWFv1; else with
// NTLMSSP_REQUEST_NON_NT_SESSION_KEY LMOWFv1[0..7] || Z(8); else
// SessionBaseKey. NTLMv2's KXKEY is its SessionBaseKey. lmHash is only read
// by the two LM variants, which a server that negotiates neither never needs.
func KeyExchangeKeyV1(flags uint32, sessionBaseKey, lmHash [16]byte, serverChallenge [8]byte, lmResp []byte) [16]byte {
	var lm8 [8]byte
	copy(lm8[:], lmResp)
	switch {
	case flags&NegotiateExtendedSessionSecurity != 0:
		return hmacMD5(sessionBaseKey[:], serverChallenge[:], lm8[:])
	case flags&NegotiateLMKey != 0:
		var out [16]byte
		desEncrypt7(out[0:8], lmHash[0:7], lm8[:])
		k := [7]byte{lmHash[7], 0xbd, 0xbd, 0xbd, 0xbd, 0xbd, 0xbd}
		desEncrypt7(out[8:16], k[:], lm8[:])
		return out
	case flags&RequestNonNTSessionKey != 0:
		var out [16]byte
		copy(out[:8], lmHash[:8])
		return out
	}
	return sessionBaseKey
}

// ExportedSessionKey returns the key the session signs with (MS-NLMP
// 3.2.5.1.2): with NTLMSSP_NEGOTIATE_KEY_EXCH, RC4(KeyExchangeKey,
// EncryptedRandomSessionKey), which must then be exactly 16 bytes; without
// it, KeyExchangeKey itself.
func ExportedSessionKey(flags uint32, keyExchangeKey [16]byte, encryptedRandomSessionKey []byte) ([16]byte, bool) {
	if flags&NegotiateKeyExch == 0 {
		return keyExchangeKey, true
	}
	var out [16]byte
	if len(encryptedRandomSessionKey) != 16 {
		return out, false
	}
	newRC4(keyExchangeKey[:]).XORKeyStream(out[:], encryptedRandomSessionKey)
	return out, true
}

// encryptSessionKey is the client half of ExportedSessionKey.
func encryptSessionKey(keyExchangeKey, randomSessionKey [16]byte) [16]byte {
	var out [16]byte
	newRC4(keyExchangeKey[:]).XORKeyStream(out[:], randomSessionKey[:])
	return out
}

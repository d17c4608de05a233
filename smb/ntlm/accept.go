package ntlm

import "encoding/binary"

// verifyResponses is the shared verification order of
// VerifyChallengeResponse and ServerSession; ess says extended session
// security was negotiated (MS-NLMP 3.3.1). The order is Samba's
// ntlm_password_check behind its NTLMSSP server, so a server configured
// like Samba ("ntlm auth = yes" for allowV1, "ntlmv2-only" otherwise) logs
// on exactly the response forms Samba does:
//
//   - With ESS and 24 bytes in both fields, the pair is an NTLM2 session
//     response (MS-NLMP 3.3.1) and nothing else: the LM field holds the
//     client challenge, so LMv2 and NTLMv1 are not tried.
//   - An NT field longer than 24 bytes is NTLMv2 (MS-NLMP 3.3.2) and
//     nothing else.
//   - An NT field of 24 bytes is NTLMv1 when allowed, and then final;
//     when NTLMv1 is refused the LM field is still tried for LMv2.
//   - A 24-byte LM field is LMv2, then (allowV1) an NTLMv1 response sent
//     there. Shorter fields are never a response.
func verifyResponses(ntHash [16]byte, user, domain string, chal [8]byte, lm, nt []byte, allowV1, ess bool) ([16]byte, Method) {
	if ess && len(nt) == 24 && len(lm) == 24 {
		if !allowV1 {
			return [16]byte{}, MethodNone
		}
		if k, ok := VerifyNTLM2Session(ntHash, chal, lm, nt); ok {
			return k, MethodNTLM2Session
		}
		return [16]byte{}, MethodNone
	}
	if len(nt) > 24 {
		if k, ok := VerifyNTLMv2(ntHash, user, domain, chal, nt); ok {
			return k, MethodNTLMv2
		}
		// A client that sent NTLMv2 and got it wrong has the wrong
		// password; trying weaker forms only helps an attacker.
		return [16]byte{}, MethodNone
	}
	if len(nt) == 24 && allowV1 {
		if k, ok := VerifyNTLMv1(ntHash, chal, nt); ok {
			return k, MethodNTLMv1
		}
		return [16]byte{}, MethodNone
	}
	if k, ok := VerifyLMv2(ntHash, user, domain, chal, lm); ok {
		return k, MethodLMv2
	}
	if !allowV1 {
		return [16]byte{}, MethodNone
	}
	if k, ok := VerifyNTLMv1(ntHash, chal, lm); ok {
		return k, MethodNTLMv1InLM
	}
	return [16]byte{}, MethodNone
}

// ntlmv2ClientChallengeLen is the fixed part of an NTLMv2_CLIENT_CHALLENGE
// (MS-NLMP 2.2.2.7): RespType, HiRespType, Reserved1, Reserved2,
// TimeStamp, ChallengeFromClient and Reserved3, before the AvPairs.
const ntlmv2ClientChallengeLen = 28

// WellFormedNTLMv2Response reports whether nt, an NtChallengeResponse
// longer than 24 bytes, is an NTLMv2_RESPONSE (MS-NLMP 2.2.2.8): a 16-byte
// NTProofStr and an NTLMv2_CLIENT_CHALLENGE whose AvPairs end with
// MsvAvEOL inside the field. Samba refuses one that is not with
// STATUS_INVALID_PARAMETER before it looks at the password.
func WellFormedNTLMv2Response(nt []byte) bool {
	if len(nt) < 16+ntlmv2ClientChallengeLen {
		return false
	}
	l := nt[16+ntlmv2ClientChallengeLen:]
	for len(l) >= 4 {
		n := 4 + int(binary.LittleEndian.Uint16(l[2:]))
		if n > len(l) {
			return false
		}
		if binary.LittleEndian.Uint16(l) == MsvAvEOL {
			return true
		}
		l = l[n:]
	}
	return false
}

package ntlm

import (
	"crypto/subtle"
	"encoding/binary"
)

// Key derivation constants (MS-NLMP 3.4.5.2, 3.4.5.3), NUL included.
const (
	clientSignMagic = "session key to client-to-server signing key magic constant\x00"
	serverSignMagic = "session key to server-to-client signing key magic constant\x00"
	clientSealMagic = "session key to client-to-server sealing key magic constant\x00"
	serverSealMagic = "session key to server-to-client sealing key magic constant\x00"
)

// SessionKeys are the per-direction keys of extended session security.
type SessionKeys struct {
	ClientSigning, ServerSigning [16]byte
	ClientSealing, ServerSealing [16]byte
}

// DeriveSessionKeys derives SIGNKEY and SEALKEY for both directions from the
// exported session key (MS-NLMP 3.4.5.2, 3.4.5.3) under extended session
// security: MD5(key || magic), the sealing input first cut to 16, 7 or 5
// bytes by NTLMSSP_NEGOTIATE_128/56.
func DeriveSessionKeys(flags uint32, exported [16]byte) SessionKeys {
	seal := exported[:5]
	switch {
	case flags&Negotiate128 != 0:
		seal = exported[:]
	case flags&Negotiate56 != 0:
		seal = exported[:7]
	}
	derive := func(key []byte, magic string) [16]byte {
		return md5Sum(key, []byte(magic))
	}
	return SessionKeys{
		ClientSigning: derive(exported[:], clientSignMagic),
		ServerSigning: derive(exported[:], serverSignMagic),
		ClientSealing: derive(seal, clientSealMagic),
		ServerSealing: derive(seal, serverSealMagic),
	}
}

// signature computes the 16-byte NTLMSSP_MESSAGE_SIGNATURE of msg under
// extended session security (MS-NLMP 3.4.4.2): Version 1, the first 8 bytes
// of HMAC_MD5(signKey, seq || msg), RC4-encrypted with the sealing handle
// when NTLMSSP_NEGOTIATE_KEY_EXCH is negotiated (sealer non-nil), and seq.
func signature(signKey [16]byte, sealer *rc4Cipher, seq uint32, msg []byte) [16]byte {
	var out [16]byte
	binary.LittleEndian.PutUint32(out[0:], 1)
	binary.LittleEndian.PutUint32(out[12:], seq)
	sum := hmacMD5(signKey[:], out[12:16], msg)
	copy(out[4:12], sum[:8])
	if sealer != nil {
		sealer.XORKeyStream(out[4:12], out[4:12])
	}
	return out
}

// mechListMIC computes the GSS_GetMIC of the DER MechTypeList (RFC 4178 5,
// MS-SPNG 3.1.5.1) that NTLM returns as the first signed message (sequence
// number 0) in one direction: fromClient selects the client-to-server keys.
// Only extended session security is supported; ok is false otherwise.
func mechListMIC(flags uint32, exported [16]byte, fromClient bool, mechTypesDER []byte) (mic [16]byte, ok bool) {
	if flags&NegotiateExtendedSessionSecurity == 0 {
		return mic, false
	}
	k := DeriveSessionKeys(flags, exported)
	sign, seal := k.ServerSigning, k.ServerSealing
	if fromClient {
		sign, seal = k.ClientSigning, k.ClientSealing
	}
	var sealer *rc4Cipher
	if flags&NegotiateKeyExch != 0 {
		sealer = newRC4(seal[:])
	}
	return signature(sign, sealer, 0, mechTypesDER), true
}

// verifyMechListMIC checks a client's mechListMIC.
func verifyMechListMIC(flags uint32, exported [16]byte, mechTypesDER, got []byte) bool {
	want, ok := mechListMIC(flags, exported, true, mechTypesDER)
	return ok && subtle.ConstantTimeCompare(want[:], got) == 1
}

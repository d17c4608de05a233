package smb

import (
	"crypto/subtle"
	"encoding/binary"

	"github.com/tinysmbd/tinysmbd/smb/internal/md5"
)

// signatureOffset is where SecuritySignature (SecurityFeatures) lies in
// the header (MS-CIFS 2.2.3.1).
const signatureOffset = 14

// BSRSPYL is the SecuritySignature of a SESSION_SETUP_ANDX response sent
// while signing is not active (MS-CIFS 3.3.4.1; Windows and Samba send it).
var BSRSPYL = [8]byte{'B', 'S', 'R', 'S', 'P', 'Y', 'L', ' '}

// MACKey returns the key SMB1 signing uses for a logon (MS-CIFS 3.1.4.1,
// MS-SMB 3.1.4.1): the session key followed by the challenge response for
// a challenge/response logon (the 24-byte NTLMv1 or LM response, or the
// whole NTLMv2 response), the session key alone for an NTLMSSP one
// (response nil).
func MACKey(sessionKey [16]byte, response []byte) []byte {
	k := make([]byte, 0, 16+len(response))
	k = append(k, sessionKey[:]...)
	return append(k, response...)
}

// mac computes the MAC of msg (the SMB message from its header on) with
// its SecuritySignature field set to seq, leaving that field set so
// (MS-CIFS 3.1.4.1, 3.1.5.1): the first 8 bytes of MD5(MACKey || message),
// the SecuritySignature holding the sequence number in its low 4 bytes
// and zeros.
func mac(key, msg []byte, seq uint32) [8]byte {
	sig := msg[signatureOffset : signatureOffset+8]
	binary.LittleEndian.PutUint32(sig, seq)
	clear(sig[4:])
	d := md5.New()
	d.Write(key)
	d.Write(msg)
	sum := d.Sum()
	return [8]byte(sum[:8])
}

// Sign sets Flags2SecuritySignature and the SecuritySignature of msg, an
// SMB message at least a header long, for sequence number seq.
func Sign(key, msg []byte, seq uint32) {
	h := Header(msg)
	h.SetFlags2(h.Flags2() | Flags2SecuritySignature)
	m := mac(key, msg, seq)
	copy(msg[signatureOffset:], m[:])
}

// VerifySignature reports whether the SecuritySignature of msg, an SMB
// message at least a header long, is right for sequence number seq. msg is
// left as it was.
func VerifySignature(key, msg []byte, seq uint32) bool {
	got := [8]byte(msg[signatureOffset : signatureOffset+8])
	want := mac(key, msg, seq)
	copy(msg[signatureOffset:], got[:])
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

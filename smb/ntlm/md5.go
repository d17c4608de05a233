package ntlm

import "github.com/tinysmbd/tinysmbd/smb/internal/md5"

// NTLM's MD5, HMAC-MD5, DES and RC4 are written here (MD5 in
// smb/internal/md5, which SMB signing shares) rather than imported from
// crypto/md5, crypto/hmac, crypto/des and crypto/rc4: since Go 1.24 each of
// those imports the FIPS 140 module, whose self-tests and DRBG stay linked
// through package initialisation, about 180 KB of a linux/mipsle firmware
// binary whose budget is 4 MiB. They serve authentication only, a few
// blocks per SESSION_SETUP, so they favour size over speed; tests check
// them against the standard library.

// md5Digest is a running MD5.
type md5Digest = md5.Digest

func newMD5() md5Digest { return md5.New() }

// md5Sum is MD5 of the concatenation of parts.
func md5Sum(parts ...[]byte) [16]byte { return md5.Sum(parts...) }

// hmacMD5State is a running HMAC_MD5 (RFC 2104) with MD5's 64-byte block.
type hmacMD5State struct {
	inner md5Digest
	opad  [64]byte
}

func newHMACMD5(key []byte) hmacMD5State {
	var k [64]byte
	if len(key) > len(k) {
		sum := md5Sum(key)
		key = sum[:]
	}
	copy(k[:], key)
	m := hmacMD5State{inner: newMD5()}
	for i, b := range k {
		k[i] = b ^ 0x36
		m.opad[i] = b ^ 0x5c
	}
	m.inner.Write(k[:])
	return m
}

func (m *hmacMD5State) Write(p []byte) { m.inner.Write(p) }

// Sum returns the MAC of what was written; m is left finished.
func (m *hmacMD5State) Sum() [16]byte {
	in := m.inner.Sum()
	return md5Sum(m.opad[:], in[:])
}

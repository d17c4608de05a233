package ntlm

import (
	"encoding/binary"
	"unicode"
	"unicode/utf16"

	"golang.org/x/crypto/md4"
)

// NTHash returns NTOWFv1 (MS-NLMP 3.3.1): the MD4 digest of the password in
// UTF-16LE. It is the secret a server stores per user; every response below
// is verified from it alone.
func NTHash(password string) [16]byte {
	h := md4.New()
	var buf [2]byte
	for _, r := range password {
		if r1, r2 := utf16.EncodeRune(r); r1 != unicode.ReplacementChar {
			put16(buf[:], uint16(r1))
			h.Write(buf[:])
			put16(buf[:], uint16(r2))
			h.Write(buf[:])
			continue
		}
		put16(buf[:], uint16(r))
		h.Write(buf[:])
	}
	var out [16]byte
	h.Sum(out[:0])
	return out
}

// LMHash returns LMOWFv1 (MS-NLMP 3.3.1): the password upper-cased, taken as
// OEM bytes, truncated or zero-padded to 14 bytes, and each 7-byte half used
// as a DES key to encrypt "KGS!@#$%". Characters outside Latin-1 become '?',
// as an OEM code page without them would render them.
func LMHash(password string) [16]byte {
	var pw [14]byte
	i := 0
	for _, r := range password {
		if i == len(pw) {
			break
		}
		r = unicode.ToUpper(r)
		if r > 0xff {
			r = '?'
		}
		pw[i] = byte(r)
		i++
	}
	magic := []byte("KGS!@#$%")
	var out [16]byte
	desEncrypt7(out[0:8], pw[0:7], magic)
	desEncrypt7(out[8:16], pw[7:14], magic)
	return out
}

// NTOWFv2 returns the NTLMv2 response key (MS-NLMP 3.3.2):
// HMAC_MD5(NTHash, UNICODE(Uppercase(user) || domain)). LMOWFv2 is the same
// function.
func NTOWFv2(ntHash [16]byte, user, domain string) [16]byte {
	m := newHMACMD5(ntHash[:])
	var buf [4]byte
	writeUTF16 := func(s string, upper bool) {
		for _, r := range s {
			if upper {
				r = unicode.ToUpper(r)
			}
			if r1, r2 := utf16.EncodeRune(r); r1 != unicode.ReplacementChar {
				put16(buf[0:2], uint16(r1))
				put16(buf[2:4], uint16(r2))
				m.Write(buf[:4])
				continue
			}
			put16(buf[0:2], uint16(r))
			m.Write(buf[:2])
		}
	}
	writeUTF16(user, true)
	writeUTF16(domain, false)
	return m.Sum()
}

// desKey7 spreads 56 key bits over 8 bytes, 7 bits each (MS-NLMP 6:
// DES "using the 7-byte key expanded to 8 bytes"); DES ignores the low
// (parity) bit of every byte.
func desKey7(k []byte) [8]byte {
	return [8]byte{
		k[0],
		k[0]<<7 | k[1]>>1,
		k[1]<<6 | k[2]>>2,
		k[2]<<5 | k[3]>>3,
		k[3]<<4 | k[4]>>4,
		k[4]<<3 | k[5]>>5,
		k[5]<<2 | k[6]>>6,
		k[6] << 1,
	}
}

// desEncrypt7 writes DES(K, D) for a 7-byte key and an 8-byte block into dst.
func desEncrypt7(dst, key7, block []byte) {
	desEncryptBlock(dst, desKey7(key7), block)
}

// desl computes DESL(K, D) (MS-NLMP 6): the 8-byte D encrypted under the
// three 7-byte thirds of K||Z(5), concatenated.
func desl(key [16]byte, data []byte) [24]byte {
	var k3 [7]byte
	copy(k3[:], key[14:16])
	var out [24]byte
	desEncrypt7(out[0:8], key[0:7], data)
	desEncrypt7(out[8:16], key[7:14], data)
	desEncrypt7(out[16:24], k3[:], data)
	return out
}

// hmacMD5 is HMAC_MD5(key, concatenation of parts) (MS-NLMP 6).
func hmacMD5(key []byte, parts ...[]byte) [16]byte {
	m := newHMACMD5(key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum()
}

// md4Sum is MD4(b); NTLMv1 SessionBaseKey = MD4(NTOWFv1) (MS-NLMP 3.3.1).
func md4Sum(b []byte) [16]byte {
	h := md4.New()
	h.Write(b)
	var out [16]byte
	h.Sum(out[:0])
	return out
}

// put16 writes a little-endian UTF-16 code unit.
func put16(b []byte, v uint16) { binary.LittleEndian.PutUint16(b, v) }

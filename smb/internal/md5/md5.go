// Package md5 is MD5 (RFC 1321) for NTLM and SMB1 message signing, written
// here rather than imported from crypto/md5: since Go 1.24 crypto/md5
// imports the FIPS 140 module, whose self-tests and DRBG stay linked through
// package initialisation, about 180 KB of a linux/mipsle firmware binary
// whose budget is 4 MiB. A Digest is a value: it does not allocate.
package md5

import (
	"encoding/binary"
	"math/bits"
)

// Size is the length of an MD5 digest.
const Size = 16

// Digest is a running MD5; the zero value is not ready, use New or Reset.
type Digest struct {
	s    [4]uint32
	buf  [64]byte
	nbuf int
	len  uint64
}

// New returns a Digest ready for writing.
func New() Digest {
	var d Digest
	d.Reset()
	return d
}

// Reset starts d afresh.
func (d *Digest) Reset() {
	d.s = [4]uint32{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}
	d.nbuf, d.len = 0, 0
}

// Sum returns MD5 of the concatenation of parts.
func Sum(parts ...[]byte) [Size]byte {
	d := New()
	for _, p := range parts {
		d.Write(p)
	}
	return d.Sum()
}

// Write adds p to the digest.
func (d *Digest) Write(p []byte) {
	d.len += uint64(len(p))
	if d.nbuf > 0 {
		n := copy(d.buf[d.nbuf:], p)
		d.nbuf += n
		p = p[n:]
		if d.nbuf < len(d.buf) {
			return
		}
		d.block(d.buf[:])
		d.nbuf = 0
	}
	for len(p) >= 64 {
		d.block(p[:64])
		p = p[64:]
	}
	d.nbuf = copy(d.buf[:], p)
}

// Sum returns the digest of what was written; d is left finished.
func (d *Digest) Sum() [Size]byte {
	// RFC 1321 3.1, 3.2: a 1 bit, zeros to 56 bytes mod 64, the bit length.
	n := d.len
	var pad [72]byte
	pad[0] = 0x80
	k := 56 - int(n%64)
	if k < 1 {
		k += 64
	}
	binary.LittleEndian.PutUint64(pad[k:], n<<3)
	d.Write(pad[:k+8])
	var out [Size]byte
	for i, v := range d.s {
		binary.LittleEndian.PutUint32(out[4*i:], v)
	}
	return out
}

// k is MD5's additive constant per step (RFC 1321 3.4):
// floor(abs(sin(i+1)) * 2^32).
var k = [64]uint32{
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee,
	0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
	0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05,
	0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039,
	0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
}

// shift is the left rotation of each step, four per round (RFC 1321 3.4).
var shift = [16]uint8{7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21}

// block runs MD5's compression function over one 64-byte block
// (RFC 1321 3.4). The four rounds are four loops rather than one with a
// switch: signing hashes every byte a connection sends and receives.
func (d *Digest) block(p []byte) {
	var x [16]uint32
	for i := range x {
		x[i] = binary.LittleEndian.Uint32(p[4*i:])
	}
	a, b, c, dd := d.s[0], d.s[1], d.s[2], d.s[3]
	for i := 0; i < 16; i++ {
		f := b&c | ^b&dd
		a, b, c, dd = dd, b+bits.RotateLeft32(a+f+k[i]+x[i], int(shift[i&3])), b, c
	}
	for i := 16; i < 32; i++ {
		f := b&dd | c&^dd
		a, b, c, dd = dd, b+bits.RotateLeft32(a+f+k[i]+x[(5*i+1)&15], int(shift[4|i&3])), b, c
	}
	for i := 32; i < 48; i++ {
		f := b ^ c ^ dd
		a, b, c, dd = dd, b+bits.RotateLeft32(a+f+k[i]+x[(3*i+5)&15], int(shift[8|i&3])), b, c
	}
	for i := 48; i < 64; i++ {
		f := c ^ (b | ^dd)
		a, b, c, dd = dd, b+bits.RotateLeft32(a+f+k[i]+x[(7*i)&15], int(shift[12|i&3])), b, c
	}
	d.s[0] += a
	d.s[1] += b
	d.s[2] += c
	d.s[3] += dd
}

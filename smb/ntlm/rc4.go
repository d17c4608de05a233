package ntlm

// rc4Cipher is RC4 (see md5.go for why it is here): NTLM's key exchange and
// its signature sealing, one stream per direction.
type rc4Cipher struct {
	s    [256]uint8
	i, j uint8
}

// newRC4 runs RC4's key schedule; key must be 1 to 256 bytes.
func newRC4(key []byte) *rc4Cipher {
	c := new(rc4Cipher)
	for i := range c.s {
		c.s[i] = uint8(i)
	}
	var j uint8
	for i := range c.s {
		j += c.s[i] + key[i%len(key)]
		c.s[i], c.s[j] = c.s[j], c.s[i]
	}
	return c
}

// XORKeyStream XORs src with the next len(src) bytes of the key stream into
// dst, which may be src itself.
func (c *rc4Cipher) XORKeyStream(dst, src []byte) {
	i, j := c.i, c.j
	for k, b := range src {
		i++
		j += c.s[i]
		c.s[i], c.s[j] = c.s[j], c.s[i]
		dst[k] = b ^ c.s[c.s[i]+c.s[j]]
	}
	c.i, c.j = i, j
}

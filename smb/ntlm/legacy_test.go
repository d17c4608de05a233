package ntlm

import (
	"bytes"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

// The package's own MD5, HMAC-MD5, DES and RC4 (md5.go) must agree with the
// standard library's, which the tests may link.

// checkLegacy compares all four on one input: data is hashed whole and in
// pieces cut at every split point, and also serves as key and block.
func checkLegacy(t *testing.T, data []byte) {
	t.Helper()
	want := md5.Sum(data)
	if got := md5Sum(data); got != want {
		t.Fatalf("md5(%x) = %x, want %x", data, got, want)
	}
	for _, cut := range []int{0, 1, len(data) / 3, len(data) / 2, len(data) - 1} {
		if cut < 0 || cut > len(data) {
			continue
		}
		if got := md5Sum(data[:cut], nil, data[cut:]); got != want {
			t.Fatalf("md5(%x) cut at %d = %x, want %x", data, cut, got, want)
		}
	}

	key := data[:len(data)/2]
	m := hmac.New(md5.New, key)
	m.Write(data)
	if got := hmacMD5(key, data[:len(data)/3], data[len(data)/3:]); !bytes.Equal(got[:], m.Sum(nil)) {
		t.Fatalf("hmac_md5(%x, %x) = %x, want %x", key, data, got, m.Sum(nil))
	}

	if len(data) >= 16 {
		var k [8]byte
		copy(k[:], data)
		c, err := des.NewCipher(k[:])
		if err != nil {
			t.Fatal(err)
		}
		var got, want [8]byte
		desEncryptBlock(got[:], k, data[8:16])
		c.Encrypt(want[:], data[8:16])
		if got != want {
			t.Fatalf("des(%x, %x) = %x, want %x", k, data[8:16], got, want)
		}
	}

	if n := len(key); n >= 1 && n <= 256 {
		r, err := rc4.NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, len(data))
		r.XORKeyStream(want, data)
		got := make([]byte, len(data))
		c := newRC4(key)
		h := len(data) / 2
		c.XORKeyStream(got[:h], data[:h])
		c.XORKeyStream(got[h:], data[h:])
		if !bytes.Equal(got, want) {
			t.Fatalf("rc4(%x, %x) = %x, want %x", key, data, got, want)
		}
	}
}

func TestLegacyCryptoMatchesStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// Every length across MD5's padding boundaries (55, 56, 63, 64, 119,
	// 120) and HMAC's key hashing (keys over 64 bytes), and past RC4's
	// 256-byte key limit.
	for n := range 600 {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		checkLegacy(t, data)
	}
}

// Known answers from the standards themselves.
func TestLegacyCryptoVectors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// RFC 1321 A.5.
		{"", "d41d8cd98f00b204e9800998ecf8427e"},
		{"abc", "900150983cd24fb0d6963f7d28e17f72"},
		{"12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"},
	} {
		got := md5Sum([]byte(c.in))
		if hex.EncodeToString(got[:]) != c.want {
			t.Errorf("md5(%q) = %x, want %s", c.in, got, c.want)
		}
	}
	// RFC 2104's test vector 2.
	mac := hmacMD5([]byte("Jefe"), []byte("what do ya want for nothing?"))
	eq(t, "hmac_md5", mac[:], "750c783e6ab0b503eaa86e310a5db738")
	// The classic worked example of FIPS 46 (key 133457799BBCDFF1).
	var out [8]byte
	desEncryptBlock(out[:], [8]byte{0x13, 0x34, 0x57, 0x79, 0x9b, 0xbc, 0xdf, 0xf1}, unhex(t, "0123456789abcdef"))
	eq(t, "des", out[:], "85e813540f0ab405")
	// RC4 with key "Key" over "Plaintext".
	ct := make([]byte, 9)
	newRC4([]byte("Key")).XORKeyStream(ct, []byte("Plaintext"))
	eq(t, "rc4", ct, "bbf316e8d940af0ad3")
}

func FuzzLegacyCrypto(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("KGS!@#$%KGS!@#$%"))
	f.Add(bytes.Repeat([]byte{0x5a}, 120))
	f.Fuzz(checkLegacy)
}

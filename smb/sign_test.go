package smb

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"
)

// macCase is one signed message of testdata/signing/impacket-macs.txt.
type macCase struct {
	name     string
	key, msg []byte
	seq      uint32
}

// impacketMACs reads the signatures impacket computed (impacket-macs.py).
func impacketMACs(t testing.TB) []macCase {
	t.Helper()
	f, err := os.Open("testdata/signing/impacket-macs.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []macCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		field, value, _ := strings.Cut(sc.Text(), " ")
		if field == "case" {
			cases = append(cases, macCase{name: value})
			continue
		}
		if len(cases) == 0 {
			continue
		}
		c := &cases[len(cases)-1]
		switch field {
		case "key", "msg":
			b, err := hex.DecodeString(value)
			if err != nil {
				t.Fatalf("%s: %s: %v", c.name, field, err)
			}
			if field == "key" {
				c.key = b
			} else {
				c.msg = b
			}
		case "seq":
			n, err := strconv.ParseUint(value, 10, 32)
			if err != nil {
				t.Fatalf("%s: seq: %v", c.name, err)
			}
			c.seq = uint32(n)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 4 {
		t.Fatalf("read %d cases, want 4", len(cases))
	}
	return cases
}

// TestSignMatchesImpacket signs a request and a reply, under the
// challenge/response key and the NTLMSSP key, and compares the bytes with
// what impacket's independent implementation sent.
func TestSignMatchesImpacket(t *testing.T) {
	for _, c := range impacketMACs(t) {
		t.Run(c.name, func(t *testing.T) {
			msg := bytes.Clone(c.msg)
			clear(msg[14:22])
			Sign(c.key, msg, c.seq)
			if !bytes.Equal(msg, c.msg) {
				t.Fatalf("signed message\n got %x\nwant %x", msg, c.msg)
			}
			if !VerifySignature(c.key, msg, c.seq) {
				t.Fatal("VerifySignature refuses impacket's signature")
			}
			if !bytes.Equal(msg, c.msg) {
				t.Fatal("VerifySignature changed the message")
			}
			if VerifySignature(c.key, msg, c.seq+1) {
				t.Fatal("VerifySignature accepts the next sequence number")
			}
			msg[len(msg)-1] ^= 1
			if VerifySignature(c.key, msg, c.seq) {
				t.Fatal("VerifySignature accepts a changed message")
			}
		})
	}
}

func TestSignSetsFlag(t *testing.T) {
	c := impacketMACs(t)[0]
	msg := bytes.Clone(c.msg)
	Header(msg).SetFlags2(Header(msg).Flags2() &^ Flags2SecuritySignature)
	Sign(c.key, msg, c.seq)
	if !bytes.Equal(msg, c.msg) {
		t.Fatalf("Sign did not set SMB_FLAGS2_SMB_SECURITY_SIGNATURE:\n got %x\nwant %x", msg, c.msg)
	}
}

func TestMACKey(t *testing.T) {
	var sk [16]byte
	for i := range sk {
		sk[i] = byte(0x10 + i)
	}
	nt := make([]byte, 24)
	for i := range nt {
		nt[i] = byte(0xa0 + i)
	}
	cases := impacketMACs(t)
	if got := MACKey(sk, nt); !bytes.Equal(got, cases[0].key) {
		t.Errorf("challenge/response MAC key = %x, want %x", got, cases[0].key)
	}
	if got := MACKey(sk, nil); !bytes.Equal(got, cases[2].key) {
		t.Errorf("NTLMSSP MAC key = %x, want %x", got, cases[2].key)
	}
}

func TestSignNoAllocs(t *testing.T) {
	c := impacketMACs(t)[1]
	msg := bytes.Clone(c.msg)
	if n := testing.AllocsPerRun(100, func() {
		Sign(c.key, msg, c.seq)
		if !VerifySignature(c.key, msg, c.seq) {
			panic("bad signature")
		}
	}); n != 0 {
		t.Fatalf("Sign and VerifySignature: %v allocations, want 0", n)
	}
}

func BenchmarkSign64K(b *testing.B) {
	msg := make([]byte, HeaderLen+65536)
	copy(msg, ProtocolSMB1[:])
	key := make([]byte, 16)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		Sign(key, msg, 3)
	}
}

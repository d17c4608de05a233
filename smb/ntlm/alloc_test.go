package ntlm

import (
	"testing"
)

func TestParseDoesNotAllocate(t *testing.T) {
	neg := readHex(t, "negotiate_client.hex")
	chal := readHex(t, "challenge_v2_spec.hex")
	auth := readHex(t, "authenticate_v2_mic.hex")
	init, resp, _, _ := seedExchange(t)
	buf := make([]byte, 0, 256)
	var sink int
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"ParseAuthenticate", func() {
			a, err := ParseAuthenticate(auth)
			if err != nil {
				t.Fatal(err)
			}
			sink += len(a.LMResponse()) + len(a.NTResponse()) + len(a.DomainName()) + len(a.UserName()) +
				len(a.Workstation()) + len(a.EncryptedRandomSessionKey()) + len(a.MIC()) + int(a.Flags())
			v, _ := a.NTLMv2Info().Lookup(MsvAvTargetName)
			buf = AppendDecodedString(buf[:0], v, true)
			buf = AppendDecodedString(buf[:0], a.UserName(), true)
		}},
		{"ParseNegTokenInit", func() {
			tok, err := ParseNegTokenInit(init)
			if err != nil {
				t.Fatal(err)
			}
			for oid := range tok.MechTypes.All() {
				sink += len(oid)
			}
			if !tok.MechTypes.Contains(OIDNTLMSSP) || string(tok.MechTypes.First()) != OIDNTLMSSP {
				t.Fatal("NTLMSSP not found")
			}
			sink += len(tok.MechToken)
		}},
		{"ParseNegTokenResp", func() {
			r, err := ParseNegTokenResp(resp)
			if err != nil {
				t.Fatal(err)
			}
			sink += len(r.ResponseToken) + len(r.MechListMIC)
		}},
		{"ParseChallenge", func() {
			c, err := ParseChallenge(chal)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := c.TargetInfo().Lookup(MsvAvNbComputerName)
			sink += len(v) + len(c.TargetName())
		}},
		{"ParseNegotiate", func() {
			n, err := ParseNegotiate(neg)
			if err != nil {
				t.Fatal(err)
			}
			sink += int(n.Flags()) + len(n.DomainName())
		}},
		{"parse errors", func() {
			_, err1 := ParseAuthenticate(auth[:40])
			_, err2 := ParseNegTokenInit(init[:20])
			_, err3 := ParseNegTokenResp([]byte{0xa1, 0x80})
			if err1 == nil || err2 == nil || err3 == nil {
				t.Fatal("truncated input parsed")
			}
		}},
	} {
		if n := testing.AllocsPerRun(100, c.f); n != 0 {
			t.Errorf("%s: %v allocations, want 0", c.name, n)
		}
	}
	_ = sink
}

func BenchmarkParseAuthenticate(b *testing.B) {
	auth := readHex(b, "authenticate_v2_mic.hex")
	b.ReportAllocs()
	b.SetBytes(int64(len(auth)))
	for b.Loop() {
		a, err := ParseAuthenticate(auth)
		if err != nil || !a.MICPresent() {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseNegTokenInit(b *testing.B) {
	init, _, _, _ := seedExchange(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(init)))
	for b.Loop() {
		tok, err := ParseNegTokenInit(init)
		if err != nil || !tok.MechTypes.Contains(OIDNTLMSSP) {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseNegTokenResp(b *testing.B) {
	_, resp, _, _ := seedExchange(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(resp)))
	for b.Loop() {
		if _, err := ParseNegTokenResp(resp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyNTLMv2(b *testing.B) {
	nt := NTHash("secret")
	resp, _, _ := NTLMv2Response(nil, nt, "alice", "WORKGROUP", specServerChallenge, specClientChallenge, 1, make([]byte, 100))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := VerifyNTLMv2(nt, "alice", "WORKGROUP", specServerChallenge, resp); !ok {
			b.Fatal("rejected")
		}
	}
}

// BenchmarkServerExchange is a whole SPNEGO logon, server side.
func BenchmarkServerExchange(b *testing.B) {
	init, resp, _, _ := seedExchange(b)
	cfg := testConfig(true)
	b.ReportAllocs()
	for b.Loop() {
		s := NewServerSession(cfg)
		if _, _, err := s.Step(init); err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.Step(resp); err != nil {
			b.Fatal(err)
		}
	}
}

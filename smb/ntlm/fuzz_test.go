package ntlm

import (
	"bytes"
	"testing"
)

// seedExchange returns the tokens of a successful SPNEGO exchange with
// testConfig(true), which is deterministic, so fuzzing starts from inputs
// that reach the verification code.
func seedExchange(t testing.TB) (init, resp, rawNeg, rawAuth []byte) {
	s := NewServerSession(testConfig(true))
	rawNeg = AppendNegotiate(nil, winFlags, "", "")
	init = AppendNegTokenInit(nil, rawNeg, OIDNTLMSSP)
	out, _, err := s.Step(init)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ParseNegTokenResp(out)
	ch, _ := ParseChallenge(r.ResponseToken)
	rawAuth, key := AppendClientAuthenticate(nil, rawNeg, ch, aliceParams("secret"))
	der, _ := ParseNegTokenInit(init)
	mic, _ := mechListMIC(ch.Flags(), key, true, der.MechTypesDER)
	resp = AppendNegTokenRespMIC(nil, AcceptIncomplete, false, rawAuth, mic[:])
	return init, resp, rawNeg, rawAuth
}

func TestSeedExchange(t *testing.T) {
	init, resp, _, _ := seedExchange(t)
	s := NewServerSession(testConfig(true))
	s.Step(init)
	if _, res, err := s.Step(resp); err != nil || res.State != StateDone {
		t.Fatalf("seed exchange fails: %v", err)
	}
}

func FuzzParseNegotiate(f *testing.F) {
	f.Add(readHex(f, "negotiate_client.hex"))
	f.Add(AppendNegotiate(nil, winFlags|NegotiateVersion, "DOMAIN", "WS"))
	f.Add([]byte(Signature + "\x01\x00\x00\x00\x00\x30\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseNegotiate(b)
		if err != nil {
			return
		}
		_ = n.Flags()
		_ = n.DomainName()
		_ = n.Workstation()
		_, _ = n.Version()
	})
}

func FuzzParseChallenge(f *testing.F) {
	f.Add(readHex(f, "challenge_v2_spec.hex"))
	f.Add(readHex(f, "challenge_v1_spec.hex"))
	f.Add(AppendChallenge(nil, ChallengeParams{Flags: NegotiateUnicode | NegotiateTargetInfo | NegotiateVersion,
		TargetName: "T", NetBIOSDomain: "D", NetBIOSComputer: "C", DNSDomain: "d", DNSComputer: "c", Timestamp: 1}))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseChallenge(b)
		if err != nil {
			return
		}
		_ = c.Flags()
		_ = c.ServerChallenge()
		_ = AppendDecodedString(nil, c.TargetName(), true)
		_, _ = c.Version()
		for id := uint16(0); id <= MsvAvChannelBindings; id++ {
			_, _ = c.TargetInfo().Lookup(id)
		}
		// Answering any valid challenge must not panic either.
		AppendClientAuthenticate(nil, nil, c, aliceParams("x"))
	})
}

func FuzzParseAuthenticate(f *testing.F) {
	f.Add(readHex(f, "authenticate_v2_mic.hex"))
	f.Add(readHex(f, "authenticate_v1_ess.hex"))
	_, _, _, auth := seedExchange(f)
	f.Add(auth)
	f.Add(readHex(f, "impacket_authenticate_v2.hex"))
	f.Add(readHex(f, "impacket_authenticate_ntlm2.hex"))
	f.Add(AppendAuthenticate(nil, AuthenticateParams{Flags: NegotiateOEM, User: "u", LMResponse: []byte{0}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAuthenticate(b)
		if err != nil {
			return
		}
		_ = a.Flags()
		for _, fld := range [][]byte{a.LMResponse(), a.NTResponse(), a.DomainName(), a.UserName(), a.Workstation(), a.EncryptedRandomSessionKey()} {
			_ = AppendDecodedString(nil, fld, true)
			_ = AppendDecodedString(nil, fld, false)
		}
		_, _ = a.Version()
		if a.MICPresent() != (a.MIC() != nil) {
			t.Fatal("MICPresent and MIC disagree")
		}
		_, _ = a.NTLMv2Info().Lookup(MsvAvFlags)
		VerifyChallengeResponse(NTHash("secret"), "u", "d", specServerChallenge, a.LMResponse(), a.NTResponse(), true)
	})
}

func FuzzParseNegTokenInit(f *testing.F) {
	init, _, _, _ := seedExchange(f)
	f.Add(init)
	f.Add(AppendNegTokenInitHint(nil))
	f.Add(AppendNegTokenInit(nil, []byte("krb"), OIDMSKerberos, OIDKerberos, OIDNTLMSSP))
	f.Add(unhex(f, "6081 2d 06 06 2b0601050502 a081 22 3081 1f a0 0c 30 0a 06 08 2a864886f7120102 a1 04 03 02 0000 a2 03 04 01 55 a3 04 04 02 abcd"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tok, err := ParseNegTokenInit(b)
		if err != nil {
			return
		}
		var mechs []string
		for oid := range tok.MechTypes.All() {
			mechs = append(mechs, string(oid))
		}
		_ = tok.MechTypes.First()
		_ = tok.MechTypes.Contains(OIDNTLMSSP)
		// Re-encoding what was understood must parse back to the same.
		again, err := ParseNegTokenInit(AppendNegTokenInit(nil, tok.MechToken, mechs...))
		if err != nil {
			t.Fatalf("re-encoded token does not parse: %v", err)
		}
		if !bytes.Equal(again.MechToken, tok.MechToken) || !bytes.Equal(again.MechTypes, tok.MechTypes) {
			t.Fatalf("round trip changed the token: %+v vs %+v", again, tok)
		}
	})
}

func FuzzParseNegTokenResp(f *testing.F) {
	_, resp, _, _ := seedExchange(f)
	f.Add(resp)
	f.Add(AppendNegTokenResp(nil, AcceptCompleted, false, nil))
	f.Add(AppendNegTokenResp(nil, RequestMIC, true, nil))
	f.Add(unhex(f, "a108 3006 a204 0402 abcd"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseNegTokenResp(b)
		if err != nil {
			return
		}
		if !r.HasNegState || (r.SupportedMech != nil && string(r.SupportedMech) != OIDNTLMSSP) {
			return // not expressible by the encoder
		}
		again, err := ParseNegTokenResp(AppendNegTokenRespMIC(nil, r.NegState, r.SupportedMech != nil, r.ResponseToken, r.MechListMIC))
		if err != nil {
			t.Fatalf("re-encoded token does not parse: %v", err)
		}
		if again.NegState != r.NegState || !bytes.Equal(again.SupportedMech, r.SupportedMech) ||
			!bytes.Equal(again.ResponseToken, r.ResponseToken) || !bytes.Equal(again.MechListMIC, r.MechListMIC) {
			t.Fatalf("round trip changed the token: %+v vs %+v", again, r)
		}
	})
}

func FuzzServerSessionStep(f *testing.F) {
	init, resp, rawNeg, rawAuth := seedExchange(f)
	f.Add(init, resp)
	f.Add(rawNeg, rawAuth)
	f.Add(AppendNegTokenInit(nil, []byte("krb"), OIDMSKerberos, OIDNTLMSSP), AppendNegTokenResp(nil, AcceptIncomplete, false, rawNeg))
	f.Add([]byte{}, []byte{0x60})
	f.Fuzz(func(t *testing.T, first, second []byte) {
		cfg := testConfig(true)
		cfg.AllowNTLMv1 = true
		s := NewServerSession(cfg)
		for _, tok := range [][]byte{first, second, first} {
			out, res, err := s.Step(tok)
			switch {
			case err != nil && (res.State != StateFailed || out != nil):
				t.Fatalf("failed step with state %d and output %x", res.State, out)
			case err == nil && res.State != StateContinue && res.State != StateDone:
				t.Fatalf("successful step with state %d", res.State)
			case err == nil && res.State == StateDone && !res.Anonymous && res.User == "":
				t.Fatal("authenticated without a user name")
			}
		}
	})
}

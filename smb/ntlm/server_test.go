package ntlm

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
)

// winFlags are the NEGOTIATE flags of a Windows client: 56, KEY_EXCH, 128,
// VERSION, ESS, ALWAYS_SIGN, NTLM, LM_KEY, SIGN, REQUEST_TARGET, OEM,
// UNICODE.
const winFlags uint32 = 0xe2088297

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func testConfig(withClock bool) ServerConfig {
	cfg := ServerConfig{
		NetBIOSName: "TINYSMBD",
		Domain:      "WORKGROUP",
		LookupUser: func(name string) ([16]byte, bool) {
			if strings.EqualFold(name, "alice") {
				return NTHash("secret"), true
			}
			return [16]byte{}, false
		},
		Challenge: [8]byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4},
	}
	if withClock {
		cfg.Now = func() time.Time { return testNow }
	}
	return cfg
}

func aliceParams(password string) ClientParams {
	return ClientParams{
		User: "alice", Domain: "WORKGROUP", Workstation: "CLIENT",
		NTHash:           NTHash(password),
		ClientChallenge:  specClientChallenge,
		RandomSessionKey: specRandomKey,
		Timestamp:        FileTime(testNow),
	}
}

// startSPNEGO sends a NegTokenInit carrying NEGOTIATE and returns the parsed
// CHALLENGE and the client's NEGOTIATE and mechTypes DER.
func startSPNEGO(t *testing.T, s *ServerSession, flags uint32) (neg []byte, ch Challenge, mechTypesDER []byte) {
	t.Helper()
	neg = AppendNegotiate(nil, flags, "", "")
	tok := AppendNegTokenInit(nil, neg, OIDNTLMSSP)
	out, res, err := s.Step(tok)
	if err != nil || res.State != StateContinue {
		t.Fatalf("NEGOTIATE step: %v, %+v", err, res)
	}
	resp, err := ParseNegTokenResp(out)
	if err != nil {
		t.Fatal(err)
	}
	if resp.NegState != AcceptIncomplete || string(resp.SupportedMech) != OIDNTLMSSP {
		t.Fatalf("first reply %+v", resp)
	}
	if ch, err = ParseChallenge(resp.ResponseToken); err != nil {
		t.Fatal(err)
	}
	init, _ := ParseNegTokenInit(tok)
	return neg, ch, init.MechTypesDER
}

func TestServerSPNEGO(t *testing.T) {
	s := NewServerSession(testConfig(true))
	neg, ch, der := startSPNEGO(t, s, winFlags)
	if ch.Flags()&NegotiateLMKey != 0 || ch.Flags()&NegotiateKeyExch == 0 || ch.Flags()&NegotiateUnicode == 0 {
		t.Errorf("challenge flags %#x", ch.Flags())
	}
	if ch.ServerChallenge() != testConfig(true).Challenge {
		t.Error("server challenge not the configured one")
	}
	if v, ok := ch.TargetInfo().Lookup(MsvAvTimestamp); !ok || binary.LittleEndian.Uint64(v) != FileTime(testNow) {
		t.Errorf("timestamp %x", v)
	}
	if v, ok := ch.TargetInfo().Lookup(MsvAvDnsComputerName); !ok || decode(v, true) != "tinysmbd" {
		t.Errorf("DNS computer name %q", decode(v, true))
	}
	auth, key := AppendClientAuthenticate(nil, neg, ch, aliceParams("secret"))
	if a, _ := ParseAuthenticate(auth); !a.MICPresent() {
		t.Fatal("client helper sent no MIC despite the timestamp")
	}
	mic, _ := mechListMIC(ch.Flags(), key, true, der)
	out, res, err := s.Step(AppendNegTokenRespMIC(nil, AcceptIncomplete, false, auth, mic[:]))
	if err != nil {
		t.Fatalf("AUTHENTICATE step: %v", err)
	}
	if res.State != StateDone || res.User != "alice" || res.Domain != "WORKGROUP" || res.Workstation != "CLIENT" ||
		res.Method != MethodNTLMv2 || res.Anonymous || res.Guest {
		t.Errorf("result %+v", res)
	}
	if res.SessionKey != key || key != specRandomKey {
		t.Errorf("session key %x, client %x", res.SessionKey, key)
	}
	final, err := ParseNegTokenResp(out)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := mechListMIC(ch.Flags(), key, false, der)
	if final.NegState != AcceptCompleted || final.SupportedMech != nil || !bytes.Equal(final.MechListMIC, want[:]) {
		t.Errorf("final reply %+v", final)
	}
	if _, _, err := s.Step(out); err != smb.StatusInvalidParameter {
		t.Errorf("Step after success: %v", err)
	}
}

func TestServerRaw(t *testing.T) {
	s := NewServerSession(testConfig(false))
	neg := AppendNegotiate(nil, NegotiateUnicode|NegotiateNTLM|NegotiateExtendedSessionSecurity|NegotiateSign, "", "")
	out, res, err := s.Step(neg)
	if err != nil || res.State != StateContinue || !IsNTLMSSP(out) {
		t.Fatalf("raw NEGOTIATE: %v %+v %x", err, res, out)
	}
	ch, err := ParseChallenge(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ch.TargetInfo().Lookup(MsvAvTimestamp); ok {
		t.Error("timestamp without a clock")
	}
	auth, key := AppendClientAuthenticate(nil, neg, ch, aliceParams("secret"))
	if a, _ := ParseAuthenticate(auth); a.MICPresent() {
		t.Error("MIC without a server timestamp")
	}
	out, res, err = s.Step(auth)
	if err != nil || res.State != StateDone || out != nil || res.SessionKey != key {
		t.Fatalf("raw AUTHENTICATE: %v %+v %x", err, res, out)
	}
}

func TestServerWrongPassword(t *testing.T) {
	s := NewServerSession(testConfig(true))
	neg, ch, _ := startSPNEGO(t, s, winFlags)
	auth, _ := AppendClientAuthenticate(nil, neg, ch, aliceParams("wrong"))
	out, res, err := s.Step(AppendNegTokenResp(nil, AcceptIncomplete, false, auth))
	if err != smb.StatusLogonFailure || res.State != StateFailed || res.Guest || out != nil || res.User != "alice" {
		t.Errorf("wrong password: %v %+v %x", err, res, out)
	}
	if _, _, err := s.Step(AppendNegTokenResp(nil, AcceptIncomplete, false, auth)); err != smb.StatusInvalidParameter {
		t.Errorf("retry on a failed session: %v", err)
	}
}

func TestServerUnknownUserGuest(t *testing.T) {
	s := NewServerSession(testConfig(true))
	neg, ch, _ := startSPNEGO(t, s, winFlags)
	p := aliceParams("whatever")
	p.User = "mallory"
	auth, _ := AppendClientAuthenticate(nil, neg, ch, p)
	_, res, err := s.Step(AppendNegTokenResp(nil, AcceptIncomplete, false, auth))
	if err != smb.StatusLogonFailure || !res.Guest || res.User != "mallory" {
		t.Errorf("unknown user: %v %+v", err, res)
	}
	r, err := ParseNegTokenResp(s.GuestToken(nil))
	if err != nil || r.NegState != AcceptCompleted {
		t.Errorf("guest token %+v %v", r, err)
	}
	raw := NewServerSession(testConfig(false))
	if got := raw.GuestToken(nil); got != nil {
		t.Errorf("raw guest token %x", got)
	}
}

func TestServerUserCaseInsensitive(t *testing.T) {
	s := NewServerSession(testConfig(false))
	neg, ch, _ := startSPNEGO(t, s, winFlags)
	p := aliceParams("secret")
	p.User = "ALICE"
	auth, _ := AppendClientAuthenticate(nil, neg, ch, p)
	if _, res, err := s.Step(AppendNegTokenResp(nil, AcceptIncomplete, false, auth)); err != nil || res.User != "ALICE" {
		t.Errorf("upper-case user: %v %+v", err, res)
	}
}

func TestServerAnonymous(t *testing.T) {
	for _, lm := range [][]byte{nil, {0}} {
		s := NewServerSession(testConfig(true))
		_, ch, _ := startSPNEGO(t, s, winFlags)
		auth := AppendAuthenticate(nil, AuthenticateParams{Flags: ch.Flags() | NegotiateAnonymous, LMResponse: lm})
		out, res, err := s.Step(AppendNegTokenResp(nil, AcceptIncomplete, false, auth))
		if err != nil || !res.Anonymous || res.State != StateDone || res.Method != MethodAnonymous || res.SessionKey != ([16]byte{}) {
			t.Errorf("anonymous (lm %x): %v %+v", lm, err, res)
		}
		if r, err := ParseNegTokenResp(out); err != nil || r.NegState != AcceptCompleted {
			t.Errorf("anonymous reply %+v %v", r, err)
		}
	}
	// An empty user with a response is not anonymous: it is an unknown user.
	s := NewServerSession(testConfig(true))
	_, ch, _ := startSPNEGO(t, s, winFlags)
	auth := AppendAuthenticate(nil, AuthenticateParams{Flags: ch.Flags(), NTResponse: make([]byte, 24)})
	if _, res, err := s.Step(AppendNegTokenResp(nil, AcceptIncomplete, false, auth)); err != smb.StatusLogonFailure || res.Anonymous {
		t.Errorf("empty user with response: %v %+v", err, res)
	}
}

// ntlm2SessionAuth builds an NTLMv1 AUTHENTICATE with extended session
// security and key exchange, as an old client would.
func ntlm2SessionAuth(ch Challenge, password string) (auth []byte, exported [16]byte) {
	nt := NTHash(password)
	c := NTLM2SessionChallenge(ch.ServerChallenge(), specClientChallenge)
	resp := desl(nt, c[:])
	lm := append(specClientChallenge[:], make([]byte, 16)...)
	kx := KeyExchangeKeyV1(NegotiateExtendedSessionSecurity, md4Sum(nt[:]), [16]byte{}, ch.ServerChallenge(), lm)
	enc := encryptSessionKey(kx, specRandomKey)
	return AppendAuthenticate(nil, AuthenticateParams{
		Flags: ch.Flags(), LMResponse: lm, NTResponse: resp[:], User: "alice", Domain: "WORKGROUP",
		EncryptedRandomSessionKey: enc[:],
	}), specRandomKey
}

func TestServerNTLMv1(t *testing.T) {
	for _, allow := range []bool{false, true} {
		cfg := testConfig(false)
		cfg.AllowNTLMv1 = allow
		s := NewServerSession(cfg)
		_, ch, _ := startSPNEGO(t, s, winFlags)
		auth, key := ntlm2SessionAuth(ch, "secret")
		_, res, err := s.Step(AppendNegTokenResp(nil, AcceptIncomplete, false, auth))
		if !allow {
			if err != smb.StatusLogonFailure {
				t.Errorf("NTLM2 session response admitted without AllowNTLMv1: %v", err)
			}
			continue
		}
		if err != nil || res.Method != MethodNTLM2Session || res.SessionKey != key {
			t.Errorf("NTLM2 session: %v %+v", err, res)
		}
	}

	// Plain NTLMv1: a client that asks for neither ESS nor KEY_EXCH.
	for _, allow := range []bool{false, true} {
		cfg := testConfig(false)
		cfg.AllowNTLMv1 = allow
		s := NewServerSession(cfg)
		out, _, err := s.Step(AppendNegotiate(nil, NegotiateUnicode|NegotiateNTLM, "", ""))
		if err != nil {
			t.Fatal(err)
		}
		ch, _ := ParseChallenge(out)
		if ch.Flags()&(NegotiateExtendedSessionSecurity|NegotiateKeyExch) != 0 {
			t.Fatalf("flags granted that were not asked for: %#x", ch.Flags())
		}
		nt := NTHash("secret")
		chal := ch.ServerChallenge()
		resp := desl(nt, chal[:])
		auth := AppendAuthenticate(nil, AuthenticateParams{Flags: ch.Flags(), NTResponse: resp[:], LMResponse: resp[:], User: "alice"})
		_, res, err := s.Step(auth)
		if !allow {
			if err != smb.StatusLogonFailure {
				t.Errorf("NTLMv1 admitted without AllowNTLMv1: %v", err)
			}
			continue
		}
		if err != nil || res.Method != MethodNTLMv1 || res.SessionKey != md4Sum(nt[:]) {
			t.Errorf("NTLMv1: %v %+v", err, res)
		}
	}
}

func TestServerOEM(t *testing.T) {
	s := NewServerSession(testConfig(false))
	neg := AppendNegotiate(nil, NegotiateOEM|NegotiateNTLM|NegotiateExtendedSessionSecurity, "", "")
	out, _, err := s.Step(neg)
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := ParseChallenge(out)
	if ch.Flags()&NegotiateUnicode != 0 || ch.Flags()&NegotiateOEM == 0 || string(ch.TargetName()) != "TINYSMBD" {
		t.Fatalf("OEM challenge %#x %q", ch.Flags(), ch.TargetName())
	}
	auth, _ := AppendClientAuthenticate(nil, neg, ch, aliceParams("secret"))
	if _, res, err := s.Step(auth); err != nil || res.User != "alice" || res.Workstation != "CLIENT" {
		t.Errorf("OEM authenticate: %v %+v", err, res)
	}
}

// A client preferring Kerberos: the server names NTLMSSP, asks for the MIC,
// and takes NEGOTIATE in the next token.
func TestServerNonPreferredMech(t *testing.T) {
	s := NewServerSession(testConfig(true))
	tok := AppendNegTokenInit(nil, []byte("a Kerberos AP-REQ"), OIDMSKerberos, OIDKerberos, OIDNTLMSSP)
	out, res, err := s.Step(tok)
	if err != nil || res.State != StateContinue {
		t.Fatalf("%v %+v", err, res)
	}
	r, err := ParseNegTokenResp(out)
	if err != nil || r.NegState != RequestMIC || string(r.SupportedMech) != OIDNTLMSSP || r.ResponseToken != nil {
		t.Fatalf("first reply %+v %v", r, err)
	}
	neg := AppendNegotiate(nil, winFlags, "", "")
	out, res, err = s.Step(AppendNegTokenResp(nil, AcceptIncomplete, false, neg))
	if err != nil || res.State != StateContinue {
		t.Fatalf("%v %+v", err, res)
	}
	r, err = ParseNegTokenResp(out)
	if err != nil || r.NegState != AcceptIncomplete || r.SupportedMech != nil {
		t.Fatalf("second reply %+v %v", r, err)
	}
	ch, err := ParseChallenge(r.ResponseToken)
	if err != nil {
		t.Fatal(err)
	}
	auth, key := AppendClientAuthenticate(nil, neg, ch, aliceParams("secret"))
	init, _ := ParseNegTokenInit(tok)
	mic, _ := mechListMIC(ch.Flags(), key, true, init.MechTypesDER)
	out, res, err = s.Step(AppendNegTokenRespMIC(nil, AcceptIncomplete, false, auth, mic[:]))
	if err != nil || res.State != StateDone {
		t.Fatalf("%v %+v", err, res)
	}
	if r, _ := ParseNegTokenResp(out); len(r.MechListMIC) != 16 {
		t.Errorf("no server mechListMIC: %+v", r)
	}
}

func TestServerTampering(t *testing.T) {
	// A changed MIC.
	s := NewServerSession(testConfig(true))
	neg, ch, der := startSPNEGO(t, s, winFlags)
	auth, key := AppendClientAuthenticate(nil, neg, ch, aliceParams("secret"))
	auth[MICOffset] ^= 1
	if _, _, err := s.Step(AppendNegTokenResp(nil, AcceptIncomplete, false, auth)); err != smb.StatusLogonFailure {
		t.Errorf("bad MIC: %v", err)
	}

	// A changed mechListMIC.
	s = NewServerSession(testConfig(true))
	neg, ch, der = startSPNEGO(t, s, winFlags)
	auth, key = AppendClientAuthenticate(nil, neg, ch, aliceParams("secret"))
	mic, _ := mechListMIC(ch.Flags(), key, true, der)
	mic[5] ^= 1
	if _, _, err := s.Step(AppendNegTokenRespMIC(nil, AcceptIncomplete, false, auth, mic[:])); err != smb.StatusLogonFailure {
		t.Errorf("bad mechListMIC: %v", err)
	}

	// MsvAvFlags says MIC but the header has no room for one: the MIC
	// was stripped, which MS-NLMP 3.2.5.1.2 forbids.
	s = NewServerSession(testConfig(true))
	_, ch, _ = startSPNEGO(t, s, winFlags)
	ti := appendAVPair(nil, MsvAvFlags, []byte{2, 0, 0, 0})
	ti = appendAVPair(ti, MsvAvEOL, nil)
	nt, _, sbk := NTLMv2Response(nil, NTHash("secret"), "alice", "WORKGROUP", ch.ServerChallenge(), specClientChallenge, 1, ti)
	enc := encryptSessionKey(sbk, specRandomKey)
	stripped := AppendAuthenticate(nil, AuthenticateParams{Flags: ch.Flags(), NTResponse: nt, LMResponse: make([]byte, 24),
		User: "alice", Domain: "WORKGROUP", EncryptedRandomSessionKey: enc[:]})
	if _, _, err := s.Step(AppendNegTokenResp(nil, AcceptIncomplete, false, stripped)); err != smb.StatusInvalidParameter {
		t.Errorf("stripped MIC: %v", err)
	}

	// KEY_EXCH negotiated but no EncryptedRandomSessionKey.
	s = NewServerSession(testConfig(false))
	_, ch, _ = startSPNEGO(t, s, winFlags)
	nt, lm, _ := NTLMv2Response(nil, NTHash("secret"), "alice", "WORKGROUP", ch.ServerChallenge(), specClientChallenge, 1, nil)
	nokey := AppendAuthenticate(nil, AuthenticateParams{Flags: ch.Flags(), NTResponse: nt, LMResponse: lm[:], User: "alice", Domain: "WORKGROUP"})
	if _, _, err := s.Step(AppendNegTokenResp(nil, AcceptIncomplete, false, nokey)); err != smb.StatusInvalidParameter {
		t.Errorf("missing session key: %v", err)
	}
}

func TestServerBadTokens(t *testing.T) {
	auth := readHex(t, "authenticate_v2_mic.hex")
	for _, c := range []struct {
		name string
		tok  []byte
		want error
	}{
		{"empty", nil, smb.StatusInvalidParameter},
		{"garbage", []byte("garbage"), smb.StatusInvalidParameter},
		{"AUTHENTICATE first", auth, smb.StatusInvalidParameter},
		{"NegTokenResp first", AppendNegTokenResp(nil, AcceptIncomplete, false, auth), smb.StatusInvalidParameter},
		{"no NTLMSSP offered", AppendNegTokenInit(nil, []byte("x"), OIDKerberos), smb.StatusLogonFailure},
		{"SPNEGO with an AUTHENTICATE inside", AppendNegTokenInit(nil, auth, OIDNTLMSSP), smb.StatusInvalidParameter},
	} {
		s := NewServerSession(testConfig(true))
		out, res, err := s.Step(c.tok)
		if err != c.want || res.State != StateFailed || out != nil {
			t.Errorf("%s: %v %+v %x", c.name, err, res, out)
		}
	}
	// A NEGOTIATE where the AUTHENTICATE belongs.
	s := NewServerSession(testConfig(true))
	neg, _, _ := startSPNEGO(t, s, winFlags)
	if _, _, err := s.Step(AppendNegTokenResp(nil, AcceptIncomplete, false, neg)); err != smb.StatusInvalidParameter {
		t.Errorf("NEGOTIATE twice: %v", err)
	}
}

func TestFileTime(t *testing.T) {
	if got := FileTime(time.Unix(0, 0)); got != 116444736000000000 {
		t.Errorf("FileTime(epoch) = %d", got)
	}
}

// Responses from a real, independent client (impacket) to the challenge
// this server sends.
func TestServerImpacket(t *testing.T) {
	for _, c := range []struct {
		file    string
		allowV1 bool
		method  Method
		key     string
	}{
		{"impacket_authenticate_v2.hex", false, MethodNTLMv2, "54644b6351663152656872756c786767"},
		{"impacket_authenticate_ntlm2.hex", true, MethodNTLM2Session, "554952653369726a46754e4a316b544d"},
		{"impacket_authenticate_ntlm2.hex", false, MethodNone, ""},
	} {
		cfg := testConfig(true)
		cfg.AllowNTLMv1 = c.allowV1
		s := NewServerSession(cfg)
		out, _, err := s.Step(AppendNegotiate(nil, winFlags, "", ""))
		if err != nil {
			t.Fatal(err)
		}
		if want := readHex(t, "server_challenge.hex"); !bytes.Equal(out, want) {
			t.Fatalf("the server's challenge changed; regenerate the impacket testdata:\n got %x\nwant %x", out, want)
		}
		_, res, err := s.Step(readHex(t, c.file))
		if c.method == MethodNone {
			if err != smb.StatusLogonFailure {
				t.Errorf("%s without AllowNTLMv1: %v", c.file, err)
			}
			continue
		}
		if err != nil || res.Method != c.method || res.User != "alice" || res.Domain != "WORKGROUP" || res.Workstation != "CLIENT" {
			t.Errorf("%s: %v %+v", c.file, err, res)
			continue
		}
		eq(t, c.file+" session key", res.SessionKey[:], c.key)
	}
}

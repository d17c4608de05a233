package ntlm

import (
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// MS-NLMP 4.2.1 common values.
var (
	specUser            = "User"
	specDomain          = "Domain"
	specPassword        = "Password"
	specServerChallenge = [8]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	specClientChallenge = [8]byte{0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa}
	specRandomKey       = [16]byte{0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55}
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// readHex loads a testdata .hex file: '#' comment lines, then whitespace
// separated hex.
func readHex(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		sb.WriteString(line)
		sb.WriteByte(' ')
	}
	return unhex(t, sb.String())
}

func eq(t *testing.T, what string, got []byte, wantHex string) {
	t.Helper()
	if want := unhex(t, wantHex); !bytes.Equal(got, want) {
		t.Errorf("%s = %x, want %x", what, got, want)
	}
}

// MS-NLMP 4.2.2.1.1, 4.2.2.1.2, 4.2.4.1.1.
func TestOneWayFunctions(t *testing.T) {
	nt := NTHash(specPassword)
	eq(t, "NTOWFv1", nt[:], "a4f49c406510bdcab6824ee7c30fd852")
	lm := LMHash(specPassword)
	eq(t, "LMOWFv1", lm[:], "e52cac67419a9a224a3b108f3fa6cb6d")
	v2 := NTOWFv2(nt, specUser, specDomain)
	eq(t, "NTOWFv2", v2[:], "0c868a403bfd7a93a3001ef22ef02e3f")
	// Well-known values outside the spec: the empty password and a
	// non-ASCII one (UTF-16 encoding, not bytes).
	empty := NTHash("")
	eq(t, "NTHash(\"\")", empty[:], "31d6cfe0d16ae931b73c59d7e0c089c0")
	if NTHash("Pässword") == NTHash("P?ssword") {
		t.Error("non-ASCII password hashed as '?'")
	}
}

// MS-NLMP 4.2.2: NTLMv1 without extended session security.
func TestNTLMv1KnownAnswers(t *testing.T) {
	nt, lm := NTHash(specPassword), LMHash(specPassword)
	ntResp := desl(nt, specServerChallenge[:])
	eq(t, "NTLMv1 response (4.2.2.2.1)", ntResp[:], "67c43011f30298a2ad35ece64f16331c44bdbed927841f94")
	lmResp := desl(lm, specServerChallenge[:])
	eq(t, "LMv1 response (4.2.2.2.2)", lmResp[:], "98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13")

	sbk, ok := VerifyNTLMv1(nt, specServerChallenge, ntResp[:])
	if !ok {
		t.Fatal("VerifyNTLMv1 rejected the spec response")
	}
	eq(t, "SessionBaseKey (4.2.2.1.3)", sbk[:], "d87262b0cde4b1cb7499becccdf10784")
	if _, ok := VerifyNTLMv1(NTHash("password"), specServerChallenge, ntResp[:]); ok {
		t.Error("VerifyNTLMv1 accepted a wrong password")
	}
	lmKey, ok := VerifyLM(lm, specServerChallenge, lmResp[:])
	if !ok {
		t.Fatal("VerifyLM rejected the spec response")
	}
	eq(t, "LM session key", lmKey[:], "e52cac67419a9a220000000000000000")

	for _, c := range []struct {
		name        string
		flags       uint32
		kx, encrypt string
	}{
		// 4.2.2.1.3 and 4.2.2.2.3.
		{"plain", 0, "d87262b0cde4b1cb7499becccdf10784", "518822b1b3f350c8958682ecbb3e3cb7"},
		// 4.2.2.2.2's LM_KEY variant.
		{"LM_KEY", NegotiateLMKey, "b09e379f7fbecb1eaf0afdcb0383c8a0", "4cd7bb57d697ef9b549f02b8f9b37864"},
		// 3.4.5.1 with NON_NT_SESSION_KEY.
		{"NON_NT", RequestNonNTSessionKey, "e52cac67419a9a220000000000000000", "7452ca55c225a1ca04b48fae32cf56fc"},
	} {
		kx := KeyExchangeKeyV1(c.flags, sbk, lm, specServerChallenge, lmResp[:])
		eq(t, c.name+" KeyExchangeKey", kx[:], c.kx)
		enc := encryptSessionKey(kx, specRandomKey)
		eq(t, c.name+" EncryptedRandomSessionKey", enc[:], c.encrypt)
		exp, ok := ExportedSessionKey(NegotiateKeyExch, kx, enc[:])
		if !ok || exp != specRandomKey {
			t.Errorf("%s: ExportedSessionKey = %x, %v; want the random session key", c.name, exp, ok)
		}
	}
}

// MS-NLMP 4.2.3: NTLMv1 with extended session security.
func TestNTLM2SessionKnownAnswers(t *testing.T) {
	nt := NTHash(specPassword)
	lmResp := unhex(t, "aaaaaaaaaaaaaaaa00000000000000000000000000000000") // 4.2.3.2.1
	ntResp := unhex(t, "7537f803ae367128ca458204bde7caf81e97ed2683267232") // 4.2.3.2.2
	c := NTLM2SessionChallenge(specServerChallenge, specClientChallenge)
	got := desl(nt, c[:])
	eq(t, "NTLM2 session response", got[:], hex.EncodeToString(ntResp))

	sbk, ok := VerifyNTLM2Session(nt, specServerChallenge, lmResp, ntResp)
	if !ok {
		t.Fatal("VerifyNTLM2Session rejected the spec response")
	}
	eq(t, "SessionBaseKey (4.2.3.1.2)", sbk[:], "d87262b0cde4b1cb7499becccdf10784")
	kx := KeyExchangeKeyV1(NegotiateExtendedSessionSecurity, sbk, [16]byte{}, specServerChallenge, lmResp)
	eq(t, "KeyExchangeKey (4.2.3.1.3)", kx[:], "eb93429a8bd952f8b89c55b87f475edc")
	if _, ok := VerifyNTLMv1(nt, specServerChallenge, ntResp); ok {
		t.Error("an NTLM2 session response verified as plain NTLMv1")
	}
	bad := bytes.Clone(lmResp)
	bad[0] ^= 1
	if _, ok := VerifyNTLM2Session(nt, specServerChallenge, bad, ntResp); ok {
		t.Error("VerifyNTLM2Session accepted a changed client challenge")
	}
}

// specTargetInfo is 4.2.4's TargetInfo: MsvAvNbDomainName "Domain",
// MsvAvNbComputerName "Server", MsvAvEOL.
const specTargetInfo = "02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000"

// MS-NLMP 4.2.4: NTLMv2.
func TestNTLMv2KnownAnswers(t *testing.T) {
	nt := NTHash(specPassword)
	ti := unhex(t, specTargetInfo)
	ntResp, lmResp, sbk := NTLMv2Response(nil, nt, specUser, specDomain, specServerChallenge, specClientChallenge, 0, ti)
	eq(t, "NTLMv2 response (4.2.4.2.2)", ntResp,
		"68cd0ab851e51c96aabc927bebef6a1c 0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000"+specTargetInfo+"00000000")
	eq(t, "LMv2 response (4.2.4.2.1)", lmResp[:], "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa")
	eq(t, "SessionBaseKey (4.2.4.1.2)", sbk[:], "8de40ccadbc14a82f15cb0ad0de95ca3")
	enc := encryptSessionKey(sbk, specRandomKey)
	eq(t, "EncryptedRandomSessionKey (4.2.4.2.3)", enc[:], "c5dad2544fc9799094ce1ce90bc9d03e")

	got, ok := VerifyNTLMv2(nt, specUser, specDomain, specServerChallenge, ntResp)
	if !ok || got != sbk {
		t.Fatalf("VerifyNTLMv2 = %x, %v; want %x", got, ok, sbk)
	}
	// NTOWFv2 upper-cases the user name only.
	if _, ok := VerifyNTLMv2(nt, "USER", specDomain, specServerChallenge, ntResp); !ok {
		t.Error("user name case mattered")
	}
	if _, ok := VerifyNTLMv2(nt, specUser, "Other", specServerChallenge, ntResp); ok {
		t.Error("VerifyNTLMv2 accepted another domain")
	}
	if _, ok := VerifyNTLMv2(NTHash("password"), specUser, specDomain, specServerChallenge, ntResp); ok {
		t.Error("VerifyNTLMv2 accepted a wrong password")
	}
	if _, ok := VerifyNTLMv2(nt, specUser, specDomain, [8]byte{}, ntResp); ok {
		t.Error("VerifyNTLMv2 accepted another server challenge")
	}
	lmKey, ok := VerifyLMv2(nt, specUser, specDomain, specServerChallenge, lmResp[:])
	if !ok {
		t.Fatal("VerifyLMv2 rejected the spec response")
	}
	if lmKey == ([16]byte{}) {
		t.Error("LMv2 gave a zero session key")
	}
	enc2, _ := ExportedSessionKey(NegotiateKeyExch, sbk, enc[:])
	if enc2 != specRandomKey {
		t.Errorf("ExportedSessionKey = %x", enc2)
	}
	if _, ok := ExportedSessionKey(NegotiateKeyExch, sbk, enc[:15]); ok {
		t.Error("a 15-byte EncryptedRandomSessionKey was accepted")
	}
}

// Samba tries the domain as given, empty and upper-cased; clients differ in
// which they hash.
func TestNTLMv2DomainVariants(t *testing.T) {
	nt := NTHash(specPassword)
	for _, hashed := range []string{"Workgroup", "", "WORKGROUP"} {
		resp, lm, want := NTLMv2Response(nil, nt, "alice", hashed, specServerChallenge, specClientChallenge, 1, nil)
		got, ok := VerifyNTLMv2(nt, "alice", "Workgroup", specServerChallenge, resp)
		if !ok || got != want {
			t.Errorf("hashed with %q: ok=%v", hashed, ok)
		}
		if _, ok := VerifyLMv2(nt, "alice", "Workgroup", specServerChallenge, lm[:]); !ok {
			t.Errorf("LMv2 hashed with %q rejected", hashed)
		}
	}
	resp, _, _ := NTLMv2Response(nil, nt, "alice", "workgroup", specServerChallenge, specClientChallenge, 1, nil)
	if _, ok := VerifyNTLMv2(nt, "alice", "WORKGROUP", specServerChallenge, resp); ok {
		t.Error("a lower-cased domain matched an upper-case one; only the three variants may")
	}
}

func TestVerifyChallengeResponse(t *testing.T) {
	nt := NTHash(specPassword)
	chal := specServerChallenge
	v2, lmv2, v2key := NTLMv2Response(nil, nt, specUser, specDomain, chal, specClientChallenge, 5, nil)
	v1 := desl(nt, chal[:])
	v1key := md4Sum(nt[:])
	lm := desl(LMHash(specPassword), chal[:])
	wrong := NTHash("wrong")

	cases := []struct {
		name     string
		hash     [16]byte
		lm, nt   []byte
		allowV1  bool
		ok       bool
		key      [16]byte
		checkKey bool
	}{
		{"v2", nt, lmv2[:], v2, false, true, v2key, true},
		{"v2 without LM", nt, nil, v2, false, true, v2key, true},
		{"v2 wrong password", wrong, lmv2[:], v2, true, false, [16]byte{}, false},
		// A wrong NTLMv2 response does not fall back to a valid LMv2 one.
		{"v2 bad, LMv2 good", nt, lmv2[:], append(bytes.Clone(v2[:16]), 0, 0, 0, 0, 0, 0, 0, 0, 0), false, false, [16]byte{}, false},
		{"LMv2 only", nt, lmv2[:], nil, false, true, [16]byte{}, false},
		{"v1 refused", nt, lm[:], v1[:], false, false, [16]byte{}, false},
		{"v1 allowed", nt, lm[:], v1[:], true, true, v1key, true},
		{"v1 in LM field", nt, v1[:], nil, true, true, v1key, true},
		{"v1 in LM field refused", nt, v1[:], nil, false, false, [16]byte{}, false},
		{"v1 wrong password", wrong, lm[:], v1[:], true, false, [16]byte{}, false},
		{"nothing", nt, nil, nil, true, false, [16]byte{}, false},
		// A real LM response cannot be checked from the NT hash.
		{"LM only", nt, lm[:], nil, true, false, [16]byte{}, false},
	}
	for _, c := range cases {
		key, ok := VerifyChallengeResponse(c.hash, specUser, specDomain, chal, c.lm, c.nt, c.allowV1)
		if ok != c.ok {
			t.Errorf("%s: ok = %v, want %v", c.name, ok, c.ok)
			continue
		}
		if c.checkKey && key != c.key {
			t.Errorf("%s: key = %x, want %x", c.name, key, c.key)
		}
	}
}

// MS-NLMP 4.2.4.1.4-5 style key derivation with the 4.2.1 random session
// key, cross-checked against several independent implementations.
func TestDeriveSessionKeys(t *testing.T) {
	k := DeriveSessionKeys(NegotiateExtendedSessionSecurity|Negotiate128, specRandomKey)
	eq(t, "client signing key", k.ClientSigning[:], "4788dc861b4782f35d43fd98fe1a2d39")
	eq(t, "server signing key", k.ServerSigning[:], "d04d6f10741041d1d246d64188d7a8ad")
	eq(t, "client sealing key", k.ClientSealing[:], "59f600973cc4960a25480a7c196e4c58")
	eq(t, "server sealing key", k.ServerSealing[:], "9355f3a957c1583d25c4c2f11e40390e")
	k56 := DeriveSessionKeys(NegotiateExtendedSessionSecurity|Negotiate56, specRandomKey)
	k40 := DeriveSessionKeys(NegotiateExtendedSessionSecurity, specRandomKey)
	if k56.ClientSealing == k.ClientSealing || k40.ClientSealing == k56.ClientSealing || k40.ClientSigning != k.ClientSigning {
		t.Error("sealing key strength ignored, or signing key depends on it")
	}
}

func TestSignature(t *testing.T) {
	plaintext := unhex(t, "50006c00610069006e007400650078007400") // "Plaintext"
	var signKey, sealKey [16]byte
	copy(signKey[:], unhex(t, "4788dc861b4782f35d43fd98fe1a2d39"))
	copy(sealKey[:], unhex(t, "59f600973cc4960a25480a7c196e4c58"))
	// Without KEY_EXCH the checksum is the bare HMAC.
	sig := signature(signKey, nil, 0, plaintext)
	eq(t, "signature", sig[:], "0100000070352851f256430900000000")
	// MS-NLMP 4.2.4.4: sealing "Plaintext" with KEY_EXCH runs the sealing
	// RC4 over the message first, then over the checksum.
	c := newRC4(sealKey[:])
	sealed := make([]byte, len(plaintext))
	c.XORKeyStream(sealed, plaintext)
	eq(t, "sealed", sealed, "54e50165bf1936dc996020c1811b0f06fb5f")
	sig = signature(signKey, c, 0, plaintext)
	eq(t, "sealed signature", sig[:], "010000007fb38ec5c55d497600000000")
}

// The MIC of an AUTHENTICATE_MESSAGE built by another implementation.
func TestComputeMIC(t *testing.T) {
	neg := readHex(t, "negotiate_client.hex")
	chal := readHex(t, "challenge_v2_spec.hex")
	auth := readHex(t, "authenticate_v2_mic.hex")
	a, err := ParseAuthenticate(auth)
	if err != nil {
		t.Fatal(err)
	}
	sbk, ok := VerifyNTLMv2(NTHash(specPassword), specUser, specDomain, specServerChallenge, a.NTResponse())
	if !ok {
		t.Fatal("NTLMv2 response rejected")
	}
	eq(t, "session base key", sbk[:], "623dbd071be7a530b6a95c2eb4982470")
	if !a.MICPresent() {
		t.Fatal("MIC not detected")
	}
	mic := computeMIC(sbk, neg, chal, auth)
	eq(t, "MIC", mic[:], hex.EncodeToString(a.MIC()))
}

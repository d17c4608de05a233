package ntlm

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func decode(raw []byte, unicode bool) string { return string(AppendDecodedString(nil, raw, unicode)) }

func TestParseChallengeSpec(t *testing.T) {
	b := readHex(t, "challenge_v2_spec.hex")
	c, err := ParseChallenge(b)
	if err != nil {
		t.Fatal(err)
	}
	if c.Flags() != 0xe28a8233 {
		t.Errorf("flags = %#x", c.Flags())
	}
	if c.ServerChallenge() != specServerChallenge {
		t.Errorf("challenge = %x", c.ServerChallenge())
	}
	if got := decode(c.TargetName(), true); got != "Server" {
		t.Errorf("target name = %q", got)
	}
	if v, ok := c.Version(); !ok || v != [8]byte{6, 0, 0x70, 0x17, 0, 0, 0, 15} {
		t.Errorf("version = %x, %v", v, ok)
	}
	info := c.TargetInfo()
	eq(t, "target info", info, specTargetInfo)
	if v, ok := info.Lookup(MsvAvNbComputerName); !ok || decode(v, true) != "Server" {
		t.Errorf("MsvAvNbComputerName = %q, %v", v, ok)
	}
	if v, ok := info.Lookup(MsvAvNbDomainName); !ok || decode(v, true) != "Domain" {
		t.Errorf("MsvAvNbDomainName = %q, %v", v, ok)
	}
	if _, ok := info.Lookup(MsvAvTimestamp); ok {
		t.Error("found a timestamp that is not there")
	}

	v1, err := ParseChallenge(readHex(t, "challenge_v1_spec.hex"))
	if err != nil {
		t.Fatal(err)
	}
	if v1.Flags() != 0x820a8233 || v1.TargetInfo() != nil || decode(v1.TargetName(), true) != "Server" {
		t.Errorf("v1 challenge: flags %#x info %x", v1.Flags(), v1.TargetInfo())
	}
}

// AppendChallenge reproduces the spec's CHALLENGE_MESSAGE byte for byte
// (but for the Version contents, which are informational).
func TestAppendChallengeSpec(t *testing.T) {
	want := readHex(t, "challenge_v2_spec.hex")
	got := AppendChallenge(nil, ChallengeParams{
		Flags:           0xe28a8233,
		ServerChallenge: specServerChallenge,
		TargetName:      "Server",
		NetBIOSDomain:   "Domain",
		NetBIOSComputer: "Server",
	})
	copy(got[48:56], want[48:56])
	if !bytes.Equal(got, want) {
		t.Errorf("AppendChallenge:\n got %x\nwant %x", got, want)
	}
}

func TestChallengeRoundTrip(t *testing.T) {
	p := ChallengeParams{
		Flags:           NegotiateUnicode | NegotiateNTLM | NegotiateTargetInfo | NegotiateVersion | TargetTypeServer,
		ServerChallenge: [8]byte{1, 2, 3, 4, 5, 6, 7, 8},
		TargetName:      "TINYSMBD",
		NetBIOSDomain:   "WORKGROUP",
		NetBIOSComputer: "TINYSMBD",
		DNSDomain:       "example.org",
		DNSComputer:     "nas.example.org",
		Timestamp:       0x01d2d400fdc80b80,
	}
	prefix := []byte("prefix")
	b := AppendChallenge(bytes.Clone(prefix), p)
	if !bytes.HasPrefix(b, prefix) {
		t.Fatal("prefix clobbered")
	}
	c, err := ParseChallenge(b[len(prefix):])
	if err != nil {
		t.Fatal(err)
	}
	if c.Flags() != p.Flags || c.ServerChallenge() != p.ServerChallenge || decode(c.TargetName(), true) != p.TargetName {
		t.Errorf("header mismatch: %#x %x %q", c.Flags(), c.ServerChallenge(), decode(c.TargetName(), true))
	}
	if v, ok := c.Version(); !ok || v != defaultVersion {
		t.Errorf("version %x %v", v, ok)
	}
	for id, want := range map[uint16]string{
		MsvAvNbDomainName:    p.NetBIOSDomain,
		MsvAvNbComputerName:  p.NetBIOSComputer,
		MsvAvDnsDomainName:   p.DNSDomain,
		MsvAvDnsComputerName: p.DNSComputer,
	} {
		if v, ok := c.TargetInfo().Lookup(id); !ok || decode(v, true) != want {
			t.Errorf("AV %d = %q, %v; want %q", id, decode(v, true), ok, want)
		}
	}
	if v, ok := c.TargetInfo().Lookup(MsvAvTimestamp); !ok || binary.LittleEndian.Uint64(v) != p.Timestamp {
		t.Errorf("timestamp %x %v", v, ok)
	}
	// OEM target name and no target info.
	p.Flags = NegotiateOEM | NegotiateNTLM
	c, err = ParseChallenge(AppendChallenge(nil, p))
	if err != nil {
		t.Fatal(err)
	}
	if string(c.TargetName()) != "TINYSMBD" || c.TargetInfo() != nil {
		t.Errorf("OEM challenge: %q %x", c.TargetName(), c.TargetInfo())
	}
	if _, ok := c.Version(); ok {
		t.Error("version reported without NegotiateVersion")
	}
}

func TestNegotiateRoundTrip(t *testing.T) {
	b := readHex(t, "negotiate_client.hex")
	n, err := ParseNegotiate(b)
	if err != nil {
		t.Fatal(err)
	}
	if n.Flags() != 0x00088207 || n.DomainName() != nil || n.Workstation() != nil {
		t.Errorf("flags %#x", n.Flags())
	}
	if _, ok := n.Version(); ok {
		t.Error("version without flag")
	}
	// The 16-byte form old clients send.
	if _, err := ParseNegotiate(b[:16]); err != nil {
		t.Errorf("16-byte NEGOTIATE: %v", err)
	}

	b = AppendNegotiate(nil, NegotiateUnicode|NegotiateNTLM|NegotiateVersion, "WORKGROUP", "CLIENT")
	n, err = ParseNegotiate(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(n.DomainName()) != "WORKGROUP" || string(n.Workstation()) != "CLIENT" {
		t.Errorf("domain %q workstation %q", n.DomainName(), n.Workstation())
	}
	if n.Flags()&(NegotiateOEMDomainSupplied|NegotiateOEMWorkstationSupplied) == 0 {
		t.Error("SUPPLIED flags not set")
	}
	if v, ok := n.Version(); !ok || v != defaultVersion {
		t.Errorf("version %x %v", v, ok)
	}
}

func TestParseAuthenticateForeign(t *testing.T) {
	a, err := ParseAuthenticate(readHex(t, "authenticate_v2_mic.hex"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Flags() != 0x00088203 || !a.HasFlags() {
		t.Errorf("flags %#x", a.Flags())
	}
	for _, c := range []struct{ name, got, want string }{
		{"user", decode(a.UserName(), true), "User"},
		{"domain", decode(a.DomainName(), true), "Domain"},
		{"workstation", decode(a.Workstation(), true), "COMPUTER"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if len(a.LMResponse()) != 24 || len(a.NTResponse()) != 138 || a.EncryptedRandomSessionKey() != nil {
		t.Errorf("lengths lm %d nt %d key %d", len(a.LMResponse()), len(a.NTResponse()), len(a.EncryptedRandomSessionKey()))
	}
	if _, ok := a.Version(); ok {
		t.Error("version reported without NegotiateVersion")
	}
	eq(t, "MIC", a.MIC(), "f7361633f0ad9bdf4a7c421bc6b824a3")
	if v, ok := a.NTLMv2Info().Lookup(MsvAvTargetName); !ok || decode(v, true) != "HTTP/Server" {
		t.Errorf("MsvAvTargetName %q", v)
	}

	a, err = ParseAuthenticate(readHex(t, "authenticate_v1_ess.hex"))
	if err != nil {
		t.Fatal(err)
	}
	if a.MICPresent() || a.MIC() != nil || a.NTLMv2Info() != nil {
		t.Error("MIC or NTLMv2 info in an NTLMv1 message")
	}
	if decode(a.UserName(), true) != "User" {
		t.Errorf("user %q", decode(a.UserName(), true))
	}
	if _, ok := VerifyNTLM2Session(NTHash(specPassword), specServerChallenge, a.LMResponse(), a.NTResponse()); !ok {
		t.Error("the NTLM2 session response does not verify")
	}
}

func TestAuthenticateRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name  string
		flags uint32
		mic   bool
	}{
		{"unicode", NegotiateUnicode | NegotiateNTLM | NegotiateKeyExch, false},
		{"oem", NegotiateOEM | NegotiateNTLM, false},
		{"version", NegotiateUnicode | NegotiateVersion, false},
		{"mic", NegotiateUnicode | NegotiateVersion, true},
	} {
		p := AuthenticateParams{
			Flags:                     c.flags,
			LMResponse:                bytes.Repeat([]byte{1}, 24),
			NTResponse:                bytes.Repeat([]byte{2}, 24),
			Domain:                    "Dömain",
			User:                      "alice",
			Workstation:               "WS",
			EncryptedRandomSessionKey: bytes.Repeat([]byte{3}, 16),
			WithMIC:                   c.mic,
			MIC:                       [16]byte{9, 9},
		}
		a, err := ParseAuthenticate(AppendAuthenticate(nil, p))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		uni := c.flags&NegotiateUnicode != 0
		if a.Flags() != c.flags || decode(a.DomainName(), uni) != p.Domain || decode(a.UserName(), uni) != p.User ||
			decode(a.Workstation(), uni) != p.Workstation {
			t.Errorf("%s: strings %q %q %q", c.name, decode(a.DomainName(), uni), decode(a.UserName(), uni), decode(a.Workstation(), uni))
		}
		if !bytes.Equal(a.LMResponse(), p.LMResponse) || !bytes.Equal(a.NTResponse(), p.NTResponse) ||
			!bytes.Equal(a.EncryptedRandomSessionKey(), p.EncryptedRandomSessionKey) {
			t.Errorf("%s: responses differ", c.name)
		}
		if _, ok := a.Version(); ok != (c.flags&NegotiateVersion != 0) {
			t.Errorf("%s: version presence %v", c.name, ok)
		}
		// MICPresent also needs MsvAvFlags in an NTLMv2 response; these
		// are NTLMv1-sized, so only the header room can be checked.
		if got := a.payloadStart() >= authenticateMICLen; got != c.mic {
			t.Errorf("%s: MIC room %v", c.name, got)
		}
	}
}

// The short AUTHENTICATE form without session key and flags.
func TestParseAuthenticateShort(t *testing.T) {
	// The 52-byte header with only a user name, "bob", after it.
	short := append(bytes.Clone(readHex(t, "authenticate_v1_ess.hex")[:52]), "bob"...)
	binary.LittleEndian.PutUint16(short[36:], 3)
	binary.LittleEndian.PutUint16(short[38:], 3)
	binary.LittleEndian.PutUint32(short[40:], 52)
	for _, pos := range []int{12, 20, 28, 44} {
		binary.LittleEndian.PutUint16(short[pos:], 0)
	}
	a, err := ParseAuthenticate(short)
	if err != nil {
		t.Fatal(err)
	}
	if a.HasFlags() || a.Flags() != 0 || a.EncryptedRandomSessionKey() != nil || string(a.UserName()) != "bob" {
		t.Errorf("short form: flags %#x user %q", a.Flags(), a.UserName())
	}
}

func TestParseErrors(t *testing.T) {
	neg := readHex(t, "negotiate_client.hex")
	chal := readHex(t, "challenge_v2_spec.hex")
	auth := readHex(t, "authenticate_v2_mic.hex")

	mutate := func(b []byte, f func([]byte)) []byte { b = bytes.Clone(b); f(b); return b }
	cases := []struct {
		name  string
		parse func([]byte) error
		in    []byte
		want  error
	}{
		{"negotiate empty", pn, nil, errShort},
		{"negotiate short", pn, neg[:15], errShort},
		{"negotiate signature", pn, mutate(neg, func(b []byte) { b[0] = 'X' }), errSignature},
		{"negotiate type", pn, mutate(neg, func(b []byte) { b[8] = 2 }), errMessageType},
		{"negotiate domain outside", pn, mutate(neg, func(b []byte) { b[16] = 1 }), errField},
		{"challenge short", pc, chal[:31], errShort},
		{"challenge type", pc, mutate(chal, func(b []byte) { b[8] = 3 }), errMessageType},
		{"challenge target name outside", pc, mutate(chal, func(b []byte) { b[12] = 0xff }), errField},
		{"challenge info offset huge", pc, mutate(chal, func(b []byte) { binary.LittleEndian.PutUint32(b[44:], 0xffffffff) }), errField},
		{"challenge AV pair overrun", pc, mutate(chal, func(b []byte) { b[70] = 0x40 }), errAVPair},
		{"challenge info truncated", pc, chal[:len(chal)-1], errField},
		{"authenticate short", pa, auth[:51], errShort},
		{"authenticate type", pa, mutate(auth, func(b []byte) { b[8] = 1 }), errMessageType},
		{"authenticate NT outside", pa, mutate(auth, func(b []byte) { b[20] = 0xff }), errField},
		{"authenticate user offset wrap", pa, mutate(auth, func(b []byte) { binary.LittleEndian.PutUint32(b[40:], 0xfffffffe) }), errField},
		{"authenticate key outside", pa, mutate(auth, func(b []byte) { b[52] = 1; binary.LittleEndian.PutUint32(b[56:], uint32(len(b))) }), errField},
		{"authenticate truncated", pa, auth[:len(auth)-1], errField},
	}
	for _, c := range cases {
		if err := c.parse(c.in); err != c.want {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	// Zero-length fields may point anywhere.
	if _, err := ParseAuthenticate(mutate(auth, func(b []byte) {
		binary.LittleEndian.PutUint32(b[56:], 0xffffffff)
	})); err != nil {
		t.Errorf("empty field with wild offset: %v", err)
	}
	// Every truncation of every valid message fails cleanly.
	for _, m := range [][]byte{neg, chal, auth} {
		for i := range m {
			pn(m[:i])
			pc(m[:i])
			pa(m[:i])
		}
	}
}

func pn(b []byte) error { _, err := ParseNegotiate(b); return err }
func pc(b []byte) error { _, err := ParseChallenge(b); return err }
func pa(b []byte) error { _, err := ParseAuthenticate(b); return err }

func TestAVPairsLookupBounds(t *testing.T) {
	for _, l := range []AVPairs{
		nil,
		{1},
		{1, 0, 5, 0, 'a'},               // value overruns
		{1, 0, 0, 0, 0, 0, 0, 0, 2, 0},  // EOL before the pair
		{2, 0, 0xff, 0xff, 0, 0, 0, 0},  // huge length
		{7, 0, 2, 0, 'x', 'y', 6, 0, 4}, // truncated second header
	} {
		if v, ok := l.Lookup(MsvAvFlags); ok {
			t.Errorf("Lookup(%x) = %x", []byte(l), v)
		}
	}
	l := AVPairs{7, 0, 2, 0, 'x', 'y', 6, 0, 4, 0, 2, 0, 0, 0, 0, 0, 0, 0}
	if v, ok := l.Lookup(MsvAvFlags); !ok || binary.LittleEndian.Uint32(v) != 2 {
		t.Errorf("flags %x %v", v, ok)
	}
}

func TestAppendDecodedString(t *testing.T) {
	cases := []struct {
		raw     []byte
		unicode bool
		want    string
	}{
		{[]byte("abc"), false, "abc"},
		{[]byte{0xe9}, false, "é"},
		{[]byte{'a', 0, 'b'}, true, "a"},              // odd byte dropped
		{[]byte{0x3d, 0xd8, 0x00, 0xde}, true, "😀"},   // surrogate pair
		{[]byte{0x3d, 0xd8, 'a', 0}, true, "\uFFFDa"}, // lone high surrogate
		{[]byte{0x00, 0xde}, true, "\uFFFD"},          // lone low surrogate
		{[]byte{0x3d, 0xd8}, true, "\uFFFD"},          // high surrogate at the end
		{[]byte{0xc4, 0x00, 0xdf, 0x00}, true, "Äß"},
	}
	for _, c := range cases {
		if got := decode(c.raw, c.unicode); got != c.want {
			t.Errorf("decode(%x, %v) = %q, want %q", c.raw, c.unicode, got, c.want)
		}
	}
}

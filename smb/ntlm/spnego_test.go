package ntlm

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// The NEGOTIATE SecurityBlob Windows and Samba servers send.
const negTokenInitHintHex = "6048 0606 2b0601050502" +
	"a03e 303c" +
	"a00e 300c 060a 2b06010401823702020a" +
	"a32a 3028 a026 1b24" + "6e6f745f646566696e65645f696e5f524643343137384070" + "6c656173655f69676e6f7265"

func TestAppendNegTokenInitHint(t *testing.T) {
	got := AppendNegTokenInitHint(nil)
	eq(t, "NegTokenInit2", got, negTokenInitHintHex)
	init, err := ParseNegTokenInit(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(init.HintName) != NegHintName || string(init.MechTypes.First()) != OIDNTLMSSP || init.MechToken != nil || init.MechListMIC != nil {
		t.Errorf("parsed %+v", init)
	}
	eq(t, "MechTypesDER", init.MechTypesDER, "300c060a2b06010401823702020a")
}

func TestNegTokenInitRoundTrip(t *testing.T) {
	for _, tok := range [][]byte{nil, []byte("NTLMSSP\x00tiny"), bytes.Repeat([]byte{7}, 200), bytes.Repeat([]byte{8}, 70000)} {
		b := AppendNegTokenInit(nil, tok, OIDMSKerberos, OIDKerberos, OIDNTLMSSP)
		init, err := ParseNegTokenInit(b)
		if err != nil {
			t.Fatalf("len %d: %v", len(tok), err)
		}
		if !bytes.Equal(init.MechToken, tok) {
			t.Errorf("len %d: token mismatch", len(tok))
		}
		var mechs []string
		for oid := range init.MechTypes.All() {
			mechs = append(mechs, string(oid))
		}
		if len(mechs) != 3 || mechs[0] != OIDMSKerberos || mechs[2] != OIDNTLMSSP {
			t.Errorf("mechs %x", mechs)
		}
		if !init.MechTypes.Contains(OIDNTLMSSP) || init.MechTypes.Contains(OIDSPNEGO) {
			t.Error("Contains wrong")
		}
		// The bare [0] choice without the GSS-API wrapper.
		bare := b[2+len(OIDSPNEGO)+2:]
		if len(tok) > 100 {
			continue // long-form outer length: offset differs
		}
		if init2, err := ParseNegTokenInit(bare); err != nil || !bytes.Equal(init2.MechToken, tok) {
			t.Errorf("bare NegTokenInit: %v", err)
		}
	}
}

// A hand-built RFC 4178 NegTokenInit with reqFlags and a [3] mechListMIC,
// using non-minimal long-form lengths throughout.
func TestParseNegTokenInitBER(t *testing.T) {
	b := unhex(t, "6081 2d 06 06 2b0601050502"+
		"a081 22 3081 1f"+
		"a0 0c 30 0a 06 08 2a864886f7120102"+ // truncated OID content, still an OID
		"a1 04 03 02 0000"+
		"a2 03 04 01 55"+
		"a3 04 04 02 abcd")
	init, err := ParseNegTokenInit(b)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(init.ReqFlags) != "0000" || hex.EncodeToString(init.MechToken) != "55" ||
		hex.EncodeToString(init.MechListMIC) != "abcd" || init.HintName != nil {
		t.Errorf("parsed %+v", init)
	}
	if init.MechTypes.Contains(OIDNTLMSSP) {
		t.Error("NTLMSSP found")
	}
}

func TestNegTokenRespRoundTrip(t *testing.T) {
	for _, c := range []struct {
		state NegState
		mech  bool
		tok   []byte
		mic   []byte
	}{
		{AcceptIncomplete, true, []byte("NTLMSSP\x00challenge"), nil},
		{AcceptCompleted, false, nil, nil},
		{AcceptCompleted, false, nil, bytes.Repeat([]byte{1}, 16)},
		{Reject, false, nil, nil},
		{RequestMIC, true, nil, nil},
		{AcceptIncomplete, true, bytes.Repeat([]byte{9}, 300), nil},
		{AcceptIncomplete, false, bytes.Repeat([]byte{9}, 128), bytes.Repeat([]byte{3}, 255)},
	} {
		b := AppendNegTokenRespMIC(nil, c.state, c.mech, c.tok, c.mic)
		r, err := ParseNegTokenResp(b)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if !r.HasNegState || r.NegState != c.state || (string(r.SupportedMech) == OIDNTLMSSP) != c.mech ||
			!bytes.Equal(r.ResponseToken, c.tok) || !bytes.Equal(r.MechListMIC, c.mic) {
			t.Errorf("%+v: parsed %+v", c, r)
		}
		if c.mic == nil {
			if b2 := AppendNegTokenResp(nil, c.state, c.mech, c.tok); !bytes.Equal(b, b2) {
				t.Errorf("AppendNegTokenResp differs from AppendNegTokenRespMIC without MIC")
			}
		}
	}
	// Known bytes: accept-completed alone, as Windows ends an exchange.
	eq(t, "accept-completed", AppendNegTokenResp(nil, AcceptCompleted, false, nil), "a107 3005 a003 0a0100")
	// Without negState (RFC 4178 4.2.2: optional after the first reply).
	r, err := ParseNegTokenResp(unhex(t, "a108 3006 a204 0402 abcd"))
	if err != nil || r.HasNegState || hex.EncodeToString(r.ResponseToken) != "abcd" {
		t.Errorf("no negState: %+v %v", r, err)
	}
}

func TestSPNEGOErrors(t *testing.T) {
	good := AppendNegTokenInit(nil, []byte("tok"), OIDNTLMSSP)
	resp := AppendNegTokenResp(nil, AcceptIncomplete, true, []byte("tok"))
	cases := []struct {
		name string
		in   string
		resp bool
		want error
	}{
		{"empty", "", false, errNotSPNEGO},
		{"resp given to init", hex.EncodeToString(resp), false, errNotSPNEGO},
		{"init given to resp", hex.EncodeToString(good), true, errNotSPNEGO},
		{"indefinite length", "6080 0606 2b0601050502 a0 03 30 01 00 0000", false, errIndefinite},
		{"length beyond buffer", "6010 0606 2b0601050502", false, errDERLength},
		{"long-form beyond buffer", "6082 0100 0606 2b0601050502", false, errDERLength},
		{"five length octets", "6085 0000000001 00", false, errDER},
		{"length octets missing", "6082 01", false, errDER},
		{"high tag number", "7f01 00", false, errNotSPNEGO},
		{"wrong mech OID", "600c 0606 2b0601050503 a002 3000", false, errNotSPNEGO},
		{"no mechTypes", "600c 0606 2b0601050502 a002 3000", false, errNoMechs},
		{"empty mechTypes", "6010 0606 2b0601050502 a006 3004 a002 3000", false, errNoMechs},
		{"mech not an OID", "6012 0606 2b0601050502 a008 3006 a004 3002 0400", false, errDER},
		{"empty OID", "6012 0606 2b0601050502 a008 3006 a004 3002 0600", false, errDER},
		{"components out of order", "a00c 300a a203 0401 00 a003 3001 00", false, errDER},
		{"duplicate component", "a00a 3008 a202 0400 a202 0400", false, errDER},
		{"universal component", "a004 3002 0400", false, errDER},
		{"trailing data in component", "a00b 3009 a007 3003 060100 0000", false, errDER},
		{"mechToken not an octet string", "a00e 300c a005 3003 060100 a203 0301 00", false, errDER},
		{"bad negState", "a107 3005 a003 0a0104", true, errNegState},
		{"long negState", "a108 3006 a004 0a020000", true, errNegState},
		{"negState not enumerated", "a107 3005 a003 020100", true, errDER},
		{"supportedMech empty", "a106 3004 a102 0600", true, errDER},
		{"resp not a sequence", "a102 0400", true, errDER},
	}
	for _, c := range cases {
		var err error
		if c.resp {
			_, err = ParseNegTokenResp(unhex(t, c.in))
		} else {
			_, err = ParseNegTokenInit(unhex(t, c.in))
		}
		if err != c.want {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	for i := range good {
		if _, err := ParseNegTokenInit(good[:i]); err == nil {
			t.Errorf("NegTokenInit truncated to %d parsed", i)
		}
	}
	for i := range resp {
		if _, err := ParseNegTokenResp(resp[:i]); err == nil {
			t.Errorf("NegTokenResp truncated to %d parsed", i)
		}
	}
}

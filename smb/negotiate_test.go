package smb

import (
	"errors"
	"slices"
	"testing"
)

// cmdDialects builds a dialect list the way clients do.
func cmdDialects(names ...string) []byte {
	var b []byte
	for _, n := range names {
		b = append(b, 0x02)
		b = append(b, n...)
		b = append(b, 0)
	}
	return b
}

// windows7Dialects is the list Windows 7 offers when SMB1 is enabled.
var windows7Dialects = []string{
	DialectPCNetworkProgram, DialectLANMAN10, "Windows for Workgroups 3.1a",
	DialectLM12X002, DialectLANMAN21, DialectNTLM012, DialectSMB2002, DialectSMB2Wildcard,
}

func TestParseNegotiateRequest(t *testing.T) {
	tests := []struct {
		name  string
		msg   []byte
		want  []string
		ntlm  int // IndexOf(DialectNTLM012)
		err   error
		other string // another name and its expected index, below
		oidx  int
	}{
		{name: "smbclient NT1", msg: cmdGolden(t, "negotiate_req_smbclient_nt1"),
			want: []string{DialectNTLANMAN10, DialectNTLM012}, ntlm: 1},
		{name: "smbclient with SMB2", msg: cmdGolden(t, "negotiate_req_smbclient_smb2"),
			want: []string{DialectNTLANMAN10, DialectNTLM012, DialectSMB2002, DialectSMB2Wildcard}, ntlm: 1,
			other: DialectSMB2Wildcard, oidx: 3},
		{name: "smbclient LANMAN2", msg: cmdGolden(t, "negotiate_req_smbclient_lanman2"),
			want: []string{DialectPCNetworkProgram, "MICROSOFT NETWORKS 1.03", "MICROSOFT NETWORKS 3.0",
				DialectLANMAN10, DialectLM12X002, "DOS LANMAN2.1", DialectLANMAN21, "Samba"},
			ntlm: -1, other: DialectLANMAN21, oidx: 6},
		{name: "impacket", msg: cmdGolden(t, "negotiate_req_impacket"),
			want: []string{DialectNTLM012}, ntlm: 0},
		{name: "Windows 7", msg: cmdMsg(ComNegotiate, cmdUni, nil, cmdDialects(windows7Dialects...)),
			want: windows7Dialects, ntlm: 5, other: "Windows for Workgroups 3.1a", oidx: 2},
		{name: "last terminator missing",
			msg:  cmdMsg(ComNegotiate, 0, nil, cmdHex("02 4c414e4d414e312e3000 02 4e54204c4d20302e3132")),
			want: []string{DialectLANMAN10, DialectNTLM012}, ntlm: 1},
		{name: "empty name without terminator", msg: cmdMsg(ComNegotiate, 0, nil, []byte{2}),
			want: []string{""}, ntlm: -1, other: "", oidx: 0},
		{name: "no dialects", msg: cmdMsg(ComNegotiate, 0, nil, nil), want: nil, ntlm: -1},
		{name: "prefix is not a match", msg: cmdMsg(ComNegotiate, 0, nil, cmdDialects("NT LM 0.1", "NT LM 0.123")),
			want: []string{"NT LM 0.1", "NT LM 0.123"}, ntlm: -1},
		{name: "words present", msg: cmdMsg(ComNegotiate, 0, cmdHex("0000"), cmdDialects(DialectNTLM012)),
			err: errWords},
		{name: "buffer format 0x04", msg: cmdMsg(ComNegotiate, 0, nil, cmdHex("04 4e54204c4d20302e313200")),
			err: errDialect},
		{name: "garbage after last entry", msg: cmdMsg(ComNegotiate, 0, nil, append(cmdDialects(DialectNTLM012), 0)),
			err: errDialect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseNegotiateRequest(cmdFirst(t, tt.msg))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				if !IsMalformed(err) {
					t.Errorf("IsMalformed(%v) = false", err)
				}
				return
			}
			var got []string
			for it := n.Dialects(); it.Next(); {
				if it.Index() != len(got) {
					t.Errorf("Index = %d at position %d", it.Index(), len(got))
				}
				got = append(got, string(it.Name()))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("dialects = %q, want %q", got, tt.want)
			}
			if n.Count() != len(tt.want) {
				t.Errorf("Count = %d, want %d", n.Count(), len(tt.want))
			}
			if i := n.IndexOf(DialectNTLM012); i != tt.ntlm {
				t.Errorf("IndexOf(NT LM 0.12) = %d, want %d", i, tt.ntlm)
			}
			if tt.other != "" || tt.oidx != 0 {
				if i := n.IndexOf(tt.other); i != tt.oidx {
					t.Errorf("IndexOf(%q) = %d, want %d", tt.other, i, tt.oidx)
				}
			}
		})
	}
}

func TestNegotiateResponseNTExtendedGolden(t *testing.T) {
	gold := cmdGolden(t, "negotiate_resp_samba_extsec")
	const dataStart = HeaderLen + 1 + 34 + 2
	resp := NegotiateResponseNT{
		DialectIndex:  0,
		SecurityMode:  NegotiateUserSecurity | NegotiateEncryptPasswords,
		MaxMpxCount:   50,
		MaxNumberVcs:  1,
		MaxBufferSize: 16644,
		MaxRawSize:    65536,
		SessionKey:    0x2131,
		Capabilities: CapRawMode | CapUnicode | CapLargeFiles | CapNTSMBs | CapRPCRemoteAPIs |
			CapStatus32 | CapLevelIIOplocks | CapLockAndRead | CapNTFind | CapDFS |
			CapInfolevelPassthru | CapLargeReadX | CapLargeWriteX | CapUnix | CapExtendedSecurity,
		SystemTime:   0x01dd7d43e19e5b1f,
		ServerGUID:   [16]byte([]byte("sambabase\x00\x00\x00\x00\x00\x00\x00")),
		SecurityBlob: gold[dataStart+16:],
		// Ignored with extended security.
		Challenge:  []byte("ignored!"),
		DomainName: "IGNORED",
	}
	r := cmdReply(gold)
	resp.Encode(r)
	cmdSame(t, r.Bytes(), gold)
	b := cmdParseBack(t, r.Bytes(), 17, 16+len(resp.SecurityBlob))
	if b.Words[33] != 0 {
		t.Errorf("ChallengeLength = %d, want 0 with extended security", b.Words[33])
	}
}

func TestNegotiateResponseNTGolden(t *testing.T) {
	gold := cmdGolden(t, "negotiate_resp_samba_nonext")
	resp := NegotiateResponseNT{
		SecurityMode:  NegotiateUserSecurity | NegotiateEncryptPasswords,
		MaxMpxCount:   50,
		MaxNumberVcs:  1,
		MaxBufferSize: 16644,
		MaxRawSize:    65536,
		SessionKey:    0x33c6,
		Capabilities: CapRawMode | CapUnicode | CapLargeFiles | CapNTSMBs | CapRPCRemoteAPIs |
			CapStatus32 | CapLevelIIOplocks | CapLockAndRead | CapNTFind | CapDFS |
			CapInfolevelPassthru | CapLargeReadX | CapLargeWriteX | CapUnix,
		SystemTime: 0x01dd7d444434f1d6,
		Challenge:  cmdHex("b29c2f695c7fa063"),
		DomainName: "WORKGROUP",
		ServerName: "SAMBABASE",
	}
	r := cmdReply(gold)
	resp.Encode(r)
	cmdSame(t, r.Bytes(), gold)
	b := cmdParseBack(t, r.Bytes(), 17, 8+20+20)
	// DomainName sits unaligned, right after the challenge, at an odd
	// offset from the header.
	if (b.DataOffset()+8)%2 != 1 {
		t.Fatal("test premise: DomainName offset is even")
	}
	if got := cmdStr(b.Data[8:26], true); got != "WORKGROUP" {
		t.Errorf("DomainName = %q", got)
	}
	if got := cmdStr(b.Data[28:46], true); got != "SAMBABASE" {
		t.Errorf("ServerName = %q", got)
	}

	// Without CapUnicode and Flags2Unicode, the names are OEM.
	var ro Response
	ro.Begin(nil, Header(gold[:HeaderLen]), Flags2NTStatus)
	oem := resp
	oem.Capabilities &^= CapUnicode
	oem.ServerTimeZone = -60
	oem.Encode(&ro)
	want := "WORKGROUP\x00SAMBABASE\x00"
	bo := cmdParseBack(t, ro.Bytes(), 17, 8+len(want))
	if string(bo.Data[8:]) != want {
		t.Errorf("OEM strings = %q, want %q", bo.Data[8:], want)
	}
	if tz := int16(rd16(bo.Words, 31)); tz != -60 {
		t.Errorf("ServerTimeZone = %d, want -60", tz)
	}
}

func TestNegotiateResponseLANMANGolden(t *testing.T) {
	gold := cmdGolden(t, "negotiate_resp_samba_lanman")
	resp := NegotiateResponseLANMAN{
		DialectIndex:  6,
		SecurityMode:  3,
		MaxBufferSize: 16644,
		MaxMpxCount:   50,
		MaxNumberVcs:  1,
		RawMode:       3,
		SessionKey:    0x33cb,
		ServerTime:    0x0a82,
		ServerDate:    0x5d7a,
		Challenge:     cmdHex("924269cc9fac2b5d"),
	}
	r := cmdReply(gold)
	resp.Encode(r)
	cmdSame(t, r.Bytes(), gold)
	cmdParseBack(t, r.Bytes(), 13, 8)
}

func TestNegotiateResponseCore(t *testing.T) {
	req := cmdMsg(ComNegotiate, cmdOEM, nil, cmdDialects("XENIX CORE"))
	var r Response
	r.Begin(nil, Header(req[:HeaderLen]), cmdOEM)
	EncodeNegotiateResponseCore(&r, NoDialect)
	got := r.Bytes()[HeaderLen:]
	cmdSame(t, got, cmdHex("01 ffff 0000"))
	b := cmdParseBack(t, r.Bytes(), 1, 0)
	if b.Word(0) != NoDialect {
		t.Errorf("DialectIndex = %#x", b.Word(0))
	}
}

func TestNegotiateRequestNoAllocs(t *testing.T) {
	b := cmdFirst(t, cmdMsg(ComNegotiate, cmdUni, nil, cmdDialects(windows7Dialects...)))
	n := testing.AllocsPerRun(100, func() {
		req, err := ParseNegotiateRequest(b)
		if err != nil || req.IndexOf(DialectNTLM012) != 5 {
			panic("bad parse")
		}
	})
	if n != 0 {
		t.Errorf("ParseNegotiateRequest+IndexOf allocates %v times", n)
	}
}

package smb

import (
	"errors"
	"testing"
)

func TestParseSessionSetupRequest(t *testing.T) {
	type want struct {
		ext, lanman          bool
		maxBuf, mpx, vc      uint16
		key, caps            uint32
		blob, oem, uni       int // lengths
		blobPrefix           string
		account, domain      string
		nativeOS, nativeLMan string
	}
	// A WordCount 13 request whose odd OEM password length leaves the
	// Unicode strings aligned without a pad byte.
	noPad := cmdMsg(ComSessionSetupAndX, cmdUni,
		cmdHex("ff000000 0411 0100 0000 11223344 0100 0000 00000000 d4000000"),
		append(append([]byte{0xAA}, cmdU16("u\x00D\x00")...), cmdU16("OS\x00LM\x00")...))
	tests := []struct {
		name    string
		msg     []byte
		unicode bool
		want    want
		err     error
	}{
		{name: "extended security, Unicode (smbclient)", msg: cmdGolden(t, "sessionsetup_req_extsec_unicode"), unicode: true,
			want: want{ext: true, maxBuf: 0xFFFF, mpx: 2, vc: 1, caps: 0x8000c054, blob: 74, blobPrefix: "\x60\x48",
				nativeOS: "Unix", nativeLMan: "Samba"}},
		{name: "extended security, NTLMSSP_AUTH (smbclient)", msg: cmdGolden(t, "sessionsetup_req_extsec_auth"), unicode: true,
			want: want{ext: true, maxBuf: 0xFFFF, mpx: 2, vc: 1, caps: 0x8000c054, blob: 422, blobPrefix: "\xa1\x82",
				nativeOS: "Unix", nativeLMan: "Samba"}},
		{name: "extended security, OEM (impacket)", msg: cmdGolden(t, "sessionsetup_req_extsec_oem"),
			want: want{ext: true, maxBuf: 61440, mpx: 2, vc: 1, caps: 0x8000c044, blob: 66, blobPrefix: "\x60\x40",
				nativeOS: "Unix", nativeLMan: "Samba"}},
		{name: "NT LM 0.12 challenge/response, Unicode (smbclient)", msg: cmdGolden(t, "sessionsetup_req_nt_unicode"), unicode: true,
			want: want{maxBuf: 0xFFFF, mpx: 2, vc: 0x33c4, key: 0x33c6, caps: 0xc054, oem: 24, uni: 24,
				account: "root", domain: "WORKGROUP", nativeOS: "Unix", nativeLMan: "Samba"}},
		{name: "LAN Manager (smbclient -m LANMAN2)", msg: cmdGolden(t, "sessionsetup_req_lanman"),
			want: want{lanman: true, maxBuf: 0xFFFF, mpx: 2, vc: 1, key: 0x33cb, oem: 24,
				account: "root", domain: "WORKGROUP", nativeOS: "Unix", nativeLMan: "Samba"}},
		{name: "Unicode strings aligned without pad", msg: noPad, unicode: true,
			want: want{maxBuf: 0x1104, mpx: 1, key: 0x44332211, caps: 0xd4, oem: 1,
				account: "u", domain: "D", nativeOS: "OS", nativeLMan: "LM"}},
		{name: "strings missing", msg: cmdMsg(ComSessionSetupAndX, cmdUni,
			cmdHex("ff000000 0411 0100 0000 00000000 0200 0000 00000000 00000000"), []byte{1, 2}), unicode: true,
			want: want{maxBuf: 0x1104, mpx: 1, oem: 2}},
		{name: "WordCount 11", msg: cmdMsg(ComSessionSetupAndX, cmdUni, make([]byte, 22), nil), err: errWords},
		{name: "blob past data", msg: cmdMsg(ComSessionSetupAndX, cmdUni,
			cmdHex("ff000000 0411 0100 0000 00000000 0500 00000000 00000080"), []byte{1, 2, 3, 4}), err: errOffset},
		{name: "passwords past data", msg: cmdMsg(ComSessionSetupAndX, cmdUni,
			cmdHex("ff000000 0411 0100 0000 00000000 0200 0300 00000000 00000000"), []byte{1, 2, 3, 4}), err: errOffset},
		{name: "LANMAN password past data", msg: cmdMsg(ComSessionSetupAndX, 0,
			cmdHex("ff000000 0411 0100 0000 00000000 1800 00000000"), []byte{1, 2, 3, 4}), err: errOffset},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSessionSetupRequest(cmdFirst(t, tt.msg), tt.unicode)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			w := tt.want
			if s.ExtendedSecurity() != w.ext || s.LANMAN() != w.lanman {
				t.Errorf("ExtendedSecurity, LANMAN = %v, %v; want %v, %v", s.ExtendedSecurity(), s.LANMAN(), w.ext, w.lanman)
			}
			if s.MaxBufferSize() != w.maxBuf || s.MaxMpxCount() != w.mpx || s.VcNumber() != w.vc ||
				s.SessionKey() != w.key || s.Capabilities() != w.caps {
				t.Errorf("words = %#x %d %#x %#x %#x", s.MaxBufferSize(), s.MaxMpxCount(), s.VcNumber(), s.SessionKey(), s.Capabilities())
			}
			if len(s.SecurityBlob()) != w.blob || len(s.OEMPassword()) != w.oem || len(s.UnicodePassword()) != w.uni {
				t.Errorf("lengths blob %d oem %d uni %d", len(s.SecurityBlob()), len(s.OEMPassword()), len(s.UnicodePassword()))
			}
			if w.blobPrefix != "" && string(s.SecurityBlob()[:2]) != w.blobPrefix {
				t.Errorf("blob starts % x", s.SecurityBlob()[:2])
			}
			for _, f := range []struct{ name, got, want string }{
				{"AccountName", cmdStr(s.AccountName(), tt.unicode), w.account},
				{"PrimaryDomain", cmdStr(s.PrimaryDomain(), tt.unicode), w.domain},
				{"NativeOS", cmdStr(s.NativeOS(), tt.unicode), w.nativeOS},
				{"NativeLanMan", cmdStr(s.NativeLanMan(), tt.unicode), w.nativeLMan},
			} {
				if f.got != f.want {
					t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
				}
			}
		})
	}
}

func TestSessionSetupResponseGolden(t *testing.T) {
	const dataStart4 = HeaderLen + 1 + 8 + 2 // extended: WordCount 4
	strs := SessionSetupResponse{NativeOS: "Windows 6.1", NativeLanMan: "Samba 4.17.12-Debian", PrimaryDomain: "WORKGROUP"}
	tests := []struct {
		gold   string
		status NTStatus
		ext    bool
		blob   int
		noStr  bool
	}{
		{gold: "sessionsetup_resp_extsec_challenge", status: StatusMoreProcessingRequired, ext: true, blob: 177},
		{gold: "sessionsetup_resp_extsec_unicode", ext: true, blob: 29},
		{gold: "sessionsetup_resp_extsec_oem", ext: true, blob: 9},
		{gold: "sessionsetup_resp_nt_unicode"},
		{gold: "sessionsetup_resp_lanman", noStr: true},
	}
	for _, tt := range tests {
		t.Run(tt.gold, func(t *testing.T) {
			gold := cmdGolden(t, tt.gold)
			resp := strs
			if tt.noStr {
				resp = SessionSetupResponse{}
			}
			resp.ExtendedSecurity = tt.ext
			if tt.ext {
				resp.SecurityBlob = gold[dataStart4 : dataStart4+tt.blob]
			}
			r := cmdReply(gold)
			if tt.status != 0 {
				r.SetStatus(tt.status)
			}
			resp.Encode(r)
			cmdSame(t, r.Bytes(), gold)
			wc := 3
			if tt.ext {
				wc = 4
			}
			b := cmdParseBack(t, r.Bytes(), wc, len(gold)-dataStart4+2*(4-wc))
			if tt.ext && int(b.Word(3)) != tt.blob {
				t.Errorf("SecurityBlobLength = %d", b.Word(3))
			}
		})
	}
}

func TestSessionSetupResponseGuest(t *testing.T) {
	req := cmdMsg(ComSessionSetupAndX, cmdOEM, make([]byte, 26), nil)
	var r Response
	r.Begin(nil, Header(req[:HeaderLen]), cmdOEM)
	SessionSetupResponse{Action: SessionSetupGuest, NativeOS: "OS"}.Encode(&r)
	cmdSame(t, r.Bytes()[HeaderLen:], cmdHex("03 ff000000 0100 0500 4f5300 00 00"))
}

func TestSessionSetupResponseExtendedNoDomain(t *testing.T) {
	req := cmdMsg(ComSessionSetupAndX, cmdOEM, make([]byte, 24), nil)
	var r Response
	r.Begin(nil, Header(req[:HeaderLen]), cmdOEM)
	SessionSetupResponse{ExtendedSecurity: true, SecurityBlob: []byte{0xa1, 0x00}, NativeOS: "OS", NativeLanMan: "LM"}.Encode(&r)
	cmdSame(t, r.Bytes()[HeaderLen:], cmdHex("04 ff000000 0000 0200 0800 a100 4f5300 4c4d00"))
}

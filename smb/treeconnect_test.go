package smb

import (
	"errors"
	"testing"
)

func TestParseTreeConnectRequest(t *testing.T) {
	tests := []struct {
		name     string
		msg      []byte
		unicode  bool
		flags    uint16
		password string
		path     string
		service  string
		err      error
	}{
		{name: "IPC$, Unicode (smbclient)", msg: cmdGolden(t, "treeconnect_req_ipc"), unicode: true,
			flags: TreeConnectExtendedSignatures | TreeConnectExtendedResponse, password: "\x00",
			path: `\\127.0.0.1\IPC$`, service: "IPC"},
		{name: "share, Unicode (smbclient)", msg: cmdGolden(t, "treeconnect_req_share"), unicode: true,
			flags: TreeConnectExtendedSignatures | TreeConnectExtendedResponse, password: "\x00",
			path: `\\127.0.0.1\SHARE`, service: ServiceAny},
		{name: "LAN Manager, OEM", msg: cmdGolden(t, "treeconnect_req_lanman"),
			flags: TreeConnectExtendedSignatures | TreeConnectExtendedResponse, password: "\x00",
			path: `\\127.0.0.1\SHARE`, service: ServiceAny},
		{name: "Unicode path after empty password needs a pad", unicode: true,
			msg: cmdMsg(ComTreeConnectAndX, cmdUni, cmdHex("ff000000 0000 0000"),
				append(append([]byte{0}, cmdU16(`\\s\x`)...), "\x00\x00A:\x00"...)),
			path: `\\s\x`, service: ServiceDisk},
		{name: "share-level password", msg: cmdMsg(ComTreeConnectAndX, cmdOEM, cmdHex("ff000000 0000 0300"),
			[]byte("pw\x00\\\\S\\P\x00A:\x00")),
			password: "pw\x00", path: `\\S\P`, service: ServiceDisk},
		{name: "service missing", msg: cmdMsg(ComTreeConnectAndX, cmdOEM, cmdHex("ff000000 0000 0000"), []byte(`\\S\P`)),
			path: `\\S\P`},
		{name: "password past data", msg: cmdMsg(ComTreeConnectAndX, cmdOEM, cmdHex("ff000000 0000 0800"), []byte("x\x00")),
			err: errOffset},
		{name: "WordCount 3", msg: cmdMsg(ComTreeConnectAndX, cmdOEM, cmdHex("ff000000 0000"), nil), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc, err := ParseTreeConnectRequest(cmdFirst(t, tt.msg), tt.unicode)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if tc.Flags() != tt.flags || string(tc.Password()) != tt.password {
				t.Errorf("Flags, Password = %#x, %q", tc.Flags(), tc.Password())
			}
			if p := cmdStr(tc.Path(), tt.unicode); p != tt.path {
				t.Errorf("Path = %q, want %q", p, tt.path)
			}
			if s := string(tc.Service()); s != tt.service {
				t.Errorf("Service = %q, want %q", s, tt.service)
			}
		})
	}
}

func TestTreeConnectResponseGolden(t *testing.T) {
	tests := []struct {
		gold string
		resp TreeConnectResponse
		wc   int
	}{
		{gold: "treeconnect_resp_ipc", wc: 7, resp: TreeConnectResponse{
			Extended: true, OptionalSupport: SupportSearchBits | SupportExtendedSignatures,
			MaximalShareAccessRights: 0x1ff, GuestMaximalShareAccessRights: 0x1ff, Service: ServiceIPC}},
		{gold: "treeconnect_resp_share", wc: 7, resp: TreeConnectResponse{
			Extended: true, OptionalSupport: SupportSearchBits,
			MaximalShareAccessRights: 0x001f01ff, Service: ServiceDisk, NativeFileSystem: "NTFS"}},
		{gold: "treeconnect_resp_lanman", wc: 2, resp: TreeConnectResponse{
			Legacy: true, OptionalSupport: 0xFFFF, Service: ServiceDisk, NativeFileSystem: "ignored"}},
	}
	for _, tt := range tests {
		t.Run(tt.gold, func(t *testing.T) {
			gold := cmdGolden(t, tt.gold)
			r := cmdReply(gold)
			tt.resp.Encode(r)
			cmdSame(t, r.Bytes(), gold)
			b := cmdParseBack(t, r.Bytes(), tt.wc, len(gold)-(HeaderLen+1+2*tt.wc+2))
			svc, _, _ := ReadString(b.Msg, b.DataOffset(), dataEnd(b), false)
			if string(svc) != tt.resp.Service {
				t.Errorf("Service parsed back = %q", svc)
			}
		})
	}
}

func TestTreeConnectResponseBasic(t *testing.T) {
	req := cmdMsg(ComTreeConnectAndX, cmdOEM, make([]byte, 8), nil)
	var r Response
	r.Begin(nil, Header(req[:HeaderLen]), cmdOEM)
	TreeConnectResponse{OptionalSupport: SupportSearchBits, Service: ServiceDisk, NativeFileSystem: "FAT"}.Encode(&r)
	cmdSame(t, r.Bytes()[HeaderLen:], cmdHex("03 ff000000 0100 0700 413a00 46415400"))
}

func TestParseTreeDisconnectRequest(t *testing.T) {
	if err := ParseTreeDisconnectRequest(cmdFirst(t, cmdGolden(t, "treedisconnect_req"))); err != nil {
		t.Fatal(err)
	}
	if err := ParseTreeDisconnectRequest(cmdFirst(t, cmdMsg(ComTreeDisconnect, 0, cmdHex("0000"), nil))); !errors.Is(err, errWords) {
		t.Fatalf("err = %v, want errWords", err)
	}
	gold := cmdGolden(t, "treedisconnect_resp")
	r := cmdReply(gold)
	EncodeEmptyResponse(r, ComTreeDisconnect)
	cmdSame(t, r.Bytes(), gold)
}

package smb

import (
	"errors"
	"testing"
)

func TestParseNTCreateRequest(t *testing.T) {
	type fields struct {
		nameLen                          uint16
		flags, root, access              uint32
		alloc                            uint64
		attrs, share, disp, opts, impers uint32
		secFlags                         uint8
		name                             string
	}
	tests := []struct {
		name    string
		msg     []byte
		unicode bool
		want    fields
		err     error
	}{
		{name: "file, Unicode (smbclient)", msg: cmdGolden(t, "ntcreate_req_unicode"), unicode: true,
			want: fields{nameLen: 14, access: 0x120089, share: FileShareRead | FileShareWrite, disp: FileOpen,
				opts: FileNonDirectoryFile, impers: 2, name: `\f.txt`}},
		{name: "directory, Unicode (smbclient)", msg: cmdGolden(t, "ntcreate_req_dir"), unicode: true,
			want: fields{nameLen: 10, access: 0x80, attrs: 0x10, share: FileShareRead | FileShareWrite | FileShareDelete,
				disp: FileOpen, opts: FileDirectoryFile, impers: 2, name: `\dir`}},
		{name: "extended response, OEM (impacket)", msg: cmdGolden(t, "ntcreate_req_oem_extended"),
			want: fields{nameLen: 6, flags: NTCreateRequestOplock | NTCreateRequestOpbatch | NTCreateRequestExtendedResponse,
				access: 0x2019f, share: FileShareRead | FileShareWrite, disp: FileOpen, opts: FileNonDirectoryFile,
				impers: 2, secFlags: 3, name: `\f.txt`}},
		{name: "name without terminator", msg: cmdMsg(ComNTCreateAndX, cmdOEM, make([]byte, 48), []byte(`\a`)),
			want: fields{name: `\a`}},
		{name: "no name", msg: cmdMsg(ComNTCreateAndX, cmdUni, make([]byte, 48), nil), unicode: true},
		{name: "WordCount 23", msg: cmdMsg(ComNTCreateAndX, cmdOEM, make([]byte, 46), []byte("a\x00")), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseNTCreateRequest(cmdFirst(t, tt.msg), tt.unicode)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			got := fields{c.NameLength(), c.Flags(), c.RootDirectoryFID(), c.DesiredAccess(), c.AllocationSize(),
				c.ExtFileAttributes(), c.ShareAccess(), c.CreateDisposition(), c.CreateOptions(),
				c.ImpersonationLevel(), c.SecurityFlags(), cmdStr(c.FileName(), tt.unicode)}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestNTCreateResponseGolden(t *testing.T) {
	const t0 = 0x01dd7d43de1853d8
	gold := cmdGolden(t, "ntcreate_resp")
	resp := NTCreateResponse{
		FID: 0x08b5, CreateAction: FileOpened,
		CreationTime: t0, LastAccessTime: t0, LastWriteTime: t0, LastChangeTime: t0,
		ExtFileAttributes: 0x80, AllocationSize: 4096, EndOfFile: 12,
		// Ignored without Extended.
		FileID: 99, MaximalAccessRights: 1,
	}
	r := cmdReply(gold)
	resp.Encode(r)
	cmdSame(t, r.Bytes(), gold)
	b := cmdParseBack(t, r.Bytes(), 34, 0)
	if rd16(b.Words, 5) != 0x08b5 || rd64(b.Words, 55) != 12 {
		t.Errorf("FID, EndOfFile parsed back = %#x, %d", rd16(b.Words, 5), rd64(b.Words, 55))
	}
}

func TestNTCreateResponseExtendedGolden(t *testing.T) {
	const t0 = 0x01dd7d43de1853d8
	gold := cmdGolden(t, "ntcreate_resp_extended")
	resp := NTCreateResponse{
		Extended: true, FID: 0x8e18, CreateAction: FileOpened,
		CreationTime: t0, LastAccessTime: 0x01dd7d43e19fec6e, LastWriteTime: t0, LastChangeTime: t0,
		ExtFileAttributes: 0x20, AllocationSize: 4096, EndOfFile: 12,
		NMPipeStatus:        FileStatusNoSubstreams | FileStatusNoReparseTag,
		MaximalAccessRights: 0x001f01ff,
	}
	r := cmdReply(gold)
	resp.Encode(r)
	cmdSame(t, r.Bytes(), gold)
	// WordCount says 42, the words fill 50, and ByteCount 0 follows them;
	// a parser trusting WordCount reads FileID's low bytes as ByteCount.
	msg := r.Bytes()
	if msg[HeaderLen] != 42 || len(msg) != HeaderLen+1+100+2 {
		t.Fatalf("WordCount %d, length %d", msg[HeaderLen], len(msg))
	}
	cmdParseBack(t, msg, 42, 0)
	if rd32(msg, HeaderLen+1+92) != 0x001f01ff {
		t.Errorf("MaximalAccessRights at word byte 92 = %#x", rd32(msg, HeaderLen+1+92))
	}
}

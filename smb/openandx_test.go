package smb

import (
	"errors"
	"testing"
)

func TestParseOpenAndXRequest(t *testing.T) {
	type fields struct {
		flags, access, search, attrs uint16
		ctime                        uint32
		mode                         uint16
		alloc, timeout               uint32
		name                         string
	}
	tests := []struct {
		name    string
		msg     []byte
		unicode bool
		want    fields
		err     error
	}{
		{name: "impacket", msg: cmdGolden(t, "openandx_req"),
			want: fields{access: 0x40, search: 0x23, mode: OpenFuncOpenIfExists, name: `\f.txt`}},
		{name: "extended response", msg: cmdGolden(t, "openandx_req_extended"),
			want: fields{flags: OpenAndXReqAttrib | OpenAndXReqExtendedResponse, access: 0x40, search: 0x16,
				mode: OpenFuncOpenIfExists, name: `\f.txt`}},
		{name: "Unicode with pad", unicode: true,
			msg: cmdMsg(ComOpenAndX, cmdUni, cmdHex("ff000000 0000 4200 1600 2000 78563412 1200 00100000 e8030000 00000000"),
				append([]byte{0}, cmdU16("\\new\x00")...)),
			want: fields{access: 0x42, search: 0x16, attrs: 0x20, ctime: 0x12345678,
				mode: OpenFuncCreate | OpenFuncTruncate, alloc: 4096, timeout: 1000, name: `\new`}},
		{name: "WordCount 14", msg: cmdMsg(ComOpenAndX, cmdOEM, make([]byte, 28), nil), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOpenAndXRequest(cmdFirst(t, tt.msg), tt.unicode)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			got := fields{o.Flags(), o.AccessMode(), o.SearchAttrs(), o.FileAttrs(), o.CreationTime(),
				o.OpenMode(), o.AllocationSize(), o.Timeout(), cmdStr(o.FileName(), tt.unicode)}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestOpenAndXResponseGolden(t *testing.T) {
	tests := []struct {
		gold string
		resp OpenAndXResponse
		wc   int
	}{
		{gold: "openandx_resp", wc: 15, resp: OpenAndXResponse{FID: 0xb22f, FileAttrs: 0x20,
			LastWriteTime: 0x6b078899, FileDataSize: 12, OpenResults: OpenResultOpened,
			MaximalAccessRights: 7}},
		{gold: "openandx_resp_extended", wc: 19, resp: OpenAndXResponse{Extended: true, FID: 0x9ee8, FileAttrs: 0x20,
			LastWriteTime: 0x6b078899, FileDataSize: 12, OpenResults: OpenResultOpened,
			MaximalAccessRights: 0x001f0000}},
	}
	for _, tt := range tests {
		t.Run(tt.gold, func(t *testing.T) {
			gold := cmdGolden(t, tt.gold)
			r := cmdReply(gold)
			tt.resp.Encode(r)
			cmdSame(t, r.Bytes(), gold)
			b := cmdParseBack(t, r.Bytes(), tt.wc, 0)
			if rd16(b.Words, 4) != tt.resp.FID {
				t.Errorf("FID parsed back = %#x", rd16(b.Words, 4))
			}
		})
	}
}

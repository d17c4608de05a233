package smb

import (
	"errors"
	"testing"
)

func TestParseDeleteRequest(t *testing.T) {
	tests := []struct {
		name    string
		msg     []byte
		unicode bool
		attrs   uint16
		file    string
		err     error
	}{
		{name: "Unicode (smbclient)", msg: cmdGolden(t, "delete_req_unicode"), unicode: true, attrs: 0x06, file: `\up2.bin`},
		{name: "OEM wildcard", msg: cmdMsg(ComDelete, cmdOEM, cmdHex("1600"), []byte("\x04\\*.tmp\x00")), attrs: 0x16, file: `\*.tmp`},
		{name: "no buffer format", msg: cmdMsg(ComDelete, cmdOEM, cmdHex("0000"), []byte("\\a\x00")), err: errBufferFormat},
		{name: "empty data", msg: cmdMsg(ComDelete, cmdOEM, cmdHex("0000"), nil), err: errBufferFormat},
		{name: "WordCount 0", msg: cmdMsg(ComDelete, cmdOEM, nil, []byte("\x04a\x00")), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDeleteRequest(cmdFirst(t, tt.msg), tt.unicode)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil && (d.SearchAttributes() != tt.attrs || cmdStr(d.FileName(), tt.unicode) != tt.file) {
				t.Errorf("SearchAttributes, FileName = %#x, %q", d.SearchAttributes(), cmdStr(d.FileName(), tt.unicode))
			}
		})
	}
}

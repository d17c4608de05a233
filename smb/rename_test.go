package smb

import (
	"errors"
	"testing"
)

func TestParseRenameRequest(t *testing.T) {
	tests := []struct {
		name     string
		msg      []byte
		unicode  bool
		attrs    uint16
		old, new string
		err      error
	}{
		{name: "Unicode, pad before new name (smbclient)", msg: cmdGolden(t, "rename_req_unicode"), unicode: true,
			attrs: 0x16, old: `\up.bin`, new: `\up2.bin`},
		{name: "OEM", msg: cmdMsg(ComRename, cmdOEM, cmdHex("1600"), []byte("\x04\\a\x00\x04\\b\x00")),
			attrs: 0x16, old: `\a`, new: `\b`},
		{name: "Unicode, new name terminator missing", unicode: true,
			msg: cmdMsg(ComRename, cmdUni, cmdHex("0000"),
				append(append(append([]byte{4}, cmdU16("\\a\x00")...), 4, 0), cmdU16(`\b`)...)),
			old: `\a`, new: `\b`},
		{name: "new name missing", msg: cmdMsg(ComRename, cmdOEM, cmdHex("0000"), []byte("\x04\\a\x00")), err: errBufferFormat},
		{name: "new name buffer format wrong", msg: cmdMsg(ComRename, cmdOEM, cmdHex("0000"), []byte("\x04\\a\x00\x02\\b\x00")),
			err: errBufferFormat},
		{name: "WordCount 2", msg: cmdMsg(ComRename, cmdOEM, cmdHex("0000 0000"), []byte("\x04a\x00\x04b\x00")), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRenameRequest(cmdFirst(t, tt.msg), tt.unicode)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if r.SearchAttributes() != tt.attrs || cmdStr(r.OldFileName(), tt.unicode) != tt.old ||
				cmdStr(r.NewFileName(), tt.unicode) != tt.new {
				t.Errorf("got %#x %q %q", r.SearchAttributes(), cmdStr(r.OldFileName(), tt.unicode), cmdStr(r.NewFileName(), tt.unicode))
			}
		})
	}
}

package smb

import (
	"errors"
	"testing"
)

func TestParseDirectoryRequests(t *testing.T) {
	parsers := map[uint8]func(Block, bool) (DirectoryRequest, error){
		ComCreateDirectory: ParseCreateDirectoryRequest,
		ComDeleteDirectory: ParseDeleteDirectoryRequest,
		ComCheckDirectory:  ParseCheckDirectoryRequest,
	}
	tests := []struct {
		name    string
		msg     []byte
		unicode bool
		dir     string
		err     error
	}{
		{name: "mkdir, Unicode (smbclient)", msg: cmdGolden(t, "createdirectory_req_unicode"), unicode: true, dir: `\nd`},
		{name: "rmdir, Unicode (smbclient)", msg: cmdGolden(t, "deletedirectory_req_unicode"), unicode: true, dir: `\nd`},
		{name: "chkpth, OEM (impacket)", msg: cmdGolden(t, "checkdirectory_req"), dir: `\dir`},
		{name: "root", msg: cmdMsg(ComCheckDirectory, cmdOEM, nil, []byte("\x04\x00")), dir: ``},
		{name: "buffer format only", msg: cmdMsg(ComCheckDirectory, cmdUni, nil, []byte{4}), unicode: true, dir: ``},
		{name: "no buffer format", msg: cmdMsg(ComCreateDirectory, cmdOEM, nil, []byte("\\x\x00")), err: errBufferFormat},
		{name: "words present", msg: cmdMsg(ComDeleteDirectory, cmdOEM, cmdHex("0000"), []byte("\x04\\x\x00")), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := cmdFirst(t, tt.msg)
			d, err := parsers[b.Command](b, tt.unicode)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil && cmdStr(d.DirectoryName(), tt.unicode) != tt.dir {
				t.Errorf("DirectoryName = %q, want %q", cmdStr(d.DirectoryName(), tt.unicode), tt.dir)
			}
		})
	}
}

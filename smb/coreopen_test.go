package smb

import (
	"errors"
	"testing"
)

func TestParseOpenRequest(t *testing.T) {
	tests := []struct {
		name           string
		msg            []byte
		unicode        bool
		access, search uint16
		file           string
		err            error
	}{
		{name: "smbtorture FCB", msg: cmdGolden(t, "core_open_req"), unicode: true,
			access: 0xFF, file: `\rawopen\torture_open.txt`},
		{name: "OEM", msg: cmdMsg(ComOpen, cmdOEM, cmdHex("4200 1600"), []byte("\x04\\DOS\\FILE.TXT\x00")),
			access: 0x42, search: 0x16, file: `\DOS\FILE.TXT`},
		{name: "no buffer format", msg: cmdMsg(ComOpen, cmdOEM, cmdHex("4200 1600"), []byte("\\A\x00")),
			err: errBufferFormat},
		{name: "empty data", msg: cmdMsg(ComOpen, cmdOEM, cmdHex("4200 1600"), nil), err: errBufferFormat},
		{name: "WordCount 3", msg: cmdMsg(ComOpen, cmdOEM, cmdHex("4200 1600 0000"), []byte("\x04a\x00")), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOpenRequest(cmdFirst(t, tt.msg), tt.unicode)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if o.AccessMode() != tt.access || o.SearchAttributes() != tt.search || cmdStr(o.FileName(), tt.unicode) != tt.file {
				t.Errorf("got %#x %#x %q", o.AccessMode(), o.SearchAttributes(), cmdStr(o.FileName(), tt.unicode))
			}
		})
	}
}

func TestOpenResponseGolden(t *testing.T) {
	gold := cmdGolden(t, "core_open_resp")
	r := cmdReply(gold)
	OpenResponse{FID: 0x6f32, FileAttributes: 0x20, LastModified: 0x6b7e39b4, FileSize: 7, AccessMode: 0xFF}.Encode(r)
	cmdSame(t, r.Bytes(), gold)
	cmdParseBack(t, r.Bytes(), 7, 0)
}

func TestParseCreateRequest(t *testing.T) {
	tests := []struct {
		name    string
		msg     []byte
		unicode bool
		attrs   uint16
		ctime   uint32
		file    string
		err     error
	}{
		{name: "CREATE", msg: cmdGolden(t, "core_create_req"), unicode: true, file: `\rawopen\torture_create.txt`},
		{name: "CREATE_NEW with time", msg: cmdGolden(t, "core_createnew_req"), unicode: true,
			ctime: 0x6b0b873a, file: `\rawopen\torture_mknew.txt`},
		{name: "OEM hidden", msg: cmdMsg(ComCreate, cmdOEM, cmdHex("0200 00000000"), []byte("\x04NEW.DAT\x00")),
			attrs: 2, file: "NEW.DAT"},
		{name: "WordCount 2", msg: cmdMsg(ComCreateNew, cmdOEM, cmdHex("0200 0000"), []byte("\x04a\x00")), err: errWords},
		{name: "bad format", msg: cmdMsg(ComCreate, cmdOEM, cmdHex("0200 00000000"), []byte("\x05a\x00")), err: errBufferFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCreateRequest(cmdFirst(t, tt.msg), tt.unicode)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if c.FileAttributes() != tt.attrs || c.CreationTime() != tt.ctime || cmdStr(c.FileName(), tt.unicode) != tt.file {
				t.Errorf("got %#x %#x %q", c.FileAttributes(), c.CreationTime(), cmdStr(c.FileName(), tt.unicode))
			}
		})
	}
}

func TestCreateResponseGolden(t *testing.T) {
	for _, tt := range []struct {
		gold string
		cmd  uint8
		fid  uint16
	}{
		{"core_create_resp", ComCreate, 0x9924},
		{"core_createnew_resp", ComCreateNew, 0x9e5b},
	} {
		t.Run(tt.gold, func(t *testing.T) {
			gold := cmdGolden(t, tt.gold)
			r := cmdReply(gold)
			EncodeCreateResponse(r, tt.cmd, tt.fid)
			cmdSame(t, r.Bytes(), gold)
			if b := cmdParseBack(t, r.Bytes(), 1, 0); b.Word(0) != tt.fid {
				t.Errorf("FID = %#x", b.Word(0))
			}
		})
	}
}

func TestParseCreateTemporaryRequest(t *testing.T) {
	c, err := ParseCreateTemporaryRequest(cmdFirst(t, cmdGolden(t, "core_ctemp_req")), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.FileAttributes() != 2 || c.CreationTime() != 0x6b0b873a || cmdStr(c.DirectoryName(), true) != `\rawopen` {
		t.Errorf("got %#x %#x %q", c.FileAttributes(), c.CreationTime(), cmdStr(c.DirectoryName(), true))
	}
	if _, err := ParseCreateTemporaryRequest(cmdFirst(t, cmdMsg(ComCreateTemporary, cmdOEM, nil, []byte("\x04\x00"))), false); !errors.Is(err, errWords) {
		t.Errorf("WordCount 0: err = %v", err)
	}
}

// TestCreateTemporaryResponse checks the spec's form, which differs from
// Samba's capture only by the buffer format byte Samba leaves out.
func TestCreateTemporaryResponse(t *testing.T) {
	gold := cmdGolden(t, "core_ctemp_resp")
	// Samba: WordCount 1, FID, ByteCount 9, "TMP57206\0".
	want := append([]byte{}, gold[:HeaderLen+3]...)
	want = append(want, 10, 0, 0x04)
	want = append(want, gold[HeaderLen+5:]...)
	r := cmdReply(gold)
	EncodeCreateTemporaryResponse(r, 0x6724, "TMP57206")
	cmdSame(t, r.Bytes(), want)
	b := cmdParseBack(t, r.Bytes(), 1, 10)
	if s, _, err := ReadString(b.Msg, b.DataOffset()+1, b.DataOffset()+len(b.Data), false); err != nil || string(s) != "TMP57206" {
		t.Errorf("name parsed back = %q, %v", s, err)
	}
}

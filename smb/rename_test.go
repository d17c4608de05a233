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

// ntRenameReq is an NT_RENAME request as smbtorture raw.rename ntrename
// sends it: Unicode, hidden files included, RENAME_FLAG_RENAME (0x0104),
// ClusterCount 0xff, \a.txt to \b.txt with the pad byte before the new name.
var ntRenameReq = cmdHex(`ff534d42 a5 00000000 18 c3c8 0000 0000000000000000 0000 0100 2a00 0000 0200
	04 0200 0401 ff000000
	1f00
	04 5c00 6100 2e00 7400 7800 7400 0000
	04 00 5c00 6200 2e00 7400 7800 7400 0000`)

func TestParseNTRenameRequest(t *testing.T) {
	tests := []struct {
		name     string
		msg      []byte
		unicode  bool
		attrs    uint16
		level    uint16
		clusters uint32
		old, new string
		err      error
	}{
		{name: "Unicode rename", msg: ntRenameReq, unicode: true,
			attrs: 2, level: RenameFlagRename, clusters: 0xff, old: `\a.txt`, new: `\b.txt`},
		{name: "OEM hard link", msg: cmdMsg(ComNTRename, cmdOEM, cmdHex("1600 0301 00000000"), []byte("\x04\\a\x00\x04\\b\x00")),
			attrs: 0x16, level: RenameFlagHardLink, old: `\a`, new: `\b`},
		{name: "unknown level kept", msg: cmdMsg(ComNTRename, cmdOEM, cmdHex("0000 0601 01000000"), []byte("\x04a\x00\x04b\x00")),
			level: 0x0106, clusters: 1, old: `a`, new: `b`},
		{name: "new name missing", msg: cmdMsg(ComNTRename, cmdOEM, cmdHex("0000 0301 00000000"), []byte("\x04\\a\x00")),
			err: errBufferFormat},
		{name: "old name buffer format wrong", msg: cmdMsg(ComNTRename, cmdOEM, cmdHex("0000 0301 00000000"), []byte("\x02\\a\x00\x04\\b\x00")),
			err: errBufferFormat},
		{name: "WordCount 1 (RENAME's)", msg: cmdMsg(ComNTRename, cmdOEM, cmdHex("0000"), []byte("\x04a\x00\x04b\x00")), err: errWords},
		{name: "WordCount 5", msg: cmdMsg(ComNTRename, cmdOEM, cmdHex("0000 0301 00000000 0000"), []byte("\x04a\x00\x04b\x00")),
			err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseNTRenameRequest(cmdFirst(t, tt.msg), tt.unicode)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if r.SearchAttributes() != tt.attrs || r.InformationLevel() != tt.level || r.ClusterCount() != tt.clusters ||
				cmdStr(r.OldFileName(), tt.unicode) != tt.old || cmdStr(r.NewFileName(), tt.unicode) != tt.new {
				t.Errorf("got %#x %#x %#x %q %q", r.SearchAttributes(), r.InformationLevel(), r.ClusterCount(),
					cmdStr(r.OldFileName(), tt.unicode), cmdStr(r.NewFileName(), tt.unicode))
			}
		})
	}
}

func TestParseNTRenameRequestNoAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() {
		m, _ := ParseMessage(ntRenameReq)
		if _, err := ParseNTRenameRequest(m.First, true); err != nil {
			panic(err)
		}
	}); n != 0 {
		t.Errorf("ParseNTRenameRequest allocates %v times per run", n)
	}
}

func BenchmarkParseNTRenameRequest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		m, _ := ParseMessage(ntRenameReq)
		if _, err := ParseNTRenameRequest(m.First, true); err != nil {
			b.Fatal(err)
		}
	}
}

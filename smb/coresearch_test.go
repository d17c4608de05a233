package smb

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseSearchRequest(t *testing.T) {
	key := cmdHex("00 2a20202020202020 2a2020 01 64000000 00000000")
	tests := []struct {
		name      string
		msg       []byte
		unicode   bool
		max, attr uint16
		file      string
		key       []byte
		err       error
	}{
		{name: "FIND first", msg: cmdGolden(t, "core_find_req"), unicode: true, max: 1, file: "torture_search.txt"},
		{name: "FIND_UNIQUE", msg: cmdGolden(t, "core_findunique_req"), unicode: true, max: 1, file: "torture_search.txt"},
		{name: "SEARCH first", msg: cmdGolden(t, "core_search_req"), unicode: true, max: 100, file: `\testsearch\*.*`},
		{name: "SEARCH next", msg: cmdGolden(t, "core_search_next_req"), unicode: true, max: 100, key: key},
		{name: "FIND_CLOSE", msg: cmdGolden(t, "core_findclose_req"), unicode: true, max: 1,
			key: cmdHex("00 746f72747572655f747874 01 ffffffff 00000000")},
		{name: "DOS volume label", msg: cmdMsg(ComSearch, cmdOEM, cmdHex("0100 0800"), []byte("\x04\\????????.???\x00\x05\x00\x00")),
			max: 1, attr: 8, file: `\????????.???`},
		{name: "OEM continuation", msg: cmdMsg(ComSearch, cmdOEM, cmdHex("0a00 1600"), append([]byte("\x04\x00\x05\x15\x00"), key...)),
			max: 10, attr: 0x16, key: key},
		{name: "no 0x05", msg: cmdMsg(ComSearch, cmdOEM, cmdHex("0100 0000"), []byte("\x04a\x00\x04\x00\x00")), err: errSearchFormat},
		{name: "no resume key block", msg: cmdMsg(ComSearch, cmdOEM, cmdHex("0100 0000"), []byte("\x04a\x00\x05\x00")), err: errSearchFormat},
		{name: "key length 20", msg: cmdMsg(ComFind, cmdOEM, cmdHex("0100 0000"), append([]byte("\x04\x00\x05\x14\x00"), key[:20]...)),
			err: errResumeKeyLen},
		{name: "key cut short", msg: cmdMsg(ComFind, cmdOEM, cmdHex("0100 0000"), append([]byte("\x04\x00\x05\x15\x00"), key[:20]...)),
			err: errResumeKeyLen},
		{name: "no FileName", msg: cmdMsg(ComFind, cmdOEM, cmdHex("0100 0000"), []byte("\x05\x00\x00")), err: errBufferFormat},
		{name: "WordCount 1", msg: cmdMsg(ComFind, cmdOEM, cmdHex("0100"), []byte("\x04\x00\x05\x00\x00")), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSearchRequest(cmdFirst(t, tt.msg), tt.unicode)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if s.MaxCount() != tt.max || s.SearchAttributes() != tt.attr || cmdStr(s.FileName(), tt.unicode) != tt.file ||
				!bytes.Equal(s.ResumeKey(), tt.key) {
				t.Errorf("got %d %#x %q key %x", s.MaxCount(), s.SearchAttributes(), cmdStr(s.FileName(), tt.unicode), []byte(s.ResumeKey()))
			}
			if k := s.ResumeKey(); len(k) == ResumeKeyLen {
				if k.Reserved() != k[0] || !bytes.Equal(k.ServerState(), k[1:17]) || !bytes.Equal(k.ClientState(), k[17:]) {
					t.Error("ResumeKey accessors disagree with the bytes")
				}
			}
		})
	}
}

func TestFindResponseGolden(t *testing.T) {
	gold := cmdGolden(t, "core_find_resp")
	r := cmdReply(gold)
	e := DirectoryEntry{FileAttributes: 0x20, LastWriteTime: 0x100f, LastWriteDate: 0x5e58, FileSize: 7, FileName: "TOR0GA~L.TXT"}
	copy(e.ResumeKey[:], cmdHex("00 746f72747572655f747874 01 ffffffff 00000000"))
	pos := BeginSearchResponse(r, ComFind)
	AppendDirectoryEntry(r, &e)
	EndSearchResponse(r, pos, 1)
	cmdSame(t, r.Bytes(), gold)
	cmdParseBack(t, r.Bytes(), 1, 3+DirectoryEntryLen)
	if len(r.Bytes()) != SearchResponseOverhead+DirectoryEntryLen {
		t.Errorf("length %d, want SearchResponseOverhead+43", len(r.Bytes()))
	}
}

// TestSearchResponseGolden decodes Samba's 100 entries and encodes them
// again: the fixed-size name field must be padded as Samba pads it.
func TestSearchResponseGolden(t *testing.T) {
	gold := cmdGolden(t, "core_search_resp")
	b := cmdFirst(t, gold)
	count := int(b.Word(0))
	entries := b.Data[3:]
	if count != 100 || len(entries) != count*DirectoryEntryLen {
		t.Fatalf("capture has %d entries in %d bytes", count, len(entries))
	}
	r := cmdReply(gold)
	pos := BeginSearchResponse(r, ComSearch)
	for i := range count {
		raw := entries[i*DirectoryEntryLen:]
		var e DirectoryEntry
		copy(e.ResumeKey[:], raw)
		e.FileAttributes = raw[21]
		e.LastWriteTime, e.LastWriteDate, e.FileSize = rd16(raw, 22), rd16(raw, 24), rd32(raw, 26)
		e.FileName = string(raw[30 : 30+bytes.IndexByte(raw[30:43], 0)])
		AppendDirectoryEntry(r, &e)
	}
	EndSearchResponse(r, pos, count)
	cmdSame(t, r.Bytes(), gold)
}

func TestSearchResponseEmpty(t *testing.T) {
	gold := cmdGolden(t, "core_search_end_resp")
	r := cmdReply(gold)
	EndSearchResponse(r, BeginSearchResponse(r, ComSearch), 0)
	cmdSame(t, r.Bytes(), gold)

	// FIND_CLOSE answers with the spec's Count 0 and empty variable block,
	// where Samba sends ByteCount 0.
	gold = cmdGolden(t, "core_findclose_resp")
	want := append(append([]byte{}, gold[:HeaderLen+3]...), 3, 0, 5, 0, 0)
	r = cmdReply(gold)
	EndSearchResponse(r, BeginSearchResponse(r, ComFindClose), 0)
	cmdSame(t, r.Bytes(), want)
}

func TestDirectoryEntryName(t *testing.T) {
	tests := []struct {
		name string
		want []byte
	}{
		{"A.B", []byte("A.B\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")},
		{"ABCDEFGH.TXT", []byte("ABCDEFGH.TXT\x00")},
		{"ABCDEFGHIJKLMN", []byte("ABCDEFGHIJKL\x00")},
		{"\u00e9\u4e2d.X", []byte("\xe9?.X\x00\x00\x00\x00\x00\x00\x00\x00\x00")},
	}
	for _, tt := range tests {
		var r Response
		r.Begin(nil, Header(cmdMsg(ComSearch, cmdOEM, nil, nil)[:HeaderLen]), cmdOEM)
		AppendDirectoryEntry(&r, &DirectoryEntry{FileName: tt.name})
		entry := r.Bytes()[HeaderLen:]
		if len(entry) != DirectoryEntryLen || !bytes.Equal(entry[30:], tt.want) {
			t.Errorf("%q: entry name field %q", tt.name, entry[30:])
		}
	}
}

//go:build !tinysmbd_nocore && !tinysmbd_noipc

package server_test

// Tests of 8.3 short names, FIND continuation and READ access over a real
// connection, with requests and expected replies written byte by byte.

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/spf13/afero"
)

const (
	trans2FindFirst2    = 0x01
	trans2FindNext2     = 0x02
	trans2QueryPathInfo = 0x05
	levelAltNameInfo    = 0x0108
	levelBothDirInfo    = 0x0104
	flags2ReadIfExecute = 0x2000
)

// t2Data checks that a TRANSACTION2 reply succeeded and returns its data.
func t2Data(t *testing.T, r smbResponse) []byte {
	t.Helper()
	if r.status != statusSuccess {
		t.Fatalf("TRANSACTION2: %v", r)
	}
	_, d := transData(t, r)
	return d
}

// utf16le is s in UTF-16LE without a terminator.
func utf16le(s string) []byte {
	z := utf16z(s)
	return z[:len(z)-2]
}

// TestShortNames: a long name has the short name vfs.Mangle gives it in
// QUERY_PATH_INFO's ALT_NAME_INFO and FIND's BOTH_DIRECTORY_INFO, an 8.3
// name is its own alternate name and has an empty ShortName, and the file
// opens by its short name in any case (smbtorture raw.search "one file
// search", base.mangle).
func TestShortNames(t *testing.T) {
	fs := afero.NewMemMapFs()
	for _, n := range []string{"/torture_search.txt", "/abc.txt"} {
		if err := afero.WriteFile(fs, n, []byte("TEST DATA"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cc := newCoreClient(t, fs)
	const flags2 = coreFlags2 | flags2LongNames
	altName := func(name string) []byte {
		params := append(le16(levelAltNameInfo), 0, 0, 0, 0)
		w, d := trans2(trans2QueryPathInfo, append(params, name+"\x00"...), nil)
		return t2Data(t, cc.call(hCmdTransaction2, flags2, w, d))
	}
	// MS-FSCC 2.4.5: FileNameLength, then the name in UTF-16LE.
	want := append(le32(nil, 24), utf16le("TO28KN~F.TXT")...)
	if got := altName(`\torture_search.txt`); !bytes.Equal(got, want) {
		t.Errorf("ALT_NAME_INFO of a long name:\n got % x\nwant % x", got, want)
	}
	want = append(le32(nil, 14), utf16le("abc.txt")...)
	if got := altName(`\ABC.TXT`); !bytes.Equal(got, want) {
		t.Errorf("ALT_NAME_INFO of an 8.3 name:\n got % x\nwant % x", got, want)
	}

	// FIND_FIRST2 for one name at SMB_FIND_FILE_BOTH_DIRECTORY_INFO:
	// ShortNameLength, Reserved and the 24-byte ShortName follow the
	// 68 fixed bytes (MS-CIFS 2.2.8.1.7).
	find := func(pattern string) []byte {
		params := le16(0x16, 1, 1, levelBothDirInfo) // attributes, count, CLOSE_AFTER_REQUEST
		params = append(le32(params, 0), pattern+"\x00"...)
		w, d := trans2(trans2FindFirst2, params, nil)
		return t2Data(t, cc.call(hCmdTransaction2, flags2, w, d))
	}
	e := find(`\torture_search.txt`)
	want = append([]byte{24, 0}, utf16le("TO28KN~F.TXT")...)
	if len(e) < 94 || !bytes.Equal(e[68:94], want) {
		t.Errorf("BOTH_DIRECTORY_INFO ShortName:\n got % x\nwant % x", e[68:min(len(e), 94)], want)
	}
	e = find(`\abc.txt`)
	if len(e) < 94 || !bytes.Equal(e[68:94], make([]byte, 26)) {
		t.Errorf("BOTH_DIRECTORY_INFO ShortName of an 8.3 name: % x", e[68:min(len(e), 94)])
	}
	// By its short name, the long name is found.
	if e = find(`\to28kn~f.txt`); len(e) < 94 || !bytes.Equal(e[94:], []byte("torture_search.txt\x00")) {
		t.Errorf("FIND by the short name: % x", e)
	}

	// NT_CREATE_ANDX by the short name opens the long name.
	w, d := ntCreateBlock(`\to28kn~f.txt`, 0x00120089, 1, 0) // FILE_GENERIC_READ, FILE_OPEN
	r := cc.call(benchCmdNTCreate, clientFlags2, w, d)
	if r.status != statusSuccess {
		t.Fatalf("NT_CREATE_ANDX by short name: %v", r)
	}
	fid := binary.LittleEndian.Uint16(r.words[5:])
	r = cc.call(hCmdReadAndX, clientFlags2, readAndXWords(fid, 64), nil)
	if r.status != statusSuccess || !bytes.HasSuffix(r.data, []byte("TEST DATA")) {
		t.Errorf("READ_ANDX of the file opened by short name: %v % x", r, r.data)
	}
}

// TestReadForExecute: a handle opened with FILE_EXECUTE alone reads only
// when the request sets SMB_FLAGS2_READ_IF_EXECUTE (MS-SMB 2.2.3.1), as
// smbtorture raw.read "read for execute" expects of Samba.
func TestReadForExecute(t *testing.T) {
	fs := afero.NewMemMapFs()
	if err := afero.WriteFile(fs, "/test.txt", []byte("TEST DATA"), 0o644); err != nil {
		t.Fatal(err)
	}
	cc := newCoreClient(t, fs)
	open := func(access uint32) uint16 {
		w, d := ntCreateBlock(`\test.txt`, access, 1, 0)
		r := cc.call(benchCmdNTCreate, clientFlags2, w, d)
		if r.status != statusSuccess {
			t.Fatalf("NT_CREATE_ANDX access %#x: %v", access, r)
		}
		return binary.LittleEndian.Uint16(r.words[5:])
	}
	exec := open(0x20) // FILE_EXECUTE
	r := cc.call(hCmdReadAndX, clientFlags2|flags2ReadIfExecute, readAndXWords(exec, 64), nil)
	// MS-CIFS 2.2.4.42.2: Remaining 0xFFFF, DataLength 9.
	if r.status != statusSuccess || binary.LittleEndian.Uint16(r.words[4:]) != 0xFFFF ||
		binary.LittleEndian.Uint16(r.words[10:]) != 9 || !bytes.HasSuffix(r.data, []byte("TEST DATA")) {
		t.Errorf("READ_ANDX with READ_IF_EXECUTE: %v % x", r, r.data)
	}
	if r = cc.call(hCmdReadAndX, clientFlags2, readAndXWords(exec, 64), nil); r.status != statusAccessDenied || len(r.words) != 0 {
		t.Errorf("READ_ANDX without READ_IF_EXECUTE: %v", r)
	}
	// A handle with FILE_READ_DATA reads either way.
	read := open(0x01)
	if r = cc.call(hCmdReadAndX, clientFlags2, readAndXWords(read, 64), nil); r.status != statusSuccess {
		t.Errorf("READ_ANDX with FILE_READ_DATA: %v", r)
	}
}

//go:build !tinysmbd_nocore && !tinysmbd_noipc

package server_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/spf13/afero"
)

const (
	levelNamesInfo       = 0x0103 // SMB_FIND_FILE_NAMES_INFO
	findContinueFromLast = 0x0008
)

// namesInfo is the FIND data block of SMB_FIND_FILE_NAMES_INFO entries
// for OEM names (MS-FSCC 2.4.28): each entry 8-byte aligned, with
// NextEntryOffset (0 in the last), FileIndex 0, FileNameLength and the
// null-terminated name, the terminator counted.
func namesInfo(names ...string) []byte {
	var b []byte
	prev := -1
	for _, n := range names {
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
		if prev >= 0 {
			binary.LittleEndian.PutUint32(b[prev:], uint32(len(b)-prev))
		}
		prev = len(b)
		b = le32(le32(le32(b, 0), 0), uint32(len(n)+1))
		b = append(append(b, n...), 0)
	}
	return b
}

// TestFindNext2FreshListing: FIND_NEXT2 lists the directory again and
// resumes after a name, so entries created or deleted since FIND_FIRST2
// (here by another process, directly in the file system) show as they
// are now; without CONTINUE_FROM_LAST the request's FileName says where
// to resume, "." meaning from the start, and with it the last entry
// returned does, even when that entry has gone (smbtorture raw.search
// "modify search").
func TestFindNext2FreshListing(t *testing.T) {
	fs := afero.NewMemMapFs()
	for _, n := range []string{"/a.txt", "/b.txt", "/c.txt", "/d.txt"} {
		if err := afero.WriteFile(fs, n, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cc := newCoreClient(t, fs)
	const flags2 = coreFlags2 | flags2LongNames
	check := func(what string, r smbResponse, params []byte, names ...string) {
		t.Helper()
		if r.status != statusSuccess {
			t.Fatalf("%s: %v", what, r)
		}
		p, d := transData(t, r)
		if !bytes.Equal(p, params) || !bytes.Equal(d, namesInfo(names...)) {
			t.Fatalf("%s:\nparams % x, want % x\ndata % x\nwant % x", what, p, params, d, namesInfo(names...))
		}
	}
	// FIND_FIRST2 (MS-CIFS 2.2.6.2.1): SearchAttributes 0 (no
	// directories, so no "." or ".."), SearchCount 1, Flags 0, the
	// level, SearchStorageType, FileName.
	params := append(le32(le16(0, 1, 0, levelNamesInfo), 0), `\*`+"\x00"...)
	w, d := trans2(trans2FindFirst2, params, nil)
	r := cc.call(hCmdTransaction2, flags2, w, d)
	// SID, SearchCount, EndOfSearch, EaErrorOffset, LastNameOffset: where
	// the last entry starts, as in Windows NT and Samba.
	p, _ := transData(t, r)
	sid := binary.LittleEndian.Uint16(p)
	check("FIND_FIRST2", r, le16(sid, 1, 0, 0, 0), "a.txt")

	next := func(count, flags uint16, name string) smbResponse {
		// FIND_NEXT2 (MS-CIFS 2.2.6.3.1): SID, SearchCount, level,
		// ResumeKey, Flags, FileName.
		params := append(le32(le16(sid, count, levelNamesInfo), 0), le16(flags)...)
		w, d := trans2(trans2FindNext2, append(params, name+"\x00"...), nil)
		return cc.call(hCmdTransaction2, flags2, w, d)
	}
	if err := afero.WriteFile(fs, "/b0.txt", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := fs.Remove("/c.txt"); err != nil {
		t.Fatal(err)
	}
	// SearchCount, EndOfSearch, EaErrorOffset, LastNameOffset.
	check("after a.txt", next(10, 0, "a.txt"), le16(3, 1, 0, 48), "b.txt", "b0.txt", "d.txt")
	check("from the start", next(2, 0, "."), le16(2, 0, 0, 24), "a.txt", "b.txt")
	if err := fs.Remove("/b.txt"); err != nil {
		t.Fatal(err)
	}
	check("from the last, gone", next(10, findContinueFromLast, "zzz"), le16(2, 1, 0, 24), "b0.txt", "d.txt")
}

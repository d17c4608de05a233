//go:build !tinysmbd_nocore && !tinysmbd_noipc

package server_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tinysmbd/tinysmbd/server"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// bigDirFiles is how many files the warm directory of the allocation tests
// holds: a request that read the directory again would allocate at least
// once per name, far above the bounds below.
const bigDirFiles = 5000

// bigDirSession logs on to a share of a host directory holding
// bigDirFiles files.
func bigDirSession(tb testing.TB) *benchSession {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, benchFileName), nil, 0o644); err != nil {
		tb.Fatal(err)
	}
	for i := range bigDirFiles {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("entry%05d.txt", i)), nil, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	fsys, err := vfs.NewRootFs(dir)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := benchConfig(tb)
	cfg.Shares = []server.Share{{Name: "share", Fs: fsys}}
	return benchLogon(tb, dialBench(tb, cfg))
}

// findNext2Allocs bounds the allocations of a FIND_NEXT2 returning four
// FIND_FILE_BOTH_DIRECTORY_INFO entries from a directory it has read
// before: the entries' stats, FileInfos and short names, and nothing that
// grows with the directory.
const findNext2Allocs = 48

// TestFindNext2Allocs: a FIND_NEXT2 goes on from the search's kept names
// and costs what it returns, not the directory (bigDirFiles names).
func TestFindNext2Allocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race; make test also runs this without it")
	}
	s := bigDirSession(t)
	const level, count = 0x104, 4 // SMB_FIND_FILE_BOTH_DIRECTORY_INFO
	// FIND_FIRST2 (MS-CIFS 2.2.6.2.1): SearchAttributes (directories
	// too), SearchCount, Flags, InformationLevel, SearchStorageType,
	// FileName.
	params := append(le32(le16(0x16, count, 0, level), 0), utf16z(`\*`)...)
	w, d := trans2(trans2FindFirst2, params, nil)
	s.link.send(t, smbRequest(hCmdTransaction2, 10, s.uid, s.tid, clientFlags2, w, d))
	r, err := parseResponse(benchReply(t, s.link.next(t), hCmdTransaction2, 10))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := transData(t, r)
	sid := binary.LittleEndian.Uint16(p)
	// FIND_NEXT2 (MS-CIFS 2.2.6.3.1): SID, SearchCount, level, ResumeKey,
	// Flags (CONTINUE_FROM_LAST), FileName (empty).
	params = append(le32(le16(sid, count, level), 0), le16(findContinueFromLast)...)
	w, d = trans2(trans2FindNext2, append(params, 0, 0), nil)
	next := smbRequest(hCmdTransaction2, 11, s.uid, s.tid, clientFlags2, w, d)
	once := func() {
		s.link.send(t, next)
		r, err := parseResponse(benchReply(t, s.link.next(t), hCmdTransaction2, 11))
		if err != nil {
			t.Fatal(err)
		}
		// SearchCount, EndOfSearch.
		if p, _ := transData(t, r); len(p) < 4 || binary.LittleEndian.Uint16(p) != count || p[2] != 0 {
			t.Fatalf("FIND_NEXT2 params % x, want %d entries and more to come", p, count)
		}
	}
	for range 10 {
		once()
	}
	// 200 requests of 4 stay well inside the directory.
	allocs := testing.AllocsPerRun(200, once)
	t.Logf("FIND_NEXT2 of %d entries from a directory of %d: %.0f allocs", count, bigDirFiles, allocs)
	if allocs > findNext2Allocs {
		t.Errorf("FIND_NEXT2 of %d entries allocates %.0f times, want at most %d", count, allocs, findNext2Allocs)
	}
}

// ntCreateAllocs bounds the allocations of an NT_CREATE_ANDX that creates a
// new file in a directory whose name index is built, together with the
// CLOSE of it: path lookups, the file and its handle, and nothing that
// grows with the directory.
const ntCreateAllocs = 120

// TestNTCreateNewFileAllocs: creating a file in a warm directory of
// bigDirFiles names updates its name index instead of reading the
// directory again.
func TestNTCreateNewFileAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race; make test also runs this without it")
	}
	s := bigDirSession(t)
	const runs = 200
	var creates [runs + 12][]byte
	for i := range creates {
		// DesiredAccess GENERIC_READ|WRITE, FILE_CREATE,
		// FILE_NON_DIRECTORY_FILE.
		creates[i] = ntCreateRequest(20, s.uid, s.tid, fmt.Sprintf(`\New%05d.TXT`, i), 0x0012019F, 2, 0x40)
	}
	n := 0
	once := func() {
		s.link.send(t, creates[n])
		n++
		r, err := parseResponse(benchReply(t, s.link.next(t), benchCmdNTCreate, 20))
		if err != nil {
			t.Fatal(err)
		}
		// MS-CIFS 2.2.4.64.2: AndX header (4), OplockLevel (1), FID.
		if len(r.words) < 7 {
			t.Fatalf("NT_CREATE_ANDX reply: %v", r)
		}
		fid := binary.LittleEndian.Uint16(r.words[5:])
		s.link.send(t, smbRequest(hCmdClose, 21, s.uid, s.tid, clientFlags2, append(le16(fid), 0, 0, 0, 0), nil))
		benchReply(t, s.link.next(t), hCmdClose, 21)
	}
	for range 10 {
		once()
	}
	allocs := testing.AllocsPerRun(runs, once)
	t.Logf("NT_CREATE_ANDX of a new file and CLOSE in a directory of %d: %.0f allocs", bigDirFiles, allocs)
	if allocs > ntCreateAllocs {
		t.Errorf("NT_CREATE_ANDX of a new file and CLOSE allocates %.0f times, want at most %d", allocs, ntCreateAllocs)
	}
}

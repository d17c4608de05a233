package server_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tinysmbd/tinysmbd/server"
)

// findReply is one line of testdata/interop/find_replies.py's output.
type findReply struct {
	status, count  string
	lastNameOffset int
	data           []byte
}

// parseFindReplies maps "op level unicode flags" to the reply.
func parseFindReplies(t *testing.T, text string) map[string]findReply {
	t.Helper()
	out := map[string]findReply{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) != 8 || (f[0] != "first" && f[0] != "next") {
			continue
		}
		r := findReply{status: f[4], count: f[5], lastNameOffset: -1}
		if f[6] != "-" {
			var err error
			if r.lastNameOffset, err = strconv.Atoi(f[6]); err != nil {
				t.Fatalf("bad LastNameOffset in %q", line)
			}
			if r.data, err = hex.DecodeString(f[7]); err != nil {
				t.Fatalf("bad data in %q", line)
			}
		}
		out[strings.Join(f[:4], " ")] = r
	}
	return out
}

// lastEntryStart returns where the last of count entries of a FIND data
// block starts: for the NT levels (0x101 and up) the sum of the
// NextEntryOffsets; for the LANMAN levels, whose entries are all the same
// size when the names are (find_replies.py lists four names of one
// length), len(data) less one entry.
func lastEntryStart(t *testing.T, key string, level, count int, data []byte) int {
	t.Helper()
	if count < 1 {
		t.Fatalf("%s: no entries", key)
	}
	if level >= 0x101 {
		at := 0
		for i := 1; i < count; i++ {
			if at+4 > len(data) {
				t.Fatalf("%s: NextEntryOffset chain leaves the data", key)
			}
			at += int(binary.LittleEndian.Uint32(data[at:]))
		}
		return at
	}
	if len(data)%count != 0 {
		t.Fatalf("%s: %d bytes do not split into %d equal entries", key, len(data), count)
	}
	return len(data) - len(data)/count
}

// TestInteropFindLastNameOffsetAsSamba runs testdata/interop/find_replies.py
// (FIND_FIRST2 then FIND_NEXT2 at every level, OEM and Unicode, with and
// without resume keys) against the server and requires each LastNameOffset
// to be the start of the reply's last entry, what Samba 4.17 answered for the
// same directory, level and flags (testdata/interop/find_replies_samba.txt,
// where Samba's field is checked to mean that).
func TestInteropFindLastNameOffsetAsSamba(t *testing.T) {
	python := requirePeer(t, "impacket")
	fixture, err := os.ReadFile(filepath.Join("testdata", "interop", "find_replies_samba.txt"))
	if err != nil {
		t.Fatal(err)
	}
	samba := parseFindReplies(t, string(fixture))
	if len(samba) != 72 {
		t.Fatalf("find_replies_samba.txt has %d replies, want 9 levels * 2 * 2 * 2 = 72", len(samba))
	}
	script, err := filepath.Abs(filepath.Join("testdata", "interop", "find_replies.py"))
	if err != nil {
		t.Fatal(err)
	}
	l, port := listenDirect(t)
	ts := newTestShares(t)
	for _, n := range []string{"a.txt", "b.txt", "c.txt", "d.txt"} {
		if err := os.WriteFile(filepath.Join(ts.dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	startServer(t, ts.cfg, served{l, server.FramingDirect})
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, script, "--port", strconv.Itoa(port),
		"--user", testUser, "--password", testPassword).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\ndone") {
		t.Fatalf("find_replies.py: %v\n%s", err, out)
	}
	ours := parseFindReplies(t, string(out))
	for key, want := range samba {
		f := strings.Fields(key)
		level, _ := strconv.Atoi(f[1])
		got, ok := ours[key]
		switch {
		case !ok:
			t.Errorf("%s: no reply", key)
			continue
		case got.status != want.status || got.count != want.count:
			t.Errorf("%s: status %s, %s entries; Samba %s, %s", key, got.status, got.count, want.status, want.count)
			continue
		case want.lastNameOffset < 0:
			continue
		}
		n, _ := strconv.Atoi(want.count)
		if s := lastEntryStart(t, key+" (Samba)", level, n, want.data); want.lastNameOffset != s {
			t.Fatalf("%s: Samba's LastNameOffset %d is not its last entry's start %d: the fixture is not what this test assumes", key, want.lastNameOffset, s)
		}
		if s := lastEntryStart(t, key, level, n, got.data); got.lastNameOffset != s {
			t.Errorf("%s (op level unicode flags): LastNameOffset %d, but the last entry is at %d (Samba: its last entry, %d)", key, got.lastNameOffset, s, want.lastNameOffset)
		}
		// The LANMAN entries are laid out as Samba's, so the offsets
		// are equal too. The NT-level entries are 8-byte aligned
		// (MS-FSCC 2.4) where Samba's SMB1 aligns them to 4.
		if level < 0x101 && got.lastNameOffset != want.lastNameOffset {
			t.Errorf("%s (op level unicode flags): LastNameOffset %d, Samba %d", key, got.lastNameOffset, want.lastNameOffset)
		}
	}
}

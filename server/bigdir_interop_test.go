package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/tinysmbd/tinysmbd/server"
)

// TestInteropSmbclientBigDirectory lists a directory of 10,000 files with
// smbclient (NT1): FIND_FIRST2 and a run of FIND_NEXT2 continuing by
// resume name must return every file exactly once (MS-CIFS 2.2.6.2,
// 2.2.6.3), and a file in the middle is found by name.
func TestInteropSmbclientBigDirectory(t *testing.T) {
	requirePeer(t, "smbclient")
	l, port := listenDirect(t)
	ts := newTestShares(t)
	startServer(t, ts.cfg, served{l, server.FramingDirect})

	const n = 10000
	dir := filepath.Join(ts.dir, "big")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file-%05d.txt", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := newSmbclient(t, port, "share", "-U", testUser+"%"+testPassword)
	// run, not mustRun: mustRun logs the output, 10,000 lines here.
	out, err := c.run(`cd big; ls`)
	if err != nil || regexp.MustCompile(`NT_STATUS_|Error in dskattr`).MatchString(out) {
		t.Fatalf("smbclient ls: %v\n%.2000s", err, out)
	}
	seen := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(file-\d{5}\.txt)\s`).FindAllStringSubmatch(out, -1) {
		seen[m[1]]++
	}
	if len(seen) != n {
		t.Fatalf("smbclient ls listed %d distinct files of %d", len(seen), n)
	}
	for name, k := range seen {
		if k != 1 {
			t.Fatalf("%s listed %d times", name, k)
		}
	}
	if out := c.mustRun(`cd big; ls FILE-05000.TXT`); !regexp.MustCompile(`(?m)^\s+file-05000\.txt\s`).MatchString(out) {
		t.Errorf("case-insensitive lookup of one file in 10,000 failed:\n%s", out)
	}
}

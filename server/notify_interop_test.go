package server_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/server"
)

// TestInteropSmbclientNotify: smbclient's notify command (NT1, so
// NT_TRANSACT_NOTIFY_CHANGE) prints the FILE_NOTIFY_INFORMATION entries
// tinysmbd sends — action in hex, then the name relative to the watched
// directory — for the changes another smbclient makes: a file added,
// renamed (old and new names), a subdirectory and a file in it (a tree
// watch: smbclient asks for the subtree), and a file deleted.
func TestInteropSmbclientNotify(t *testing.T) {
	// stdbuf makes smbclient write each line as it prints it: its output
	// is a pipe here, which stdio would otherwise fill before writing.
	stdbuf := requirePeer(t, "stdbuf")
	requirePeer(t, "smbclient")
	l, port := listenDirect(t)
	ts := newTestShares(t)
	startServer(t, ts.cfg, served{l, server.FramingDirect})
	if err := os.Mkdir(filepath.Join(ts.dir, "watched"), 0o755); err != nil {
		t.Fatal(err)
	}
	auth := "-U" + testUser + "%" + testPassword
	watcher, changer := newSmbclient(t, port, "share", auth), newSmbclient(t, port, "share", auth)
	if err := os.WriteFile(filepath.Join(changer.local, "f"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	cmd := watcher.command(ctx, []string{stdbuf, "-oL"}, "notify watched")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); cmd.Wait() }()
	lines := make(chan string)
	go func() {
		defer close(lines)
		for sc := bufio.NewScanner(out); sc.Scan(); {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	var seen []string
	// next returns the next line smbclient printed, or "" when wait
	// passes without one; a closed output fails the test.
	next := func(wait time.Duration) string {
		select {
		case s, ok := <-lines:
			if !ok {
				t.Fatalf("smbclient notify ended; it printed:\n%s", strings.Join(seen, "\n"))
			}
			seen = append(seen, s)
			return s
		case <-time.After(wait):
			return ""
		case <-ctx.Done():
			t.Fatalf("no notification within %v; smbclient printed:\n%s", peerTimeout, strings.Join(seen, "\n"))
			return ""
		}
	}
	// The watch exists from the notify request on, which comes a moment
	// after smbclient starts: make probe directories until one is
	// reported, then the changes under test.
	for i := 0; ; i++ {
		changer.mustRun(fmt.Sprintf(`mkdir watched\probe%d`, i))
		if s := next(time.Second); strings.Contains(s, "probe") {
			break
		}
	}
	changer.mustRun(`cd watched; put f a.txt; rename a.txt b.txt; mkdir sub; put f sub\c.txt; del b.txt`)
	// In this order, between other lines (the probes, MODIFIED entries of
	// the written files).
	want := []string{"0001 a.txt", "0004 a.txt", "0005 b.txt", "0001 sub", `0001 sub\c.txt`, "0002 b.txt"}
	for len(want) > 0 {
		if next(peerTimeout) == want[0] {
			want = want[1:]
		}
	}
	t.Logf("smbclient notify printed:\n%s", strings.Join(seen, "\n"))
}

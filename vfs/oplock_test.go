package vfs

import (
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

// TestBreakOplock: which opens break an oplock and wait for it, and what
// ends the wait.
func TestBreakOplock(t *testing.T) {
	cases := []struct {
		name          string
		level         uint8
		holderShare   uint32
		access, share uint32
		wait          bool
	}{
		{"batch, compatible open", smb.OplockBatch, ShareAll, rwAccess, ShareAll, true},
		{"batch breaks before the share check", smb.OplockBatch, 0, rwAccess, ShareAll, true},
		{"exclusive, compatible open", smb.OplockExclusive, ShareAll, rwAccess, ShareAll, true},
		{"exclusive, sharing violation: no break", smb.OplockExclusive, 0, rwAccess, ShareAll, false},
		{"stat open never breaks", smb.OplockBatch, 0, AccessReadAttributes | AccessSynchronize, ShareAll, false},
		{"generic read is data access", smb.OplockBatch, ShareAll, AccessGenericRead, ShareAll, true},
	}
	for _, c := range cases {
		s := NewShare(afero.NewMemMapFs(), false)
		f, _, err := s.Create(`\f`, CreateParams{DesiredAccess: rwAccess, CreateDisposition: FileOpenIf, ShareAccess: c.holderShare})
		if err != nil {
			t.Fatal(err)
		}
		breaks := 0
		if got := f.GrantOplock(c.level, func() { breaks++ }); got != c.level {
			t.Fatalf("%s: granted %d, want %d", c.name, got, c.level)
		}
		woken := 0
		wait := s.BreakOplock(`\F`, c.access, c.share, func() { woken++ })
		if wait != c.wait || breaks != btoi(c.wait) {
			t.Fatalf("%s: wait %v, %d breaks; want %v", c.name, wait, breaks, c.wait)
		}
		if wait {
			// A second waiter joins the break in progress.
			if !s.BreakOplock(`\f`, c.access, c.share, func() { woken++ }) || breaks != 1 {
				t.Fatalf("%s: second waiter: %d breaks", c.name, breaks)
			}
		}
		f.ReleaseOplock()
		if woken != 2*btoi(c.wait) || f.Oplock() != smb.OplockNone {
			t.Fatalf("%s: %d woken, level %d after release", c.name, woken, f.Oplock())
		}
		if s.BreakOplock(`\f`, c.access, c.share, func() {}) {
			t.Fatalf("%s: still waits after the release", c.name)
		}
		f.Close()
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestOplockGrantAndClose: an oplock goes only to a file's only open, not
// to a directory, and closing the holder ends the wait.
func TestOplockGrantAndClose(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	if err := s.fs.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	d, _, err := s.Create(`\d`, CreateParams{DesiredAccess: rwAccess, CreateDisposition: FileOpen, ShareAccess: ShareAll})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.GrantOplock(smb.OplockBatch, nil); got != smb.OplockNone {
		t.Fatalf("directory granted %d", got)
	}
	d.Close()
	f1, _, _ := s.Create(`\f`, CreateParams{DesiredAccess: rwAccess, CreateDisposition: FileOpenIf, ShareAccess: ShareAll})
	f2, _, _ := s.Create(`\f`, CreateParams{DesiredAccess: rwAccess, CreateDisposition: FileOpen, ShareAccess: ShareAll})
	if got := f2.GrantOplock(smb.OplockExclusive, nil); got != smb.OplockNone {
		t.Fatalf("second open granted %d", got)
	}
	f2.Close()
	if got := f1.GrantOplock(smb.OplockExclusive, func() {}); got != smb.OplockExclusive {
		t.Fatalf("only open granted %d", got)
	}
	woken := false
	if !s.BreakOplock(`\f`, rwAccess, ShareAll, func() { woken = true }) {
		t.Fatal("no wait")
	}
	f1.Close()
	if !woken {
		t.Fatal("close did not end the wait")
	}
}

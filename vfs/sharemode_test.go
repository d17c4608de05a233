package vfs

import (
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

const rwAccess = AccessFileGenericRead | AccessFileGenericWrite

func TestShareAccessCheck(t *testing.T) {
	cases := []struct {
		a1, s1, a2, s2 uint32
		ok             bool
	}{
		{AccessReadData, ShareRead, AccessReadData, ShareRead, true},
		{AccessReadData, ShareRead, AccessWriteData, ShareAll, false}, // first does not share writing
		{AccessWriteData, ShareAll, AccessReadData, ShareRead, false}, // second does not share writing
		{AccessReadData, 0, AccessReadAttributes, 0, true},            // stat opens never conflict
		{AccessReadAttributes, 0, AccessReadData, 0, true},            // either way
		{AccessDelete, ShareRead | ShareWrite, AccessReadData, ShareAll, true},
		{AccessReadData, ShareRead | ShareWrite, AccessDelete, ShareAll, false}, // delete not shared
		{AccessExecute, ShareWrite, AccessReadData, ShareAll, false},            // execute counts as read
		{AccessAppendData, ShareRead | ShareDelete, AccessReadData, ShareRead | ShareDelete, false},
	}
	for i, c := range cases {
		s := NewShare(afero.NewMemMapFs(), false)
		f1, _, err := s.Create(`\f`, CreateParams{DesiredAccess: c.a1, CreateDisposition: FileOpenIf, ShareAccess: c.s1})
		if err != nil {
			t.Fatal(err)
		}
		f2, _, err := s.Create(`\F`, CreateParams{DesiredAccess: c.a2, CreateDisposition: FileOpen, ShareAccess: c.s2})
		if c.ok != (err == nil) || err != nil && err != smb.StatusSharingViolation {
			t.Errorf("case %d: %v, want ok=%v", i, err, c.ok)
		}
		if f2 != nil {
			f2.Close()
		}
		f1.Close()
		// Once closed, the file opens again.
		f3, _, err := s.Create(`\f`, CreateParams{DesiredAccess: c.a2, CreateDisposition: FileOpen, ShareAccess: c.s2})
		if err != nil {
			t.Fatalf("case %d after close: %v", i, err)
		}
		f3.Close()
	}
}

// TestOverwriteRefusedKeepsData: a refused overwrite must not truncate.
func TestOverwriteRefusedKeepsData(t *testing.T) {
	fs := afero.NewMemMapFs()
	afero.WriteFile(fs, "/f", []byte("data"), 0o644)
	s := NewShare(fs, false)
	f1, _, err := s.Create(`\f`, CreateParams{DesiredAccess: AccessReadData, CreateDisposition: FileOpen})
	if err != nil {
		t.Fatal(err)
	}
	defer f1.Close()
	if _, _, err := s.Create(`\f`, CreateParams{DesiredAccess: rwAccess, CreateDisposition: FileOverwrite, ShareAccess: ShareAll}); err != smb.StatusSharingViolation {
		t.Fatalf("overwrite: %v", err)
	}
	if b, _ := afero.ReadFile(fs, "/f"); string(b) != "data" {
		t.Fatalf("file now %q", b)
	}
}

func TestDeletePending(t *testing.T) {
	fs := afero.NewMemMapFs()
	s := NewShare(fs, false)
	p := CreateParams{DesiredAccess: rwAccess | AccessDelete, CreateDisposition: FileOpenIf, ShareAccess: ShareAll}
	f1, _, _ := s.Create(`\f`, p)
	f2, _, _ := s.Create(`\f`, p)
	if err := f1.SetDeleteOnClose(true); err != nil {
		t.Fatal(err)
	}
	if !f2.DeleteOnClose() {
		t.Fatal("delete pending not visible through the other open")
	}
	if _, _, err := s.Create(`\f`, p); err != smb.StatusDeletePending {
		t.Fatalf("open of a delete-pending file: %v", err)
	}
	f1.Close()
	if _, err := fs.Stat("/f"); err != nil {
		t.Fatal("deleted while still open")
	}
	f2.Close()
	if _, err := fs.Stat("/f"); err == nil {
		t.Fatal("not deleted at the last close")
	}
	// Clearing the disposition through any open clears the state.
	f1, _, _ = s.Create(`\g`, p)
	f2, _, _ = s.Create(`\g`, p)
	f1.SetDeleteOnClose(true)
	f2.SetDeleteOnClose(false)
	f1.Close()
	f2.Close()
	if _, err := fs.Stat("/g"); err != nil {
		t.Fatalf("cleared disposition still deleted the file: %v", err)
	}
}

func TestDenyModes(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	open := func(name string, access uint16, opener uint64) (*File, error) {
		p, err := OpenAndXParams(0x11, access, 0)
		if err != nil {
			t.Fatal(err)
		}
		p.Opener = opener
		f, _, err := s.Create(name, p)
		return f, err
	}
	// DENY_DOS read/write twice by the same process: the second open
	// shares the first's handle. Another process is refused.
	f1, err := open(`\d.dat`, 0x02, 7)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := open(`\d.dat`, 0x02, 7)
	if err != nil {
		t.Fatalf("DENY_DOS reopen by the same process: %v", err)
	}
	if _, err := open(`\d.dat`, 0x02, 8); err != smb.StatusSharingViolation {
		t.Fatalf("DENY_DOS open by another process: %v", err)
	}
	f1.Close()
	f2.Close()
	// DENY_WRITE lets readers in and keeps writers out.
	f1, _ = open(`\w.dat`, 0x20, 1)
	if f, err := open(`\w.dat`, 0x40, 2); err != nil {
		t.Fatalf("DENY_NONE reader beside DENY_WRITE: %v", err)
	} else {
		f.Close()
	}
	if _, err := open(`\w.dat`, 0x41, 2); err != smb.StatusSharingViolation {
		t.Fatalf("writer beside DENY_WRITE: %v", err)
	}
	f1.Close()
	// DENY_DOS programs are shared by everyone.
	f1, _ = open(`\p.exe`, 0x02, 1)
	if f, err := open(`\p.exe`, 0x42, 2); err != nil {
		t.Fatalf("DENY_DOS .exe: %v", err)
	} else {
		f.Close()
	}
	f1.Close()
	if _, err := OpenAndXParams(0x11, 0x52, 0); err != smb.StatusSMBBadAccess {
		t.Fatalf("sharing mode 5: %v", err)
	}
}

func TestRenameOpenFiles(t *testing.T) {
	fs := afero.NewMemMapFs()
	s := NewShare(fs, false)
	fs.MkdirAll("/dir", 0o777)
	f, _, err := s.Create(`\dir\a`, CreateParams{DesiredAccess: rwAccess, CreateDisposition: FileCreate, ShareAccess: ShareRead | ShareWrite})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Rename(`\dir\a`, `\dir\b`, false); err != smb.StatusSharingViolation {
		t.Fatalf("rename of a file open without FILE_SHARE_DELETE: %v", err)
	}
	if err := s.Rename(`\dir`, `\dir2`, false); err != smb.StatusAccessDenied {
		t.Fatalf("rename of a directory with an open file below: %v", err)
	}
	if err := s.Remove(`\dir\a`); err != smb.StatusSharingViolation {
		t.Fatalf("delete of an open file: %v", err)
	}
	f.Close()
	g, _, _ := s.Create(`\dir\a`, CreateParams{DesiredAccess: rwAccess | AccessDelete, CreateDisposition: FileOpen, ShareAccess: ShareAll})
	h, _, _ := s.Create(`\dir\a`, CreateParams{DesiredAccess: AccessReadData, CreateDisposition: FileOpen, ShareAccess: ShareAll})
	if err := g.Rename(`\dir\c`, false); err != nil {
		t.Fatal(err)
	}
	// The other open follows the file, and the new name carries its state.
	if h.Path() != "/dir/c" {
		t.Fatalf("other open's path %q", h.Path())
	}
	if _, _, err := s.Create(`\dir\c`, CreateParams{DesiredAccess: rwAccess, CreateDisposition: FileOpen}); err != smb.StatusSharingViolation {
		t.Fatalf("open of the renamed file sharing nothing: %v", err)
	}
	g.Close()
	h.Close()
}

func TestOpenInfo(t *testing.T) {
	_, f1, _ := lockFixture(t)
	f1.Lock(rng(3, 5, 6), true)
	info := f1.Info()
	if info.ShareAccess != ShareAll || len(info.Locks) != 1 || info.Locks[0] != (LockInfo{PID: 3, Offset: 5, Length: 6, Shared: true}) {
		t.Fatalf("%+v", info)
	}
}

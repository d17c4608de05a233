package vfs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tinysmbd/tinysmbd/smb"
)

// Windows delete semantics as smbtorture base.delete checks them, each rule
// with the exact status Windows and Samba give.

// docCreate opens p sharing everything, with FILE_DELETE_ON_CLOSE when doc
// is set.
func docCreate(s *Share, p string, disp uint32, doc bool) (*File, error) {
	opts := uint32(0)
	if doc {
		opts = FileDeleteOnClose
	}
	f, _, err := s.Create(p, CreateParams{DesiredAccess: rwd, CreateDisposition: disp, CreateOptions: opts, ShareAccess: ShareAll})
	return f, err
}

func wantPending(t *testing.T, s *Share, p string, want bool, files ...*File) {
	t.Helper()
	for i, f := range files {
		if got := f.DeletePending(); got != want {
			t.Errorf("open %d: DeletePending %v, want %v", i, got, want)
		}
	}
	if actual, _, err := s.Resolve(p); err != nil {
		t.Errorf("resolve %s: %v", p, err)
	} else if got := s.PathDeletePending(actual); got != want {
		t.Errorf("PathDeletePending(%s) = %v, want %v", actual, got, want)
	}
}

// TestDeleteOnCloseAtCreate: FILE_DELETE_ON_CLOSE at create marks the file
// delete pending only when that open closes (deltest16, deltest17); until
// then other opens succeed and see no pending delete; afterwards opens get
// STATUS_DELETE_PENDING and the last close deletes.
func TestDeleteOnCloseAtCreate(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		f1, err := docCreate(s, `\f`, FileCreate, true)
		if err != nil {
			t.Fatal(err)
		}
		f2, err := docCreate(s, `\F`, FileOpen, false)
		if err != nil {
			t.Fatalf("second open: %v", err)
		}
		wantPending(t, s, `\f`, false, f1, f2)
		if !f1.DeleteOnClose() || f2.DeleteOnClose() {
			t.Errorf("DeleteOnClose %v %v, want true false", f1.DeleteOnClose(), f2.DeleteOnClose())
		}
		if err := f1.Close(); err != nil {
			t.Fatal(err)
		}
		wantPending(t, s, `\f`, true, f2)
		if _, err := docCreate(s, `\f`, FileOpen, false); err != smb.StatusDeletePending {
			t.Errorf("open while delete pending: %v, want STATUS_DELETE_PENDING", err)
		}
		if err := f2.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := docCreate(s, `\f`, FileOpen, false); err != smb.StatusObjectNameNotFound {
			t.Errorf("open after the last close: %v, want STATUS_OBJECT_NAME_NOT_FOUND", err)
		}
	})
}

// TestClearDispositionKeepsCreateOption: clearing the disposition clears
// the file's delete-pending state but not the FILE_DELETE_ON_CLOSE of an
// open, which marks the file again when it closes (deltest24, deltest17f).
func TestClearDispositionKeepsCreateOption(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		f, err := docCreate(s, `\once`, FileCreate, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetDeleteOnClose(false); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if exists(s, `\once`) {
			t.Error("clearing the disposition cancelled FILE_DELETE_ON_CLOSE")
		}

		f1, _ := docCreate(s, `\f`, FileCreate, true)
		f2, _ := docCreate(s, `\f`, FileOpen, true)
		f3, _ := docCreate(s, `\f`, FileOpen, false)
		f1.Close()
		wantPending(t, s, `\f`, true, f2, f3)
		if err := f2.SetDeleteOnClose(false); err != nil {
			t.Fatal(err)
		}
		wantPending(t, s, `\f`, false, f2, f3)
		f2.Close()
		wantPending(t, s, `\f`, true, f3)
		if _, err := docCreate(s, `\f`, FileOpen, false); err != smb.StatusDeletePending {
			t.Errorf("open: %v, want STATUS_DELETE_PENDING", err)
		}
		f3.Close()
		if exists(s, `\f`) {
			t.Error("file survived its last close while delete pending")
		}
	})
}

// TestDeleteOnCloseReadOnly: a read-only file cannot be deleted on close,
// whether it exists (MS-FSA 2.1.5.1.2.1), is being created read-only
// (MS-FSA 2.1.5.1.1, deltest12: and is not created) or is marked through a
// handle (MS-FSA 2.1.5.15.3, deltest11).
func TestDeleteOnCloseReadOnly(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		_, _, err := s.Create(`\new`, CreateParams{DesiredAccess: AccessFileAll, CreateDisposition: FileOverwriteIf,
			CreateOptions: FileDeleteOnClose, FileAttributes: AttrReadonly, ShareAccess: ShareDelete})
		if err != smb.StatusCannotDelete {
			t.Errorf("read-only create with delete-on-close: %v, want STATUS_CANNOT_DELETE", err)
		}
		if exists(s, `\new`) {
			t.Error("the refused create left a file")
		}

		f, _, err := s.Create(`\ro`, CreateParams{DesiredAccess: AccessFileAll, CreateDisposition: FileCreate,
			FileAttributes: AttrReadonly, ShareAccess: ShareAll})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetDeleteOnClose(true); err != smb.StatusCannotDelete {
			t.Errorf("disposition on a read-only file: %v, want STATUS_CANNOT_DELETE", err)
		}
		f.Close()
		if _, err := docCreate(s, `\ro`, FileOpen, true); err != smb.StatusCannotDelete {
			t.Errorf("delete-on-close open of a read-only file: %v, want STATUS_CANNOT_DELETE", err)
		}
		if !exists(s, `\ro`) {
			t.Error("read-only file deleted")
		}
	})
}

// TestDeletePendingDirectory: a delete-pending directory refuses new names
// in it and new opens with STATUS_DELETE_PENDING; once cleared it takes
// them again, and a non-empty directory refuses the disposition with
// STATUS_DIRECTORY_NOT_EMPTY (deltest20, deltest23).
func TestDeletePendingDirectory(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		d, _, err := s.Create(`\d`, CreateParams{DesiredAccess: rwd, CreateDisposition: FileOpen,
			CreateOptions: FileDirectoryFile, ShareAccess: ShareAll})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if err := d.SetDeleteOnClose(true); err != nil {
			t.Fatal(err)
		}
		wantPending(t, s, `\d`, true, d)
		if _, err := docCreate(s, `\d\x`, FileCreate, false); err != smb.StatusDeletePending {
			t.Errorf("create in a delete-pending directory: %v, want STATUS_DELETE_PENDING", err)
		}
		if err := s.Mkdir(`\d\sub`); err != smb.StatusDeletePending {
			t.Errorf("mkdir in a delete-pending directory: %v, want STATUS_DELETE_PENDING", err)
		}
		if _, _, err := s.Create(`\d`, CreateParams{DesiredAccess: rwd, CreateDisposition: FileOpen,
			CreateOptions: FileDirectoryFile, ShareAccess: ShareAll}); err != smb.StatusDeletePending {
			t.Errorf("open of a delete-pending directory: %v, want STATUS_DELETE_PENDING", err)
		}
		if err := d.SetDeleteOnClose(false); err != nil {
			t.Fatal(err)
		}
		f, err := docCreate(s, `\d\x`, FileCreate, false)
		if err != nil {
			t.Fatalf("create after clearing: %v", err)
		}
		f.Close()
		if err := d.SetDeleteOnClose(true); err != smb.StatusDirectoryNotEmpty {
			t.Errorf("disposition on a non-empty directory: %v, want STATUS_DIRECTORY_NOT_EMPTY", err)
		}
		wantPending(t, s, `\d`, false, d)
	})
}

// TestDirectoryLinkCount: a directory reports one link, as NTFS and Samba
// do, whatever the Unix count of its subdirectories (deltest18, deltest23
// expect NumberOfLinks 1, and 0 once delete pending).
func TestDirectoryLinkCount(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := LinkCount(fi); n != 1 {
		t.Errorf("LinkCount of a directory = %d, want 1", n)
	}
}

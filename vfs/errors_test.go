package vfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

func TestStatusFromError(t *testing.T) {
	pe := func(err error) error { return &fs.PathError{Op: "op", Path: "/p", Err: err} }
	tests := []struct {
		err  error
		want smb.NTStatus
	}{
		{nil, smb.StatusSuccess},
		{smb.StatusSharingViolation, smb.StatusSharingViolation},
		{fmt.Errorf("wrapped: %w", smb.StatusDiskFull), smb.StatusDiskFull},
		{fs.ErrNotExist, smb.StatusObjectNameNotFound},
		{afero.ErrFileNotFound, smb.StatusObjectNameNotFound},
		{pe(syscall.ENOENT), smb.StatusObjectNameNotFound},
		{fs.ErrExist, smb.StatusObjectNameCollision},
		{pe(afero.ErrFileExists), smb.StatusObjectNameCollision},
		{fs.ErrPermission, smb.StatusAccessDenied},
		{pe(syscall.EACCES), smb.StatusAccessDenied},
		{pe(syscall.EPERM), smb.StatusAccessDenied},
		{pe(syscall.ENOTEMPTY), smb.StatusDirectoryNotEmpty},
		{pe(syscall.ENOSPC), smb.StatusDiskFull},
		{pe(syscall.EDQUOT), smb.StatusDiskFull},
		{pe(syscall.ENOTDIR), smb.StatusObjectPathNotFound},
		{pe(syscall.EISDIR), smb.StatusFileIsADirectory},
		{pe(syscall.EROFS), smb.StatusMediaWriteProtected},
		{pe(syscall.ENAMETOOLONG), smb.StatusNameTooLong},
		{&os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.EXDEV}, smb.StatusNotSameDevice},
		{pe(syscall.EMFILE), smb.StatusTooManyOpenedFiles},
		{pe(syscall.Errno(0x7FFF)), smb.StatusAccessDenied},
		{pe(ErrPathEscapes), smb.StatusAccessDenied},
		{os.ErrClosed, smb.StatusFileClosed},
		{afero.ErrFileClosed, smb.StatusFileClosed},
		{afero.ErrOutOfRange, smb.StatusInvalidParameter},
		{afero.ErrTooLarge, smb.StatusDiskFull},
		{io.EOF, smb.StatusEndOfFile},
		{pe(errors.New(osRootEscape)), smb.StatusAccessDenied},
		{errors.New("something else"), smb.StatusUnsuccessful},
	}
	for _, tt := range tests {
		if got := StatusFromError(tt.err); got != tt.want {
			t.Errorf("StatusFromError(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestStatusFromErrorMemMapFs provokes MemMapFs's own errors so a mem:
// share answers like a disk share.
func TestStatusFromErrorMemMapFs(t *testing.T) {
	mem := afero.NewMemMapFs()
	afero.WriteFile(mem, "/f", []byte("x"), 0o644)
	mem.Mkdir("/d", 0o755)

	_, err := mem.Open("/missing")
	check := func(what string, err error, want smb.NTStatus) {
		t.Helper()
		if got := StatusFromError(err); got != want {
			t.Errorf("%s: %v maps to %v, want %v", what, err, got, want)
		}
	}
	check("open missing", err, smb.StatusObjectNameNotFound)
	check("mkdir existing", mem.Mkdir("/d", 0o755), smb.StatusObjectNameCollision)
	_, err = mem.OpenFile("/f", os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o644)
	check("create exclusive", err, smb.StatusObjectNameCollision)
	check("rename missing", mem.Rename("/missing", "/x"), smb.StatusObjectNameNotFound)
	check("remove missing", mem.Remove("/missing"), smb.StatusObjectNameNotFound)
	check("chmod missing", mem.Chmod("/missing", 0o644), smb.StatusObjectNameNotFound)

	f, _ := mem.Open("/f")
	_, err = f.Readdir(-1)
	check("readdir on a file", err, smb.StatusNotADirectory)
	_, err = f.WriteAt([]byte("y"), 0)
	check("write on a read-only handle", err, smb.StatusAccessDenied)
	check("truncate on a read-only handle", f.Truncate(0), smb.StatusAccessDenied)
	f.Close()
	_, err = f.Read(make([]byte, 1))
	check("read after close", err, smb.StatusFileClosed)
}

// TestStatusFromErrorSymlinkEscape guards the text match on os.Root's
// unexported escape error.
func TestStatusFromErrorSymlinkEscape(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/", filepath.Join(dir, "out")); err != nil {
		t.Fatal(err)
	}
	fsys, err := NewRootFs(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.(*RootFs).Close()
	_, err = fsys.Open("out/etc/passwd")
	if got := StatusFromError(err); got != smb.StatusAccessDenied {
		t.Errorf("symlink escape: %v maps to %v, want access denied", err, got)
	}
}

package vfs

import (
	"errors"
	"io"
	"io/fs"
	"syscall"

	"github.com/spf13/afero"
	"github.com/spf13/afero/mem"

	"github.com/tinysmbd/tinysmbd/smb"
)

// osRootEscape is the text of os.Root's unexported error for a name or
// symlink that leads out of the root. os exports no value to compare with;
// TestStatusFromErrorSymlinkEscape notices if the text ever changes.
const osRootEscape = "path escapes from parent"

// afero's MemMapFs reports some conditions with errors.New values that are
// neither exported nor wrapped; their text is all there is to match.
const (
	memNotDir   = "not a dir"
	memReadOnly = "file handle is read only"
)

// errnoStatus maps the errno values Samba's map_nt_error_from_unix knows to
// the status Windows returns for the same condition.
var errnoStatus = map[syscall.Errno]smb.NTStatus{
	syscall.EPERM:        smb.StatusAccessDenied,
	syscall.EACCES:       smb.StatusAccessDenied,
	syscall.ENOENT:       smb.StatusObjectNameNotFound,
	syscall.ENOTDIR:      smb.StatusObjectPathNotFound,
	syscall.ELOOP:        smb.StatusObjectPathNotFound,
	syscall.EISDIR:       smb.StatusFileIsADirectory,
	syscall.EEXIST:       smb.StatusObjectNameCollision,
	syscall.ENOTEMPTY:    smb.StatusDirectoryNotEmpty,
	syscall.ENOSPC:       smb.StatusDiskFull,
	syscall.EDQUOT:       smb.StatusDiskFull,
	syscall.EFBIG:        smb.StatusDiskFull,
	syscall.EROFS:        smb.StatusMediaWriteProtected,
	syscall.ENAMETOOLONG: smb.StatusNameTooLong,
	syscall.EXDEV:        smb.StatusNotSameDevice,
	syscall.EBUSY:        smb.StatusSharingViolation,
	syscall.ETXTBSY:      smb.StatusSharingViolation,
	syscall.EMFILE:       smb.StatusTooManyOpenedFiles,
	syscall.ENFILE:       smb.StatusTooManyOpenedFiles,
	syscall.ENOMEM:       smb.StatusNoMemory,
	syscall.EINVAL:       smb.StatusInvalidParameter,
	syscall.EBADF:        smb.StatusInvalidHandle,
	syscall.ENXIO:        smb.StatusNoSuchDevice,
	syscall.ENODEV:       smb.StatusNoSuchDevice,
	syscall.ENOSYS:       smb.StatusNotImplemented,
	syscall.EOPNOTSUPP:   smb.StatusNotSupported,
	syscall.EIO:          smb.StatusUnsuccessful,
}

// statusErr is StatusFromError for an error return: nil stays nil rather
// than becoming a non-nil StatusSuccess.
func statusErr(err error) error {
	if err == nil {
		return nil
	}
	return StatusFromError(err)
}

// StatusFromError maps an error from an afero.Fs (OS-backed or MemMapFs)
// or from this package to the NT status a Windows server would send.
// nil gives StatusSuccess and an smb.NTStatus anywhere in the chain passes
// through. Leaving the share root, through ".." or a symlink, is
// StatusAccessDenied. An unknown errno is StatusAccessDenied, as in Samba,
// because clients handle that gracefully; any other unknown error is
// StatusUnsuccessful.
func StatusFromError(err error) smb.NTStatus {
	if err == nil {
		return smb.StatusSuccess
	}
	var st smb.NTStatus
	if errors.As(err, &st) {
		return st
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if s, ok := errnoStatus[errno]; ok {
			return s
		}
		return smb.StatusAccessDenied
	}
	switch {
	case isEscape(err):
		return smb.StatusAccessDenied
	case errors.Is(err, fs.ErrNotExist):
		return smb.StatusObjectNameNotFound
	case errors.Is(err, fs.ErrExist):
		return smb.StatusObjectNameCollision
	case errors.Is(err, fs.ErrPermission):
		return smb.StatusAccessDenied
	case errors.Is(err, fs.ErrClosed), errors.Is(err, afero.ErrFileClosed), errors.Is(err, mem.ErrFileClosed):
		return smb.StatusFileClosed
	case errors.Is(err, afero.ErrOutOfRange), errors.Is(err, mem.ErrOutOfRange):
		return smb.StatusInvalidParameter
	case errors.Is(err, afero.ErrTooLarge), errors.Is(err, mem.ErrTooLarge):
		return smb.StatusDiskFull
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return smb.StatusEndOfFile
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch e.Error() {
		case memReadOnly:
			return smb.StatusAccessDenied
		case memNotDir:
			return smb.StatusNotADirectory
		}
	}
	return smb.StatusUnsuccessful
}

// isEscape reports whether err is a refusal to leave the share root: RootFs's
// and the jail's ErrPathEscapes, or os.Root's error for a symlink that leads
// outside.
func isEscape(err error) bool {
	if errors.Is(err, ErrPathEscapes) {
		return true
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e.Error() == osRootEscape {
			return true
		}
	}
	return false
}

package vfs

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

// File is an open file or directory returned by Share.Create. It checks
// every operation against the access granted at open, as Windows does, not
// against how the Fs handle happens to be opened. A directory, and a file
// opened without read, write or execute access, holds no Fs handle. A File
// belongs to one connection and is not safe for concurrent use.
type File struct {
	share         *Share
	path          string
	isDir         bool
	h             afero.File // nil unless opened for data access
	access        uint32
	deleteOnClose bool
	closed        bool
	listing       []Entry
	atime, mtime  time.Time // set explicitly; re-applied at Close
	// watch is the change buffer (notify.go), from the first Watch.
	watch *Watch
	// written says WriteAt wrote: Close reports the change, as Windows
	// and Samba report a written file when its handle closes, not at each
	// write (smbtorture raw.notify mask: write). Atomic: pipelined writes
	// run on several goroutines.
	written atomic.Bool

	// Share-mode and lock state (sharemode.go, brlock.go). node is set
	// while the file is in its share's open-file table; the share's mutex
	// guards lastFail*.
	node        *fileNode
	nodeIdx     int // f's index in node.opens
	shareAccess uint32
	denyMode    uint8
	opener      uint64
	dup         bool // a DENY_DOS/FCB duplicate of another open
	lastFailSet bool
	lastFail    uint64
	// Oplock state (oplock.go), guarded by the share's mutex. levelII
	// says the client takes level II oplocks; breakTo is the level of the
	// break in progress (breaking).
	oplock   uint8
	levelII  bool
	breaking bool
	breakTo  uint8
	onBreak  OplockBreak

	// Owner is free for the caller's bookkeeping (the server records the
	// TID and PID that opened the file); vfs never reads it.
	Owner any
}

// Path returns the file's path in the Fs, as stored ("/Dir/File.txt"
// even if the client spelled it "\dir\FILE.TXT").
func (f *File) Path() string { return f.share.nodePath(f) }

// IsDir reports whether f is a directory.
func (f *File) IsDir() bool { return f.isDir }

// Access returns the granted access mask (Access* bits, generic rights
// mapped), for the MaximalAccess a response may report.
func (f *File) Access() uint32 { return f.access }

// DeleteOnClose reports whether the file will be deleted when its last
// open closes: this handle was opened with FILE_DELETE_ON_CLOSE, or the
// file is delete pending.
func (f *File) DeleteOnClose() bool { return f.deleteOnClose || f.share.deletePending(f) }

// DeletePending reports the file's delete-pending state, which the
// STANDARD and ALL query levels report (MS-FSA 2.1.5.11.27: DeletePending
// is the link's IsDeleted). An open made with FILE_DELETE_ON_CLOSE does not
// make the file delete pending until that open closes (MS-FSA 2.1.5.5
// phase 1), so it is not reported before.
func (f *File) DeletePending() bool { return f.share.deletePending(f) }

// Share returns the share the file was opened on.
func (f *File) Share() *Share { return f.share }

func (f *File) check() error {
	if f.closed {
		return smb.StatusFileClosed
	}
	return nil
}

// Stat returns the current FileInfo: from the open handle when there is
// one, so it follows writes, and by path otherwise.
func (f *File) Stat() (os.FileInfo, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	var fi os.FileInfo
	var err error
	if f.h != nil {
		fi, err = f.h.Stat()
	} else {
		fi, err = f.share.fs.Stat(f.Path())
	}
	if err != nil {
		return nil, statusErr(err)
	}
	return f.share.withAttrs(f.Path(), fi), nil
}

// ReadAt reads up to len(p) bytes at off. Unlike io.ReaderAt, reaching the
// end of the file is not an error: a short count with a nil error means end
// of file, which is how SMB1 READ reports it. It needs read or execute
// access (Samba allows READ with FILE_EXECUTE for paging).
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if err := f.readCheck(off); err != nil {
		return 0, err
	}
	if int64(int(off)) != off || int64(int(off)+len(p)) != off+int64(len(p)) {
		// An offset past what int holds (beyond 2 GiB on a 32-bit
		// board): afero's in-memory files index with int and panic on
		// it, so a read that starts at or past the end is answered here.
		// A file that large is on disk, whose pread takes 64 bits.
		if fi, err := f.h.Stat(); err == nil && off >= fi.Size() {
			return 0, nil
		}
	}
	n, err := f.h.ReadAt(p, off)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return n, statusErr(err)
	}
	return n, nil
}

// SendSection prepares a read of up to n bytes at off that the caller sends
// from the file to a socket itself, with sendfile(2), rather than copying it
// through ReadAt: it makes ReadAt's checks and returns the operating-system
// file behind f and how many of the n bytes lie before the end of the file.
// osf is nil, with no error, when f has no such file (an in-memory share, or
// a platform without sendfile); the caller then uses ReadAt. The file may
// shrink before the caller sends, which must then make up the difference
// (with zeros, as Samba does after a short sendfile).
func (f *File) SendSection(off int64, n int) (osf *os.File, avail int, err error) {
	if err := f.readCheck(off); err != nil {
		return nil, 0, err
	}
	osf = sendableFile(f.h)
	if osf == nil {
		return nil, 0, nil
	}
	size, err := fileSize(osf)
	if err != nil {
		return nil, 0, nil // let ReadAt try, and report its own error
	}
	if off >= size {
		return osf, 0, nil
	}
	return osf, int(min(int64(n), size-off)), nil
}

// WriteAt writes p at off; writing past the end extends the file and fills
// the gap with zeros. It needs write or append access.
//
// A write that fails part-way (disk full: the kernel takes some bytes,
// then ENOSPC; os.File.WriteAt then reports 0 written) and has made the
// file longer is cut back to the old end of file, so the file does not
// grow by bytes the client was told failed. Bytes overwritten inside the
// old end stay overwritten, as on any server. Finding the old end costs
// one lseek(2) per write, which does not allocate.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if err := f.dataCheck(AccessWriteData | AccessAppendData); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, smb.StatusInvalidParameter
	}
	if len(p) == 0 {
		return 0, nil
	}
	if err := f.share.checkSize(off, int64(len(p))); err != nil {
		return 0, err
	}
	f.BreakLevelII()
	end, serr := f.h.Seek(0, io.SeekEnd)
	n, err := f.h.WriteAt(p, off)
	if err != nil {
		if now, err2 := f.h.Seek(0, io.SeekEnd); serr == nil && err2 == nil && now > end && f.h.Truncate(end) == nil {
			n = 0
		}
		return n, statusErr(err)
	}
	if !f.written.Load() {
		f.written.Store(true)
	}
	return n, nil
}

// Truncate sets the file's size, extending it with zeros or cutting it.
// It needs write access.
func (f *File) Truncate(size int64) error {
	if err := f.dataCheck(AccessWriteData | AccessAppendData); err != nil {
		return err
	}
	if size < 0 {
		return smb.StatusInvalidParameter
	}
	if err := f.share.checkSize(size, 0); err != nil {
		return err
	}
	f.BreakLevelII()
	if err := f.h.Truncate(size); err != nil {
		return statusErr(err)
	}
	// Windows reports a resize in the size and attribute classes, not the
	// last-write one (smbtorture raw.notify mask: truncate).
	f.changed(NotifySize | NotifyAttributes)
	return nil
}

// Sync flushes the file to stable storage; for a directory it does nothing.
func (f *File) Sync() error {
	if err := f.check(); err != nil {
		return err
	}
	if f.h == nil {
		return nil
	}
	return statusErr(f.h.Sync())
}

// readCheck guards a read at off: ReadAt's and SendSection's checks.
func (f *File) readCheck(off int64) error {
	if err := f.dataCheck(AccessReadData | AccessExecute); err != nil {
		return err
	}
	if off < 0 {
		return smb.StatusInvalidParameter
	}
	return nil
}

// dataCheck guards the data operations: open, not a directory (Windows
// answers STATUS_INVALID_DEVICE_REQUEST), and holding one of want.
func (f *File) dataCheck(want uint32) error {
	if err := f.check(); err != nil {
		return err
	}
	if f.isDir {
		return smb.StatusInvalidDeviceRequest
	}
	if f.access&want == 0 || f.h == nil {
		return smb.StatusAccessDenied
	}
	return nil
}

func (s *Share) checkSize(off, n int64) error {
	if s.MaxFileSize > 0 && (off > s.MaxFileSize || n > s.MaxFileSize-off) {
		return smb.StatusDiskFull
	}
	return nil
}

// SetDeleteOnClose sets or clears the delete-on-close flag
// (FileDispositionInformation, MS-FSCC 2.4.11). Setting it needs DELETE
// access and is refused for the share root (StatusAccessDenied); a
// read-only file is StatusCannotDelete and a non-empty directory
// StatusDirectoryNotEmpty.
func (f *File) SetDeleteOnClose(del bool) error {
	if err := f.check(); err != nil {
		return err
	}
	if !del {
		// MS-FSA 2.1.5.15.3: clearing the disposition clears the file's
		// delete-pending state, whichever handle set it. It leaves the
		// FILE_DELETE_ON_CLOSE an open was made with, which still marks
		// the file when that open closes (MS-FSA 2.1.5.5 phase 1;
		// smbtorture base.delete deltest24, deltest17f).
		f.share.setDeletePending(f, false)
		return nil
	}
	if f.access&AccessDelete == 0 {
		return smb.StatusAccessDenied
	}
	if f.Path() == "/" {
		return smb.StatusAccessDenied
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if readOnlyMode(fi) {
		return smb.StatusCannotDelete
	}
	if f.isDir {
		if err := f.share.checkEmpty(f.Path()); err != nil {
			return err
		}
	}
	// MS-FSA 2.1.5.15.3: the disposition marks the file delete pending at
	// once; new opens fail with STATUS_DELETE_PENDING until the last
	// handle closes and the file goes. The state is the file's, so a
	// later clear through any handle undoes it.
	f.share.setDeletePending(f, true)
	return nil
}

// SetTimes sets the access and modification times (a zero Time leaves one
// unchanged). It needs FILE_WRITE_ATTRIBUTES. Times set this way are applied
// again at Close, so later writes on the handle do not move them, as on
// Windows.
func (f *File) SetTimes(atime, mtime time.Time) error {
	if err := f.attrCheck(); err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := f.share.setTimes(f.Path(), fi, atime, mtime); err != nil {
		return err
	}
	if !atime.IsZero() {
		f.atime = atime
	}
	if !mtime.IsZero() {
		f.mtime = mtime
	}
	f.changed(timesClass(atime, mtime))
	return nil
}

// SetAttributes applies DOS attributes as Share.SetAttributes does. It
// needs FILE_WRITE_ATTRIBUTES.
func (f *File) SetAttributes(attrs uint32) error {
	if err := f.attrCheck(); err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	return f.share.setAttributes(f.Path(), fi, attrs)
}

func (f *File) attrCheck() error {
	if err := f.check(); err != nil {
		return err
	}
	if f.access&AccessWriteAttributes == 0 {
		return smb.StatusAccessDenied
	}
	return nil
}

// Rename moves the open file as Share.Rename does and keeps the handle
// pointing at it. It needs DELETE access, as renaming through a handle
// does on Windows.
func (f *File) Rename(newPath string, replace bool) error {
	if err := f.check(); err != nil {
		return err
	}
	if f.access&AccessDelete == 0 {
		return smb.StatusAccessDenied
	}
	np, err := f.share.rename(f.Path(), newPath, replace, f)
	if err != nil {
		return err
	}
	f.path = np
	f.listing = nil
	return nil
}

// ReadDir returns the directory's entries, with "." and ".." first, as
// Share.List does for "*". The first call takes a snapshot that later calls
// return, so a FIND can resume while files come and go.
func (f *File) ReadDir() ([]Entry, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if !f.isDir {
		return nil, smb.StatusNotADirectory
	}
	if f.listing == nil {
		fi, err := f.Stat()
		if err != nil {
			return nil, err
		}
		l, err := f.share.readDir(f.Path(), fi)
		if err != nil {
			return nil, err
		}
		f.listing = f.share.entriesWithAttrs(f.Path(), l)
	}
	return f.listing, nil
}

// Close releases the file: its byte-range locks go and the lock requests
// waiting on it fail. With delete-on-close set (or the file delete
// pending) and no other open left it then deletes the file, or the
// directory if it is empty (StatusDirectoryNotEmpty otherwise); while other
// opens remain the file stays, delete pending. The handle is released
// either way. A second Close is StatusFileClosed.
func (f *File) Close() error {
	if err := f.check(); err != nil {
		return err
	}
	f.closed = true
	f.listing = nil
	if f.watch != nil {
		f.watch.stop()
	}
	var err error
	if f.h != nil {
		err = f.h.Close()
		f.h = nil
	}
	p := f.Path()
	deleted := false
	derr, wake := f.share.detach(f, func(p string) error {
		deleted = true
		if f.isDir {
			return f.share.removeDir(p)
		}
		if err := f.share.fs.Remove(p); err != nil {
			return err
		}
		f.share.dos.removed(p)
		f.share.eas.removed(p)
		return nil
	})
	runAll(wake)
	if err == nil {
		err = derr
	}
	if deleted && derr == nil {
		f.share.changed(removal(p, nameClass(f.isDir)))
	} else if f.written.Load() {
		f.share.changed(modification(p, NotifySize|NotifyLastWrite))
	}
	if !deleted && (!f.atime.IsZero() || !f.mtime.IsZero()) {
		// MemMapFs stamps the modification time when a writable handle
		// closes; re-apply what the client set.
		if fi, serr := f.share.fs.Stat(p); serr == nil {
			if terr := f.share.setTimes(p, fi, f.atime, f.mtime); err == nil {
				err = terr
			}
		}
	}
	if err != nil {
		return statusErr(err)
	}
	return nil
}

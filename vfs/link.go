package vfs

import (
	"errors"
	"io"
	"os"

	"github.com/spf13/afero"
	"github.com/tinysmbd/tinysmbd/smb"
)

// Linker is implemented by an afero.Fs that can give a file a second name
// (link(2)); afero.Fs itself has no such operation. RootFs implements it,
// and so does the jail NewShare puts around a BasePathFs over OsFs. Link
// returns an error wrapping errors.ErrUnsupported when this instance
// cannot link after all.
type Linker interface {
	Link(oldname, newname string) error
}

var (
	_ Linker = (*RootFs)(nil)
	_ Linker = (*jailFs)(nil)
)

// Link creates newname as a hard link to oldname, both inside the root;
// os.Root refuses either name leaving it.
func (r *RootFs) Link(oldname, newname string) error {
	o, err := rel("link", oldname)
	if err != nil {
		return err
	}
	n, err := rel("link", newname)
	if err != nil {
		return err
	}
	return r.root.Link(o, n)
}

// Link creates newname as a hard link to oldname on the host, when the
// jailed Fs is a bare BasePathFs over the operating system: any other
// wrapping (a ReadOnlyFs, a copy-on-write layer) would be bypassed.
// link(2) follows neither last component.
func (j *jailFs) Link(oldname, newname string) error {
	if _, ok := osBaseDir(j.Fs); !ok || j.walk != nil {
		return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: errors.ErrUnsupported}
	}
	if err := j.check("link", oldname, false); err != nil {
		return err
	}
	if err := j.check("link", newname, false); err != nil {
		return err
	}
	return os.Link(j.host(oldname), j.host(newname))
}

// twoNames resolves the source and target of a link or copy by name: the
// source must be an existing file, the target a free name. The errors are
// Samba's for NT_RENAME: a directory source is StatusFileIsADirectory, an
// existing target StatusObjectNameCollision.
func (s *Share) twoNames(oldPath, newPath string) (oa, na string, ofi os.FileInfo, err error) {
	if err := s.mutable(); err != nil {
		return "", "", nil, err
	}
	oa, ofi, err = s.lookup(oldPath)
	if err != nil {
		return "", "", nil, err
	}
	if ofi.IsDir() {
		return "", "", nil, smb.StatusFileIsADirectory
	}
	nc, err := CleanPath(newPath)
	if err != nil {
		return "", "", nil, err
	}
	na, _, err = s.resolve(nc)
	switch err {
	case nil:
		return "", "", nil, smb.StatusObjectNameCollision
	case smb.StatusObjectNameNotFound:
		return oa, na, ofi, nil
	}
	return "", "", nil, err
}

// Link gives the file at oldPath the second name newPath (NT_RENAME with
// RENAME_FLAG_HARD_LINK). An Fs that is not a Linker, or cannot link, is
// StatusNotSupported. Both names then report the same DOS attributes while
// both exist (dosattr.go); share modes and EAs stay per name.
func (s *Share) Link(oldPath, newPath string) error {
	oa, na, ofi, err := s.twoNames(oldPath, newPath)
	if err != nil {
		return err
	}
	l, ok := s.fs.(Linker)
	if !ok {
		return smb.StatusNotSupported
	}
	if err := l.Link(oa, na); err != nil {
		if errors.Is(err, errors.ErrUnsupported) {
			return smb.StatusNotSupported
		}
		return statusErr(err)
	}
	s.dos.linked(oa, ofi)
	s.changed(addition(na, NotifyFileName))
	return nil
}

// Copy copies the file at oldPath to the new file newPath (NT_RENAME with
// RENAME_FLAG_COPY, which Samba implements): its data, mode and DOS
// attributes. Reading the source is an open for read data that lets others
// read and write, as Samba's copy opens it, so an open that denies reading
// is StatusSharingViolation.
func (s *Share) Copy(oldPath, newPath string) error {
	oa, na, ofi, err := s.twoNames(oldPath, newPath)
	if err != nil {
		return err
	}
	s.mu.Lock()
	err = s.checkUse(oa, AccessReadData, ShareRead|ShareWrite)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if err := s.checkSize(0, ofi.Size()); err != nil {
		return err
	}
	if err := copyFile(s.fs, oa, na, ofi.Mode().Perm()); err != nil {
		return statusErr(err)
	}
	if a, ok := s.dos.getFile(oa, ofi); ok {
		s.dos.set(na, a, false)
	}
	s.changed(addition(na, NotifyFileName))
	return nil
}

// copyFile copies src to the new file dst, which it removes again when the
// copy fails half way.
func copyFile(fsys afero.Fs, src, dst string, perm os.FileMode) error {
	in, err := fsys.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := fsys.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	err = copyData(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fsys.Remove(dst)
	}
	return err
}

// copyBufferSize is the buffer copyData reads into.
const copyBufferSize = 32 << 10

// copyData copies src to dst through a buffer of its own. It is not
// io.Copy: io.Copy calls through io.WriterTo and io.ReaderFrom, and a
// binary with such a call keeps every WriteTo and ReadFrom method of every
// type it converts to an interface (os.File's copy_file_range and splice,
// net.TCPConn's sendfile and splice, their pipe pools): about 86 KB of the
// stripped linux/mipsle firmware, for a request as rare as a copy
// (NT_RENAME with RENAME_FLAG_COPY), which then reads and writes in user
// space instead of with copy_file_range(2).
func copyData(dst io.Writer, src io.Reader) error {
	buf := make([]byte, copyBufferSize)
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			m, err := dst.Write(buf[:n])
			if err == nil && m != n {
				err = io.ErrShortWrite
			}
			if err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

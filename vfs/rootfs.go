package vfs

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/spf13/afero"
)

// ErrPathEscapes is returned by RootFs for a name that climbs above its root
// with "..". StatusFromError maps it to StatusAccessDenied.
var ErrPathEscapes = errors.New("vfs: path escapes the share root")

// RootFs is an afero.Fs confined to one directory by an os.Root: "..",
// absolute names and symbolic links can never reach a file outside it, which
// afero.BasePathFs cannot promise because it only rewrites names and lets the
// kernel follow symlinks anywhere. Names are share paths ("/a/b" or "a/b")
// taken relative to the root. It is safe for concurrent use.
type RootFs struct {
	root *os.Root
}

var (
	_ afero.Fs        = (*RootFs)(nil)
	_ afero.Symlinker = (*RootFs)(nil)
	_ DiskUsager      = (*RootFs)(nil)
)

// NewRootFs opens dir as the root of a confined filesystem. The directory
// stays open until Close; if it is moved, the RootFs follows it.
func NewRootFs(dir string) (afero.Fs, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &RootFs{root: r}, nil
}

// rel turns a share path into a name relative to the root. A leading "/" is
// the root itself, never the host's root directory, so "/etc/passwd" names a
// file inside the share. Names that still climb out after cleaning are
// refused here rather than left to os.Root so the error is the documented
// ErrPathEscapes.
func rel(op, name string) (string, error) {
	r := path.Clean(strings.TrimLeft(name, "/"))
	if r == ".." || strings.HasPrefix(r, "../") {
		return "", &fs.PathError{Op: op, Path: name, Err: ErrPathEscapes}
	}
	return r, nil
}

// Dir returns the host directory the RootFs was opened on.
func (r *RootFs) Dir() string { return r.root.Name() }

// Close releases the root directory. Files already open stay usable.
func (r *RootFs) Close() error { return r.root.Close() }

// Name returns "RootFs".
func (r *RootFs) Name() string { return "RootFs" }

// Create creates or truncates the named file for reading and writing.
func (r *RootFs) Create(name string) (afero.File, error) {
	return r.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

// Mkdir creates a directory. os.Root accepts only the permission bits.
func (r *RootFs) Mkdir(name string, perm os.FileMode) error {
	n, err := rel("mkdir", name)
	if err != nil {
		return err
	}
	return r.root.Mkdir(n, perm&os.ModePerm)
}

// MkdirAll creates a directory and any missing parents.
func (r *RootFs) MkdirAll(name string, perm os.FileMode) error {
	n, err := rel("mkdir", name)
	if err != nil {
		return err
	}
	return r.root.MkdirAll(n, perm&os.ModePerm)
}

// Open opens the named file or directory for reading.
func (r *RootFs) Open(name string) (afero.File, error) {
	return r.OpenFile(name, os.O_RDONLY, 0)
}

// OpenFile opens the named file with the given flags. The returned value is
// an *os.File; on error it is a nil interface, never a typed nil.
func (r *RootFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	n, err := rel("open", name)
	if err != nil {
		return nil, err
	}
	f, err := r.root.OpenFile(n, flag, perm&os.ModePerm)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Remove removes a file or an empty directory.
func (r *RootFs) Remove(name string) error {
	n, err := rel("remove", name)
	if err != nil {
		return err
	}
	return r.root.Remove(n)
}

// RemoveAll removes name and everything below it.
func (r *RootFs) RemoveAll(name string) error {
	n, err := rel("removeall", name)
	if err != nil {
		return err
	}
	return r.root.RemoveAll(n)
}

// Rename moves oldname to newname, both inside the root.
func (r *RootFs) Rename(oldname, newname string) error {
	o, err := rel("rename", oldname)
	if err != nil {
		return err
	}
	n, err := rel("rename", newname)
	if err != nil {
		return err
	}
	return r.root.Rename(o, n)
}

// Stat returns the FileInfo of name, following symlinks that stay inside.
func (r *RootFs) Stat(name string) (os.FileInfo, error) {
	n, err := rel("stat", name)
	if err != nil {
		return nil, err
	}
	return r.root.Stat(n)
}

// openDir opens the directory name as an os.Root of its own, so that its
// entries are stat'ed with one fstatat each: os.Root resolves a name of
// several components by opening every directory on the way.
func (r *RootFs) openDir(name string) (*os.Root, error) {
	n, err := rel("open", name)
	if err != nil {
		return nil, err
	}
	return r.root.OpenRoot(n)
}

// LstatIfPossible returns the FileInfo of name without following a final
// symlink; the bool is always true (afero.Lstater).
func (r *RootFs) LstatIfPossible(name string) (os.FileInfo, bool, error) {
	n, err := rel("lstat", name)
	if err != nil {
		return nil, true, err
	}
	fi, err := r.root.Lstat(n)
	return fi, true, err
}

// SymlinkIfPossible creates newname as a symlink to oldname. The link may
// point anywhere, but RootFs never follows it outside the root.
func (r *RootFs) SymlinkIfPossible(oldname, newname string) error {
	n, err := rel("symlink", newname)
	if err != nil {
		return err
	}
	return r.root.Symlink(oldname, n)
}

// ReadlinkIfPossible returns the target of the symlink name. On Linux it
// reads the link in its directory through /proc/self/fd, and fails
// without /proc.
func (r *RootFs) ReadlinkIfPossible(name string) (string, error) {
	n, err := rel("readlink", name)
	if err != nil {
		return "", err
	}
	return rootReadlink(r.root, n)
}

// Chmod changes the mode of name.
func (r *RootFs) Chmod(name string, mode os.FileMode) error {
	n, err := rel("chmod", name)
	if err != nil {
		return err
	}
	return r.root.Chmod(n, mode)
}

// Chown changes the owner and group of name.
func (r *RootFs) Chown(name string, uid, gid int) error {
	n, err := rel("chown", name)
	if err != nil {
		return err
	}
	return r.root.Chown(n, uid, gid)
}

// Chtimes changes the access and modification times of name.
func (r *RootFs) Chtimes(name string, atime, mtime time.Time) error {
	n, err := rel("chtimes", name)
	if err != nil {
		return err
	}
	return r.root.Chtimes(n, atime, mtime)
}

// DiskUsage reports the size of the filesystem holding the root, in bytes,
// and its block size.
func (r *RootFs) DiskUsage() (total, free, blockSize uint64, err error) {
	f, err := r.root.Open(".")
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	return fileDiskUsage(f)
}

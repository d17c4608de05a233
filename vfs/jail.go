package vfs

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/afero"
)

// maxLinks bounds the symlinks realPath follows, as the kernel's ELOOP
// limit (path_resolution(7): 40) does.
const maxLinks = 40

// jailFs confines an afero.Fs that serves a host directory but follows
// symlinks anywhere (afero.BasePathFs over afero.OsFs, possibly wrapped in
// afero.ReadOnlyFs): before each operation it resolves the name's real path
// on the host and refuses one outside the root with ErrPathEscapes, and
// after each open it checks where the opened descriptor really is, so a
// directory swapped for a symlink between the check and the open (the
// CVE-2021-20316 class of race) is caught too.
//
// The operations by name that do not open (Remove, Rename, Mkdir, Chmod,
// Chtimes, Chown) keep a window between check and use: the Fs interface
// gives no descriptor to act relative to. RootFs, which goes through
// os.Root and openat, has no such window; use it where the Fs is yours to
// choose.
//
// With walk set, the same wrapper confines an Fs whose host directory is
// unknown through the Fs's own Lstat and Readlink instead (Confined).
type jailFs struct {
	afero.Fs
	root string    // the real (symlink-free) host path of the share root
	walk *linkWalk // non-nil: checked by walk, root unused
}

var _ afero.Lstater = (*jailFs)(nil)

// Confine returns fsys confined to dir, the host directory fsys serves as
// its "/" (for afero.NewBasePathFs(afero.NewOsFs(), dir), dir): every name
// whose real path, symlinks followed, lies outside dir fails with
// ErrPathEscapes, and so does an open that ends up outside. NewShare
// confines a bare BasePathFs over OsFs by itself, and Confined any Fs
// with Lstat; call Confine for one that offers no Lstat, such as
// afero.NewRegexpFs(afero.NewBasePathFs(...), re).
func Confine(fsys afero.Fs, dir string) (afero.Fs, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	root, err = filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	return &jailFs{Fs: fsys, root: root}, nil
}

// osBaseDir returns the host directory behind a BasePathFs whose source is
// the operating system's file system: only then does its root stat as the
// same file as the host directory it names.
func osBaseDir(fsys afero.Fs) (string, bool) {
	bp, ok := fsys.(*afero.BasePathFs)
	if !ok {
		return "", false
	}
	dir, err := bp.RealPath("/")
	if err != nil {
		return "", false
	}
	fi, err := bp.Stat("/")
	if err != nil {
		return "", false
	}
	host, err := os.Stat(dir)
	if err != nil || !os.SameFile(fi, host) {
		return "", false
	}
	return dir, true
}

// Name returns the wrapped Fs's name.
func (j *jailFs) Name() string { return "jail(" + j.Fs.Name() + ")" }

// host maps a share name to the host path it names lexically.
func (j *jailFs) host(name string) string {
	return filepath.Join(j.root, filepath.FromSlash(path.Clean("/"+name)))
}

func (j *jailFs) inside(p string) bool { return within(j.root, p) }

// within reports whether the clean host path p is root or below it.
func within(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}

// check refuses name when its real path leaves the root. With follow
// false, a last component that is itself a symlink is not followed (the
// operation acts on the link), so only its directory must stay inside.
func (j *jailFs) check(op, name string, follow bool) error {
	if j.walk != nil {
		return j.walk.check(op, name, follow)
	}
	h := j.host(name)
	if !follow && h != j.root {
		h = filepath.Dir(h)
	}
	r, err := stableRealPath(h)
	if err != nil {
		return &fs.PathError{Op: op, Path: name, Err: err}
	}
	if !j.inside(r) {
		return &fs.PathError{Op: op, Path: name, Err: ErrPathEscapes}
	}
	return nil
}

// stableRealPath is realPath retried while the tree changes under it:
// readlink(2) on a name that stopped being a link between lstat and
// readlink fails with EINVAL. A tree that keeps changing is refused as
// if it led out.
func stableRealPath(p string) (string, error) {
	for range 3 {
		r, err := realPath(p, 0)
		if !errors.Is(err, syscall.EINVAL) {
			return r, err
		}
	}
	return "", ErrPathEscapes
}

// realPath is filepath.EvalSymlinks that also resolves names that do not
// exist yet: the missing tail is joined to the real path of what exists,
// and a dangling symlink is followed to where it would create a file.
func realPath(p string, links int) (string, error) {
	if links > maxLinks {
		return "", syscall.ELOOP
	}
	r, err := filepath.EvalSymlinks(p)
	if err == nil {
		return r, nil
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		// EvalSymlinks's only error of its own: more links than it
		// follows.
		return "", syscall.ELOOP
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	dir, base := filepath.Split(p)
	dir = filepath.Clean(dir)
	if dir == p || base == "" {
		return p, nil
	}
	rd, err := realPath(dir, links+1)
	if err != nil {
		return "", err
	}
	q := filepath.Join(rd, base)
	fi, err := os.Lstat(q)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return q, nil
	}
	t, err := os.Readlink(q)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(t) {
		t = filepath.Join(rd, t)
	}
	return realPath(t, links+1)
}

// verify checks that an opened file lies inside the root, closing it
// otherwise.
func (j *jailFs) verify(op, name string, f afero.File) (afero.File, error) {
	if j.walk != nil {
		return j.walk.verify(op, name, f)
	}
	if j.openedInside(name, f) {
		return f, nil
	}
	f.Close()
	return nil, &fs.PathError{Op: op, Path: name, Err: ErrPathEscapes}
}

// openedInside asks the kernel where the descriptor behind f is (fdPath:
// on Linux /proc/self/fd, which reports the path of the file actually
// opened, not of the name used; openPath when f hides its *os.File, as
// afero.RegexpFile does). Without /proc it compares f's identity with
// what the name resolves to now: a link swapped in and out again around
// the open could fool that, so it is a fallback only. A file that is no
// host file (a copy in afero.CacheOnReadFs's memory layer) cannot be
// placed.
func (j *jailFs) openedInside(name string, f afero.File) bool {
	osf := osFile(f)
	if osf != nil {
		if p, ok := fdPath(osf); ok {
			return j.inside(p)
		}
	}
	a, err := f.Stat()
	if err != nil {
		return false
	}
	if osf == nil {
		if a.Sys() == nil {
			return true
		}
		if p, ok := openPath(a); ok {
			return j.inside(p)
		}
	}
	r, err := stableRealPath(j.host(name))
	if err != nil || !j.inside(r) {
		return false
	}
	b, err := os.Lstat(r)
	return err == nil && os.SameFile(a, b)
}

// osFile finds the *os.File behind an afero.File, looking through
// BasePathFs's wrapper.
func osFile(f afero.File) *os.File {
	for {
		switch v := f.(type) {
		case *os.File:
			return v
		case *afero.BasePathFile:
			f = v.File
		default:
			return nil
		}
	}
}

// Create creates or truncates name for reading and writing.
func (j *jailFs) Create(name string) (afero.File, error) {
	return j.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

// Open opens name for reading with the wrapped Fs's Open: an
// afero.CacheOnReadFs copies what its OpenFile opens into its layer,
// directories included, and fails on those.
func (j *jailFs) Open(name string) (afero.File, error) {
	return j.OpenFile(name, os.O_RDONLY, 0)
}

// OpenFile opens name inside the root and verifies where it landed.
func (j *jailFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	// open(2) does not follow a final symlink with O_CREAT|O_EXCL, but a
	// wrapper may read through the name first: afero.CopyOnWriteFs
	// copies the link's target into its layer before its open fails
	// with EEXIST. So the last component is always followed.
	if err := j.check("open", name, true); err != nil {
		return nil, err
	}
	var f afero.File
	var err error
	if flag == os.O_RDONLY {
		f, err = j.Fs.Open(name)
	} else {
		f, err = j.Fs.OpenFile(name, flag, perm)
	}
	if err != nil {
		return nil, err
	}
	return j.verify("open", name, f)
}

// Stat returns the FileInfo of name, following symlinks that stay inside.
func (j *jailFs) Stat(name string) (os.FileInfo, error) {
	if err := j.check("stat", name, true); err != nil {
		return nil, err
	}
	return j.Fs.Stat(name)
}

// LstatIfPossible returns the FileInfo of name without following a final
// symlink.
func (j *jailFs) LstatIfPossible(name string) (os.FileInfo, bool, error) {
	if err := j.check("lstat", name, false); err != nil {
		return nil, true, err
	}
	if l, ok := j.Fs.(afero.Lstater); ok {
		return l.LstatIfPossible(name)
	}
	fi, err := j.Fs.Stat(name)
	return fi, false, err
}

// Mkdir creates a directory; mkdir(2) does not follow a final symlink.
func (j *jailFs) Mkdir(name string, perm os.FileMode) error {
	if err := j.check("mkdir", name, false); err != nil {
		return err
	}
	return j.Fs.Mkdir(name, perm)
}

// MkdirAll creates a directory and its missing parents; a walk that
// stops at a missing parent has checked all that exists.
func (j *jailFs) MkdirAll(name string, perm os.FileMode) error {
	if err := j.check("mkdir", name, true); err != nil && (j.walk == nil || !errors.Is(err, fs.ErrNotExist)) {
		return err
	}
	return j.Fs.MkdirAll(name, perm)
}

// Remove removes a file, a symlink itself, or an empty directory.
func (j *jailFs) Remove(name string) error {
	if err := j.check("remove", name, false); err != nil {
		return err
	}
	return j.Fs.Remove(name)
}

// RemoveAll removes name and everything below it.
func (j *jailFs) RemoveAll(name string) error {
	if err := j.check("removeall", name, false); err != nil {
		return err
	}
	return j.Fs.RemoveAll(name)
}

// Rename moves oldname to newname; rename(2) follows neither last
// component.
func (j *jailFs) Rename(oldname, newname string) error {
	if err := j.check("rename", oldname, false); err != nil {
		return err
	}
	if err := j.check("rename", newname, false); err != nil {
		return err
	}
	return j.Fs.Rename(oldname, newname)
}

// Chmod changes the mode of what name leads to.
func (j *jailFs) Chmod(name string, mode os.FileMode) error {
	if err := j.check("chmod", name, true); err != nil {
		return err
	}
	return j.Fs.Chmod(name, mode)
}

// Chown changes the owner of what name leads to.
func (j *jailFs) Chown(name string, uid, gid int) error {
	if err := j.check("chown", name, true); err != nil {
		return err
	}
	return j.Fs.Chown(name, uid, gid)
}

// Chtimes changes the times of what name leads to.
func (j *jailFs) Chtimes(name string, atime, mtime time.Time) error {
	if err := j.check("chtimes", name, true); err != nil {
		return err
	}
	return j.Fs.Chtimes(name, atime, mtime)
}

// DiskUsage reports the size of the filesystem holding the root; a walk
// has no host root and fails.
func (j *jailFs) DiskUsage() (total, free, blockSize uint64, err error) {
	f, err := os.Open(j.root)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	return fileDiskUsage(f)
}

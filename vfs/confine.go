package vfs

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"

	"github.com/spf13/afero"
)

// ErrUncheckable is returned by Confined for an Fs that serves the host's
// files but offers no Lstat through which its symlinks could be seen, such
// as afero.RegexpFs or afero.CacheOnReadFs over an OsFs: the kernel would
// follow a link out of the share unseen.
var ErrUncheckable = errors.New("vfs: file system follows host symlinks and offers no Lstat to check them")

// Confined returns fsys confined to its own "/", or ErrUncheckable. How
// depends on what fsys is:
//
//   - RootFs, an Fs returned by Confine or Confined and afero.OsFs (the
//     whole host: nothing lies outside) are returned as they are.
//   - A bare afero.BasePathFs over afero.OsFs gets Confine on its directory.
//   - An Fs whose files are not the host's (no FileInfo.Sys, no *os.File
//     behind its root) cannot follow a host symlink and is returned as it
//     is.
//   - Any other Fs with LstatIfPossible (afero.ReadOnlyFs,
//     afero.CopyOnWriteFs) is checked name by name through its own
//     LstatIfPossible and ReadlinkIfPossible: a symlink that resolves
//     outside "/", an absolute symlink (os.Root refuses those too), one
//     it cannot read and a host file it can only Stat are missing names.
//   - Any other Fs without LstatIfPossible (afero.RegexpFs,
//     afero.CacheOnReadFs over host files) is refused with ErrUncheckable.
func Confined(fsys afero.Fs) (afero.Fs, error) {
	switch fsys.(type) {
	case *RootFs, *jailFs, *afero.OsFs:
		return fsys, nil
	}
	if dir, ok := osBaseDir(fsys); ok {
		return Confine(fsys, dir)
	}
	host := servesHost(fsys)
	l, ok := fsys.(afero.Lstater)
	switch {
	case !host:
		return fsys, nil
	case !ok:
		return nil, ErrUncheckable
	}
	w := &linkWalk{lst: l, roots: hostRoots(fsys)}
	w.rd, _ = fsys.(afero.LinkReader)
	return &jailFs{Fs: fsys, walk: w}, nil
}

// servesHost reports whether fsys's root is a host directory, by its
// FileInfo's Sys or by the *os.File behind the opened root; a root it
// cannot stat or open counts as the host's.
func servesHost(fsys afero.Fs) bool {
	fi, err := fsys.Stat("/")
	if err != nil || fi.Sys() != nil {
		return true
	}
	f, err := fsys.Open("/")
	if err != nil {
		return true
	}
	a, b := hostFiles(f)
	f.Close()
	return a != nil || b != nil
}

// hostFiles returns the *os.File behind f, looking through
// afero.BasePathFile, or those behind the two sides of an
// afero.UnionFile; nil where there is none.
func hostFiles(f afero.File) (a, b *os.File) {
	if u, ok := f.(*afero.UnionFile); ok {
		return osFile(u.Base), osFile(u.Layer)
	}
	return osFile(f), nil
}

// hostRoots returns the real host paths of the directories behind fsys's
// "/", as the kernel names their descriptors; none when the root is not
// an *os.File that fdPath can place.
func hostRoots(fsys afero.Fs) []string {
	f, err := fsys.Open("/")
	if err != nil {
		return nil
	}
	var roots []string
	a, b := hostFiles(f)
	for _, osf := range [...]*os.File{a, b} {
		if osf == nil {
			continue
		}
		p, ok := fdPath(osf)
		if !ok {
			roots = nil
			break
		}
		roots = append(roots, p)
	}
	f.Close()
	return roots
}

// linkWalk confines an Fs that afero does not let one see into, resolving
// each name component by component through the Fs's own Lstat and
// Readlink before the operation, as the kernel will resolve it. Between
// the walk and the operation a directory can be replaced by a symlink out;
// an open of a host file is checked afterwards by where its descriptor
// really is (roots), operations by name (Remove, Rename, Mkdir, Chmod,
// Chtimes, Chown) and opens of an Fs whose root is no host directory keep
// that window.
type linkWalk struct {
	lst   afero.Lstater
	rd    afero.LinkReader // nil: every symlink is a missing name
	roots []string         // real host paths of the root; nil: not checked
}

// check resolves name and refuses it with ErrPathEscapes when a symlink on
// the way leads out of "/". With follow false a final symlink is the
// object acted on and is not followed.
func (w *linkWalk) check(op, name string, follow bool) error {
	if err := w.resolve(name, follow); err != nil {
		return &fs.PathError{Op: op, Path: name, Err: err}
	}
	return nil
}

// resolve walks name as path_resolution(7) does. A missing last component
// ends the walk: whatever the operation then creates is created there,
// inside. A missing or non-directory component before it fails the walk
// with its error, as it will fail the operation.
func (w *linkWalk) resolve(name string, follow bool) error {
	p := name
	if !strings.HasPrefix(p, "/") || path.Clean(p) != p {
		p = path.Clean("/" + p)
	}
	// dest is the resolved directory. Until a link is followed it is a
	// prefix of p, sliced rather than joined.
	dest, rest := "/", p[1:]
	lexical, links := true, 0
	for rest != "" {
		c, more, _ := strings.Cut(rest, "/")
		var next string
		switch {
		case c == "" || c == ".":
			rest = more
			continue
		case c == "..":
			if dest == "/" {
				return ErrPathEscapes
			}
			dest, rest = path.Dir(dest), more
			continue
		case lexical:
			next = p[:len(p)-len(rest)+len(c)]
		default:
			next = joinPath(dest, c)
		}
		if more == "" && !follow {
			return nil
		}
		fi, lstat, err := w.lst.LstatIfPossible(next)
		switch {
		case (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) && more == "":
			return nil
		case err != nil:
			return err
		case !lstat && fi.Sys() != nil:
			// A host file seen through Stat: it may have been a link.
			return ErrPathEscapes
		case fi.Mode()&os.ModeSymlink == 0:
			dest, rest = next, more
			continue
		}
		if links++; links > maxLinks {
			return syscall.ELOOP
		}
		if w.rd == nil {
			return ErrPathEscapes
		}
		t, err := w.rd.ReadlinkIfPossible(next)
		if err != nil || t == "" || strings.HasPrefix(t, "/") {
			return ErrPathEscapes
		}
		if more != "" {
			t += "/" + more
		}
		rest, lexical = t, false
	}
	return nil
}

// verify checks that every host file behind an opened f lies below a
// root, closing f otherwise.
func (w *linkWalk) verify(op, name string, f afero.File) (afero.File, error) {
	if w.roots == nil {
		return f, nil
	}
	if a, b := hostFiles(f); w.placed(a) && w.placed(b) {
		return f, nil
	}
	f.Close()
	return nil, &fs.PathError{Op: op, Path: name, Err: ErrPathEscapes}
}

// placed reports whether osf, if any, lies below a root.
func (w *linkWalk) placed(osf *os.File) bool {
	if osf == nil {
		return true
	}
	p, ok := fdPath(osf)
	if !ok {
		return false
	}
	for _, r := range w.roots {
		if within(r, p) {
			return true
		}
	}
	return false
}

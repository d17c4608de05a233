package vfs

import (
	"os"
	"strings"
	"sync"
)

// storedAttrs are the DOS attributes a Unix file system has no room for:
// HIDDEN and SYSTEM, and ARCHIVE, which Attributes otherwise reports on
// every file. READONLY lives in the mode bits, DIRECTORY in the file type.
const storedAttrs = AttrHidden | AttrSystem | AttrArchive

// dosAttrs remembers the storedAttrs a client set on a file or directory,
// by its path in the Fs, for as long as the Share lives: Samba keeps them
// in an extended attribute, which an afero.Fs cannot offer. A path without
// an entry has the attributes Attributes derives. Entries follow renames
// and go with the file.
//
// A file with several hard links has one set of attributes whatever name
// it is reached by, as on NTFS: ino holds them by inode while the file has
// more than one link, and hands them to the one name left when it sees
// the link count back at 1.
type dosAttrs struct {
	mu  sync.Mutex
	m   map[string]uint32
	ino map[uint64]uint32
}

func (d *dosAttrs) get(p string) (uint32, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.m[p]
	return a, ok
}

// linkID returns fi's inode and link count where the Fs reports them.
func linkID(fi os.FileInfo) (ino, nlink uint64, ok bool) {
	if ino, ok = sysInode(fi); !ok {
		return 0, 0, false
	}
	nlink, ok = sysNlink(fi)
	return ino, nlink, ok
}

// getFile is get for the file at p whose FileInfo is fi: the attributes
// of its inode while it has other names.
func (d *dosAttrs) getFile(p string, fi os.FileInfo) (uint32, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.ino) > 0 {
		if ino, n, ok := linkID(fi); ok {
			if a, ok := d.ino[ino]; ok {
				if n > 1 {
					return a, true
				}
				// The other names are gone: the attributes are this one's.
				delete(d.ino, ino)
				d.setLocked(p, a, fi.IsDir())
			}
		}
	}
	a, ok := d.m[p]
	return a, ok
}

// setFile is set for the file at p whose FileInfo is fi, reaching every
// name of a file with several links.
func (d *dosAttrs) setFile(p string, fi os.FileInfo, attrs uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.setLocked(p, attrs&storedAttrs, fi.IsDir())
	if ino, n, ok := linkID(fi); ok && n > 1 && !fi.IsDir() {
		if d.ino == nil {
			d.ino = make(map[uint64]uint32)
		}
		d.ino[ino] = attrs & storedAttrs
	}
}

// linked records that the file at p, whose FileInfo from before the link
// is fi, gained a name: attributes set on it now belong to its inode.
func (d *dosAttrs) linked(p string, fi os.FileInfo) {
	ino, _, ok := linkID(fi)
	if !ok {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if a, ok := d.m[p]; ok {
		if d.ino == nil {
			d.ino = make(map[uint64]uint32)
		}
		d.ino[ino] = a
	}
}

// unlinked forgets the inode attributes of a file whose last name, with
// FileInfo fi, was removed, so a new file given the same inode number does
// not inherit them.
func (d *dosAttrs) unlinked(fi os.FileInfo) {
	ino, n, ok := linkID(fi)
	if !ok || n > 1 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.ino, ino)
}

// set records attrs for the file or directory at p. The default (ARCHIVE
// alone for a file, nothing for a directory) removes the entry.
func (d *dosAttrs) set(p string, attrs uint32, dir bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.setLocked(p, attrs&storedAttrs, dir)
}

// setLocked is set with d.mu held and attrs already masked.
func (d *dosAttrs) setLocked(p string, attrs uint32, dir bool) {
	if (dir && attrs == 0) || (!dir && attrs == AttrArchive) {
		delete(d.m, p)
		return
	}
	if d.m == nil {
		d.m = make(map[string]uint32)
	}
	d.m[p] = attrs
}

// created records the attributes a create or overwrite asked for: Windows
// and Samba add ARCHIVE to a file they create or truncate, and the
// attributes it had before are gone.
func (d *dosAttrs) created(p string, attrs uint32, dir bool) {
	if !dir {
		attrs |= AttrArchive
	}
	d.set(p, attrs, dir)
}

// nonEmpty runs fn under the lock when some entry exists, so that the
// common case, a share where no client set attributes, costs no map walk.
func (d *dosAttrs) nonEmpty(fn func(m map[string]uint32)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.m) > 0 {
		fn(d.m)
	}
}

// under is the prefix of the paths inside directory p.
func under(p string) string { return strings.TrimSuffix(p, "/") + "/" }

// removed forgets p and, for a directory, everything under it.
func (d *dosAttrs) removed(p string) {
	d.nonEmpty(func(m map[string]uint32) {
		delete(m, p)
		prefix := under(p)
		for k := range m {
			if strings.HasPrefix(k, prefix) {
				delete(m, k)
			}
		}
	})
}

// renamed moves the entries of oldPath and what is under it to newPath;
// whatever newPath replaced is forgotten first.
func (d *dosAttrs) renamed(oldPath, newPath string) {
	d.nonEmpty(func(m map[string]uint32) {
		delete(m, newPath)
		oldPrefix, newPrefix := under(oldPath), under(newPath)
		moved := make(map[string]uint32)
		for k, a := range m {
			switch {
			case k == oldPath:
				moved[newPath] = a
			case strings.HasPrefix(k, oldPrefix):
				moved[newPrefix+k[len(oldPrefix):]] = a
			case strings.HasPrefix(k, newPrefix):
			default:
				continue
			}
			delete(m, k)
		}
		for k, a := range moved {
			m[k] = a
		}
	})
}

// attrInfo is a FileInfo carrying stored DOS attributes, which Attributes
// reports instead of deriving them.
type attrInfo struct {
	os.FileInfo
	attrs uint32
}

// withAttrs returns fi, carrying the attributes stored for actual if any.
func (s *Share) withAttrs(actual string, fi os.FileInfo) os.FileInfo {
	if fi == nil {
		return fi
	}
	if ai, ok := fi.(attrInfo); ok {
		fi = ai.FileInfo
	}
	if a, ok := s.dos.getFile(actual, fi); ok {
		return attrInfo{FileInfo: fi, attrs: a}
	}
	return fi
}

// entriesWithAttrs gives the entries of directory dir (a path in the Fs)
// their stored attributes.
func (s *Share) entriesWithAttrs(dir string, es []Entry) []Entry {
	d := &s.dos
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.m) == 0 && len(d.ino) == 0 {
		return es
	}
	prefix := under(dir)
	for i := range es {
		if es[i].Dot {
			continue
		}
		a, ok := d.m[prefix+es[i].Name]
		if len(d.ino) > 0 {
			if ino, n, linked := linkID(es[i].Info); linked && n > 1 {
				if ia, found := d.ino[ino]; found {
					a, ok = ia, true
				}
			}
		}
		if ok {
			es[i].Info = attrInfo{FileInfo: es[i].Info, attrs: a}
		}
	}
	return es
}

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
type dosAttrs struct {
	mu sync.Mutex
	m  map[string]uint32
}

func (d *dosAttrs) get(p string) (uint32, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.m[p]
	return a, ok
}

// set records attrs for the file or directory at p. The default (ARCHIVE
// alone for a file, nothing for a directory) removes the entry.
func (d *dosAttrs) set(p string, attrs uint32, dir bool) {
	attrs &= storedAttrs
	d.mu.Lock()
	defer d.mu.Unlock()
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
	if a, ok := s.dos.get(actual); ok {
		return attrInfo{FileInfo: fi, attrs: a}
	}
	return fi
}

// entriesWithAttrs gives the entries of directory dir (a path in the Fs)
// their stored attributes.
func (s *Share) entriesWithAttrs(dir string, es []Entry) []Entry {
	s.dos.nonEmpty(func(m map[string]uint32) {
		prefix := under(dir)
		for i := range es {
			if a, ok := m[prefix+es[i].Name]; ok && !es[i].Dot {
				es[i].Info = attrInfo{FileInfo: es[i].Info, attrs: a}
			}
		}
	})
	return es
}

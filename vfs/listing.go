package vfs

import (
	"errors"
	"io"
	"os"
	"path"
	"sort"
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
)

// Listing is a directory listing that has read the names but not yet
// stat'ed the entries: a FIND_NEXT2 lists the directory afresh to see
// what changed since the previous request, and stat'ing every entry of a
// large directory for each request would cost more than the entries it
// returns. Entry stats one name when it is needed.
type Listing struct {
	s   *Share
	dir string // the directory's path in the Fs
	dot Entry  // "." and the directory's FileInfo
	// Names are List's names, in its order: "." and ".." first when
	// the pattern matches them, then byte order.
	Names []string
	// entries are the entries of a pattern without wildcards, which
	// List looks up case-insensitively instead of reading the directory.
	entries []Entry
	// token is the directory's stat record from before the names were
	// read; settled says it proves the names current for as long as it
	// is unchanged (see Unchanged).
	token   dirToken
	settled bool
	// at is the directory opened on its own when the Fs is a RootFs
	// (RootFs.openDir), for Entry; opened says it was tried.
	at     *os.Root
	opened bool
}

// Release closes what Entry opened to stat the entries; a later Entry
// opens it again.
func (l *Listing) Release() {
	if l.at != nil {
		l.at.Close()
		l.at = nil
	}
	l.opened = false
}

// stat stats the entry name as Fs.Stat does, through the directory opened
// on its own when it can. Anything that fails there, a symlink leading out
// of the directory among them, is asked of the Fs.
func (l *Listing) stat(name string) (os.FileInfo, error) {
	if !l.opened {
		l.opened = true
		if r, ok := l.s.fs.(*RootFs); ok && l.dir != "/" {
			l.at, _ = r.openDir(l.dir)
		}
	}
	if l.at != nil {
		if fi, err := l.at.Stat(name); err == nil {
			return fi, nil
		}
	}
	return l.s.fs.Stat(joinPath(l.dir, name))
}

// Unchanged reports whether the directory still holds the names l read,
// judged by its stat record (names.go): true only when the record is
// unchanged and the names were read more than a timestamp tick after the
// directory's last change, so that no change can hide in the tick of the
// one the record shows. A listing from an Fs without kernel stat records
// (MemMapFs) or of a pattern without wildcards is never proven current.
func (l *Listing) Unchanged() bool {
	if !l.settled {
		return false
	}
	fi, err := l.s.fs.Stat(l.dir)
	if err != nil {
		return false
	}
	t, ok := tokenOf(fi)
	return ok && t.equal(l.token)
}

// ListNames is List that reads only the names. Its errors are List's.
func (s *Share) ListNames(dir, pattern string) (*Listing, error) {
	start := time.Now()
	da, dfi, err := s.lookup(dir)
	if err != nil {
		return nil, err
	}
	if pattern == "" {
		pattern = "*"
	}
	if !HasWildcards(pattern) && pattern != "." && pattern != ".." {
		es, err := s.List(dir, pattern)
		if err != nil {
			return nil, err
		}
		l := &Listing{s: s, dir: da, entries: es}
		for _, e := range es {
			l.Names = append(l.Names, e.Name)
		}
		return l, nil
	}
	if !dfi.IsDir() {
		return nil, smb.StatusNotADirectory
	}
	d, err := s.fs.Open(da)
	if err != nil {
		return nil, statusErr(err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, statusErr(err)
	}
	// sort.Sort rather than sort.Strings, which is slices.Sort: the generic
	// sort compiled for strings adds 12 KB to the firmware binary.
	sort.Sort(sort.StringSlice(names))
	l := &Listing{s: s, dir: da, dot: Entry{Name: ".", Info: dfi, Dot: true}}
	if t, ok := tokenOf(dfi); ok {
		l.token, l.settled = t, settledAt(t, start)
	}
	l.Names = make([]string, 0, len(names)+2)
	for _, dot := range [...]string{".", ".."} {
		if Match(pattern, dot) {
			l.Names = append(l.Names, dot)
		}
	}
	for _, n := range names {
		if n == "." || n == ".." || checkComponent(n, false) != nil || !Match(pattern, n) {
			continue
		}
		l.Names = append(l.Names, n)
	}
	return l, nil
}

// Entry returns the entry List would give for Names[i], stat'ing it now,
// and false when List would leave it out: the name has gone since it was
// read, or it is a symlink that leads nowhere or outside the share.
func (l *Listing) Entry(i int) (Entry, bool) {
	if l.entries != nil {
		return l.entries[i], true
	}
	switch name := l.Names[i]; name {
	case ".":
		return l.dot, true
	case "..":
		pfi := l.dot.Info
		if l.dir != "/" {
			if fi, err := l.s.fs.Stat(path.Dir(l.dir)); err == nil {
				pfi = fi
			}
		}
		return Entry{Name: "..", Info: pfi, Dot: true}, true
	default:
		// Stat follows a symlink as readDir does for the links it
		// lists; for anything else it is the Lstat Readdir makes.
		fi, err := l.stat(name)
		if err != nil {
			return Entry{}, false
		}
		return Entry{Name: name, Info: l.s.withAttrs(joinPath(l.dir, name), fi)}, true
	}
}

package vfs

import (
	"container/list"
	"errors"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/afero"
)

// The directory name index. A Windows client names files in any case; on
// a case-sensitive filesystem a name that is not found as spelled has to
// be compared with every entry of its directory. Samba does that scan for
// every such lookup, so its rate falls tenfold as a directory grows from
// 1,000 to 10,000 entries (smbtorture raw.bench-lookup, which looks up a
// name that does not exist). A Share keeps instead, per directory, a map
// from case-folded name to stored name, built by one scan on the first
// miss and kept in a bounded LRU of directories.
//
// Other processes may change the directory underneath. Every change of a
// directory's entries (create, unlink, rename, mkdir, rmdir) updates its
// mtime and ctime (POSIX), so an index is answered from only while the
// directory's mtime, ctime, inode and size still equal what they were
// when it was built. A timestamp says little about changes within its own
// clock tick, so an index built within a tick of the directory's last
// change is "racy" (Git's racy-index rule): names it holds are used, but a
// name it lacks is looked for again by a new scan before the answer is
// not-found. An Fs without kernel stat records (MemMapFs, which does not
// even update a directory's mtime) gets no such proof: there every miss
// re-scans, as before the index, and the index only speeds up names found.
// Names taken from an index are always confirmed by a Stat.
//
// The entries the server itself creates, renames and deletes are applied
// to the index (nameCache.applied) rather than read again: after such a
// change the index takes the directory's new stat record as its own. A
// change from outside made between the index's last check and that stat,
// or within the same tick after it, would then hide in the record; so an
// index that took a record this way answers a miss as not-found only
// within ownTrust of its last full read, and the first miss after that
// reads the directory again. A burst of creates through the server thus
// reads a directory at most once per ownTrust, and an outside change is
// seen by case-insensitive lookups at most ownTrust after the read before.

// DefaultNameIndexEntries is the number of directory entries NewShare lets
// a Share's name index hold, over all the directories it keeps (about 80
// bytes each); a larger directory is scanned on every miss instead.
const DefaultNameIndexEntries = 1 << 16

// maxIndexedDirs bounds the directories a name index keeps.
const maxIndexedDirs = 256

// fineTick is how far apart two changes of a directory must be for a
// nanosecond-resolution filesystem to give them different timestamps: the
// kernel stamps inodes with a clock that advances once per scheduler tick
// (1-10 ms). coarseTick is the same for filesystems that keep whole
// seconds (ext3) or two-second units (FAT), recognised by a zero
// sub-second part.
const (
	fineTick   = 20 * time.Millisecond
	coarseTick = 2 * time.Second
)

// ownTrust is how long after its last full read an index that took its
// stat record from the server's own change answers misses.
const ownTrust = time.Second

// dirToken is what a directory's stat record says about its entries.
type dirToken struct {
	mtime, ctime time.Time
	ino          uint64
	size         int64
}

// tokenOf returns fi's token, or false when fi did not come from the
// kernel and proves nothing.
func tokenOf(fi os.FileInfo) (dirToken, bool) {
	_, ctime, ok := sysTimes(fi)
	if !ok {
		return dirToken{}, false
	}
	ino, _ := sysInode(fi)
	return dirToken{mtime: fi.ModTime(), ctime: ctime, ino: ino, size: fi.Size()}, true
}

// settledAt reports whether a directory read that began at start, after
// the stat that gave t, saw every change up to t: the read began more than
// a timestamp tick after the last change t records, so a later change
// falls in a later tick and changes the record.
func settledAt(t dirToken, start time.Time) bool {
	tick := fineTick
	if t.ctime.Nanosecond() == 0 {
		tick = coarseTick
	}
	return start.Sub(t.ctime) > tick
}

func (t dirToken) equal(u dirToken) bool {
	return t.mtime.Equal(u.mtime) && t.ctime.Equal(u.ctime) && t.ino == u.ino && t.size == u.size
}

// dirIndex is the index of one directory. Its names change only under
// both the nameCache's lock and its own; lookups read them under its own.
type dirIndex struct {
	dir string

	mu       sync.Mutex
	token    dirToken
	verified bool // token came from the kernel
	fresh    bool // verified, and read more than a tick after the last change
	own      bool // token taken after a change made through the server
	scanned  time.Time
	count    int

	// names maps foldKey(name) to the smallest stored name (byte order)
	// with that key; dups holds all of them, sorted, for the rare keys
	// several names share.
	names map[string]string
	dups  map[string][]string
	short map[string]string // Mangle(name) → smallest such name; built on demand

	elem *list.Element
}

// buildIndex scans dir. It stats dir itself first, so that a change made
// while it reads is seen as a changed token next time.
func buildIndex(fsys afero.Fs, dir string) (*dirIndex, error) {
	start := time.Now()
	dfi, err := fsys.Stat(dir)
	if err != nil {
		return nil, err
	}
	d, err := fsys.Open(dir)
	if err != nil {
		return nil, err
	}
	list, err := d.Readdirnames(-1)
	d.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	x := &dirIndex{dir: dir, scanned: start, names: make(map[string]string, len(list))}
	x.token, x.verified = tokenOf(dfi)
	x.fresh = x.verified && settledAt(x.token, start)
	for _, n := range list {
		x.add(n)
	}
	return x, nil
}

// add puts n in the index and reports whether it was not there.
func (x *dirIndex) add(n string) bool {
	k := foldKey(n)
	old, ok := x.names[k]
	if ok && old == n {
		return false
	}
	x.count++
	if x.short != nil {
		x.addShort(n)
	}
	if !ok {
		x.names[k] = n
		return true
	}
	all := x.dups[k]
	if all == nil {
		all = []string{old}
	}
	for _, m := range all {
		if m == n {
			x.count--
			return false
		}
	}
	if x.dups == nil {
		x.dups = make(map[string][]string)
	}
	all = append(all, n)
	// sort.Sort rather than sort.Strings, which is slices.Sort: the generic
	// sort compiled for strings adds 12 KB to the firmware binary.
	sort.Sort(sort.StringSlice(all))
	x.dups[k] = all
	x.names[k] = all[0]
	return true
}

// remove takes n out of the index and reports whether it was there.
func (x *dirIndex) remove(n string) bool {
	k := foldKey(n)
	if all := x.dups[k]; all != nil {
		i := 0
		for i < len(all) && all[i] != n {
			i++
		}
		if i == len(all) {
			return false
		}
		all = append(all[:i:i], all[i+1:]...)
		x.names[k] = all[0]
		if len(all) == 1 {
			delete(x.dups, k)
		} else {
			x.dups[k] = all
		}
	} else if x.names[k] == n {
		delete(x.names, k)
	} else {
		return false
	}
	x.count--
	if !Is83(n) {
		// Another name may mangle to the same short name: build the
		// map again when it is next needed.
		x.short = nil
	}
	return true
}

// current reports whether dfi, dir's FileInfo now, shows the entries the
// index holds. An unverified index is never current, and is used as is.
func (x *dirIndex) current(dfi os.FileInfo) bool {
	t, ok := tokenOf(dfi)
	x.mu.Lock()
	defer x.mu.Unlock()
	return ok && t.equal(x.token)
}

// trusted reports whether a name the index lacks is missing.
func (x *dirIndex) trusted() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.fresh || x.own && time.Since(x.scanned) < ownTrust
}

// candidates returns the stored names equal to name under case folding,
// smallest first, then, when name is a short name, the name Mangle turned
// into it; buf holds the common answers without allocating.
func (x *dirIndex) candidates(name string, buf *[2]string) []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	k := foldKey(name)
	out := buf[:0]
	if all := x.dups[k]; all != nil {
		out = append([]string(nil), all...)
	} else if n, ok := x.names[k]; ok {
		out = append(out, n)
	}
	if IsMangled(name) {
		if n, ok := x.shortName(strings.ToUpper(name)); ok {
			out = append(out, n)
		}
	}
	return out
}

// shortName returns the stored name whose Mangle is short (upper case).
func (x *dirIndex) shortName(short string) (string, bool) {
	if x.short == nil {
		x.short = make(map[string]string)
		for _, n := range x.names {
			x.addShort(n)
		}
		for _, all := range x.dups {
			for _, n := range all[1:] {
				x.addShort(n)
			}
		}
	}
	n, ok := x.short[short]
	return n, ok
}

func (x *dirIndex) addShort(n string) {
	if Is83(n) {
		return
	}
	m := Mangle(n)
	if old, ok := x.short[m]; !ok || n < old {
		x.short[m] = n
	}
}

// nameCache is a Share's LRU of directory indexes, safe for concurrent
// use. Indexes are built outside its lock.
type nameCache struct {
	mu      sync.Mutex
	dirs    map[string]*dirIndex
	lru     list.List // front: most recently used
	entries int
	limit   int // entries over all indexes
}

func (c *nameCache) get(dir string) *dirIndex {
	c.mu.Lock()
	defer c.mu.Unlock()
	x := c.dirs[dir]
	if x != nil {
		c.lru.MoveToFront(x.elem)
	}
	return x
}

// put stores x in place of any index of its directory, evicting the least
// recently used directories beyond the bounds. An index larger than the
// whole budget is not kept.
func (c *nameCache) put(x *dirIndex) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.dirs[x.dir]; old != nil {
		c.remove(old)
	}
	if x.count > c.limit {
		return
	}
	if c.dirs == nil {
		c.dirs = make(map[string]*dirIndex)
	}
	x.elem = c.lru.PushFront(x)
	c.dirs[x.dir] = x
	c.entries += x.count
	c.trim()
}

// trim evicts the least recently used directories beyond the bounds.
func (c *nameCache) trim() {
	for c.entries > c.limit || len(c.dirs) > maxIndexedDirs {
		c.remove(c.lru.Back().Value.(*dirIndex))
	}
}

// applied updates the index of dir, if one is kept, with a change the
// server made there: the entry added (when not "") and the one removed
// (when not ""). The index takes dir's stat record after the change as its
// own; see the type comment for what that costs an outside change.
func (c *nameCache) applied(fsys afero.Fs, dir, added, removed string) {
	if c.get(dir) == nil {
		return
	}
	dfi, err := fsys.Stat(dir)
	c.mu.Lock()
	defer c.mu.Unlock()
	x := c.dirs[dir]
	if x == nil {
		return
	}
	t, ok := tokenOf(dfi)
	x.mu.Lock()
	if err != nil || ok != x.verified || ok && t.ino != x.token.ino {
		x.mu.Unlock()
		c.remove(x)
		return
	}
	if removed != "" && x.remove(removed) {
		c.entries--
	}
	if added != "" && x.add(added) {
		c.entries++
	}
	x.token, x.fresh, x.own = t, false, ok
	x.mu.Unlock()
	c.trim()
}

func (c *nameCache) remove(x *dirIndex) {
	c.lru.Remove(x.elem)
	delete(c.dirs, x.dir)
	c.entries -= x.count
}

// foldLookup finds name in dir (whose FileInfo, if the caller has it, is
// dfi) under case folding, and then as a short name Mangle produced. c
// may be nil: then dir is scanned and nothing is kept.
func (c *nameCache) foldLookup(fsys afero.Fs, dir string, dfi os.FileInfo, name string) (string, os.FileInfo, error) {
	var x *dirIndex
	if c != nil {
		x = c.get(dir)
	}
	if x != nil && x.verified {
		if dfi == nil {
			var err error
			if dfi, err = fsys.Stat(dir); err != nil {
				return "", nil, err
			}
		}
		if !x.current(dfi) {
			x = nil
		}
	}
	if x != nil {
		p, fi, err := x.find(fsys, name)
		if err == nil || !missing(err) || x.trusted() {
			return p, fi, err
		}
	}
	x, err := buildIndex(fsys, dir)
	if err != nil {
		return "", nil, err
	}
	if c != nil {
		c.put(x)
	}
	return x.find(fsys, name)
}

// find answers a lookup from the index, confirming the name with a Stat;
// a dangling or escaping symlink makes it try the next spelling.
func (x *dirIndex) find(fsys afero.Fs, name string) (string, os.FileInfo, error) {
	var buf [2]string
	for _, n := range x.candidates(name, &buf) {
		if p, fi, err := statName(fsys, x.dir, n); !missing(err) {
			return p, fi, err
		}
	}
	return "", nil, fs.ErrNotExist
}

func statName(fsys afero.Fs, dir, n string) (string, os.FileInfo, error) {
	p := joinPath(dir, n)
	fi, err := fsys.Stat(p)
	return p, fi, err
}

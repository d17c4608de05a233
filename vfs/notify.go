package vfs

import (
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
)

// Change classes a watch selects, the CompletionFilter bits of
// NT_TRANSACT_NOTIFY_CHANGE (MS-CIFS 2.2.7.4.1, MS-FSCC 2.4.42).
const (
	NotifyFileName   uint32 = 0x001
	NotifyDirName    uint32 = 0x002
	NotifyAttributes uint32 = 0x004
	NotifySize       uint32 = 0x008
	NotifyLastWrite  uint32 = 0x010
	NotifyLastAccess uint32 = 0x020
	NotifyCreation   uint32 = 0x040
	NotifyEA         uint32 = 0x080
	NotifySecurity   uint32 = 0x100
)

// Change is one change a Watch reports, as a FILE_NOTIFY_INFORMATION entry
// will carry it (MS-FSCC 2.7.1): Action, one of the smb.FileAction values,
// on the entry Name, relative to the watched directory with subdirectories
// separated by backslashes (MS-CIFS 2.2.7.4.2).
type Change struct {
	Action uint32
	Name   string
}

// Watch is the change buffer of an open directory (MS-CIFS 3.3.5.59.4):
// from the first NOTIFY_CHANGE on the handle until it closes, it collects
// the changes of a class in its filter to the directory's entries — or,
// watching the tree, to anything below it — and hands them to the next
// Waiter; the server encodes them. Only changes made through
// the Share are seen: the Fs gives no change events, and an embedded
// server is the only writer of its files in practice.
//
// The buffer holds changes whose FILE_NOTIFY_INFORMATION list takes at
// most max bytes; past that it drops them
// and remembers that changes were lost, so a directory that changes a lot
// while nobody asks costs max bytes, not a list that grows without end.
type Watch struct {
	s      *Share
	dir    string
	tree   bool
	filter uint32
	max    int

	mu      sync.Mutex
	list    []Change // changes not handed out yet
	size    int      // the length of list's FILE_NOTIFY_INFORMATION encoding
	lost    bool
	stopped bool
	waiters []*Waiter
}

// Waiter is one request for a Watch's next changes.
type Waiter struct {
	fn   func(list []Change, lost bool)
	done bool // fn was called or the waiter cancelled; guarded by Watch.mu
}

// watchList is a share's watches; its own mutex, because changes are
// reported after the share's mu is released.
type watchList struct {
	mu sync.Mutex
	ws []*Watch
	// n is len(ws), read without mu on the write path.
	n atomic.Int32
}

// Watch returns the change buffer of the open directory f, creating it on
// the first call with the subtree flag, the classes in filter and a bound
// of max bytes; later calls return it unchanged, whatever they ask: once
// set on a handle the filter stays until the handle closes, as on Windows
// and Samba (smbtorture raw.notify mask_change). f must be an open
// directory (StatusInvalidParameter otherwise, as Samba answers).
func (f *File) Watch(tree bool, filter uint32, max int) (*Watch, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if !f.isDir {
		return nil, smb.StatusInvalidParameter
	}
	if f.watch != nil {
		return f.watch, nil
	}
	w := &Watch{s: f.share, dir: f.Path(), tree: tree, filter: filter, max: max}
	l := &f.share.watches
	l.mu.Lock()
	l.ws = append(l.ws, w)
	l.n.Store(int32(len(l.ws)))
	l.mu.Unlock()
	f.watch = w
	return w, nil
}

// Next asks for the changes: when some were collected (or lost) since the
// last hand-out it calls fn with them at once and returns nil; otherwise it
// queues fn behind the earlier waiters and returns the Waiter, whose fn the
// goroutine making the next matching change calls. fn runs with no lock
// held; list is fn's to keep, and lost says changes were dropped (list is
// then empty or partial and the client must list the directory again).
func (w *Watch) Next(fn func(list []Change, lost bool)) *Waiter {
	w.mu.Lock()
	if len(w.list) > 0 || w.lost {
		list, lost := w.take()
		w.mu.Unlock()
		fn(list, lost)
		return nil
	}
	wt := &Waiter{fn: fn}
	w.waiters = append(w.waiters, wt)
	w.mu.Unlock()
	return wt
}

// Cancel withdraws wt, reporting whether its fn had not been called; after
// a true Cancel it never is. It works after the directory closed too.
func (w *Watch) Cancel(wt *Waiter) bool {
	w.mu.Lock()
	pending := !wt.done
	wt.done = true
	for i, o := range w.waiters {
		if o == wt {
			w.waiters = append(w.waiters[:i], w.waiters[i+1:]...)
			break
		}
	}
	w.mu.Unlock()
	return pending
}

// take hands out the collected entries and empties the buffer. w.mu must
// be held.
func (w *Watch) take() ([]Change, bool) {
	list, lost := w.list, w.lost
	if lost {
		list = nil
	}
	w.list, w.size, w.lost = nil, 0, false
	return list, lost
}

// stop ends the watch when its directory closes: it hears of no more
// changes and drops what it collected. Queued waiters stay for Cancel.
func (w *Watch) stop() {
	l := &w.s.watches
	l.mu.Lock()
	for i, o := range l.ws {
		if o == w {
			l.ws = append(l.ws[:i], l.ws[i+1:]...)
			l.n.Store(int32(len(l.ws)))
			break
		}
	}
	l.mu.Unlock()
	w.mu.Lock()
	w.stopped = true
	w.take()
	w.mu.Unlock()
}

// matches reports whether a change of class what to the entry at p (a
// stored path) concerns w. The watched directory itself is not its own
// entry (smbtorture raw.notify basedir).
func (w *Watch) matches(p string, what uint32) bool {
	if w.filter&what == 0 || p == w.dir {
		return false
	}
	parent := path.Dir(p)
	if parent == w.dir {
		return true
	}
	if !w.tree {
		return false
	}
	return w.dir == "/" || strings.HasPrefix(parent, w.dir+"/")
}

// change is one change to report: action on the entry at the stored path
// p, of the classes in what.
type change struct {
	action uint32
	p      string
	what   uint32
}

// add records the changes of cs that concern w and, when a waiter is
// queued, hands them to the first one.
func (w *Watch) add(cs []change) {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	added := false
	for _, c := range cs {
		if !w.matches(c.p, c.what) {
			continue
		}
		added = true
		if w.lost {
			continue
		}
		// MS-CIFS 2.2.7.4.2: names are relative to the watched
		// directory, subdirectories separated by backslashes.
		rel := strings.ReplaceAll(strings.TrimPrefix(c.p[len(w.dir):], "/"), "/", `\`)
		if n := len(w.list); n > 0 && w.list[n-1] == (Change{c.action, rel}) {
			// Samba folds identical records in a row (ten writes to a
			// file are one MODIFIED).
			continue
		}
		w.list = append(w.list, Change{c.action, rel})
		w.size = smb.FileNotifyInformationLen(w.size, rel)
		if w.size > w.max {
			w.list, w.size, w.lost = nil, 0, true
		}
	}
	if !added || len(w.waiters) == 0 {
		w.mu.Unlock()
		return
	}
	wt := w.waiters[0]
	n := copy(w.waiters, w.waiters[1:])
	w.waiters[n] = nil
	w.waiters = w.waiters[:n]
	wt.done = true
	list, lost := w.take()
	w.mu.Unlock()
	wt.fn(list, lost)
}

// changed reports the changes cs, made together, to the watches they
// concern: a rename's old and new names reach a waiter in one hand-out.
// It must run without s.mu held: the waiters may send replies.
func (s *Share) changed(cs ...change) {
	s.indexChanges(cs)
	l := &s.watches
	if l.n.Load() == 0 {
		return
	}
	l.mu.Lock()
	var hit []*Watch
	for _, w := range l.ws {
		for _, c := range cs {
			if w.matches(c.p, c.what) {
				hit = append(hit, w)
				break
			}
		}
	}
	l.mu.Unlock()
	for _, w := range hit {
		w.add(cs)
	}
}

// nameClass is the name-change class of an entry.
func nameClass(dir bool) uint32 {
	if dir {
		return NotifyDirName
	}
	return NotifyFileName
}

// timesClass is the class of setting the times atime and mtime (a zero
// Time is not set).
func timesClass(atime, mtime time.Time) uint32 {
	var c uint32
	if !atime.IsZero() {
		c |= NotifyLastAccess
	}
	if !mtime.IsZero() {
		c |= NotifyLastWrite
	}
	return c
}

// addition, removal and modification are the changes of creating,
// deleting and changing the entry at p.
// indexChanges applies the entries cs adds and removes to the name index
// (names.go), so that it need not read their directories again.
func (s *Share) indexChanges(cs []change) {
	for _, c := range cs {
		dir, name := path.Split(c.p)
		if dir != "/" {
			dir = dir[:len(dir)-1]
		}
		switch c.action {
		case smb.FileActionAdded, smb.FileActionRenamedNewName:
			s.names.applied(s.fs, dir, name, "")
		case smb.FileActionRemoved, smb.FileActionRenamedOldName:
			s.names.applied(s.fs, dir, "", name)
		}
	}
}

func addition(p string, what uint32) change { return change{smb.FileActionAdded, p, what} }
func removal(p string, what uint32) change  { return change{smb.FileActionRemoved, p, what} }
func modification(p string, what uint32) change {
	return change{smb.FileActionModified, p, what}
}

// renamed reports the rename of the entry at oa to na: within one
// directory as its old and new names (MS-FSCC 2.7.1), across directories
// as a removal from one and an addition to the other. A file renamed also
// shows as modified under its new name in the attribute and creation
// classes, as Windows and Samba report it (smbtorture raw.notify recursive
// and mask_change expect it; directories do not get it).
func (s *Share) renamed(oa, na string, dir bool) {
	c := nameClass(dir)
	from, to := change{smb.FileActionRenamedOldName, oa, c}, change{smb.FileActionRenamedNewName, na, c}
	if path.Dir(oa) != path.Dir(na) {
		from, to = removal(oa, c), addition(na, c)
	}
	if dir {
		s.changed(from, to)
		return
	}
	s.changed(from, to, modification(na, NotifyAttributes|NotifyCreation))
}

// changed reports a change of class what to the file itself; finding its
// path takes s.mu, so it is skipped while nothing watches the share.
func (f *File) changed(what uint32) {
	if f.share.watches.n.Load() > 0 {
		f.share.changed(modification(f.Path(), what))
	}
}

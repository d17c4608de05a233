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

// Watch is a one-shot wait for a change under a directory of a share. Only
// changes made through the Share are seen: the Fs gives no change events,
// and an embedded server is the only writer of its files in practice.
type Watch struct {
	s      *Share
	dir    string
	tree   bool
	filter uint32
	fn     func()
}

// watchList is a share's watches; its own mutex, because changes are
// reported after the share's mu is released.
type watchList struct {
	mu sync.Mutex
	ws []*Watch
	// n is len(ws), read without mu on the write path.
	n atomic.Int32
}

// Watch calls fn once, on the goroutine that makes it, at the first change
// of a class in filter to an entry of the directory f — or, with tree, of
// any directory below it — unless the watch is stopped first. f must be
// an open directory (StatusInvalidParameter otherwise, as Samba answers).
func (f *File) Watch(tree bool, filter uint32, fn func()) (*Watch, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if !f.isDir {
		return nil, smb.StatusInvalidParameter
	}
	w := &Watch{s: f.share, dir: f.Path(), tree: tree, filter: filter, fn: fn}
	l := &f.share.watches
	l.mu.Lock()
	l.ws = append(l.ws, w)
	l.n.Store(int32(len(l.ws)))
	l.mu.Unlock()
	return w, nil
}

// Stop removes the watch, reporting whether it had not fired yet; after a
// true Stop fn is never called.
func (w *Watch) Stop() bool {
	l := &w.s.watches
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, o := range l.ws {
		if o == w {
			l.ws = append(l.ws[:i], l.ws[i+1:]...)
			l.n.Store(int32(len(l.ws)))
			return true
		}
	}
	return false
}

// matches reports whether a change of class what to the entry at p (a
// stored path) concerns w.
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

// changed fires the watches a change of class what to the entry at the
// stored path p concerns. It must run without s.mu held: the callbacks
// may send replies.
func (s *Share) changed(p string, what uint32) {
	l := &s.watches
	l.mu.Lock()
	if len(l.ws) == 0 {
		l.mu.Unlock()
		return
	}
	var fire []*Watch
	kept := l.ws[:0]
	for _, w := range l.ws {
		if w.matches(p, what) {
			fire = append(fire, w)
		} else {
			kept = append(kept, w)
		}
	}
	clear(l.ws[len(kept):])
	l.ws = kept
	l.n.Store(int32(len(kept)))
	l.mu.Unlock()
	for _, w := range fire {
		w.fn()
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

// changed reports a change of class what to the file itself; finding its
// path takes s.mu, so it is skipped while nothing watches the share.
func (f *File) changed(what uint32) {
	if f.share.watches.n.Load() > 0 {
		f.share.changed(f.Path(), what)
	}
}

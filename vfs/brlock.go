package vfs

import (
	"slices"

	"github.com/tinysmbd/tinysmbd/smb"
)

// byteLock is one byte-range lock. SMB1 locks belong to an (open, PID)
// pair: the FID they were taken through and the PID of the lock range
// (MS-CIFS 3.3.5.27).
type byteLock struct {
	f      *File
	pid    uint32
	off, n uint64
	shared bool
}

// LockRange is one range of a lock or unlock request.
type LockRange struct {
	PID    uint32 // the owner's process ID (16 bits in SMB1)
	Offset uint64
	Length uint64 // zero-byte locks are allowed
}

// overlap reports whether [o1, o1+n1) and [o2, o2+n2) share a byte, with
// the arithmetic wrapping as Windows' does at the top of the 64-bit space;
// equal non-empty ranges always overlap. A zero-byte range overlaps a
// range that contains its offset other than at the range's start
// (smbtorture raw.lock zerobytelocks).
func overlap(o1, n1, o2, n2 uint64) bool {
	if n1 != 0 && o1 == o2 && n1 == n2 {
		return true
	}
	return o1 < o2+n2 && o2 < o1+n1
}

// blocks reports whether existing lock l keeps a new lock of f/pid on
// [off, off+n) from being granted. Shared locks never conflict with each
// other, and an owner may stack a shared lock on its own exclusive one
// (MS-FSA 2.1.5.7 / Samba brl_conflict).
func (l *byteLock) blocks(f *File, pid uint32, off, n uint64, shared bool) bool {
	if l.shared && shared {
		return false
	}
	if !l.shared && shared && l.f == f && l.pid == pid {
		return false
	}
	return overlap(l.off, l.n, off, n)
}

// blocksIO reports whether l forbids a read or write of f/pid on
// [off, off+n): another owner's exclusive lock forbids both, anyone's
// shared lock — the owner's too — forbids writing (MS-FSA 2.1.4.4).
func (l *byteLock) blocksIO(f *File, pid uint32, off, n uint64, write bool) bool {
	if n == 0 || l.shared && !write {
		return false
	}
	if !l.shared && l.f == f && l.pid == pid {
		return false
	}
	return overlap(l.off, l.n, off, n)
}

// conflict returns the index of the first range of rs that cannot be
// granted now, or -1. n.locks must be stable (s.mu held).
func (n *fileNode) conflict(f *File, rs []LockRange, shared bool) int {
	for i, r := range rs {
		if n.waitedFor(f, r, shared) {
			return i
		}
		for j := range n.locks {
			if n.locks[j].blocks(f, r.PID, r.Offset, r.Length, shared) {
				return i
			}
		}
		// Ranges of one request conflict with each other as well.
		for _, q := range rs[:i] {
			l := byteLock{f: f, pid: q.PID, off: q.Offset, n: q.Length, shared: shared}
			if l.blocks(f, r.PID, r.Offset, r.Length, shared) {
				return i
			}
		}
	}
	return -1
}

// waitedFor reports whether a blocked request already waits for a range
// a new request of f asks for: it keeps its place, the newcomer fails
// (smbtorture raw.lock multilock3). Waiters retried by retryWaiters are
// judged by behind instead, which this must not see, so it is not
// consulted while a retry is running.
func (n *fileNode) waitedFor(f *File, r LockRange, shared bool) bool {
	if n.retrying {
		return false
	}
	for _, w := range n.waiters {
		for _, q := range w.rs {
			l := byteLock{f: w.f, pid: q.PID, off: q.Offset, n: q.Length, shared: w.shared}
			if l.blocks(f, r.PID, r.Offset, r.Length, shared) {
				return true
			}
		}
	}
	return false
}

func (n *fileNode) grant(f *File, rs []LockRange, shared bool) {
	for _, r := range rs {
		n.locks = append(n.locks, byteLock{f: f, pid: r.PID, off: r.Offset, n: r.Length, shared: shared})
	}
	n.nlocks.Store(int32(len(n.locks)))
}

// dropLocksOf removes every lock f holds and reports whether there were any.
func (n *fileNode) dropLocksOf(f *File) bool {
	kept := n.locks[:0]
	for _, l := range n.locks {
		if l.f != f {
			kept = append(kept, l)
		}
	}
	released := len(kept) != len(n.locks)
	clear(n.locks[len(kept):])
	n.locks = kept
	n.nlocks.Store(int32(len(n.locks)))
	return released
}

// failStatus is the status of a lock that failed at once at offset off:
// Windows answers STATUS_LOCK_NOT_GRANTED the first time and
// STATUS_FILE_LOCK_CONFLICT when the same handle's previous failure was at
// the same offset, or always for offsets from 0xEF000000 up to 2^63
// (smbtorture raw.lock errorcode; Samba's brl_lock_failed). The handle
// remembers the offset. s.mu must be held.
func (f *File) failStatus(off uint64) error {
	repeat := f.lastFailSet && f.lastFail == off
	f.lastFailSet, f.lastFail = true, off
	if off >= 0xEF000000 && off>>63 == 0 || repeat {
		return smb.StatusFileLockConflict
	}
	return smb.StatusLockNotGranted
}

// lockCheck guards the lock operations: an open, non-directory handle.
func (f *File) lockCheck() error {
	if err := f.check(); err != nil {
		return err
	}
	if f.isDir {
		return smb.StatusInvalidDeviceRequest
	}
	if f.node == nil {
		return smb.StatusInvalidHandle
	}
	return nil
}

// Lock takes every range of rs or none (MS-CIFS 3.3.5.27): shared locks if
// shared is set, exclusive ones otherwise. A conflict fails at once with
// StatusLockNotGranted or StatusFileLockConflict as Windows chooses them
// (see failStatus).
func (f *File) Lock(rs []LockRange, shared bool) error {
	if err := f.lockCheck(); err != nil {
		return err
	}
	// MS-CIFS 3.3.4.2: a byte-range lock breaks level II oplocks
	// (smbtorture raw.oplock BRL1).
	f.BreakLevelII()
	s := f.share
	s.mu.Lock()
	defer s.mu.Unlock()
	n := f.node
	if i := n.conflict(f, rs, shared); i >= 0 {
		return f.failStatus(rs[i].Offset)
	}
	n.grant(f, rs, shared)
	return nil
}

// Unlock removes the locks of rs in order, each matched exactly by owner,
// offset and length whatever its type; the first range without a lock
// fails with StatusRangeNotLocked, leaving the ones before it unlocked
// (smbtorture raw.lock multiple_unlock). Waiters the unlock satisfies are
// granted; their completions run before Unlock returns.
func (f *File) Unlock(rs []LockRange) error {
	if err := f.lockCheck(); err != nil {
		return err
	}
	s := f.share
	s.mu.Lock()
	n := f.node
	var err error
	removed := false
	for _, r := range rs {
		i := n.find(f, r)
		if i < 0 {
			err = smb.StatusRangeNotLocked
			break
		}
		n.locks = slices.Delete(n.locks, i, i+1)
		removed = true
	}
	n.nlocks.Store(int32(len(n.locks)))
	var wake []func()
	if removed {
		wake = n.retryWaiters(nil)
	}
	s.mu.Unlock()
	runAll(wake)
	return err
}

// find returns the index of f's lock matching r, or -1. Windows removes an
// exclusive lock before a shared one on the same range (smbtorture
// raw.lock unlock).
func (n *fileNode) find(f *File, r LockRange) int {
	found := -1
	for i, l := range n.locks {
		if l.f == f && l.pid == r.PID && l.off == r.Offset && l.n == r.Length {
			if !l.shared {
				return i
			}
			if found < 0 {
				found = i
			}
		}
	}
	return found
}

// CheckIO reports whether f's process pid may read (or write) n bytes at
// off despite the file's byte-range locks: nil, or
// StatusFileLockConflict (MS-CIFS 3.3.5.36). A file nobody has locked is
// answered without taking the table's mutex and without allocating.
func (f *File) CheckIO(pid uint32, off uint64, n int, write bool) error {
	nd := f.node
	if nd == nil || nd.nlocks.Load() == 0 {
		return nil
	}
	s := f.share
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range nd.locks {
		if nd.locks[i].blocksIO(f, pid, off, uint64(n), write) {
			return smb.StatusFileLockConflict
		}
	}
	return nil
}

// LockWaiter is a lock request that could not be granted at once and waits
// for the conflicting locks to go (a LOCKING_ANDX with a Timeout). Its
// done function runs exactly once: with nil when the locks are granted, or
// with the failure status when it times out (Expire), is cancelled
// (Cancel) or its file is closed (StatusRangeNotLocked). It
// runs on whichever goroutine finished the wait, never with the share's
// mutex held.
type LockWaiter struct {
	f        *File
	rs       []LockRange
	shared   bool
	done     func(error)
	finished bool // guarded by the share's mutex
}

// LockWait is Lock for a request that may wait: granted at once it
// returns (nil, nil) and done is never called; on a conflict it queues and
// returns the waiter. rs is kept; the caller must not change it.
func (f *File) LockWait(rs []LockRange, shared bool, done func(error)) (*LockWaiter, error) {
	if err := f.lockCheck(); err != nil {
		return nil, err
	}
	// MS-CIFS 3.3.4.2: a byte-range lock breaks level II oplocks
	// (smbtorture raw.oplock BRL1).
	f.BreakLevelII()
	s := f.share
	s.mu.Lock()
	defer s.mu.Unlock()
	n := f.node
	if n.conflict(f, rs, shared) < 0 {
		n.grant(f, rs, shared)
		return nil, nil
	}
	w := &LockWaiter{f: f, rs: rs, shared: shared, done: done}
	n.waiters = append(n.waiters, w)
	return w, nil
}

// retryWaiters grants every waiter whose ranges are now free, in arrival
// order, and returns their completions appended to wake. A waiter still
// blocked keeps later waiters off its ranges: precedence goes by arrival,
// not by which request happens to fit (smbtorture raw.lock multilock2).
// s.mu must be held.
func (n *fileNode) retryWaiters(wake []func()) []func() {
	n.retrying = true
	defer func() { n.retrying = false }()
	kept := n.waiters[:0]
	for _, w := range n.waiters {
		if n.conflict(w.f, w.rs, w.shared) >= 0 || behind(w, kept) {
			kept = append(kept, w)
			continue
		}
		n.grant(w.f, w.rs, w.shared)
		w.finished = true
		wake = append(wake, w.completion(nil))
	}
	clear(n.waiters[len(kept):])
	n.waiters = kept
	return wake
}

// cancelWaitersOf ends f's waiters with status st. s.mu must be held.
func (n *fileNode) cancelWaitersOf(f *File, st error, wake []func()) []func() {
	kept := n.waiters[:0]
	for _, w := range n.waiters {
		if w.f != f {
			kept = append(kept, w)
			continue
		}
		w.finished = true
		wake = append(wake, w.completion(st))
	}
	clear(n.waiters[len(kept):])
	n.waiters = kept
	return wake
}

// behind reports whether w asks for a range one of the blocked waiters
// ahead of it asks for too.
func behind(w *LockWaiter, ahead []*LockWaiter) bool {
	for _, a := range ahead {
		for _, r := range a.rs {
			l := byteLock{f: a.f, pid: r.PID, off: r.Offset, n: r.Length, shared: a.shared}
			for _, q := range w.rs {
				if l.blocks(w.f, q.PID, q.Offset, q.Length, w.shared) {
					return true
				}
			}
		}
	}
	return false
}

func (w *LockWaiter) completion(err error) func() {
	done := w.done
	return func() { done(err) }
}

func runAll(fns []func()) {
	for _, fn := range fns {
		fn()
	}
}

// finish ends w with err if it is still waiting, reporting whether it did.
func (w *LockWaiter) finish(err error, timedOut bool) bool {
	s := w.f.share
	s.mu.Lock()
	if w.finished {
		s.mu.Unlock()
		return false
	}
	w.finished = true
	if n := w.f.node; n != nil {
		for i, x := range n.waiters {
			if x == w {
				n.waiters = append(n.waiters[:i], n.waiters[i+1:]...)
				break
			}
		}
	}
	if timedOut {
		// The failure the client sees is what later immediate failures
		// compare with (smbtorture raw.lock errorcode: the cache is set
		// when the error is reported).
		for _, r := range w.rs {
			if w.f.node != nil && w.f.node.conflict(w.f, []LockRange{r}, w.shared) >= 0 {
				w.f.lastFailSet, w.f.lastFail = true, r.Offset
				break
			}
		}
	}
	s.mu.Unlock()
	w.done(err)
	return true
}

// Expire ends a waiter whose timeout passed with StatusFileLockConflict,
// which Windows returns for every lock that waited (smbtorture raw.lock
// errorcode).
func (w *LockWaiter) Expire() bool { return w.finish(smb.StatusFileLockConflict, true) }

// Cancel ends a waiter with status st (NT_CANCEL, a connection's end).
func (w *LockWaiter) Cancel(st error) bool { return w.finish(st, false) }
